#include "agent/daemon/metrics_resize_observer.h"

#include <string>

#include "agent/obs/metrics.h"
#include "agent/obs/resizelet_metrics.h"
#include "gtest/gtest.h"
#include "tests/obs/exposition_parser.h"

namespace resizelet::daemon {
namespace {

using reconcile::ResizeState;

class MetricsResizeObserverTest : public ::testing::Test {
 protected:
  std::map<std::string, double> Samples() {
    absl::StatusOr<obs::testing::Exposition> parsed =
        obs::testing::ParseExposition(registry_.Render());
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? parsed->samples : std::map<std::string, double>{};
  }
  void Move(ResizeState from, ResizeState to) {
    observer_.OnResizeState({"default", "web", "uid-1", 2, from, to});
  }

  obs::MetricRegistry registry_;
  obs::ResizeletMetrics metrics_ = obs::ResizeletMetrics::Register(registry_);
  MetricsResizeObserver observer_{&metrics_};
};

TEST_F(MetricsResizeObserverTest, EveryStateSeriesIsExportedAtZeroFromTheStart) {
  auto s = Samples();
  for (const char* state : {"proposed", "in_progress", "deferred", "infeasible", "error"}) {
    const std::string key = std::string("resizelet_resize_state{state=\"") + state + "\"}";
    ASSERT_TRUE(s.contains(key)) << key;
    EXPECT_EQ(s[key], 0) << key;
  }
  EXPECT_EQ(s["resizelet_pod_pending_resizes{reason=\"deferred\"}"], 0);
  EXPECT_EQ(s["resizelet_pod_in_progress_resizes"], 0);
  EXPECT_TRUE(s.contains("resizelet_container_restarts_total"));
}

TEST_F(MetricsResizeObserverTest, TransitionsMoveTheStateAndPendingGauges) {
  Move(ResizeState::kNone, ResizeState::kProposed);
  Move(ResizeState::kProposed, ResizeState::kDeferred);
  auto s = Samples();
  EXPECT_EQ(s["resizelet_resize_state{state=\"proposed\"}"], 0);
  EXPECT_EQ(s["resizelet_resize_state{state=\"deferred\"}"], 1);
  EXPECT_EQ(s["resizelet_pod_pending_resizes{reason=\"deferred\"}"], 1);
  EXPECT_EQ(s["resizelet_pod_in_progress_resizes"], 0);

  Move(ResizeState::kDeferred, ResizeState::kInProgress);
  Move(ResizeState::kInProgress, ResizeState::kError);  // still in progress, as the condition
  s = Samples();
  EXPECT_EQ(s["resizelet_pod_pending_resizes{reason=\"deferred\"}"], 0);
  EXPECT_EQ(s["resizelet_resize_state{state=\"error\"}"], 1);
  EXPECT_EQ(s["resizelet_pod_in_progress_resizes"], 1);

  Move(ResizeState::kError, ResizeState::kNone);
  s = Samples();
  EXPECT_EQ(s["resizelet_resize_state{state=\"error\"}"], 0);
  EXPECT_EQ(s["resizelet_pod_in_progress_resizes"], 0);
}

TEST_F(MetricsResizeObserverTest, FinishedResizesAreTimedWithTheirOutcome) {
  observer_.OnResizeFinished({"uid-1", 2, absl::Milliseconds(20), "completed"});
  observer_.OnResizeFinished({"uid-2", 3, absl::Seconds(1), "infeasible"});
  auto s = Samples();
  EXPECT_EQ(s["resizelet_pod_resize_duration_seconds_count{success=\"true\"}"], 1);
  EXPECT_EQ(s["resizelet_pod_resize_duration_seconds_bucket{success=\"true\",le=\"0.025\"}"], 1);
  EXPECT_EQ(s["resizelet_pod_resize_duration_seconds_bucket{success=\"true\",le=\"0.01\"}"], 0);
  EXPECT_EQ(s["resizelet_pod_resize_duration_seconds_count{success=\"false\"}"], 1);
}

TEST_F(MetricsResizeObserverTest, CountersByLabel) {
  observer_.OnContainerResizeRequested("memory", "limits", "increase");
  observer_.OnInfeasible("insufficient_node_allocatable");
  observer_.OnDeferredAccepted("pods_removed");
  observer_.OnContainerRestarted("c1");
  observer_.OnEvent("ResizeStarted");
  observer_.OnEvent("ResizeCompleted");
  observer_.OnEvent("ResizeCompleted");
  auto s = Samples();
  EXPECT_EQ(s["resizelet_container_requested_resizes_total{resource=\"memory\",requirement="
              "\"limits\",operation=\"increase\"}"],
            1);
  EXPECT_EQ(
      s["resizelet_pod_infeasible_resizes_total{reason_detail=\"insufficient_node_allocatable\"}"],
      1);
  EXPECT_EQ(s["resizelet_pod_deferred_accepted_resizes_total{retry_trigger=\"pods_removed\"}"], 1);
  EXPECT_EQ(s["resizelet_container_restarts_total"], 1);
  EXPECT_EQ(s["resizelet_events_total{reason=\"ResizeCompleted\"}"], 2);
  EXPECT_EQ(s["resizelet_events_total{reason=\"ResizeStarted\"}"], 1);
}

TEST_F(MetricsResizeObserverTest, KubeRequestsAndStatusPatches) {
  observer_.OnKubeRequest("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn", 200,
                          absl::Milliseconds(3));
  observer_.OnKubeRequest("PATCH", "/api/v1/namespaces/default/pods/web/status", 200,
                          absl::Milliseconds(4));
  observer_.OnKubeRequest("PATCH", "/api/v1/namespaces/default/pods/web/status?fieldManager=x", 409,
                          absl::Milliseconds(4));
  observer_.OnKubeRequest("POST", "/api/v1/namespaces/default/events", 0, absl::Seconds(1));
  auto s = Samples();
  EXPECT_EQ(s["resizelet_kube_request_duration_seconds_count{verb=\"GET\",code=\"200\"}"], 1);
  EXPECT_EQ(s["resizelet_kube_request_duration_seconds_count{verb=\"PATCH\",code=\"200\"}"], 1);
  EXPECT_EQ(s["resizelet_kube_request_duration_seconds_count{verb=\"POST\",code=\"<error>\"}"], 1);
  EXPECT_EQ(s["resizelet_status_patches_total{code=\"200\"}"], 1);
  EXPECT_EQ(s["resizelet_status_patches_total{code=\"409\"}"], 1);
}

TEST_F(MetricsResizeObserverTest, CheckpointCommitsFollowTheStoresCount) {
  observer_.SyncCheckpointCommits(3);
  observer_.SyncCheckpointCommits(3);
  observer_.SyncCheckpointCommits(5);
  EXPECT_EQ(Samples()["resizelet_checkpoint_commits_total"], 5);
}

}  // namespace
}  // namespace resizelet::daemon
