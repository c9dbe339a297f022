// facts.md §4: admission outcomes, exact messages and reason_detail labels.
#include "agent/resize/admission.h"

#include <string_view>

#include "agent/resize/qos.h"
#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;
using testing::Requirements;
using testing::Res;

constexpr int64_t kGi = 1073741824;
const CpuMemory kBigNode{64000, 256 * kGi};

api::Pod Burstable(const char* cpu_req, const char* mem_req = "256Mi") {
  api::Pod p = MakePod({Container("c1", {.cpu_req = cpu_req, .mem_req = mem_req})});
  p.qos_class = api::QosClass::kBurstable;
  return p;
}

api::Pod Guaranteed(const char* cpu, const char* mem) {
  api::Pod p =
      MakePod({Container("c1", {.cpu_req = cpu, .cpu_lim = cpu, .mem_req = mem, .mem_lim = mem})});
  p.qos_class = api::QosClass::kGuaranteed;
  return p;
}

void ExpectAccepted(const AdmissionDecision& d) {
  EXPECT_EQ(d.outcome, AdmissionOutcome::kAccepted) << d.message;
  EXPECT_TRUE(d.reason_detail.empty());
  EXPECT_TRUE(d.message.empty());
}

TEST(AdmissionTest, AcceptsAFittingResize) {
  ExpectAccepted(Admit(Burstable("500m"), Burstable("250m"), kBigNode, {}, {}));
  EXPECT_STREQ(AdmissionOutcomeName(AdmissionOutcome::kAccepted), "Accepted");
}

TEST(AdmissionTest, StaticPodIsInfeasible) {
  api::Pod desired = Burstable("500m");
  desired.config_source = "file";
  const AdmissionDecision d = Admit(desired, Burstable("250m"), kBigNode, {}, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.reason_detail, "static_pod");
  EXPECT_EQ(d.message, "In-place resize of static-pods is not supported");
  EXPECT_STREQ(AdmissionOutcomeName(d.outcome), "Infeasible");
}

TEST(AdmissionTest, SwapMemoryRequestChangeIsInfeasible) {
  const NodeResizeSettings swap{.swap_behavior = SwapBehavior::kLimitedSwap, .node_has_swap = true};
  api::Pod allocated = MakePod({Container("c1", {.mem_req = "1Gi", .mem_lim = "2Gi"})});
  api::Pod desired = MakePod({Container("c1", {.mem_req = "1536Mi", .mem_lim = "2Gi"})});
  const AdmissionDecision d = Admit(desired, allocated, kBigNode, {}, swap);
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.reason_detail, "swap_limitation");
  EXPECT_EQ(d.message, "In-place resize of containers with swap is not supported.");
  // RestartContainer for memory, no swap on the node, or NoSwap: allowed.
  api::Pod restart = desired;
  restart.containers[0].memory_resize_policy = api::ResizeRestartPolicy::kRestartContainer;
  ExpectAccepted(Admit(restart, allocated, kBigNode, {}, swap));
  ExpectAccepted(
      Admit(desired, allocated, kBigNode, {}, {.swap_behavior = SwapBehavior::kLimitedSwap}));
  ExpectAccepted(Admit(desired, allocated, kBigNode, {}, {}));
  // A memory limit change alone keeps the request, so the swap size stays.
  api::Pod limit_only = MakePod({Container("c1", {.mem_req = "1Gi", .mem_lim = "3Gi"})});
  ExpectAccepted(Admit(limit_only, allocated, kBigNode, {}, swap));
}

TEST(AdmissionTest, GuaranteedWithStaticCpuManagerIsInfeasible) {
  // kubernetes#128068: Infeasible, never stuck.
  const AdmissionDecision d = Admit(Guaranteed("2", "1Gi"), Guaranteed("1", "1Gi"), kBigNode, {},
                                    {.cpu_manager_static = true});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.reason_detail, "guaranteed_pod_cpu_manager_static_policy");
  EXPECT_EQ(d.message,
            "Resize is infeasible for Guaranteed Pods alongside CPU Manager policy \"static\"");
  // A memory-only change is not the CPU manager's business.
  ExpectAccepted(Admit(Guaranteed("1", "2Gi"), Guaranteed("1", "1Gi"), kBigNode, {},
                       {.cpu_manager_static = true}));
  // Burstable pods do not get exclusive CPUs.
  ExpectAccepted(Admit(Burstable("2"), Burstable("1"), kBigNode, {}, {.cpu_manager_static = true}));
}

TEST(AdmissionTest, GuaranteedWithStaticMemoryManagerIsInfeasible) {
  const AdmissionDecision d = Admit(Guaranteed("1", "2Gi"), Guaranteed("1", "1Gi"), kBigNode, {},
                                    {.memory_manager_static = true});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.reason_detail, "guaranteed_pod_memory_manager_static_policy");
}

// A Burstable pod with pod-level resources and a container without limits (KEP-2837).
api::Pod PodLevel(const Res& pod_level, const Res& container = {.cpu_req = "100m"}) {
  api::Pod p = MakePod({Container("c1", container)});
  p.resources = Requirements(pod_level);
  p.qos_class = ComputeQos(p);
  return p;
}

TEST(AdmissionTest, PodLevelResizeOnCgroupV1IsInfeasible) {
  const NodeResizeSettings v1{.cgroup_v1 = true};
  const api::Pod allocated = PodLevel({.cpu_req = "500m", .cpu_lim = "1", .mem_req = "256Mi"});
  ASSERT_EQ(allocated.qos_class, api::QosClass::kBurstable);
  struct Case {
    const char* name;
    api::Pod desired;
    NodeResizeSettings settings;
    AdmissionOutcome outcome;
    std::string_view reason;
  };
  const Case cases[] = {
      {"pod-level cpu limit on v1",
       PodLevel({.cpu_req = "500m", .cpu_lim = "2", .mem_req = "256Mi"}), v1,
       AdmissionOutcome::kInfeasible, kReasonPodLevelCgroupV1},
      {"pod-level memory request on v1",
       PodLevel({.cpu_req = "500m", .cpu_lim = "1", .mem_req = "512Mi"}), v1,
       AdmissionOutcome::kInfeasible, kReasonPodLevelCgroupV1},
      {"pod-level memory limit added on v1",
       PodLevel({.cpu_req = "500m", .cpu_lim = "1", .mem_req = "256Mi", .mem_lim = "1Gi"}), v1,
       AdmissionOutcome::kInfeasible, kReasonPodLevelCgroupV1},
      {"same pod-level change on v2",
       PodLevel({.cpu_req = "500m", .cpu_lim = "2", .mem_req = "256Mi"}),
       {},
       AdmissionOutcome::kAccepted,
       ""},
      {"container-only change of a pod with pod-level resources on v1",
       PodLevel({.cpu_req = "500m", .cpu_lim = "1", .mem_req = "256Mi"}, {.cpu_req = "200m"}), v1,
       AdmissionOutcome::kAccepted, ""},
      {"same values, other spelling, on v1",
       PodLevel({.cpu_req = "0.5", .cpu_lim = "1000m", .mem_req = "256Mi"}), v1,
       AdmissionOutcome::kAccepted, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const AdmissionDecision d = Admit(c.desired, allocated, kBigNode, {}, c.settings);
    EXPECT_EQ(d.outcome, c.outcome) << d.message;
    EXPECT_EQ(d.reason_detail, c.reason);
    if (c.outcome == AdmissionOutcome::kInfeasible) {
      EXPECT_EQ(d.message, "In-place resize of pod-level resources is not supported on cgroup v1");
    }
  }
  // A container-only pod on v1 is unaffected.
  ExpectAccepted(Admit(Burstable("500m"), Burstable("250m"), kBigNode, {}, v1));
}

TEST(AdmissionTest, PodLevelCgroupV1CheckOrder) {
  // After static pods and swap, before the resource managers (handlePodResourcesResize).
  api::Pod allocated = PodLevel({.cpu_req = "500m", .cpu_lim = "1", .mem_req = "256Mi"});
  api::Pod desired = PodLevel({.cpu_req = "500m", .cpu_lim = "2", .mem_req = "256Mi"});
  desired.config_source = "file";
  EXPECT_EQ(Admit(desired, allocated, kBigNode, {}, {.cgroup_v1 = true}).reason_detail,
            kReasonStaticPod);

  const NodeResizeSettings swap_v1{
      .swap_behavior = SwapBehavior::kLimitedSwap, .node_has_swap = true, .cgroup_v1 = true};
  allocated = PodLevel({.cpu_lim = "1"}, {.mem_req = "1Gi", .mem_lim = "2Gi"});
  desired = PodLevel({.cpu_lim = "2"}, {.mem_req = "1536Mi", .mem_lim = "2Gi"});
  EXPECT_EQ(Admit(desired, allocated, kBigNode, {}, swap_v1).reason_detail, kReasonSwap);

  const api::Pod guaranteed =
      PodLevel({.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"});
  ASSERT_EQ(guaranteed.qos_class, api::QosClass::kGuaranteed);
  const api::Pod bigger =
      PodLevel({.cpu_req = "2", .cpu_lim = "2", .mem_req = "2Gi", .mem_lim = "2Gi"});
  const NodeResizeSettings managers{
      .cpu_manager_static = true, .memory_manager_static = true, .cgroup_v1 = true};
  EXPECT_EQ(Admit(bigger, guaranteed, kBigNode, {}, managers).reason_detail,
            kReasonPodLevelCgroupV1);
  EXPECT_EQ(Admit(bigger, guaranteed, kBigNode, {}, {.cpu_manager_static = true}).reason_detail,
            kReasonCpuManagerStatic);
}

TEST(AdmissionTest, MoreThanNodeAllocatableIsInfeasibleMemoryFirst) {
  const CpuMemory node{4000, 4294967296};
  AdmissionDecision d = Admit(Burstable("5", "4500Mi"), Burstable("1"), node, {}, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.reason_detail, "insufficient_node_allocatable");
  EXPECT_EQ(d.message,
            "Node didn't have enough capacity: memory, requested: 4718592000, capacity: "
            "4294967296");
  d = Admit(Burstable("5"), Burstable("1"), node, {}, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.message, "Node didn't have enough capacity: cpu, requested: 5000, capacity: 4000");
}

TEST(AdmissionTest, NotFittingNextToOthersIsDeferred) {
  const CpuMemory node{1930, 8 * kGi};
  NodeUsage others;
  others.Add({1450, kGi});
  const AdmissionDecision d = Admit(Burstable("1500m"), Burstable("400m"), node, others, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kDeferred);
  EXPECT_EQ(d.reason_detail, "insufficient_free_resources");
  EXPECT_EQ(d.message,
            "Node didn't have enough resource: cpu, requested: 1500, used: 1450, capacity: 1930");
  EXPECT_STREQ(AdmissionOutcomeName(d.outcome), "Deferred");
  // Once the other pod's allocation shrinks, the same resize fits.
  others.Remove({1000, 0});
  EXPECT_EQ(Admit(Burstable("1500m"), Burstable("400m"), node, others, {}).message,
            "Node didn't have enough resource: cpu, requested: 1500, used: 450, capacity: 1930");
  others.Remove({450, 0});
  ExpectAccepted(Admit(Burstable("1500m"), Burstable("400m"), node, others, {}));
}

TEST(AdmissionTest, MemoryDeferred) {
  const CpuMemory node{8000, 4 * kGi};
  NodeUsage others;
  others.Add({100, 3 * kGi});
  const AdmissionDecision d = Admit(Burstable("100m", "2Gi"), Burstable("100m"), node, others, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kDeferred);
  EXPECT_EQ(d.message,
            "Node didn't have enough resource: memory, requested: 2147483648, used: 3221225472, "
            "capacity: 4294967296");
}

TEST(AdmissionTest, OverheadCountsInTheRequest) {
  api::Pod desired = Burstable("1500m");
  desired.overhead.cpu = testing::Q("500m");
  const AdmissionDecision d = Admit(desired, Burstable("1"), {1930, 8 * kGi}, {}, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.message, "Node didn't have enough capacity: cpu, requested: 2000, capacity: 1930");
}

TEST(AdmissionTest, QosClassMayNotChange) {
  api::Pod allocated = MakePod(
      {Container("c1", {.cpu_req = "500m", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  allocated.qos_class = api::QosClass::kBurstable;
  api::Pod desired = MakePod(
      {Container("c1", {.cpu_req = "1", .cpu_lim = "1", .mem_req = "1Gi", .mem_lim = "1Gi"})});
  const AdmissionDecision d = Admit(desired, allocated, kBigNode, {}, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.reason_detail, "qos_class_change");
  EXPECT_EQ(d.message, "Pod QOS Class may not change as a result of resizing");
  // BestEffort pods cannot gain resources.
  api::Pod be = MakePod({Container("c1")});
  be.qos_class = api::QosClass::kBestEffort;
  EXPECT_EQ(Admit(Burstable("100m"), be, kBigNode, {}, {}).reason_detail, "qos_class_change");
}

TEST(AdmissionTest, LimitsCannotBeRemoved) {
  // kubernetes#128677.
  api::Pod allocated = MakePod({Container(
      "c1", {.cpu_req = "200m", .cpu_lim = "400m", .mem_req = "250Mi", .mem_lim = "500Mi"})});
  api::Pod desired =
      MakePod({Container("c1", {.cpu_req = "200m", .cpu_lim = "400m", .mem_req = "250Mi"})});
  const AdmissionDecision d = Admit(desired, allocated, kBigNode, {}, {});
  EXPECT_EQ(d.outcome, AdmissionOutcome::kInfeasible);
  EXPECT_EQ(d.reason_detail, "limit_removal");
  EXPECT_EQ(d.message, "resource limits cannot be removed");
  // Pod-level limits too.
  api::Pod pod_allocated = Burstable("100m");
  pod_allocated.resources = Requirements({.cpu_lim = "1"});
  EXPECT_EQ(Admit(Burstable("100m"), pod_allocated, kBigNode, {}, {}).message,
            "resource limits cannot be removed");
}

TEST(AdmissionTest, RequestsCannotBeRemoved) {
  api::Pod allocated = MakePod({Container("c1", {.cpu_req = "200m", .mem_req = "100Mi"})});
  api::Pod desired = MakePod({Container("c1", {.mem_req = "100Mi"})});
  const AdmissionDecision d = Admit(desired, allocated, kBigNode, {}, {});
  EXPECT_EQ(d.reason_detail, "request_removal");
  EXPECT_EQ(d.message, "resource requests cannot be removed");
}

TEST(AdmissionTest, ContainerWithoutLimitsCanResize) {
  // kubernetes#126388: a container without limits must still be able to resize.
  ExpectAccepted(Admit(Burstable("300m", "300Mi"), Burstable("100m", "100Mi"), kBigNode, {}, {}));
}

TEST(AdmissionTest, ResizeRequested) {
  EXPECT_FALSE(ResizeRequested(Burstable("100m"), Burstable("100m")));
  EXPECT_FALSE(ResizeRequested(Burstable("0.1"), Burstable("100m")));  // same value
  EXPECT_TRUE(ResizeRequested(Burstable("200m"), Burstable("100m")));
  EXPECT_TRUE(ResizeRequested(Burstable("100m", "1Gi"), Burstable("100m")));
  api::Pod with_pod_level = Burstable("100m");
  with_pod_level.resources = Requirements({.cpu_lim = "1"});
  EXPECT_TRUE(ResizeRequested(with_pod_level, Burstable("100m")));
}

}  // namespace
}  // namespace resizelet::resize
