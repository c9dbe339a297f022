// CgroupfsDriver on fixture trees: a fake cgroupfs in a temp directory, described by a mounts
// text, so v2, v1 and hybrid layouts and the --cgroup-root/mount-point split are all covered
// without touching the host's hierarchies.
#include "cgroups/cgroupfs_driver.h"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cgroups/cgroup_name.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cgroups {
namespace {

namespace fs = std::filesystem;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/resizelet-cgfixture-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~TempTree() { fs::remove_all(root_); }
  const std::string& root() const { return root_; }
  void Write(const std::string& rel, const std::string& content) const {
    fs::path p = fs::path(root_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
  std::string Read(const std::string& rel) const {
    std::ifstream in(fs::path(root_) / rel);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string root_;
};

// Counts writes per file and can simulate kernel behaviour (errors, memory.reclaim).
class RecordingWriter : public CgroupFileWriter {
 public:
  explicit RecordingWriter(const TempTree* tree) : tree_(tree) {}
  absl::Status Write(const Target& t, std::string_view value) override {
    const std::string path = absl::StrCat(t.mount_dir, t.cgroup_name, "/", t.file);
    log.push_back(absl::StrCat(t.file, "=", ToAbsl(value)));
    if (auto it = fail_with.find(t.file); it != fail_with.end()) {
      return WriteError(path, value, it->second);
    }
    if (t.file == "memory.reclaim") {
      // Page cache goes away: the usage drops by what was asked, down to `unreclaimable`.
      std::string cur_path = absl::StrCat(t.mount_dir, t.cgroup_name, "/memory.current");
      uint64_t cur = *ParseUint(*ReadCgroupFile(cur_path));
      uint64_t ask = *ParseUint(value);
      uint64_t next = cur > ask ? cur - ask : 0;
      if (next < unreclaimable) next = unreclaimable;
      std::ofstream(cur_path) << next << "\n";
      return next == unreclaimable && cur - unreclaimable < ask ? WriteError(path, value, EAGAIN)
                                                                : absl::OkStatus();
    }
    return direct_.Write(t, value);
  }
  std::vector<std::string> log;
  std::map<std::string, int> fail_with;
  uint64_t unreclaimable = 0;

 private:
  const TempTree* tree_;
  DirectFileWriter direct_;
};

// The kubelet's --cgroup-root=/node: kubepods lives under /node, and names carry the root.
constexpr char kPod[] = "/node/kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef";

class V2FixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.Write("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    const std::string dir = absl::StrCat(kPod + 1, "/");
    tree_.Write(dir + "cpu.weight", "100\n");
    tree_.Write(dir + "cpu.max", "max 100000\n");
    tree_.Write(dir + "cpu.pressure",
                "some avg10=0.00 avg60=0.00 avg300=0.00 total=1000\n"
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=500\n");
    tree_.Write(dir + "memory.max", "max\n");
    tree_.Write(dir + "memory.current", "62914560\n");
    tree_.Write(dir + "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    tree_.Write(dir + "memory.reclaim", "");
    tree_.Write(dir + "memory.stat",
                "anon 62914560\nfile 0\nactive_file 0\ninactive_file 0\n"
                "slab_reclaimable 0\n");
    tree_.Write("swaps", "Filename\tType\tSize\tUsed\tPriority\n");  // no swap
    tree_.Write(dir + "memory.pressure",
                "some avg10=0.50 avg60=0.00 avg300=0.00 total=9\n"
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=3\n");
    tree_.Write(dir + "io.pressure",
                "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    tree_.Write(dir + "pids.max", "max\n");
    tree_.Write(dir + "hugetlb.2MB.max", "max\n");
    tree_.Write(dir + "hugetlb.2MB.rsvd.max", "max\n");
    tree_.Write(dir + "hugetlb.1GB.max", "max\n");
    absl::StatusOr<CgroupLayout> layout =
        DetectLayout(tree_.root(), absl::StrCat("cgroup2 ", tree_.root(), " cgroup2 rw 0 0\n"));
    ASSERT_THAT(layout, IsOk());
    CgroupfsOptions opts;
    opts.mount_point = tree_.root();
    opts.swaps_file = tree_.root() + "/swaps";
    auto writer = std::make_unique<RecordingWriter>(&tree_);
    writer_ = writer.get();
    driver_ = std::make_unique<CgroupfsDriver>(*layout, opts, std::move(writer));
  }
  std::string File(const std::string& name) const {
    return tree_.Read(absl::StrCat(kPod + 1, "/", name));
  }

  TempTree tree_;
  RecordingWriter* writer_ = nullptr;
  std::unique_ptr<CgroupfsDriver> driver_;
};

TEST_F(V2FixtureTest, DetectsUnifiedLayout) {
  EXPECT_EQ(driver_->layout().mode, HierarchyMode::kUnified);
  absl::StatusOr<std::string> dir = driver_->Dir("memory", kPod);
  ASSERT_THAT(dir, IsOk());
  EXPECT_EQ(*dir, absl::StrCat(tree_.root(), kPod));
}

TEST_F(V2FixtureTest, PathsAreTheKubeletNamesWithTheirRoot) {
  absl::StatusOr<CgroupName> root = ParseCgroupRoot("/node");
  ASSERT_THAT(root, IsOk());
  absl::StatusOr<CgroupName> pod =
      PodCgroupName(*root, PodQosTier::kBurstable, "1234abcd-5678-90ef-1234-567890abcdef");
  ASSERT_THAT(pod, IsOk());
  EXPECT_EQ(ToCgroupfs(*pod), kPod);
  EXPECT_THAT(driver_->Read(ToCgroupfs(*pod)), IsOk());
}

TEST_F(V2FixtureTest, ReadsEveryValue) {
  absl::StatusOr<CgroupState> s = driver_->Read(kPod);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->cpu_weight, 100u);
  EXPECT_FALSE(s->cpu_shares.has_value());
  EXPECT_EQ(s->cpu_max, (CpuMax{kUnlimited, 100000}));
  EXPECT_EQ(s->memory_max_bytes, kUnlimited);
  EXPECT_EQ(s->memory_current_bytes, 62914560u);
  EXPECT_EQ(s->oom_kill_count, 0u);
  EXPECT_EQ(s->pids_max, kUnlimited);
  EXPECT_THAT(s->hugetlb, ::testing::ElementsAre(HugetlbLimit{"1GB", kUnlimited},
                                                 HugetlbLimit{"2MB", kUnlimited}));
  ASSERT_TRUE(s->cpu_pressure.has_value());
  EXPECT_EQ(s->cpu_pressure->some.total_usec, 1000u);
  ASSERT_TRUE(s->memory_pressure.has_value());
  EXPECT_DOUBLE_EQ(s->memory_pressure->some.avg10, 0.5);
  EXPECT_TRUE(s->io_pressure.has_value());
}

TEST_F(V2FixtureTest, MissingCgroupIsNotFound) {
  EXPECT_THAT(driver_->Read("/kubepods/podnope"), StatusIs(absl::StatusCode::kNotFound));
  CgroupValues v;
  v.pids_max = 10;
  EXPECT_THAT(driver_->Apply("/kubepods/podnope", v, {}), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(V2FixtureTest, RejectsPathsThatEscapeTheRoot) {
  EXPECT_THAT(driver_->Read("/kubepods/../../etc"), StatusIs(absl::StatusCode::kNotFound));
  CgroupValues v;
  v.pids_max = 10;
  EXPECT_THAT(driver_->Apply("/kubepods/../x", v, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("..")));
}

TEST_F(V2FixtureTest, AppliesAndWritesOnlyWhatDiffers) {
  CgroupValues v;
  v.cpu_shares = 1024;  // linear → cpu.weight 39 (facts.md §2)
  v.cpu_max = CpuMax{150000, 100000};
  v.memory_max_bytes = int64_t{1} << 30;
  v.pids_max = 1024;
  v.hugetlb = {HugetlbLimit{"2MB", 4 << 20}};
  ASSERT_THAT(driver_->Apply(kPod, v, {}), IsOk());
  EXPECT_EQ(File("cpu.weight"), "39");
  EXPECT_EQ(File("cpu.max"), "150000 100000");
  EXPECT_EQ(File("memory.max"), "1073741824");
  EXPECT_EQ(File("pids.max"), "1024");
  EXPECT_EQ(File("hugetlb.2MB.max"), "4194304");
  EXPECT_EQ(File("hugetlb.1GB.max"), "max\n");  // not listed: unchanged
  const int writes = driver_->writes();
  EXPECT_EQ(writes, 5);
  // The same values again: nothing is written.
  ASSERT_THAT(driver_->Apply(kPod, v, {}), IsOk());
  EXPECT_EQ(driver_->writes(), writes);
  // One value changes: one write.
  v.pids_max = kUnlimited;
  ASSERT_THAT(driver_->Apply(kPod, v, {}), IsOk());
  EXPECT_EQ(driver_->writes(), writes + 1);
  EXPECT_EQ(File("pids.max"), "max");
}

TEST_F(V2FixtureTest, ExplicitWeightWins) {
  CgroupValues v;
  v.cpu_shares = 1024;
  v.cpu_weight = 100;  // a container cgroup under runc ≥ 1.3.2 (quadratic)
  ASSERT_THAT(driver_->Apply(kPod, v, {}), IsOk());
  EXPECT_EQ(File("cpu.weight"), "100\n");  // already 100: not written
  EXPECT_EQ(driver_->writes(), 0);
}

TEST_F(V2FixtureTest, ShrinkBelowUsageIsRefusedWithTheKubeletMessage) {
  writer_->unreclaimable = 62914560;  // all anonymous: reclaim frees nothing
  CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  v.cpu_shares = 2048;
  EXPECT_THAT(driver_->Apply(kPod, v, {"app"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "attempting to set container \"app\" memory limit (20971520) below "
                       "current usage (62914560)"));
  EXPECT_EQ(File("memory.max"), "max\n");
  EXPECT_EQ(File("cpu.weight"), "100\n");  // memory first: nothing else was written
  // All anonymous, no swap: reclaim could not help, so the page cache was left alone.
  EXPECT_THAT(writer_->log, ::testing::IsEmpty());
  EXPECT_THAT(driver_->Apply(kPod, v, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("attempting to set pod memory limit (20971520)")));
}

TEST_F(V2FixtureTest, ShrinkReclaimsPageCacheThenApplies) {
  writer_->unreclaimable = 10 << 20;  // 50 MiB of the 60 MiB is page cache
  tree_.Write(absl::StrCat(kPod + 1, "/memory.stat"),
              "anon 10485760\nfile 52428800\nactive_file 20971520\ninactive_file 31457280\n"
              "slab_reclaimable 0\n");
  CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  ASSERT_THAT(driver_->Apply(kPod, v, {"app"}), IsOk());
  EXPECT_EQ(File("memory.max"), "20971520");
  EXPECT_THAT(writer_->log,
              ::testing::ElementsAre(HasSubstr("memory.reclaim="), "memory.max=20971520"));
}

TEST_F(V2FixtureTest, WithSwapAnonymousMemoryIsWorthReclaiming) {
  tree_.Write("swaps",
              "Filename\tType\tSize\tUsed\tPriority\n/dev/zram0 partition 1048572 0 100\n");
  writer_->unreclaimable = 0;  // the kernel can page it all out
  CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  ASSERT_THAT(driver_->Apply(kPod, v, {"app"}), IsOk());
  EXPECT_THAT(writer_->log,
              ::testing::ElementsAre(HasSubstr("memory.reclaim="), "memory.max=20971520"));
}

TEST_F(V2FixtureTest, HeadroomIsHonoured) {
  CgroupfsOptions opts;
  opts.mount_point = tree_.root();
  opts.swaps_file = tree_.root() + "/swaps";
  opts.memory_shrink.headroom_bytes = 10 << 20;
  opts.memory_shrink.reclaim = false;
  CgroupfsDriver d(driver_->layout(), opts, std::make_unique<DirectFileWriter>());
  CgroupValues v;
  v.memory_max_bytes = 70 << 20;  // 60 MiB used + 10 MiB headroom reaches 70 MiB
  EXPECT_THAT(d.Apply(kPod, v, {}), StatusIs(absl::StatusCode::kFailedPrecondition));
  v.memory_max_bytes = (70 << 20) + 1;
  EXPECT_THAT(d.Apply(kPod, v, {}), IsOk());
}

TEST_F(V2FixtureTest, GrowIsNotChecked) {
  tree_.Write(absl::StrCat(kPod + 1, "/memory.max"), "20971520\n");
  CgroupValues v;
  v.memory_max_bytes = 30 << 20;  // usage 60 MiB > 30 MiB, but this is a grow
  ASSERT_THAT(driver_->Apply(kPod, v, {}), IsOk());
  EXPECT_EQ(File("memory.max"), "31457280");
}

TEST_F(V2FixtureTest, KernelErrorsNameFileAndValue) {
  writer_->fail_with["cpu.max"] = EINVAL;
  CgroupValues v;
  v.cpu_max = CpuMax{500, 100000};
  EXPECT_THAT(driver_->Apply(kPod, v, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("cpu.max"), HasSubstr("\"500 100000\""))));
  writer_->fail_with["pids.max"] = EACCES;
  v = {};
  v.pids_max = 5;
  EXPECT_THAT(driver_->Apply(kPod, v, {}),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("pids.max")));
}

// cgroup v1 (legacy): each controller has its own hierarchy.
class V1FixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string root = tree_.root();
    for (const char* c : {"cpu", "memory", "pids", "hugetlb"}) {
      tree_.Write(absl::StrCat(c, "/x"), "");
    }
    const std::string p = absl::StrCat(kPod, "/");
    tree_.Write("cpu" + p + "cpu.shares", "1024\n");
    tree_.Write("cpu" + p + "cpu.cfs_quota_us", "-1\n");
    tree_.Write("cpu" + p + "cpu.cfs_period_us", "100000\n");
    tree_.Write("memory" + p + "memory.limit_in_bytes", "9223372036854771712\n");
    tree_.Write("memory" + p + "memory.usage_in_bytes", "1048576\n");
    tree_.Write("memory" + p + "memory.oom_control",
                "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    tree_.Write("pids" + p + "pids.max", "max\n");
    tree_.Write("hugetlb" + p + "hugetlb.2MB.limit_in_bytes", "9223372036854771712\n");
    const std::string mounts = absl::StrCat(
        "tmpfs ", root, " tmpfs rw 0 0\n",  //
        "cgroup ", root, "/cpu cgroup rw,relatime,cpu 0 0\n", "cgroup ", root,
        "/memory cgroup rw,relatime,memory 0 0\n", "cgroup ", root,
        "/pids cgroup rw,relatime,pids 0 0\n", "cgroup ", root,
        "/hugetlb cgroup rw,relatime,hugetlb 0 0\n", "cgroup /elsewhere/cpu cgroup rw,cpu 0 0\n");
    absl::StatusOr<CgroupLayout> layout = DetectLayout(root, mounts);
    ASSERT_THAT(layout, IsOk());
    CgroupfsOptions opts;
    opts.mount_point = root;
    auto writer = std::make_unique<RecordingWriter>(&tree_);
    writer_ = writer.get();
    driver_ = std::make_unique<CgroupfsDriver>(*layout, opts, std::move(writer));
  }
  std::string File(const std::string& ctrl, const std::string& name) const {
    return tree_.Read(absl::StrCat(ctrl, kPod, "/", name));
  }
  TempTree tree_;
  RecordingWriter* writer_ = nullptr;
  std::unique_ptr<CgroupfsDriver> driver_;
};

TEST_F(V1FixtureTest, DetectsLegacyAndReadsV1Files) {
  EXPECT_EQ(driver_->layout().mode, HierarchyMode::kLegacy);
  EXPECT_EQ(driver_->layout().Find("cpu")->mount_dir, tree_.root() + "/cpu");
  absl::StatusOr<CgroupState> s = driver_->Read(kPod);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->cpu_shares, 1024u);
  EXPECT_FALSE(s->cpu_weight.has_value());
  EXPECT_EQ(s->cpu_max, (CpuMax{kUnlimited, 100000}));
  EXPECT_EQ(s->memory_max_bytes, kUnlimited);
  EXPECT_EQ(s->memory_current_bytes, 1048576u);
  EXPECT_EQ(s->oom_kill_count, 2u);
  EXPECT_THAT(s->hugetlb, ::testing::ElementsAre(HugetlbLimit{"2MB", kUnlimited}));
  EXPECT_FALSE(s->cpu_pressure.has_value());
}

TEST_F(V1FixtureTest, MapsValuesOntoV1Files) {
  CgroupValues v;
  v.cpu_shares = 512;
  v.cpu_max = CpuMax{50000, 100000};
  v.memory_max_bytes = 256 << 20;
  v.pids_max = 100;
  v.hugetlb = {HugetlbLimit{"2MB", 2 << 20}};
  ASSERT_THAT(driver_->Apply(kPod, v, {}), IsOk());
  EXPECT_EQ(File("cpu", "cpu.shares"), "512");
  EXPECT_EQ(File("cpu", "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(File("cpu", "cpu.cfs_period_us"), "100000\n");  // unchanged: not written
  EXPECT_EQ(File("memory", "memory.limit_in_bytes"), "268435456");
  EXPECT_EQ(File("pids", "pids.max"), "100");
  EXPECT_EQ(File("hugetlb", "hugetlb.2MB.limit_in_bytes"), "2097152");
  // Back to unlimited: v1 spells it -1.
  v = {};
  v.cpu_max = CpuMax{kUnlimited, 100000};
  v.memory_max_bytes = kUnlimited;
  ASSERT_THAT(driver_->Apply(kPod, v, {}), IsOk());
  EXPECT_EQ(File("cpu", "cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(File("memory", "memory.limit_in_bytes"), "-1");
}

TEST_F(V1FixtureTest, PeriodRejectedAgainstOldQuotaRetriesQuotaFirst) {
  writer_->fail_with["cpu.cfs_period_us"] = EINVAL;
  CgroupValues v;
  v.cpu_max = CpuMax{20000, 50000};
  // The period keeps failing in this fixture; what matters is the order tried.
  EXPECT_THAT(driver_->Apply(kPod, v, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(writer_->log,
              ::testing::ElementsAre("cpu.cfs_period_us=50000", "cpu.cfs_quota_us=20000",
                                     "cpu.cfs_period_us=50000"));
}

TEST_F(V1FixtureTest, WeightAloneHasNoV1File) {
  CgroupValues v;
  v.cpu_weight = 39;
  EXPECT_THAT(driver_->Apply(kPod, v, {}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(V1FixtureTest, ShrinkCheckUsesUsageInBytes) {
  CgroupValues v;
  v.memory_max_bytes = 1 << 20;  // usage is exactly 1 MiB
  EXPECT_THAT(driver_->Apply(kPod, v, {"c"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("memory limit (1048576) below current usage (1048576)")));
}

TEST(HierarchyTest, DetectsHybridAndPlacesUnboundControllersInV2) {
  TempTree tree;
  tree.Write("unified/cgroup.controllers", "hugetlb\n");
  const std::string r = tree.root();
  const std::string mounts = absl::StrCat("cgroup ", r, "/cpu cgroup rw,cpu 0 0\n", "cgroup ", r,
                                          "/memory cgroup rw,memory 0 0\n", "cgroup ", r,
                                          "/systemd cgroup rw,name=systemd 0 0\n", "cgroup2 ", r,
                                          "/unified cgroup2 rw 0 0\n");
  absl::StatusOr<CgroupLayout> layout = DetectLayout(r, mounts);
  ASSERT_THAT(layout, IsOk());
  EXPECT_EQ(layout->mode, HierarchyMode::kHybrid);
  EXPECT_FALSE(layout->Find("cpu")->v2);
  ASSERT_NE(layout->Find("hugetlb"), nullptr);
  EXPECT_TRUE(layout->Find("hugetlb")->v2);
  EXPECT_EQ(layout->Find("hugetlb")->mount_dir, r + "/unified");
  EXPECT_EQ(layout->Find("pids"), nullptr);
}

TEST(HierarchyTest, NothingMountedIsAnError) {
  EXPECT_THAT(DetectLayout("/sys/fs/cgroup", "proc /proc proc rw 0 0\n"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(HierarchyTest, ThisHostIsDetected) {
  // The host's own layout, read only: whatever it is, it must be recognised.
  absl::StatusOr<CgroupLayout> layout = DetectLayoutFromFile("/sys/fs/cgroup", "/proc/mounts");
  ASSERT_THAT(layout, IsOk());
  EXPECT_NE(layout->Find("memory"), nullptr);
}

}  // namespace
}  // namespace resizelet::cgroups
