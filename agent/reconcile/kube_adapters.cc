#include "agent/reconcile/kube_adapters.h"

namespace resizelet::reconcile {

std::optional<Reconciler::PodEvent> PodEventFor(const kube::PodChange& change,
                                                const api::Pod* after) {
  switch (change.kind) {
    case kube::PodChange::Kind::kAdded:
      return Reconciler::PodEvent::kAdded;
    case kube::PodChange::Kind::kDeleted:
      return Reconciler::PodEvent::kDeleted;
    case kube::PodChange::Kind::kUpdated:
      break;
  }
  if (!change.resources_changed) return std::nullopt;
  if (after != nullptr &&
      (after->phase == api::PodPhase::kSucceeded || after->phase == api::PodPhase::kFailed)) {
    return Reconciler::PodEvent::kTerminated;
  }
  return Reconciler::PodEvent::kUpdated;
}

}  // namespace resizelet::reconcile
