// Writes resizelet's part of a pod's status: the PodResizePending / PodResizeInProgress conditions
// (strategic merge on pods/<name>/status, so the kubelet's conditions stay) and, when asked, the
// legacy status.resize field. Every patch names the pod UID as a precondition; NotFound (404) and
// Aborted (409) mean the pod is gone or was recreated under the same name: the caller drops the
// work and never retries onto the new pod.
#ifndef RESIZELET_AGENT_KUBE_STATUS_WRITER_H_
#define RESIZELET_AGENT_KUBE_STATUS_WRITER_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/kube/kube_client.h"
#include "agent/kube/patch_bodies.h"
#include "agent/runtime/clock.h"

namespace resizelet::kube {

inline constexpr char kStrategicMergePatch[] = "application/strategic-merge-patch+json";

class PodStatusWriter {
 public:
  // `clock` (not owned) dates condition transitions; `timeout` bounds each patch, retries included.
  PodStatusWriter(KubeClient* client, runtime::Clock* clock,
                  absl::Duration timeout = absl::Seconds(30))
      : client_(client), clock_(clock), timeout_(timeout) {}

  // `current` are the pod's conditions as last seen (to keep lastTransitionTime).
  absl::Status PatchResizeConditions(const PodRef& pod, const ResizeConditions& conditions,
                                     const std::vector<api::PodCondition>& current);
  // "Proposed", "InProgress", "Deferred", "Infeasible", or "" to clear (API <= 1.32).
  absl::Status PatchLegacyResize(const PodRef& pod, std::string_view value);

 private:
  absl::Status PatchStatus(const PodRef& pod, std::string body);

  KubeClient* const client_;
  runtime::Clock* const clock_;
  const absl::Duration timeout_;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_STATUS_WRITER_H_
