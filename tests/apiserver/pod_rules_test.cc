#include "tests/apiserver/pod_rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::apiserver {
namespace {

using nlohmann::json;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

json PodWith(const std::string& resources) {
  return json::parse(R"({"spec":{"containers":[{"name":"c","image":"i","resources":)" + resources +
                     "}]}}");
}

TEST(QuantityTest, ParsesSuffixes) {
  EXPECT_EQ(*ParseQuantityMilli("500m"), 500);
  EXPECT_EQ(*ParseQuantityMilli("1"), 1000);
  EXPECT_EQ(*ParseQuantityMilli("1Ki"), 1024000);
  EXPECT_EQ(*ParseQuantityMilli("1e3"), 1000000);
  EXPECT_FALSE(ParseQuantityMilli("abc").has_value());
  EXPECT_FALSE(ParseQuantityMilli("1Qi").has_value());
}

TEST(QosTest, Classes) {
  EXPECT_EQ(QosClassOf(PodWith("{}")), "BestEffort");
  EXPECT_EQ(QosClassOf(PodWith(R"({"requests":{"cpu":"1"}})")), "Burstable");
  EXPECT_EQ(QosClassOf(PodWith(R"({"limits":{"cpu":"1","memory":"1Gi"}})")), "Guaranteed");
  EXPECT_EQ(
      QosClassOf(PodWith(
          R"({"requests":{"cpu":"1000m","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}})")),
      "Guaranteed");
}

TEST(ValidateResizeTest, QosClassMayNotChange) {
  json old_pod = PodWith(R"({"limits":{"cpu":"1","memory":"1Gi"}})");
  json new_pod =
      PodWith(R"({"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}})");
  EXPECT_THAT(ValidateResize(old_pod, new_pod),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Pod QOS Class may not change as a result of resizing")));
  json bigger = PodWith(R"({"limits":{"cpu":"2","memory":"2Gi"}})");
  EXPECT_THAT(ValidateResize(old_pod, bigger), IsOk());
}

TEST(ValidateResizeTest, LimitsMayNotBeRemoved) {
  json old_pod = PodWith(R"({"requests":{"cpu":"1"},"limits":{"cpu":"2"}})");
  json new_pod = PodWith(R"({"requests":{"cpu":"1"}})");
  EXPECT_THAT(
      ValidateResize(old_pod, new_pod),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resource limits cannot be removed")));
}

TEST(ValidateResizeTest, OnlyCpuAndMemory) {
  json old_pod = PodWith(R"({"requests":{"cpu":"1"}})");
  json new_pod = PodWith(R"({"requests":{"cpu":"1","ephemeral-storage":"1Gi"}})");
  EXPECT_THAT(ValidateResize(old_pod, new_pod),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("only cpu and memory resources are mutable")));
}

TEST(ValidatePodUpdateTest, ResourcesImmutableFrom132) {
  json old_pod = PodWith(R"({"requests":{"cpu":"1"}})");
  json new_pod = PodWith(R"({"requests":{"cpu":"2"}})");
  EXPECT_THAT(ValidatePodUpdate(old_pod, new_pod, /*resize_subresource=*/true),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidatePodUpdate(old_pod, new_pod, /*resize_subresource=*/false), IsOk());
}

}  // namespace
}  // namespace resizelet::apiserver
