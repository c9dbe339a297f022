// The cgroupfs driver on a real cgroup v2 kernel. Runs as the test program of the VM lane
// (scripts/vm/run-vm.sh boots Debian's kernel under qemu with cgroup2 at /sys/fs/cgroup and
// +cpu +memory +pids +io enabled, and an ext2 file /mnt/cache whose reads fill reclaimable page
// cache). It creates its own pod
// and container cgroups, holds processes in them, and removes them at the end.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/api/objects.h"
#include "agent/api/quantity.h"
#include "agent/resize/plan.h"
#include "agent/resize/pod_cgroup_config.h"
#include "cgroups/cgroup_files.h"
#include "cgroups/cgroup_name.h"
#include "cgroups/cgroupfs_driver.h"
#include "cgroups/cpu_math.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cgroups {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kMount[] = "/sys/fs/cgroup";
constexpr char kUid[] = "1234abcd-5678-90ef-1234-567890abcdef";
constexpr char kSubtree[] = "+cpu +memory +pids +io";
constexpr char kCacheFile[] = "/mnt/cache";  // 48 MiB sparse file on ext2 (scripts/vm)

std::string Raw(const std::string& cgroup, const char* file) {
  absl::StatusOr<std::string> s = ReadCgroupFile(absl::StrCat(kMount, cgroup, "/", file));
  if (!s.ok()) return absl::StrCat("<", s.status().message(), ">");
  std::string out = *s;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void WriteRaw(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  f << value;
  f.flush();
  ASSERT_TRUE(f.good()) << "write " << value << " to " << path;
}

class CgroupV2VmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<CgroupLayout> layout = DetectLayoutFromFile(kMount, "/proc/mounts");
    ASSERT_THAT(layout, IsOk());
    ASSERT_EQ(layout->mode, HierarchyMode::kUnified)
        << "this program needs a cgroup v2 kernel: run it through scripts/vm/run-vm.sh";
    absl::StatusOr<CgroupName> root = ParseCgroupRoot("/");
    ASSERT_THAT(root, IsOk());
    absl::StatusOr<CgroupName> pod = PodCgroupName(*root, PodQosTier::kBurstable, kUid);
    ASSERT_THAT(pod, IsOk());
    pod_ = ToCgroupfs(*pod);
    app_ = pod_ + "/app";
    worker_ = pod_ + "/worker";
    // What the kubelet and the runtime would have created; controllers enabled down to the pod.
    for (const std::string& dir :
         {std::string("/kubepods"), std::string("/kubepods/burstable"), pod_, app_, worker_}) {
      const std::string path = absl::StrCat(kMount, dir);
      ASSERT_EQ(::mkdir(path.c_str(), 0755), 0) << path << ": " << std::strerror(errno);
      created_.push_back(path);
      if (dir != app_ && dir != worker_) {
        WriteRaw(path + "/cgroup.subtree_control", kSubtree);
      }
    }
    absl::StatusOr<std::unique_ptr<CgroupfsDriver>> d = CgroupfsDriver::Create({});
    ASSERT_THAT(d, IsOk());
    driver_ = *std::move(d);
  }

  void TearDown() override {
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      EXPECT_EQ(::rmdir(it->c_str()), 0) << *it << ": " << std::strerror(errno);
    }
  }

  // Forks a process, moves it into `cgroup`, lets it run `work`, and returns once `work` is done;
  // the process then waits to be killed.
  pid_t StartIn(const std::string& cgroup, const std::function<void()>& work) {
    int go[2], ready[2];
    if (::pipe(go) != 0 || ::pipe(ready) != 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
      char c;
      if (::read(go[0], &c, 1) != 1) ::_exit(1);
      work();
      if (::write(ready[1], "r", 1) != 1) ::_exit(3);
      while (true) ::pause();
    }
    children_.push_back(pid);
    ::close(go[0]);
    ::close(ready[1]);
    WriteRaw(absl::StrCat(kMount, cgroup, "/cgroup.procs"), std::to_string(pid));
    char c = 0;
    if (::write(go[1], "g", 1) != 1 || ::read(ready[0], &c, 1) != 1) pid = -1;
    ::close(go[1]);
    ::close(ready[0]);
    return pid;
  }

  static bool Alive(pid_t pid) {
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == 0;
  }

  uint64_t OomKills(const std::string& cgroup) {
    absl::StatusOr<CgroupState> s = driver_->Read(cgroup);
    return s.ok() ? s->oom_kill_count.value_or(0) : ~uint64_t{0};
  }

  std::string pod_, app_, worker_;
  std::vector<std::string> created_;
  std::vector<pid_t> children_;
  std::unique_ptr<CgroupfsDriver> driver_;
};

void TouchAnonymous(size_t bytes) {
  // Stores through a volatile pointer are kept; every page is faulted in and charged.
  volatile char* p = static_cast<volatile char*>(std::malloc(bytes));
  if (p == nullptr) ::_exit(2);
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
}

void ReadFile(const char* path, size_t bytes) {
  // Buffered reads fill clean page cache, reclaimable and charged to the reader's cgroup.
  int fd = ::open(path, O_RDONLY);
  if (fd < 0) ::_exit(4);
  std::vector<char> buf(1 << 16);
  size_t total = 0;
  while (total < bytes) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) ::_exit(5);
    total += static_cast<size_t>(n);
  }
  ::close(fd);
}

TEST_F(CgroupV2VmTest, AppliesAndReadsBackWithARunningProcess) {
  pid_t pid = StartIn(app_, [] {});
  ASSERT_GT(pid, 0);
  CgroupValues pod;
  pod.cpu_shares = 2048;  // 2 CPUs requested: linear weight 79
  pod.cpu_max = CpuMax{200000, 100000};
  pod.memory_max_bytes = 256 << 20;
  pod.pids_max = 128;
  ASSERT_THAT(driver_->Apply(pod_, pod, {}), IsOk());
  CgroupValues app;
  app.cpu_weight = CpuWeightQuadratic(1024);  // what runc ≥ 1.3.2 writes for 1 CPU: 100
  app.cpu_max = CpuMax{100000, 100000};
  app.memory_max_bytes = 128 << 20;
  app.pids_max = 64;
  ASSERT_THAT(driver_->Apply(app_, app, {"app"}), IsOk());

  EXPECT_EQ(Raw(pod_, "cpu.weight"), "79");
  EXPECT_EQ(Raw(pod_, "cpu.max"), "200000 100000");
  EXPECT_EQ(Raw(pod_, "memory.max"), "268435456");
  EXPECT_EQ(Raw(pod_, "pids.max"), "128");
  EXPECT_EQ(Raw(app_, "cpu.weight"), "100");
  EXPECT_EQ(Raw(app_, "cpu.max"), "100000 100000");
  EXPECT_EQ(Raw(app_, "memory.max"), "134217728");
  EXPECT_EQ(Raw(app_, "pids.max"), "64");
  EXPECT_EQ(Raw(app_, "cgroup.procs"), std::to_string(pid));

  absl::StatusOr<CgroupState> s = driver_->Read(app_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->cpu_weight, 100u);
  EXPECT_EQ(s->cpu_max, (CpuMax{100000, 100000}));
  EXPECT_EQ(s->memory_max_bytes, 128 << 20);
  EXPECT_EQ(s->pids_max, 64);

  const int writes = driver_->writes();
  ASSERT_THAT(driver_->Apply(pod_, pod, {}), IsOk());
  ASSERT_THAT(driver_->Apply(app_, app, {"app"}), IsOk());
  EXPECT_EQ(driver_->writes(), writes) << "re-applying the same values must write nothing";
  EXPECT_TRUE(Alive(pid));
}

api::ContainerSpec Container(const std::string& name, const char* cpu, const char* mem) {
  api::ContainerSpec c;
  c.name = name;
  c.resources.requests.cpu = *api::Quantity::Parse(cpu);
  c.resources.limits.cpu = *api::Quantity::Parse(cpu);
  c.resources.requests.memory = *api::Quantity::Parse(mem);
  c.resources.limits.memory = *api::Quantity::Parse(mem);
  return c;
}

api::Pod MakePod(const char* app_cpu, const char* app_mem, const char* worker_cpu,
                 const char* worker_mem) {
  api::Pod p;
  p.name = "web";
  p.namespace_name = "default";
  p.uid = kUid;
  p.phase = api::PodPhase::kRunning;
  p.qos_class = api::QosClass::kGuaranteed;
  p.containers = {Container("app", app_cpu, app_mem), Container("worker", worker_cpu, worker_mem)};
  return p;
}

// The container's values as the runtime would write them (UpdateContainerResources).
CgroupValues ContainerValues(const api::ContainerSpec& c, resize::StepResource r) {
  CgroupValues v;
  if (r == resize::StepResource::kMemory) {
    v.memory_max_bytes = c.resources.limits.memory->Value();
  } else {
    const int64_t shares = MilliCpuToShares(c.resources.requests.cpu->MilliValue());
    v.cpu_weight = CpuWeightQuadratic(static_cast<uint64_t>(shares));
    v.cpu_max = CpuMax{MilliCpuToQuota(c.resources.limits.cpu->MilliValue(), kQuotaPeriodUs),
                       kQuotaPeriodUs};
  }
  return v;
}

class PlannerOnKernelTest : public CgroupV2VmTest {
 protected:
  // Writes `pod`'s values into the pod and container cgroups, as after a completed resize.
  void Establish(const api::Pod& pod) {
    resize::PodCgroupConfig cfg = resize::ResourceConfigForPod(pod);
    CgroupValues v;
    v.cpu_shares = static_cast<uint64_t>(cfg.cpu_shares.value_or(2));
    v.cpu_max = CpuMax{cfg.cpu_quota.value_or(0) > 0 ? *cfg.cpu_quota : kUnlimited,
                       static_cast<uint64_t>(cfg.cpu_period.value_or(kQuotaPeriodUs))};
    v.memory_max_bytes = cfg.memory_limit_bytes.value_or(kUnlimited);
    ASSERT_THAT(driver_->Apply(pod_, v, {}), IsOk());
    for (const api::ContainerSpec& c : pod.containers) {
      for (auto r : {resize::StepResource::kMemory, resize::StepResource::kCpu}) {
        ASSERT_THAT(driver_->Apply(pod_ + "/" + c.name, ContainerValues(c, r), {c.name}), IsOk());
      }
    }
  }

  // Runs the planner's steps against the real cgroups, checking after each step, from the real
  // files, that the pod's memory and CPU limits are never below the sum of its containers'.
  std::vector<std::string> Run(const api::Pod& from, const api::Pod& to) {
    std::vector<std::string> order;
    for (const resize::PlanStep& step : resize::MakePlan(from, to)) {
      order.push_back(step.ToString());
      if (step.action == resize::StepAction::kResizePodCgroup) {
        CgroupValues v;
        if (step.resource == resize::StepResource::kMemory) {
          v.memory_max_bytes = step.to.value_or(kUnlimited);
        } else if (step.field == resize::StepField::kLimit) {
          v.cpu_max = CpuMax{step.to.value_or(kUnlimited), kQuotaPeriodUs};
        } else {
          v.cpu_shares = static_cast<uint64_t>(step.to.value_or(2));
        }
        EXPECT_THAT(driver_->Apply(pod_, v, {}), IsOk()) << step.ToString();
      } else {
        for (const api::ContainerSpec& c : to.containers) {
          if (c.name != step.target) continue;
          EXPECT_THAT(
              driver_->Apply(pod_ + "/" + c.name, ContainerValues(c, step.resource), {c.name}),
              IsOk())
              << step.ToString();
        }
      }
      CheckPodAboveContainers(step.ToString());
    }
    return order;
  }

  void CheckPodAboveContainers(const std::string& after) {
    absl::StatusOr<CgroupState> pod = driver_->Read(pod_);
    absl::StatusOr<CgroupState> app = driver_->Read(app_);
    absl::StatusOr<CgroupState> worker = driver_->Read(worker_);
    ASSERT_THAT(pod, IsOk());
    ASSERT_THAT(app, IsOk());
    ASSERT_THAT(worker, IsOk());
    const int64_t mem_sum = *app->memory_max_bytes + *worker->memory_max_bytes;
    EXPECT_GE(*pod->memory_max_bytes, mem_sum) << "after " << after;
    const int64_t cpu_sum = app->cpu_max->quota_usec + worker->cpu_max->quota_usec;
    EXPECT_GE(pod->cpu_max->quota_usec, cpu_sum) << "after " << after;
  }
};

TEST_F(PlannerOnKernelTest, GrowPodFirstShrinkContainersFirst) {
  pid_t a = StartIn(app_, [] {});
  pid_t h = StartIn(worker_, [] {});
  ASSERT_GT(a, 0);
  ASSERT_GT(h, 0);
  const api::Pod small = MakePod("500m", "64Mi", "250m", "32Mi");
  const api::Pod big = MakePod("1", "128Mi", "250m", "16Mi");
  Establish(small);
  EXPECT_EQ(Raw(pod_, "memory.max"), std::to_string(96 << 20));
  EXPECT_EQ(Raw(pod_, "cpu.max"), "75000 100000");

  std::vector<std::string> grow = Run(small, big);
  ASSERT_FALSE(grow.empty());
  EXPECT_EQ(grow.front(), "resize-pod-cgroup pod memory limit increase");
  EXPECT_EQ(Raw(pod_, "memory.max"), std::to_string(144 << 20));
  EXPECT_EQ(Raw(pod_, "cpu.max"), "125000 100000");
  EXPECT_EQ(Raw(app_, "memory.max"), std::to_string(128 << 20));
  EXPECT_EQ(Raw(worker_, "memory.max"), std::to_string(16 << 20));
  EXPECT_EQ(Raw(app_, "cpu.max"), "100000 100000");

  std::vector<std::string> shrink = Run(big, small);
  // Memory: the app container shrinks before the pod does.
  auto pos = [&](const std::string& s) {
    return std::find(shrink.begin(), shrink.end(), s) - shrink.begin();
  };
  EXPECT_LT(pos("resize-container app memory limit decrease"),
            pos("resize-pod-cgroup pod memory limit decrease"));
  EXPECT_LT(pos("resize-pod-cgroup pod memory limit decrease"), static_cast<long>(shrink.size()));
  EXPECT_EQ(Raw(pod_, "memory.max"), std::to_string(96 << 20));
  EXPECT_EQ(Raw(pod_, "cpu.max"), "75000 100000");
  EXPECT_EQ(Raw(app_, "cpu.max"), "50000 100000");
  EXPECT_TRUE(Alive(a));
  EXPECT_TRUE(Alive(h));
  for (const std::string& s : grow) std::printf("  grow:   %s\n", s.c_str());
  for (const std::string& s : shrink) std::printf("  shrink: %s\n", s.c_str());
}

TEST_F(CgroupV2VmTest, AnonymousMemoryShrinkIsRefusedWithoutOomKill) {
  pid_t pid = StartIn(app_, [] { TouchAnonymous(60 << 20); });
  ASSERT_GT(pid, 0);
  absl::StatusOr<CgroupState> before = driver_->Read(app_);
  ASSERT_THAT(before, IsOk());
  ASSERT_GE(*before->memory_current_bytes, uint64_t{60} << 20);
  const uint64_t oom_before = OomKills(app_);

  CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  absl::Status s = driver_->Apply(app_, v, {"app"});
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("attempting to set container \"app\" memory limit (20971520) "
                                    "below current usage (")));
  std::printf("  refused: %s\n", std::string(s.message()).c_str());
  EXPECT_THAT(driver_->Apply(pod_, v, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("attempting to set pod memory limit (20971520) below current "
                                 "usage (")));
  EXPECT_TRUE(Alive(pid)) << "the memory holder was killed";
  EXPECT_EQ(OomKills(app_), oom_before);
  EXPECT_EQ(Raw(app_, "memory.max"), "max");
  EXPECT_EQ(Raw(pod_, "memory.max"), "max");
}

// Why the guard exists: the same write made directly OOM-kills on cgroup v2.
TEST_F(CgroupV2VmTest, WithoutTheGuardTheKernelOomKills) {
  pid_t pid = StartIn(worker_, [] { TouchAnonymous(60 << 20); });
  ASSERT_GT(pid, 0);
  const uint64_t oom_before = OomKills(worker_);
  WriteRaw(absl::StrCat(kMount, worker_, "/memory.max"), std::to_string(20 << 20));
  // Real-time wait on a real process: poll with a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  pid_t reaped = 0;
  while (reaped == 0 && std::chrono::steady_clock::now() < deadline) {
    reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(reaped, pid) << "the process over the new limit was not killed";
  children_.erase(std::find(children_.begin(), children_.end(), pid));
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(OomKills(worker_), oom_before + 1);
}

TEST_F(CgroupV2VmTest, PageCacheShrinkIsReclaimedThenApplied) {
  ASSERT_EQ(::access(kCacheFile, R_OK), 0) << kCacheFile << " is missing: the VM's /init makes it";
  pid_t pid = StartIn(worker_, [] { ReadFile(kCacheFile, 48 << 20); });
  ASSERT_GT(pid, 0);
  absl::StatusOr<CgroupState> before = driver_->Read(worker_);
  ASSERT_THAT(before, IsOk());
  ASSERT_GE(*before->memory_current_bytes, uint64_t{40} << 20)
      << "the page cache was not charged to the reader's cgroup";
  const uint64_t oom_before = OomKills(worker_);

  CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  ASSERT_THAT(driver_->Apply(worker_, v, {"worker"}), IsOk());
  EXPECT_EQ(Raw(worker_, "memory.max"), "20971520");
  absl::StatusOr<CgroupState> after = driver_->Read(worker_);
  ASSERT_THAT(after, IsOk());
  EXPECT_LT(*after->memory_current_bytes, uint64_t{20} << 20);
  EXPECT_EQ(after->oom_kill_count, oom_before);
  EXPECT_TRUE(Alive(pid));
  std::printf("  page cache: memory.current %llu -> %llu bytes, memory.max 20971520\n",
              static_cast<unsigned long long>(*before->memory_current_bytes),
              static_cast<unsigned long long>(*after->memory_current_bytes));
}

TEST_F(CgroupV2VmTest, PressureAndMemoryCurrentParsedFromRealFiles) {
  pid_t pid = StartIn(app_, [] { TouchAnonymous(8 << 20); });
  ASSERT_GT(pid, 0);
  absl::StatusOr<CgroupState> s = driver_->Read(app_);
  ASSERT_THAT(s, IsOk());
  ASSERT_TRUE(s->memory_current_bytes.has_value());
  EXPECT_GE(*s->memory_current_bytes, uint64_t{8} << 20);
  // The driver's number is the file's number.
  absl::StatusOr<uint64_t> raw = ParseUint(Raw(app_, "memory.current"));
  ASSERT_THAT(raw, IsOk());
  EXPECT_NEAR(static_cast<double>(*raw), static_cast<double>(*s->memory_current_bytes), 1 << 20);
  ASSERT_TRUE(s->cpu_pressure.has_value());
  ASSERT_TRUE(s->memory_pressure.has_value());
  ASSERT_TRUE(s->io_pressure.has_value());
  EXPECT_TRUE(s->memory_pressure->full.has_value());
  EXPECT_TRUE(s->io_pressure->full.has_value());
  EXPECT_TRUE(s->oom_kill_count.has_value());
  std::printf(
      "  memory.current=%llu cpu.pressure some total=%llu memory.pressure some avg10=%.2f\n",
      static_cast<unsigned long long>(*s->memory_current_bytes),
      static_cast<unsigned long long>(s->cpu_pressure->some.total_usec),
      s->memory_pressure->some.avg10);
}

}  // namespace
}  // namespace resizelet::cgroups
