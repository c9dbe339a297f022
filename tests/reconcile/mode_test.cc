#include "agent/reconcile/mode.h"

#include "gtest/gtest.h"

namespace resizelet::reconcile {
namespace {

TEST(ModeTest, AutoFollowsTheKubeletTable) {
  const KubeletObservations none;
  EXPECT_EQ(ChooseMode(ModeFlag::kAuto, "v1.33.1", none).mode, Mode::kCompanion);
  EXPECT_EQ(ChooseMode(ModeFlag::kAuto, "v1.36.0", none).mode, Mode::kCompanion);
  EXPECT_EQ(ChooseMode(ModeFlag::kAuto, "v1.32.4", none).mode, Mode::kActuate);
  EXPECT_EQ(ChooseMode(ModeFlag::kAuto, "v1.31.0+k3s1", none).mode, Mode::kActuate);
  const ModeChoice old = ChooseMode(ModeFlag::kAuto, "v1.30.9", none);
  EXPECT_EQ(old.mode, Mode::kObserve);
  EXPECT_TRUE(old.warn);
  EXPECT_NE(old.reason.find("restarts a container"), std::string::npos) << old.reason;
}

TEST(ModeTest, AKubeletSeenResizingMakesCompanion) {
  KubeletObservations seen;
  seen.writes_allocated_resources = true;
  const ModeChoice c = ChooseMode(ModeFlag::kAuto, "v1.32.0", seen);
  EXPECT_EQ(c.mode, Mode::kCompanion);
  EXPECT_NE(c.reason.find("seen resizing"), std::string::npos) << c.reason;
}

TEST(ModeTest, ObservationsComeFromPodStatus) {
  api::Pod pod;
  api::ContainerStatus s;
  s.resources = api::ResourceRequirements{};
  pod.container_statuses.push_back(s);
  EXPECT_TRUE(ObserveKubelet({pod}).ResizesItself());
  EXPECT_FALSE(ObserveKubelet({api::Pod{}}).ResizesItself());
}

TEST(ModeTest, FlagsForceAndUnknownVersionsObserve) {
  EXPECT_EQ(ChooseMode(ModeFlag::kActuate, "v1.36.0", {}).mode, Mode::kActuate);
  EXPECT_EQ(ChooseMode(ModeFlag::kAuto, "garbage", {}).mode, Mode::kObserve);
  EXPECT_EQ(ParseModeFlag("companion"), ModeFlag::kCompanion);
  EXPECT_FALSE(ParseModeFlag("fight").has_value());
  EXPECT_STREQ(ModeName(Mode::kActuate), "actuate");
}

}  // namespace
}  // namespace resizelet::reconcile
