// cgroup v1 equivalents of the kubelet's pod and container CPU/memory values.
//
// On v1 the kubelet's libcontainer manager writes cpu.shares directly (no weight conversion),
// cpu.cfs_period_us and cpu.cfs_quota_us, and memory.limit_in_bytes. "No limit" is -1 in both
// files (what runc writes for an unlimited quota or memory, and the kernel's default for
// cfs_quota_us). The kernel reads an unlimited memory.limit_in_bytes back as the largest page
// multiple (9223372036854771712 with 4 KiB pages), not as -1.
#ifndef RESIZELET_CGROUPS_V1_MAPPING_H_
#define RESIZELET_CGROUPS_V1_MAPPING_H_

#include <cstdint>
#include <optional>

namespace resizelet::cgroups {

inline constexpr int64_t kV1NoLimit = -1;
// PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE) * PAGE_SIZE for 4 KiB pages.
inline constexpr int64_t kV1MemoryUnlimitedReadBack = 9223372036854771712;

struct V1CpuMemoryValues {
  int64_t cpu_shares = 0;                      // cpu.shares
  int64_t cpu_cfs_quota_us = kV1NoLimit;       // cpu.cfs_quota_us; -1: no limit
  int64_t cpu_cfs_period_us = 100000;          // cpu.cfs_period_us
  int64_t memory_limit_in_bytes = kV1NoLimit;  // memory.limit_in_bytes; -1: no limit
  friend bool operator==(const V1CpuMemoryValues&, const V1CpuMemoryValues&) = default;
};

// cpu.cfs_quota_us for a kubelet quota: the quota, or -1 when it is ≤ 0 (0 is the kubelet's "no
// quota" from MilliCPUToQuota(0)).
int64_t V1CfsQuota(int64_t quota);

// memory.limit_in_bytes for an optional limit: the limit, or -1 when unset or ≤ 0.
int64_t V1MemoryLimit(std::optional<int64_t> limit_bytes);

// Maps a value read from memory.limit_in_bytes back to a limit: nullopt (no limit) for -1 and for
// anything at or above the page-rounded maximum of any page size up to 64 KiB.
std::optional<int64_t> V1MemoryLimitFromFile(int64_t file_value);

// The four files' values for shares/quota/period/limit in the kubelet's units.
V1CpuMemoryValues ToV1Values(int64_t cpu_shares, int64_t cpu_quota, int64_t cpu_period,
                             std::optional<int64_t> memory_limit_bytes);

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_V1_MAPPING_H_
