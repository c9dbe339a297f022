// A client-side token bucket like client-go's flowcontrol.NewTokenBucketRateLimiter: `qps` tokens
// per second, at most `burst` saved. The kubelet's API client runs at 50 QPS, burst 100.
#ifndef RESIZELET_AGENT_KUBE_TOKEN_BUCKET_H_
#define RESIZELET_AGENT_KUBE_TOKEN_BUCKET_H_

#include <mutex>

#include "agent/kube/clock.h"

namespace resizelet::kube {

class TokenBucket {
 public:
  TokenBucket(double qps, int burst, Clock* clock);

  // Takes a token and returns how long the caller must wait before using it (zero when one was
  // available). Waits queue up: each caller gets its own slot.
  Clock::Duration Reserve();
  // Reserve() and sleep on the clock.
  void Wait();

 private:
  void Refill(Clock::TimePoint now);

  const double qps_;
  const double burst_;
  Clock* const clock_;
  std::mutex mu_;
  double tokens_;
  Clock::TimePoint last_;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_TOKEN_BUCKET_H_
