#include "agent/kube/backoff.h"

#include <algorithm>
#include <memory>
#include <random>

namespace resizelet::kube {

Backoff::Backoff(BackoffPolicy policy, Clock* clock, std::function<double()> uniform)
    : policy_(policy), clock_(clock), uniform_(std::move(uniform)), current_(policy.initial) {
  if (!uniform_) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    auto mu = std::make_shared<std::mutex>();
    uniform_ = [rng, mu] {
      std::lock_guard<std::mutex> lock(*mu);
      return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);
    };
  }
}

Clock::Duration Backoff::Next() {
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::TimePoint now = clock_->Now();
  if (last_failure_ && now - *last_failure_ >= policy_.reset_after) current_ = policy_.initial;
  last_failure_ = now;
  const Clock::Duration base = current_;
  auto jittered = base + std::chrono::duration_cast<Clock::Duration>(
                             base * (policy_.jitter * std::clamp(uniform_(), 0.0, 1.0)));
  current_ = std::min<Clock::Duration>(
      policy_.max, std::chrono::duration_cast<Clock::Duration>(current_ * policy_.factor));
  return std::min<Clock::Duration>(jittered, policy_.max);
}

void Backoff::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = policy_.initial;
  last_failure_.reset();
}

}  // namespace resizelet::kube
