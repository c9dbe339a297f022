// The stand-in's status bodies: what a kubelet of each version writes and when it thinks the API's
// copy of its status needs fixing.
#include "tests/standin/status_body.h"

#include "gtest/gtest.h"

namespace resizelet::standin {
namespace {

using nlohmann::json;

PodView RunningView() {
  PodView view;
  view.uid = "u1";
  view.qos = api::QosClass::kBurstable;
  view.start_time = "2026-11-28T12:00:00Z";
  view.ready_since = view.start_time;
  ContainerView c;
  c.name = "c1";
  c.container_id = "abc";
  c.running = true;
  view.containers.push_back(c);
  return view;
}

api::Pod ServerPodMatching() {
  api::Pod pod;
  pod.uid = "u1";
  api::ContainerStatus s;
  s.name = "c1";
  s.container_id = "containerd://abc";
  s.state = api::ContainerStateKind::kRunning;
  pod.container_statuses.push_back(s);
  return pod;
}

TEST(StatusBodyTest, PatchCarriesUidOwnConditionsAndContainerStatuses) {
  const json patch = PodStatusPatch(RunningView(), /*clear_resize=*/false);
  EXPECT_EQ(patch["metadata"]["uid"], "u1");
  EXPECT_EQ(patch["status"]["phase"], "Running");
  EXPECT_EQ(patch["status"]["qosClass"], "Burstable");
  EXPECT_EQ(patch["status"]["containerStatuses"][0]["containerID"], "containerd://abc");
  EXPECT_TRUE(patch["status"]["containerStatuses"][0]["state"].contains("running"));
  EXPECT_FALSE(patch["status"]["containerStatuses"][0].contains("allocatedResources"));
  std::vector<std::string> types;
  for (const json& c : patch["status"]["conditions"]) types.push_back(c["type"]);
  EXPECT_EQ(types,
            (std::vector<std::string>{"PodScheduled", "Initialized", "ContainersReady", "Ready"}));
  EXPECT_FALSE(patch["status"].contains("resize"));
  const json clearing = PodStatusPatch(RunningView(), /*clear_resize=*/true);
  ASSERT_TRUE(clearing["status"].contains("resize"));
  EXPECT_TRUE(clearing["status"]["resize"].is_null());
}

TEST(StatusBodyTest, MatchingStatusDoesNotDiffer) {
  EXPECT_FALSE(OwnedStatusDiffers(ServerPodMatching(), RunningView(), /*owns_resize=*/true));
}

TEST(StatusBodyTest, LegacyResizeDiffersOnlyForKubeletsThatOwnIt) {
  api::Pod pod = ServerPodMatching();
  pod.resize = "InProgress";
  EXPECT_TRUE(OwnedStatusDiffers(pod, RunningView(), /*owns_resize=*/true));
  EXPECT_FALSE(OwnedStatusDiffers(pod, RunningView(), /*owns_resize=*/false));
}

TEST(StatusBodyTest, AllocatedResourcesWrittenBySomeoneElseDiffer) {
  api::Pod pod = ServerPodMatching();
  pod.container_statuses[0].allocated_resources = api::ResourceList{};
  EXPECT_TRUE(OwnedStatusDiffers(pod, RunningView(), /*owns_resize=*/true));
}

TEST(StatusBodyTest, ReadyConditionFollowsContainers) {
  PodView view = RunningView();
  view.containers[0].running = false;
  view.containers[0].terminated = true;
  const json patch = PodStatusPatch(view, false);
  EXPECT_EQ(patch["status"]["phase"], "Pending");
  for (const json& c : patch["status"]["conditions"]) {
    if (c["type"] == "Ready") {
      EXPECT_EQ(c["status"], "False");
    }
  }
  EXPECT_TRUE(OwnedStatusDiffers(ServerPodMatching(), view, true));
}

TEST(StatusBodyTest, NodeReportsVersionAndResources) {
  NodeView node;
  node.name = "n1";
  node.kubelet_version = "v1.33.0";
  node.capacity_cpu_milli = 2000;
  node.capacity_memory_bytes = int64_t{4} << 30;
  node.allocatable_cpu_milli = 1500;
  node.allocatable_memory_bytes = int64_t{3} << 30;
  const json doc = NodeObject(node);
  EXPECT_EQ(doc["metadata"]["name"], "n1");
  EXPECT_EQ(doc["status"]["nodeInfo"]["kubeletVersion"], "v1.33.0");
  EXPECT_EQ(doc["status"]["capacity"]["cpu"], "2");
  EXPECT_EQ(doc["status"]["allocatable"]["cpu"], "1500m");
  EXPECT_EQ(doc["status"]["allocatable"]["memory"], "3Gi");
}

}  // namespace
}  // namespace resizelet::standin
