// Effective pod requests and limits in the units the kubelet decides with (CPU millicores, memory
// bytes), as k8s.io/component-helpers/resource PodRequests / PodLimits compute them:
//   1. aggregate the containers with the sidecar formula (AggregateContainerRequests/Limits)
//        max(sum(regular) + sum(sidecars),
//            max over init i of (init_i + sum(sidecars declared before i)));
//   2. pod-level spec.resources (KEP-2837) override per resource;
//   3. spec.overhead is added (to limits only where the limit is non-zero).
// The functions read only spec fields, so they apply equally to the desired pod and to an
// "allocated" pod whose spec carries the allocated resources. Sums saturate instead of wrapping.
// No heap allocation.
#ifndef RESIZELET_AGENT_RESIZE_POD_RESOURCES_H_
#define RESIZELET_AGENT_RESIZE_POD_RESOURCES_H_

#include <cstdint>
#include <optional>

#include "agent/api/objects.h"
#include "agent/api/quantity.h"

namespace resizelet::resize {

// CPU in millicores and memory in bytes; 0 means "none" (no request / no limit).
struct CpuMemory {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  friend bool operator==(const CpuMemory&, const CpuMemory&) = default;
};

struct PodResourcesOptions {
  // Leave spec.overhead out.
  bool exclude_overhead = false;
  // Ignore pod-level spec.resources (the PodLevelResources gate off).
  bool skip_pod_level = false;
};

// Saturating arithmetic on non-negative resource amounts.
int64_t SaturatingAdd(int64_t a, int64_t b);

// A quantity as millicores / bytes (rounded up, as Quantity does); 0 when absent.
int64_t MilliOrZero(const std::optional<api::Quantity>& q);
int64_t BytesOrZero(const std::optional<api::Quantity>& q);

// A container's requests after the API server's defaulting: a resource with a limit and no
// request requests its limit (the kubelet repeats this for objects from older API servers).
CpuMemory ContainerRequests(const api::ContainerSpec& container);
// A container's own limits (0 where absent).
CpuMemory ContainerLimits(const api::ContainerSpec& container);

// IsPodLevelResourcesSet / IsPodLevelRequestsSet / limits: spec.resources names cpu or memory
// (an empty `{}` stanza does not count, PodLevelResourcesFixKubeletQOSClass).
bool IsPodLevelResourcesSet(const api::Pod& pod);
bool IsPodLevelRequestsSet(const api::Pod& pod);
bool IsPodLevelLimitsSet(const api::Pod& pod);

// The sidecar-aware aggregates of step 1.
CpuMemory AggregateContainerRequests(const api::Pod& pod);
CpuMemory AggregateContainerLimits(const api::Pod& pod);

// The pod-level requests after the API server's defaulting (KEP-2837): a resource with a pod-level
// limit and no pod-level request requests the aggregated container requests, or the pod limit when
// no container requests it. 0 where the pod level says nothing.
CpuMemory PodLevelRequests(const api::Pod& pod);
CpuMemory PodLevelLimits(const api::Pod& pod);

// PodRequests / PodLimits (steps 1-3).
CpuMemory PodRequests(const api::Pod& pod, const PodResourcesOptions& options = {});
CpuMemory PodLimits(const api::Pod& pod, const PodResourcesOptions& options = {});

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_POD_RESOURCES_H_
