#include "cgroups/memory_shrink_guard.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cgroups {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

TEST(MemoryShrinkGuardTest, MessagesAreTheKubelets) {
  EXPECT_EQ(MemoryShrinkRefusal("app", 20971520, 62914560),
            "attempting to set container \"app\" memory limit (20971520) below current usage "
            "(62914560)");
  EXPECT_EQ(MemoryShrinkRefusal("", 20971520, 62914560),
            "attempting to set pod memory limit (20971520) below current usage (62914560)");
}

TEST(MemoryShrinkGuardTest, KubeletRuleRefusesWhenUsageReachesLimit) {
  EXPECT_TRUE(MemoryShrinkFits(99, 0, 100));
  EXPECT_FALSE(MemoryShrinkFits(100, 0, 100));
  EXPECT_FALSE(MemoryShrinkFits(90, 10, 100));
  EXPECT_TRUE(MemoryShrinkFits(89, 10, 100));
  EXPECT_TRUE(MemoryShrinkFits(1 << 30, 0, -1));  // "max"
}

TEST(MemoryShrinkGuardTest, RefusesWithoutReclaim) {
  MemoryShrinkIo io;
  io.read_usage = []() -> absl::StatusOr<uint64_t> { return 62914560; };
  EXPECT_THAT(CheckMemoryShrink(20971520, "hog", {}, io),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "attempting to set container \"hog\" memory limit (20971520) below "
                       "current usage (62914560)"));
}

TEST(MemoryShrinkGuardTest, ReclaimsThenRechecks) {
  uint64_t usage = 50 << 20;
  uint64_t asked = 0;
  MemoryShrinkIo io;
  io.read_usage = [&]() -> absl::StatusOr<uint64_t> { return usage; };
  io.reclaim = [&](uint64_t bytes) {
    asked = bytes;
    usage -= std::min<uint64_t>(usage, bytes);
    return absl::OkStatus();
  };
  EXPECT_THAT(CheckMemoryShrink(40 << 20, "", {}, io), IsOk());
  EXPECT_GE(asked, uint64_t{10} << 20);
  EXPECT_LT(usage, uint64_t{40} << 20);
}

TEST(MemoryShrinkGuardTest, PartialReclaimStillRefusesWithFreshUsage) {
  uint64_t usage = 50 << 20;
  MemoryShrinkIo io;
  io.read_usage = [&]() -> absl::StatusOr<uint64_t> { return usage; };
  io.reclaim = [&](uint64_t) {
    usage -= 1 << 20;
    return absl::ResourceExhaustedError("EAGAIN");
  };
  EXPECT_THAT(CheckMemoryShrink(40 << 20, "", {}, io),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("below current usage (51380224)")));
}

TEST(MemoryShrinkGuardTest, NoReclaimWhenTooLittleIsReclaimable) {
  bool called = false;
  MemoryShrinkIo io;
  io.read_usage = []() -> absl::StatusOr<uint64_t> { return 60 << 20; };
  io.reclaim = [&](uint64_t) {
    called = true;
    return absl::OkStatus();
  };
  io.read_reclaimable = []() -> absl::StatusOr<uint64_t> { return 2 << 20; };
  EXPECT_THAT(CheckMemoryShrink(20 << 20, "app", {}, io),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(called) << "dropping 2 MiB of page cache could not make 40 MiB fit";
  io.read_reclaimable = []() -> absl::StatusOr<uint64_t> { return 50 << 20; };
  EXPECT_THAT(CheckMemoryShrink(20 << 20, "app", {}, io),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(called);
}

TEST(MemoryShrinkGuardTest, ReclaimDisabledIsNotCalled) {
  bool called = false;
  MemoryShrinkIo io;
  io.read_usage = []() -> absl::StatusOr<uint64_t> { return 100; };
  io.reclaim = [&](uint64_t) {
    called = true;
    return absl::OkStatus();
  };
  MemoryShrinkOptions opts;
  opts.reclaim = false;
  EXPECT_THAT(CheckMemoryShrink(50, "", opts, io), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace resizelet::cgroups
