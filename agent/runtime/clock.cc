#include "agent/runtime/clock.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace resizelet::runtime {

void Clock::SleepUntil(absl::Time deadline) {
  if (Now() >= deadline) return;
  absl::Notification reached;
  Schedule(deadline, [&reached] { reached.Notify(); });
  reached.WaitForNotification();
}

Clock::TimerId TimerTable::Add(absl::Time when, std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  const Clock::TimerId id = next_id_++;
  timers_.emplace(Key{when, id}, std::move(fn));
  due_by_id_.emplace(id, when);
  ++generation_;
  return id;
}

bool TimerTable::Cancel(Clock::TimerId id) {
  absl::MutexLock lock(&mu_);
  if (auto it = due_by_id_.find(id); it != due_by_id_.end()) {
    timers_.erase(Key{it->second, id});
    due_by_id_.erase(it);
    ++generation_;
    return true;
  }
  // A callback cancelling itself must not wait for itself.
  if (running_ == id && running_thread_ != std::this_thread::get_id()) {
    auto finished = [this, id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_ != id; };
    mu_.Await(absl::Condition(&finished));
  }
  return false;
}

bool TimerTable::RunOneDue(absl::Time now) {
  std::function<void()> fn;
  {
    absl::MutexLock lock(&mu_);
    if (timers_.empty() || timers_.begin()->first.when > now) return false;
    auto node = timers_.extract(timers_.begin());
    due_by_id_.erase(node.key().id);
    fn = std::move(node.mapped());
    running_ = node.key().id;
    running_thread_ = std::this_thread::get_id();
  }
  fn();
  absl::MutexLock lock(&mu_);
  running_ = 0;
  running_thread_ = std::thread::id();
  return true;
}

absl::Time TimerTable::NextDue() const {
  absl::MutexLock lock(&mu_);
  return timers_.empty() ? absl::InfiniteFuture() : timers_.begin()->first.when;
}

size_t TimerTable::Pending() const {
  absl::MutexLock lock(&mu_);
  return timers_.size();
}

bool TimerTable::AwaitPending(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return timers_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

uint64_t TimerTable::Generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

void TimerTable::WaitForChange(uint64_t seen, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return generation_ != seen; };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
}

void TimerTable::Wake() {
  absl::MutexLock lock(&mu_);
  ++generation_;
}

struct RealClock::Thread {
  std::once_flag started;
  std::atomic<bool> stop{false};
  std::thread thread;
};

RealClock::RealClock() : thread_(std::make_unique<Thread>()) {}

RealClock::~RealClock() {
  thread_->stop.store(true);
  timers_.Wake();
  if (thread_->thread.joinable()) thread_->thread.join();
}

RealClock* RealClock::Default() {
  static RealClock* const clock = new RealClock();
  return clock;
}

Clock::TimerId RealClock::Schedule(absl::Time when, std::function<void()> fn) {
  std::call_once(thread_->started, [this] {
    thread_->thread = std::thread([this] {
      while (!thread_->stop.load()) {
        if (timers_.RunOneDue(absl::Now())) continue;
        // Read the generation before the due time: a timer added in between changes the
        // generation, so the wait below returns at once instead of missing it.
        const uint64_t seen = timers_.Generation();
        if (thread_->stop.load()) break;
        timers_.WaitForChange(seen, timers_.NextDue());
      }
    });
  });
  return timers_.Add(when, std::move(fn));
}

void RealClock::SleepUntil(absl::Time deadline) {
  // absl::SleepFor may return early on a signal; loop until the deadline really passed.
  for (absl::Time now = absl::Now(); now < deadline; now = absl::Now()) {
    absl::SleepFor(deadline - now);
  }
}

SimulatedClock::SimulatedClock(absl::Time start, SleepMode mode)
    : mode_(mode), now_(start), slept_(absl::ZeroDuration()) {}

void SimulatedClock::SleepUntil(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (deadline <= now_) return;
    slept_ += deadline - now_;
  }
  if (mode_ == SleepMode::kAdvanceOnSleep) {
    AdvanceTo(deadline);
  } else {
    Clock::SleepUntil(deadline);
  }
}

absl::Duration SimulatedClock::TotalSlept() const {
  absl::MutexLock lock(&mu_);
  return slept_;
}

absl::Time SimulatedClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void SimulatedClock::Advance(absl::Duration d) { AdvanceTo(Now() + d); }

void SimulatedClock::AdvanceTo(absl::Time t) {
  absl::MutexLock advancing(&advance_mu_);
  for (;;) {
    const absl::Time due = timers_.NextDue();
    if (due > t) break;
    {
      absl::MutexLock lock(&mu_);
      if (due > now_) now_ = due;
    }
    timers_.RunOneDue(due);
  }
  absl::MutexLock lock(&mu_);
  if (t > now_) now_ = t;
}

}  // namespace resizelet::runtime
