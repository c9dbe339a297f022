// Fuzzes watch-stream framing and event / Status decoding: the input is split into chunks at
// fuzzer-chosen points, framed, and every line decoded. Nothing may crash, hang or leak, and the
// framing must not depend on where the chunks break.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/kube/watch_frame.h"

namespace {

std::vector<std::string> Frame(std::string_view data, size_t chunk) {
  resizelet::kube::WatchFramer framer(1 << 16);
  std::vector<std::string> lines;
  for (size_t i = 0; i < data.size(); i += chunk) {
    if (!framer.Append(data.substr(i, chunk)).ok()) return {"<too large>"};
    while (auto line = framer.Next()) lines.push_back(*line);
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 31;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> whole = Frame(input, input.size() + 1);
  std::vector<std::string> chunked = Frame(input, chunk);
  if (whole != chunked) __builtin_trap();
  for (const auto& line : whole) {
    (void)resizelet::kube::DecodeWatchEvent(line);
    (void)resizelet::kube::DecodeApiStatus(line);
    (void)resizelet::kube::DecodeContinueToken(line);
  }
  return 0;
}
