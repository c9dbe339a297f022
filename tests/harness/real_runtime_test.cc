// The harness itself on the real runtime: what it creates is what the kubelet would create, and
// its teardown leaves nothing behind (testing.md: processes by PID, mounts, cgroup directories).
#include "tests/harness/real_runtime.h"

#include <signal.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/process.h"
#include "tests/status_matchers.h"

namespace resizelet::harness {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::IsEmpty;

namespace v1 = ::runtime::v1;

TEST(RealRuntimeTest, CreatesKubeletStylePodsAndLeavesNothingBehind) {
  absl::StatusOr<std::unique_ptr<RealRuntime>> started = RealRuntime::Start();
  ASSERT_THAT(started, IsOk()) << "the host lane needs containerd, runc and busybox-static "
                                  "(scripts/install-deps.sh host)";
  std::unique_ptr<RealRuntime> rt = *std::move(started);
  const std::string work_dir = rt->work_dir();
  const std::string socket = rt->containerd().socket_path();
  const pid_t containerd_pid = rt->containerd().pid();

  PodSpec spec;
  spec.name = "web";
  spec.tier = QosTier::kBestEffort;
  absl::StatusOr<RunningPod> pod = rt->pods().RunPod(spec);
  ASSERT_THAT(pod, IsOk());
  EXPECT_EQ(pod->cgroup_parent, "/kubepods/besteffort/pod" + pod->uid);
  ContainerSpec container;
  container.name = "app";
  absl::StatusOr<std::string> id = rt->pods().StartContainer(&*pod, container);
  ASSERT_THAT(id, IsOk());

  // As the kubelet: labels on the sandbox and container, host network, the pod cgroup.
  v1::PodSandboxStatusRequest sandbox_request;
  sandbox_request.set_pod_sandbox_id(pod->sandbox_id);
  v1::PodSandboxStatusResponse sandbox;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(rt->pods().stub().PodSandboxStatus(&ctx, sandbox_request, &sandbox).ok());
  }
  EXPECT_EQ(sandbox.status().state(), v1::SANDBOX_READY);
  EXPECT_EQ(sandbox.status().labels().at("io.kubernetes.pod.uid"), pod->uid);
  EXPECT_EQ(sandbox.status().linux().namespaces().options().network(), v1::NODE);
  v1::ContainerStatusRequest container_request;
  container_request.set_container_id(*id);
  v1::ContainerStatusResponse status;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ASSERT_TRUE(rt->pods().stub().ContainerStatus(&ctx, container_request, &status).ok());
  }
  EXPECT_EQ(status.status().state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(status.status().labels().at("io.kubernetes.container.name"), "app");
  EXPECT_EQ(status.status().labels().at("io.kubernetes.pod.uid"), pod->uid);
  const std::string container_cgroup =
      absl::StrCat("/sys/fs/cgroup/cpu", pod->cgroup_parent, "/", *id);
  EXPECT_TRUE(std::filesystem::is_directory(container_cgroup)) << container_cgroup;
  EXPECT_THAT(FindProcesses("-address " + socket), ::testing::Not(IsEmpty()));
  EXPECT_THAT(MountsBelow(work_dir), ::testing::Not(IsEmpty()));

  ASSERT_THAT(rt->Teardown(), IsOk());
  EXPECT_FALSE(std::filesystem::exists(work_dir));
  EXPECT_NE(::kill(containerd_pid, 0), 0) << "containerd still running";
  EXPECT_THAT(FindProcesses("-address " + socket), IsEmpty());
  EXPECT_THAT(MountsBelow(work_dir), IsEmpty());
  std::error_code ec;
  for (const auto& hierarchy : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    EXPECT_FALSE(std::filesystem::exists(hierarchy.path().string() + pod->cgroup_parent))
        << hierarchy.path() << pod->cgroup_parent;
  }
}

TEST(RealRuntimeTest, MissingContainerdFailsLoudlyNamingThePackage) {
  // Tests must fail, not skip, without containerd: Start says what to install.
  ContainerdOptions options;
  options.work_dir = "/tmp/resizelet-never-created";
  options.containerd_binary = "/nonexistent/containerd";
  EXPECT_THAT(Containerd::Start(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("scripts/install-deps.sh host")));
  EXPECT_FALSE(std::filesystem::exists(options.work_dir));
}

}  // namespace
}  // namespace resizelet::harness
