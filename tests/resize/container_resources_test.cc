// facts.md §3: container CRI resources, pod-level limit inheritance, oom_score_adj.
#include "agent/resize/container_resources.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"
#include "tests/status_matchers.h"

namespace resizelet::resize {
namespace {

using ::resizelet::testing::StatusIs;
using testing::Container;
using testing::MakePod;
using testing::Requirements;

constexpr int64_t kGi = 1073741824;
constexpr int64_t kMi = 1048576;

LinuxContainerResources Get(const api::Pod& pod, const char* name,
                            ContainerResourceOptions options = {}) {
  absl::StatusOr<LinuxContainerResources> r = ContainerResources(pod, name, options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : LinuxContainerResources{};
}

TEST(ContainerResourcesTest, ContainerWithoutResourcesInheritsPodLevelLimits) {
  api::Pod pod = MakePod({Container("c1")});
  pod.resources = Requirements({.cpu_lim = "2", .mem_lim = "1Gi"});
  const LinuxContainerResources r = Get(pod, "c1");
  EXPECT_EQ(r.cpu_shares, 2048);
  EXPECT_EQ(r.cpu_quota, 200000);
  EXPECT_EQ(r.cpu_period, 100000);
  EXPECT_EQ(r.memory_limit_in_bytes, kGi);
}

TEST(ContainerResourcesTest, BurstableExampleWithPodLimits) {
  api::Pod pod = MakePod(
      {Container("c1",
                 {.cpu_req = "250m", .cpu_lim = "500m", .mem_req = "128Mi", .mem_lim = "256Mi"}),
       Container("c2", {.cpu_req = "250m"})});
  LinuxContainerResources c2 = Get(pod, "c2");
  EXPECT_EQ(c2.cpu_shares, 256);
  EXPECT_EQ(c2.cpu_quota, 0);
  EXPECT_EQ(c2.memory_limit_in_bytes, 0);
  pod.resources = Requirements({.cpu_lim = "1", .mem_lim = "1Gi"});
  c2 = Get(pod, "c2");
  EXPECT_EQ(c2.cpu_quota, 100000);  // cpu.max "100000 100000"
  EXPECT_EQ(c2.memory_limit_in_bytes, kGi);
  // c1 keeps its own limits.
  const LinuxContainerResources c1 = Get(pod, "c1");
  EXPECT_EQ(c1.cpu_quota, 50000);
  EXPECT_EQ(c1.memory_limit_in_bytes, 256 * kMi);
}

TEST(ContainerResourcesTest, PlainValues) {
  api::Pod pod = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1500m", .mem_req = "1Gi", .mem_lim = "2Gi"})});
  const LinuxContainerResources r = Get(pod, "c1", {.node_memory_capacity_bytes = 4 * kGi});
  EXPECT_EQ(r.cpu_shares, 1024);
  EXPECT_EQ(r.cpu_quota, 150000);
  EXPECT_EQ(r.cpu_period, 100000);
  EXPECT_EQ(r.memory_limit_in_bytes, 2 * kGi);
  EXPECT_EQ(r.oom_score_adj, 750);
  EXPECT_THAT(r.unified, ::testing::ElementsAre(::testing::Pair("memory.oom.group", "1")));
}

TEST(ContainerResourcesTest, MinimumSharesAndQuota) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "1m", .cpu_lim = "1m"})});
  const LinuxContainerResources r = Get(pod, "c1");
  EXPECT_EQ(r.cpu_shares, 2);
  EXPECT_EQ(r.cpu_quota, 1000);
}

TEST(ContainerResourcesTest, OomGroupOnlyOnV2WithoutSingleProcessKill) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "100m"})});
  EXPECT_TRUE(Get(pod, "c1", {.single_process_oom_kill = true}).unified.empty());
  EXPECT_TRUE(Get(pod, "c1", {.cgroup_v2 = false}).unified.empty());
  EXPECT_EQ(Get(pod, "c1").unified.size(), 1u);
}

TEST(ContainerResourcesTest, UnknownContainer) {
  EXPECT_THAT(ContainerResources(MakePod({Container("c1")}), "nope", {}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(ContainerResourcesTest, InitContainersAreFound) {
  api::Pod pod = MakePod({Container("c1")}, {Container("s1", {.cpu_req = "500m"}, true)});
  EXPECT_EQ(Get(pod, "s1").cpu_shares, 512);
}

TEST(ResourcesMatchTest, ComparesInRuntimeUnits) {
  // kubernetes#114123: a 1m request is 2 shares; the runtime reports 2 shares (read back: 2m).
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "1m", .cpu_lim = "15m", .mem_lim = "64Mi"})});
  const LinuxContainerResources wanted = Get(pod, "c1");
  LinuxContainerResources reported;
  reported.cpu_shares = 2;
  reported.cpu_quota = 1500;
  reported.cpu_period = 100000;
  reported.memory_limit_in_bytes = 64 * kMi;
  EXPECT_TRUE(ResourcesMatch(wanted, reported, /*systemd_driver=*/false));
  // Under the systemd driver runc writes the 15m limit as 20m.
  EXPECT_FALSE(ResourcesMatch(wanted, reported, /*systemd_driver=*/true));
  reported.cpu_quota = 2000;
  EXPECT_TRUE(ResourcesMatch(wanted, reported, /*systemd_driver=*/true));
  reported.memory_limit_in_bytes = 32 * kMi;
  EXPECT_FALSE(ResourcesMatch(wanted, reported, /*systemd_driver=*/true));
}

TEST(ResourcesMatchTest, NoLimitMatchesZeroOrMinusOne) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "100m"})});
  const LinuxContainerResources wanted = Get(pod, "c1");
  LinuxContainerResources reported;
  reported.cpu_shares = 102;
  reported.cpu_quota = -1;
  EXPECT_TRUE(ResourcesMatch(wanted, reported, false));
  reported.cpu_quota = 0;
  EXPECT_TRUE(ResourcesMatch(wanted, reported, false));
  reported.cpu_shares = 103;
  EXPECT_FALSE(ResourcesMatch(wanted, reported, false));
}

TEST(OomScoreAdjustTest, GuaranteedAndBestEffort) {
  api::Pod g = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  EXPECT_EQ(OomScoreAdjust(g, g.containers[0], 4 * kGi), -997);
  api::Pod be = MakePod({Container("c1")});
  EXPECT_EQ(OomScoreAdjust(be, be.containers[0], 4 * kGi), 1000);
  // Guaranteed and BestEffort need no capacity.
  EXPECT_EQ(Get(g, "c1").oom_score_adj, -997);
  EXPECT_EQ(Get(be, "c1").oom_score_adj, 1000);
}

TEST(OomScoreAdjustTest, BurstableFormulaAndClamps) {
  struct Row {
    const char* mem_req;
    int adj;
  };
  // 1000 - 1000*req/4Gi, clamped to [3, 999].
  for (const Row& row : {Row{"1Gi", 750}, Row{"3Gi", 250}, Row{"4Gi", 3}, Row{"8Gi", 3},
                         Row{"4000Mi", 24}, Row{"1Mi", 1000 - 0 - 1}, Row{"100Mi", 976}}) {
    api::Pod pod = MakePod({Container("c1", {.mem_req = row.mem_req})});
    EXPECT_EQ(OomScoreAdjust(pod, pod.containers[0], 4 * kGi), row.adj) << row.mem_req;
  }
  api::Pod none = MakePod({Container("c1", {.cpu_req = "100m"})});
  EXPECT_EQ(OomScoreAdjust(none, none.containers[0], 4 * kGi), 999);
  // Burstable without a known capacity: unset.
  EXPECT_EQ(Get(none, "c1").oom_score_adj, std::nullopt);
}

TEST(OomScoreAdjustTest, NodeCriticalPod) {
  api::Pod pod = MakePod({Container("c1", {.mem_req = "100Mi"})});
  pod.priority = 2000001000;
  pod.priority_class_name = "system-node-critical";
  EXPECT_EQ(OomScoreAdjust(pod, pod.containers[0], 4 * kGi), -997);
  EXPECT_EQ(Get(pod, "c1").oom_score_adj, -997);
}

TEST(OomScoreAdjustTest, SidecarCappedAtSmallestRegularContainer) {
  api::Pod pod = MakePod({Container("c1", {.mem_req = "1Gi"}), Container("c2", {.mem_req = "2Gi"})},
                         {Container("s1", {.mem_req = "100Mi"}, /*sidecar=*/true)});
  // Own score 976, smallest regular (1Gi) scores 750: the sidecar gets 750.
  EXPECT_EQ(OomScoreAdjust(pod, pod.init_containers[0], 4 * kGi), 750);
  EXPECT_EQ(OomScoreAdjust(pod, pod.containers[1], 4 * kGi), 500);
}

TEST(OomScoreAdjustTest, PodLevelMemoryRequestIsShared) {
  // Pod requests 2Gi, containers claim 512Mi: 1536Mi left over, 768Mi per container.
  api::Pod pod = MakePod({Container("c1", {.mem_req = "512Mi"}), Container("c2")});
  pod.resources = Requirements({.mem_req = "2Gi"});
  // c1: 1000 - 1000*1280Mi/4096Mi = 1000 - 312 = 688; c2: 1000 - 1000*768/4096 = 1000 - 187.
  EXPECT_EQ(OomScoreAdjust(pod, pod.containers[0], 4 * kGi), 688);
  EXPECT_EQ(OomScoreAdjust(pod, pod.containers[1], 4 * kGi), 813);
}

}  // namespace
}  // namespace resizelet::resize
