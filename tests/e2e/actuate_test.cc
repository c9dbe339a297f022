// End-to-end, actuate mode (issue 6, host lane, items 1-4): the real resizelet next to the
// stand-in as kubelet 1.32 (which resizes nothing itself), driven through kubectl as a user would.
// Each test checks what a user would: the pod's conditions and events in the API, the cgroup v1
// files on the host, ContainerStatus.resources from the runtime, and who sent which request.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr char kResizelet[] = "resizelet/";
constexpr char kKubelet[] = "kubelet/";
constexpr Size kSmall{100, 200, 64, 128};
constexpr Size kBigger{200, 400, 96, 192};

class Actuate_e2e : public ::testing::Test {
 protected:
  void Start(LocalNodeOptions options = {}) {
    absl::StatusOr<std::unique_ptr<LocalNode>> node = LocalNode::Start(std::move(options));
    ASSERT_THAT(node, IsOk());  // fails, never skips, without containerd or kubectl
    node_ = *std::move(node);
    ASSERT_EQ(node_->Mode(), "actuate") << node_->MetricsText();
  }

  void TearDown() override {
    if (node_ != nullptr) {
      const std::string log = node_->ResizeletLog();
      EXPECT_THAT(node_->Teardown(), IsOk()) << log;
    }
  }

  // Applies `name` at `size` and waits for it to run; returns its UID.
  std::string RunPod(const std::string& name, const Size& size) {
    absl::StatusOr<std::string> uid = node_->ApplyRunningPod(PodJson(name, size));
    EXPECT_THAT(uid, IsOk());
    return uid.value_or("");
  }

  json PodNow(const std::string& name) { return node_->Pod(name).value_or(json()); }

  std::unique_ptr<LocalNode> node_;
};

bool NoResizeConditions(const json& pod) {
  return Condition(pod, "PodResizePending").is_null() &&
         Condition(pod, "PodResizeInProgress").is_null();
}

// Item 1: CPU and memory up on a Burstable pod.
TEST_F(Actuate_e2e, ResizeUpReachesCgroupsAndRuntimeWithOnePatchAndKeepsKubeletConditions) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string uid = RunPod("web", kSmall);
  ASSERT_FALSE(uid.empty());
  const std::string id = FirstContainerId(PodNow("web"));
  ASSERT_EQ(TargetMismatch(*node_, uid, id, kSmall), "");
  const int updates_before = node_->proxy().Count("UpdateContainerResources");

  ASSERT_THAT(node_->PatchResize("web", ResizePatch(kBigger)), IsOk());
  bool saw_in_progress = false;
  std::string mismatch;
  ASSERT_TRUE(Eventually([&] {
    const json pod = PodNow("web");
    saw_in_progress = saw_in_progress || !Condition(pod, "PodResizeInProgress").is_null();
    mismatch = TargetMismatch(*node_, uid, id, kBigger);
    const std::vector<std::string> reasons = ResizeletEventReasons(*node_, uid);
    // The end of the resize is reported by a status patch, also when nothing was shown before.
    return mismatch.empty() && NoResizeConditions(pod) &&
           std::find(reasons.begin(), reasons.end(), "ResizeCompleted") != reasons.end() &&
           node_->StatusPatches("web", kResizelet) >= 1;
  })) << mismatch
      << "\n"
      << PodNow("web").dump() << "\n"
      << node_->ResizeletLog();

  // The one container was updated once per changed resource at most (the kubelet's
  // doPodResizeAction updates memory, then CPU).
  const int updates = node_->proxy().Count("UpdateContainerResources") - updates_before;
  EXPECT_GE(updates, 1);
  EXPECT_LE(updates, 2);
  // Events: started, then completed, in the kubelet's message form with canonical quantities.
  EXPECT_THAT(ResizeletEventReasons(*node_, uid), ElementsAre("ResizeStarted", "ResizeCompleted"));
  for (const json& e : node_->EventsFor(uid)) {
    const std::string reason = e.value("reason", "");
    if (reason != "ResizeStarted" && reason != "ResizeCompleted") continue;
    EXPECT_EQ(e.value("type", ""), "Normal");
    const std::string prefix =
        reason == "ResizeStarted" ? "Pod resize started: " : "Pod resize completed: ";
    const std::string message = e.value("message", "");
    ASSERT_TRUE(absl::StartsWith(message, prefix)) << message;
    const json summary = json::parse(message.substr(prefix.size()), nullptr, false);
    ASSERT_FALSE(summary.is_discarded()) << message;
    EXPECT_EQ(summary["generation"], 2) << message;
    ASSERT_EQ(summary["containers"].size(), 1u) << message;
    EXPECT_EQ(summary["containers"][0]["name"], "c1");
    EXPECT_EQ(summary["containers"][0]["resources"], ResourcesJson(kBigger)) << message;
  }

  // The status patches resizelet sent: one for a fast resize (only the final state), at most two
  // otherwise (InProgress, then its removal).
  std::vector<std::string> bodies;
  for (const apiserver::RequestRecord& r : node_->server().RequestLog()) {
    if (r.method == "PATCH" && absl::EndsWith(r.path, "/pods/web/status") &&
        absl::StartsWith(r.user_agent, kResizelet)) {
      bodies.push_back(r.body);
    }
  }
  ASSERT_GE(bodies.size(), 1u) << node_->RequestLogText();
  ASSERT_LE(bodies.size(), 2u) << ::testing::PrintToString(bodies);
  if (bodies.size() == 2) {
    EXPECT_THAT(bodies[0], HasSubstr("PodResizeInProgress"));
  }
  if (saw_in_progress) {
    EXPECT_EQ(bodies.size(), 2u);
  }

  // Across two of the stand-in's status syncs, its own conditions stay True and ours stay gone.
  std::this_thread::sleep_for(2 *
                              std::chrono::milliseconds(node_->options().status_sync_period_ms));
  const json pod = PodNow("web");
  EXPECT_EQ(Condition(pod, "Ready").value("status", ""), "True") << pod.dump();
  EXPECT_EQ(Condition(pod, "ContainersReady").value("status", ""), "True") << pod.dump();
  EXPECT_TRUE(NoResizeConditions(pod)) << pod.dump();
  EXPECT_EQ(TargetMismatch(*node_, uid, id, kBigger), "");

  // Deleting the resized pod (graceful: the API server marks it, bumping its generation, and the
  // kubelet removes it) is not taken for another resize.
  const int patches_before_delete = node_->StatusPatches("web", kResizelet);
  ASSERT_THAT(node_->Kubectl({"delete", "pod", "web", "--timeout=30s"}), IsOk());
  EXPECT_FALSE(node_->Pod("web").has_value());
  EXPECT_THAT(ResizeletEventReasons(*node_, uid), ElementsAre("ResizeStarted", "ResizeCompleted"));
  EXPECT_EQ(node_->StatusPatches("web", kResizelet), patches_before_delete);
}

// Item 2: a resize beyond the node's allocatable is Infeasible, with the kubelet's message, and
// nothing reaches the runtime.
TEST_F(Actuate_e2e, ResizeBeyondAllocatableIsInfeasibleAndSendsNoUpdate) {
  LocalNodeOptions options;
  options.allocatable_cpu_milli = 4000;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  const std::string uid = RunPod("web", kSmall);
  ASSERT_FALSE(uid.empty());
  const std::string id = FirstContainerId(PodNow("web"));
  const int updates_before = node_->proxy().Count("UpdateContainerResources");

  ASSERT_THAT(node_->PatchResize("web", ResizePatch({8000, 8000, 64, 128})), IsOk());
  json pending;
  ASSERT_TRUE(Eventually([&] {
    pending = Condition(PodNow("web"), "PodResizePending");
    return !pending.is_null();
  })) << node_->ResizeletLog();
  EXPECT_EQ(pending.value("status", ""), "True");
  EXPECT_EQ(pending.value("reason", ""), "Infeasible");
  EXPECT_EQ(pending.value("message", ""),
            "Node didn't have enough capacity: cpu, requested: 8000, capacity: 4000");
  EXPECT_TRUE(Condition(PodNow("web"), "PodResizeInProgress").is_null());
  // Give the runtime side a moment to receive anything it would have received.
  ASSERT_TRUE(Eventually([&] {
    const std::vector<std::string> r = ResizeletEventReasons(*node_, uid);
    return std::find(r.begin(), r.end(), "ResizeInfeasible") != r.end();
  }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(node_->proxy().Count("UpdateContainerResources"), updates_before);
  EXPECT_EQ(TargetMismatch(*node_, uid, id, kSmall), "");
}

// Item 3: a node nearly full defers the resize; deleting another pod admits it at once (not at
// the 30 s periodic retry).
TEST_F(Actuate_e2e, DeferredResizeIsAdmittedPromptlyWhenAnotherPodIsDeleted) {
  LocalNodeOptions options;
  options.allocatable_cpu_milli = 1000;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_FALSE(RunPod("filler", {600, 600, 32, 64}).empty());
  const std::string uid = RunPod("web", kSmall);
  ASSERT_FALSE(uid.empty());
  const std::string id = FirstContainerId(PodNow("web"));

  const Size target{500, 600, 64, 128};
  ASSERT_THAT(node_->PatchResize("web", ResizePatch(target)), IsOk());
  json pending;
  ASSERT_TRUE(Eventually([&] {
    pending = Condition(PodNow("web"), "PodResizePending");
    return !pending.is_null();
  })) << node_->ResizeletLog();
  EXPECT_EQ(pending.value("reason", ""), "Deferred");
  EXPECT_EQ(pending.value("message", ""),
            "Node didn't have enough resource: cpu, requested: 500, used: 600, capacity: 1000");
  EXPECT_EQ(TargetMismatch(*node_, uid, id, kSmall), "");

  // kubectl delete waits until the pod is gone (the stand-in's final delete).
  ASSERT_THAT(node_->Kubectl({"delete", "pod", "filler", "--timeout=30s"}), IsOk());
  const auto deleted_at = std::chrono::steady_clock::now();
  std::string mismatch;
  ASSERT_TRUE(Eventually(
      [&] {
        mismatch = TargetMismatch(*node_, uid, id, target);
        return mismatch.empty() && NoResizeConditions(PodNow("web"));
      },
      10s))
      << mismatch << "\n"
      << PodNow("web").dump() << "\n"
      << node_->ResizeletLog();
  const auto took = std::chrono::steady_clock::now() - deleted_at;
  EXPECT_LT(took, 10s);
  const std::vector<std::string> reasons = ResizeletEventReasons(*node_, uid);
  EXPECT_THAT(reasons, ElementsAre("ResizeDeferred", "ResizeStarted", "ResizeCompleted"));
  // The retry that admitted it is counted under the removal that freed the room (the kubelet's
  // TriggerReasonPodsRemoved), not the timer.
  const std::map<std::string, double> metrics = node_->Metrics();
  auto value = [&](const std::string& series) {
    auto it = metrics.find(series);
    return it == metrics.end() ? 0.0 : it->second;
  };
  EXPECT_EQ(value(R"(resizelet_pod_deferred_accepted_resizes_total{retry_trigger="pods_removed"})"),
            1)
      << node_->MetricsText();
  EXPECT_EQ(
      value(R"(resizelet_pod_deferred_accepted_resizes_total{retry_trigger="periodic_retry"})"), 0);
  EXPECT_EQ(value(R"(resizelet_pod_pending_resizes{reason="deferred"})"), 0);
}

// Item 4a: the stand-in (as 1.32) reconciles the pod status every second and erases status
// fields it owns; the two resize conditions written by resizelet are not its own and survive.
TEST_F(Actuate_e2e, ResizeConditionsSurviveTheKubeletStatusReconcile) {
  LocalNodeOptions options;
  options.allocatable_cpu_milli = 1000;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_FALSE(RunPod("filler", {600, 600, 32, 64}).empty());
  ASSERT_FALSE(RunPod("web", kSmall).empty());
  ASSERT_THAT(node_->PatchResize("web", ResizePatch({500, 600, 64, 128})), IsOk());
  json deferred;
  ASSERT_TRUE(Eventually([&] {
    deferred = Condition(PodNow("web"), "PodResizePending");
    return !deferred.is_null();
  }));
  // Three times: a value of status.resize the stand-in did not write (as the 1.32 API server
  // sets on resize) makes its next sync send a status patch; the condition must outlive each.
  for (int round = 0; round < 3; ++round) {
    const int kubelet_patches = node_->StatusPatches("web", kKubelet);
    ASSERT_THAT(node_->server().store().Update("pods", "default/web",
                                               [](const json& current) -> absl::StatusOr<json> {
                                                 json next = current;
                                                 next["status"]["resize"] = "Proposed";
                                                 return next;
                                               }),
                IsOk());
    ASSERT_TRUE(Eventually([&] {
      return node_->StatusPatches("web", kKubelet) > kubelet_patches &&
             !PodNow("web")["status"].contains("resize");
    })) << "round "
        << round << ": the stand-in did not reconcile\n"
        << PodNow("web").dump();
    const json now = Condition(PodNow("web"), "PodResizePending");
    EXPECT_EQ(now.value("reason", ""), "Deferred") << "round " << round;
    EXPECT_EQ(now.value("message", ""), deferred.value("message", "")) << "round " << round;
  }
  EXPECT_EQ(Condition(PodNow("web"), "Ready").value("status", ""), "True");
}

// Item 4b: with --legacy-resize-status resizelet also writes status.resize; the stand-in (1.32)
// erases it at its next sync, and resizelet does not write it back in a loop.
TEST_F(Actuate_e2e, LegacyResizeFieldIsErasedByTheKubeletAndNotFoughtFor) {
  LocalNodeOptions options;
  options.allocatable_cpu_milli = 1000;
  options.legacy_resize_status = true;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  ASSERT_FALSE(RunPod("filler", {600, 600, 32, 64}).empty());
  ASSERT_FALSE(RunPod("web", kSmall).empty());
  ASSERT_THAT(node_->PatchResize("web", ResizePatch({500, 600, 64, 128})), IsOk());

  // resizelet writes "Deferred" into the legacy field ...
  auto wrote_legacy = [&] {
    for (const apiserver::RequestRecord& r : node_->server().RequestLog()) {
      if (r.method == "PATCH" && absl::EndsWith(r.path, "/pods/web/status") &&
          absl::StartsWith(r.user_agent, kResizelet) &&
          absl::StrContains(r.body, R"("resize":"Deferred")")) {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(Eventually(wrote_legacy)) << node_->ResizeletLog();
  // ... which the stand-in erases at a later sync.
  ASSERT_TRUE(Eventually([&] {
    for (const apiserver::RequestRecord& r : node_->server().RequestLog()) {
      if (r.method == "PATCH" && absl::EndsWith(r.path, "/pods/web/status") &&
          absl::StartsWith(r.user_agent, kKubelet) &&
          absl::StrContains(r.body, R"("resize":null)")) {
        return true;
      }
    }
    return false;
  })) << PodNow("web").dump();
  // Over five more stand-in syncs, resizelet's status patches for this resize stay bounded.
  std::this_thread::sleep_for(5 * std::chrono::milliseconds(options.status_sync_period_ms));
  EXPECT_LE(node_->StatusPatches("web", kResizelet), 2) << node_->ResizeletLog();
  // The conditions are resizelet's report and stay.
  EXPECT_EQ(Condition(PodNow("web"), "PodResizePending").value("reason", ""), "Deferred");
}

// Issue 6, admission: a resize of pod-level resources (KEP-5419) on this cgroup v1 host is
// Infeasible with resizelet's own message (agent/resize/admission.h); nothing reaches the runtime
// and the pod cgroup keeps its values.
TEST_F(Actuate_e2e, PodLevelResizeOnCgroupV1IsInfeasibleAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  // Pod-level requests and limits (KEP-2837); the container has requests only, no limits.
  const json pod_level = {{"requests", {{"cpu", "200m"}, {"memory", "128Mi"}}},
                          {"limits", {{"cpu", "400m"}, {"memory", "256Mi"}}}};
  json pod = PodJson("pl", kSmall);
  pod["spec"]["resources"] = pod_level;
  pod["spec"]["containers"][0]["resources"] = {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}};
  absl::StatusOr<std::string> applied = node_->ApplyRunningPod(pod);
  ASSERT_THAT(applied, IsOk());
  const std::string uid = *applied;
  const json running = PodNow("pl");
  ASSERT_EQ(running["spec"]["resources"], pod_level) << running.dump();
  ASSERT_EQ(running["status"].value("qosClass", ""), "Burstable") << running.dump();
  const std::string id = FirstContainerId(running);
  ASSERT_FALSE(id.empty()) << running.dump();
  struct CgroupFile {
    const char* controller;
    const char* file;
  };
  const CgroupFile files[] = {
      {"cpu", "cpu.cfs_quota_us"}, {"cpu", "cpu.shares"}, {"memory", "memory.limit_in_bytes"}};
  auto cgroup_values = [&] {
    std::vector<std::string> values;
    for (const CgroupFile& f : files) {
      values.push_back(BurstableCgroupValue(f.controller, uid, "", f.file));
      values.push_back(BurstableCgroupValue(f.controller, uid, id, f.file));
    }
    return values;
  };
  const std::vector<std::string> before = cgroup_values();
  for (const std::string& v : before) ASSERT_FALSE(v.empty()) << "unreadable pod cgroup file";
  const int updates_before = node_->proxy().Count("UpdateContainerResources");
  const int sandbox_updates_before = node_->proxy().Count("UpdatePodSandboxResources");

  ASSERT_THAT(
      node_->PatchResize("pl", {{"spec",
                                 {{"resources",
                                   {{"requests", {{"cpu", "300m"}, {"memory", "128Mi"}}},
                                    {"limits", {{"cpu", "800m"}, {"memory", "512Mi"}}}}}}}}),
      IsOk());
  ASSERT_EQ(PodNow("pl")["spec"]["resources"]["limits"]["cpu"], "800m") << PodNow("pl").dump();
  json pending;
  ASSERT_TRUE(Eventually([&] {
    pending = Condition(PodNow("pl"), "PodResizePending");
    return !pending.is_null();
  })) << PodNow("pl").dump()
      << "\n"
      << node_->ResizeletLog();
  EXPECT_EQ(pending.value("status", ""), "True");
  EXPECT_EQ(pending.value("reason", ""), "Infeasible");
  EXPECT_EQ(pending.value("message", ""),
            "In-place resize of pod-level resources is not supported on cgroup v1");
  EXPECT_TRUE(Condition(PodNow("pl"), "PodResizeInProgress").is_null());
  ASSERT_TRUE(Eventually([&] {
    const std::vector<std::string> r = ResizeletEventReasons(*node_, uid);
    return std::find(r.begin(), r.end(), "ResizeInfeasible") != r.end();
  })) << node_->ResizeletLog();
  EXPECT_THAT(ResizeletEventReasons(*node_, uid), ElementsAre("ResizeInfeasible"));
  // Give the runtime side a moment to receive anything it would have received.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(node_->proxy().Count("UpdateContainerResources"), updates_before);
  EXPECT_EQ(node_->proxy().Count("UpdatePodSandboxResources"), sandbox_updates_before);
  EXPECT_EQ(cgroup_values(), before);
  // Counted under its own label.
  const std::map<std::string, double> metrics = node_->Metrics();
  const auto it = metrics.find(
      R"(resizelet_pod_infeasible_resizes_total{reason_detail="pod_level_resources_cgroup_v1"})");
  ASSERT_NE(it, metrics.end()) << node_->MetricsText();
  EXPECT_EQ(it->second, 1);
}

}  // namespace
}  // namespace resizelet::e2e
