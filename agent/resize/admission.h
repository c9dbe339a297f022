// Admission of one resize, the kubelet's handlePodResourcesResize (pkg/kubelet/allocation/,
// ~1.36/1.37) plus the two API-validation rules a companion must not rely on the API server for.
// All containers, requests and limits of one pod form one atomic request.
//
// Checks, in order (first failing check decides):
//   QoS class change        Infeasible "Pod QOS Class may not change as a result of resizing"
//                           (qos_class_change; API validation, ValidatePodResize)
//   limit / request removal Infeasible "resource limits cannot be removed" / "resource requests
//                           cannot be removed" (limit_removal / request_removal; API validation)
//   static pod              Infeasible "In-place resize of static-pods is not supported"
//                           (static_pod)
//   swap                    Infeasible "In-place resize of containers with swap is not supported."
//                           (swap_limitation)
//   pod-level on cgroup v1  Infeasible "In-place resize of pod-level resources is not supported on
//                           cgroup v1" (pod_level_resources_cgroup_v1). resizelet's own message
//                           and label: the kubelet checks pod-level resizes here
//                           (IsInPlacePodLevelResourcesVerticalScalingAllowed, feature gates only)
//                           but does not expect one on v1: pod-level resources are a cgroup v2
//                           feature (KEP-2837), and so is their resize (KEP-5419). Only a change
//                           of spec.resources triggers it.
//   CPU manager static      Infeasible "Resize is infeasible for Guaranteed Pods alongside CPU
//                           Manager policy \"static\"" (guaranteed_pod_cpu_manager_static_policy)
//   memory manager Static   Infeasible "Resize is infeasible for Guaranteed Pods alongside Memory
//                           Manager policy \"Static\""
//                           (guaranteed_pod_memory_manager_static_policy)
//   node allocatable        Infeasible "Node didn't have enough capacity: memory, requested:
//                           <bytes>, capacity: <bytes>" (memory first) / "...: cpu, requested:
//                           <milli>, capacity: <milli>" (insufficient_node_allocatable)
//   fit next to the others  Deferred "Node didn't have enough resource: cpu, requested: 1500, used:
//                           1450, capacity: 1930" (cpu first, the scheduler's Fits order;
//                           insufficient_free_resources: the kubelet has no label for Deferred, its
//                           predicate reason is OutOfcpu / OutOfmemory)
// "capacity" is the Node's status.allocatable, which the kubelet's own check exceeds by the
// hard-eviction threshold (facts.md §4).
//
// Cost: the steady accepted path performs no heap allocation; messages are built only on failure.
#ifndef RESIZELET_AGENT_RESIZE_ADMISSION_H_
#define RESIZELET_AGENT_RESIZE_ADMISSION_H_

#include <string>
#include <string_view>

#include "agent/api/objects.h"
#include "agent/resize/node_usage.h"
#include "agent/resize/pod_resources.h"

namespace resizelet::resize {

enum class AdmissionOutcome { kAccepted, kDeferred, kInfeasible };

// "Accepted", "Deferred", "Infeasible" (the latter two are the PodResizePending reasons).
const char* AdmissionOutcomeName(AdmissionOutcome outcome);

// reason_detail labels (kubelet pod_infeasible_resizes_total{reason_detail}, plus ours).
inline constexpr std::string_view kReasonStaticPod = "static_pod";
inline constexpr std::string_view kReasonSwap = "swap_limitation";
// resizelet's own (see the table above): the kubelet has no label for it.
inline constexpr std::string_view kReasonPodLevelCgroupV1 = "pod_level_resources_cgroup_v1";
inline constexpr std::string_view kMessagePodLevelCgroupV1 =
    "In-place resize of pod-level resources is not supported on cgroup v1";
inline constexpr std::string_view kReasonCpuManagerStatic =
    "guaranteed_pod_cpu_manager_static_policy";
inline constexpr std::string_view kReasonMemoryManagerStatic =
    "guaranteed_pod_memory_manager_static_policy";
inline constexpr std::string_view kReasonInsufficientAllocatable = "insufficient_node_allocatable";
inline constexpr std::string_view kReasonInsufficientFree = "insufficient_free_resources";
inline constexpr std::string_view kReasonQosChange = "qos_class_change";
inline constexpr std::string_view kReasonLimitRemoval = "limit_removal";
inline constexpr std::string_view kReasonRequestRemoval = "request_removal";

enum class SwapBehavior { kNoSwap, kLimitedSwap };

// The node's kubelet settings that make a resize infeasible.
struct NodeResizeSettings {
  bool cpu_manager_static = false;     // cpuManagerPolicy: static
  bool memory_manager_static = false;  // memoryManagerPolicy: Static
  // memorySwap.swapBehavior and whether the node has swap at all.
  SwapBehavior swap_behavior = SwapBehavior::kNoSwap;
  bool node_has_swap = false;
  // The pod cgroup's cpu and memory controllers are cgroup v1 (a legacy or hybrid host): pod-level
  // resources cannot be resized there (KEP-5419 is cgroup v2 only).
  bool cgroup_v1 = false;
};

struct AdmissionDecision {
  AdmissionOutcome outcome = AdmissionOutcome::kAccepted;
  std::string_view reason_detail;  // empty when accepted; points at a constant above
  std::string message;             // empty when accepted
};

// Admits the resize from `allocated` (the pod's spec as currently allocated) to `desired` (the
// pod's spec). `node_allocatable` is the Node's status.allocatable; `others` the sum of every other
// pod's allocated requests (the resizing pod's own allocation excluded).
AdmissionDecision Admit(const api::Pod& desired, const api::Pod& allocated,
                        const CpuMemory& node_allocatable, const NodeUsage& others,
                        const NodeResizeSettings& settings);

// True when the desired cpu/memory requests or limits of any container or of the pod level differ
// from the allocated ones (the kubelet's "desired == allocated: nothing to admit").
bool ResizeRequested(const api::Pod& desired, const api::Pod& allocated);

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_ADMISSION_H_
