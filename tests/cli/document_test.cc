#include "agent/cli/document.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cli {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DocumentTest, JsonPassesThrough) { EXPECT_EQ(*ToJson("  {\"a\": 1}"), "  {\"a\": 1}"); }

TEST(DocumentTest, YamlScalarsFollowTheCoreSchema) {
  auto json = ToJson(
      "a: 1\nb: \"1\"\nc: 500m\nd: true\ne: ~\nf: [x, 2.5]\ng: {h: .5}\ni: 'q'\nj: 5.\nk: -1e3\n");
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(*json,
            "{\"a\":1,\"b\":\"1\",\"c\":\"500m\",\"d\":true,\"e\":null,\"f\":[\"x\",2.5],"
            "\"g\":{\"h\":0.5},\"i\":\"q\",\"j\":5.0,\"k\":-1e3}");
}

TEST(DocumentTest, EscapesStrings) {
  auto json = ToJson("a: \"x\\\"y\\n\"\n");
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(*json, "{\"a\":\"x\\\"y\\n\"}");
}

TEST(DocumentTest, BadYamlSaysWhere) {
  EXPECT_THAT(ToJson("a: [1, 2\nb: 3\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid YAML at line")));
  EXPECT_THAT(ToJson("- 1\n- 2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a JSON or YAML object")));
}

TEST(DocumentTest, DeepNestingIsRefused) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  EXPECT_THAT(ToJson("a: " + deep + "\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested too deeply")));
}

TEST(DocumentTest, MissingFileNamesIt) {
  EXPECT_THAT(ReadFileBounded("/nonexistent/pod.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/pod.yaml")));
}

}  // namespace
}  // namespace resizelet::cli
