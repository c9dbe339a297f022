// The pod cgroup's values, as the kubelet's ResourceConfigForPod (pkg/kubelet/cm/helpers_linux.go)
// derives them from the *allocated* pod:
//   requests/limits = PodRequests/PodLimits (sidecar formula, pod-level override, overhead);
//   a CPU (memory) limit is "declared" only if every container (init included) has one, unless the
//   pod-level limit is set;
//   Guaranteed: shares, quota, period and memory limit all set;
//   Burstable:  shares always; quota/period only if CPU limits are declared; memory only if memory
//               limits are declared;
//   BestEffort: shares = 2 only.
// Unset fields are left as they are by the kubelet; on a fresh pod cgroup that is "no limit".
#ifndef RESIZELET_AGENT_RESIZE_POD_CGROUP_CONFIG_H_
#define RESIZELET_AGENT_RESIZE_POD_CGROUP_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "agent/api/objects.h"
#include "cgroups/cpu_math.h"

namespace resizelet::resize {

struct PodCgroupOptions {
  // Kubelet cpuCFSQuota; false writes quota -1 (unlimited) wherever a quota would be set.
  bool enforce_cpu_limits = true;
  // Kubelet cpuCFSQuotaPeriod in µs.
  int64_t cpu_period = cgroups::kQuotaPeriodUs;
};

// The kubelet's ResourceConfig restricted to cpu and memory, in kubelet units.
struct PodCgroupConfig {
  std::optional<int64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;  // 0 or -1: no limit
  std::optional<int64_t> cpu_period;
  std::optional<int64_t> memory_limit_bytes;

  // cgroup v2 file values. cpu.weight uses the kubelet's linear formula (pod cgroups are written
  // by the kubelet, never by a runtime). An unset quota or memory limit renders as "max".
  uint64_t CpuWeight() const;
  std::string CpuMax() const;     // "max 100000", "100000 100000"
  std::string MemoryMax() const;  // "max", "1073741824"

  friend bool operator==(const PodCgroupConfig&, const PodCgroupConfig&) = default;
};

PodCgroupConfig ResourceConfigForPod(const api::Pod& allocated_pod,
                                     const PodCgroupOptions& options = {});

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_POD_CGROUP_CONFIG_H_
