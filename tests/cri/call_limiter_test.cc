#include "cri/call_limiter.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace resizelet::cri {
namespace {

TEST(CallLimiterTest, FullPoolFailsAtTheDeadline) {
  CallLimiter limiter(2);
  ASSERT_TRUE(limiter.Acquire(absl::InfiniteFuture()));
  ASSERT_TRUE(limiter.Acquire(absl::InfiniteFuture()));
  // A deadline already past: no waiting at all.
  EXPECT_FALSE(limiter.Acquire(absl::InfinitePast()));
  limiter.Release();
  EXPECT_TRUE(limiter.Acquire(absl::InfinitePast()));
}

TEST(CallLimiterTest, ReleaseWakesAWaiter) {
  CallLimiter limiter(1);
  ASSERT_TRUE(limiter.Acquire(absl::InfiniteFuture()));
  absl::Notification acquired;
  std::thread waiter([&] {
    if (limiter.Acquire(absl::InfiniteFuture())) {
      acquired.Notify();
    }
  });
  EXPECT_FALSE(acquired.HasBeenNotified());
  limiter.Release();
  EXPECT_TRUE(acquired.WaitForNotificationWithTimeout(absl::Seconds(10)));
  waiter.join();
}

TEST(CallLimiterTest, AtLeastOneSlot) {
  CallLimiter limiter(0);
  EXPECT_TRUE(limiter.Acquire(absl::InfinitePast()));
  EXPECT_FALSE(limiter.Acquire(absl::InfinitePast()));
}

}  // namespace
}  // namespace resizelet::cri
