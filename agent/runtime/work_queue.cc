#include "agent/runtime/work_queue.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

namespace resizelet::runtime {
namespace {

// Debian's abseil has its own string_view: heterogeneous lookups in absl containers need it.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

WorkQueue::WorkQueue(Clock* clock, WorkQueueOptions options)
    : clock_(clock),
      item_backoff_(options.item_base_delay, options.item_max_delay),
      bucket_(options.qps, options.burst, clock) {}

WorkQueue::~WorkQueue() {
  std::vector<Clock::TimerId> ids;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (const auto& [when, id] : armed_) ids.push_back(id);
  }
  // Without the lock: Cancel waits for a running OnTimer, which takes the lock.
  for (Clock::TimerId id : ids) clock_->Cancel(id);
}

void WorkQueue::Add(std::string_view key) {
  absl::MutexLock lock(&mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(std::string_view key) {
  if (shutting_down_) return;
  ++counters_.adds;
  if (!dirty_.emplace(AsAbsl(key)).second) return;
  // Being processed: Done() queues it again.
  if (processing_.contains(AsAbsl(key))) return;
  queue_.emplace_back(key);
}

void WorkQueue::AddAfter(std::string_view key, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  AddAfterLocked(key, delay);
}

void WorkQueue::AddAfterLocked(std::string_view key, absl::Duration delay) {
  if (shutting_down_) return;
  if (delay <= absl::ZeroDuration()) {
    AddLocked(key);
    return;
  }
  const absl::Time ready = clock_->Now() + delay;
  // As delaying_queue.go: a key already waiting keeps the earlier of its two ready times.
  if (auto it = waiting_ready_.find(AsAbsl(key)); it != waiting_ready_.end()) {
    if (it->second <= ready) return;
    auto range = waiting_.equal_range(it->second);
    for (auto w = range.first; w != range.second; ++w) {
      if (w->second == key) {
        waiting_.erase(w);
        break;
      }
    }
    it->second = ready;
  } else {
    waiting_ready_.emplace(std::string(key), ready);
  }
  waiting_.emplace(ready, std::string(key));
  ArmLocked(ready);
}

void WorkQueue::ArmLocked(absl::Time when) {
  if (!armed_.empty() && armed_.begin()->first <= when) return;
  // The clock never runs the callback on this thread, so scheduling under the lock is safe.
  // The id is known only after Schedule returns, hence the shared slot.
  auto id_slot = std::make_shared<Clock::TimerId>(0);
  const Clock::TimerId id =
      clock_->Schedule(when, [this, when, id_slot] { OnTimer(when, id_slot); });
  *id_slot = id;
  armed_.emplace(when, id);
}

void WorkQueue::OnTimer(absl::Time armed_for, std::shared_ptr<const Clock::TimerId> id_slot) {
  absl::MutexLock lock(&mu_);
  // Read under the lock: ArmLocked() writes the slot before releasing it.
  const Clock::TimerId id = *id_slot;
  auto range = armed_.equal_range(armed_for);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second == id) {
      armed_.erase(it);
      break;
    }
  }
  const absl::Time now = clock_->Now();
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    auto node = waiting_.extract(waiting_.begin());
    waiting_ready_.erase(node.mapped());
    AddLocked(node.mapped());
  }
  if (!waiting_.empty() && !shutting_down_) ArmLocked(waiting_.begin()->first);
}

void WorkQueue::AddRateLimited(std::string_view key) {
  absl::MutexLock lock(&mu_);
  ++counters_.retries;
  // MaxOfRateLimiter: both limiters are charged, the longer delay wins.
  const absl::Duration item = item_backoff_.When(key);
  const absl::Duration global = bucket_.Reserve();
  AddAfterLocked(key, std::max(item, global));
}

void WorkQueue::Forget(std::string_view key) {
  absl::MutexLock lock(&mu_);
  item_backoff_.Forget(key);
}

int WorkQueue::NumRequeues(std::string_view key) const {
  absl::MutexLock lock(&mu_);
  return item_backoff_.NumRequeues(key);
}

std::optional<std::string> WorkQueue::Get() {
  absl::MutexLock lock(&mu_);
  auto ready = [this]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || shutting_down_; };
  mu_.Await(absl::Condition(&ready));
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = processing_.find(AsAbsl(key));
  if (it == processing_.end()) return;
  processing_.erase(it);
  // Re-added while it was processed: hand it out again, even during shutdown (the change it
  // carries was accepted before the shutdown).
  if (dirty_.contains(AsAbsl(key))) queue_.emplace_back(key);
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
}

void WorkQueue::ShutDownWithDrain() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.empty() && processing_.empty();
  };
  mu_.Await(absl::Condition(&drained));
}

bool WorkQueue::ShuttingDown() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

WorkQueue::Counters WorkQueue::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

size_t WorkQueue::Waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_.size();
}

}  // namespace resizelet::runtime
