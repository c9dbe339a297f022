#include "cri/cri_errors.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace resizelet::cri {
namespace {

using ::testing::HasSubstr;

// containerd 1.6.20 + runc 1.1.5 on cgroup v1, shrinking a container holding ~20 MiB to 8 MiB.
constexpr char kContainerdMessage[] =
    "failed to update resources: failed to update resources: /usr/bin/runc did not terminate "
    "successfully: exit status 1: unable to set memory limit to 8388608 (current usage: "
    "21159936, peak usage: 21413888)\n: unknown";

TEST(CriErrorsTest, ParsesRuncMemoryBelowUsage) {
  std::optional<MemoryBelowUsage> m = ParseMemoryBelowUsage(kContainerdMessage);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->limit_bytes, 8388608);
  EXPECT_EQ(m->usage_bytes, 21159936);
  EXPECT_EQ(m->peak_bytes, 21413888);
}

TEST(CriErrorsTest, OtherMessagesAreNotMemoryBelowUsage) {
  EXPECT_FALSE(ParseMemoryBelowUsage("container \"abc\" not found").has_value());
  EXPECT_FALSE(ParseMemoryBelowUsage("unable to set memory limit to abc").has_value());
  EXPECT_FALSE(
      ParseMemoryBelowUsage("unable to set memory limit to 5 (current usage: x").has_value());
}

TEST(CriErrorsTest, MemoryBelowUsageBecomesTypedError) {
  const absl::Status s = ClassifyRuntimeError("UpdateContainerResources",
                                              absl::StatusCode::kUnknown, kContainerdMessage);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("UpdateContainerResources: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("current usage: 21159936"));
  std::optional<MemoryBelowUsage> m = GetMemoryBelowUsage(s);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->usage_bytes, 21159936);
  EXPECT_EQ(m->limit_bytes, 8388608);
  EXPECT_FALSE(IsRetryable(s));
  EXPECT_FALSE(IsGone(s));
}

TEST(CriErrorsTest, CodesPassThroughAndClassify) {
  const absl::Status gone =
      ClassifyRuntimeError("ContainerStatus", absl::StatusCode::kNotFound, "not found");
  EXPECT_TRUE(IsGone(gone));
  EXPECT_FALSE(IsRetryable(gone));
  EXPECT_FALSE(GetMemoryBelowUsage(gone).has_value());
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded}) {
    const absl::Status s = ClassifyRuntimeError("Version", code, "x");
    EXPECT_TRUE(IsRetryable(s)) << s;
    EXPECT_FALSE(IsGone(s));
  }
  EXPECT_FALSE(IsRetryable(ClassifyRuntimeError("Version", absl::StatusCode::kInternal, "x")));
  EXPECT_TRUE(ClassifyRuntimeError("Version", absl::StatusCode::kOk, "").ok());
}

TEST(CriErrorsTest, AFailedPreconditionWithoutPayloadIsNotTyped) {
  EXPECT_FALSE(GetMemoryBelowUsage(absl::FailedPreconditionError(kContainerdMessage)).has_value());
}

}  // namespace
}  // namespace resizelet::cri
