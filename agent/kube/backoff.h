// Jittered exponential backoff with a reset after a healthy period, as client-go's reflector uses
// for re-watching (wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)): each failure
// waits initial * factor^n plus up to `jitter` of that again, capped at `max`; a failure more than
// `reset_after` after the previous one starts over.
#ifndef RESIZELET_AGENT_KUBE_BACKOFF_H_
#define RESIZELET_AGENT_KUBE_BACKOFF_H_

#include <functional>
#include <mutex>
#include <optional>

#include "agent/kube/clock.h"

namespace resizelet::kube {

struct BackoffPolicy {
  Clock::Duration initial = std::chrono::milliseconds(800);
  Clock::Duration max = std::chrono::seconds(30);
  double factor = 2.0;
  double jitter = 1.0;
  Clock::Duration reset_after = std::chrono::minutes(2);
};

class Backoff {
 public:
  // `uniform` returns values in [0, 1); the default is a seeded PRNG.
  Backoff(BackoffPolicy policy, Clock* clock, std::function<double()> uniform = nullptr);

  // The delay before the next attempt after a failure now.
  Clock::Duration Next();
  void Reset();

 private:
  const BackoffPolicy policy_;
  Clock* const clock_;
  std::function<double()> uniform_;
  std::mutex mu_;
  Clock::Duration current_;
  std::optional<Clock::TimePoint> last_failure_;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_BACKOFF_H_
