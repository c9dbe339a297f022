// A keyed work queue with client-go's workqueue semantics (k8s.io/client-go/util/workqueue:
// queue.go, delaying_queue.go, rate_limiting_queue.go), keyed by pod UID. It is what serializes
// reconcile work per pod: the kubelet's pod workers give the same guarantee.
#ifndef RESIZELET_AGENT_RUNTIME_WORK_QUEUE_H_
#define RESIZELET_AGENT_RUNTIME_WORK_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/runtime/backoff.h"
#include "agent/runtime/clock.h"

namespace resizelet::runtime {

struct WorkQueueOptions {
  // client-go's DefaultControllerRateLimiter: the slower of a per-item exponential backoff
  // (5 ms doubling to 1000 s) and a global token bucket (10 QPS, burst 100).
  absl::Duration item_base_delay = absl::Milliseconds(5);
  absl::Duration item_max_delay = absl::Seconds(1000);
  double qps = 10;
  int burst = 100;
};

// Contract:
// - Add(key) queues `key` unless it is already queued (deduplicated). A key that is being
//   processed (handed out by Get and not yet Done) is marked dirty instead and queued again when
//   Done(key) is called: one key is never handed to two workers at once, and a change that
//   arrives during processing is never lost.
// - Get() blocks until a key is available and hands keys out in FIFO order of first Add. After
//   ShutDown() it keeps handing out what is queued and returns std::nullopt once the queue is
//   empty.
// - AddAfter(key, delay) adds `key` once `delay` has passed on the clock; several pending
//   AddAfter calls for one key keep only the earliest. AddRateLimited(key) is AddAfter with the
//   rate limiter's delay; Forget(key) resets that key's backoff (call it after a success and when
//   the pod is gone, or its failure count is kept).
// - After ShutDown(), adds are ignored. ShutDownWithDrain() also waits until every handed-out
//   key is Done and the queue is empty (workers must keep calling Get).
// - Thread-safe. The destructor cancels pending AddAfter timers; the queue must outlive its
//   workers' Get/Done calls.
class WorkQueue {
 public:
  WorkQueue(Clock* clock, WorkQueueOptions options = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  void AddAfter(std::string_view key, absl::Duration delay) ABSL_LOCKS_EXCLUDED(mu_);
  void AddRateLimited(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  int NumRequeues(std::string_view key) const ABSL_LOCKS_EXCLUDED(mu_);

  std::optional<std::string> Get() ABSL_LOCKS_EXCLUDED(mu_);
  void Done(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  void ShutDown() ABSL_LOCKS_EXCLUDED(mu_);
  void ShutDownWithDrain() ABSL_LOCKS_EXCLUDED(mu_);
  bool ShuttingDown() const ABSL_LOCKS_EXCLUDED(mu_);

  // Keys queued and ready now (the workqueue depth metric).
  size_t Len() const ABSL_LOCKS_EXCLUDED(mu_);

  // Counters for metrics, as client-go's workqueue exports them (adds_total, retries_total).
  struct Counters {
    uint64_t adds = 0;     // Add calls accepted (including deduplicated ones and AddAfter firing)
    uint64_t retries = 0;  // AddRateLimited calls
  };
  Counters counters() const ABSL_LOCKS_EXCLUDED(mu_);
  // Keys waiting for an AddAfter delay.
  size_t Waiting() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void AddLocked(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddAfterLocked(std::string_view key, absl::Duration delay)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ArmLocked(absl::Time when) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnTimer(absl::Time armed_for, std::shared_ptr<const Clock::TimerId> id_slot)
      ABSL_LOCKS_EXCLUDED(mu_);

  Clock* const clock_;
  mutable absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  // Keys that need processing: queued, or re-added while processing.
  absl::flat_hash_set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> processing_ ABSL_GUARDED_BY(mu_);
  // AddAfter keys by ready time, and each key's ready time (one entry per key: the earliest).
  std::multimap<absl::Time, std::string> waiting_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> waiting_ready_ ABSL_GUARDED_BY(mu_);
  // Timers scheduled on the clock, by due time. Only the earliest matters; a later one that
  // fires early finds nothing due and re-arms.
  std::multimap<absl::Time, Clock::TimerId> armed_ ABSL_GUARDED_BY(mu_);
  ItemBackoff item_backoff_ ABSL_GUARDED_BY(mu_);
  TokenBucket bucket_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  Counters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::runtime

#endif  // RESIZELET_AGENT_RUNTIME_WORK_QUEUE_H_
