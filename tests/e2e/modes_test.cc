// End-to-end, modes (issue 6, host lane, item 6): next to a kubelet that resizes by itself (the
// stand-in as 1.33) `--mode auto` picks companion, observes and measures the kubelet's resize and
// writes nothing the kubelet owns (no status patch, no event, no CRI update, no pod cgroup
// write); next to a 1.30 kubelet (which restarts containers on a resources change) it only
// observes, with a warning.
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_pods.h"
#include "tests/e2e/local_node.h"
#include "tests/status_matchers.h"

namespace resizelet::e2e {
namespace {

using nlohmann::json;
using ::resizelet::testing::IsOk;
using namespace std::chrono_literals;

constexpr char kResizelet[] = "resizelet/";
constexpr Size kSmall{100, 200, 64, 128};
constexpr Size kBigger{200, 400, 96, 192};

class Modes_e2e : public ::testing::Test {
 protected:
  void Start(LocalNodeOptions options) {
    absl::StatusOr<std::unique_ptr<LocalNode>> node = LocalNode::Start(std::move(options));
    ASSERT_THAT(node, IsOk());  // fails, never skips, without containerd or kubectl
    node_ = *std::move(node);
  }
  void TearDown() override {
    if (node_ != nullptr) {
      const std::string log = node_->ResizeletLog();
      EXPECT_THAT(node_->Teardown(), IsOk()) << log;
    }
  }
  // Everything resizelet wrote that only the kubelet may write.
  void ExpectNoKubeletWrites() {
    EXPECT_EQ(node_->RequestsFrom(kResizelet, "PATCH", "/status"), 0);
    EXPECT_EQ(node_->RequestsFrom(kResizelet, "PUT", "/status"), 0);
    EXPECT_EQ(node_->RequestsFrom(kResizelet, "POST", "/events"), 0);
    EXPECT_EQ(node_->RequestsFrom(kResizelet, "PATCH", "/events"), 0);
    EXPECT_EQ(node_->proxy().Count("UpdateContainerResources"), 0);
    EXPECT_EQ(node_->proxy().Count("UpdatePodSandboxResources"), 0);
    EXPECT_EQ(node_->proxy().Count("StopContainer"), 0);
  }
  std::unique_ptr<LocalNode> node_;
};

// The sum of every series of a family whose name starts with `prefix`.
double SumOf(const std::map<std::string, double>& samples, const std::string& prefix) {
  double sum = 0;
  for (const auto& [series, value] : samples) {
    if (absl::StartsWith(series, prefix)) sum += value;
  }
  return sum;
}

TEST_F(Modes_e2e, NextToKubelet133CompanionObservesItsResizeAndWritesNothing) {
  LocalNodeOptions options;
  options.api_version = "v1.33.1";
  options.kubelet_version = "1.33";
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_EQ(node_->Mode(), "companion") << node_->MetricsText();
  absl::StatusOr<std::string> uid = node_->ApplyRunningPod(PodJson("web", kSmall));
  ASSERT_THAT(uid, IsOk());
  const std::string id = FirstContainerId(node_->Pod("web").value_or(json()));

  ASSERT_THAT(node_->PatchResize("web", ResizePatch(kBigger)), IsOk());
  std::string mismatch;
  ASSERT_TRUE(Eventually([&] {
    const json pod = node_->Pod("web").value_or(json());
    mismatch = TargetMismatch(*node_, *uid, id, kBigger);
    return mismatch.empty() && Condition(pod, "PodResizeInProgress").is_null() &&
           Condition(pod, "PodResizePending").is_null();
  })) << mismatch;

  // The kubelet's resize is observed and measured: one duration, successful.
  const std::string kDurationCount =
      R"(resizelet_pod_resize_duration_seconds_count{success="true"})";
  ASSERT_TRUE(Eventually([&] { return node_->Metrics()[kDurationCount] >= 1; }))
      << node_->MetricsText();
  EXPECT_EQ(node_->Metrics()[kDurationCount], 1) << node_->MetricsText();
  // The requested change is counted per resource (cpu and memory, requests and limits) ...
  EXPECT_GE(SumOf(node_->Metrics(), "resizelet_container_requested_resizes_total{"), 2)
      << node_->MetricsText();
  // ... and resizelet's own counters agree with the API server's log: nothing written.
  EXPECT_EQ(SumOf(node_->Metrics(), "resizelet_status_patches_total{"), 0);
  EXPECT_EQ(SumOf(node_->Metrics(), "resizelet_events_total{"), 0);

  // The pod cgroup is the kubelet's alone: a value resizelet would "correct" stays as written,
  // across a pod update resizelet reconciles.
  const std::string shares_file =
      absl::StrCat("/sys/fs/cgroup/cpu/kubepods/burstable/pod", *uid, "/cpu.shares");
  const std::string sentinel = std::to_string(Shares(kBigger.cpu_request_milli) + 1);
  std::ofstream(shares_file) << sentinel;
  ASSERT_EQ(BurstableCgroupValue("cpu", *uid, "", "cpu.shares"), sentinel);
  ASSERT_THAT(node_->Kubectl({"annotate", "pod", "web", "e2e/touched=1"}), IsOk());
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(BurstableCgroupValue("cpu", *uid, "", "cpu.shares"), sentinel);
  std::ofstream(shares_file) << Shares(kBigger.cpu_request_milli);

  ExpectNoKubeletWrites();
}

TEST_F(Modes_e2e, NextToKubelet130OnlyObservesWithAWarning) {
  LocalNodeOptions options;
  options.api_version = "v1.30.4";
  options.kubelet_version = "1.30";
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_EQ(node_->Mode(), "observe") << node_->MetricsText();
  bool warned = false;
  for (absl::string_view line : absl::StrSplit(node_->ResizeletLog(), '\n')) {
    if (absl::StartsWith(line, "W") && absl::StrContains(line, "Mode chosen") &&
        absl::StrContains(line, "observe")) {
      warned = true;
    }
  }
  EXPECT_TRUE(warned) << node_->ResizeletLog();
  ASSERT_THAT(node_->ApplyRunningPod(PodJson("web", kSmall)), IsOk());
  ExpectNoKubeletWrites();
}

}  // namespace
}  // namespace resizelet::e2e
