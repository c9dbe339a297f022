// Time and timers for everything that waits: the engine, the API client and the CRI client all
// read time and sleep through a Clock. Production code uses RealClock (RealClock::Default() when
// no owner is at hand); tests use SimulatedClock and move time forward explicitly, or let
// sleepers move it, so no test sleeps to wait for a timer (docs/testing.md, "Rules").
#ifndef RESIZELET_AGENT_RUNTIME_CLOCK_H_
#define RESIZELET_AGENT_RUNTIME_CLOCK_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace resizelet::runtime {

// A source of the current time and of one-shot timers.
//
// Contract, for every implementation:
// - Schedule() never runs `fn` on the calling thread: a timer due now (or in the past) fires
//   from the clock's own firing context (RealClock: its timer thread; SimulatedClock: the next
//   Advance()). So callers may hold their own lock while scheduling.
// - Timers fire in order of their due time; equal times fire in scheduling order.
// - Cancel(id) returns true if the timer had not started; it returns only when `fn` is neither
//   running nor going to run, except when called from inside that same callback (then it returns
//   false at once). Cancelling an unknown or finished id returns false.
// - Callbacks run without any clock lock held: they may schedule and cancel timers.
// Thread-safe.
class Clock {
 public:
  using TimerId = uint64_t;

  virtual ~Clock() = default;

  // Wall time as this clock sees it.
  virtual absl::Time Now() const = 0;

  // Runs `fn` once, at or after `when`.
  virtual TimerId Schedule(absl::Time when, std::function<void()> fn) = 0;
  virtual bool Cancel(TimerId id) = 0;

  // Blocks the caller until Now() >= deadline; returns at once when it already is. Must not be
  // called from a timer callback. The default waits for a timer on this clock; RealClock sleeps
  // the calling thread, SimulatedClock waits for Advance() or moves time itself (SleepMode).
  virtual void SleepUntil(absl::Time deadline);
  void SleepFor(absl::Duration d) { SleepUntil(Now() + d); }
};

// The shared machinery of both clocks: an ordered set of pending timers and the rule that a
// callback runs with no lock held while Cancel() waits for it.
class TimerTable {
 public:
  Clock::TimerId Add(absl::Time when, std::function<void()> fn) ABSL_LOCKS_EXCLUDED(mu_);
  bool Cancel(Clock::TimerId id) ABSL_LOCKS_EXCLUDED(mu_);

  // Removes and runs, with no lock held, the earliest timer due at or before `now`. Returns
  // false if none is due.
  bool RunOneDue(absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  // The due time of the earliest pending timer, or absl::InfiniteFuture().
  absl::Time NextDue() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t Pending() const ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until Pending() >= n or the real-time `timeout` passes; returns whether it got there.
  bool AwaitPending(size_t n, absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

  // The table's generation changes whenever a timer is added or cancelled, or Wake() is called.
  // WaitForChange() blocks until it differs from `seen` or the real time `deadline` passes: the
  // RealClock thread sleeps exactly until the next due time or a new, earlier timer.
  uint64_t Generation() const ABSL_LOCKS_EXCLUDED(mu_);
  void WaitForChange(uint64_t seen, absl::Time deadline) const ABSL_LOCKS_EXCLUDED(mu_);
  void Wake() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Key {
    absl::Time when;
    Clock::TimerId id;  // increasing: ties fire in scheduling order
    bool operator<(const Key& o) const { return when != o.when ? when < o.when : id < o.id; }
  };

  mutable absl::Mutex mu_;
  std::map<Key, std::function<void()>> timers_ ABSL_GUARDED_BY(mu_);
  std::map<Clock::TimerId, absl::Time> due_by_id_ ABSL_GUARDED_BY(mu_);
  Clock::TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  Clock::TimerId running_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread::id running_thread_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

// The system clock. Timers fire on one dedicated thread, started by the first Schedule() and
// joined at destruction; pending timers are dropped then, so every timer owner must have
// cancelled before the clock is destroyed. SleepUntil() sleeps the calling thread and needs no
// timer, so a clock that is only slept on never starts its thread.
class RealClock final : public Clock {
 public:
  RealClock();
  ~RealClock() override;
  RealClock(const RealClock&) = delete;
  RealClock& operator=(const RealClock&) = delete;

  // One process-wide instance for code that is not handed a clock (the CRI client's retries, an
  // API client built with no clock). Never destroyed, so it may be used during exit.
  static RealClock* Default();

  absl::Time Now() const override { return absl::Now(); }
  TimerId Schedule(absl::Time when, std::function<void()> fn) override;
  bool Cancel(TimerId id) override { return timers_.Cancel(id); }
  void SleepUntil(absl::Time deadline) override;

 private:
  struct Thread;
  TimerTable timers_;
  std::unique_ptr<Thread> thread_;
};

// What SleepUntil() does on a SimulatedClock.
enum class SleepMode {
  // The sleeper blocks until another thread advances time past its deadline: for tests that
  // step a worker through its waits.
  kWaitForAdvance,
  // The sleeper advances the clock to its deadline itself (firing the timers due on the way) and
  // returns: for tests of code that sleeps inline (retry loops, rate limiters) where the test
  // checks how long it slept rather than stepping it. Concurrent sleepers are serialized.
  kAdvanceOnSleep,
};

// A clock that moves only when told to (Advance, or a sleeper in kAdvanceOnSleep mode). Timers
// fire on the thread that moves time, in due order, each with Now() equal to its due time.
class SimulatedClock final : public Clock {
 public:
  static constexpr absl::Time kDefaultStart = absl::FromUnixSeconds(1'700'000'000);

  explicit SimulatedClock(absl::Time start = kDefaultStart,
                          SleepMode mode = SleepMode::kWaitForAdvance);
  explicit SimulatedClock(SleepMode mode) : SimulatedClock(kDefaultStart, mode) {}

  absl::Time Now() const override ABSL_LOCKS_EXCLUDED(mu_);
  TimerId Schedule(absl::Time when, std::function<void()> fn) override {
    return timers_.Add(when, std::move(fn));
  }
  bool Cancel(TimerId id) override { return timers_.Cancel(id); }
  void SleepUntil(absl::Time deadline) override ABSL_LOCKS_EXCLUDED(mu_);

  // The sum of every SleepUntil()'s remaining time when it was called: what a retry loop or a
  // rate limiter waited in total.
  absl::Duration TotalSlept() const ABSL_LOCKS_EXCLUDED(mu_);

  // Moves time forward by `d` (>= 0), firing every timer that becomes due, including timers
  // those callbacks schedule within the interval. Advance(absl::ZeroDuration()) fires timers
  // already due. Must not be called from a timer callback.
  void Advance(absl::Duration d) ABSL_LOCKS_EXCLUDED(mu_);
  void AdvanceTo(absl::Time t) ABSL_LOCKS_EXCLUDED(mu_);

  size_t PendingTimers() const { return timers_.Pending(); }
  absl::Time NextTimer() const { return timers_.NextDue(); }
  // For tests that hand a SimulatedClock to another thread: waits (in real time, bounded) until
  // at least `n` timers are pending, e.g. until a worker has gone to sleep on this clock.
  bool AwaitPendingTimers(size_t n, absl::Duration real_timeout) const {
    return timers_.AwaitPending(n, real_timeout);
  }

 private:
  const SleepMode mode_;
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  absl::Duration slept_ ABSL_GUARDED_BY(mu_);
  // Serializes Advance() calls so time never runs backwards under concurrent advancers.
  absl::Mutex advance_mu_;
  TimerTable timers_;
};

}  // namespace resizelet::runtime

#endif  // RESIZELET_AGENT_RUNTIME_CLOCK_H_
