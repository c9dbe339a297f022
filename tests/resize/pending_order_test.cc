// facts.md §4: the retry order of Deferred resizes (sortPendingResizes).
#include "agent/resize/pending_order.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/resize/test_pods.h"

namespace resizelet::resize {
namespace {

using testing::Container;
using testing::MakePod;

std::vector<std::string> Uids(const std::vector<PendingResize>& v) {
  std::vector<std::string> out;
  for (const PendingResize& p : v) out.push_back(p.uid);
  return out;
}

TEST(PendingOrderTest, FactsExampleGivesADCB) {
  const int64_t t0 = 1'000'000;
  const int64_t minute = 60;
  std::vector<PendingResize> pending = {
      {"A", /*increases=*/false, 0, api::QosClass::kBurstable, t0 + 5},
      {"B", true, 1000, api::QosClass::kBurstable, t0 - 10 * minute},
      {"C", true, 1000, api::QosClass::kGuaranteed, t0},
      {"D", true, 1000, api::QosClass::kGuaranteed, t0 - minute},
  };
  SortPendingResizes(pending);
  EXPECT_EQ(Uids(pending), (std::vector<std::string>{"A", "D", "C", "B"}));
}

TEST(PendingOrderTest, EveryInputOrderGivesTheSameResult) {
  std::vector<PendingResize> pending = {
      {"A", false, 0, api::QosClass::kBurstable, 5},
      {"B", true, 1000, api::QosClass::kBurstable, 0},
      {"C", true, 1000, api::QosClass::kGuaranteed, 100},
      {"D", true, 1000, api::QosClass::kGuaranteed, 40},
  };
  std::sort(pending.begin(), pending.end(),
            [](const PendingResize& a, const PendingResize& b) { return a.uid < b.uid; });
  do {
    std::vector<PendingResize> copy = pending;
    SortPendingResizes(copy);
    EXPECT_EQ(Uids(copy), (std::vector<std::string>{"A", "D", "C", "B"}));
  } while (std::next_permutation(
      pending.begin(), pending.end(),
      [](const PendingResize& a, const PendingResize& b) { return a.uid < b.uid; }));
}

TEST(PendingOrderTest, IncreasingRequestsFromPods) {
  api::Pod small = MakePod({Container("c1", {.cpu_req = "100m", .mem_req = "1Gi"})});
  api::Pod more_cpu = MakePod({Container("c1", {.cpu_req = "200m", .mem_req = "512Mi"})});
  api::Pod less = MakePod({Container("c1", {.cpu_req = "50m", .mem_req = "512Mi"})});
  EXPECT_TRUE(IsResizeIncreasingRequests(small, more_cpu));  // cpu up, memory down: increases
  EXPECT_FALSE(IsResizeIncreasingRequests(small, less));
  // A limit-only change does not increase requests.
  api::Pod limited =
      MakePod({Container("c1", {.cpu_req = "100m", .cpu_lim = "2", .mem_req = "1Gi"})});
  EXPECT_FALSE(IsResizeIncreasingRequests(small, limited));

  less.priority = 7;
  less.uid = "u-less";
  small.qos_class = api::QosClass::kBurstable;
  const PendingResize p = MakePendingResize(small, less, 42);
  EXPECT_EQ(p.uid, "u-less");
  EXPECT_FALSE(p.increases_requests);
  EXPECT_EQ(p.priority, 7);
  EXPECT_EQ(p.qos, api::QosClass::kBurstable);
  EXPECT_EQ(p.pending_since, 42);
}

}  // namespace
}  // namespace resizelet::resize
