// The in-memory fake keeps GrpcRuntimeClient's contract, so tests above the CRI can trust it.
#include "tests/cri/fake_runtime_client.h"

#include "cri/cri_errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cri::testing {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

LinuxResources Res(int64_t quota, int64_t shares, int64_t memory) {
  LinuxResources r;
  r.cpu_period = 100000;
  r.cpu_quota = quota;
  r.cpu_shares = shares;
  r.memory_limit_in_bytes = memory;
  return r;
}

FakeRuntimeClient::Container MakeContainer(std::string id) {
  FakeRuntimeClient::Container c;
  c.pod_sandbox_id = "sb";
  c.pod_uid = "uid";
  c.name = "app";
  c.id = std::move(id);
  c.resources = Res(50000, 512, 64 << 20);
  c.memory_usage_bytes = 40 << 20;
  return c;
}

TEST(FakeRuntimeClientTest, KeepsTheRuntimeClientContract) {
  FakeRuntimeClient fake;
  fake.AddSandbox("sb", "uid");
  fake.AddContainer(MakeContainer("c1"));

  EXPECT_EQ(*fake.UpdateContainerResources("c1", Res(60000, 600, 96 << 20)),
            UpdateOutcome::kApplied);
  EXPECT_EQ(*fake.UpdateContainerResources("c1", Res(60000, 600, 96 << 20)),
            UpdateOutcome::kAlreadyCurrent);
  EXPECT_EQ(fake.Count("UpdateContainerResources"), 1);
  EXPECT_EQ(fake.Resources("c1"), Res(60000, 600, 96 << 20));

  absl::StatusOr<UpdateOutcome> below = fake.UpdateContainerResources("c1", Res(0, 0, 16 << 20));
  ASSERT_TRUE(GetMemoryBelowUsage(below.status()).has_value());
  EXPECT_EQ(GetMemoryBelowUsage(below.status())->usage_bytes, 40 << 20);

  EXPECT_TRUE(IsGone(fake.UpdateContainerResources("gone", Res(1, 2, 3)).status()));
  fake.FailNext("UpdateContainerResources", absl::UnavailableError("restarting"));
  EXPECT_TRUE(IsRetryable(fake.UpdateContainerResources("c1", Res(70000, 0, 0)).status()));
  EXPECT_THAT(fake.UpdateContainerResources("c1", Res(70000, 0, 0)), IsOk());

  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(*fake.UpdatePodSandboxResources("sb", {}, Res(1, 2, 3)), UpdateOutcome::kUnsupported);
  }
  EXPECT_EQ(fake.Count("UpdatePodSandboxResources"), 1);

  ContainerFilter filter;
  filter.pod_uid = "uid";
  filter.container_name = "app";
  absl::StatusOr<std::vector<ContainerInfo>> found = fake.ListContainers(filter);
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, "c1");
  EXPECT_THAT(fake.ContainerStatus("gone", false), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FakeRuntimeClientTest, StopContainerKeepsTheContract) {
  FakeRuntimeClient fake;
  fake.AddSandbox("sb", "uid");
  fake.AddContainer(MakeContainer("c1"));

  EXPECT_THAT(fake.StopContainer("c1", absl::Seconds(30)), IsOk());
  EXPECT_EQ(fake.ContainerStatus("c1", false)->state, ContainerState::kExited);
  EXPECT_EQ(fake.StopTimeout("c1"), absl::Seconds(30));
  EXPECT_THAT(fake.StopContainer("c1", absl::Seconds(30)), IsOk());

  fake.RemoveContainer("c1");
  absl::Status gone = fake.StopContainer("c1", absl::Seconds(30));
  EXPECT_THAT(gone, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(IsGone(gone));

  fake.AddContainer(MakeContainer("c2"));
  fake.FailNext("StopContainer", absl::DeadlineExceededError("slow runtime"));
  absl::Status slow = fake.StopContainer("c2", absl::Seconds(1));
  EXPECT_TRUE(IsRetryable(slow));
  EXPECT_EQ(fake.ContainerStatus("c2", false)->state, ContainerState::kRunning);
  EXPECT_EQ(fake.Count("StopContainer"), 4);
}

}  // namespace
}  // namespace resizelet::cri::testing
