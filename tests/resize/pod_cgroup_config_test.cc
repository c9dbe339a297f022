// facts.md §3: pod cgroup values (ResourceConfigForPod) incl. pod-level limits.
#include "agent/resize/pod_cgroup_config.h"

#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;
using testing::Requirements;

api::Pod BurstableExample() {
  return MakePod(
      {Container("c1",
                 {.cpu_req = "250m", .cpu_lim = "500m", .mem_req = "128Mi", .mem_lim = "256Mi"}),
       Container("c2", {.cpu_req = "250m"})});
}

TEST(PodCgroupConfigTest, BurstableWithoutDeclaredLimits) {
  const PodCgroupConfig c = ResourceConfigForPod(BurstableExample());
  EXPECT_EQ(c.cpu_shares, 512);
  EXPECT_EQ(c.CpuWeight(), 20u);
  EXPECT_EQ(c.cpu_quota, std::nullopt);
  EXPECT_EQ(c.CpuMax(), "max 100000");
  EXPECT_EQ(c.memory_limit_bytes, std::nullopt);
  EXPECT_EQ(c.MemoryMax(), "max");
}

TEST(PodCgroupConfigTest, BurstableWithPodLevelLimits) {
  api::Pod pod = BurstableExample();
  pod.resources = Requirements({.cpu_lim = "1", .mem_lim = "1Gi"});
  const PodCgroupConfig c = ResourceConfigForPod(pod);
  EXPECT_EQ(c.CpuWeight(), 20u);
  EXPECT_EQ(c.CpuMax(), "100000 100000");
  EXPECT_EQ(c.MemoryMax(), "1073741824");
}

TEST(PodCgroupConfigTest, BurstableWithAllContainerLimitsDeclared) {
  api::Pod pod = BurstableExample();
  pod.containers[1] = Container("c2", {.cpu_req = "250m", .cpu_lim = "250m"});
  const PodCgroupConfig c = ResourceConfigForPod(pod);
  EXPECT_EQ(c.CpuMax(), "75000 100000");  // 500m + 250m
  EXPECT_EQ(c.MemoryMax(), "max");        // c2 declares no memory limit
}

TEST(PodCgroupConfigTest, InitContainerWithoutLimitUndeclares) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "250m", .cpu_lim = "500m"})},
                         {Container("i1", {.cpu_req = "100m"})});
  EXPECT_EQ(ResourceConfigForPod(pod).cpu_quota, std::nullopt);
}

TEST(PodCgroupConfigTest, Guaranteed) {
  api::Pod pod = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  const PodCgroupConfig c = ResourceConfigForPod(pod);
  EXPECT_EQ(c, (PodCgroupConfig{1024, 100000, 100000, 1073741824}));
  EXPECT_EQ(c.CpuWeight(), 39u);
}

TEST(PodCgroupConfigTest, GuaranteedWithCfsQuotaDisabled) {
  api::Pod pod = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  const PodCgroupConfig c = ResourceConfigForPod(pod, {.enforce_cpu_limits = false});
  EXPECT_EQ(c.cpu_quota, -1);
  EXPECT_EQ(c.CpuMax(), "max 100000");
}

TEST(PodCgroupConfigTest, BestEffortGetsMinimumSharesOnly) {
  const PodCgroupConfig c = ResourceConfigForPod(MakePod({Container("c1")}));
  EXPECT_EQ(c, (PodCgroupConfig{2, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(c.CpuWeight(), 1u);
}

TEST(PodCgroupConfigTest, OverheadCounts) {
  api::Pod pod = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  pod.overhead.cpu = testing::Q("250m");
  pod.overhead.memory = testing::Q("64Mi");
  const PodCgroupConfig c = ResourceConfigForPod(pod);
  EXPECT_EQ(c.cpu_shares, 1280);
  EXPECT_EQ(c.cpu_quota, 125000);
  EXPECT_EQ(c.memory_limit_bytes, 1073741824 + 67108864);
}

TEST(PodCgroupConfigTest, StoredQosClassDecides) {
  // The allocated pod's status says Burstable (e.g. admitted before a limit was added to c2):
  // Burstable rules apply, not a recomputed class.
  api::Pod pod = BurstableExample();
  pod.qos_class = api::QosClass::kBestEffort;
  EXPECT_EQ(ResourceConfigForPod(pod).cpu_shares, 2);
}

}  // namespace
}  // namespace resizelet::resize
