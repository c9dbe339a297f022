#include "agent/reconcile/reconciler.h"

#include "agent/reconcile/allocation_convert.h"
#include "agent/reconcile/crash_point.h"
#include "agent/reconcile/reconcile_workers.h"
#include "gtest/gtest.h"
#include "tests/reconcile/reconcile_fixture.h"
#include "tests/status_matchers.h"

namespace resizelet::reconcile::testing {
namespace {

using ::resizelet::testing::IsOk;

constexpr int64_t kMi = 1024 * 1024;

api::Pod PodNamed(const std::string& name, const std::string& uid,
                  std::vector<api::ContainerSpec> containers) {
  api::Pod pod = MakePod(std::move(containers));
  pod.name = name;
  pod.uid = uid;
  return pod;
}

TEST(ReconcilerTest, GrowRunsStepsInOrderAndReportsOnce) {
  NodeFixture n;
  const api::Pod& p = n.AddRunningPod(PodNamed(
      "p", "uid-p",
      {Container("c1",
                 {.cpu_req = "500m", .cpu_lim = "1", .mem_req = "256Mi", .mem_lim = "512Mi"})}));
  ASSERT_THAT(n.reconciler->Reconcile(p.uid), IsOk());  // steady state: nothing to do
  EXPECT_TRUE(n.trace.empty());
  EXPECT_TRUE(n.sink.patches.empty());

  const api::Pod resized =
      n.Resize(p.uid, {{.cpu_req = "1", .cpu_lim = "2", .mem_req = "512Mi", .mem_lim = "1Gi"}});
  ASSERT_THAT(n.reconciler->Reconcile(p.uid), IsOk());

  // facts.md §5: memory first (pod limit up, then the container), then CPU (pod limit up, the
  // container, pod request up).
  EXPECT_EQ(n.trace, (std::vector<std::string>{
                         "pod memory.max=1073741824",
                         "update p-c1 memory=1073741824",
                         "pod cpu.max=200000",
                         "update p-c1 shares=1024 quota=200000",
                         "pod cpu.shares=1024",
                     }));
  EXPECT_EQ(n.runtime_client.Resources("p-c1").memory_limit_in_bytes, 1024 * kMi);
  // One patch (the final state: both conditions removed), events started then completed.
  ASSERT_EQ(n.sink.patches.size(), 1u);
  EXPECT_FALSE(n.sink.patches[0].conditions.pending.has_value());
  EXPECT_FALSE(n.sink.patches[0].conditions.in_progress.has_value());
  EXPECT_EQ(n.sink.EventReasons(), (std::vector<std::string>{"ResizeStarted", "ResizeCompleted"}));
  EXPECT_EQ(
      n.sink.events[0].message,
      R"(Pod resize started: {"containers":[{"name":"c1","resources":{"limits":{"cpu":"2","memory":"1Gi"},"requests":{"cpu":"1","memory":"512Mi"}}}],"generation":2})");
  // Checkpoint: allocated and actuated at the new generation.
  std::optional<state::PodAllocation> entry = n.store.Get(p.uid);
  ASSERT_TRUE(entry && entry->allocated && entry->actuated);
  EXPECT_EQ(entry->allocated->generation, 2);
  EXPECT_EQ(entry->actuated->generation, 2);
  EXPECT_EQ(entry->actuated->containers[0].values.memory_limit_bytes, 1024 * kMi);

  // Level-triggered: another pass changes nothing.
  const int updates = n.Updates();
  ASSERT_THAT(n.reconciler->Reconcile(p.uid), IsOk());
  EXPECT_EQ(n.Updates(), updates);
  EXPECT_EQ(n.sink.patches.size(), 1u);
  EXPECT_EQ(n.sink.events.size(), 2u);
  (void)resized;
}

class NearlyFullNode : public ::testing::Test {
 protected:
  void SetUp() override {
    n.node.allocatable.cpu = Q("2");
    n.reconciler->SetNode(n.node);
    n.AddRunningPod(PodNamed("a", "uid-a", {Container("c1", {.cpu_req = "1"})}));
    n.AddRunningPod(PodNamed("b", "uid-b", {Container("c1", {.cpu_req = "500m"})}));
    n.Resize("uid-b", {{.cpu_req = "1500m"}});
    ASSERT_THAT(n.reconciler->Reconcile("uid-b"), IsOk());
  }
  NodeFixture n;
};

TEST_F(NearlyFullNode, DeferredWithTheKubeletsMessage) {
  ASSERT_EQ(n.sink.patches.size(), 1u);
  ASSERT_TRUE(n.sink.patches[0].conditions.pending.has_value());
  EXPECT_EQ(n.sink.patches[0].conditions.pending->reason, "Deferred");
  EXPECT_EQ(n.sink.patches[0].conditions.pending->message,
            "Node didn't have enough resource: cpu, requested: 1500, used: 1000, capacity: 2000");
  EXPECT_EQ(n.sink.EventReasons(), std::vector<std::string>{"ResizeDeferred"});
  EXPECT_EQ(n.Updates(), 0);
  EXPECT_EQ(n.reconciler->PendingOrder(), std::vector<std::string>{"uid-b"});
  // The allocation did not move: the other pods still count with the old one.
  EXPECT_EQ(n.store.Get("uid-b")->allocated->containers[0].values.cpu_request_milli, 500);
}

TEST_F(NearlyFullNode, AdmittedWhenAnotherPodIsDeleted) {
  n.pods.Erase("uid-a");
  n.reconciler->OnPodEvent(Reconciler::PodEvent::kDeleted, "uid-a");
  n.Drain();
  EXPECT_EQ(n.runtime_client.Resources("b-c1").cpu_shares, 1536);
  EXPECT_TRUE(n.reconciler->PendingOrder().empty());
  EXPECT_EQ(n.reconciler->AcceptedByTrigger(),
            (std::map<std::string, uint64_t>{{"pods_removed", 1}}));
  // The Deferred condition is removed by the final patch.
  EXPECT_FALSE(n.sink.patches.back().conditions.pending.has_value());
  EXPECT_EQ(n.sink.EventReasons(),
            (std::vector<std::string>{"ResizeDeferred", "ResizeStarted", "ResizeCompleted"}));
}

TEST_F(NearlyFullNode, AdmittedOnThePeriodicRetry) {
  const absl::Time start = n.clock.Now();
  EXPECT_EQ(n.reconciler->NextPeriodicRetry(), start + absl::Seconds(30));
  // Capacity appears without any pod event (the node grew): only the timer can notice.
  n.node.allocatable.cpu = Q("3");
  n.reconciler->SetNode(n.node);
  n.clock.Advance(absl::Seconds(29));
  EXPECT_EQ(n.queue->Len(), 0u);
  n.clock.Advance(absl::Seconds(1));
  ASSERT_EQ(n.queue->Len(), 1u);
  n.Drain();
  EXPECT_EQ(n.runtime_client.Resources("b-c1").cpu_shares, 1536);
  EXPECT_EQ(n.reconciler->AcceptedByTrigger(),
            (std::map<std::string, uint64_t>{{"periodic_retry", 1}}));
}

TEST_F(NearlyFullNode, TimerIsThreeMinutesAfterEachRetryPass) {
  n.clock.Advance(absl::Seconds(30));  // first periodic retry: still Deferred
  n.Drain();
  EXPECT_EQ(n.reconciler->NextPeriodicRetry(), n.clock.Now() + absl::Minutes(3));
  n.clock.Advance(absl::Minutes(1));
  n.reconciler->OnPodEvent(Reconciler::PodEvent::kAdded, "uid-a");  // a retry pass resets it
  EXPECT_EQ(n.reconciler->NextPeriodicRetry(), n.clock.Now() + absl::Minutes(3));
  n.Drain();
  EXPECT_EQ(n.Updates(), 0);
  EXPECT_EQ(n.sink.events.size(), 1u);  // still Deferred, same message: no new event
}

TEST(ReconcilerTest, InfeasibleWithExactMessageWaitsForSpecChange) {
  NodeFixture n;
  n.node.allocatable.cpu = Q("2");
  n.reconciler->SetNode(n.node);
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m"})}));
  n.Resize("uid-p", {{.cpu_req = "3"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  ASSERT_EQ(n.sink.patches.size(), 1u);
  ASSERT_TRUE(n.sink.patches[0].conditions.pending.has_value());
  EXPECT_EQ(n.sink.patches[0].conditions.pending->reason, "Infeasible");
  EXPECT_EQ(n.sink.patches[0].conditions.pending->message,
            "Node didn't have enough capacity: cpu, requested: 3000, capacity: 2000");
  EXPECT_EQ(n.sink.EventReasons(), std::vector<std::string>{"ResizeInfeasible"});
  EXPECT_TRUE(n.reconciler->PendingOrder().empty());  // not retried

  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.sink.patches.size(), 1u);

  n.Resize("uid-p", {{.cpu_req = "1"}});  // the next spec change is admitted
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.runtime_client.Resources("p-c1").cpu_shares, 1024);
  EXPECT_FALSE(n.sink.patches.back().conditions.pending.has_value());
}

TEST(ReconcilerTest, MemoryShrinkBelowUsageIsAnErrorWithoutACriCall) {
  NodeFixture n;
  n.AddRunningPod(
      PodNamed("p", "uid-p", {Container("c1", {.mem_req = "256Mi", .mem_lim = "512Mi"})}),
      /*memory_usage=*/300 * kMi);
  n.Resize("uid-p", {{.mem_req = "128Mi", .mem_lim = "256Mi"}});
  const absl::Status s = n.reconciler->Reconcile("uid-p");
  EXPECT_FALSE(s.ok());
  const std::string message =
      "attempting to set container \"c1\" memory limit (268435456) below "
      "current usage (314572800)";
  EXPECT_EQ(s.message(), message);
  EXPECT_EQ(n.Updates(), 0);
  EXPECT_EQ(n.runtime_client.Resources("p-c1").memory_limit_in_bytes, 512 * kMi);
  for (const std::string& t : n.trace) EXPECT_EQ(t.find("memory.max"), std::string::npos) << t;
  ASSERT_FALSE(n.sink.patches.empty());
  ASSERT_TRUE(n.sink.patches.back().conditions.in_progress.has_value());
  EXPECT_EQ(n.sink.patches.back().conditions.in_progress->reason, "Error");
  EXPECT_EQ(n.sink.patches.back().conditions.in_progress->message, message);
  EXPECT_EQ(n.sink.EventReasons().back(), "ResizeError");

  // Reverting the spec ends the resize and clears the condition.
  n.Resize("uid-p", {{.mem_req = "256Mi", .mem_lim = "512Mi"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_FALSE(n.sink.patches.back().conditions.in_progress.has_value());
  EXPECT_EQ(n.Updates(), 0);
}

TEST(ReconcilerTest, RetriesOfAFailingResizeKeepTheErrorWithoutNewEventsOrPatches) {
  NodeFixture n;
  const api::Pod pod = n.AddRunningPod(
      PodNamed("p", "uid-p", {Container("c1", {.mem_req = "256Mi", .mem_lim = "512Mi"})}),
      /*memory_usage=*/300 * kMi);
  n.Resize("uid-p", {{.mem_req = "128Mi", .mem_lim = "256Mi"}});
  EXPECT_FALSE(n.reconciler->Reconcile("uid-p").ok());
  const std::vector<std::string> events = n.sink.EventReasons();
  const size_t patches = n.sink.patches.size();
  ASSERT_EQ(events, (std::vector<std::string>{"ResizeStarted", "ResizeError"}));
  // The backoff retries fail the same way: still Error, nothing announced again (the kubelet
  // emits ResizeStarted once per admitted resize and ResizeError once per new error).
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(n.reconciler->Reconcile("uid-p").ok());
  EXPECT_EQ(n.sink.EventReasons(), events);
  EXPECT_EQ(n.sink.patches.size(), patches);
  EXPECT_EQ(n.sink.patches.back().conditions.in_progress->reason, "Error");
  EXPECT_EQ(n.Updates(), 0);

  // Once the usage falls, the next retry completes it.
  for (const std::string& path :
       {PodPath(pod), absl::StrCat(PodPath(pod), "/", NodeFixture::ContainerId(pod, "c1"))}) {
    absl::StatusOr<cgroups::CgroupState> state = n.fake_driver.Read(path);
    ASSERT_THAT(state, IsOk());
    state->memory_current_bytes = 100 * kMi;
    n.fake_driver.Set(path, *state);
  }
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_FALSE(n.sink.patches.back().conditions.in_progress.has_value());
  EXPECT_EQ(n.sink.EventReasons().back(), "ResizeCompleted");
}

TEST(ReconcilerTest, RuntimeRefusalBelowUsageGetsTheKubeletsMessage) {
  NodeFixture n;
  n.AddRunningPod(
      PodNamed("p", "uid-p", {Container("c1", {.mem_req = "256Mi", .mem_lim = "512Mi"})}));
  // The usage check found nothing to refuse (its read raced the workload), and the cgroup v1
  // runtime refused the write itself.
  cri::LinuxResources held = n.runtime_client.Resources("p-c1");
  n.runtime_client.RemoveContainer("p-c1");
  cri::testing::FakeRuntimeClient::Container c;
  c.id = "p-c1";
  c.pod_sandbox_id = "sb-p";
  c.pod_uid = "uid-p";
  c.name = "c1";
  c.resources = held;
  c.memory_usage_bytes = 300 * kMi;
  n.runtime_client.AddContainer(c);
  n.Resize("uid-p", {{.mem_req = "128Mi", .mem_lim = "256Mi"}});
  const absl::Status s = n.reconciler->Reconcile("uid-p");
  EXPECT_EQ(s.message(),
            "attempting to set container \"c1\" memory limit (268435456) below current usage "
            "(314572800)");
  EXPECT_EQ(n.runtime_client.Resources("p-c1").memory_limit_in_bytes, 512 * kMi);
}

TEST(ReconcilerTest, FailedDecreaseSkipsTheIncreasesOfThatResource) {
  NodeFixture n;
  n.AddRunningPod(PodNamed("p", "uid-p",
                           {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"}),
                            Container("c2", {.cpu_req = "500m", .cpu_lim = "1"})}));
  n.Resize("uid-p",
           {{.cpu_req = "250m", .cpu_lim = "500m"}, {.cpu_req = "750m", .cpu_lim = "1500m"}});
  n.runtime_client.FailNext("UpdateContainerResources", absl::UnknownError("runc update failed"));
  const absl::Status s = n.reconciler->Reconcile("uid-p");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("runc update failed"), std::string::npos) << s;
  // c1's decrease was tried (and failed); c2's increase and the pod's cpu steps were skipped.
  EXPECT_EQ(n.runtime_client.Resources("p-c2").cpu_quota, 100000);
  EXPECT_EQ(n.Updates(), 1);
  EXPECT_TRUE(n.trace.empty());
  EXPECT_EQ(n.sink.patches.back().conditions.in_progress->reason, "Error");

  // The retry converges.
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.runtime_client.Resources("p-c1").cpu_quota, 50000);
  EXPECT_EQ(n.runtime_client.Resources("p-c2").cpu_quota, 150000);
  EXPECT_FALSE(n.sink.patches.back().conditions.in_progress.has_value());
  EXPECT_EQ(n.sink.EventReasons().back(), "ResizeCompleted");
}

TEST(ReconcilerTest, RestartContainerPolicyStopsTheContainer) {
  NodeFixture n;
  api::Pod pod =
      PodNamed("p", "uid-p", {Container("c1", {.mem_req = "256Mi", .mem_lim = "512Mi"})});
  pod.containers[0].memory_resize_policy = api::ResizeRestartPolicy::kRestartContainer;
  n.AddRunningPod(pod);
  n.Resize("uid-p", {{.mem_req = "512Mi", .mem_lim = "1Gi"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.stopper.stopped, std::vector<std::string>{"p-c1"});
  EXPECT_EQ(n.Updates(), 0);
}

TEST_F(NearlyFullNode, RetriedAfterAnotherResizeCompletesInTheKubeletsOrder) {
  api::Pod c = PodNamed("c", "uid-c", {Container("c1", {.cpu_req = "100m"})});
  c.priority = 1000;
  n.AddRunningPod(c);
  n.clock.Advance(absl::Seconds(1));
  n.Resize("uid-c", {{.cpu_req = "1200m"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-c"), IsOk());
  // Higher priority first, although it has waited less (sortPendingResizes).
  EXPECT_EQ(n.reconciler->PendingOrder(), (std::vector<std::string>{"uid-c", "uid-b"}));

  // Pod a shrinks: admitted at once (a decrease), and its completion retries the others.
  n.Resize("uid-a", {{.cpu_req = "100m"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-a"), IsOk());
  ASSERT_EQ(n.queue->Len(), 2u);
  n.Drain();
  // c (first in order) fits next to a (100m) and b (500m); b then no longer fits.
  EXPECT_EQ(n.runtime_client.Resources("c-c1").cpu_shares, 1228);
  EXPECT_EQ(n.runtime_client.Resources("b-c1").cpu_shares, 512);
  EXPECT_EQ(n.reconciler->PendingOrder(), std::vector<std::string>{"uid-b"});
  EXPECT_EQ(n.reconciler->AcceptedByTrigger(),
            (std::map<std::string, uint64_t>{{"resize_completed", 1}}));
}

TEST(ReconcilerTest, TerminatedContainerIsAcceptedAndTheRunningOneResized) {
  NodeFixture n;
  n.AddRunningPod(PodNamed("p", "uid-p",
                           {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"}),
                            Container("c2", {.cpu_req = "500m", .cpu_lim = "1"})}));
  n.runtime_client.RemoveContainer("p-c2");
  cri::testing::FakeRuntimeClient::Container exited;
  exited.id = "p-c2";
  exited.pod_sandbox_id = "sb-p";
  exited.pod_uid = "uid-p";
  exited.name = "c2";
  exited.state = cri::ContainerState::kExited;
  n.runtime_client.AddContainer(exited);
  n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}, {.cpu_req = "1", .cpu_lim = "2"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.runtime_client.Resources("p-c1").cpu_quota, 200000);
  EXPECT_EQ(n.Updates(), 1);  // the exited container takes its size when it starts again
  EXPECT_EQ(*n.fake_driver.Read(PodPath(*n.pods.Get("uid-p")))->cpu_shares, 2048u);
  EXPECT_EQ(n.sink.EventReasons().back(), "ResizeCompleted");
}

// A crash (SIGKILL) at each crash point of a resize (crash_point.h; crash_point_test.cc checks
// that the daemon really dies there), then a restart with only what survives: the checkpoint, the
// runtime, the cgroups, the API objects and the events already sent.
class CrashRestartTest : public ::testing::TestWithParam<CrashPoint> {};

TEST_P(CrashRestartTest, ConvergesWithoutASecondCriUpdateAndReportsOnce) {
  const CrashPoint point = GetParam();
  NodeFixture n;
  n.AddRunningPod(
      PodNamed("p", "uid-p", {Container("c1", {.mem_req = "256Mi", .mem_lim = "512Mi"})}));
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());  // steady state recorded
  const api::Pod desired = n.Resize("uid-p", {{.mem_req = "512Mi", .mem_lim = "1Gi"}});
  const std::string path = PodPath(desired);
  // Replay the resize by hand up to the crash point.
  if (point != CrashPoint::kAfterAdmission) {
    ASSERT_THAT(n.store.SetAllocated("uid-p", ToAllocated(desired)), IsOk());
    n.sink.events.push_back({"Normal", "ResizeStarted", "sent before the crash"});
  }
  if (point == CrashPoint::kAfterPodCgroup || point == CrashPoint::kAfterCriUpdate ||
      point == CrashPoint::kBeforeStatusPatch) {
    cgroups::CgroupValues v;
    v.memory_max_bytes = 1024 * kMi;
    ASSERT_THAT(n.fake_driver.Apply(path, v, {}), IsOk());
  }
  if (point == CrashPoint::kAfterCriUpdate || point == CrashPoint::kBeforeStatusPatch) {
    cri::LinuxResources r;
    r.memory_limit_in_bytes = 1024 * kMi;
    ASSERT_TRUE(n.runtime_client.UpdateContainerResources("p-c1", r).ok());
  }
  // A fast resize: its InProgress patch had not gone out either, so the pod shows nothing;
  // the checkpoint alone (allocated ahead of actuated) says that its end is still to report.
  n.Restart();
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.Updates(), 1);  // never a second update for the same target
  EXPECT_EQ(n.runtime_client.Resources("p-c1").memory_limit_in_bytes, 1024 * kMi);
  EXPECT_EQ(*n.fake_driver.Read(path)->memory_max_bytes, 1024 * kMi);
  std::optional<state::PodAllocation> entry = n.store.Get("uid-p");
  ASSERT_TRUE(entry && entry->actuated);
  EXPECT_EQ(entry->actuated->generation, desired.generation);
  // No status is lost: one patch removing both conditions; each event exactly once.
  ASSERT_EQ(n.sink.patches.size(), 1u);
  EXPECT_FALSE(n.sink.patches[0].conditions.in_progress.has_value());
  EXPECT_FALSE(n.sink.patches[0].conditions.pending.has_value());
  EXPECT_EQ(n.sink.EventReasons(), (std::vector<std::string>{"ResizeStarted", "ResizeCompleted"}));
  // And a further restart does nothing at all.
  n.Restart();
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.Updates(), 1);
  EXPECT_EQ(n.sink.patches.size(), 1u);
  EXPECT_EQ(n.sink.events.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(EachStep, CrashRestartTest,
                         ::testing::Values(CrashPoint::kAfterAdmission,
                                           CrashPoint::kAfterCheckpoint,
                                           CrashPoint::kAfterPodCgroup, CrashPoint::kAfterCriUpdate,
                                           CrashPoint::kBeforeStatusPatch),
                         [](const ::testing::TestParamInfo<CrashPoint>& param) {
                           return std::string(CrashPointName(param.param));
                         });

// Records what the reconciler tells its observer, as "from>to" per transition.
class RecordingObserver : public ResizeObserver {
 public:
  void OnResizeState(const ResizeTransition& t) override {
    transitions.push_back(absl::StrCat(ResizeStateName(t.from), ">", ResizeStateName(t.to)));
    EXPECT_EQ(t.name, "p");
  }
  void OnResizeFinished(const ObservedResize& r) override { finished.push_back(r); }
  void OnContainerResizeRequested(std::string_view resource, std::string_view requirement,
                                  std::string_view operation) override {
    requested.push_back(absl::StrCat(std::string(resource), "/", std::string(requirement), "/",
                                     std::string(operation)));
  }
  void OnInfeasible(std::string_view reason) override { infeasible.push_back(std::string(reason)); }
  void OnDeferredAccepted(std::string_view trigger) override {
    accepted.push_back(std::string(trigger));
  }
  void OnContainerRestarted(std::string_view name) override {
    restarted.push_back(std::string(name));
  }
  void OnEvent(std::string_view reason) override { events.push_back(std::string(reason)); }
  void OnReconcileFailed(std::string_view, const absl::Status& status) override {
    failures.push_back(status);
  }

  std::vector<std::string> transitions;
  std::vector<ObservedResize> finished;
  std::vector<std::string> requested;
  std::vector<std::string> infeasible;
  std::vector<std::string> accepted;
  std::vector<std::string> restarted;
  std::vector<std::string> events;
  std::vector<absl::Status> failures;
};

TEST(ReconcilerObserverTest, AnAdmittedResizeGoesProposedInProgressDone) {
  NodeFixture n;
  RecordingObserver observer;
  n.observer = &observer;
  n.Restart();
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"})}));
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_TRUE(observer.transitions.empty());  // no resize, no state
  n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}});
  n.clock.Advance(absl::Milliseconds(1));
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(observer.transitions, (std::vector<std::string>{"none>proposed", "proposed>in_progress",
                                                            "in_progress>none"}));
  EXPECT_EQ(observer.requested,
            (std::vector<std::string>{"cpu/requests/increase", "cpu/limits/increase"}));
  ASSERT_EQ(observer.finished.size(), 1u);
  EXPECT_EQ(observer.finished[0].outcome, "completed");
  EXPECT_EQ(observer.finished[0].generation, 2);
  EXPECT_EQ(observer.events, (std::vector<std::string>{"ResizeStarted", "ResizeCompleted"}));
  EXPECT_EQ(n.reconciler->State("uid-p"), ResizeState::kNone);
}

TEST(ReconcilerObserverTest, InfeasibleThenDeferredThenAcceptedOnPodRemoval) {
  NodeFixture n;
  RecordingObserver observer;
  n.observer = &observer;
  n.node.allocatable.cpu = Q("2");
  n.Restart();
  n.AddRunningPod(PodNamed("a", "uid-a", {Container("c1", {.cpu_req = "1"})}));
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m"})}));
  n.Resize("uid-p", {{.cpu_req = "3"}});  // beyond the node
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.reconciler->State("uid-p"), ResizeState::kInfeasible);
  EXPECT_EQ(observer.infeasible, (std::vector<std::string>{"insufficient_node_allocatable"}));
  ASSERT_EQ(observer.finished.size(), 1u);
  EXPECT_EQ(observer.finished[0].outcome, "infeasible");

  n.Resize("uid-p", {{.cpu_req = "1500m"}});  // fits the node, not beside pod a
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.reconciler->State("uid-p"), ResizeState::kDeferred);
  n.pods.Erase("uid-a");
  n.reconciler->OnPodEvent(Reconciler::PodEvent::kDeleted, "uid-a");
  n.Drain();
  EXPECT_EQ(observer.accepted, (std::vector<std::string>{"pods_removed"}));
  EXPECT_EQ(observer.transitions,
            (std::vector<std::string>{"none>proposed", "proposed>infeasible", "infeasible>deferred",
                                      "deferred>in_progress", "in_progress>none"}));
}

TEST(ReconcilerObserverTest, CompanionModeReportsTheKubeletsStatesAndTheEnd) {
  NodeFixture n(Mode::kCompanion);
  RecordingObserver observer;
  n.observer = &observer;
  n.Restart();
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"})}));
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  api::Pod pod = n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}});
  api::PodCondition in_progress;
  in_progress.type = "PodResizeInProgress";
  in_progress.status = "True";
  pod.resize_conditions.push_back(in_progress);
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  n.clock.Advance(absl::Milliseconds(700));
  pod.resize_conditions.clear();
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(observer.transitions,
            (std::vector<std::string>{"none>in_progress", "in_progress>none"}));
  EXPECT_EQ(observer.requested,
            (std::vector<std::string>{"cpu/requests/increase", "cpu/limits/increase"}));
  ASSERT_EQ(observer.finished.size(), 1u);
  EXPECT_EQ(observer.finished[0].duration, absl::Milliseconds(700));
  EXPECT_EQ(observer.finished[0].outcome, "completed");
}

TEST(ReconcilerObserverTest, CompanionModeWaitsForTheKubeletToReactBeforeCallingItDone) {
  NodeFixture n(Mode::kCompanion);
  RecordingObserver observer;
  n.observer = &observer;
  n.Restart();
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"})}));
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  // The spec changed; the kubelet shows nothing yet (no condition, no reported resources).
  api::Pod pod = n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.reconciler->State("uid-p"), ResizeState::kProposed);
  EXPECT_TRUE(observer.finished.empty());
  api::PodCondition in_progress;
  in_progress.type = "PodResizeInProgress";
  in_progress.status = "True";
  pod.resize_conditions.push_back(in_progress);
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  n.clock.Advance(absl::Milliseconds(40));
  pod.resize_conditions.clear();
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(observer.transitions, (std::vector<std::string>{"none>proposed", "proposed>in_progress",
                                                            "in_progress>none"}));
  ASSERT_EQ(observer.finished.size(), 1u);
  EXPECT_EQ(observer.finished[0].outcome, "completed");
  EXPECT_EQ(observer.finished[0].duration, absl::Milliseconds(40));
}

TEST(ReconcilerObserverTest, CompanionModeTimesAResizeWhoseSpecChangeRacedTheFirstSight) {
  NodeFixture n(Mode::kCompanion);
  RecordingObserver observer;
  n.observer = &observer;
  n.Restart();
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"})}));
  // First seen already resized, before the kubelet shows anything.
  api::Pod pod = n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}});
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_TRUE(observer.transitions.empty());
  api::PodCondition in_progress;
  in_progress.type = "PodResizeInProgress";
  in_progress.status = "True";
  pod.resize_conditions.push_back(in_progress);
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  n.clock.Advance(absl::Milliseconds(300));
  pod.resize_conditions.clear();
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(observer.transitions,
            (std::vector<std::string>{"none>in_progress", "in_progress>none"}));
  ASSERT_EQ(observer.finished.size(), 1u);
  EXPECT_EQ(observer.finished[0].duration, absl::Milliseconds(300));
}

TEST(ReconcilerTest, LostCheckpointTakesAllocatedFromTheNodeAndAdmitsAgain) {
  NodeFixture n;
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"})}));
  n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}});
  // No checkpoint entry at all: what the runtime holds (500m / 1) is allocated, the spec differs.
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  EXPECT_EQ(n.runtime_client.Resources("p-c1").cpu_quota, 200000);
  EXPECT_EQ(n.sink.EventReasons().front(), "ResizeStarted");
}

TEST(ReconcilerTest, WorkersDrainTheQueue) {
  NodeFixture n;
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"})}));
  n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}});
  ReconcileWorkers workers(n.reconciler.get(), n.queue.get(), 2);
  n.reconciler->OnPodEvent(Reconciler::PodEvent::kResized, "uid-p");
  workers.Stop();
  EXPECT_EQ(n.runtime_client.Resources("p-c1").cpu_quota, 200000);
  EXPECT_EQ(n.sink.EventReasons().back(), "ResizeCompleted");
}

TEST(ReconcilerTest, CompanionModeWritesNothingAndTimesTheKubeletsResize) {
  NodeFixture n(Mode::kCompanion);
  n.AddRunningPod(PodNamed("p", "uid-p", {Container("c1", {.cpu_req = "500m", .cpu_lim = "1"})}));
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  api::Pod pod = n.Resize("uid-p", {{.cpu_req = "1", .cpu_lim = "2"}});
  api::PodCondition in_progress;
  in_progress.type = "PodResizeInProgress";
  in_progress.status = "True";
  pod.resize_conditions.push_back(in_progress);
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());
  n.clock.Advance(absl::Milliseconds(1500));
  pod.resize_conditions.clear();  // the kubelet finished
  n.pods.Put(pod);
  ASSERT_THAT(n.reconciler->Reconcile("uid-p"), IsOk());

  EXPECT_TRUE(n.sink.patches.empty());
  EXPECT_TRUE(n.sink.events.empty());
  EXPECT_TRUE(n.trace.empty());
  EXPECT_EQ(n.Updates(), 0);
  EXPECT_TRUE(n.store.List().empty());
  EXPECT_TRUE(n.fake_driver.calls().empty());
  const std::vector<ObservedResize> seen = n.reconciler->Observed();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].outcome, "completed");
  EXPECT_EQ(seen[0].duration, absl::Milliseconds(1500));
}

}  // namespace
}  // namespace resizelet::reconcile::testing
