#include "agent/resize/container_resources.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/resize/pod_resources.h"
#include "agent/resize/qos.h"

namespace resizelet::resize {
namespace {

const api::ContainerSpec* FindContainer(const api::Pod& pod, std::string_view name) {
  for (const api::ContainerSpec& c : pod.containers) {
    if (c.name == name) return &c;
  }
  for (const api::ContainerSpec& c : pod.init_containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsSidecar(const api::Pod& pod, const api::ContainerSpec& container) {
  if (!container.sidecar) return false;
  for (const api::ContainerSpec& c : pod.init_containers) {
    if (&c == &container || c.name == container.name) return true;
  }
  return false;
}

// remainingPodMemReqPerContainer: the pod-level memory request the containers do not claim, shared
// equally by every regular and init container (Go integer division truncates toward zero).
int64_t RemainingPodMemoryPerContainer(const api::Pod& pod) {
  if (!pod.resources.has_value()) return 0;
  const int64_t pod_request = BytesOrZero(pod.resources->requests.memory);
  if (pod_request == 0) return 0;
  const int64_t count = static_cast<int64_t>(pod.containers.size() + pod.init_containers.size());
  if (count == 0) return 0;
  const int64_t remaining = pod_request - AggregateContainerRequests(pod).memory_bytes;
  return remaining / count;
}

int64_t ScoreFor(int64_t memory_request, int64_t capacity) {
  return 1000 - static_cast<int64_t>(static_cast<__int128>(1000) * memory_request / capacity);
}

}  // namespace

int OomScoreAdjust(const api::Pod& pod, const api::ContainerSpec& container,
                   int64_t memory_capacity) {
  if (IsNodeCriticalPod(pod)) return kGuaranteedOomScoreAdj;
  switch (GetPodQos(pod)) {
    case api::QosClass::kGuaranteed:
      return kGuaranteedOomScoreAdj;
    case api::QosClass::kBestEffort:
      return kBestEffortOomScoreAdj;
    default:
      break;
  }
  if (memory_capacity <= 0) memory_capacity = 1;
  // The kubelet reads the container's request as stored (already defaulted by the API server).
  const int64_t own_request = ContainerRequests(container).memory_bytes;
  const bool pod_level = IsPodLevelRequestsSet(pod);
  const int64_t share = pod_level ? RemainingPodMemoryPerContainer(pod) : 0;
  int64_t adjust = ScoreFor(own_request + share, memory_capacity);

  // A sidecar is never scored above (killed before) the regular container with the smallest
  // memory request.
  if (IsSidecar(pod, container) && !pod.containers.empty()) {
    int64_t min_request = ContainerRequests(pod.containers.front()).memory_bytes;
    for (const api::ContainerSpec& c : pod.containers) {
      min_request = std::min(min_request, ContainerRequests(c).memory_bytes);
    }
    if (pod_level) min_request += share;
    adjust = std::min(adjust, ScoreFor(min_request, memory_capacity));
  }
  // Burstable stays above every Guaranteed pod (1000 + -997) and below BestEffort.
  if (adjust < 1000 + kGuaranteedOomScoreAdj) return 1000 + kGuaranteedOomScoreAdj;
  if (adjust == kBestEffortOomScoreAdj) return kBestEffortOomScoreAdj - 1;
  return static_cast<int>(adjust);
}

bool ResourcesMatch(const LinuxContainerResources& wanted, const LinuxContainerResources& reported,
                    bool systemd_driver) {
  int64_t quota = wanted.cpu_quota;
  if (systemd_driver && quota > 0) {
    quota = cgroups::RoundCpuQuotaForSystemd(quota, wanted.cpu_period).quota;
  }
  // A quota of 0 asks for no limit; runtimes report no limit as 0 or -1.
  const bool quota_match = quota > 0 ? reported.cpu_quota == quota : reported.cpu_quota <= 0;
  return reported.cpu_shares == wanted.cpu_shares && quota_match &&
         (reported.cpu_period == 0 || wanted.cpu_period == 0 ||
          reported.cpu_period == wanted.cpu_period) &&
         reported.memory_limit_in_bytes == wanted.memory_limit_in_bytes;
}

absl::StatusOr<LinuxContainerResources> ContainerResources(
    const api::Pod& pod, std::string_view container_name, const ContainerResourceOptions& options) {
  const api::ContainerSpec* container = FindContainer(pod, container_name);
  if (container == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("pod ", pod.Key(), " has no container \"", std::string(container_name), "\""));
  }
  const api::ResourceRequirements& r = container->resources;
  const CpuMemory pod_limits = PodLevelLimits(pod);  // 0 where the pod level sets none
  const int64_t cpu_request = MilliOrZero(r.requests.cpu);
  int64_t cpu_limit = MilliOrZero(r.limits.cpu);
  if (cpu_limit == 0) cpu_limit = pod_limits.cpu_milli;  // getCPULimit
  int64_t memory_limit = BytesOrZero(r.limits.memory);
  if (memory_limit == 0) memory_limit = pod_limits.memory_bytes;  // getMemoryLimit

  LinuxContainerResources out;
  // A limit with no request: the request defaults to the limit (the API server does this for new
  // containers; the kubelet repeats it for objects from older servers).
  out.cpu_shares =
      cgroups::MilliCpuToShares(cpu_request == 0 && cpu_limit != 0 ? cpu_limit : cpu_request);
  out.memory_limit_in_bytes = memory_limit;
  if (options.enforce_cpu_limits) {
    out.cpu_period = options.cpu_period;
    out.cpu_quota = cgroups::MilliCpuToQuota(cpu_limit, options.cpu_period);
  }
  if (options.cgroup_v2 && !options.single_process_oom_kill) {
    out.unified.emplace_back("memory.oom.group", "1");
  }
  const api::QosClass qos = GetPodQos(pod);
  if (options.node_memory_capacity_bytes.has_value() || qos != api::QosClass::kBurstable ||
      IsNodeCriticalPod(pod)) {
    out.oom_score_adj =
        OomScoreAdjust(pod, *container, options.node_memory_capacity_bytes.value_or(1));
  }
  return out;
}

}  // namespace resizelet::resize
