// Stops a container through the runtime (CRI StopContainer), for `resizePolicy:
// RestartContainer`: the kubelet then starts it again from the new spec, as it does when its own
// resize needs a restart (kuberuntime computePodResizeAction puts the container in
// ContainersToKill and ContainersToStart).
#ifndef RESIZELET_AGENT_RECONCILE_CONTAINER_STOPPER_H_
#define RESIZELET_AGENT_RECONCILE_CONTAINER_STOPPER_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace resizelet::reconcile {

class ContainerStopper {
 public:
  virtual ~ContainerStopper() = default;
  // Asks the runtime to stop the container, SIGKILL after `grace`. NotFound: already gone.
  virtual absl::Status StopContainer(std::string_view container_id, absl::Duration grace) = 0;
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_CONTAINER_STOPPER_H_
