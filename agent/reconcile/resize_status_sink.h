// Where the reporter's writes go: the pod status patches and the events. In production
// KubeResizeStatusSink (kube_resize_status_sink.h) sends them through the kube PodStatusWriter and
// EventRecorder; tests record them.
#ifndef RESIZELET_AGENT_RECONCILE_RESIZE_STATUS_SINK_H_
#define RESIZELET_AGENT_RECONCILE_RESIZE_STATUS_SINK_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "agent/api/objects.h"
#include "agent/kube/patch_bodies.h"

namespace resizelet::reconcile {

class ResizeStatusSink {
 public:
  virtual ~ResizeStatusSink() = default;
  // One strategic-merge patch of the two resize conditions (absent ones are removed).
  // `current` are the pod's conditions as last seen.
  virtual absl::Status PatchConditions(const kube::PodRef& pod,
                                       const kube::ResizeConditions& conditions,
                                       const std::vector<api::PodCondition>& current) = 0;
  // The legacy status.resize field ("" clears it).
  virtual absl::Status PatchLegacyResize(const kube::PodRef& pod, std::string_view value) = 0;
  virtual absl::Status RecordEvent(const kube::PodRef& pod, std::string_view type,
                                   std::string_view reason, std::string_view message) = 0;
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_RESIZE_STATUS_SINK_H_
