// The steady accepted admission path performs zero heap allocations. This binary replaces the
// global operator new to count them.
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "agent/resize/admission.h"
#include "agent/resize/node_usage.h"
#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;

constexpr int64_t kGi = 1073741824;

struct Fixture {
  std::vector<api::Pod> others;
  NodeUsage usage;
  api::Pod allocated;
  api::Pod desired;
  CpuMemory node{64000, 256 * kGi};
};

Fixture Make250Pods() {
  Fixture f;
  for (int i = 0; i < 249; ++i) {
    api::Pod p = MakePod(
        {Container("app",
                   {.cpu_req = "100m", .cpu_lim = "200m", .mem_req = "128Mi", .mem_lim = "256Mi"}),
         Container("sidecar-proxy", {.cpu_req = "50m", .mem_req = "64Mi"})});
    p.uid = "uid-" + std::to_string(i);
    f.usage.Add(*AllocatedRequestsFromStatus(p));
    f.others.push_back(std::move(p));
  }
  f.allocated = MakePod(
      {Container("app",
                 {.cpu_req = "100m", .cpu_lim = "200m", .mem_req = "128Mi", .mem_lim = "256Mi"}),
       Container("sidecar-proxy", {.cpu_req = "50m", .mem_req = "64Mi"})});
  f.allocated.qos_class = api::QosClass::kBurstable;
  f.desired = f.allocated;
  f.desired.containers[0] = Container(
      "app", {.cpu_req = "300m", .cpu_lim = "400m", .mem_req = "256Mi", .mem_lim = "512Mi"});
  return f;
}

TEST(AdmissionAllocationTest, SteadyAcceptedPathAllocatesNothing) {
  const Fixture f = Make250Pods();
  const NodeResizeSettings settings{};
  long accepted = 0;
  const long before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    if (!ResizeRequested(f.desired, f.allocated)) continue;
    const AdmissionDecision d = Admit(f.desired, f.allocated, f.node, f.usage, settings);
    accepted += d.outcome == AdmissionOutcome::kAccepted;
  }
  const long allocations = g_allocations.load() - before;
  EXPECT_EQ(accepted, 1000);
  EXPECT_EQ(allocations, 0);
}

TEST(AdmissionAllocationTest, CounterSeesTheFailurePathMessage) {
  // The counter works: a Deferred decision builds its message on the heap.
  Fixture f = Make250Pods();
  f.node.cpu_milli = f.usage.cpu_milli + 100;
  const long before = g_allocations.load();
  const AdmissionDecision d = Admit(f.desired, f.allocated, f.node, f.usage, {});
  const long allocations = g_allocations.load() - before;
  EXPECT_EQ(d.outcome, AdmissionOutcome::kDeferred);
  EXPECT_GT(allocations, 0);
}

}  // namespace
}  // namespace resizelet::resize
