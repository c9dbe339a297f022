#include "tests/apiserver/json_patch.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::apiserver {
namespace {

using nlohmann::json;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

const json kPod = json::parse(R"({
  "metadata": {"name": "p", "uid": "u1"},
  "spec": {"containers": [
    {"name": "a", "image": "x", "resources": {"requests": {"cpu": "100m"}}},
    {"name": "b", "image": "y"}]},
  "status": {"conditions": [
    {"type": "Ready", "status": "True"},
    {"type": "PodScheduled", "status": "True"}]}
})");

TEST(StrategicMergePatchTest, MergesConditionsByTypeKeepingOthers) {
  auto out = StrategicMergePatch(kPod, json::parse(R"({"status":{"conditions":[
        {"type":"PodResizePending","status":"True","reason":"Deferred"}]}})"));
  ASSERT_THAT(out, IsOk());
  const json& conditions = (*out)["status"]["conditions"];
  ASSERT_EQ(conditions.size(), 3u);
  EXPECT_EQ(conditions[0]["type"], "Ready");
  EXPECT_EQ(conditions[2]["reason"], "Deferred");
}

TEST(StrategicMergePatchTest, DeleteDirectiveRemovesOneCondition) {
  auto out = StrategicMergePatch(
      kPod, json::parse(R"({"status":{"conditions":[{"type":"Ready","$patch":"delete"}]}})"));
  ASSERT_THAT(out, IsOk());
  ASSERT_EQ((*out)["status"]["conditions"].size(), 1u);
  EXPECT_EQ((*out)["status"]["conditions"][0]["type"], "PodScheduled");
}

TEST(StrategicMergePatchTest, MergesContainersByName) {
  auto out = StrategicMergePatch(kPod, json::parse(R"({"spec":{"containers":[
        {"name":"b","resources":{"limits":{"memory":"1Gi"}}}]}})"));
  ASSERT_THAT(out, IsOk());
  const json& containers = (*out)["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["resources"]["requests"]["cpu"], "100m");
  EXPECT_EQ(containers[1]["image"], "y");
  EXPECT_EQ(containers[1]["resources"]["limits"]["memory"], "1Gi");
}

TEST(StrategicMergePatchTest, UnknownPatchDirectiveIsRejected) {
  EXPECT_THAT(StrategicMergePatch(kPod, json::parse(R"({"status":{"$patch":"bogus"}})")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      StrategicMergePatch(
          kPod, json::parse(R"({"status":{"conditions":[{"type":"Ready","$patch":"x"}]}})")),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MergePatchTest, ReplacesListsWholesale) {
  json out =
      MergePatch(kPod, json::parse(R"({"status":{"conditions":[{"type":"X","status":"True"}]}})"));
  ASSERT_EQ(out["status"]["conditions"].size(), 1u);
  EXPECT_EQ(out["status"]["conditions"][0]["type"], "X");
}

TEST(MergePatchTest, NullDeletes) {
  json out = MergePatch(kPod, json::parse(R"({"metadata":{"uid":null}})"));
  EXPECT_FALSE(out["metadata"].contains("uid"));
  EXPECT_EQ(out["metadata"]["name"], "p");
}

}  // namespace
}  // namespace resizelet::apiserver
