// The order in which Deferred resizes are retried: the kubelet's sortPendingResizes
// (pkg/kubelet/allocation/allocation_manager.go):
//   1. resizes that do not increase requests (cpu or memory of PodRequests) first;
//   2. higher spec.priority first;
//   3. Guaranteed before Burstable;
//   4. older PodResizePending.lastTransitionTime first.
// The whole queue is attempted in this order; one failure does not block the rest.
#ifndef RESIZELET_AGENT_RESIZE_PENDING_ORDER_H_
#define RESIZELET_AGENT_RESIZE_PENDING_ORDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "agent/api/objects.h"

namespace resizelet::resize {

// One pending resize, reduced to the sort keys.
struct PendingResize {
  std::string uid;  // identifies the pod to the caller
  bool increases_requests = false;
  int32_t priority = 0;
  api::QosClass qos = api::QosClass::kBurstable;
  // When the PodResizePending condition last changed; any monotonic unit (e.g. Unix ns).
  int64_t pending_since = 0;
};

// isResizeIncreasingRequests: PodRequests(desired) exceeds PodRequests(allocated) in cpu or memory.
bool IsResizeIncreasingRequests(const api::Pod& allocated, const api::Pod& desired);

// Builds the sort keys of a pending resize.
PendingResize MakePendingResize(const api::Pod& allocated, const api::Pod& desired,
                                int64_t pending_since);

// True when `a` is retried before `b`.
bool RetriedBefore(const PendingResize& a, const PendingResize& b);

// Sorts in retry order; ties keep their relative order.
void SortPendingResizes(std::vector<PendingResize>& pending);

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_PENDING_ORDER_H_
