// Pod QoS class (pkg/apis/core/v1/helper/qos/qos.go ComputePodQOS, KEP-2837 §QoS).
//
// Classic rule (no pod-level resources): BestEffort if no container (init included, ephemeral
// excluded) has a positive cpu/memory request or limit; Guaranteed iff every container has cpu and
// memory limits and requests equal limits; else Burstable.
// With pod-level spec.resources naming cpu or memory, only the pod-level values count: Guaranteed
// iff cpu and memory each have request == limit at pod level (a pod-level limit with no request
// anywhere defaults the request to it, as the API server does).
#ifndef RESIZELET_AGENT_RESIZE_QOS_H_
#define RESIZELET_AGENT_RESIZE_QOS_H_

#include "agent/api/objects.h"
#include "cgroups/cgroup_name.h"

namespace resizelet::resize {

// Computes the class from the spec alone.
api::QosClass ComputeQos(const api::Pod& pod);

// GetPodQOS: status.qosClass when set (the class is immutable once assigned, so resize validation
// and the pod cgroup's location follow the stored value), else ComputeQos.
api::QosClass GetPodQos(const api::Pod& pod);

// The cgroup tier for a class (kUnset maps to BestEffort, never happens for a computed class).
cgroups::PodQosTier ToQosTier(api::QosClass qos);

// "Guaranteed", "Burstable", "BestEffort" ("" for kUnset), as the API spells them.
const char* QosClassName(api::QosClass qos);

// types.IsCriticalPod: static, mirror, or priority ≥ 2000000000 (system critical).
bool IsCriticalPod(const api::Pod& pod);
// types.IsNodeCriticalPod: critical and of priority class system-node-critical.
bool IsNodeCriticalPod(const api::Pod& pod);

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_QOS_H_
