// facts.md §5: actuation order, and the kubelet-bug edge cases that pure planning covers.
#include "agent/resize/plan.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;
using testing::Requirements;

std::vector<std::string> Steps(const api::Pod& allocated, const api::Pod& desired) {
  std::vector<std::string> out;
  for (const PlanStep& s : MakePlan(allocated, desired)) out.push_back(s.ToString());
  return out;
}

using Strings = std::vector<std::string>;

TEST(PlanTest, FactsExamplePodMemoryGrows) {
  // pod 1Gi→2Gi, c1 512Mi→1.5Gi, c2 512Mi→256Mi.
  api::Pod allocated =
      MakePod({Container("c1", {.mem_lim = "512Mi"}), Container("c2", {.mem_lim = "512Mi"})});
  allocated.resources = Requirements({.mem_lim = "1Gi"});
  api::Pod desired =
      MakePod({Container("c1", {.mem_lim = "1536Mi"}), Container("c2", {.mem_lim = "256Mi"})});
  desired.resources = Requirements({.mem_lim = "2Gi"});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-pod-cgroup pod memory limit increase",
                                                "resize-container c2 memory limit decrease",
                                                "resize-container c1 memory limit increase"}));
  const std::vector<PlanStep> plan = MakePlan(allocated, desired);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].action, StepAction::kResizePodCgroup);
  EXPECT_EQ(plan[0].target, "pod");
  EXPECT_EQ(plan[0].from, 1073741824);
  EXPECT_EQ(plan[0].to, 2147483648);
  EXPECT_EQ(plan[1].action, StepAction::kResizeContainer);
  EXPECT_EQ(plan[1].target, "c2");
  EXPECT_EQ(plan[1].resource, StepResource::kMemory);
  EXPECT_EQ(plan[1].field, StepField::kLimit);
  EXPECT_EQ(plan[1].direction, StepDirection::kDecrease);
  EXPECT_EQ(plan[1].to, 268435456);
}

// Containers form one block between the pod's limit increase and its limit decrease (facts.md §5,
// the kubelet's resizeContainers closure in doPodResizeAction): the pod limit shrinks last.
TEST(PlanTest, NetDecreaseShrinksPodLimitAfterTheContainers) {
  api::Pod allocated =
      MakePod({Container("c1", {.mem_lim = "1Gi"}), Container("c2", {.mem_lim = "512Mi"})});
  allocated.resources = Requirements({.mem_lim = "2Gi"});
  api::Pod desired =
      MakePod({Container("c1", {.mem_lim = "512Mi"}), Container("c2", {.mem_lim = "768Mi"})});
  desired.resources = Requirements({.mem_lim = "1Gi"});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-container c1 memory limit decrease",
                                                "resize-container c2 memory limit increase",
                                                "resize-pod-cgroup pod memory limit decrease"}));
}

TEST(PlanTest, CpuLimitsExpandBeforeRequestsAndRequestsShrinkBeforeLimits) {
  api::Pod allocated = MakePod({Container("c1", {.cpu_req = "1", .cpu_lim = "1"}),
                                Container("c2", {.cpu_req = "1", .cpu_lim = "1"})});
  api::Pod desired = MakePod({Container("c1", {.cpu_req = "2", .cpu_lim = "2"}),
                              Container("c2", {.cpu_req = "500m", .cpu_lim = "500m"})});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-pod-cgroup pod cpu limit increase",
                                                "resize-container c2 cpu limit decrease",
                                                "resize-container c1 cpu limit increase",
                                                "resize-pod-cgroup pod cpu request increase"}));
  EXPECT_EQ(Steps(desired, allocated), (Strings{"resize-pod-cgroup pod cpu request decrease",
                                                "resize-container c1 cpu limit decrease",
                                                "resize-container c2 cpu limit increase",
                                                "resize-pod-cgroup pod cpu limit decrease"}));
}

TEST(PlanTest, MemoryBeforeCpu) {
  api::Pod allocated = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  api::Pod desired = MakePod(
      {Container("c1", {.cpu_req = "2", .cpu_lim = "2", .mem_req = "2Gi", .mem_lim = "2Gi"})});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-pod-cgroup pod memory limit increase",
                                                "resize-container c1 memory limit increase",
                                                "resize-pod-cgroup pod cpu limit increase",
                                                "resize-container c1 cpu limit increase",
                                                "resize-pod-cgroup pod cpu request increase"}));
}

TEST(PlanTest, MemoryRequestChangeAloneTouchesNoCgroup) {
  api::Pod allocated = MakePod({Container("c1", {.cpu_req = "100m", .mem_req = "100Mi"})});
  api::Pod desired = MakePod({Container("c1", {.cpu_req = "100m", .mem_req = "200Mi"})});
  EXPECT_TRUE(MakePlan(allocated, desired).empty());
}

TEST(PlanTest, OneToTwoMilliCpuIsNoStep) {
  // kubernetes#114123: both are 2 shares; planning in millicores would never converge.
  api::Pod allocated = MakePod({Container("c1", {.cpu_req = "1m"})});
  api::Pod desired = MakePod({Container("c1", {.cpu_req = "2m"})});
  EXPECT_TRUE(MakePlan(allocated, desired).empty());
}

TEST(PlanTest, ContainerWithoutLimitsResizesItsRequest) {
  // kubernetes#126388: a container without limits must still be resized.
  api::Pod allocated = MakePod({Container("c1", {.cpu_req = "100m"})});
  api::Pod desired = MakePod({Container("c1", {.cpu_req = "200m"})});
  const std::vector<PlanStep> plan = MakePlan(allocated, desired);
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-container c1 cpu request increase",
                                                "resize-pod-cgroup pod cpu request increase"}));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].from, 102);
  EXPECT_EQ(plan[0].to, 204);
  EXPECT_EQ(Steps(desired, allocated), (Strings{"resize-pod-cgroup pod cpu request decrease",
                                                "resize-container c1 cpu request decrease"}));
}

TEST(PlanTest, AddingALimitIsADecreaseFromUnlimited) {
  api::Pod allocated = MakePod({Container("c1", {.cpu_req = "100m"})});
  api::Pod desired = MakePod({Container("c1", {.cpu_req = "100m", .cpu_lim = "500m"})});
  const std::vector<PlanStep> plan = MakePlan(allocated, desired);
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-container c1 cpu limit decrease",
                                                "resize-pod-cgroup pod cpu limit decrease"}));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].from, std::nullopt);
  EXPECT_EQ(plan[0].to, 50000);
}

TEST(PlanTest, LimitDirectionWinsOverRequestDirection) {
  api::Pod allocated = MakePod(
      {Container("c1", {.cpu_req = "100m", .cpu_lim = "1"}), Container("c2", {.cpu_req = "100m"})});
  api::Pod desired = MakePod({Container("c1", {.cpu_req = "300m", .cpu_lim = "500m"}),
                              Container("c2", {.cpu_req = "100m"})});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-container c1 cpu limit decrease",
                                                "resize-pod-cgroup pod cpu request increase"}));
}

TEST(PlanTest, PodLevelLimitChangeReachesContainersWithoutTheirOwn) {
  api::Pod allocated = MakePod({Container("c1"), Container("c2", {.mem_lim = "256Mi"})});
  allocated.resources = Requirements({.mem_lim = "1Gi"});
  api::Pod desired = allocated;
  desired.resources = Requirements({.mem_lim = "2Gi"});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-pod-cgroup pod memory limit increase",
                                                "resize-container c1 memory limit increase"}));
}

TEST(PlanTest, SidecarsAreResizedClassicInitContainersAreNot) {
  api::Pod allocated =
      MakePod({Container("c1", {.cpu_req = "100m"})},
              {Container("s1", {.cpu_req = "100m"}, true), Container("i1", {.cpu_req = "100m"})});
  api::Pod desired =
      MakePod({Container("c1", {.cpu_req = "100m"})},
              {Container("s1", {.cpu_req = "50m"}, true), Container("i1", {.cpu_req = "50m"})});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-pod-cgroup pod cpu request decrease",
                                                "resize-container s1 cpu request decrease"}));
}

TEST(PlanTest, PodCgroupIsResizedWhateverTheContainersState) {
  // kubernetes#138760: a resize of an OOMKilled, restarting pod must reach the pod cgroup too.
  api::Pod allocated = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  api::ContainerStatus status;
  status.name = "c1";
  status.state = api::ContainerStateKind::kWaiting;
  status.state_reason = "CrashLoopBackOff";
  status.restart_count = 3;
  allocated.container_statuses.push_back(status);
  api::Pod desired = allocated;
  desired.containers[0] =
      Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "2Gi", .mem_lim = "2Gi"});
  EXPECT_EQ(Steps(allocated, desired), (Strings{"resize-pod-cgroup pod memory limit increase",
                                                "resize-container c1 memory limit increase"}));
}

TEST(PlanTest, NoChangeNoSteps) {
  api::Pod pod = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  EXPECT_TRUE(MakePlan(pod, pod).empty());
}

}  // namespace
}  // namespace resizelet::resize
