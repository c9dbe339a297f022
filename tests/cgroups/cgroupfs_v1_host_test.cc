// CgroupfsDriver on this host's real cgroup v1 hierarchies (label: host), through libcgroup.
// The test creates its own cgroups under /sys/fs/cgroup/<controller>/resizelet-test-<pid>/ and
// removes them; it never writes to a cgroup it did not create.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cgroups/cgroup_files.h"
#include "cgroups/cgroup_name.h"
#include "cgroups/cgroupfs_driver.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cgroups {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kMount[] = "/sys/fs/cgroup";
const char* const kControllers[] = {"cpu", "memory", "pids"};

std::string ReadTrimmed(const std::string& path) {
  absl::StatusOr<std::string> s = ReadCgroupFile(path);
  if (!s.ok()) return absl::StrCat("<", s.status().message(), ">");
  std::string out = *s;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class V1HostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<CgroupLayout> layout = DetectLayoutFromFile(kMount, "/proc/mounts");
    ASSERT_THAT(layout, IsOk());
    for (const char* c : kControllers) {
      const ControllerLocation* loc = layout->Find(c);
      ASSERT_NE(loc, nullptr) << "this host lane needs the v1 " << c << " controller";
      ASSERT_FALSE(loc->v2) << c << " is not on a v1 hierarchy: this lane is for the v1 host";
    }
    // The kubelet's --cgroup-root: this test's own cgroup; names carry it.
    root_ = absl::StrCat("/resizelet-test-", ::getpid());
    absl::StatusOr<CgroupName> root = ParseCgroupRoot(root_);
    ASSERT_THAT(root, IsOk());
    absl::StatusOr<CgroupName> pod =
        PodCgroupName(*root, PodQosTier::kGuaranteed, "feedbeef-0000-1111-2222-333344445555");
    ASSERT_THAT(pod, IsOk());
    pod_ = ToCgroupfs(*pod);
    container_ = pod_ + "/c1";
    for (const char* c : kControllers) {
      for (const std::string& rel : {root_, root_ + "/kubepods", pod_, container_}) {
        const std::string dir = absl::StrCat(kMount, "/", c, rel);
        ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << dir << ": " << std::strerror(errno);
        created_.push_back(dir);
      }
    }
    CgroupfsOptions opts;
    absl::StatusOr<std::unique_ptr<CgroupfsDriver>> d = CgroupfsDriver::Create(opts);
    ASSERT_THAT(d, IsOk());
    driver_ = *std::move(d);
  }

  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    // Children before parents.
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      EXPECT_EQ(::rmdir(it->c_str()), 0) << *it << ": " << std::strerror(errno);
    }
  }

  std::string File(const char* controller, const std::string& rel, const char* file) const {
    return ReadTrimmed(absl::StrCat(kMount, "/", controller, rel, "/", file));
  }

  // Starts a process in the container's memory cgroup that then touches `bytes` of anonymous
  // memory; returns once the memory is charged.
  void StartMemoryHolder(size_t bytes) {
    int go[2], ready[2];
    ASSERT_EQ(::pipe(go), 0);
    ASSERT_EQ(::pipe(ready), 0);
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      char c;
      if (::read(go[0], &c, 1) != 1) ::_exit(1);
      // Touched through a volatile pointer so the stores are not optimized away.
      volatile char* p = static_cast<volatile char*>(std::malloc(bytes));
      if (p == nullptr) ::_exit(2);
      for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
      if (::write(ready[1], "r", 1) != 1) ::_exit(3);
      while (true) ::pause();
    }
    ::close(go[0]);
    ::close(ready[1]);
    std::ofstream(absl::StrCat(kMount, "/memory", container_, "/cgroup.procs")) << child_;
    ASSERT_EQ(::write(go[1], "g", 1), 1);
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::close(go[1]);
    ::close(ready[0]);
  }

  std::string root_;
  std::string pod_;
  std::string container_;
  std::vector<std::string> created_;
  std::unique_ptr<CgroupfsDriver> driver_;
  pid_t child_ = -1;
};

TEST_F(V1HostTest, HostIsHybridOrLegacy) {
  EXPECT_NE(driver_->layout().mode, HierarchyMode::kUnified);
}

TEST_F(V1HostTest, AppliesV1FilesAndReadsThemBack) {
  CgroupValues v;
  v.cpu_shares = 1536;
  v.cpu_max = CpuMax{150000, 100000};
  v.memory_max_bytes = 256 << 20;
  v.pids_max = 64;
  ASSERT_THAT(driver_->Apply(pod_, v, {}), IsOk());
  EXPECT_EQ(File("cpu", pod_, "cpu.shares"), "1536");
  EXPECT_EQ(File("cpu", pod_, "cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(File("cpu", pod_, "cpu.cfs_period_us"), "100000");
  EXPECT_EQ(File("memory", pod_, "memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(File("pids", pod_, "pids.max"), "64");

  absl::StatusOr<CgroupState> s = driver_->Read(pod_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->cpu_shares, 1536u);
  EXPECT_EQ(s->cpu_max, (CpuMax{150000, 100000}));
  EXPECT_EQ(s->memory_max_bytes, 256 << 20);
  EXPECT_EQ(s->pids_max, 64);
  EXPECT_TRUE(s->memory_current_bytes.has_value());

  // Re-applying writes nothing; going back to unlimited writes v1's -1.
  const int writes = driver_->writes();
  ASSERT_THAT(driver_->Apply(pod_, v, {}), IsOk());
  EXPECT_EQ(driver_->writes(), writes);
  v = {};
  v.cpu_max = CpuMax{kUnlimited, 100000};
  v.memory_max_bytes = kUnlimited;
  v.pids_max = kUnlimited;
  ASSERT_THAT(driver_->Apply(pod_, v, {}), IsOk());
  EXPECT_EQ(File("cpu", pod_, "cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(File("pids", pod_, "pids.max"), "max");
  s = driver_->Read(pod_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->memory_max_bytes, kUnlimited);
}

TEST_F(V1HostTest, ContainerQuotaAbovePodQuotaIsInvalidArgumentNamingFileAndValue) {
  CgroupValues pod;
  pod.cpu_max = CpuMax{50000, 100000};
  ASSERT_THAT(driver_->Apply(pod_, pod, {}), IsOk());
  CgroupValues c;
  c.cpu_max = CpuMax{100000, 100000};
  EXPECT_THAT(driver_->Apply(container_, c, {"c1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("cpu.cfs_quota_us"), HasSubstr("\"100000\""))));
  // Grow pod first, then the container: both succeed (the planner's order).
  pod.cpu_max = CpuMax{200000, 100000};
  ASSERT_THAT(driver_->Apply(pod_, pod, {}), IsOk());
  EXPECT_THAT(driver_->Apply(container_, c, {"c1"}), IsOk());
  EXPECT_EQ(File("cpu", container_, "cpu.cfs_quota_us"), "100000");
}

TEST_F(V1HostTest, ShrinkBelowUsageIsRefusedAndTheProcessLives) {
  StartMemoryHolder(32 << 20);
  absl::StatusOr<CgroupState> before = driver_->Read(container_);
  ASSERT_THAT(before, IsOk());
  ASSERT_GE(before->memory_current_bytes.value_or(0), uint64_t{32} << 20);
  CgroupValues v;
  v.memory_max_bytes = 8 << 20;
  absl::Status s = driver_->Apply(container_, v, {"c1"});
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("attempting to set container \"c1\" memory limit (8388608) "
                                    "below current usage (")));
  EXPECT_EQ(::kill(child_, 0), 0) << "the memory holder must still be alive";
  EXPECT_EQ(File("memory", container_, "memory.limit_in_bytes"), "9223372036854771712");
  absl::StatusOr<CgroupState> after = driver_->Read(container_);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->oom_kill_count, before->oom_kill_count);
  // The pod cgroup holds the container: the pod-level message.
  EXPECT_THAT(driver_->Apply(pod_, v, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("attempting to set pod memory limit (8388608) below current")));
  // A limit above usage is applied.
  v.memory_max_bytes = 128 << 20;
  EXPECT_THAT(driver_->Apply(container_, v, {"c1"}), IsOk());
  EXPECT_EQ(File("memory", container_, "memory.limit_in_bytes"), "134217728");
}

TEST(LibcgroupMountTest, RefusesAMountPointLibcgroupDoesNotWriteThrough) {
  // A hierarchy libcgroup does not know (it only reads /proc/mounts): its writes would go to the
  // host's /sys/fs/cgroup instead, so Create refuses instead of writing the wrong cgroups.
  char tmpl[] = "/tmp/resizelet-cgmount-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::ofstream(dir + "/cgroup.controllers") << "cpu memory pids\n";
  std::ofstream(dir + "/mounts") << "cgroup2 " << dir << " cgroup2 rw 0 0\n";
  CgroupfsOptions opts;
  opts.mount_point = dir;
  opts.mounts_file = dir + "/mounts";
  EXPECT_THAT(CgroupfsDriver::Create(opts),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("libcgroup writes")));
  opts.write_through_libcgroup = false;
  EXPECT_THAT(CgroupfsDriver::Create(opts), IsOk());
  std::filesystem::remove_all(dir);
}

TEST_F(V1HostTest, MissingCgroupIsNotFound) {
  CgroupValues v;
  v.cpu_shares = 100;
  EXPECT_THAT(driver_->Apply("/kubepods/podmissing", v, {}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(driver_->Read("/kubepods/podmissing"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace resizelet::cgroups
