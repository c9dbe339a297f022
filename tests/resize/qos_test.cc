// facts.md §3: QoS classes, classic and pod-level.
#include "agent/resize/qos.h"

#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;
using testing::Requirements;
using testing::Res;

constexpr Res kEqual{.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"};

TEST(QosTest, BestEffortWhenNothingIsSet) {
  EXPECT_EQ(ComputeQos(MakePod({Container("c1"), Container("c2")})), api::QosClass::kBestEffort);
}

TEST(QosTest, GuaranteedWhenEveryContainerHasEqualRequestsAndLimits) {
  EXPECT_EQ(ComputeQos(MakePod({Container("c1", kEqual), Container("c2", kEqual)})),
            api::QosClass::kGuaranteed);
  // Limits only: the API defaults requests to limits.
  EXPECT_EQ(ComputeQos(MakePod({Container("c1", {.cpu_lim = "1", .mem_lim = "1Gi"})})),
            api::QosClass::kGuaranteed);
}

TEST(QosTest, BurstableOtherwise) {
  EXPECT_EQ(ComputeQos(MakePod({Container("c1", kEqual), Container("c2")})),
            api::QosClass::kBurstable);
  EXPECT_EQ(ComputeQos(MakePod({Container("c1", {.cpu_req = "100m"})})), api::QosClass::kBurstable);
  EXPECT_EQ(ComputeQos(MakePod({Container(
                "c1", {.cpu_req = "500m", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})})),
            api::QosClass::kBurstable);
  // Only CPU limited: not Guaranteed.
  EXPECT_EQ(ComputeQos(MakePod({Container("c1", {.cpu_req = "1", .cpu_lim = "1"})})),
            api::QosClass::kBurstable);
}

TEST(QosTest, InitContainersCount) {
  // The init container's request makes the pod not BestEffort.
  EXPECT_EQ(ComputeQos(MakePod({Container("c1")}, {Container("i1", {.mem_req = "64Mi"})})),
            api::QosClass::kBurstable);
  // An init container without limits makes an otherwise Guaranteed pod Burstable.
  EXPECT_EQ(ComputeQos(MakePod({Container("c1", kEqual)}, {Container("i1")})),
            api::QosClass::kBurstable);
  EXPECT_EQ(ComputeQos(MakePod({Container("c1", kEqual)}, {Container("i1", kEqual)})),
            api::QosClass::kGuaranteed);
}

TEST(QosTest, PodLevelRequestsEqualLimitsIsGuaranteedRegardlessOfContainers) {
  api::Pod pod = MakePod({Container("c1", {.cpu_req = "100m"}), Container("c2")});
  pod.resources = Requirements(kEqual);
  EXPECT_EQ(ComputeQos(pod), api::QosClass::kGuaranteed);
}

TEST(QosTest, PodLevelRequestsOnlyIsBurstable) {
  api::Pod pod = MakePod({Container("c1", kEqual)});
  pod.resources = Requirements({.cpu_req = "1", .mem_req = "1Gi"});
  EXPECT_EQ(ComputeQos(pod), api::QosClass::kBurstable);
}

TEST(QosTest, PodLevelLimitsOnlyWithoutContainerRequestsIsGuaranteed) {
  api::Pod pod = MakePod({Container("c1"), Container("c2")});
  pod.resources = Requirements({.cpu_lim = "2", .mem_lim = "2Gi"});
  EXPECT_EQ(ComputeQos(pod), api::QosClass::kGuaranteed);
}

TEST(QosTest, PodLevelMissingMemoryIsNotGuaranteed) {
  api::Pod pod = MakePod({Container("c1", kEqual)});
  pod.resources = Requirements({.cpu_req = "1", .cpu_lim = "1"});
  EXPECT_EQ(ComputeQos(pod), api::QosClass::kBurstable);
}

TEST(QosTest, EmptyPodLevelStanzaLetsContainersDecide) {
  api::Pod pod = MakePod({Container("c1", kEqual)});
  pod.resources = api::ResourceRequirements{};
  EXPECT_EQ(ComputeQos(pod), api::QosClass::kGuaranteed);
  pod.containers[0] = Container("c1");
  EXPECT_EQ(ComputeQos(pod), api::QosClass::kBestEffort);
}

TEST(QosTest, GetPodQosPrefersTheStoredClass) {
  api::Pod pod = MakePod({Container("c1", kEqual)});
  pod.qos_class = api::QosClass::kBurstable;
  EXPECT_EQ(GetPodQos(pod), api::QosClass::kBurstable);
  pod.qos_class = api::QosClass::kUnset;
  EXPECT_EQ(GetPodQos(pod), api::QosClass::kGuaranteed);
}

TEST(QosTest, NamesAndTiers) {
  EXPECT_STREQ(QosClassName(api::QosClass::kBestEffort), "BestEffort");
  EXPECT_EQ(ToQosTier(api::QosClass::kGuaranteed), cgroups::PodQosTier::kGuaranteed);
  EXPECT_EQ(ToQosTier(api::QosClass::kBurstable), cgroups::PodQosTier::kBurstable);
}

TEST(QosTest, NodeCriticalPods) {
  api::Pod pod = MakePod({Container("c1")});
  pod.priority_class_name = "system-node-critical";
  EXPECT_FALSE(IsNodeCriticalPod(pod));  // priority not resolved yet, not static
  pod.priority = 2000001000;
  EXPECT_TRUE(IsNodeCriticalPod(pod));
  pod.priority = 0;
  pod.config_source = "file";
  EXPECT_TRUE(IsNodeCriticalPod(pod));
  pod.priority_class_name = "system-cluster-critical";
  EXPECT_FALSE(IsNodeCriticalPod(pod));
  EXPECT_TRUE(IsCriticalPod(pod));
}

}  // namespace
}  // namespace resizelet::resize
