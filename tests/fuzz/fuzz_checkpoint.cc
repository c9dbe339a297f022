// Fuzzes the allocation checkpoint parser. Each input is decoded twice: as a whole file, and as
// a body under a freshly computed valid header (random bytes almost never carry a valid
// CRC-32C, so this is what reaches the body parser). Whatever decodes must re-encode to exactly
// the same bytes: the format has one spelling per state.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "agent/state/checkpoint_format.h"
#include "agent/state/crc32c.h"

namespace {

void CheckRoundTrip(std::string_view file) {
  absl::StatusOr<resizelet::state::AllocationMap> decoded =
      resizelet::state::DecodeCheckpoint(file);
  if (!decoded.ok()) return;
  absl::StatusOr<std::string> encoded = resizelet::state::EncodeCheckpoint(*decoded);
  if (!encoded.ok() || *encoded != file) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckRoundTrip(input);
  const std::string with_header =
      absl::StrCat("resizelet-allocation-checkpoint 1 ", input.size(), " ",
                   absl::Hex(resizelet::state::Crc32c(input), absl::kZeroPad8), "\n",
                   absl::string_view(input.data(), input.size()));
  CheckRoundTrip(with_header);
  return 0;
}
