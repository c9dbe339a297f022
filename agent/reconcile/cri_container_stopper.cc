#include "agent/reconcile/cri_container_stopper.h"

#include <algorithm>

namespace resizelet::reconcile {

absl::Status CriContainerStopper::StopContainer(std::string_view container_id,
                                                absl::Duration grace) {
  if (container_id.empty()) {
    // An empty id would match nothing on the runtime; say so instead of asking.
    return absl::InvalidArgumentError("StopContainer: empty container id");
  }
  return runtime_->StopContainer(container_id, std::max(grace, absl::ZeroDuration()));
}

}  // namespace resizelet::reconcile
