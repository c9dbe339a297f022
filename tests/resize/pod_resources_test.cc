// facts.md §3: PodRequests / PodLimits with the sidecar formula, pod-level override, overhead.
#include "agent/resize/pod_resources.h"

#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;
using testing::Q;
using testing::Requirements;
using testing::Res;

api::Pod SidecarExample() {
  return MakePod({Container("c1", {.cpu_req = "100m"}), Container("c2", {.cpu_req = "200m"})},
                 {Container("s1", {.cpu_req = "50m"}, /*sidecar=*/true),
                  Container("i1", {.cpu_req = "500m"})});
}

TEST(PodResourcesTest, SidecarFormula) {
  // max(100+200+50, max(50, 500+50)) = 550m
  EXPECT_EQ(PodRequests(SidecarExample()).cpu_milli, 550);
}

TEST(PodResourcesTest, PodLevelRequestOverrides) {
  api::Pod pod = SidecarExample();
  pod.resources = Requirements({.cpu_req = "1"});
  EXPECT_EQ(PodRequests(pod).cpu_milli, 1000);
  EXPECT_EQ(PodRequests(pod, {.skip_pod_level = true}).cpu_milli, 550);
}

TEST(PodResourcesTest, OverheadIsAdded) {
  api::Pod pod = SidecarExample();
  pod.resources = Requirements({.cpu_req = "1"});
  pod.overhead.cpu = Q("100m");
  EXPECT_EQ(PodRequests(pod).cpu_milli, 1100);
  EXPECT_EQ(PodRequests(pod, {.exclude_overhead = true}).cpu_milli, 1000);
}

TEST(PodResourcesTest, SidecarAfterInitContainerDoesNotCountForIt) {
  // i1 runs before s1 starts: max(100 + 300, max(500, 300)) = 500.
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "100m"})},
                         {Container("i1", {.cpu_req = "500m"}),
                          Container("s1", {.cpu_req = "300m"}, /*sidecar=*/true)});
  EXPECT_EQ(PodRequests(pod).cpu_milli, 500);
}

TEST(PodResourcesTest, MemoryInBytesRoundedUp) {
  api::Pod pod =
      MakePod({Container("c1", {.mem_req = "128Mi"}), Container("c2", {.mem_req = "1.5"})});
  EXPECT_EQ(PodRequests(pod).memory_bytes, 134217728 + 2);
}

TEST(PodResourcesTest, RequestsDefaultToLimits) {
  api::Pod pod = MakePod({Container("c1", {.cpu_lim = "2", .mem_lim = "1Gi"})});
  EXPECT_EQ(PodRequests(pod), (CpuMemory{2000, 1073741824}));
}

TEST(PodResourcesTest, LimitsAggregateAndOverrideAndOverheadOnlyOnNonZero) {
  api::Pod pod = MakePod(
      {Container("c1",
                 {.cpu_req = "250m", .cpu_lim = "500m", .mem_req = "128Mi", .mem_lim = "256Mi"}),
       Container("c2", {.mem_lim = "256Mi"})});
  EXPECT_EQ(PodLimits(pod), (CpuMemory{500, 536870912}));
  pod.overhead.cpu = Q("100m");
  pod.overhead.memory = Q("10Mi");
  EXPECT_EQ(PodLimits(pod), (CpuMemory{600, 536870912 + 10485760}));
  // No limit stays no limit.
  pod.containers[0].resources.limits.cpu.reset();
  EXPECT_EQ(PodLimits(pod).cpu_milli, 0);
  pod.resources = Requirements({.cpu_lim = "1", .mem_lim = "1Gi"});
  EXPECT_EQ(PodLimits(pod), (CpuMemory{1100, 1073741824 + 10485760}));
}

TEST(PodResourcesTest, PodLevelLimitOnlyDefaultsTheRequest) {
  api::Pod pod = MakePod({Container("c1"), Container("c2")});
  pod.resources = Requirements({.cpu_lim = "2", .mem_lim = "1Gi"});
  EXPECT_EQ(PodRequests(pod), (CpuMemory{2000, 1073741824}));
  // With container requests the pod-level request defaults to their aggregate.
  pod.containers[0] = Container("c1", {.cpu_req = "300m"});
  EXPECT_EQ(PodRequests(pod).cpu_milli, 300);
}

TEST(PodResourcesTest, SumsSaturate) {
  EXPECT_EQ(SaturatingAdd(INT64_MAX, 5), INT64_MAX);
  EXPECT_EQ(SaturatingAdd(40, 2), 42);
}

}  // namespace
}  // namespace resizelet::resize
