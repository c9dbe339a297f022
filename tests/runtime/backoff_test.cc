#include "agent/runtime/backoff.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::runtime {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

BackoffPolicy NoJitter() {
  BackoffPolicy p;
  p.jitter = 0;
  return p;
}

TEST(BackoffTest, DoublesFromInitialUpToTheCap) {
  SimulatedClock clock;
  Backoff b(NoJitter(), &clock, 1);
  std::vector<absl::Duration> got;
  for (int i = 0; i < 9; ++i) got.push_back(b.Next());
  EXPECT_THAT(got, ::testing::ElementsAre(absl::Milliseconds(800), absl::Milliseconds(1600),
                                          absl::Milliseconds(3200), absl::Milliseconds(6400),
                                          absl::Milliseconds(12800), absl::Milliseconds(25600),
                                          absl::Seconds(30), absl::Seconds(30), absl::Seconds(30)));
  b.Reset();
  EXPECT_EQ(b.Next(), absl::Milliseconds(800));
}

TEST(BackoffTest, StartsOverAfterAHealthyPeriod) {
  SimulatedClock clock;
  Backoff b(NoJitter(), &clock, 1);
  b.Next();
  b.Next();
  EXPECT_EQ(b.Next(), absl::Milliseconds(3200));
  clock.Advance(absl::Minutes(2) - absl::Nanoseconds(1));
  EXPECT_EQ(b.Next(), absl::Milliseconds(6400));  // not yet healthy long enough
  clock.Advance(absl::Minutes(2));
  EXPECT_EQ(b.Next(), absl::Milliseconds(800));
}

TEST(BackoffTest, JitterStaysWithinItsFractionAndIsDeterministicPerSeed) {
  SimulatedClock clock;
  BackoffPolicy p = NoJitter();
  p.jitter = 0.5;
  Backoff a(p, &clock, 42), same(p, &clock, 42), other(p, &clock, 7);
  bool any_difference = false;
  absl::Duration base = p.initial;
  for (int i = 0; i < 20; ++i) {
    const absl::Duration d = a.Next();
    EXPECT_EQ(d, same.Next());
    if (d != other.Next()) any_difference = true;
    EXPECT_GE(d, base);
    EXPECT_LT(d, base * 1.5);
    base = std::min(base * 2, p.cap);
  }
  EXPECT_TRUE(any_difference);
}

TEST(ItemBackoffTest, GrowsPerKeyFrom5msAndCapsAt1000s) {
  ItemBackoff b(absl::Milliseconds(5), absl::Seconds(1000));
  EXPECT_EQ(b.When("a"), absl::Milliseconds(5));
  EXPECT_EQ(b.When("a"), absl::Milliseconds(10));
  EXPECT_EQ(b.When("b"), absl::Milliseconds(5));  // keys are independent
  EXPECT_EQ(b.When("a"), absl::Milliseconds(20));
  EXPECT_EQ(b.NumRequeues("a"), 3);
  absl::Duration last;
  for (int i = 0; i < 100; ++i) last = b.When("a");
  EXPECT_EQ(last, absl::Seconds(1000));
  b.Forget("a");
  EXPECT_EQ(b.NumRequeues("a"), 0);
  EXPECT_EQ(b.When("a"), absl::Milliseconds(5));
}

TEST(TokenBucketTest, AllowsABurstThenRefillsAtQps) {
  SimulatedClock clock;
  TokenBucket bucket(10, 100, &clock);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(bucket.TryAcquire()) << i;
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(absl::Milliseconds(99));
  EXPECT_FALSE(bucket.TryAcquire());
  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(bucket.TryAcquire());
  // Refill never exceeds the burst.
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(bucket.TryAcquire()) << i;
  EXPECT_FALSE(bucket.TryAcquire());
}

TEST(TokenBucketTest, ReservationsQueueUpBehindEachOther) {
  SimulatedClock clock;
  TokenBucket bucket(10, 2, &clock);
  EXPECT_EQ(bucket.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(bucket.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(100));
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(200));
  clock.Advance(absl::Milliseconds(200));
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(100));
}

TEST(TokenBucketTest, WaitSleepsOnTheClockAndHonoursItsDeadline) {
  SimulatedClock clock;
  TokenBucket bucket(1, 1, &clock);
  ASSERT_THAT(bucket.Wait(clock.Now()), IsOk());
  // The next token is 1 s away: a shorter deadline fails at once and takes nothing.
  EXPECT_THAT(bucket.Wait(clock.Now() + absl::Milliseconds(500)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  absl::Status waited;
  std::thread waiter([&] { waited = bucket.Wait(clock.Now() + absl::Seconds(5)); });
  ASSERT_TRUE(clock.AwaitPendingTimers(1, absl::Seconds(10)));
  clock.Advance(absl::Seconds(1));
  waiter.join();
  EXPECT_THAT(waited, IsOk());
}

TEST(TokenBucketTest, KubeletClientDefaultsAllowABurstOf100At50Qps) {
  // The API client's buckets (client-go defaults for the kubelet: 50 QPS, burst 100).
  SimulatedClock clock;
  TokenBucket bucket(50, 100, &clock);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bucket.Reserve(), absl::ZeroDuration()) << i;
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(20));
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(40));
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(bucket.Reserve(), absl::ZeroDuration());
}

TEST(TokenBucketTest, WaitOnAnAdvanceOnSleepClockReportsTheTimeWaited) {
  SimulatedClock clock(SleepMode::kAdvanceOnSleep);
  TokenBucket bucket(10, 1, &clock);
  ASSERT_THAT(bucket.Wait(absl::InfiniteFuture()), IsOk());
  ASSERT_THAT(bucket.Wait(absl::InfiniteFuture()), IsOk());
  ASSERT_THAT(bucket.Wait(absl::InfiniteFuture()), IsOk());
  EXPECT_EQ(clock.TotalSlept(), absl::Milliseconds(200));
}

TEST(RandomSeedTest, DiffersBetweenCalls) {
  // Two 64-bit draws from the OS source colliding would mean it is not random at all.
  EXPECT_NE(RandomSeed(), RandomSeed());
}

}  // namespace
}  // namespace resizelet::runtime
