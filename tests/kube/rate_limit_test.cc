#include <chrono>

#include "agent/kube/backoff.h"
#include "agent/kube/token_bucket.h"
#include "gtest/gtest.h"

namespace resizelet::kube {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucketTest, BurstThenQps) {
  FakeClock clock;
  TokenBucket bucket(50, 100, &clock);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.Reserve(), Clock::Duration::zero()) << i;
  // The 101st waits one token interval (20 ms at 50 QPS); the next one 40 ms.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.Reserve()), 20ms);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(bucket.Reserve()), 40ms);
  clock.Advance(10s);
  EXPECT_EQ(bucket.Reserve(), Clock::Duration::zero());
}

TEST(TokenBucketTest, WaitSleepsOnTheClock) {
  FakeClock clock;
  TokenBucket bucket(10, 1, &clock);
  bucket.Wait();
  bucket.Wait();
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(clock.TotalSlept()), 100ms);
}

TEST(BackoffTest, DoublesToTheCapAndResetsAfterHealthyPeriod) {
  FakeClock clock;
  Backoff backoff(BackoffPolicy{}, &clock, [] { return 0.0; });  // no jitter
  EXPECT_EQ(backoff.Next(), 800ms);
  EXPECT_EQ(backoff.Next(), 1600ms);
  EXPECT_EQ(backoff.Next(), 3200ms);
  for (int i = 0; i < 10; ++i) backoff.Next();
  EXPECT_EQ(backoff.Next(), 30s);
  clock.Advance(2min);
  EXPECT_EQ(backoff.Next(), 800ms);
}

TEST(BackoffTest, JitterAddsUpToTheFactor) {
  FakeClock clock;
  Backoff backoff(BackoffPolicy{}, &clock, [] { return 0.5; });
  EXPECT_EQ(backoff.Next(), 1200ms);
  EXPECT_EQ(backoff.Next(), 2400ms);
}

}  // namespace
}  // namespace resizelet::kube
