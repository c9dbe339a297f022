#include "agent/runtime/work_queue.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace resizelet::runtime {
namespace {

using ::testing::Optional;

TEST(WorkQueueTest, HandsOutKeysInOrderAndDeduplicates) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  q.Add("uid-a");
  q.Add("uid-b");
  q.Add("uid-a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_THAT(q.Get(), Optional(std::string("uid-a")));
  EXPECT_THAT(q.Get(), Optional(std::string("uid-b")));
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.counters().adds, 3u);
  EXPECT_EQ(q.counters().retries, 0u);
}

TEST(WorkQueueTest, AKeyReaddedWhileProcessingIsHandedOutOnlyAfterDone) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  q.Add("uid-a");
  ASSERT_THAT(q.Get(), Optional(std::string("uid-a")));
  q.Add("uid-a");
  q.Add("uid-a");
  EXPECT_EQ(q.Len(), 0u);  // not handed to a second worker
  q.Done("uid-a");
  EXPECT_EQ(q.Len(), 1u);  // the change during processing is not lost, and counted once
  EXPECT_THAT(q.Get(), Optional(std::string("uid-a")));
  q.Done("uid-a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, NeverProcessesOneKeyInTwoWorkersAtOnce) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  constexpr int kKeys = 4;
  constexpr int kWorkers = 4;
  constexpr int kAddsPerProducer = 3000;
  std::vector<std::atomic<int>> in_flight(kKeys);
  std::atomic<int> violations{0};
  std::atomic<int> processed{0};
  absl::Mutex mu;
  std::map<std::string, int> last_add_seq, last_processed_seq;  // guarded by mu
  std::atomic<int> seq{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        const int k = (*key)[4] - '0';
        if (in_flight[k].fetch_add(1) != 0) violations++;
        {
          absl::MutexLock lock(&mu);
          last_processed_seq[*key] = seq.load();
        }
        std::this_thread::yield();
        in_flight[k].fetch_sub(1);
        processed++;
        q.Done(*key);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kAddsPerProducer; ++i) {
        const std::string key = "key-" + std::to_string((i + p) % kKeys);
        {
          absl::MutexLock lock(&mu);
          last_add_seq[key] = ++seq;
        }
        q.Add(key);
      }
    });
  }
  for (auto& t : producers) t.join();
  q.ShutDownWithDrain();
  for (auto& t : workers) t.join();

  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(processed.load(), 0);
  EXPECT_LE(processed.load(), 2 * kAddsPerProducer);
  // Level-triggered guarantee: every key was processed after its last Add.
  for (const auto& [key, added] : last_add_seq) {
    EXPECT_GE(last_processed_seq[key], added) << key;
  }
}

// Workers fail each key a few times and requeue it rate-limited while the main thread drives
// the simulated clock: every key ends with exactly the attempts it needed, never two at once.
TEST(WorkQueueTest, RateLimitedRetriesFromSeveralWorkersConverge) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  constexpr int kKeys = 6;
  constexpr int kAttemptsNeeded = 5;
  std::vector<std::atomic<int>> attempts(kKeys), in_flight(kKeys);
  std::atomic<int> violations{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        const int k = (*key)[4] - '0';
        if (in_flight[k].fetch_add(1) != 0) violations++;
        const int n = ++attempts[k];
        in_flight[k].fetch_sub(1);
        if (n < kAttemptsNeeded) {
          q.AddRateLimited(*key);
        } else {
          q.Forget(*key);
        }
        q.Done(*key);
      }
    });
  }
  for (int k = 0; k < kKeys; ++k) q.Add("key-" + std::to_string(k));
  auto all_done = [&] {
    for (auto& a : attempts) {
      if (a.load() < kAttemptsNeeded) return false;
    }
    return true;
  };
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!all_done() && absl::Now() < deadline) {
    clock.Advance(absl::Milliseconds(10));
    std::this_thread::yield();
  }
  q.ShutDownWithDrain();
  for (auto& t : workers) t.join();
  EXPECT_EQ(violations.load(), 0);
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(attempts[k].load(), kAttemptsNeeded) << k;
    EXPECT_EQ(q.NumRequeues("key-" + std::to_string(k)), 0);
  }
}

TEST(WorkQueueTest, AddAfterWaitsOnTheClockAndKeepsTheEarliestTime) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  q.AddAfter("uid-a", absl::Seconds(10));
  q.AddAfter("uid-a", absl::Seconds(2));  // earlier wins
  q.AddAfter("uid-a", absl::Seconds(5));  // later is ignored
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.Waiting(), 1u);
  clock.Advance(absl::Seconds(2) - absl::Nanoseconds(1));
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Waiting(), 0u);
  clock.Advance(absl::Seconds(20));  // the superseded timers fire and add nothing
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(WorkQueueTest, DelayedKeysBecomeReadyInDueOrder) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  q.AddAfter("uid-c", absl::Seconds(3));
  q.AddAfter("uid-a", absl::Seconds(1));
  q.AddAfter("uid-b", absl::Seconds(2));
  q.AddAfter("uid-now", absl::ZeroDuration());
  clock.Advance(absl::Seconds(3));
  EXPECT_THAT(q.Get(), Optional(std::string("uid-now")));
  EXPECT_THAT(q.Get(), Optional(std::string("uid-a")));
  EXPECT_THAT(q.Get(), Optional(std::string("uid-b")));
  EXPECT_THAT(q.Get(), Optional(std::string("uid-c")));
}

// Returns how long after now `key` becomes ready, probing in simulated time.
absl::Duration TimeUntilReady(SimulatedClock& clock, WorkQueue& q) {
  const absl::Time start = clock.Now();
  const absl::Time due = clock.NextTimer();
  if (due == absl::InfiniteFuture()) return absl::InfiniteDuration();
  clock.AdvanceTo(due - absl::Nanoseconds(1));
  EXPECT_EQ(q.Len(), 0u);
  clock.AdvanceTo(due);
  EXPECT_EQ(q.Len(), 1u);
  return due - start;
}

TEST(WorkQueueTest, RateLimitedRequeuesBackOffExponentiallyUpTo1000s) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 25; ++i) {
    q.AddRateLimited("uid-a");
    delays.push_back(TimeUntilReady(clock, q));
    ASSERT_THAT(q.Get(), Optional(std::string("uid-a")));
    q.Done("uid-a");
  }
  EXPECT_EQ(delays[0], absl::Milliseconds(5));
  EXPECT_EQ(delays[1], absl::Milliseconds(10));
  EXPECT_EQ(delays[2], absl::Milliseconds(20));
  EXPECT_EQ(delays[10], absl::Milliseconds(5 * 1024));
  EXPECT_EQ(delays[17], absl::Milliseconds(5 * 131072));  // 655.36 s
  EXPECT_EQ(delays[18], absl::Seconds(1000));             // 1310.72 s capped
  EXPECT_EQ(delays[24], absl::Seconds(1000));
  EXPECT_EQ(q.NumRequeues("uid-a"), 25);
  EXPECT_EQ(q.counters().retries, 25u);

  q.Forget("uid-a");
  EXPECT_EQ(q.NumRequeues("uid-a"), 0);
  q.AddRateLimited("uid-a");
  EXPECT_EQ(TimeUntilReady(clock, q), absl::Milliseconds(5));
}

TEST(WorkQueueTest, GlobalTokenBucketLimitsRequeuesAcrossKeys) {
  SimulatedClock clock;
  WorkQueueOptions options;
  options.qps = 1;
  options.burst = 2;
  WorkQueue q(&clock, options);
  q.AddRateLimited("uid-0");
  q.AddRateLimited("uid-1");
  q.AddRateLimited("uid-2");  // bucket empty: waits a second, not 5 ms
  clock.Advance(absl::Milliseconds(5));
  EXPECT_EQ(q.Len(), 2u);
  clock.Advance(absl::Milliseconds(994));
  EXPECT_EQ(q.Len(), 2u);
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(q.Len(), 3u);
}

TEST(WorkQueueTest, GetBlocksUntilAKeyArrives) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  std::optional<std::string> got;
  absl::Notification done;
  std::thread worker([&] {
    got = q.Get();
    done.Notify();
  });
  EXPECT_FALSE(done.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  q.Add("uid-a");
  worker.join();
  EXPECT_THAT(got, Optional(std::string("uid-a")));
}

TEST(WorkQueueTest, ShutDownWakesBlockedWorkersAndDrainsWhatIsQueued) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  std::optional<std::string> blocked_result = "unset";
  std::thread blocked([&] { blocked_result = q.Get(); });
  // Let the worker block (if it has not yet, it sees the shutdown at once: same outcome).
  std::this_thread::yield();
  q.ShutDown();
  blocked.join();
  EXPECT_EQ(blocked_result, std::nullopt);

  WorkQueue q2(&clock);
  q2.Add("uid-a");
  q2.Add("uid-b");
  q2.ShutDown();
  q2.Add("uid-c");                         // ignored after shutdown
  q2.AddAfter("uid-d", absl::Seconds(1));  // ignored too
  EXPECT_THAT(q2.Get(), Optional(std::string("uid-a")));
  EXPECT_THAT(q2.Get(), Optional(std::string("uid-b")));
  EXPECT_EQ(q2.Get(), std::nullopt);
  EXPECT_TRUE(q2.ShuttingDown());
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForKeysInProcessing) {
  SimulatedClock clock;
  WorkQueue q(&clock);
  q.Add("uid-a");
  ASSERT_THAT(q.Get(), Optional(std::string("uid-a")));
  std::atomic<bool> drained{false};
  std::thread stopper([&] {
    q.ShutDownWithDrain();
    drained = true;
  });
  // Wait (bounded, real time) until the stopper has begun the shutdown.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!q.ShuttingDown() && absl::Now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(q.ShuttingDown());
  EXPECT_FALSE(drained.load());
  q.Done("uid-a");
  stopper.join();
  EXPECT_TRUE(drained.load());
}

TEST(WorkQueueTest, DestroyingTheQueueCancelsItsTimers) {
  SimulatedClock clock;
  {
    WorkQueue q(&clock);
    q.AddAfter("uid-a", absl::Seconds(1));
    q.AddRateLimited("uid-b");
    EXPECT_GE(clock.PendingTimers(), 1u);
  }
  EXPECT_EQ(clock.PendingTimers(), 0u);
  clock.Advance(absl::Hours(1));  // nothing left to call into the destroyed queue
}

TEST(WorkQueueTest, WorksOnTheRealClock) {
  RealClock clock;
  WorkQueue q(&clock);
  q.AddAfter("uid-a", absl::Milliseconds(5));
  EXPECT_THAT(q.Get(), Optional(std::string("uid-a")));  // blocks until the timer fires
}

}  // namespace
}  // namespace resizelet::runtime
