// A container's CRI LinuxContainerResources as the kubelet builds them from the *allocated* pod
// (pkg/kubelet/kuberuntime/kuberuntime_container_linux.go generateLinuxContainerResources,
// calculateLinuxResources; pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust).
//   limit:  the container's own, else the pod-level limit (KEP-2837: a container without a limit
//           sees the pod's, so Java and friends size themselves);
//   cpu_shares = MilliCPUToShares(request), or of the limit when there is no request;
//   cpu_quota = MilliCPUToQuota(limit) (0: none), cpu_period = 100000 (with CFS quota enforced);
//   memory_limit_in_bytes = the limit (0: none);
//   unified["memory.oom.group"] = "1" on cgroup v2 unless single-process OOM kill is configured;
//   oom_score_adj: node-critical -997, Guaranteed -997, BestEffort 1000, Burstable
//   1000 - 1000*request/capacity clamped to [3, 999] (sidecars capped at the smallest regular
//   container's value; with pod-level memory requests each container's request first gets an equal
//   share of the unassigned pod request).
#ifndef RESIZELET_AGENT_RESIZE_CONTAINER_RESOURCES_H_
#define RESIZELET_AGENT_RESIZE_CONTAINER_RESOURCES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/api/objects.h"
#include "cgroups/cpu_math.h"

namespace resizelet::resize {

// runtime.v1.LinuxContainerResources, the fields resizelet sets.
struct LinuxContainerResources {
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  int64_t cpu_shares = 0;
  int64_t memory_limit_in_bytes = 0;
  // Unset for a Burstable pod when the node's memory capacity is unknown.
  std::optional<int64_t> oom_score_adj;
  std::vector<std::pair<std::string, std::string>> unified;
  friend bool operator==(const LinuxContainerResources&, const LinuxContainerResources&) = default;
};

struct ContainerResourceOptions {
  bool cgroup_v2 = true;
  // Kubelet singleProcessOOMKill.
  bool single_process_oom_kill = false;
  // Kubelet cpuCFSQuota and cpuCFSQuotaPeriod.
  bool enforce_cpu_limits = true;
  int64_t cpu_period = cgroups::kQuotaPeriodUs;
  // Node status.capacity.memory; needed for a Burstable pod's oom_score_adj.
  std::optional<int64_t> node_memory_capacity_bytes = std::nullopt;
};

inline constexpr int kGuaranteedOomScoreAdj = -997;
inline constexpr int kBestEffortOomScoreAdj = 1000;

// The container named `container_name` among spec.containers and spec.initContainers of the
// allocated pod. NotFound if there is none.
absl::StatusOr<LinuxContainerResources> ContainerResources(const api::Pod& allocated_pod,
                                                           std::string_view container_name,
                                                           const ContainerResourceOptions& options);

// True when the values a runtime reports for a container (ContainerStatus.resources.linux) are
// what `wanted` asked for, compared in the runtime's units: shares, period, memory bytes, and the
// quota after runc's systemd rounding when the systemd cgroup driver is in use (a 15m limit is
// written as 20m). Comparing read-back millicores instead never converges for a 1m request, which
// reads back as 2m (kubernetes#114123). Fields the runtime leaves at 0 are not compared.
bool ResourcesMatch(const LinuxContainerResources& wanted, const LinuxContainerResources& reported,
                    bool systemd_driver);

// GetContainerOOMScoreAdjust for `container` (an element of the pod's containers or
// init_containers). `memory_capacity` must be positive.
int OomScoreAdjust(const api::Pod& pod, const api::ContainerSpec& container,
                   int64_t memory_capacity);

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_CONTAINER_RESOURCES_H_
