// The writers against a scripted client: exact requests, and how 404 / 409 surface.
#include <string>

#include "agent/kube/event_recorder.h"
#include "agent/kube/status_writer.h"
#include "agent/runtime/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/kube/fake_kube_client.h"
#include "tests/status_matchers.h"

namespace resizelet::kube {
namespace {

using nlohmann::json;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

const PodRef kPod{"team-a", "web", "uid-1"};

TEST(PodStatusWriterTest, SendsAStrategicMergePatchToTheStatusSubresource) {
  FakeKubeClient client;
  runtime::SimulatedClock clock;
  PodStatusWriter writer(&client, &clock);
  ResizeConditions c;
  c.pending = ConditionValue{"Infeasible", "Node didn't have enough capacity: cpu"};
  ASSERT_THAT(writer.PatchResizeConditions(kPod, c, {}), IsOk());
  auto requests = client.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "PATCH");
  EXPECT_EQ(requests[0].path, "/api/v1/namespaces/team-a/pods/web/status");
  EXPECT_EQ(requests[0].content_type, "application/strategic-merge-patch+json");
  json body = json::parse(requests[0].body);
  EXPECT_EQ(body["metadata"]["uid"], "uid-1");
  EXPECT_EQ(body["status"]["conditions"][0]["reason"], "Infeasible");
}

TEST(PodStatusWriterTest, GoneAndRecreatedPodsSurfaceAsNotFoundAndAborted) {
  FakeKubeClient client;
  runtime::SimulatedClock clock;
  PodStatusWriter writer(&client, &clock);
  client.set_handler([](const HttpRequest&) {
    return HttpResponse{409, R"({"kind":"Status","code":409,"reason":"Conflict",
        "message":"Precondition failed: UID in precondition: uid-1, UID in object meta: uid-2"})"};
  });
  EXPECT_THAT(writer.PatchLegacyResize(kPod, "Deferred"),
              StatusIs(absl::StatusCode::kAborted, ::testing::HasSubstr("Precondition failed")));
  client.set_handler([](const HttpRequest&) { return HttpResponse{404, "{}"}; });
  EXPECT_THAT(writer.PatchLegacyResize(kPod, ""), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(client.requests().size(), 2u);  // no retries onto a new pod
}

TEST(EventRecorderTest, UsesTheEventBucketAndRecreatesAnExpiredEvent) {
  FakeKubeClient client;
  runtime::SimulatedClock clock;
  EventRecorder recorder(&client, &clock, "node-a");
  ASSERT_THAT(recorder.Record(kPod, kEventNormal, "ResizeCompleted", "done"), IsOk());
  client.set_handler([](const HttpRequest& r) {
    return r.method == "PATCH" ? HttpResponse{404, "{}"} : HttpResponse{201, "{}"};
  });
  ASSERT_THAT(recorder.Record(kPod, kEventNormal, "ResizeCompleted", "done"), IsOk());
  auto requests = client.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/api/v1/namespaces/team-a/events");
  EXPECT_EQ(requests[1].method, "PATCH");
  EXPECT_EQ(json::parse(requests[1].body)["count"], 2);
  EXPECT_EQ(requests[2].method, "POST");
  for (const auto& r : requests) EXPECT_EQ(r.request_class, RequestClass::kEvent);
  EXPECT_NE(json::parse(requests[0].body)["metadata"]["name"],
            json::parse(requests[2].body)["metadata"]["name"]);
}

}  // namespace
}  // namespace resizelet::kube
