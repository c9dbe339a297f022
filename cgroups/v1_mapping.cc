#include "cgroups/v1_mapping.h"

namespace resizelet::cgroups {
namespace {
// LONG_MAX rounded down to a 64 KiB page (the largest page size Linux uses for memcg accounting
// on arm64/ppc64): every PAGE_COUNTER_MAX * PAGE_SIZE is at or above it.
constexpr int64_t kUnlimitedFloor = INT64_MAX - (int64_t{65536} - 1);
}  // namespace

int64_t V1CfsQuota(int64_t quota) { return quota > 0 ? quota : kV1NoLimit; }

int64_t V1MemoryLimit(std::optional<int64_t> limit_bytes) {
  return limit_bytes.has_value() && *limit_bytes > 0 ? *limit_bytes : kV1NoLimit;
}

std::optional<int64_t> V1MemoryLimitFromFile(int64_t file_value) {
  if (file_value < 0 || file_value >= kUnlimitedFloor) return std::nullopt;
  return file_value;
}

V1CpuMemoryValues ToV1Values(int64_t cpu_shares, int64_t cpu_quota, int64_t cpu_period,
                             std::optional<int64_t> memory_limit_bytes) {
  return V1CpuMemoryValues{cpu_shares, V1CfsQuota(cpu_quota), cpu_period,
                           V1MemoryLimit(memory_limit_bytes)};
}

}  // namespace resizelet::cgroups
