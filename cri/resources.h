// A container's Linux resources in the runtime's units (CRI LinuxContainerResources), and the
// comparison that makes UpdateContainerResources idempotent.
#ifndef RESIZELET_CRI_RESOURCES_H_
#define RESIZELET_CRI_RESOURCES_H_

#include <cstdint>
#include <map>
#include <string>

namespace resizelet::cri {

// Mirrors runtime.v1.LinuxContainerResources. A field at 0 (or empty) is "not set": in an update
// the runtime keeps its current value (containerd's UpdateContainerResources merges into the
// spec). cpu_quota = -1 removes the CFS quota.
struct LinuxResources {
  int64_t cpu_period = 0;  // µs
  int64_t cpu_quota = 0;   // µs per period; -1 = unlimited
  int64_t cpu_shares = 0;  // cgroup v1 cpu.shares units (the runtime converts for v2)
  int64_t memory_limit_in_bytes = 0;
  int64_t oom_score_adj = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  int64_t memory_swap_limit_in_bytes = 0;
  std::map<std::string, std::string> unified;  // raw cgroup v2 files

  bool operator==(const LinuxResources&) const = default;
};

// True when `current` (what ContainerStatus reports) already holds every value `target` sets.
// The comparison is exact and in the runtime's units, never through millicores or quantities:
// a 1m CPU request becomes 2 shares and reads back as 2m, and comparing in millicores would keep a
// resize from ever completing (kubernetes#114123). A target quota of -1 (unlimited) is satisfied by
// a current quota of -1 or 0 (no quota in the spec). oom_score_adj is not compared: the kubelet
// sets it at creation only and runtimes do not report it back consistently.
bool ResourcesSatisfy(const LinuxResources& current, const LinuxResources& target);

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_RESOURCES_H_
