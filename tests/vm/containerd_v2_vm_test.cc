// containerd with runc and with crun on a real cgroup v2 kernel: the resize flow resizelet drives
// (UpdateContainerResources through GrpcRuntimeClient) lands in cpu.max, memory.max and
// cpu.weight, and the shares→weight formula each runtime applies is read back, not assumed.
//
// Runs inside the qemu guest of scripts/vm/run-vm.sh --containerd: cgroup2 at /sys/fs/cgroup, the
// runtimes at their Debian paths, the test image at $RESIZELET_TEST_IMAGE. The harness
// (tests/harness) creates pods as the kubelet does, with the cgroupfs driver and the cgroup parent
// /kubepods/burstable/pod<uid>.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cgroups/cpu_math.h"
#include "cgroups/weight_formula.h"
#include "cri/grpc_runtime_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/pod_runner.h"
#include "tests/harness/process.h"
#include "tests/harness/real_runtime.h"
#include "tests/status_matchers.h"

namespace resizelet::harness {
namespace {

using ::resizelet::testing::IsOk;

constexpr char kCgroupMount[] = "/sys/fs/cgroup";
constexpr absl::Duration kFileTimeout = absl::Seconds(10);

struct RuntimeCase {
  const char* handler;  // the CRI runtime handler (RunPodSandboxRequest.runtime_handler)
  const char* binary;
  const char* package;
};

constexpr RuntimeCase kRunc{"runc", "/usr/sbin/runc", "runc"};
constexpr RuntimeCase kCrun{"crun", "/usr/bin/crun", "crun"};

void PrintTo(const RuntimeCase& c, std::ostream* os) {
  *os << c.handler << " (" << c.binary << ")";
}

std::string CaseName(const ::testing::TestParamInfo<RuntimeCase>& info) {
  return info.param.handler;
}

// The first line of `<binary> --version` ("runc version 1.1.5+ds1", "crun version 1.8.1").
std::string BinaryVersion(const std::string& binary) {
  absl::StatusOr<std::string> out = RunCommand({binary, "--version"}, absl::Seconds(20));
  if (!out.ok()) return absl::StrCat("<", out.status().message(), ">");
  return std::string(*absl::StrSplit(*out, '\n').begin());
}

absl::StatusOr<uint64_t> ReadUint(const std::string& path) {
  absl::StatusOr<std::string> raw = ReadTrimmed(path);
  if (!raw.ok()) return raw.status();
  uint64_t v = 0;
  if (!absl::SimpleAtoi(*raw, &v)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a number: \"", *raw, "\""));
  }
  return v;
}

double SecondsSince(absl::Time t) { return absl::ToDoubleSeconds(absl::Now() - t); }

// One containerd for both runtimes: "runc" is the default handler, "crun" a second one driven by
// the same shim. Starting containerd and importing the image is the slowest step under TCG, so it
// is done once for the suite.
class ContainerdV2VmTest : public ::testing::TestWithParam<RuntimeCase> {
 protected:
  static void SetUpTestSuite() {
    const absl::Time start = absl::Now();
    RealRuntimeOptions options;
    options.runc_binary = kRunc.binary;
    options.extra_runtimes = {{kCrun.handler, kCrun.binary}};
    if (const char* image = std::getenv("RESIZELET_TEST_IMAGE"); image != nullptr && *image) {
      options.image_tarball = image;
    }
    absl::StatusOr<std::unique_ptr<RealRuntime>> rt = RealRuntime::Start(options);
    if (!rt.ok()) {
      start_error_ = rt.status();
      return;
    }
    rt_ = *std::move(rt);
    std::printf("  containerd up and image imported in %.1f s\n", SecondsSince(start));
  }

  static void TearDownTestSuite() {
    if (rt_ != nullptr) {
      const absl::Time start = absl::Now();
      EXPECT_THAT(rt_->Teardown(), IsOk());
      std::printf("  teardown in %.1f s\n", SecondsSince(start));
      rt_.reset();
    }
  }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(std::string(kCgroupMount) + "/cgroup.controllers"))
        << "this program needs a pure cgroup v2 kernel: run it through "
           "scripts/vm/run-vm.sh --containerd";
    for (const char* required :
         {"/usr/bin/containerd", "/usr/bin/containerd-shim-runc-v2", "/usr/bin/ctr"}) {
      ASSERT_EQ(::access(required, X_OK), 0) << required << " is missing (package containerd)";
    }
    ASSERT_EQ(::access(GetParam().binary, X_OK), 0)
        << GetParam().binary << " is missing (package " << GetParam().package << ")";
    ASSERT_THAT(start_error_, IsOk());
    ASSERT_NE(rt_, nullptr);
    cri::GrpcRuntimeClientOptions client_options;
    client_options.endpoint = rt_->endpoint();
    absl::StatusOr<std::unique_ptr<cri::GrpcRuntimeClient>> client =
        cri::GrpcRuntimeClient::Create(client_options);
    ASSERT_THAT(client, IsOk());
    client_ = *std::move(client);
  }

  // Suite-wide; reset in TearDownTestSuite, before static destruction.
  static inline std::unique_ptr<RealRuntime> rt_;
  static inline absl::Status start_error_;
  std::unique_ptr<cri::GrpcRuntimeClient> client_;
};

TEST_P(ContainerdV2VmTest, UpdateLandsInCgroupV2FilesAndWeightFormulaIsReadBack) {
  const RuntimeCase& rc = GetParam();
  absl::StatusOr<cri::RuntimeVersion> version = client_->Version();
  ASSERT_THAT(version, IsOk());
  const std::string oci_version = BinaryVersion(rc.binary);

  PodSpec pod_spec;
  pod_spec.name = absl::StrCat("resize-", rc.handler);
  pod_spec.tier = QosTier::kBurstable;
  pod_spec.runtime_handler = rc.handler;
  const absl::Time start = absl::Now();
  absl::StatusOr<RunningPod> pod = rt_->pods().RunPod(pod_spec);
  ASSERT_THAT(pod, IsOk());
  EXPECT_EQ(pod->cgroup_parent, "/kubepods/burstable/pod" + pod->uid);

  // 500m request / 500m limit / 128Mi, as the kubelet would send at creation.
  ContainerSpec container;
  container.name = "app";
  container.resources.cpu_period = cgroups::kQuotaPeriodUs;
  container.resources.cpu_quota = 50000;
  container.resources.cpu_shares = 512;
  container.resources.memory_limit_in_bytes = int64_t{128} << 20;
  absl::StatusOr<std::string> id = rt_->pods().StartContainer(&*pod, container);
  ASSERT_THAT(id, IsOk());
  const double create_s = SecondsSince(start);
  // The handler's own OCI runtime holds the container's state (runc shim: <Root>/<namespace>/<id>).
  EXPECT_TRUE(std::filesystem::is_directory(
      absl::StrCat(rt_->containerd().work_dir(), "/", rc.handler, "/k8s.io/", *id)))
      << "the container was not created by " << rc.binary;

  // The container's cgroup as the runtime reports it (verbose info: runtimeSpec cgroupsPath).
  absl::StatusOr<cri::ContainerStatusInfo> status = client_->ContainerStatus(*id, true);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, cri::ContainerState::kRunning);
  EXPECT_EQ(status->cgroups_path, pod->cgroup_parent + "/" + *id);
  const std::string dir = absl::StrCat(kCgroupMount, pod->cgroup_parent, "/", *id);
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  EXPECT_THAT(WaitForFileContent(dir + "/cpu.max", "50000 100000", kFileTimeout), IsOk());
  EXPECT_THAT(WaitForFileContent(dir + "/memory.max", "134217728", kFileTimeout), IsOk());
  absl::StatusOr<uint64_t> created_weight = ReadUint(dir + "/cpu.weight");
  ASSERT_THAT(created_weight, IsOk());

  // Resize up to 1 CPU (1024 shares, a discriminating sample: linear 39, quadratic 100), limit
  // 1.5 CPU, 256Mi.
  cri::LinuxResources grow;
  grow.cpu_period = cgroups::kQuotaPeriodUs;
  grow.cpu_quota = 150000;
  grow.cpu_shares = 1024;
  grow.memory_limit_in_bytes = int64_t{256} << 20;
  ASSERT_TRUE(cgroups::WeightDiscriminates(static_cast<uint64_t>(grow.cpu_shares)));
  const absl::Time update_start = absl::Now();
  absl::StatusOr<cri::UpdateOutcome> outcome = client_->UpdateContainerResources(*id, grow);
  const absl::Duration update_took = absl::Now() - update_start;
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, cri::UpdateOutcome::kApplied);
  EXPECT_THAT(WaitForFileContent(dir + "/cpu.max", "150000 100000", kFileTimeout), IsOk());
  EXPECT_THAT(WaitForFileContent(dir + "/memory.max", "268435456", kFileTimeout), IsOk());
  absl::StatusOr<uint64_t> weight_1024 = ReadUint(dir + "/cpu.weight");
  ASSERT_THAT(weight_1024, IsOk());

  // The runtime reports what it applied; a repeated identical update is not sent.
  absl::StatusOr<cri::ContainerStatusInfo> after = client_->ContainerStatus(*id, false);
  ASSERT_THAT(after, IsOk());
  ASSERT_TRUE(after->resources.has_value());
  EXPECT_EQ(after->resources->cpu_quota, 150000);
  EXPECT_EQ(after->resources->cpu_shares, 1024);
  EXPECT_EQ(after->resources->memory_limit_in_bytes, int64_t{256} << 20);
  absl::StatusOr<cri::UpdateOutcome> again = client_->UpdateContainerResources(*id, grow);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, cri::UpdateOutcome::kAlreadyCurrent);

  // Shrink to 2 CPUs' shares with a 0.75 CPU limit and 64Mi: a second sample (linear 79,
  // quadratic 174), and a limit decrease the idle container fits under.
  cri::LinuxResources shrink;
  shrink.cpu_period = cgroups::kQuotaPeriodUs;
  shrink.cpu_quota = 75000;
  shrink.cpu_shares = 2048;
  shrink.memory_limit_in_bytes = int64_t{64} << 20;
  outcome = client_->UpdateContainerResources(*id, shrink);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, cri::UpdateOutcome::kApplied);
  EXPECT_THAT(WaitForFileContent(dir + "/cpu.max", "75000 100000", kFileTimeout), IsOk());
  EXPECT_THAT(WaitForFileContent(dir + "/memory.max", "67108864", kFileTimeout), IsOk());
  absl::StatusOr<uint64_t> weight_2048 = ReadUint(dir + "/cpu.weight");
  ASSERT_THAT(weight_2048, IsOk());
  absl::StatusOr<cri::ContainerStatusInfo> still = client_->ContainerStatus(*id, false);
  ASSERT_THAT(still, IsOk());
  EXPECT_EQ(still->state, cri::ContainerState::kRunning);

  const cgroups::DetectedWeightFormula at_create = cgroups::DetectCpuWeightFormula(
      static_cast<uint64_t>(container.resources.cpu_shares), *created_weight);
  const cgroups::DetectedWeightFormula at_1024 =
      cgroups::DetectCpuWeightFormula(1024, *weight_1024);
  const cgroups::DetectedWeightFormula at_2048 =
      cgroups::DetectCpuWeightFormula(2048, *weight_2048);
  std::printf(
      "RESIZELET-VM: %s (%s; %s %s): cpu.weight formula %s "
      "(512 shares -> %llu at create, 1024 -> %llu, 2048 -> %llu; linear 20/39/79, quadratic "
      "59/100/174); pod+container %.1f s, update %.0f ms\n",
      rc.handler, oci_version.c_str(), version->runtime_name.c_str(),
      version->runtime_version.c_str(),
      std::string(cgroups::DetectedWeightFormulaName(at_1024)).c_str(),
      static_cast<unsigned long long>(*created_weight),
      static_cast<unsigned long long>(*weight_1024), static_cast<unsigned long long>(*weight_2048),
      create_s, absl::ToDoubleMilliseconds(update_took));
  std::fflush(stdout);
  // One runtime applies one formula, at creation and on every update.
  EXPECT_EQ(at_create, at_1024);
  EXPECT_EQ(at_2048, at_1024);
  // What bookworm ships (runc 1.1.5, crun 1.8.1) predates the quadratic map.
  EXPECT_EQ(at_1024, cgroups::DetectedWeightFormula::kLinear)
      << rc.handler << " wrote cpu.weight " << *weight_1024 << " for 1024 shares";
  EXPECT_EQ(*weight_1024, cgroups::CpuWeightLinear(1024));

  // Teardown removes the pod's cgroup directory on the v2 mount.
  const absl::Time remove_start = absl::Now();
  ASSERT_THAT(rt_->pods().RemovePod(*pod), IsOk());
  std::printf("  %s: pod removed in %.1f s\n", rc.handler, SecondsSince(remove_start));
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(kCgroupMount, pod->cgroup_parent)));
  // So do the /kubepods parents the harness made (nothing else in the guest uses them).
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(kCgroupMount, "/kubepods")));
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ContainerdV2VmTest, ::testing::Values(kRunc, kCrun), CaseName);

}  // namespace
}  // namespace resizelet::harness
