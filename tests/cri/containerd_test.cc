// The CRI client on Debian's real containerd 1.6 + runc on this host's cgroup v1 hierarchy
// (docs/testing.md, "containerd on the host"). Each test starts its own private containerd, plays
// the kubelet to create a pod, drives GrpcRuntimeClient, and checks the real cgroup files. A
// missing containerd fails the test: it is never skipped.
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "cri/cri_errors.h"
#include "cri/grpc_runtime_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/counting_proxy.h"
#include "tests/harness/pod_runner.h"
#include "tests/harness/real_runtime.h"
#include "tests/status_matchers.h"

namespace resizelet::cri {
namespace {

using ::resizelet::harness::ContainerSpec;
using ::resizelet::harness::CountingCriProxy;
using ::resizelet::harness::PodSpec;
using ::resizelet::harness::RealRuntime;
using ::resizelet::harness::RunningPod;
using ::resizelet::harness::WaitForFileContent;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kMiB = 1 << 20;
constexpr absl::Duration kFileWait = absl::Seconds(5);

LinuxResources Res(int64_t quota, int64_t shares, int64_t memory) {
  LinuxResources r;
  r.cpu_period = 100000;
  r.cpu_quota = quota;
  r.cpu_shares = shares;
  r.memory_limit_in_bytes = memory;
  return r;
}

std::string CgroupFile(const std::string& controller, const std::string& dir,
                       const std::string& file) {
  return absl::StrCat("/sys/fs/cgroup/", controller, dir, "/", file);
}

class ContainerdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RealRuntime>> rt = RealRuntime::Start();
    ASSERT_THAT(rt, IsOk()) << "the host lane needs containerd, runc and busybox-static "
                               "(scripts/install-deps.sh host)";
    rt_ = *std::move(rt);
    absl::StatusOr<std::unique_ptr<CountingCriProxy>> proxy =
        CountingCriProxy::Start(rt_->work_dir() + "/proxy.sock", rt_->endpoint());
    ASSERT_THAT(proxy, IsOk());
    proxy_ = *std::move(proxy);
  }

  void TearDown() override {
    client_.reset();
    proxy_.reset();
    if (rt_ == nullptr) {
      return;
    }
    EXPECT_THAT(rt_->Teardown(), IsOk());
    for (const std::string& parent : pod_cgroups_) {
      for (const char* controller : {"cpu", "memory", "pids"}) {
        EXPECT_FALSE(std::filesystem::exists(absl::StrCat("/sys/fs/cgroup/", controller, parent)))
            << controller << parent << " left behind";
      }
    }
  }

  GrpcRuntimeClient& Client(const std::string& endpoint, GrpcRuntimeClientOptions options = {}) {
    options.endpoint = endpoint;
    absl::StatusOr<std::unique_ptr<GrpcRuntimeClient>> client =
        GrpcRuntimeClient::Create(std::move(options));
    EXPECT_THAT(client, IsOk());
    client_ = *std::move(client);
    return *client_;
  }

  // A burstable pod with one container; returns the container id.
  std::string StartPod(const ContainerSpec& spec, RunningPod* pod_out = nullptr) {
    absl::StatusOr<RunningPod> pod = rt_->pods().RunPod(PodSpec{});
    EXPECT_THAT(pod, IsOk());
    if (!pod.ok()) {
      return "";
    }
    pod_cgroups_.push_back(pod->cgroup_parent);
    absl::StatusOr<std::string> id = rt_->pods().StartContainer(&*pod, spec);
    EXPECT_THAT(id, IsOk());
    if (pod_out != nullptr) {
      *pod_out = *pod;
    }
    return id.ok() ? *id : "";
  }

  std::unique_ptr<RealRuntime> rt_;
  std::unique_ptr<CountingCriProxy> proxy_;
  std::unique_ptr<GrpcRuntimeClient> client_;
  std::vector<std::string> pod_cgroups_;
};

TEST_F(ContainerdTest, UpdateReachesCgroupFilesAndStatusAndIsNotRepeated) {
  RunningPod pod;
  ContainerSpec spec;
  spec.resources = Res(50000, 512, 64 * kMiB);
  const std::string id = StartPod(spec, &pod);
  ASSERT_FALSE(id.empty());
  GrpcRuntimeClient& client = Client(proxy_->endpoint());

  absl::StatusOr<RuntimeVersion> version = client.Version();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(version->runtime_name, "containerd");
  absl::StatusOr<RuntimeStatus> status = client.Status();
  ASSERT_THAT(status, IsOk());
  EXPECT_TRUE(status->runtime_ready);
  // containerd 1.6 has no RuntimeConfig: tolerated.
  EXPECT_THAT(client.GetCgroupDriver(), IsOk());

  // Found by the kubelet's labels.
  ContainerFilter filter;
  filter.pod_uid = pod.uid;
  filter.container_name = "main";
  absl::StatusOr<std::vector<ContainerInfo>> found = client.ListContainers(filter);
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, id);
  EXPECT_EQ((*found)[0].state, ContainerState::kRunning);
  PodSandboxFilter sandbox_filter;
  sandbox_filter.pod_uid = pod.uid;
  absl::StatusOr<std::vector<PodSandboxInfo>> sandboxes = client.ListPodSandbox(sandbox_filter);
  ASSERT_THAT(sandboxes, IsOk());
  ASSERT_EQ(sandboxes->size(), 1u);
  EXPECT_EQ((*sandboxes)[0].id, pod.sandbox_id);

  // The cgroup path from the verbose status is where runc put the container.
  absl::StatusOr<ContainerStatusInfo> before = client.ContainerStatus(id, true);
  ASSERT_THAT(before, IsOk());
  const std::string dir = absl::StrCat(pod.cgroup_parent, "/", id);
  EXPECT_EQ(before->cgroup_dir, dir);
  EXPECT_THAT(WaitForFileContent(CgroupFile("cpu", dir, "cpu.cfs_quota_us"), "50000", kFileWait),
              IsOk());

  const LinuxResources target = Res(150000, 1536, 128 * kMiB);
  absl::StatusOr<UpdateOutcome> applied = client.UpdateContainerResources(id, target);
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(*applied, UpdateOutcome::kApplied);
  EXPECT_THAT(WaitForFileContent(CgroupFile("cpu", dir, "cpu.cfs_quota_us"), "150000", kFileWait),
              IsOk());
  EXPECT_THAT(WaitForFileContent(CgroupFile("cpu", dir, "cpu.cfs_period_us"), "100000", kFileWait),
              IsOk());
  EXPECT_THAT(WaitForFileContent(CgroupFile("cpu", dir, "cpu.shares"), "1536", kFileWait), IsOk());
  EXPECT_THAT(WaitForFileContent(CgroupFile("memory", dir, "memory.limit_in_bytes"),
                                 std::to_string(128 * kMiB), kFileWait),
              IsOk());
  absl::StatusOr<ContainerStatusInfo> after = client.ContainerStatus(id, false);
  ASSERT_THAT(after, IsOk());
  ASSERT_TRUE(after->resources.has_value());
  EXPECT_EQ(after->resources->cpu_quota, 150000);
  EXPECT_EQ(after->resources->cpu_shares, 1536);
  EXPECT_EQ(after->resources->memory_limit_in_bytes, 128 * kMiB);

  // The same update again: the runtime is not asked (counted on the runtime's side of the wire).
  EXPECT_EQ(proxy_->Count("UpdateContainerResources"), 1);
  absl::StatusOr<UpdateOutcome> again = client.UpdateContainerResources(id, target);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, UpdateOutcome::kAlreadyCurrent);
  EXPECT_EQ(proxy_->Count("UpdateContainerResources"), 1);
}

TEST_F(ContainerdTest, RemovedContainerIsGone) {
  ContainerSpec spec;
  spec.resources = Res(50000, 512, 64 * kMiB);
  const std::string id = StartPod(spec);
  ASSERT_FALSE(id.empty());
  GrpcRuntimeClient& client = Client(proxy_->endpoint());
  ASSERT_THAT(rt_->pods().RemoveContainer(id), IsOk());
  absl::StatusOr<UpdateOutcome> update =
      client.UpdateContainerResources(id, Res(100000, 1024, 64 * kMiB));
  EXPECT_THAT(update, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(IsGone(update.status()));
  EXPECT_FALSE(IsRetryable(update.status()));
}

TEST_F(ContainerdTest, StoppedContainerIsExitedAndAStopOfARemovedOneIsGone) {
  RunningPod pod;
  ContainerSpec spec;
  spec.resources = Res(50000, 512, 64 * kMiB);
  const std::string id = StartPod(spec, &pod);
  ASSERT_FALSE(id.empty());
  GrpcRuntimeClient& client = Client(proxy_->endpoint());
  absl::StatusOr<ContainerStatusInfo> before = client.ContainerStatus(id, false);
  ASSERT_THAT(before, IsOk());
  ASSERT_EQ(before->state, ContainerState::kRunning);

  // The sleep runs as the container's PID 1 and ignores SIGTERM, so runc's SIGKILL after the
  // grace is what ends it: the call must outlast the grace without hitting its deadline.
  const absl::Time start = absl::Now();
  ASSERT_THAT(client.StopContainer(id, absl::Seconds(1)), IsOk());
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  EXPECT_EQ(proxy_->Count("StopContainer"), 1);
  absl::StatusOr<ContainerStatusInfo> after = client.ContainerStatus(id, false);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->state, ContainerState::kExited);
  EXPECT_GT(after->finished_at_ns, 0);
  // Stopping an exited container again is not an error (the kubelet may race resizelet).
  EXPECT_THAT(client.StopContainer(id, absl::Seconds(1)), IsOk());

  ASSERT_THAT(rt_->pods().RemoveContainer(id), IsOk());
  absl::Status gone = client.StopContainer(id, absl::Seconds(1));
  EXPECT_THAT(gone, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(IsGone(gone));
  EXPECT_FALSE(IsRetryable(gone));
}

TEST_F(ContainerdTest, MemoryShrinkBelowUsageIsTypedAndTheContainerKeepsRunning) {
  RunningPod pod;
  ContainerSpec spec;
  spec.command = {"/bin/memhog", "48"};
  spec.resources = Res(100000, 1024, 128 * kMiB);
  const std::string id = StartPod(spec, &pod);
  ASSERT_FALSE(id.empty());
  GrpcRuntimeClient& client = Client(proxy_->endpoint());
  const std::string dir = absl::StrCat(pod.cgroup_parent, "/", id);
  const std::string usage_file = CgroupFile("memory", dir, "memory.usage_in_bytes");
  // Poll until memhog has touched its 48 MiB.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int64_t usage = 0;
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> text = harness::ReadTrimmed(usage_file);
    usage = text.ok() ? std::stoll(*text) : 0;
    if (usage >= 48 * kMiB) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GE(usage, 48 * kMiB);

  absl::StatusOr<UpdateOutcome> shrink =
      client.UpdateContainerResources(id, Res(100000, 1024, 16 * kMiB));
  EXPECT_THAT(shrink, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("unable to set memory limit to 16777216")));
  std::optional<MemoryBelowUsage> below = GetMemoryBelowUsage(shrink.status());
  ASSERT_TRUE(below.has_value()) << shrink.status();
  EXPECT_EQ(below->limit_bytes, 16 * kMiB);
  EXPECT_GE(below->usage_bytes, 48 * kMiB);
  EXPECT_GE(below->peak_bytes, below->usage_bytes);

  // Nothing was killed and the old limit stands.
  absl::StatusOr<ContainerStatusInfo> status = client.ContainerStatus(id, false);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, ContainerState::kRunning);
  absl::StatusOr<std::string> limit =
      harness::ReadTrimmed(CgroupFile("memory", dir, "memory.limit_in_bytes"));
  ASSERT_THAT(limit, IsOk());
  EXPECT_EQ(*limit, std::to_string(128 * kMiB));
}

TEST_F(ContainerdTest, ClientReconnectsAfterContainerdRestartsUnderRunningPods) {
  RunningPod pod;
  ContainerSpec spec;
  spec.resources = Res(50000, 512, 64 * kMiB);
  const std::string id = StartPod(spec, &pod);
  ASSERT_FALSE(id.empty());
  // Default options (4 s UNAVAILABLE retry window, reconnect backoff capped at 3 s), direct to
  // containerd: its restart is what the client must survive.
  GrpcRuntimeClient& client = Client(rt_->endpoint());
  ASSERT_THAT(client.UpdateContainerResources(id, Res(60000, 600, 64 * kMiB)), IsOk());

  ASSERT_THAT(rt_->containerd().Stop(), IsOk());
  const absl::Time down_start = absl::Now();
  absl::StatusOr<RuntimeVersion> down = client.Version();
  // Retried with backoff inside the window, then reported as retryable.
  EXPECT_LT(absl::Now() - down_start, absl::Seconds(6));
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(IsRetryable(down.status()));

  // Restart() returns once containerd accepts connections; the pods kept running meanwhile.
  ASSERT_THAT(rt_->containerd().Restart(), IsOk());
  absl::StatusOr<UpdateOutcome> after =
      client.UpdateContainerResources(id, Res(70000, 700, 96 * kMiB));
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(*after, UpdateOutcome::kApplied);
  const std::string dir = absl::StrCat(pod.cgroup_parent, "/", id);
  EXPECT_THAT(WaitForFileContent(CgroupFile("cpu", dir, "cpu.cfs_quota_us"), "70000", kFileWait),
              IsOk());
  EXPECT_THAT(WaitForFileContent(CgroupFile("memory", dir, "memory.limit_in_bytes"),
                                 std::to_string(96 * kMiB), kFileWait),
              IsOk());
  absl::StatusOr<ContainerStatusInfo> status = client.ContainerStatus(id, false);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, ContainerState::kRunning);
}

TEST_F(ContainerdTest, SandboxUpdateUnimplementedIsHandledOnce) {
  RunningPod pod;
  ContainerSpec spec;
  const std::string id = StartPod(spec, &pod);
  ASSERT_FALSE(id.empty());
  GrpcRuntimeClient& client = Client(proxy_->endpoint());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<UpdateOutcome> r = client.UpdatePodSandboxResources(
        pod.sandbox_id, LinuxResources{}, Res(200000, 2048, 256 * kMiB));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(*r, UpdateOutcome::kUnsupported);
  }
  EXPECT_EQ(proxy_->Count("UpdatePodSandboxResources"), 1);
}

}  // namespace
}  // namespace resizelet::cri
