#include "agent/reconcile/reconciler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/common/status_macros.h"
#include "agent/reconcile/allocation_convert.h"
#include "agent/reconcile/crash_point.h"
#include "agent/reconcile/read_back.h"
#include "agent/resize/node_usage.h"
#include "agent/resize/pending_order.h"
#include "agent/resize/pod_resources.h"
#include "agent/resize/qos.h"

namespace resizelet::reconcile {
namespace {

bool Terminal(const api::Pod& pod) {
  return pod.phase == api::PodPhase::kSucceeded || pod.phase == api::PodPhase::kFailed;
}

const api::PodCondition* FindCondition(const api::Pod& pod, std::string_view type) {
  for (const api::PodCondition& c : pod.resize_conditions) {
    if (c.type == type && c.status == "True") return &c;
  }
  return nullptr;
}

bool SameResources(const state::AllocatedResources& a, const state::AllocatedResources& b) {
  return a.containers == b.containers && a.pod == b.pod;
}

// The kubelet reports a resize done by dropping both conditions; where it also reports
// containerStatuses[].resources, those must show the spec's values.
bool KubeletShowsDone(const api::Pod& pod) {
  if (FindCondition(pod, "PodResizePending") || FindCondition(pod, "PodResizeInProgress")) {
    return false;
  }
  for (const api::ContainerStatus& s : pod.container_statuses) {
    if (!s.resources || s.state != api::ContainerStateKind::kRunning) continue;
    for (const api::ContainerSpec& c : pod.containers) {
      if (c.name != s.name) continue;
      const api::ResourceRequirements& want = c.resources;
      if (want.limits.cpu != s.resources->limits.cpu ||
          want.limits.memory != s.resources->limits.memory ||
          (want.requests.cpu && want.requests.cpu != s.resources->requests.cpu)) {
        return false;
      }
    }
  }
  return true;
}

// Whether the kubelet reports containerStatuses[].resources (1.33+ kubelets do): then their
// matching the spec is evidence of its own that a resize is done.
bool ReportsResources(const api::Pod& pod) {
  for (const api::ContainerStatus& s : pod.container_statuses) {
    if (s.resources && s.state == api::ContainerStateKind::kRunning) return true;
  }
  return false;
}

// A watched resize's state as the kubelet's conditions show it (companion / observe modes).
ResizeState StateFromConditions(const api::Pod& pod) {
  if (const api::PodCondition* p = FindCondition(pod, "PodResizePending")) {
    return p->reason == "Infeasible" ? ResizeState::kInfeasible : ResizeState::kDeferred;
  }
  if (const api::PodCondition* c = FindCondition(pod, "PodResizeInProgress")) {
    return c->reason == "Error" ? ResizeState::kError : ResizeState::kInProgress;
  }
  return ResizeState::kProposed;
}

}  // namespace

const char* RetryTriggerName(RetryTrigger trigger) {
  switch (trigger) {
    case RetryTrigger::kPodsAdded:
      return "pods_added";
    case RetryTrigger::kPodUpdated:
      return "pod_updated";
    case RetryTrigger::kPodResized:
      return "pod_resized";
    case RetryTrigger::kPodsRemoved:
      return "pods_removed";
    case RetryTrigger::kPodTerminated:
      return "pod_terminated";
    case RetryTrigger::kResizeCompleted:
      return "resize_completed";
    case RetryTrigger::kPeriodic:
      return "periodic_retry";
  }
  return "";
}

Reconciler::Reconciler(ReconcilerDeps deps, ReconcilerOptions options)
    : deps_(deps),
      options_(std::move(options)),
      actuator_(deps.driver, deps.runtime, deps.stopper, options_.actuator),
      observer_(deps.observer != nullptr ? deps.observer : NoopResizeObserver::Instance()) {}

Reconciler::~Reconciler() {
  std::optional<runtime::Clock::TimerId> timer;
  {
    absl::MutexLock lock(&mu_);
    timer = std::exchange(timer_, std::nullopt);
    ++timer_token_;
  }
  if (timer) deps_.clock->Cancel(*timer);
}

void Reconciler::SetNode(const api::Node& node) {
  absl::MutexLock lock(&mu_);
  allocatable_.cpu_milli = resize::MilliOrZero(node.allocatable.cpu);
  allocatable_.memory_bytes = resize::BytesOrZero(node.allocatable.memory);
}

void Reconciler::OnPodEvent(PodEvent event, const std::string& uid) {
  deps_.queue->Add(uid);
  switch (event) {
    case PodEvent::kAdded:
      RetryPending(RetryTrigger::kPodsAdded);
      break;
    case PodEvent::kUpdated:
      RetryPending(RetryTrigger::kPodUpdated);
      break;
    case PodEvent::kResized:
      RetryPending(RetryTrigger::kPodResized);
      break;
    case PodEvent::kDeleted:
      RetryPending(RetryTrigger::kPodsRemoved);
      break;
    case PodEvent::kTerminated:
      RetryPending(RetryTrigger::kPodTerminated);
      break;
  }
}

void Reconciler::Requeue(const std::string& uid) { deps_.queue->Add(uid); }

bool Reconciler::ProcessNext() {
  std::optional<std::string> uid = deps_.queue->Get();
  if (!uid) return false;
  if (absl::Status s = Reconcile(*uid); s.ok()) {
    deps_.queue->Forget(*uid);
  } else {
    observer_->OnReconcileFailed(*uid, s);
    deps_.queue->AddRateLimited(*uid);
  }
  deps_.queue->Done(*uid);
  return true;
}

void Reconciler::ArmTimerLocked(absl::Duration delay,
                                std::vector<runtime::Clock::TimerId>& cancel) {
  if (timer_) cancel.push_back(*timer_);
  const uint64_t token = ++timer_token_;
  timer_due_ = deps_.clock->Now() + delay;
  timer_ = deps_.clock->Schedule(timer_due_, [this, token] {
    {
      absl::MutexLock lock(&mu_);
      if (token != timer_token_) return;
      timer_.reset();
      timer_due_ = absl::InfiniteFuture();
    }
    RetryPending(RetryTrigger::kPeriodic);
  });
}

void Reconciler::RetryPending(RetryTrigger trigger) {
  std::vector<std::string> order;
  std::vector<runtime::Clock::TimerId> cancel;
  {
    absl::MutexLock lock(&mu_);
    if (pending_.empty()) {
      if (timer_) cancel.push_back(*timer_);
      timer_.reset();
      timer_due_ = absl::InfiniteFuture();
      ++timer_token_;
    } else {
      std::vector<resize::PendingResize> keys;
      for (auto& [uid, p] : pending_) {
        p.last_trigger = trigger;
        keys.push_back(p.keys);
      }
      resize::SortPendingResizes(keys);
      for (const resize::PendingResize& k : keys) order.push_back(k.uid);
      // Every retry pass resets the periodic retry (the kubelet's ticker.Reset(retryDelay)).
      ArmTimerLocked(options_.retry_period, cancel);
    }
  }
  for (runtime::Clock::TimerId id : cancel) deps_.clock->Cancel(id);
  for (const std::string& uid : order) deps_.queue->Add(uid);
}

std::vector<std::string> Reconciler::PendingOrder() const {
  absl::MutexLock lock(&mu_);
  std::vector<resize::PendingResize> keys;
  for (const auto& [uid, p] : pending_) keys.push_back(p.keys);
  resize::SortPendingResizes(keys);
  std::vector<std::string> order;
  for (const resize::PendingResize& k : keys) order.push_back(k.uid);
  return order;
}

std::map<std::string, uint64_t> Reconciler::AcceptedByTrigger() const {
  absl::MutexLock lock(&mu_);
  return accepted_by_trigger_;
}

std::vector<ObservedResize> Reconciler::Observed() const {
  absl::MutexLock lock(&mu_);
  return observed_;
}

ResizeState Reconciler::State(const std::string& uid) const {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(uid);
  return it == states_.end() ? ResizeState::kNone : it->second.state;
}

void Reconciler::SetStateLocked(const api::Pod& pod, ResizeState to) {
  Shown& shown = states_[pod.uid];
  const ResizeState from = shown.state;
  shown = Shown{to, pod.namespace_name, pod.name, pod.generation};
  if (from != to) {
    observer_->OnResizeState({pod.namespace_name, pod.name, pod.uid, pod.generation, from, to});
  }
  if (to == ResizeState::kNone) states_.erase(pod.uid);
}

void Reconciler::SetState(const api::Pod& pod, ResizeState to) {
  absl::MutexLock lock(&mu_);
  SetStateLocked(pod, to);
}

absl::Time Reconciler::NextPeriodicRetry() const {
  absl::MutexLock lock(&mu_);
  return timer_due_;
}

std::optional<cgroups::CgroupName> Reconciler::PodCgroup(const api::Pod& pod) const {
  absl::StatusOr<cgroups::CgroupName> name = cgroups::PodCgroupName(
      options_.cgroup_root, resize::ToQosTier(resize::GetPodQos(pod)), pod.uid);
  if (!name.ok()) return std::nullopt;
  return *std::move(name);
}

resize::NodeUsage Reconciler::OthersUsage(const std::string& uid) const {
  resize::NodeUsage usage;
  for (const api::Pod& other : deps_.pods->List()) {
    if (other.uid == uid || Terminal(other)) continue;
    std::optional<state::PodAllocation> entry = deps_.store->Get(other.uid);
    if (entry && entry->allocated) {
      usage.Add(resize::PodRequests(ApplyAllocated(other, *entry->allocated)));
    } else if (std::optional<resize::CpuMemory> r = resize::AllocatedRequestsFromStatus(other)) {
      usage.Add(*r);
    }
  }
  return usage;
}

void Reconciler::StartWatch(const api::Pod& pod) {
  auto [it, inserted] = watches_.try_emplace(pod.uid);
  if (inserted || it->second.generation != pod.generation) {
    if (inserted) it->second.since = deps_.clock->Now();
    it->second.generation = pod.generation;
  }
}

void Reconciler::FinishWatch(const std::string& uid, const std::string& outcome) {
  auto it = watches_.find(uid);
  if (it == watches_.end()) return;
  observed_.push_back({uid, it->second.generation, deps_.clock->Now() - it->second.since, outcome});
  watches_.erase(it);
  observer_->OnResizeFinished(observed_.back());
}

void Reconciler::PodGone(const std::string& uid) {
  if (options_.mode == Mode::kActuate) (void)deps_.store->Remove(uid);
  if (deps_.reporter != nullptr) deps_.reporter->Forget(uid);
  absl::MutexLock lock(&mu_);
  pending_.erase(uid);
  infeasible_.erase(uid);
  watches_.erase(uid);
  seen_.erase(uid);
  if (auto st = states_.find(uid); st != states_.end()) {
    const Shown& s = st->second;
    observer_->OnResizeState(
        {s.namespace_name, s.name, uid, s.generation, s.state, ResizeState::kNone});
    states_.erase(st);
  }
}

absl::Status Reconciler::Reconcile(const std::string& uid) {
  std::optional<api::Pod> pod = deps_.pods->Get(uid);
  if (!pod || Terminal(*pod)) {
    // Its allocation stops counting; the event that told us already retried the deferred ones.
    PodGone(uid);
    return absl::OkStatus();
  }
  if (options_.mode != Mode::kActuate) {
    ReconcileObserve(*pod);
    return absl::OkStatus();
  }
  return ReconcileActuate(*pod);
}

void Reconciler::ReconcileObserve(const api::Pod& pod) {
  state::AllocatedResources desired = ToAllocated(pod);
  absl::MutexLock lock(&mu_);
  auto it = seen_.find(pod.uid);
  if (it == seen_.end()) {
    seen_.emplace(pod.uid, desired);
    if (!KubeletShowsDone(pod)) {
      StartWatch(pod);
      SetStateLocked(pod, StateFromConditions(pod));
    }
    return;
  }
  if (!SameResources(it->second, desired)) {
    CountRequestedResizes(ApplyAllocated(pod, it->second), pod, *observer_);
    it->second = desired;
    StartWatch(pod);
    watches_[pod.uid].saw_condition = false;
  }
  if (!watches_.contains(pod.uid)) {
    if (KubeletShowsDone(pod)) {
      SetStateLocked(pod, ResizeState::kNone);
      return;
    }
    // An infeasible resize stays so until the next spec change.
    if (auto st = states_.find(pod.uid);
        st != states_.end() && st->second.state == ResizeState::kInfeasible) {
      return;
    }
    // The kubelet shows a resize whose spec change was not seen apart from the pod's first sight
    // (the two raced): time it from now.
    StartWatch(pod);
  }
  Watch& watch = watches_[pod.uid];
  if (FindCondition(pod, "PodResizePending") != nullptr ||
      FindCondition(pod, "PodResizeInProgress") != nullptr) {
    watch.saw_condition = true;
  }
  // Right after a spec change a kubelet that has not reacted yet shows no condition either: done
  // needs evidence (a condition seen and gone, or reported resources at the spec's values).
  const bool done = KubeletShowsDone(pod) && (watch.saw_condition || ReportsResources(pod));
  if (const api::PodCondition* p = FindCondition(pod, "PodResizePending");
      p != nullptr && p->reason == "Infeasible") {
    // The state first, the duration second: a scrape that sees the resize timed sees it ended.
    SetStateLocked(pod, ResizeState::kInfeasible);
    FinishWatch(pod.uid, "infeasible");
  } else if (done) {
    SetStateLocked(pod, ResizeState::kNone);
    FinishWatch(pod.uid, "completed");
  } else {
    SetStateLocked(pod, StateFromConditions(pod));
  }
}

absl::Status Reconciler::ReconcileActuate(const api::Pod& pod) {
  const std::string& uid = pod.uid;
  const ReadBackOptions& rb = options_.actuator.read_back;
  std::optional<state::PodAllocation> entry = deps_.store->Get(uid);
  const std::optional<cgroups::CgroupName> cgroup = PodCgroup(pod);
  if (!cgroup)
    return absl::InvalidArgumentError(absl::StrCat("pod UID \"", uid, "\" names no cgroup"));
  ASSIGN_OR_RETURN(
      PodLocation where,
      LocatePod(*deps_.runtime, uid, cgroups::ToDriverPath(*cgroup, options_.cgroup_driver)));
  for (ContainerHandle& c : where.containers) {
    c.cgroup_path =
        cgroups::ContainerCgroupDir(options_.runtime_kind, options_.cgroup_driver, *cgroup, c.id);
  }
  ASSIGN_OR_RETURN(ReadBack read, ReadPod(*deps_.runtime, *deps_.driver, where));

  api::Pod allocated;
  if (entry && entry->allocated) {
    allocated = ApplyAllocated(pod, *entry->allocated);
  } else {
    // First sight or a lost checkpoint: allocated is what the node holds (KEP-1287, "kubelet
    // restart tolerance"); a pod whose spec differs is admitted again below.
    allocated = VerifyReadBack(pod, read, rb).ok()
                    ? pod
                    : PodFromReadBack(resize::AllocatedPodFromStatus(pod), read);
    state::AllocatedResources record = ToAllocated(allocated);
    RETURN_IF_ERROR(deps_.store->SetAllocated(uid, record));
  }

  bool resized_now = false;
  api::Pod previous = allocated;
  if (resize::ResizeRequested(pod, allocated)) {
    resize::CpuMemory allocatable;
    {
      absl::MutexLock lock(&mu_);
      auto inf = infeasible_.find(uid);
      if (inf != infeasible_.end() && inf->second == pod.generation) {
        return absl::OkStatus();  // Infeasible waits for the next spec change
      }
      allocatable = allocatable_;
      if (auto st = states_.find(uid); st == states_.end()) {
        SetStateLocked(pod, ResizeState::kProposed);
      }
    }
    const resize::AdmissionDecision decision =
        resize::Admit(pod, allocated, allocatable, OthersUsage(uid), options_.node_settings);
    if (decision.outcome == resize::AdmissionOutcome::kDeferred) {
      std::vector<runtime::Clock::TimerId> cancel;
      {
        absl::MutexLock lock(&mu_);
        auto [it, inserted] = pending_.try_emplace(uid);
        const int64_t since =
            inserted ? absl::ToUnixNanos(deps_.clock->Now()) : it->second.keys.pending_since;
        it->second.keys = resize::MakePendingResize(allocated, pod, since);
        it->second.keys.uid = uid;
        StartWatch(pod);
        SetStateLocked(pod, ResizeState::kDeferred);
        if (!timer_) ArmTimerLocked(options_.initial_retry_delay, cancel);
      }
      for (runtime::Clock::TimerId id : cancel) deps_.clock->Cancel(id);
      if (deps_.reporter != nullptr) deps_.reporter->Deferred(pod, decision.message);
      return absl::OkStatus();
    }
    if (decision.outcome == resize::AdmissionOutcome::kInfeasible) {
      {
        absl::MutexLock lock(&mu_);
        infeasible_[uid] = pod.generation;
        pending_.erase(uid);
        StartWatch(pod);
        SetStateLocked(pod, ResizeState::kInfeasible);
        FinishWatch(uid, "infeasible");
      }
      observer_->OnInfeasible(decision.reason_detail);
      if (deps_.reporter != nullptr) deps_.reporter->Infeasible(pod, decision.message);
      return absl::OkStatus();
    }
    {
      absl::MutexLock lock(&mu_);
      auto it = pending_.find(uid);
      if (it != pending_.end()) {
        const char* trigger = RetryTriggerName(it->second.last_trigger);
        ++accepted_by_trigger_[trigger];
        observer_->OnDeferredAccepted(trigger);
        pending_.erase(it);
      }
      infeasible_.erase(uid);
      StartWatch(pod);
      SetStateLocked(pod, ResizeState::kInProgress);
    }
    CountRequestedResizes(previous, pod, *observer_);
    CrashPointReached(CrashPoint::kAfterAdmission);
    // Allocated is recorded before anything is actuated.
    RETURN_IF_ERROR(deps_.store->SetAllocated(uid, ToAllocated(pod)));
    if (deps_.reporter != nullptr) deps_.reporter->Started(pod);
    CrashPointReached(CrashPoint::kAfterCheckpoint);
    allocated = pod;
    resized_now = true;
  } else {
    absl::MutexLock lock(&mu_);
    pending_.erase(uid);  // the spec went back to what is allocated
    infeasible_.erase(uid);
    if (auto st = states_.find(uid); st != states_.end() &&
                                     st->second.state != ResizeState::kInProgress &&
                                     st->second.state != ResizeState::kError) {
      SetStateLocked(pod, ResizeState::kNone);
    }
  }

  // Allocated ahead of actuated in the checkpoint: a resize cut short by a restart (or a failed
  // actuation being retried). Its ResizeStarted went out before; a fresh reporter takes it up
  // again without announcing it twice, so that its completion is reported (the kubelet's
  // allocation manager keeps allocated and actuated apart for the same reason).
  const bool interrupted =
      !resized_now && entry && entry->allocated &&
      (!entry->actuated || entry->actuated->generation < entry->allocated->generation);
  if (interrupted && deps_.reporter != nullptr &&
      deps_.reporter->Phase(uid) == ResizePhase::kNone) {
    deps_.reporter->Resumed(pod);
  }
  if (interrupted) SetState(pod, ResizeState::kInProgress);

  state::ActuatedResources actuated;
  if (VerifyReadBack(allocated, read, rb).ok()) {
    actuated = read.actuated;  // already at the target: nothing is sent again
  } else {
    // A failed actuation retried with backoff stays in Error, announced once: the kubelet keeps
    // PodResizeInProgress reason Error through its retries and emits nothing new until one
    // succeeds (status_manager SetPodResizeInProgressCondition only on a change).
    bool retrying_error = false;
    {
      absl::MutexLock lock(&mu_);
      auto st = states_.find(uid);
      retrying_error = st != states_.end() && st->second.state == ResizeState::kError &&
                       st->second.generation == pod.generation;
      StartWatch(pod);
      if (!retrying_error) SetStateLocked(pod, ResizeState::kInProgress);
    }
    if (!retrying_error && deps_.reporter != nullptr &&
        deps_.reporter->Phase(uid) != ResizePhase::kInProgress &&
        deps_.reporter->Phase(uid) != ResizePhase::kError) {
      deps_.reporter->Started(pod);
    }
    const api::Pod current = PodFromReadBack(previous, read);
    ActuationResult result = actuator_.Actuate(current, allocated, where);
    for (const std::string& name : result.stopped) observer_->OnContainerRestarted(name);
    if (!result.status.ok()) {
      SetState(pod, ResizeState::kError);
      if (deps_.reporter != nullptr) {
        deps_.reporter->Failed(pod, std::string(result.status.message()));
      }
      return result.status;
    }
    actuated = std::move(result.read_back.actuated);
    resized_now = true;
  }
  actuated.generation = pod.generation;
  // Also when only the pod shows our conditions: a restart between the actuation and the status
  // patch must not leave them behind.
  const bool reporting =
      deps_.reporter != nullptr && (deps_.reporter->Phase(uid) != ResizePhase::kNone ||
                                    FindCondition(pod, "PodResizePending") != nullptr ||
                                    FindCondition(pod, "PodResizeInProgress") != nullptr);
  if (reporting) {
    CrashPointReached(CrashPoint::kBeforeStatusPatch);
    // After a restart our InProgress condition on the pod is the trace of a resize whose end was
    // not reported yet: take it up again so that its ResizeCompleted goes out.
    if (deps_.reporter->Phase(uid) == ResizePhase::kNone &&
        FindCondition(pod, "PodResizeInProgress") != nullptr) {
      deps_.reporter->Resumed(pod);
    }
    deps_.reporter->Completed(pod);
  }
  // Actuated is recorded after the end was reported: until then the checkpoint shows allocated
  // ahead of actuated, which is how a restart knows that this resize's end is still to be
  // reported (`interrupted` above). A crash between the two reports the end twice at worst.
  if (!entry || !entry->actuated || *entry->actuated != actuated) {
    RETURN_IF_ERROR(deps_.store->SetActuated(uid, actuated));
  }
  bool retry = false;
  {
    absl::MutexLock lock(&mu_);
    SetStateLocked(pod, ResizeState::kNone);
    FinishWatch(uid, "completed");
    retry = resized_now && !pending_.empty();
  }
  if (retry) RetryPending(RetryTrigger::kResizeCompleted);
  return absl::OkStatus();
}

}  // namespace resizelet::reconcile
