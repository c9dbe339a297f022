#include "agent/reconcile/reporter.h"

#include <utility>
#include <vector>

#include "agent/kube/event_recorder.h"
#include "agent/reconcile/resize_summary.h"

namespace resizelet::reconcile {
namespace {

constexpr char kNormal[] = "Normal";
constexpr char kWarning[] = "Warning";

bool SameValue(const std::optional<kube::ConditionValue>& a,
               const std::optional<kube::ConditionValue>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->reason == b->reason && a->message == b->message);
}

// What the pod object says about our two conditions (a True condition of each type).
std::optional<kube::ConditionValue> FromPod(const std::vector<api::PodCondition>& conditions,
                                            std::string_view type) {
  for (const api::PodCondition& c : conditions) {
    if (c.type == type && c.status == "True") return kube::ConditionValue{c.reason, c.message};
  }
  return std::nullopt;
}

const char* LegacyValue(ResizePhase phase) {
  switch (phase) {
    case ResizePhase::kInProgress:
    case ResizePhase::kError:
      return "InProgress";
    case ResizePhase::kDeferred:
      return "Deferred";
    case ResizePhase::kInfeasible:
      return "Infeasible";
    case ResizePhase::kNone:
      break;
  }
  return "";
}

}  // namespace

const char* ResizePhaseName(ResizePhase phase) {
  switch (phase) {
    case ResizePhase::kNone:
      return "";
    case ResizePhase::kInProgress:
      return "InProgress";
    case ResizePhase::kDeferred:
      return "Deferred";
    case ResizePhase::kInfeasible:
      return "Infeasible";
    case ResizePhase::kError:
      return "Error";
  }
  return "";
}

bool Reporter::Shown::operator==(const Shown& o) const {
  return SameValue(pending, o.pending) && SameValue(in_progress, o.in_progress);
}

Reporter::Reporter(ResizeStatusSink* sink, runtime::Clock* clock, ReporterOptions options)
    : sink_(sink), clock_(clock), options_(options) {}

Reporter::~Reporter() {
  std::vector<runtime::Clock::TimerId> timers;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [uid, e] : entries_) {
      if (e.timer) timers.push_back(*e.timer);
      ++e.token;
    }
  }
  for (runtime::Clock::TimerId id : timers) clock_->Cancel(id);
}

void Reporter::CancelTimer(std::optional<runtime::Clock::TimerId> id) {
  // Never under mu_: Cancel waits for a running callback, which takes mu_.
  if (id) clock_->Cancel(*id);
}

void Reporter::Started(const api::Pod& pod) {
  std::optional<runtime::Clock::TimerId> stale;
  {
    absl::MutexLock lock(&mu_);
    stale = Transition(pod, ResizePhase::kInProgress, "", /*write_now=*/false);
  }
  CancelTimer(stale);
}

void Reporter::Resumed(const api::Pod& pod) {
  std::optional<runtime::Clock::TimerId> stale;
  {
    absl::MutexLock lock(&mu_);
    stale = Transition(pod, ResizePhase::kInProgress, "", /*write_now=*/false,
                       /*announce=*/false);
  }
  CancelTimer(stale);
}

void Reporter::Deferred(const api::Pod& pod, const std::string& message) {
  std::optional<runtime::Clock::TimerId> stale;
  {
    absl::MutexLock lock(&mu_);
    stale = Transition(pod, ResizePhase::kDeferred, message, true);
  }
  CancelTimer(stale);
}

void Reporter::Infeasible(const api::Pod& pod, const std::string& message) {
  std::optional<runtime::Clock::TimerId> stale;
  {
    absl::MutexLock lock(&mu_);
    stale = Transition(pod, ResizePhase::kInfeasible, message, true);
  }
  CancelTimer(stale);
}

void Reporter::Failed(const api::Pod& pod, const std::string& message) {
  std::optional<runtime::Clock::TimerId> stale;
  {
    absl::MutexLock lock(&mu_);
    stale = Transition(pod, ResizePhase::kError, message, true);
  }
  CancelTimer(stale);
}

void Reporter::Completed(const api::Pod& pod) {
  std::optional<runtime::Clock::TimerId> stale;
  {
    absl::MutexLock lock(&mu_);
    stale = Transition(pod, ResizePhase::kNone, "", true);
  }
  CancelTimer(stale);
}

void Reporter::Forget(const std::string& uid) {
  std::optional<runtime::Clock::TimerId> stale;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(uid);
    if (it == entries_.end()) return;
    stale = it->second.timer;
    entries_.erase(it);
  }
  CancelTimer(stale);
}

ResizePhase Reporter::Phase(const std::string& uid) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(uid);
  return it == entries_.end() ? ResizePhase::kNone : it->second.phase;
}

Reporter::Counters Reporter::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

std::optional<runtime::Clock::TimerId> Reporter::Transition(const api::Pod& pod, ResizePhase phase,
                                                            const std::string& message,
                                                            bool write_now, bool announce) {
  Entry& e = entries_[pod.uid];
  e.ref = kube::PodRef{pod.namespace_name, pod.name, pod.uid};
  e.conditions = pod.resize_conditions;
  const ResizePhase previous = e.phase;
  const bool changed = previous != phase || e.message != message ||
                       (phase == ResizePhase::kInProgress && e.generation != pod.generation);
  e.generation = pod.generation;
  e.phase = phase;
  e.message = message;
  std::optional<runtime::Clock::TimerId> stale = std::exchange(e.timer, std::nullopt);
  ++e.token;

  if (changed && announce) {
    switch (phase) {
      case ResizePhase::kInProgress:
        Event(e, kNormal, "ResizeStarted", ResizeEventMessage("Pod resize started", pod));
        break;
      case ResizePhase::kDeferred:
        Event(e, kWarning, "ResizeDeferred",
              ResizeEventMessage("Pod resize Deferred", pod, message));
        break;
      case ResizePhase::kInfeasible:
        Event(e, kWarning, "ResizeInfeasible",
              ResizeEventMessage("Pod resize Infeasible", pod, message));
        break;
      case ResizePhase::kError:
        Event(e, kWarning, "ResizeError", ResizeEventMessage("Pod resize error", pod, message));
        break;
      case ResizePhase::kNone:
        if (previous == ResizePhase::kInProgress || previous == ResizePhase::kError) {
          Event(e, kNormal, "ResizeCompleted", ResizeEventMessage("Pod resize completed", pod));
        }
        break;
    }
  }

  if (phase == ResizePhase::kInProgress && !write_now) {
    if (!changed && e.shown && e.shown->in_progress && e.shown->in_progress->reason.empty()) {
      return stale;  // already shown as in progress
    }
    const std::string uid = pod.uid;
    const uint64_t token = e.token;
    e.timer = clock_->Schedule(clock_->Now() + options_.in_progress_delay,
                               [this, uid, token] { OnInProgressTimer(uid, token); });
    return stale;
  }

  Shown want;
  switch (phase) {
    case ResizePhase::kInProgress:
      want.in_progress = kube::ConditionValue{"", ""};
      break;
    case ResizePhase::kDeferred:
      want.pending = kube::ConditionValue{"Deferred", message};
      break;
    case ResizePhase::kInfeasible:
      want.pending = kube::ConditionValue{"Infeasible", message};
      break;
    case ResizePhase::kError:
      want.in_progress = kube::ConditionValue{"Error", message};
      break;
    case ResizePhase::kNone:
      // The end of a resize is always reported, even when its InProgress patch never went out:
      // it is the one patch of a fast resize (and carries the new observedGeneration).
      if (previous == ResizePhase::kInProgress || previous == ResizePhase::kError) {
        if (!e.shown || *e.shown == want) {
          e.shown = Shown{std::nullopt, kube::ConditionValue{}};
        }
        if (!e.legacy_shown) e.legacy_shown = "InProgress";
      }
      break;
  }
  Write(e, want);
  return stale;
}

void Reporter::Write(Entry& entry, const Shown& want) {
  Shown current;
  if (entry.shown) {
    current = *entry.shown;
  } else {
    current.pending = FromPod(entry.conditions, kube::kPodResizePending);
    current.in_progress = FromPod(entry.conditions, kube::kPodResizeInProgress);
  }
  if (!(current == want)) {
    kube::ResizeConditions conditions;
    conditions.pending = want.pending;
    conditions.in_progress = want.in_progress;
    if (options_.observed_generation) conditions.observed_generation = entry.generation;
    ++counters_.patches;
    absl::Status s = sink_->PatchConditions(entry.ref, conditions, entry.conditions);
    if (s.ok()) {
      entry.shown = want;
    } else {
      ++counters_.patch_errors;
      entry.shown.reset();  // unknown: the next state is written whatever the pod shows
    }
  } else {
    entry.shown = want;
  }
  if (options_.legacy_status_field) {
    const std::string value = LegacyValue(entry.phase);
    if (value != entry.legacy_shown.value_or("")) {
      ++counters_.patches;
      if (sink_->PatchLegacyResize(entry.ref, value).ok()) {
        entry.legacy_shown = value;
      } else {
        ++counters_.patch_errors;
      }
    }
  }
}

void Reporter::Event(const Entry& entry, const char* type, const char* reason,
                     const std::string& message) {
  ++counters_.events;
  if (options_.observer != nullptr) options_.observer->OnEvent(reason);
  // Events are best effort: a lost event never blocks the status (the recorder has its own
  // rate limit).
  (void)sink_->RecordEvent(entry.ref, type, reason, message);
}

void Reporter::OnInProgressTimer(std::string uid, uint64_t token) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(uid);
  if (it == entries_.end() || it->second.token != token) return;  // overtaken
  Entry& e = it->second;
  e.timer.reset();
  Shown want;
  want.in_progress = kube::ConditionValue{"", ""};
  Write(e, want);
}

}  // namespace resizelet::reconcile
