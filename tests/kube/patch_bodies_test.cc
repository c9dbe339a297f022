#include "agent/kube/patch_bodies.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace resizelet::kube {
namespace {

using nlohmann::json;

const PodRef kPod{"default", "web", "uid-1"};

TEST(ResizeConditionsPatchTest, SetsOneDeletesTheOtherWithUidPrecondition) {
  ResizeConditions c;
  c.pending = ConditionValue{"Deferred", "Node didn't have enough resource: cpu"};
  json patch = json::parse(ResizeConditionsPatch(kPod, c, {}, "2026-11-28T12:00:00Z"));
  EXPECT_EQ(patch["metadata"]["uid"], "uid-1");
  const json& conditions = patch["status"]["conditions"];
  ASSERT_EQ(conditions.size(), 2u);
  EXPECT_EQ(conditions[0]["type"], "PodResizePending");
  EXPECT_EQ(conditions[0]["status"], "True");
  EXPECT_EQ(conditions[0]["reason"], "Deferred");
  EXPECT_EQ(conditions[0]["lastTransitionTime"], "2026-11-28T12:00:00Z");
  EXPECT_FALSE(conditions[0].contains("observedGeneration"));
  EXPECT_EQ(conditions[1], json::parse(R"({"type":"PodResizeInProgress","$patch":"delete"})"));
}

TEST(ResizeConditionsPatchTest, KeepsTransitionTimeWhileStillTrue) {
  ResizeConditions c;
  c.in_progress = ConditionValue{};
  c.observed_generation = 3;
  api::PodCondition existing;
  existing.type = "PodResizeInProgress";
  existing.status = "True";
  existing.last_transition_time = "2026-01-01T00:00:00Z";
  json patch = json::parse(ResizeConditionsPatch(kPod, c, {existing}, "2026-11-28T12:00:00Z"));
  const json& ip = patch["status"]["conditions"][1];
  EXPECT_EQ(ip["lastTransitionTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(ip["observedGeneration"], 3);
  EXPECT_FALSE(ip.contains("reason"));
}

TEST(LegacyResizePatchTest, SetsAndClears) {
  EXPECT_EQ(json::parse(LegacyResizePatch(kPod, "Deferred"))["status"]["resize"], "Deferred");
  EXPECT_TRUE(json::parse(LegacyResizePatch(kPod, ""))["status"]["resize"].is_null());
}

TEST(EventBodyTest, CarriesInvolvedObjectSourceAndCount) {
  EventFields e;
  e.name = "web.1";
  e.pod = kPod;
  e.type = "Normal";
  e.reason = "ResizeStarted";
  e.message = "quote \" and newline \n";
  e.component = "resizelet";
  e.host = "node-a";
  e.first_timestamp = e.last_timestamp = "2026-11-28T12:00:00Z";
  json body = json::parse(EventBody(e));
  EXPECT_EQ(body["involvedObject"]["uid"], "uid-1");
  EXPECT_EQ(body["involvedObject"]["kind"], "Pod");
  EXPECT_EQ(body["source"]["component"], "resizelet");
  EXPECT_EQ(body["source"]["host"], "node-a");
  EXPECT_EQ(body["message"], "quote \" and newline \n");
  EXPECT_EQ(body["count"], 1);
  EXPECT_EQ(json::parse(EventRepeatPatch(3, "t"))["count"], 3);
}

TEST(UrlEncodeTest, EncodesSelectorCharacters) {
  EXPECT_EQ(UrlEncode("spec.nodeName=n-1,x"), "spec.nodeName%3Dn-1%2Cx");
}

}  // namespace
}  // namespace resizelet::kube
