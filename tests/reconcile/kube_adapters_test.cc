#include "agent/reconcile/kube_adapters.h"

#include "agent/reconcile/reporter.h"
#include "agent/runtime/clock.h"
#include "gtest/gtest.h"
#include "tests/kube/fake_kube_client.h"

namespace resizelet::reconcile {
namespace {

api::Pod OnePod() {
  api::Pod pod;
  pod.name = std::string("p");
  pod.namespace_name = std::string("default");
  pod.uid = std::string("uid-p");
  pod.generation = 2;
  api::ContainerSpec c;
  c.name = std::string("c1");
  c.resources.requests.cpu = api::Quantity::FromMilli(500);
  pod.containers.push_back(c);
  return pod;
}

TEST(KubeAdaptersTest, FastResizeIsOneStrategicMergeStatusPatchPlusEvents) {
  kube::FakeKubeClient client;
  runtime::SimulatedClock clock;
  kube::PodStatusWriter writer(&client, &clock);
  kube::EventRecorder events(&client, &clock, "node-1");
  KubeResizeStatusSink sink(&writer, &events);
  Reporter reporter(&sink, &clock);
  const api::Pod pod = OnePod();
  reporter.Started(pod);
  reporter.Completed(pod);

  int status_patches = 0;
  int event_posts = 0;
  for (const kube::HttpRequest& r : client.requests()) {
    if (r.method == "PATCH" && r.path == "/api/v1/namespaces/default/pods/p/status") {
      ++status_patches;
      EXPECT_EQ(r.content_type, "application/strategic-merge-patch+json");
      EXPECT_NE(r.body.find("\"uid\":\"uid-p\""), std::string::npos) << r.body;
      EXPECT_NE(r.body.find("PodResizeInProgress"), std::string::npos) << r.body;
    }
    if (r.method == "POST" && r.body.find("ResizeStarted") != std::string::npos) ++event_posts;
    if (r.method == "POST" && r.body.find("ResizeCompleted") != std::string::npos) ++event_posts;
  }
  EXPECT_EQ(status_patches, 1);
  EXPECT_EQ(event_posts, 2);
}

TEST(KubeAdaptersTest, CacheChangesMapToRetryTriggers) {
  kube::PodChange change;
  change.kind = kube::PodChange::Kind::kAdded;
  EXPECT_EQ(PodEventFor(change, nullptr), Reconciler::PodEvent::kAdded);
  change.kind = kube::PodChange::Kind::kDeleted;
  EXPECT_EQ(PodEventFor(change, nullptr), Reconciler::PodEvent::kDeleted);
  change.kind = kube::PodChange::Kind::kUpdated;
  EXPECT_FALSE(PodEventFor(change, nullptr).has_value());
  change.resources_changed = true;
  api::Pod done = OnePod();
  done.phase = api::PodPhase::kSucceeded;
  EXPECT_EQ(PodEventFor(change, &done), Reconciler::PodEvent::kTerminated);
  EXPECT_EQ(PodEventFor(change, nullptr), Reconciler::PodEvent::kUpdated);
}

}  // namespace
}  // namespace resizelet::reconcile
