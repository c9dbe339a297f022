#include "agent/runtime/backoff.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace resizelet::runtime {
namespace {

// Debian's abseil has its own string_view: heterogeneous lookups in absl containers need it.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

uint64_t RandomSeed() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

Backoff::Backoff(BackoffPolicy policy, const Clock* clock, uint64_t seed)
    : policy_(policy), clock_(clock), rng_state_(seed) {}

double Backoff::UniformUnit() {
  // splitmix64: tiny, seedable, and the same sequence on every platform (std:: distributions
  // are not specified bit for bit).
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

absl::Duration Backoff::Next() {
  const absl::Time now = clock_->Now();
  if (last_next_ && policy_.reset_after > absl::ZeroDuration() &&
      now - *last_next_ >= policy_.reset_after) {
    attempts_ = 0;
  }
  last_next_ = now;
  // Grow in floating point but stop multiplying once at the cap, so a long outage cannot
  // overflow.
  absl::Duration delay = policy_.initial;
  for (int i = 0; i < attempts_ && delay < policy_.cap; ++i) delay = delay * policy_.factor;
  delay = std::min(delay, policy_.cap);
  if (delay < policy_.cap) ++attempts_;
  if (policy_.jitter > 0) delay += delay * (UniformUnit() * policy_.jitter);
  return delay;
}

absl::Duration ItemBackoff::When(std::string_view key) {
  int& failures = failures_[AsAbsl(key)];
  const int exp = failures++;
  // 2^exp overflows past ~62; by then the cap has long applied (5 ms * 2^18 > 1000 s).
  if (exp >= 62) return max_;
  const absl::Duration d = base_ * static_cast<double>(uint64_t{1} << exp);
  return std::min(d, max_);
}

void ItemBackoff::Forget(std::string_view key) { failures_.erase(AsAbsl(key)); }

int ItemBackoff::NumRequeues(std::string_view key) const {
  auto it = failures_.find(AsAbsl(key));
  return it == failures_.end() ? 0 : it->second;
}

TokenBucket::TokenBucket(double qps, int burst, Clock* clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock->Now()) {}

void TokenBucket::RefillLocked(absl::Time now) {
  if (now <= last_) return;
  tokens_ = std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * qps_);
  last_ = now;
}

absl::Duration TokenBucket::WaitForLocked(double tokens) const {
  if (tokens >= 0) return absl::ZeroDuration();
  if (qps_ <= 0) return absl::InfiniteDuration();
  return absl::Seconds(-tokens / qps_);
}

absl::Duration TokenBucket::Reserve() {
  absl::MutexLock lock(&mu_);
  RefillLocked(clock_->Now());
  tokens_ -= 1;
  return WaitForLocked(tokens_);
}

bool TokenBucket::TryAcquire() {
  absl::MutexLock lock(&mu_);
  RefillLocked(clock_->Now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

absl::Status TokenBucket::Wait(absl::Time deadline) {
  absl::Time ready;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    RefillLocked(now);
    const absl::Duration wait = WaitForLocked(tokens_ - 1);
    if (now + wait > deadline) {
      return absl::DeadlineExceededError("rate limiter: no token before the deadline");
    }
    tokens_ -= 1;
    ready = now + wait;
  }
  if (ready > clock_->Now()) clock_->SleepUntil(ready);
  return absl::OkStatus();
}

}  // namespace resizelet::runtime
