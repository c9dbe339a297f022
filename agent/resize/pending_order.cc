#include "agent/resize/pending_order.h"

#include <algorithm>

#include "agent/resize/pod_resources.h"
#include "agent/resize/qos.h"

namespace resizelet::resize {

bool IsResizeIncreasingRequests(const api::Pod& allocated, const api::Pod& desired) {
  const CpuMemory before = PodRequests(allocated);
  const CpuMemory after = PodRequests(desired);
  return after.memory_bytes > before.memory_bytes || after.cpu_milli > before.cpu_milli;
}

PendingResize MakePendingResize(const api::Pod& allocated, const api::Pod& desired,
                                int64_t pending_since) {
  PendingResize p;
  p.uid = desired.uid;
  p.increases_requests = IsResizeIncreasingRequests(allocated, desired);
  p.priority = desired.priority;
  p.qos = GetPodQos(allocated);
  p.pending_since = pending_since;
  return p;
}

bool RetriedBefore(const PendingResize& a, const PendingResize& b) {
  if (a.increases_requests != b.increases_requests) return !a.increases_requests;
  if (a.priority != b.priority) return a.priority > b.priority;
  const bool a_guaranteed = a.qos == api::QosClass::kGuaranteed;
  const bool b_guaranteed = b.qos == api::QosClass::kGuaranteed;
  if (a_guaranteed != b_guaranteed) return a_guaranteed;
  return a.pending_since < b.pending_since;
}

void SortPendingResizes(std::vector<PendingResize>& pending) {
  std::stable_sort(pending.begin(), pending.end(), RetriedBefore);
}

}  // namespace resizelet::resize
