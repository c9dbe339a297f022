// The reconcile engine's ContainerStopper over a RuntimeClient: what the actuator sees when it
// restarts a container for `resizePolicy: RestartContainer`.
#include "agent/reconcile/cri_container_stopper.h"

#include <string>
#include <utility>

#include "cri/cri_errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cri/fake_runtime_client.h"
#include "tests/status_matchers.h"

namespace resizelet::reconcile {
namespace {

using ::resizelet::cri::testing::FakeRuntimeClient;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

FakeRuntimeClient::Container MakeContainer(std::string id) {
  FakeRuntimeClient::Container c;
  c.pod_sandbox_id = "sb";
  c.pod_uid = "uid";
  c.name = "app";
  c.id = std::move(id);
  return c;
}

class CriContainerStopperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_.AddSandbox("sb", "uid");
    runtime_.AddContainer(MakeContainer("c1"));
  }

  FakeRuntimeClient runtime_;
  CriContainerStopper stopper_{&runtime_};
};

TEST_F(CriContainerStopperTest, StopsTheContainerWithTheGrace) {
  ContainerStopper& stopper = stopper_;
  ASSERT_THAT(stopper.StopContainer("c1", absl::Seconds(30)), IsOk());
  EXPECT_EQ(runtime_.ContainerStatus("c1", false)->state, cri::ContainerState::kExited);
  EXPECT_EQ(runtime_.StopTimeout("c1"), absl::Seconds(30));
}

TEST_F(CriContainerStopperTest, NegativeGraceIsNone) {
  ASSERT_THAT(stopper_.StopContainer("c1", absl::Seconds(-5)), IsOk());
  EXPECT_EQ(runtime_.StopTimeout("c1"), absl::ZeroDuration());
}

TEST_F(CriContainerStopperTest, RemovedContainerIsNotFound) {
  runtime_.RemoveContainer("c1");
  absl::Status s = stopper_.StopContainer("c1", absl::Seconds(30));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(cri::IsGone(s));
}

TEST_F(CriContainerStopperTest, RuntimeFailuresPassThroughUnchanged) {
  runtime_.FailNext("StopContainer", absl::UnavailableError("containerd restarting"));
  absl::Status s = stopper_.StopContainer("c1", absl::Seconds(1));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(cri::IsRetryable(s));
  EXPECT_EQ(runtime_.ContainerStatus("c1", false)->state, cri::ContainerState::kRunning);
}

TEST_F(CriContainerStopperTest, EmptyIdIsRejectedWithoutAskingTheRuntime) {
  EXPECT_THAT(stopper_.StopContainer("", absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(runtime_.Count("StopContainer"), 0);
}

}  // namespace
}  // namespace resizelet::reconcile
