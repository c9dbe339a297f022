// facts.md §4: how the other pods count against the node.
#include "agent/resize/node_usage.h"

#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;
using testing::Q;
using testing::Requirements;

TEST(NodeUsageTest, SpecWhenStatusIsSilent) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "250m", .mem_req = "1Gi"})});
  EXPECT_EQ(AllocatedRequestsFromStatus(pod), (CpuMemory{250, 1073741824}));
}

TEST(NodeUsageTest, AllocatedResourcesBeatStatusResourcesBeatSpec) {
  api::Pod pod = MakePod(
      {Container("c1", {.cpu_req = "2", .mem_req = "2Gi"}), Container("c2", {.cpu_req = "2"})});
  api::ContainerStatus s1;
  s1.name = "c1";
  s1.allocated_resources = api::ResourceList{};
  s1.allocated_resources->cpu = Q("500m");
  s1.resources = Requirements({.cpu_req = "700m", .mem_req = "512Mi"});
  api::ContainerStatus s2;
  s2.name = "c2";
  s2.resources = Requirements({.cpu_req = "300m"});
  pod.container_statuses = {s1, s2};
  // c1: cpu from allocatedResources, memory from the spec (allocatedResources names no memory).
  EXPECT_EQ(AllocatedRequestsFromStatus(pod), (CpuMemory{800, 2147483648}));
}

TEST(NodeUsageTest, PodLevelAllocationAndOverhead) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "100m"})});
  pod.resources = Requirements({.cpu_req = "2"});
  pod.status_allocated_resources = api::ResourceList{};
  pod.status_allocated_resources->cpu = Q("1");
  pod.overhead.cpu = Q("50m");
  EXPECT_EQ(AllocatedRequestsFromStatus(pod)->cpu_milli, 1050);
}

TEST(NodeUsageTest, TerminalPodsDoNotCountDeletingPodsDo) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "250m"})});
  pod.phase = api::PodPhase::kSucceeded;
  EXPECT_EQ(AllocatedRequestsFromStatus(pod), std::nullopt);
  pod.phase = api::PodPhase::kFailed;
  EXPECT_EQ(AllocatedRequestsFromStatus(pod), std::nullopt);
  pod.phase = api::PodPhase::kRunning;
  pod.deleting = true;
  EXPECT_EQ(AllocatedRequestsFromStatus(pod)->cpu_milli, 250);
}

TEST(NodeUsageTest, AddAndRemove) {
  NodeUsage u;
  u.Add({100, 10});
  u.Add({200, 20});
  EXPECT_EQ(u, (NodeUsage{300, 30}));
  u.Remove({100, 10});
  EXPECT_EQ(u, (NodeUsage{200, 20}));
  u.Remove({1000, 1000});
  EXPECT_EQ(u, (NodeUsage{0, 0}));
}

}  // namespace
}  // namespace resizelet::resize
