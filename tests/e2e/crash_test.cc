// End-to-end, crash and restart (issue 6, host lane, item 5): resizelet is SIGKILLed at each step
// of a resize (the test-only crash points of agent/reconcile/crash_point.h, armed through
// RESIZELET_CRASH_AT), restarted on the same state directory, and must converge: conditions
// cleared, cgroups and ContainerStatus at the target, the resize's events completed; and once
// the container already shows the target, no second UpdateContainerResources reaches the runtime.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_pods.h"
#include "tests/e2e/local_node.h"
#include "tests/status_matchers.h"

namespace resizelet::e2e {
namespace {

using nlohmann::json;
using ::resizelet::testing::IsOk;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr Size kSmall{100, 200, 64, 128};
// CPU only: one UpdateContainerResources for the container (the kubelet updates memory and CPU in
// separate calls), so after_cri_update leaves the container wholly at the target.
constexpr Size kBigger{200, 400, 64, 128};

class CrashRestart_e2e : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override {
    if (node_ != nullptr) {
      const std::string log = node_->ResizeletLog();
      EXPECT_THAT(node_->Teardown(), IsOk()) << log;
    }
  }
  std::unique_ptr<LocalNode> node_;
};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_P(CrashRestart_e2e, RestartedDaemonConvergesWithoutRepeatingTheUpdate) {
  const std::string point = GetParam();
  LocalNodeOptions options;
  options.resizelet_env = {absl::StrCat("RESIZELET_CRASH_AT=", point)};
  absl::StatusOr<std::unique_ptr<LocalNode>> node = LocalNode::Start(options);
  ASSERT_THAT(node, IsOk());  // fails, never skips, without containerd or kubectl
  node_ = *std::move(node);
  ASSERT_EQ(node_->Mode(), "actuate");
  ASSERT_THAT(node_->ResizeletLog(), HasSubstr("Crash point armed"));

  absl::StatusOr<std::string> uid = node_->ApplyRunningPod(PodJson("web", kSmall));
  ASSERT_THAT(uid, IsOk());
  const std::string id = FirstContainerId(node_->Pod("web").value_or(json()));
  const int updates_before = node_->proxy().Count("UpdateContainerResources");

  ASSERT_THAT(node_->PatchResize("web", ResizePatch(kBigger)), IsOk());
  absl::StatusOr<ExitInfo> exit = node_->WaitResizeletExit(30s);
  ASSERT_THAT(exit, IsOk()) << "resizelet did not crash at " << point << "\n"
                            << node_->ResizeletLog();
  EXPECT_TRUE(exit->signaled && exit->signal == SIGKILL)
      << "signaled " << exit->signaled << " signal " << exit->signal << " exit " << exit->exit_code;
  const int updates_at_crash = node_->proxy().Count("UpdateContainerResources");
  const bool container_updated = point == "after_cri_update" || point == "before_status_patch";
  // The crash points sit where the contract says: before or after the container update.
  EXPECT_EQ(updates_at_crash - updates_before, container_updated ? 1 : 0);
  if (container_updated) {
    absl::StatusOr<cri::LinuxResources> r = node_->ContainerResources(id);
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->cpu_quota, Quota(kBigger.cpu_limit_milli));
  }

  ASSERT_THAT(node_->StartResizelet(), IsOk());  // same state directory, nothing armed
  std::string mismatch;
  ASSERT_TRUE(Eventually([&] {
    const json pod = node_->Pod("web").value_or(json());
    mismatch = TargetMismatch(*node_, *uid, id, kBigger);
    return mismatch.empty() && Condition(pod, "PodResizePending").is_null() &&
           Condition(pod, "PodResizeInProgress").is_null();
  })) << point
      << ": " << mismatch << "\n"
      << node_->Pod("web").value_or(json()).dump() << "\n"
      << node_->ResizeletLog();
  // The resize's end is announced, by whichever process got there: no status is lost.
  ASSERT_TRUE(Eventually([&] {
    return Contains(ResizeletEventReasons(*node_, *uid), "ResizeCompleted");
  })) << ::testing::PrintToString(ResizeletEventReasons(*node_, *uid))
      << "\n"
      << node_->ResizeletLog();
  const std::vector<std::string> reasons = ResizeletEventReasons(*node_, *uid);
  EXPECT_EQ(std::count(reasons.begin(), reasons.end(), "ResizeStarted"), 1)
      << ::testing::PrintToString(reasons);
  if (container_updated) {
    // The container already showed the target: the restarted daemon sent it nothing.
    EXPECT_EQ(node_->proxy().Count("UpdateContainerResources"), updates_at_crash);
  } else {
    EXPECT_EQ(node_->proxy().Count("UpdateContainerResources") - updates_before, 1);
  }
  EXPECT_TRUE(node_->ResizeletRunning());
}

INSTANTIATE_TEST_SUITE_P(Points, CrashRestart_e2e,
                         ::testing::Values("after_admission", "after_checkpoint",
                                           "after_pod_cgroup", "after_cri_update",
                                           "before_status_patch"),
                         [](const ::testing::TestParamInfo<std::string>& point) {
                           return point.param;
                         });

}  // namespace
}  // namespace resizelet::e2e
