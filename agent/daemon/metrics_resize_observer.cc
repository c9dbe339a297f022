#include "agent/daemon/metrics_resize_observer.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "agent/obs/log.h"

namespace resizelet::daemon {
namespace {

using reconcile::ResizeState;

constexpr ResizeState kGaugedStates[] = {ResizeState::kProposed, ResizeState::kInProgress,
                                         ResizeState::kDeferred, ResizeState::kInfeasible,
                                         ResizeState::kError};

// pod_pending_resizes{reason}: the PodResizePending condition's reason, lower case.
const char* PendingReason(ResizeState state) {
  if (state == ResizeState::kDeferred) return "deferred";
  if (state == ResizeState::kInfeasible) return "infeasible";
  return nullptr;
}

bool InProgress(ResizeState state) {
  return state == ResizeState::kInProgress || state == ResizeState::kError;
}

// "/api/v1/namespaces/N/pods/P/status?..." — the status subresource of a pod.
bool IsPodStatusPath(std::string_view path) {
  path = path.substr(0, path.find('?'));
  constexpr std::string_view kStatus = "/status";
  return path.find("/pods/") != std::string_view::npos && path.size() >= kStatus.size() &&
         path.substr(path.size() - kStatus.size()) == kStatus;
}

}  // namespace

MetricsResizeObserver::MetricsResizeObserver(obs::ResizeletMetrics* metrics) : metrics_(metrics) {
  for (ResizeState s : kGaugedStates) {
    metrics_->resize_state->WithLabels({reconcile::ResizeStateName(s)})->Set(0);
  }
  metrics_->pod_pending_resizes->WithLabels({"deferred"})->Set(0);
  metrics_->pod_pending_resizes->WithLabels({"infeasible"})->Set(0);
  metrics_->pod_in_progress_resizes->Get()->Set(0);
  metrics_->container_restarts_total->Get();
}

void MetricsResizeObserver::OnResizeState(const reconcile::ResizeTransition& t) {
  if (t.from != ResizeState::kNone) {
    metrics_->resize_state->WithLabels({reconcile::ResizeStateName(t.from)})->Decrement();
  }
  if (t.to != ResizeState::kNone) {
    metrics_->resize_state->WithLabels({reconcile::ResizeStateName(t.to)})->Increment();
  }
  if (const char* reason = PendingReason(t.from)) {
    metrics_->pod_pending_resizes->WithLabels({reason})->Decrement();
  }
  if (const char* reason = PendingReason(t.to)) {
    metrics_->pod_pending_resizes->WithLabels({reason})->Increment();
  }
  if (InProgress(t.from) != InProgress(t.to)) {
    metrics_->pod_in_progress_resizes->Get()->Add(InProgress(t.to) ? 1 : -1);
  }
  obs::Info("Resize state", {{"pod", absl::StrCat(t.namespace_name, "/", t.name)},
                             {"uid", t.uid},
                             {"generation", t.generation},
                             {"from", reconcile::ResizeStateName(t.from)},
                             {"to", reconcile::ResizeStateName(t.to)}});
}

void MetricsResizeObserver::OnResizeFinished(const reconcile::ObservedResize& resize) {
  const bool success = resize.outcome == "completed";
  // The kubelet's label: the outcome is "completed" (true) or "infeasible" (false).
  metrics_->pod_resize_duration_seconds->WithLabels({success ? "true" : "false"})
      ->Observe(absl::ToDoubleSeconds(resize.duration));
}

void MetricsResizeObserver::OnContainerResizeRequested(std::string_view resource,
                                                       std::string_view requirement,
                                                       std::string_view operation) {
  metrics_->container_requested_resizes_total->WithLabels({resource, requirement, operation})
      ->Increment();
}

void MetricsResizeObserver::OnInfeasible(std::string_view reason_detail) {
  metrics_->pod_infeasible_resizes_total->WithLabels({reason_detail})->Increment();
}

void MetricsResizeObserver::OnDeferredAccepted(std::string_view retry_trigger) {
  metrics_->pod_deferred_accepted_resizes_total->WithLabels({retry_trigger})->Increment();
}

void MetricsResizeObserver::OnContainerRestarted(std::string_view) {
  metrics_->container_restarts_total->Get()->Increment();
}

void MetricsResizeObserver::OnEvent(std::string_view reason) {
  metrics_->events_total->WithLabels({reason})->Increment();
}

void MetricsResizeObserver::OnReconcileFailed(std::string_view uid, const absl::Status& status) {
  obs::Error(status, "Reconcile failed; retrying with backoff", {{"uid", uid}});
}

void MetricsResizeObserver::OnKubeRequest(std::string_view method, std::string_view path, int code,
                                          absl::Duration latency) {
  // client-go's rest_client_request_duration_seconds labels a request without a response so.
  const std::string code_label = code == 0 ? "<error>" : absl::StrCat(code);
  metrics_->kube_request_duration_seconds->WithLabels({method, code_label})
      ->Observe(absl::ToDoubleSeconds(latency));
  if (method == "PATCH" && IsPodStatusPath(path)) {
    metrics_->status_patches_total->WithLabels({code_label})->Increment();
  }
}

void MetricsResizeObserver::SyncCheckpointCommits(uint64_t commits) {
  uint64_t seen = commits_seen_.load();
  while (commits > seen && !commits_seen_.compare_exchange_weak(seen, commits)) {
  }
  if (commits > seen) metrics_->checkpoint_commits_total->Get()->Increment(commits - seen);
}

}  // namespace resizelet::daemon
