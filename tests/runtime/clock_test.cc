#include "agent/runtime/clock.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace resizelet::runtime {
namespace {

using ::testing::ElementsAre;

TEST(SimulatedClockTest, FiresTimersInDueOrderAtTheirDueTime) {
  SimulatedClock clock;
  const absl::Time t0 = clock.Now();
  std::vector<std::pair<int, absl::Duration>> fired;
  auto record = [&](int n) { return [&, n] { fired.emplace_back(n, clock.Now() - t0); }; };
  clock.Schedule(t0 + absl::Seconds(3), record(3));
  clock.Schedule(t0 + absl::Seconds(1), record(1));
  clock.Schedule(t0 + absl::Seconds(2), record(2));

  clock.Advance(absl::Milliseconds(1999));
  EXPECT_THAT(fired, ElementsAre(std::pair(1, absl::Seconds(1))));
  clock.Advance(absl::Seconds(5));
  EXPECT_THAT(fired, ElementsAre(std::pair(1, absl::Seconds(1)), std::pair(2, absl::Seconds(2)),
                                 std::pair(3, absl::Seconds(3))));
  EXPECT_EQ(clock.Now() - t0, absl::Milliseconds(6999));
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(SimulatedClockTest, ScheduleNeverRunsInlineEvenWhenDue) {
  SimulatedClock clock;
  bool ran = false;
  clock.Schedule(clock.Now() - absl::Seconds(1), [&] { ran = true; });
  EXPECT_FALSE(ran);
  clock.Advance(absl::ZeroDuration());
  EXPECT_TRUE(ran);
}

TEST(SimulatedClockTest, TimersScheduledByCallbacksFireWithinTheSameAdvance) {
  SimulatedClock clock;
  const absl::Time t0 = clock.Now();
  int chain = 0;
  std::function<void()> step = [&] {
    if (++chain < 5) clock.Schedule(clock.Now() + absl::Seconds(1), step);
  };
  clock.Schedule(t0 + absl::Seconds(1), step);
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(chain, 5);
}

TEST(SimulatedClockTest, CancelledTimerNeverFires) {
  SimulatedClock clock;
  bool ran = false;
  const Clock::TimerId id = clock.Schedule(clock.Now() + absl::Seconds(1), [&] { ran = true; });
  EXPECT_TRUE(clock.Cancel(id));
  EXPECT_FALSE(clock.Cancel(id));
  clock.Advance(absl::Seconds(2));
  EXPECT_FALSE(ran);
}

TEST(SimulatedClockTest, SleepUntilReturnsOnlyWhenAnotherThreadAdvancesTime) {
  SimulatedClock clock;
  const absl::Time wake_at = clock.Now() + absl::Minutes(3);
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepUntil(wake_at);
    woke = true;
  });
  ASSERT_TRUE(clock.AwaitPendingTimers(1, absl::Seconds(10)));
  clock.Advance(absl::Minutes(2));
  EXPECT_FALSE(woke.load());
  clock.Advance(absl::Minutes(1));
  sleeper.join();
  EXPECT_TRUE(woke.load());
  EXPECT_GE(clock.Now(), wake_at);
}

TEST(SimulatedClockTest, SleepUntilAPassedDeadlineReturnsAtOnce) {
  SimulatedClock clock;
  clock.SleepUntil(clock.Now());
  clock.SleepFor(-absl::Seconds(1));
  EXPECT_EQ(clock.PendingTimers(), 0u);
  EXPECT_EQ(clock.TotalSlept(), absl::ZeroDuration());
}

TEST(SimulatedClockTest, AdvanceOnSleepMovesTimeForTheSleeperAndFiresDueTimers) {
  SimulatedClock clock(SleepMode::kAdvanceOnSleep);
  const absl::Time t0 = clock.Now();
  std::vector<absl::Duration> fired;
  clock.Schedule(t0 + absl::Seconds(2), [&] { fired.push_back(clock.Now() - t0); });
  clock.Schedule(t0 + absl::Seconds(9), [&] { fired.push_back(clock.Now() - t0); });
  clock.SleepFor(absl::Seconds(3));  // returns on this thread, no other thread involved
  EXPECT_EQ(clock.Now() - t0, absl::Seconds(3));
  EXPECT_THAT(fired, ElementsAre(absl::Seconds(2)));
  clock.SleepUntil(t0 + absl::Seconds(4));
  EXPECT_EQ(clock.TotalSlept(), absl::Seconds(4));
  clock.Advance(absl::Seconds(1));  // plain advances are not sleeps
  EXPECT_EQ(clock.TotalSlept(), absl::Seconds(4));
  EXPECT_EQ(clock.PendingTimers(), 1u);
}

TEST(SimulatedClockTest, WaitForAdvanceCountsTheSleepToo) {
  SimulatedClock clock;
  std::thread sleeper([&] { clock.SleepFor(absl::Seconds(5)); });
  ASSERT_TRUE(clock.AwaitPendingTimers(1, absl::Seconds(10)));
  clock.Advance(absl::Seconds(5));
  sleeper.join();
  EXPECT_EQ(clock.TotalSlept(), absl::Seconds(5));
}

TEST(RealClockTest, FiresATimerOnItsThread) {
  RealClock clock;
  absl::Notification fired;
  const absl::Time start = absl::Now();
  clock.Schedule(start + absl::Milliseconds(20), [&] { fired.Notify(); });
  ASSERT_TRUE(fired.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_GE(absl::Now(), start + absl::Milliseconds(20));
}

TEST(RealClockTest, AnEarlierTimerAddedLaterFiresFirst) {
  RealClock clock;
  absl::Notification early;
  std::atomic<bool> late_ran{false};
  clock.Schedule(absl::Now() + absl::Hours(1), [&] { late_ran = true; });
  clock.Schedule(absl::Now() + absl::Milliseconds(5), [&] { early.Notify(); });
  ASSERT_TRUE(early.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_FALSE(late_ran.load());
}

TEST(RealClockTest, CancelWaitsForARunningCallback) {
  RealClock clock;
  absl::Notification started, release;
  std::atomic<bool> finished{false};
  const Clock::TimerId id = clock.Schedule(absl::Now(), [&] {
    started.Notify();
    release.WaitForNotification();
    finished = true;
  });
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  std::thread releaser([&] { release.Notify(); });
  EXPECT_FALSE(clock.Cancel(id));  // already running: not cancelled, but waited for
  EXPECT_TRUE(finished.load());
  releaser.join();
}

TEST(RealClockTest, SleepForWaitsAtLeastTheDuration) {
  RealClock clock;
  const absl::Time start = absl::Now();
  clock.SleepFor(absl::Milliseconds(10));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(10));
}

TEST(RealClockTest, DefaultIsOneSharedInstanceThatSleeps) {
  RealClock* clock = RealClock::Default();
  EXPECT_EQ(clock, RealClock::Default());
  const absl::Time start = absl::Now();
  clock->SleepUntil(start + absl::Milliseconds(10));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(10));
  EXPECT_LE(absl::AbsDuration(clock->Now() - absl::Now()), absl::Seconds(1));
}

}  // namespace
}  // namespace resizelet::runtime
