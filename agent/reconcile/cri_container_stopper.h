// ContainerStopper over the CRI: `resizePolicy: RestartContainer` stops the container through the
// runtime (RuntimeClient::StopContainer), and the kubelet starts it again from the new spec.
#ifndef RESIZELET_AGENT_RECONCILE_CRI_CONTAINER_STOPPER_H_
#define RESIZELET_AGENT_RECONCILE_CRI_CONTAINER_STOPPER_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/reconcile/container_stopper.h"
#include "cri/runtime_client.h"

namespace resizelet::reconcile {

class CriContainerStopper final : public ContainerStopper {
 public:
  // `runtime` is not owned and must outlive the stopper.
  explicit CriContainerStopper(cri::RuntimeClient* runtime) : runtime_(runtime) {}

  // The runtime's status unchanged: NOT_FOUND when the container was removed (cri::IsGone),
  // UNAVAILABLE / DEADLINE_EXCEEDED when the runtime should be asked again (cri::IsRetryable).
  // A negative grace is sent as none (immediate SIGKILL); an empty id is INVALID_ARGUMENT.
  absl::Status StopContainer(std::string_view container_id, absl::Duration grace) override;

 private:
  cri::RuntimeClient* const runtime_;
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_CRI_CONTAINER_STOPPER_H_
