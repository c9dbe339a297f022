// Reports each resize's state on the pod, as the kubelet's status manager and allocation manager
// do from 1.33 (KEP-1287 "Resize Status"): the PodResizePending condition (reason Deferred or
// Infeasible, with the admission message) and PodResizeInProgress (empty reason while actuating,
// Error with a message when actuation failed), with observedGeneration where the API has it,
// both removed on completion; events ResizeStarted / ResizeDeferred / ResizeInfeasible /
// ResizeCompleted / ResizeError with the kubelet's message forms, only when the state changes.
//
// Patch budget: the InProgress patch waits `in_progress_delay`; a resize that completes sooner
// sends only its final state, so a fast resize costs one patch and any other at most two (plus a
// Deferred or Infeasible patch when admission said so). The legacy status.resize field is written
// only with `legacy_status_field` (kubelets 1.27-1.32 patch it away: facts.md §7).
//
// Thread-safe. Patches go out in the order of the calls; the delayed InProgress patch fires on the
// clock's timer context and is dropped if a later state overtook it.
#ifndef RESIZELET_AGENT_RECONCILE_REPORTER_H_
#define RESIZELET_AGENT_RECONCILE_REPORTER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/api/objects.h"
#include "agent/reconcile/resize_observer.h"
#include "agent/reconcile/resize_status_sink.h"
#include "agent/runtime/clock.h"

namespace resizelet::reconcile {

enum class ResizePhase { kNone, kInProgress, kDeferred, kInfeasible, kError };

// "", "InProgress", "Deferred", "Infeasible", "Error" (metric label; legacy field value).
const char* ResizePhaseName(ResizePhase phase);

struct ReporterOptions {
  absl::Duration in_progress_delay = absl::Seconds(1);
  bool legacy_status_field = false;
  // The API server has PodCondition.observedGeneration (1.34+).
  bool observed_generation = true;
  // Told of each event emitted (events_total{reason}); not owned, may be null.
  ResizeObserver* observer = nullptr;
};

class Reporter {
 public:
  Reporter(ResizeStatusSink* sink, runtime::Clock* clock, ReporterOptions options = {});
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // The resize of `pod` (its spec, now allocated) was admitted and is being actuated.
  void Started(const api::Pod& pod) ABSL_LOCKS_EXCLUDED(mu_);
  // As Started, without the ResizeStarted event: a resize admitted before a restart (its event
  // already went out) whose completion is still to be reported.
  void Resumed(const api::Pod& pod) ABSL_LOCKS_EXCLUDED(mu_);
  void Deferred(const api::Pod& pod, const std::string& message) ABSL_LOCKS_EXCLUDED(mu_);
  void Infeasible(const api::Pod& pod, const std::string& message) ABSL_LOCKS_EXCLUDED(mu_);
  // Actuation failed: PodResizeInProgress reason Error.
  void Failed(const api::Pod& pod, const std::string& message) ABSL_LOCKS_EXCLUDED(mu_);
  // Actuated and read back: both conditions removed.
  void Completed(const api::Pod& pod) ABSL_LOCKS_EXCLUDED(mu_);
  // The pod is gone: forget it without writing.
  void Forget(const std::string& uid) ABSL_LOCKS_EXCLUDED(mu_);

  ResizePhase Phase(const std::string& uid) const ABSL_LOCKS_EXCLUDED(mu_);

  struct Counters {
    uint64_t patches = 0;
    uint64_t patch_errors = 0;
    uint64_t events = 0;
  };
  Counters counters() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Shown {
    std::optional<kube::ConditionValue> pending;
    std::optional<kube::ConditionValue> in_progress;
    bool operator==(const Shown& o) const;
  };
  struct Entry {
    kube::PodRef ref;
    std::vector<api::PodCondition> conditions;
    int64_t generation = 0;
    ResizePhase phase = ResizePhase::kNone;
    std::string message;
    // What the API shows from us; nullopt before our first patch (then the pod's own conditions
    // decide whether a removal is needed).
    std::optional<Shown> shown;
    std::optional<std::string> legacy_shown;
    // Bumped by every state change: a delayed InProgress patch of an older token is stale.
    uint64_t token = 0;
    std::optional<runtime::Clock::TimerId> timer;
  };

  // Moves `uid` to `phase`; returns the timer to cancel (outside the lock), if any.
  std::optional<runtime::Clock::TimerId> Transition(const api::Pod& pod, ResizePhase phase,
                                                    const std::string& message, bool write_now,
                                                    bool announce = true)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Write(Entry& entry, const Shown& want) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Event(const Entry& entry, const char* type, const char* reason, const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnInProgressTimer(std::string uid, uint64_t token) ABSL_LOCKS_EXCLUDED(mu_);
  void CancelTimer(std::optional<runtime::Clock::TimerId> id);

  ResizeStatusSink* const sink_;
  runtime::Clock* const clock_;
  const ReporterOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  Counters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_REPORTER_H_
