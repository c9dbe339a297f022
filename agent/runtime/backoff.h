// Retry pacing: a jittered exponential backoff for one retried operation, a per-key exponential
// backoff for the work queue, and a token bucket for global rate limits. All read time from an
// injected Clock, so tests drive them with a SimulatedClock.
#ifndef RESIZELET_AGENT_RUNTIME_BACKOFF_H_
#define RESIZELET_AGENT_RUNTIME_BACKOFF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/runtime/clock.h"

namespace resizelet::runtime {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(800);
  double factor = 2.0;
  absl::Duration cap = absl::Seconds(30);
  // Each delay d is returned as d + u * jitter * d with u uniform in [0, 1): with jitter > 0 a
  // delay may exceed `cap` by up to that fraction, as with client-go's wait.Backoff.
  double jitter = 1.0;
  // If no Next() was asked for during this long, the operation is considered healthy again and
  // the next delay starts over from `initial` (zero: never reset on its own).
  absl::Duration reset_after = absl::Minutes(2);
};

// The defaults above are client-go's reflector reconnect backoff (800 ms doubling to 30 s,
// jittered, reset after 2 min of health: NewExponentialBackoffManager in reflector.go).
inline BackoffPolicy ReflectorBackoffPolicy() { return BackoffPolicy{}; }

// A seed from the OS entropy source, for production backoffs: processes restarted together must
// not retry in lockstep. Tests pass fixed seeds instead.
uint64_t RandomSeed();

// Jittered exponential backoff for one operation (a watch reconnect, a retried API request, a
// runtime call retried on UNAVAILABLE). Deterministic for a given seed and sequence of clock
// readings. Not thread-safe: one owner.
class Backoff {
 public:
  Backoff(BackoffPolicy policy, const Clock* clock, uint64_t seed);

  // The delay to wait before the next attempt; each call grows the following one by `factor`
  // up to `cap`.
  absl::Duration Next();
  // Starts over from `initial` (after a success).
  void Reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  double UniformUnit();  // in [0, 1)

  BackoffPolicy policy_;
  const Clock* clock_;
  uint64_t rng_state_;
  int attempts_ = 0;
  std::optional<absl::Time> last_next_;
};

// Per-key exponential backoff: base * 2^failures, at most `max`; client-go's
// ItemExponentialFailureRateLimiter (workqueue default 5 ms to 1000 s). Thread-compatible: the
// work queue calls it under its own lock.
class ItemBackoff {
 public:
  ItemBackoff(absl::Duration base, absl::Duration max) : base_(base), max_(max) {}

  // Records one more failure of `key` and returns the delay before its next try.
  absl::Duration When(std::string_view key);
  // Forgets `key`'s failures (after it succeeded or was deleted).
  void Forget(std::string_view key);
  int NumRequeues(std::string_view key) const;

 private:
  absl::Duration base_;
  absl::Duration max_;
  absl::flat_hash_map<std::string, int> failures_;
};

// A token bucket of `burst` tokens refilled at `qps` per second (golang.org/x/time/rate as
// client-go's BucketRateLimiter uses it). Reserve() always succeeds and returns how long the
// caller must wait for its token, so reservations queue up fairly. Thread-safe.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, Clock* clock);

  // Takes a token and returns the wait until it is available (zero if one is available now).
  absl::Duration Reserve() ABSL_LOCKS_EXCLUDED(mu_);
  // Takes a token only if one is available now.
  bool TryAcquire() ABSL_LOCKS_EXCLUDED(mu_);
  // Waits on the clock for a token; if the token would not be available before `deadline`,
  // takes nothing and returns DeadlineExceeded at once.
  absl::Status Wait(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void RefillLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration WaitForLocked(double tokens) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double qps_;
  const double burst_;
  Clock* clock_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);  // negative when reservations are outstanding
  absl::Time last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::runtime

#endif  // RESIZELET_AGENT_RUNTIME_BACKOFF_H_
