// Running a plan's steps in order never lets a container's limit exceed its pod cgroup's limit
// (cgroup v1 refuses a container quota above the pod quota with "invalid argument", facts.md §8),
// for any pair of valid allocations: pod limits first grow, containers change, pod limits shrink.
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "agent/resize/container_resources.h"
#include "agent/resize/plan.h"
#include "agent/resize/pod_cgroup_config.h"
#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;

// A random pod with pod-level cpu and memory limits and each container's limits within them, as
// the API server's validation requires.
api::Pod RandomPod(std::mt19937& rng, int containers) {
  std::uniform_int_distribution<int> cpu(1, 40);  // x 100m
  std::uniform_int_distribution<int> mem(1, 40);  // x 64Mi
  std::bernoulli_distribution has_limit(0.6);
  const int pod_cpu = cpu(rng), pod_mem = mem(rng);
  std::vector<api::ContainerSpec> list;
  for (int i = 0; i < containers; ++i) {
    api::ContainerSpec c = Container(i == 0 ? "c0" : i == 1 ? "c1" : "c2");
    c.resources.requests.cpu = api::Quantity::FromMilli(100 * (1 + rng() % pod_cpu));
    if (has_limit(rng)) {
      c.resources.limits.cpu = api::Quantity::FromMilli(100 * (1 + rng() % pod_cpu));
      c.resources.requests.cpu = c.resources.limits.cpu;
    }
    if (has_limit(rng)) {
      c.resources.limits.memory = api::Quantity::FromInt(int64_t{67108864} * (1 + rng() % pod_mem));
    }
    list.push_back(std::move(c));
  }
  api::Pod pod = MakePod(std::move(list));
  pod.resources = api::ResourceRequirements{};
  pod.resources->limits.cpu = api::Quantity::FromMilli(100 * pod_cpu);
  pod.resources->limits.memory = api::Quantity::FromInt(int64_t{67108864} * pod_mem);
  pod.qos_class = api::QosClass::kBurstable;
  return pod;
}

// Unset limits are unlimited.
bool Within(const std::optional<int64_t>& child, const std::optional<int64_t>& parent) {
  if (!parent.has_value()) return true;
  return child.has_value() && *child <= *parent;
}

std::optional<int64_t> AsLimit(int64_t v) {
  return v > 0 ? std::optional<int64_t>(v) : std::nullopt;
}

TEST(PlanPropertyTest, ContainerLimitsStayWithinThePodLimitAtEveryStep) {
  std::mt19937 rng(20261128);
  int checked_steps = 0;
  for (int round = 0; round < 2000; ++round) {
    const int n = 1 + static_cast<int>(rng() % 3);
    const api::Pod before = RandomPod(rng, n);
    const api::Pod after = RandomPod(rng, n);

    // The cgroup state as the steps are applied: pod and per-container limits.
    std::map<std::string, std::optional<int64_t>> limit;  // key: "<target>/<resource>"
    const PodCgroupConfig pod_before = ResourceConfigForPod(before);
    limit["pod/cpu"] = pod_before.cpu_quota;
    limit["pod/memory"] = pod_before.memory_limit_bytes;
    for (const api::ContainerSpec& c : before.containers) {
      const LinuxContainerResources r = *ContainerResources(before, c.name, {});
      limit[c.name + "/cpu"] = AsLimit(r.cpu_quota);
      limit[c.name + "/memory"] = AsLimit(r.memory_limit_in_bytes);
    }
    for (const PlanStep& step : MakePlan(before, after)) {
      if (step.field != StepField::kLimit) continue;
      const std::string resource = step.resource == StepResource::kCpu ? "cpu" : "memory";
      ASSERT_EQ(limit[step.target + "/" + resource], step.from) << step.ToString();
      limit[step.target + "/" + resource] = step.to;
      for (const api::ContainerSpec& c : after.containers) {
        for (const char* r : {"cpu", "memory"}) {
          ASSERT_TRUE(Within(limit[c.name + "/" + r], limit[std::string("pod/") + r]))
              << "round " << round << " after " << step.ToString() << ": " << c.name << " " << r;
        }
      }
      ++checked_steps;
    }
    // At the end every value is the desired one.
    const PodCgroupConfig pod_after = ResourceConfigForPod(after);
    EXPECT_EQ(limit["pod/cpu"], pod_after.cpu_quota);
    EXPECT_EQ(limit["pod/memory"], pod_after.memory_limit_bytes);
    for (const api::ContainerSpec& c : after.containers) {
      const LinuxContainerResources r = *ContainerResources(after, c.name, {});
      EXPECT_EQ(limit[c.name + "/cpu"], AsLimit(r.cpu_quota));
      EXPECT_EQ(limit[c.name + "/memory"], AsLimit(r.memory_limit_in_bytes));
    }
  }
  EXPECT_GT(checked_steps, 2000);
}

}  // namespace
}  // namespace resizelet::resize
