// GrpcRuntimeClient against an in-process fake runtime served over a real gRPC UNIX socket.
#include "cri/grpc_runtime_client.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cri/cri_errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cri/fake_runtime.h"
#include "tests/status_matchers.h"

namespace resizelet::cri {
namespace {

using ::resizelet::cri::testing::FakeContainer;
using ::resizelet::cri::testing::FakeRuntime;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

namespace v1 = ::runtime::v1;

class RecordingObserver : public CallObserver {
 public:
  struct Call {
    std::string method;
    absl::StatusCode code;
    absl::Duration duration;
  };
  void OnRuntimeCall(std::string_view method, absl::StatusCode code,
                     absl::Duration duration) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back({std::string(method), code, duration});
  }
  std::vector<Call> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Call> calls_;
};

LinuxResources Res(int64_t quota, int64_t shares, int64_t memory) {
  LinuxResources r;
  r.cpu_period = 100000;
  r.cpu_quota = quota;
  r.cpu_shares = shares;
  r.memory_limit_in_bytes = memory;
  return r;
}

FakeContainer Container(const std::string& id, const std::string& sandbox, const std::string& uid,
                        const std::string& name) {
  FakeContainer c;
  c.id = id;
  c.sandbox_id = sandbox;
  c.name = name;
  c.labels = {{"io.kubernetes.pod.uid", uid}, {"io.kubernetes.container.name", name}};
  c.resources = Res(50000, 512, 64 << 20);
  return c;
}

ContainerFilter ByPod(const std::string& uid, const std::string& name) {
  ContainerFilter f;
  f.pod_uid = uid;
  f.container_name = name;
  return f;
}

PodSandboxFilter ReadySandboxOf(const std::string& uid) {
  PodSandboxFilter f;
  f.pod_uid = uid;
  f.state = SandboxState::kReady;
  return f;
}

class GrpcRuntimeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/resizelet-fakecri-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    ASSERT_THAT(fake_.Start(dir_ + "/cri.sock"), IsOk());
    fake_.AddSandbox("sb-a", "uid-a", "pod-a");
    fake_.AddSandbox("sb-b", "uid-b", "pod-b");
    fake_.AddContainer(Container("c-a-app", "sb-a", "uid-a", "app"));
    fake_.AddContainer(Container("c-a-side", "sb-a", "uid-a", "sidecar"));
    fake_.AddContainer(Container("c-b-app", "sb-b", "uid-b", "app"));
  }
  void TearDown() override {
    fake_.Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<GrpcRuntimeClient> NewClient(GrpcRuntimeClientOptions options = {}) {
    options.endpoint = fake_.endpoint();
    options.observer = &observer_;
    absl::StatusOr<std::unique_ptr<GrpcRuntimeClient>> client =
        GrpcRuntimeClient::Create(std::move(options));
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::string dir_;
  FakeRuntime fake_;
  RecordingObserver observer_;
};

TEST_F(GrpcRuntimeClientTest, RejectsBadOptions) {
  EXPECT_THAT(GrpcRuntimeClient::Create({}), StatusIs(absl::StatusCode::kInvalidArgument));
  GrpcRuntimeClientOptions options;
  options.endpoint = "unix:///x.sock";
  options.max_calls_in_flight = 0;
  EXPECT_THAT(GrpcRuntimeClient::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(GrpcRuntimeClientTest, VersionStatusAndCgroupDriver) {
  auto client = NewClient();
  absl::StatusOr<RuntimeVersion> version = client->Version();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(version->runtime_name, "fake");
  EXPECT_EQ(version->runtime_version, "1.0.0");
  EXPECT_EQ(version->runtime_api_version, "v1");

  absl::StatusOr<RuntimeStatus> status = client->Status();
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(status->runtime_ready);
  ASSERT_EQ(status->conditions.size(), 2u);
  EXPECT_EQ(status->conditions[1].type, "NetworkReady");
  EXPECT_FALSE(status->conditions[1].status);

  // containerd 1.x: UNIMPLEMENTED is tolerated as "unknown".
  EXPECT_THAT(client->GetCgroupDriver(), IsOk());
  EXPECT_EQ(*client->GetCgroupDriver(), CgroupDriver::kUnknown);
  fake_.SetCgroupDriver(v1::SYSTEMD);
  EXPECT_EQ(*client->GetCgroupDriver(), CgroupDriver::kSystemd);
  fake_.SetCgroupDriver(v1::CGROUPFS);
  EXPECT_EQ(*client->GetCgroupDriver(), CgroupDriver::kCgroupfs);
}

TEST_F(GrpcRuntimeClientTest, ListsByTheKubeletsLabels) {
  auto client = NewClient();
  absl::StatusOr<std::vector<ContainerInfo>> all = client->ListContainers(ByPod("uid-a", ""));
  ASSERT_THAT(all, IsOk());
  std::vector<std::string> ids;
  for (const ContainerInfo& c : *all) {
    ids.push_back(c.id);
  }
  EXPECT_THAT(ids, UnorderedElementsAre("c-a-app", "c-a-side"));
  EXPECT_THAT(fake_.last_list_containers().filter().label_selector(),
              UnorderedElementsAre(Pair("io.kubernetes.pod.uid", "uid-a")));

  absl::StatusOr<std::vector<ContainerInfo>> one = client->ListContainers(ByPod("uid-a", "app"));
  ASSERT_THAT(one, IsOk());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, "c-a-app");
  EXPECT_EQ((*one)[0].pod_sandbox_id, "sb-a");
  EXPECT_EQ((*one)[0].name, "app");
  EXPECT_EQ((*one)[0].state, ContainerState::kRunning);
  EXPECT_THAT(fake_.last_list_containers().filter().label_selector(),
              UnorderedElementsAre(Pair("io.kubernetes.pod.uid", "uid-a"),
                                   Pair("io.kubernetes.container.name", "app")));

  absl::StatusOr<std::vector<PodSandboxInfo>> sandboxes =
      client->ListPodSandbox(ReadySandboxOf("uid-b"));
  ASSERT_THAT(sandboxes, IsOk());
  ASSERT_EQ(sandboxes->size(), 1u);
  EXPECT_EQ((*sandboxes)[0].id, "sb-b");
  EXPECT_EQ((*sandboxes)[0].pod_uid, "uid-b");
  EXPECT_EQ(fake_.last_list_sandboxes().filter().state().state(), v1::SANDBOX_READY);
}

TEST_F(GrpcRuntimeClientTest, ContainerStatusCarriesResourcesAndCgroupDir) {
  FakeContainer c = Container("c-sd", "sb-a", "uid-a", "app");
  c.verbose_info =
      R"({"pid":1,"runtimeSpec":{"linux":{"cgroupsPath":"kubepods-burstable-poduid_a.slice:cri-containerd:c-sd"}}})";
  fake_.AddContainer(c);
  auto client = NewClient();
  absl::StatusOr<ContainerStatusInfo> status = client->ContainerStatus("c-sd", true);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, ContainerState::kRunning);
  ASSERT_TRUE(status->resources.has_value());
  EXPECT_EQ(*status->resources, Res(50000, 512, 64 << 20));
  EXPECT_EQ(status->cgroups_path, "kubepods-burstable-poduid_a.slice:cri-containerd:c-sd");
  EXPECT_EQ(status->cgroup_dir,
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poduid_a.slice/"
            "cri-containerd-c-sd.scope");

  absl::StatusOr<ContainerStatusInfo> brief = client->ContainerStatus("c-sd", false);
  ASSERT_THAT(brief, IsOk());
  EXPECT_EQ(brief->cgroup_dir, "");
}

TEST_F(GrpcRuntimeClientTest, RepeatedIdenticalUpdateMakesNoRuntimeCall) {
  auto client = NewClient();
  const LinuxResources target = Res(150000, 1536, 128 << 20);
  absl::StatusOr<UpdateOutcome> first = client->UpdateContainerResources("c-a-app", target);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(*first, UpdateOutcome::kApplied);
  EXPECT_EQ(fake_.Count("UpdateContainerResources"), 1);
  EXPECT_EQ(fake_.Resources("c-a-app"), target);
  EXPECT_EQ(fake_.last_update().linux().cpu_quota(), 150000);

  absl::StatusOr<UpdateOutcome> second = client->UpdateContainerResources("c-a-app", target);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*second, UpdateOutcome::kAlreadyCurrent);
  EXPECT_EQ(fake_.Count("UpdateContainerResources"), 1);

  // A change in one field is sent again.
  LinuxResources smaller = target;
  smaller.cpu_shares = 1024;
  EXPECT_EQ(*client->UpdateContainerResources("c-a-app", smaller), UpdateOutcome::kApplied);
  EXPECT_EQ(fake_.Count("UpdateContainerResources"), 2);
}

TEST_F(GrpcRuntimeClientTest, RemovedContainerIsGone) {
  auto client = NewClient();
  fake_.RemoveContainer("c-a-app");
  absl::StatusOr<UpdateOutcome> update =
      client->UpdateContainerResources("c-a-app", Res(10000, 2, 0));
  EXPECT_THAT(update, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(IsGone(update.status()));
  EXPECT_FALSE(IsRetryable(update.status()));
  // Found gone by the status read: no update was attempted.
  EXPECT_EQ(fake_.Count("UpdateContainerResources"), 0);

  // Gone between the read and the update.
  fake_.FailNext("UpdateContainerResources",
                 grpc::Status(grpc::StatusCode::NOT_FOUND, "container not found"));
  EXPECT_TRUE(IsGone(client->UpdateContainerResources("c-b-app", Res(10000, 2, 0)).status()));
}

TEST_F(GrpcRuntimeClientTest, MemoryBelowUsageIsTypedWithUsage) {
  FakeContainer c = Container("c-hog", "sb-a", "uid-a", "hog");
  c.memory_usage_bytes = 40 << 20;
  fake_.AddContainer(c);
  auto client = NewClient();
  absl::StatusOr<UpdateOutcome> update =
      client->UpdateContainerResources("c-hog", Res(50000, 512, 16 << 20));
  EXPECT_THAT(update, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("unable to set memory limit")));
  std::optional<MemoryBelowUsage> m = GetMemoryBelowUsage(update.status());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->usage_bytes, 40 << 20);
  EXPECT_EQ(m->limit_bytes, 16 << 20);
  EXPECT_FALSE(IsRetryable(update.status()));
  EXPECT_EQ(fake_.Resources("c-hog").memory_limit_in_bytes, 64 << 20);
}

TEST_F(GrpcRuntimeClientTest, RuntimeDownIsRetryableAndTheClientReconnects) {
  GrpcRuntimeClientOptions options;
  options.unavailable_retry_window = absl::ZeroDuration();
  options.call_timeout = absl::Seconds(5);
  auto client = NewClient(options);
  ASSERT_THAT(client->Version(), IsOk());

  fake_.Stop();
  absl::StatusOr<RuntimeVersion> down = client->Version();
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(IsRetryable(down.status()));

  // The runtime comes back on the same socket; the channel reconnects (its reconnect backoff is
  // capped at 3 s by default), polled with a deadline.
  ASSERT_THAT(fake_.Start(dir_ + "/cri.sock"), IsOk());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  absl::StatusOr<RuntimeVersion> up = client->Version();
  while (!up.ok() && IsRetryable(up.status()) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    up = client->Version();
  }
  EXPECT_THAT(up, IsOk());
}

TEST_F(GrpcRuntimeClientTest, UnavailableIsRetriedWithinTheWindow) {
  auto client = NewClient();  // default window: 4 s
  fake_.FailNext("Version", grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting"), 2);
  EXPECT_THAT(client->Version(), IsOk());
  EXPECT_EQ(fake_.Count("Version"), 3);
}

TEST_F(GrpcRuntimeClientTest, HungRuntimeHitsTheDeadline) {
  GrpcRuntimeClientOptions options;
  options.call_timeout = absl::Milliseconds(300);
  auto client = NewClient(options);
  fake_.Block("c-a-app");
  const absl::Time start = absl::Now();
  absl::StatusOr<ContainerStatusInfo> status = client->ContainerStatus("c-a-app", false);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(IsRetryable(status.status()));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  fake_.Unblock("c-a-app");
}

TEST_F(GrpcRuntimeClientTest, StuckContainerDoesNotHoldUpOthers) {
  GrpcRuntimeClientOptions options;
  options.max_calls_in_flight = 2;
  options.call_timeout = absl::Seconds(20);
  auto client = NewClient(options);
  fake_.Block("c-a-app");
  // The stuck call holds one of the two slots.
  std::thread stuck([&] { (void)client->ContainerStatus("c-a-app", false); });
  // Wait until the stuck call holds its slot inside the runtime.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (fake_.CountFor("c-a-app") == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(fake_.CountFor("c-a-app"), 1);

  // Another container is served while the first hangs.
  const absl::Time start = absl::Now();
  EXPECT_THAT(client->UpdateContainerResources("c-b-app", Res(20000, 256, 0)), IsOk());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));

  fake_.Unblock("c-a-app");
  stuck.join();
}

TEST_F(GrpcRuntimeClientTest, SandboxUpdateUnimplementedIsAskedOnce) {
  auto client = NewClient();
  ASSERT_THAT(client->Version(), IsOk());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<UpdateOutcome> r =
        client->UpdatePodSandboxResources("sb-a", LinuxResources{}, Res(100000, 1024, 1 << 30));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(*r, UpdateOutcome::kUnsupported);
  }
  EXPECT_EQ(fake_.Count("UpdatePodSandboxResources"), 1);
}

TEST_F(GrpcRuntimeClientTest, SandboxUpdateIsAskedAgainAfterARuntimeUpgrade) {
  auto client = NewClient();
  ASSERT_THAT(client->Version(), IsOk());
  EXPECT_EQ(*client->UpdatePodSandboxResources("sb-a", LinuxResources{}, Res(1, 2, 3)),
            UpdateOutcome::kUnsupported);
  EXPECT_EQ(*client->UpdatePodSandboxResources("sb-a", LinuxResources{}, Res(1, 2, 3)),
            UpdateOutcome::kUnsupported);
  EXPECT_EQ(fake_.Count("UpdatePodSandboxResources"), 1);
  // Remembered per runtime: a different runtime version behind the socket is asked once more.
  fake_.SetRuntimeVersion("2.0.0");
  ASSERT_THAT(client->Version(), IsOk());
  EXPECT_EQ(*client->UpdatePodSandboxResources("sb-a", LinuxResources{}, Res(1, 2, 3)),
            UpdateOutcome::kUnsupported);
  EXPECT_EQ(fake_.Count("UpdatePodSandboxResources"), 2);
}

TEST_F(GrpcRuntimeClientTest, ObserverSeesEveryAttempt) {
  auto client = NewClient();
  ASSERT_THAT(client->Version(), IsOk());
  fake_.RemoveContainer("c-b-app");
  (void)client->ContainerStatus("c-b-app", false);
  std::vector<RecordingObserver::Call> calls = observer_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].method, "Version");
  EXPECT_EQ(calls[0].code, absl::StatusCode::kOk);
  EXPECT_GT(calls[0].duration, absl::ZeroDuration());
  EXPECT_EQ(calls[1].method, "ContainerStatus");
  EXPECT_EQ(calls[1].code, absl::StatusCode::kNotFound);
}

TEST_F(GrpcRuntimeClientTest, StopContainerExitsItAndSendsTheGraceInWholeSeconds) {
  auto client = NewClient();
  EXPECT_THAT(client->StopContainer("c-a-app", absl::Milliseconds(1500)), IsOk());
  EXPECT_EQ(fake_.last_stop().container_id(), "c-a-app");
  // Rounded up: a 1.5 s grace must not become a 1 s one.
  EXPECT_EQ(fake_.last_stop().timeout(), 2);
  absl::StatusOr<ContainerStatusInfo> status = client->ContainerStatus("c-a-app", false);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, ContainerState::kExited);
  // Stopping it again is not an error; the other containers keep running.
  EXPECT_THAT(client->StopContainer("c-a-app", absl::ZeroDuration()), IsOk());
  EXPECT_EQ(fake_.last_stop().timeout(), 0);
  EXPECT_EQ(client->ContainerStatus("c-a-side", false)->state, ContainerState::kRunning);

  std::vector<RecordingObserver::Call> calls = observer_.calls();
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls[0].method, "StopContainer");
  EXPECT_EQ(calls[0].code, absl::StatusCode::kOk);
}

TEST_F(GrpcRuntimeClientTest, StopOfARemovedContainerIsGone) {
  auto client = NewClient();
  fake_.RemoveContainer("c-b-app");
  absl::Status stop = client->StopContainer("c-b-app", absl::Seconds(1));
  EXPECT_THAT(stop, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(IsGone(stop));
  EXPECT_FALSE(IsRetryable(stop));
  EXPECT_EQ(fake_.Count("StopContainer"), 1);
}

TEST_F(GrpcRuntimeClientTest, StopDeadlineIsTheCallTimeoutPlusTheGrace) {
  GrpcRuntimeClientOptions options;
  options.call_timeout = absl::Milliseconds(300);
  auto client = NewClient(options);
  fake_.Block("c-a-app");
  // A runtime that takes the whole grace to stop the container is not cut off at call_timeout.
  const absl::Time start = absl::Now();
  absl::Status stop = client->StopContainer("c-a-app", absl::Seconds(1));
  const absl::Duration took = absl::Now() - start;
  EXPECT_THAT(stop, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(IsRetryable(stop));
  EXPECT_GE(took, absl::Milliseconds(1300));
  EXPECT_LT(took, absl::Seconds(5));
  fake_.Unblock("c-a-app");
}

TEST_F(GrpcRuntimeClientTest, StopIsRetriedWhileTheRuntimeIsUnavailable) {
  auto client = NewClient();
  fake_.FailNext("StopContainer", grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting"), 1);
  EXPECT_THAT(client->StopContainer("c-a-app", absl::ZeroDuration()), IsOk());
  EXPECT_EQ(fake_.Count("StopContainer"), 2);
}

}  // namespace
}  // namespace resizelet::cri
