// Fuzzes the ResizeletConfiguration decoder (yaml-cpp underneath: its exceptions must never
// escape) and the validation of whatever it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/obs/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = resizelet::obs::ParseConfig(input, "fuzz.yaml");
  if (config.ok()) (void)resizelet::obs::Validate(*config);
  return 0;
}
