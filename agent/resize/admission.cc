#include "agent/resize/admission.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/resize/qos.h"

namespace resizelet::resize {
namespace {

bool SameQuantity(const std::optional<api::Quantity>& a, const std::optional<api::Quantity>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || *a == *b;
}

bool SameCpu(const api::ResourceRequirements& a, const api::ResourceRequirements& b) {
  return SameQuantity(a.requests.cpu, b.requests.cpu) && SameQuantity(a.limits.cpu, b.limits.cpu);
}

bool SameMemory(const api::ResourceRequirements& a, const api::ResourceRequirements& b) {
  return SameQuantity(a.requests.memory, b.requests.memory) &&
         SameQuantity(a.limits.memory, b.limits.memory);
}

const api::ResourceRequirements kNoResources{};

// The allocated counterpart of desired container `index` of `list`: same index when the names
// match (the API forbids renaming and reordering on resize), else a search by name.
const api::ContainerSpec* Counterpart(const std::vector<api::ContainerSpec>& list, size_t index,
                                      const std::string& name) {
  if (index < list.size() && list[index].name == name) return &list[index];
  for (const api::ContainerSpec& c : list) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const api::ResourceRequirements& PodLevel(const api::Pod& pod) {
  return pod.resources.has_value() ? *pod.resources : kNoResources;
}

// Calls fn(desired_container, allocated_resources) for every container of `desired`.
template <typename Fn>
bool AnyContainer(const api::Pod& desired, const api::Pod& allocated, Fn fn) {
  for (size_t i = 0; i < desired.containers.size(); ++i) {
    const api::ContainerSpec* a = Counterpart(allocated.containers, i, desired.containers[i].name);
    if (fn(desired.containers[i], a ? a->resources : kNoResources)) return true;
  }
  for (size_t i = 0; i < desired.init_containers.size(); ++i) {
    const api::ContainerSpec* a =
        Counterpart(allocated.init_containers, i, desired.init_containers[i].name);
    if (fn(desired.init_containers[i], a ? a->resources : kNoResources)) return true;
  }
  return false;
}

bool Removed(const std::optional<api::Quantity>& before,
             const std::optional<api::Quantity>& after) {
  return before.has_value() && !after.has_value();
}

bool LimitRemoved(const api::ResourceRequirements& before, const api::ResourceRequirements& after) {
  return Removed(before.limits.cpu, after.limits.cpu) ||
         Removed(before.limits.memory, after.limits.memory);
}

bool RequestRemoved(const api::ResourceRequirements& before,
                    const api::ResourceRequirements& after) {
  return Removed(before.requests.cpu, after.requests.cpu) ||
         Removed(before.requests.memory, after.requests.memory);
}

bool CpuChanged(const api::Pod& desired, const api::Pod& allocated) {
  if (!SameCpu(PodLevel(desired), PodLevel(allocated))) return true;
  return AnyContainer(desired, allocated,
                      [](const api::ContainerSpec& d, const api::ResourceRequirements& a) {
                        return !SameCpu(d.resources, a);
                      });
}

bool MemoryChanged(const api::Pod& desired, const api::Pod& allocated) {
  if (!SameMemory(PodLevel(desired), PodLevel(allocated))) return true;
  return AnyContainer(desired, allocated,
                      [](const api::ContainerSpec& d, const api::ResourceRequirements& a) {
                        return !SameMemory(d.resources, a);
                      });
}

// The kubelet compares spec.resources with apiequality.Semantic.DeepEqual; resizelet models only
// cpu and memory there, the only pod-level resources the API lets a resize change.
bool PodLevelChanged(const api::Pod& desired, const api::Pod& allocated) {
  return !SameCpu(PodLevel(desired), PodLevel(allocated)) ||
         !SameMemory(PodLevel(desired), PodLevel(allocated));
}

// LimitedSwap gives swap to Burstable, non-critical containers whose memory request differs from
// their limit (pkg/kubelet/kuberuntime swap configuration); their swap size follows the request.
bool ResizesSwappedMemoryRequest(const api::Pod& desired, const api::Pod& allocated,
                                 const NodeResizeSettings& settings) {
  if (settings.swap_behavior != SwapBehavior::kLimitedSwap || !settings.node_has_swap) return false;
  if (GetPodQos(allocated) != api::QosClass::kBurstable || IsCriticalPod(allocated)) return false;
  return AnyContainer(
      desired, allocated, [](const api::ContainerSpec& d, const api::ResourceRequirements& a) {
        if (d.memory_resize_policy == api::ResizeRestartPolicy::kRestartContainer) return false;
        const int64_t request =
            a.requests.memory ? a.requests.memory->Value() : BytesOrZero(a.limits.memory);
        const int64_t limit = BytesOrZero(a.limits.memory);
        const bool has_swap = request > 0 && request != limit;
        return has_swap && !SameQuantity(d.resources.requests.memory, a.requests.memory);
      });
}

AdmissionDecision Refuse(AdmissionOutcome outcome, std::string_view reason, std::string message) {
  return AdmissionDecision{outcome, reason, std::move(message)};
}

}  // namespace

const char* AdmissionOutcomeName(AdmissionOutcome outcome) {
  switch (outcome) {
    case AdmissionOutcome::kAccepted:
      return "Accepted";
    case AdmissionOutcome::kDeferred:
      return "Deferred";
    case AdmissionOutcome::kInfeasible:
      return "Infeasible";
  }
  return "";
}

bool ResizeRequested(const api::Pod& desired, const api::Pod& allocated) {
  return CpuChanged(desired, allocated) || MemoryChanged(desired, allocated);
}

AdmissionDecision Admit(const api::Pod& desired, const api::Pod& allocated,
                        const CpuMemory& node_allocatable, const NodeUsage& others,
                        const NodeResizeSettings& settings) {
  constexpr AdmissionOutcome kInfeasible = AdmissionOutcome::kInfeasible;

  // API validation (ValidatePodResize). The class is compared with the stored one.
  if (ComputeQos(desired) != GetPodQos(allocated)) {
    return Refuse(kInfeasible, kReasonQosChange,
                  "Pod QOS Class may not change as a result of resizing");
  }
  const bool limit_removed =
      LimitRemoved(PodLevel(allocated), PodLevel(desired)) ||
      AnyContainer(desired, allocated,
                   [](const api::ContainerSpec& d, const api::ResourceRequirements& a) {
                     return LimitRemoved(a, d.resources);
                   });
  if (limit_removed) {
    return Refuse(kInfeasible, kReasonLimitRemoval, "resource limits cannot be removed");
  }
  const bool request_removed =
      RequestRemoved(PodLevel(allocated), PodLevel(desired)) ||
      AnyContainer(desired, allocated,
                   [](const api::ContainerSpec& d, const api::ResourceRequirements& a) {
                     return RequestRemoved(a, d.resources);
                   });
  if (request_removed) {
    return Refuse(kInfeasible, kReasonRequestRemoval, "resource requests cannot be removed");
  }

  // The kubelet's checks (IsInPlacePodVerticalScalingAllowed, swap, resource managers, capacity).
  if (desired.IsStatic()) {
    return Refuse(kInfeasible, kReasonStaticPod, "In-place resize of static-pods is not supported");
  }
  if (ResizesSwappedMemoryRequest(desired, allocated, settings)) {
    return Refuse(kInfeasible, kReasonSwap,
                  "In-place resize of containers with swap is not supported.");
  }
  // Where the kubelet checks a pod-level change (handlePodResourcesResize, after swap, before the
  // resource managers); the cgroup v1 rule is ours (admission.h).
  if (settings.cgroup_v1 && PodLevelChanged(desired, allocated)) {
    return Refuse(kInfeasible, kReasonPodLevelCgroupV1, std::string(kMessagePodLevelCgroupV1));
  }
  const bool guaranteed = GetPodQos(allocated) == api::QosClass::kGuaranteed;
  if (guaranteed && settings.cpu_manager_static && CpuChanged(desired, allocated)) {
    return Refuse(
        kInfeasible, kReasonCpuManagerStatic,
        "Resize is infeasible for Guaranteed Pods alongside CPU Manager policy \"static\"");
  }
  if (guaranteed && settings.memory_manager_static && MemoryChanged(desired, allocated)) {
    return Refuse(
        kInfeasible, kReasonMemoryManagerStatic,
        "Resize is infeasible for Guaranteed Pods alongside Memory Manager policy \"Static\"");
  }

  const CpuMemory requested = PodRequests(desired);
  if (requested.memory_bytes > node_allocatable.memory_bytes) {
    return Refuse(
        kInfeasible, kReasonInsufficientAllocatable,
        absl::StrCat("Node didn't have enough capacity: memory, requested: ",
                     requested.memory_bytes, ", capacity: ", node_allocatable.memory_bytes));
  }
  if (requested.cpu_milli > node_allocatable.cpu_milli) {
    return Refuse(kInfeasible, kReasonInsufficientAllocatable,
                  absl::StrCat("Node didn't have enough capacity: cpu, requested: ",
                               requested.cpu_milli, ", capacity: ", node_allocatable.cpu_milli));
  }

  // The scheduler's Fits over the other pods' allocations (lifecycle.PredicateAdmitHandler).
  if (requested.cpu_milli > 0 &&
      requested.cpu_milli > node_allocatable.cpu_milli - others.cpu_milli) {
    return Refuse(
        AdmissionOutcome::kDeferred, kReasonInsufficientFree,
        absl::StrCat("Node didn't have enough resource: cpu, requested: ", requested.cpu_milli,
                     ", used: ", others.cpu_milli, ", capacity: ", node_allocatable.cpu_milli));
  }
  if (requested.memory_bytes > 0 &&
      requested.memory_bytes > node_allocatable.memory_bytes - others.memory_bytes) {
    return Refuse(AdmissionOutcome::kDeferred, kReasonInsufficientFree,
                  absl::StrCat("Node didn't have enough resource: memory, requested: ",
                               requested.memory_bytes, ", used: ", others.memory_bytes,
                               ", capacity: ", node_allocatable.memory_bytes));
  }
  return AdmissionDecision{};
}

}  // namespace resizelet::resize
