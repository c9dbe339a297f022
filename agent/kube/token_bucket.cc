#include "agent/kube/token_bucket.h"

#include <algorithm>

namespace resizelet::kube {

TokenBucket::TokenBucket(double qps, int burst, Clock* clock)
    : qps_(qps), burst_(std::max(1, burst)), clock_(clock), tokens_(burst_), last_(clock->Now()) {}

void TokenBucket::Refill(Clock::TimePoint now) {
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
}

Clock::Duration TokenBucket::Reserve() {
  std::lock_guard<std::mutex> lock(mu_);
  Refill(clock_->Now());
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::Duration::zero();
  return std::chrono::duration_cast<Clock::Duration>(
      std::chrono::duration<double>(-tokens_ / qps_));
}

void TokenBucket::Wait() {
  Clock::Duration d = Reserve();
  if (d > Clock::Duration::zero()) clock_->SleepFor(d);
}

}  // namespace resizelet::kube
