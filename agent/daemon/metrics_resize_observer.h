// Adapts the reconcile engine's ResizeObserver (agent/reconcile/resize_observer.h) to resizelet's
// metrics (agent/obs/resizelet_metrics.h) and logs, and observes the API client's requests:
//   resize_state{state}, pod_pending_resizes{reason}, pod_in_progress_resizes: gauges kept from
//     the state transitions (in_progress counts "in_progress" and "error", as the kubelet's
//     PodResizeInProgress condition does); each transition is also one log line
//     "Resize state" pod=<ns/name> uid=<uid> generation=<n> from=<state> to=<state>;
//   pod_resize_duration_seconds{success}: every resize seen to its end, in every mode (true:
//     completed, false: infeasible);
//   container_requested_resizes_total, pod_infeasible_resizes_total{reason_detail},
//   pod_deferred_accepted_resizes_total{retry_trigger}, container_restarts_total, events_total;
//   kube_request_duration_seconds{verb,code} for each API request attempt, and
//   status_patches_total{code} for those that PATCH a pod's status;
//   checkpoint_commits_total from the checkpoint's own commit count.
// Thread-safe.
#ifndef RESIZELET_AGENT_DAEMON_METRICS_RESIZE_OBSERVER_H_
#define RESIZELET_AGENT_DAEMON_METRICS_RESIZE_OBSERVER_H_

#include <atomic>
#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "agent/obs/resizelet_metrics.h"
#include "agent/reconcile/resize_observer.h"

namespace resizelet::daemon {

class MetricsResizeObserver final : public reconcile::ResizeObserver {
 public:
  // `metrics` must outlive this. Publishes every state and reason series at 0.
  explicit MetricsResizeObserver(obs::ResizeletMetrics* metrics);

  void OnResizeState(const reconcile::ResizeTransition& transition) override;
  void OnResizeFinished(const reconcile::ObservedResize& resize) override;
  void OnContainerResizeRequested(std::string_view resource, std::string_view requirement,
                                  std::string_view operation) override;
  void OnInfeasible(std::string_view reason_detail) override;
  void OnDeferredAccepted(std::string_view retry_trigger) override;
  void OnContainerRestarted(std::string_view container) override;
  void OnEvent(std::string_view reason) override;
  // Logged as an error (the pass is retried with backoff, so the lines thin out).
  void OnReconcileFailed(std::string_view uid, const absl::Status& status) override;

  // One API request attempt (kube::ClientOptions::on_request). `code` 0: no response.
  void OnKubeRequest(std::string_view method, std::string_view path, int code,
                     absl::Duration latency);
  // The checkpoint's commit count so far (FileAllocationStore::Stats::commits): the counter
  // moves by what is new since the last call.
  void SyncCheckpointCommits(uint64_t commits);

 private:
  obs::ResizeletMetrics* const metrics_;
  std::atomic<uint64_t> commits_seen_{0};
};

}  // namespace resizelet::daemon

#endif  // RESIZELET_AGENT_DAEMON_METRICS_RESIZE_OBSERVER_H_
