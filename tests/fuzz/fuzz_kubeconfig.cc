// Fuzzes kubeconfig parsing (yaml-cpp underneath: its exceptions must never escape).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/kube/kubeconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)resizelet::kube::ParseKubeconfig(input, "/base");
  (void)resizelet::kube::ParseKubeconfig(input, "", "other");
  return 0;
}
