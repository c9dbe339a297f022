// One reconcile pass per pod UID, taken from the WorkQueue (which guarantees one pass per pod at a
// time): compares desired (the spec), allocated (the AllocationStore) and actuated (the runtime
// and the pod cgroup, read back in runtime units) and does only what is missing — the kubelet's
// allocation manager and SyncPod resize path (pkg/kubelet/allocation, kuberuntime) for nodes
// whose kubelet does not resize.
//
//   admit:    resize::Admit against the Node's allocatable and the other pods' allocations
//             (checkpoint first, then status: facts.md §4). Deferred resizes wait in the
//             kubelet's order (sortPendingResizes) and are retried on pod added / updated /
//             resized / removed / terminated, after another resize completes, and on a timer
//             (30 s, then every 3 min, reset by each retry pass); the trigger that got a deferred
//             resize admitted is counted. Infeasible waits for the next spec change.
//   record:   allocated before actuation, actuated after it and after its end was reported (a
//             crash in between redoes the missing part — nothing already at its target is sent
//             again — and reports the end: allocated ahead of actuated marks a resize whose
//             ResizeCompleted is still due).
//   crash points (crash_point.h) mark each step for restart tests.
//   actuate:  Actuator (actuator.h); terminated containers and terminating pods best effort.
//   report:   Reporter (reporter.h).
// With no checkpoint entry (first sight, or a lost checkpoint) allocated is what the node holds:
// the spec if the read back matches it, else the read back itself.
// In companion and observe modes nothing is written: each resize is timed from its spec change to
// its completion as the kubelet reports it.
#ifndef RESIZELET_AGENT_RECONCILE_RECONCILER_H_
#define RESIZELET_AGENT_RECONCILE_RECONCILER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/api/objects.h"
#include "agent/reconcile/actuator.h"
#include "agent/reconcile/mode.h"
#include "agent/reconcile/pod_lister.h"
#include "agent/reconcile/reporter.h"
#include "agent/reconcile/resize_observer.h"
#include "agent/resize/admission.h"
#include "agent/resize/pending_order.h"
#include "agent/runtime/clock.h"
#include "agent/runtime/work_queue.h"
#include "agent/state/allocation_store.h"
#include "cgroups/cgroup_name.h"

namespace resizelet::reconcile {

// What made the deferred resizes be retried; the kubelet's retry_trigger labels, plus
// "resize_completed" for the retry after another resize completes.
enum class RetryTrigger {
  kPodsAdded,
  kPodUpdated,
  kPodResized,
  kPodsRemoved,
  kPodTerminated,
  kResizeCompleted,
  kPeriodic,
};
const char* RetryTriggerName(RetryTrigger trigger);

struct ReconcilerOptions {
  Mode mode = Mode::kActuate;
  ActuatorOptions actuator;
  resize::NodeResizeSettings node_settings;
  cgroups::CgroupName cgroup_root;  // the kubelet's --cgroup-root ("/" → empty)
  cgroups::CgroupDriverKind cgroup_driver = cgroups::CgroupDriverKind::kCgroupfs;
  // Names the containers' cgroup directories (for the usage check before a memory decrease).
  cgroups::ContainerRuntimeKind runtime_kind = cgroups::ContainerRuntimeKind::kContainerd;
  absl::Duration initial_retry_delay = absl::Seconds(30);
  absl::Duration retry_period = absl::Minutes(3);
};

struct ReconcilerDeps {
  PodLister* pods = nullptr;
  state::AllocationStore* store = nullptr;
  cgroups::CgroupDriver* driver = nullptr;
  cri::RuntimeClient* runtime = nullptr;
  ContainerStopper* stopper = nullptr;  // may be null
  Reporter* reporter = nullptr;         // may be null in companion / observe mode
  runtime::Clock* clock = nullptr;
  runtime::WorkQueue* queue = nullptr;
  // Resize states, ends and counts, for metrics and logs (resize_observer.h); may be null.
  ResizeObserver* observer = nullptr;
};

class Reconciler {
 public:
  Reconciler(ReconcilerDeps deps, ReconcilerOptions options);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void SetNode(const api::Node& node) ABSL_LOCKS_EXCLUDED(mu_);

  // Pod events from the watch: queue the pod and retry the deferred resizes.
  enum class PodEvent { kAdded, kUpdated, kResized, kDeleted, kTerminated };
  void OnPodEvent(PodEvent event, const std::string& uid) ABSL_LOCKS_EXCLUDED(mu_);
  // Queues one pass of `uid` without retrying the deferred resizes: for changes only companion
  // and observe modes read (the kubelet's resize conditions).
  void Requeue(const std::string& uid);

  // One pass for `uid`. An error means "retry with backoff".
  absl::Status Reconcile(const std::string& uid) ABSL_LOCKS_EXCLUDED(mu_);
  // Takes one key from the queue, reconciles it, and requeues it rate-limited on error. False
  // once the queue is shut down and empty.
  bool ProcessNext();

  // Queues every deferred resize, in the kubelet's order, and resets the periodic timer.
  void RetryPending(RetryTrigger trigger) ABSL_LOCKS_EXCLUDED(mu_);

  // Deferred resizes in retry order.
  std::vector<std::string> PendingOrder() const ABSL_LOCKS_EXCLUDED(mu_);
  // pod_deferred_accepted_resizes_total{retry_trigger}.
  std::map<std::string, uint64_t> AcceptedByTrigger() const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<ObservedResize> Observed() const ABSL_LOCKS_EXCLUDED(mu_);
  // The state of `uid`'s resize (kNone when it has none).
  ResizeState State(const std::string& uid) const ABSL_LOCKS_EXCLUDED(mu_);
  // When the periodic retry is next due; InfiniteFuture when nothing waits.
  absl::Time NextPeriodicRetry() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Pending {
    resize::PendingResize keys;
    RetryTrigger last_trigger = RetryTrigger::kPodResized;
  };
  struct Shown {  // a resize's state as last reported to the observer
    ResizeState state = ResizeState::kNone;
    std::string namespace_name;
    std::string name;
    int64_t generation = 0;
  };
  struct Watch {  // a resize being timed
    int64_t generation = 0;
    absl::Time since;
    state::AllocatedResources desired;
    bool saw_condition = false;  // the kubelet showed a resize condition for this generation
  };

  absl::Status ReconcileActuate(const api::Pod& pod);
  void ReconcileObserve(const api::Pod& pod);
  void PodGone(const std::string& uid);
  resize::NodeUsage OthersUsage(const std::string& uid) const;
  std::optional<cgroups::CgroupName> PodCgroup(const api::Pod& pod) const;
  void StartWatch(const api::Pod& pod) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishWatch(const std::string& uid, const std::string& outcome)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves `pod`'s resize to `to`, telling the observer when that changes anything.
  void SetStateLocked(const api::Pod& pod, ResizeState to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetState(const api::Pod& pod, ResizeState to) ABSL_LOCKS_EXCLUDED(mu_);
  void ArmTimerLocked(absl::Duration delay, std::vector<runtime::Clock::TimerId>& cancel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ReconcilerDeps deps_;
  const ReconcilerOptions options_;
  Actuator actuator_;
  ResizeObserver* const observer_;

  mutable absl::Mutex mu_;
  resize::CpuMemory allocatable_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  // Infeasible resizes by UID: the generation found infeasible (retried on a spec change).
  std::map<std::string, int64_t> infeasible_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> accepted_by_trigger_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Watch> watches_ ABSL_GUARDED_BY(mu_);
  // Companion / observe: the last desired resources seen per pod.
  std::map<std::string, state::AllocatedResources> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<ObservedResize> observed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Shown> states_ ABSL_GUARDED_BY(mu_);
  std::optional<runtime::Clock::TimerId> timer_ ABSL_GUARDED_BY(mu_);
  absl::Time timer_due_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool first_retry_armed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t timer_token_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_RECONCILER_H_
