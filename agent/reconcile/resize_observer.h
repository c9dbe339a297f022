// What the reconcile engine tells the outside about resizes, for metrics and logs: each pod's
// resize state transitions, the resizes it saw end (with their duration and outcome, in every
// mode), and the counts the kubelet's resize metrics keep (pkg/kubelet/metrics, KEP-1287). The
// engine stays free of any metrics or logging dependency; the daemon adapts this interface to
// both (agent/daemon/metrics_resize_observer.h).
//
// Calls may come from any reconcile worker or timer thread, sometimes under the caller's own
// lock: implementations must be thread-safe, quick, and must not call back into the engine.
#ifndef RESIZELET_AGENT_RECONCILE_RESIZE_OBSERVER_H_
#define RESIZELET_AGENT_RECONCILE_RESIZE_OBSERVER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/api/objects.h"

namespace resizelet::reconcile {

// One pod's resize, as the metrics (resize_state{state}) and the logs show it. kNone: no resize
// (never started, or done).
enum class ResizeState { kNone, kProposed, kInProgress, kDeferred, kInfeasible, kError };

// "none", "proposed", "in_progress", "deferred", "infeasible", "error" (the metric label).
const char* ResizeStateName(ResizeState state);

struct ResizeTransition {
  std::string namespace_name;
  std::string name;
  std::string uid;
  int64_t generation = 0;
  ResizeState from = ResizeState::kNone;
  ResizeState to = ResizeState::kNone;
};

// One resize seen from spec change to completion (all modes).
struct ObservedResize {
  std::string uid;
  int64_t generation = 0;
  absl::Duration duration;
  std::string outcome;  // "completed", "infeasible"
};

class ResizeObserver {
 public:
  virtual ~ResizeObserver() = default;

  // A pod's resize moved from `from` to `to` (never equal).
  virtual void OnResizeState(const ResizeTransition& transition) = 0;
  // A resize ended: completed (the pod runs at its new size) or found infeasible.
  virtual void OnResizeFinished(const ObservedResize& resize) = 0;
  // A requested change of one container's resource (the kubelet's
  // container_requested_resizes_total): resource cpu|memory, requirement requests|limits,
  // operation add|remove|increase|decrease.
  virtual void OnContainerResizeRequested(std::string_view resource, std::string_view requirement,
                                          std::string_view operation) = 0;
  // Admission found a resize infeasible, for `reason_detail` (resize::kReason...).
  virtual void OnInfeasible(std::string_view reason_detail) = 0;
  // A deferred resize was admitted on a retry made by `retry_trigger` (RetryTriggerName).
  virtual void OnDeferredAccepted(std::string_view retry_trigger) = 0;
  // A container was stopped for resizePolicy RestartContainer.
  virtual void OnContainerRestarted(std::string_view container) = 0;
  // A Kubernetes event was emitted (the Reporter), by reason.
  virtual void OnEvent(std::string_view reason) = 0;
  // A reconcile pass of `uid` failed; it is retried with backoff.
  virtual void OnReconcileFailed(std::string_view uid, const absl::Status& status) = 0;
};

// Ignores everything: the engine's default when no observer is given.
class NoopResizeObserver final : public ResizeObserver {
 public:
  static NoopResizeObserver* Instance();
  void OnResizeState(const ResizeTransition&) override {}
  void OnResizeFinished(const ObservedResize&) override {}
  void OnContainerResizeRequested(std::string_view, std::string_view, std::string_view) override {}
  void OnInfeasible(std::string_view) override {}
  void OnDeferredAccepted(std::string_view) override {}
  void OnContainerRestarted(std::string_view) override {}
  void OnEvent(std::string_view) override {}
  void OnReconcileFailed(std::string_view, const absl::Status&) override {}
};

// Calls observer->OnContainerResizeRequested for each cpu/memory request and limit of each
// container (init containers included) that differs between `from` (allocated) and `to` (the
// admitted spec), as the kubelet's recordContainerRequestedResizes does.
void CountRequestedResizes(const api::Pod& from, const api::Pod& to, ResizeObserver& observer);

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_RESIZE_OBSERVER_H_
