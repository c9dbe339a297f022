// resizelet's metrics, declared once in the table below (Envoy's stats-table style).
//
// The first six mirror the kubelet's in-place resize metrics (pkg/kubelet/metrics, KEP-1287) under
// the prefix `resizelet_` and in base units (seconds, not the kubelet's milliseconds), so a
// dashboard built for the kubelet's needs only the prefix changed (docs/facts.md §7). The rest
// are resizelet's own: its mode, its calls to the runtime and the API server, its checkpoint.
//
// Label values used by the reconciler (kept in one place so dashboards can rely on them):
//   resource: cpu | memory;  requirement: requests | limits;  operation: add | remove | increase |
//   decrease  (kubelet: container_requested_resizes_total)
//   success: true (completed) | false (infeasible);  reason: deferred | infeasible;
//   retry_trigger: pods_added | pod_updated | pod_resized | pods_removed | pod_terminated |
//   resize_completed | periodic_retry (the kubelet's names, plus resize_completed)
//   state: proposed | in_progress | deferred | infeasible | error (a pod without a resize is in
//   none of them);  mode: actuate | companion |
//   observe;  code: the gRPC status name (CRI) or the HTTP status (API server).
#ifndef RESIZELET_AGENT_OBS_RESIZELET_METRICS_H_
#define RESIZELET_AGENT_OBS_RESIZELET_METRICS_H_

#include "agent/obs/metrics.h"

namespace resizelet::obs {

// X(member, name without prefix, help, label names...)
#define RESIZELET_COUNTERS(X)                                                                      \
  X(container_requested_resizes_total, "container_requested_resizes_total",                        \
    "Number of requested resizes, counted per container and per changed resource.", "resource",    \
    "requirement", "operation")                                                                    \
  X(pod_infeasible_resizes_total, "pod_infeasible_resizes_total",                                  \
    "Number of resizes found infeasible, by reason.", "reason_detail")                             \
  X(pod_deferred_accepted_resizes_total, "pod_deferred_accepted_resizes_total",                    \
    "Number of deferred resizes admitted on retry, by what triggered the retry.", "retry_trigger") \
  X(status_patches_total, "status_patches_total",                                                  \
    "Pod status patches sent to the API server, by HTTP status code.", "code")                     \
  X(events_total, "events_total", "Kubernetes events emitted, by reason.", "reason")               \
  X(container_restarts_total, "container_restarts_total",                                          \
    "Containers stopped for resizePolicy RestartContainer.")                                       \
  X(checkpoint_corrupt_total, "checkpoint_corrupt_total",                                          \
    "Allocation checkpoints found corrupt or unreadable, moved aside and rebuilt.")                \
  X(checkpoint_commits_total, "checkpoint_commits_total",                                          \
    "Allocation checkpoint writes (each one fsync'ed file and directory).")

#define RESIZELET_GAUGES(X)                                                                        \
  X(pod_pending_resizes, "pod_pending_resizes", "Number of pending resizes, by reason.", "reason") \
  X(pod_in_progress_resizes, "pod_in_progress_resizes", "Number of resizes in progress.")          \
  X(resize_state, "resize_state", "Number of pods whose resize is in each state.", "state")        \
  X(mode, "mode",                                                                                  \
    "The mode resizelet runs in (value 1), and why it was chosen (see docs/product.md).", "mode",  \
    "reason")                                                                                      \
  X(build_info, "build_info", "resizelet's version (value 1).", "version")

// X(member, name without prefix, help, buckets, label names...)
#define RESIZELET_HISTOGRAMS(X)                                                              \
  X(pod_resize_duration_seconds, "pod_resize_duration_seconds",                              \
    "Time from a resize being seen to its end, in seconds, in every mode; success=false "    \
    "for a resize found infeasible.",                                                        \
    kResizeDurationBuckets, "success")                                                       \
  X(cri_call_duration_seconds, "cri_call_duration_seconds",                                  \
    "Container runtime (CRI) call latency in seconds, by method and gRPC status.",           \
    kCallDurationBuckets, "method", "code")                                                  \
  X(kube_request_duration_seconds, "kube_request_duration_seconds",                          \
    "API server request latency in seconds, by verb and HTTP status.", kCallDurationBuckets, \
    "verb", "code")

// Handles to every family, registered in one registry under the prefix "resizelet_".
struct ResizeletMetrics {
#define RESIZELET_DECLARE_COUNTER(member, ...) CounterFamily* member;
#define RESIZELET_DECLARE_GAUGE(member, ...) GaugeFamily* member;
#define RESIZELET_DECLARE_HISTOGRAM(member, ...) HistogramFamily* member;
  RESIZELET_COUNTERS(RESIZELET_DECLARE_COUNTER)
  RESIZELET_GAUGES(RESIZELET_DECLARE_GAUGE)
  RESIZELET_HISTOGRAMS(RESIZELET_DECLARE_HISTOGRAM)
#undef RESIZELET_DECLARE_COUNTER
#undef RESIZELET_DECLARE_GAUGE
#undef RESIZELET_DECLARE_HISTOGRAM

  // Registers every family in `registry`, which must outlive the returned handles.
  static ResizeletMetrics Register(MetricRegistry& registry);

  // Sets the info gauge resizelet_mode{mode,reason} to exactly one series.
  void SetMode(std::string_view mode_name, std::string_view reason);
};

}  // namespace resizelet::obs

#endif  // RESIZELET_AGENT_OBS_RESIZELET_METRICS_H_
