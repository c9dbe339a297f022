// Cost of one admission decision on a node with 250 pods, the steady path resizelet takes for
// every resize, against recomputing the other pods' allocations per decision.
#include <string>
#include <vector>

#include "agent/api/quantity.h"
#include "agent/resize/admission.h"
#include "agent/resize/node_usage.h"
#include "agent/resize/plan.h"
#include "agent/resize/pod_cgroup_config.h"
#include "benchmark/benchmark.h"

namespace resizelet::resize {
namespace {

constexpr int kPods = 250;
constexpr int64_t kGi = 1073741824;

api::Quantity Q(const char* text) { return *api::Quantity::Parse(text); }

api::ContainerSpec MakeContainer(const char* name, const char* cpu_req, const char* cpu_lim,
                                 const char* mem_req, const char* mem_lim) {
  api::ContainerSpec c;
  c.name = name;
  if (cpu_req) c.resources.requests.cpu = Q(cpu_req);
  if (cpu_lim) c.resources.limits.cpu = Q(cpu_lim);
  if (mem_req) c.resources.requests.memory = Q(mem_req);
  if (mem_lim) c.resources.limits.memory = Q(mem_lim);
  return c;
}

api::Pod MakeAppPod(int i) {
  api::Pod p;
  p.name = "app-" + std::to_string(i);
  p.namespace_name = "default";
  p.uid = "uid-" + std::to_string(i);
  p.config_source = "api";
  p.phase = api::PodPhase::kRunning;
  p.qos_class = api::QosClass::kBurstable;
  p.containers.push_back(MakeContainer("app", "100m", "200m", "128Mi", "256Mi"));
  p.containers.push_back(MakeContainer("proxy", "50m", nullptr, "64Mi", nullptr));
  p.init_containers.push_back(MakeContainer("init", "10m", nullptr, "16Mi", nullptr));
  return p;
}

struct Node {
  std::vector<api::Pod> others;  // kPods - 1
  NodeUsage usage;
  api::Pod allocated;
  api::Pod desired;
  CpuMemory allocatable{64000, 256 * kGi};
};

Node MakeNode() {
  Node n;
  for (int i = 0; i < kPods - 1; ++i) {
    n.others.push_back(MakeAppPod(i));
    n.usage.Add(*AllocatedRequestsFromStatus(n.others.back()));
  }
  n.allocated = MakeAppPod(kPods);
  n.desired = n.allocated;
  n.desired.containers[0] = MakeContainer("app", "300m", "400m", "256Mi", "512Mi");
  return n;
}

// The steady path: the other pods' allocations are one precomputed NodeUsage.
void BM_AdmitPrecomputedUsage(benchmark::State& state) {
  const Node n = MakeNode();
  for (auto _ : state) {
    const bool changed = ResizeRequested(n.desired, n.allocated);
    AdmissionDecision d = Admit(n.desired, n.allocated, n.allocatable, n.usage, {});
    benchmark::DoNotOptimize(changed);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_AdmitPrecomputedUsage);

// The naive path: every decision walks the 249 other pods again.
void BM_AdmitRecomputingUsage(benchmark::State& state) {
  const Node n = MakeNode();
  for (auto _ : state) {
    NodeUsage usage;
    for (const api::Pod& p : n.others) {
      if (std::optional<CpuMemory> r = AllocatedRequestsFromStatus(p)) usage.Add(*r);
    }
    AdmissionDecision d = Admit(n.desired, n.allocated, n.allocatable, usage, {});
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_AdmitRecomputingUsage);

// The Deferred path, which formats the kubelet's message.
void BM_AdmitDeferred(benchmark::State& state) {
  Node n = MakeNode();
  n.allocatable.cpu_milli = n.usage.cpu_milli + 100;
  for (auto _ : state) {
    AdmissionDecision d = Admit(n.desired, n.allocated, n.allocatable, n.usage, {});
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_AdmitDeferred);

void BM_MakePlan(benchmark::State& state) {
  const Node n = MakeNode();
  for (auto _ : state) {
    std::vector<PlanStep> steps = MakePlan(n.allocated, n.desired);
    benchmark::DoNotOptimize(steps);
  }
}
BENCHMARK(BM_MakePlan);

void BM_ResourceConfigForPod(benchmark::State& state) {
  const Node n = MakeNode();
  for (auto _ : state) {
    PodCgroupConfig c = ResourceConfigForPod(n.desired);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_ResourceConfigForPod);

}  // namespace
}  // namespace resizelet::resize

BENCHMARK_MAIN();
