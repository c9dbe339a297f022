// SystemdDriver: the property set it computes, and what it sends over sd-bus to a fake
// org.freedesktop.systemd1 (peer to peer, as systemd's /run/systemd/private), checked property by
// property — name, D-Bus type (as org.freedesktop.systemd1(5) declares it) and value; and the
// memory-safe shrink (memory.reclaim first) on a fixture cgroup tree.
#include "systemd/systemd_driver.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cgroups/cgroup_files.h"
#include "cgroups/cgroupfs_driver.h"
#include "cgroups/fake_cgroup_driver.h"
#include "cgroups/hierarchy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/systemd/fake_systemd.h"

namespace resizelet::systemd {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kSlicePath[] =
    "/kubepods.slice/kubepods-burstable.slice/"
    "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice";
constexpr char kSlice[] = "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice";
constexpr uint64_t kMi = 1 << 20;

// The D-Bus types of org.freedesktop.systemd1.Slice's properties, from the manual page systemd
// ships (`man 5 org.freedesktop.systemd1`), e.g. "readonly t CPUWeight = ...;".
std::map<std::string, std::string> SliceTypesFromManual() {
  std::map<std::string, std::string> types;
  FILE* p = ::popen("zcat /usr/share/man/man5/org.freedesktop.systemd1.5.gz 2>/dev/null", "r");
  if (p == nullptr) return types;
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) text.append(buf, n);
  ::pclose(p);
  // The Slice interface's block: from its declaration to the closing "};".
  const std::regex start(R"(interface org\\&\.freedesktop\\&\.systemd1\\&\.Slice \{)");
  std::smatch m;
  if (!std::regex_search(text, m, start)) return types;
  const std::string rest = m.suffix().str();
  const std::string block = rest.substr(0, rest.find("};"));
  const std::regex prop(R"((?:readonly|readwrite) (\S+) (\w+) = )");
  for (auto it = std::sregex_iterator(block.begin(), block.end(), prop);
       it != std::sregex_iterator(); ++it) {
    types[(*it)[2].str()] = (*it)[1].str();
  }
  return types;
}

TEST(ComputeUnitPropertiesTest, FullSetWithRoundedQuotaAndPreservedTasksMax) {
  const std::map<std::string, uint64_t> current = {{"CPUWeight", 39},
                                                   {"CPUQuotaPerSecUSec", kInfinity},
                                                   {"CPUQuotaPeriodUSec", 100000},
                                                   {"MemoryMax", 1024 * kMi},
                                                   {"TasksMax", 4096}};
  cgroups::CgroupValues v;
  v.cpu_shares = 2048;
  v.cpu_max = cgroups::CpuMax{123456, 100000};
  v.memory_max_bytes = 512 << 20;
  absl::StatusOr<UnitProperties> p = ComputeUnitProperties(current, v, true);
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(*p, ElementsAre(Pair("CPUWeight", 79), Pair("CPUQuotaPerSecUSec", 1240000),
                              Pair("CPUQuotaPeriodUSec", 100000), Pair("MemoryMax", 512 * kMi),
                              Pair("TasksMax", 4096)));
}

TEST(ComputeUnitPropertiesTest, QuotaRoundingFollowsRunc) {
  const std::map<std::string, uint64_t> current = {{"CPUWeight", 1},
                                                   {"CPUQuotaPerSecUSec", kInfinity},
                                                   {"CPUQuotaPeriodUSec", 100000},
                                                   {"MemoryMax", kInfinity},
                                                   {"TasksMax", kInfinity}};
  struct Case {
    int64_t quota;
    uint64_t period;
    uint64_t per_sec;
  };
  for (const Case& c :
       {Case{25000, 100000, 250000}, Case{1500, 100000, 20000}, Case{500000, 900000, 560000},
        Case{500000, 1000000, 500000}, Case{cgroups::kUnlimited, 100000, kInfinity}}) {
    cgroups::CgroupValues v;
    v.cpu_max = cgroups::CpuMax{c.quota, c.period};
    absl::StatusOr<UnitProperties> p = ComputeUnitProperties(current, v, true);
    ASSERT_THAT(p, IsOk());
    EXPECT_EQ((*p)[1], std::make_pair(std::string("CPUQuotaPerSecUSec"), c.per_sec)) << c.quota;
    EXPECT_EQ((*p)[2].second, c.period);
  }
}

TEST(ComputeUnitPropertiesTest, NeverSendsDefaultsForMissingCurrentValues) {
  cgroups::CgroupValues v;
  v.memory_max_bytes = 1;
  EXPECT_THAT(ComputeUnitProperties({{"CPUWeight", 1}}, v, true),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("CPUQuotaPerSecUSec")));
  v.hugetlb = {cgroups::HugetlbLimit{"2MB", 1}};
  EXPECT_THAT(ComputeUnitProperties({}, v, true), StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(ComputeUnitPropertiesTest, V1UsesCpuSharesAndMemoryLimit) {
  const std::map<std::string, uint64_t> current = {{"CPUShares", 1024},
                                                   {"CPUQuotaPerSecUSec", kInfinity},
                                                   {"CPUQuotaPeriodUSec", 100000},
                                                   {"MemoryLimit", kInfinity},
                                                   {"TasksMax", 512}};
  cgroups::CgroupValues v;
  v.cpu_shares = 512;
  v.memory_max_bytes = 64 << 20;
  absl::StatusOr<UnitProperties> p = ComputeUnitProperties(current, v, false);
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(*p, ElementsAre(Pair("CPUShares", 512), Pair("CPUQuotaPerSecUSec", kInfinity),
                              Pair("CPUQuotaPeriodUSec", 100000), Pair("MemoryLimit", 64 * kMi),
                              Pair("TasksMax", 512)));
  v = {};
  v.cpu_weight = 39;
  EXPECT_THAT(ComputeUnitProperties(current, v, false),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

class SystemdDriverBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resizelet-systemd-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    fake_ = FakeSystemd::Start(dir_ + "/private");
    ASSERT_NE(fake_, nullptr);
    fake_->AddUnit(kSlice, {{"CPUWeight", 39},
                            {"CPUShares", 1024},
                            {"CPUQuotaPerSecUSec", kInfinity},
                            {"CPUQuotaPeriodUSec", 100000},
                            {"MemoryMax", 1024 * kMi},
                            {"MemoryLimit", 1024 * kMi},
                            {"TasksMax", 4096}});
    cgroups::CgroupState state;
    state.memory_current_bytes = 300 * kMi;
    reader_.Set(kSlicePath, state);
  }
  void TearDown() override {
    fake_.reset();
    std::filesystem::remove_all(dir_);
  }
  SystemdDriverOptions Options(bool v2 = true) {
    SystemdDriverOptions o;
    o.cgroup_v2 = v2;
    // No bus daemon at this address: the driver falls back to the private socket.
    o.bus_address = absl::StrCat("unix:path=", dir_, "/no-bus-here");
    o.fallback_address = absl::StrCat("unix:path=", dir_, "/private");
    o.call_timeout = std::chrono::seconds(5);
    return o;
  }

  std::string dir_;
  std::unique_ptr<FakeSystemd> fake_;
  cgroups::FakeCgroupDriver reader_;
};

TEST_F(SystemdDriverBusTest, SendsTheFullPropertySetWithManualTypes) {
  const std::map<std::string, std::string> manual = SliceTypesFromManual();
  ASSERT_FALSE(manual.empty())
      << "org.freedesktop.systemd1(5) not found: the systemd package ships it";
  SystemdDriver d(Options(), &reader_);
  cgroups::CgroupValues v;
  v.cpu_shares = 2048;
  v.cpu_max = cgroups::CpuMax{150000, 100000};
  v.memory_max_bytes = 512 << 20;
  ASSERT_THAT(d.Apply(kSlicePath, v, {}), IsOk());

  std::vector<FakeSystemd::Call> calls = fake_->Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].unit, kSlice);
  EXPECT_TRUE(calls[0].runtime);
  const std::map<std::string, uint64_t> want = {{"CPUWeight", 79},
                                                {"CPUQuotaPerSecUSec", 1500000},
                                                {"CPUQuotaPeriodUSec", 100000},
                                                {"MemoryMax", 512 * kMi},
                                                {"TasksMax", 4096}};
  std::map<std::string, uint64_t> got;
  for (const FakeSystemd::Property& p : calls[0].properties) {
    ASSERT_EQ(manual.count(p.name), 1u) << p.name << " is not a Slice property in the manual";
    EXPECT_EQ(p.signature, manual.at(p.name)) << p.name;
    got[p.name] = p.value;
  }
  EXPECT_EQ(got, want);
}

TEST_F(SystemdDriverBusTest, ApplyingWhatHoldsCallsNothing) {
  SystemdDriver d(Options(), &reader_);
  cgroups::CgroupValues v;
  v.cpu_shares = 1024;  // linear weight 39, as the unit has
  v.memory_max_bytes = 1024 << 20;
  v.pids_max = 4096;
  ASSERT_THAT(d.Apply(kSlicePath, v, {}), IsOk());
  EXPECT_EQ(d.calls(), 0);
  EXPECT_TRUE(fake_->Calls().empty());
}

TEST_F(SystemdDriverBusTest, ShrinkBelowUsageIsRefusedBeforeAnyCall) {
  SystemdDriver d(Options(), &reader_);
  cgroups::CgroupValues v;
  v.memory_max_bytes = 256 << 20;  // usage is 300 MiB
  EXPECT_THAT(d.Apply(kSlicePath, v, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "attempting to set pod memory limit (268435456) below current usage "
                       "(314572800)"));
  EXPECT_TRUE(fake_->Calls().empty());
  EXPECT_EQ(fake_->Unit(kSlice)["MemoryMax"], 1024 * kMi);
}

TEST_F(SystemdDriverBusTest, UnknownUnitIsNotFound) {
  SystemdDriver d(Options(), &reader_);
  cgroups::CgroupValues v;
  v.cpu_shares = 2;
  EXPECT_THAT(d.Apply("/kubepods.slice/kubepods-podnope.slice", v, {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("kubepods-podnope.slice")));
}

TEST_F(SystemdDriverBusTest, V1NodesSendV1Properties) {
  SystemdDriver d(Options(/*v2=*/false), &reader_);
  cgroups::CgroupValues v;
  v.cpu_shares = 512;
  v.memory_max_bytes = int64_t{2048} << 20;
  ASSERT_THAT(d.Apply(kSlicePath, v, {}), IsOk());
  std::vector<FakeSystemd::Call> calls = fake_->Calls();
  ASSERT_EQ(calls.size(), 1u);
  std::map<std::string, uint64_t> got;
  for (const FakeSystemd::Property& p : calls[0].properties) {
    EXPECT_EQ(p.signature, "t") << p.name;
    got[p.name] = p.value;
  }
  EXPECT_EQ(got, (std::map<std::string, uint64_t>{{"CPUShares", 512},
                                                  {"CPUQuotaPerSecUSec", kInfinity},
                                                  {"CPUQuotaPeriodUSec", 100000},
                                                  {"MemoryLimit", 2048 * kMi},
                                                  {"TasksMax", 4096}}));
}

TEST_F(SystemdDriverBusTest, OneConnectionPerThread) {
  SystemdDriver d(Options(), &reader_);
  ASSERT_THAT(d.ReadUnitProperties(kSlice), IsOk());
  ASSERT_THAT(d.ReadUnitProperties(kSlice), IsOk());
  EXPECT_EQ(fake_->Connections(), 1);
  absl::Status other;
  std::thread t([&] { other = d.ReadUnitProperties(kSlice).status(); });
  t.join();
  EXPECT_THAT(other, IsOk());
  EXPECT_EQ(fake_->Connections(), 2);
}

// Memory-safe shrink on a systemd node: the unit's cgroup is a fixture tree (a fake cgroup v2
// mount in a temp dir) read through a CgroupfsDriver, as on a node; memory.reclaim is written to
// the cgroup's file, and only then, if usage fits, is SetUnitProperties sent.

// Stands in for the kernel's memory.reclaim: the fixture's memory.current drops by what was
// asked, down to `unreclaimable` (EAGAIN when it could not free all of it, as the kernel does).
class KernelReclaimWriter : public cgroups::CgroupFileWriter {
 public:
  absl::Status Write(const Target& t, std::string_view value) override {
    const std::string dir = absl::StrCat(t.mount_dir, t.cgroup_name);
    log.push_back(absl::StrCat(t.file, "=", cgroups::ToAbsl(value)));
    if (t.file != cgroups::kMemoryReclaim) return direct_.Write(t, value);
    const std::string current = dir + "/memory.current";
    const uint64_t cur = *cgroups::ParseUint(*cgroups::ReadCgroupFile(current));
    const uint64_t ask = *cgroups::ParseUint(value);
    uint64_t next = cur > ask ? cur - ask : 0;
    if (next < unreclaimable) next = unreclaimable;
    std::ofstream(current) << next << "\n";
    if (cur - next < ask) {
      return cgroups::WriteError(dir + "/memory.reclaim", value, EAGAIN);
    }
    return direct_.Write(t, value);
  }
  std::vector<std::string> log;
  uint64_t unreclaimable = 0;

 private:
  cgroups::DirectFileWriter direct_;
};

// Records every memory.current value the driver reads, to show usage is read again after reclaim.
class UsageRecordingReader : public cgroups::CgroupDriver {
 public:
  explicit UsageRecordingReader(cgroups::CgroupDriver* inner) : inner_(inner) {}
  absl::StatusOr<cgroups::CgroupState> Read(const std::string& cgroup_path) override {
    absl::StatusOr<cgroups::CgroupState> s = inner_->Read(cgroup_path);
    if (s.ok() && s->memory_current_bytes) usages.push_back(*s->memory_current_bytes);
    return s;
  }
  absl::Status Apply(const std::string&, const cgroups::CgroupValues&,
                     const cgroups::ApplyTarget&) override {
    return absl::UnimplementedError("read only");
  }
  std::vector<uint64_t> usages;

 private:
  cgroups::CgroupDriver* inner_;
};

constexpr char kScope[] = "cri-containerd-0123456789ab.scope";

class SystemdDriverShrinkTest : public SystemdDriverBusTest {
 protected:
  void SetUp() override {
    SystemdDriverBusTest::SetUp();
    if (HasFatalFailure()) return;
    fake_->AddUnit(kScope, {{"CPUWeight", 39},
                            {"CPUQuotaPerSecUSec", kInfinity},
                            {"CPUQuotaPeriodUSec", 100000},
                            {"MemoryMax", 512 * kMi},
                            {"TasksMax", kInfinity}});
    cgroup_root_ = dir_ + "/cgroup";
    std::filesystem::create_directories(cgroup_root_);
    WriteFile("cgroup.controllers", "cpu io memory pids\n");
    WriteFile("swaps", "Filename\tType\tSize\tUsed\tPriority\n");  // no swap
    for (const std::string& cg : {std::string(kSlicePath), ScopePath()}) {
      WriteFile(cg + "/memory.max", "max\n");
      WriteFile(cg + "/memory.current", absl::StrCat(60 * kMi, "\n"));
      WriteFile(cg + "/memory.reclaim", "");
      // 10 MiB anonymous, 50 MiB page cache.
      WriteFile(cg + "/memory.stat",
                absl::StrCat("anon ", 10 * kMi, "\nfile ", 50 * kMi, "\nactive_file ", 20 * kMi,
                             "\ninactive_file ", 30 * kMi, "\nslab_reclaimable 0\n"));
    }
    absl::StatusOr<cgroups::CgroupLayout> layout = cgroups::DetectLayout(
        cgroup_root_, absl::StrCat("cgroup2 ", cgroup_root_, " cgroup2 rw 0 0\n"));
    ASSERT_THAT(layout, IsOk());
    cgroups::CgroupfsOptions opts;
    opts.mount_point = cgroup_root_;
    opts.write_through_libcgroup = false;
    cgroupfs_ = std::make_unique<cgroups::CgroupfsDriver>(
        *layout, opts, std::make_unique<cgroups::DirectFileWriter>());
    usage_reader_ = std::make_unique<UsageRecordingReader>(cgroupfs_.get());
  }
  static std::string ScopePath() { return absl::StrCat(kSlicePath, "/", kScope); }
  void WriteFile(const std::string& rel, const std::string& text) {
    const std::filesystem::path p =
        std::filesystem::path(cgroup_root_) / rel.substr(rel[0] == '/' ? 1 : 0);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string ReadFile(const std::string& rel) {
    std::ifstream in(std::filesystem::path(cgroup_root_) / rel.substr(rel[0] == '/' ? 1 : 0));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // A driver over the fixture; `writer_` stays valid while it lives.
  std::unique_ptr<SystemdDriver> Driver(bool reclaim = true) {
    SystemdDriverOptions o = Options();
    o.cgroup_mount_point = cgroup_root_;
    o.swaps_file = cgroup_root_ + "/swaps";
    o.memory_shrink.reclaim = reclaim;
    auto writer = std::make_unique<KernelReclaimWriter>();
    writer->unreclaimable = 10 * kMi;
    writer_ = writer.get();
    return std::make_unique<SystemdDriver>(o, usage_reader_.get(), std::move(writer));
  }
  static uint64_t SentMemoryMax(const FakeSystemd::Call& call) {
    for (const FakeSystemd::Property& p : call.properties) {
      if (p.name == "MemoryMax") return p.value;
    }
    return 0;
  }

  std::string cgroup_root_;
  std::unique_ptr<cgroups::CgroupfsDriver> cgroupfs_;
  std::unique_ptr<UsageRecordingReader> usage_reader_;
  KernelReclaimWriter* writer_ = nullptr;
};

TEST_F(SystemdDriverShrinkTest, ReclaimablePageCacheIsReclaimedThenTheUnitIsSet) {
  for (const bool pod : {true, false}) {
    SCOPED_TRACE(pod ? "pod slice" : "container scope");
    usage_reader_->usages.clear();
    const std::string path = pod ? std::string(kSlicePath) : ScopePath();
    std::unique_ptr<SystemdDriver> d = Driver();
    cgroups::CgroupValues v;
    v.memory_max_bytes = 20 << 20;  // usage 60 MiB, of which 50 MiB page cache
    const size_t calls_before = fake_->Calls().size();
    ASSERT_THAT(d->Apply(path, v, {pod ? "" : "app"}), IsOk());
    // The excess (60 - 20 MiB) plus the guard's 1 MiB slack, written to the cgroup's own file.
    EXPECT_THAT(writer_->log, ElementsAre(absl::StrCat("memory.reclaim=", 41 * kMi)));
    EXPECT_EQ(ReadFile(path + "/memory.reclaim"), std::to_string(41 * kMi));
    // Usage read before and again after the reclaim.
    EXPECT_THAT(usage_reader_->usages, ElementsAre(60 * kMi, 19 * kMi));
    std::vector<FakeSystemd::Call> calls = fake_->Calls();
    ASSERT_EQ(calls.size(), calls_before + 1);
    EXPECT_EQ(calls.back().unit, pod ? kSlice : kScope);
    EXPECT_EQ(SentMemoryMax(calls.back()), 20 * kMi);
    EXPECT_EQ(fake_->Unit(pod ? kSlice : kScope)["MemoryMax"], 20 * kMi);
  }
}

TEST_F(SystemdDriverShrinkTest, AnonymousMemoryWithoutSwapIsRefusedWithoutReclaim) {
  WriteFile(ScopePath() + "/memory.stat", absl::StrCat("anon ", 60 * kMi,
                                                       "\nfile 0\nactive_file 0\ninactive_file 0\n"
                                                       "slab_reclaimable 0\n"));
  std::unique_ptr<SystemdDriver> d = Driver();
  cgroups::CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  EXPECT_THAT(d->Apply(ScopePath(), v, {"app"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "attempting to set container \"app\" memory limit (20971520) below "
                       "current usage (62914560)"));
  // Reclaim could free nothing: the cgroup's page cache is left alone.
  EXPECT_THAT(writer_->log, ::testing::IsEmpty());
  EXPECT_TRUE(fake_->Calls().empty());
  EXPECT_EQ(fake_->Unit(kScope)["MemoryMax"], 512 * kMi);
}

TEST_F(SystemdDriverShrinkTest, WithSwapTheKernelIsAskedAndAFailedReclaimIsRefused) {
  WriteFile("swaps", "Filename\tType\tSize\tUsed\tPriority\n/dev/zram0 partition 1048572 0 100\n");
  std::unique_ptr<SystemdDriver> d = Driver();
  writer_->unreclaimable = 60 * kMi;  // the kernel frees nothing
  cgroups::CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  EXPECT_THAT(d->Apply(kSlicePath, v, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "attempting to set pod memory limit (20971520) below current usage "
                       "(62914560)"));
  EXPECT_THAT(writer_->log, ElementsAre(absl::StrCat("memory.reclaim=", 41 * kMi)));
  EXPECT_THAT(usage_reader_->usages, ElementsAre(60 * kMi, 60 * kMi));
  EXPECT_TRUE(fake_->Calls().empty());
  EXPECT_EQ(fake_->Unit(kSlice)["MemoryMax"], 1024 * kMi);
}

TEST_F(SystemdDriverShrinkTest, ReclaimDisabledRefusesWithoutTouchingMemoryReclaim) {
  std::unique_ptr<SystemdDriver> d = Driver(/*reclaim=*/false);
  cgroups::CgroupValues v;
  v.memory_max_bytes = 20 << 20;  // would be reclaimable, but reclaim is off
  EXPECT_THAT(d->Apply(kSlicePath, v, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "attempting to set pod memory limit (20971520) below current usage "
                       "(62914560)"));
  EXPECT_THAT(writer_->log, ::testing::IsEmpty());
  EXPECT_EQ(ReadFile(std::string(kSlicePath) + "/memory.reclaim"), "");
  EXPECT_THAT(usage_reader_->usages, ElementsAre(60 * kMi));
  EXPECT_TRUE(fake_->Calls().empty());
}

TEST_F(SystemdDriverShrinkTest, PathsThatEscapeTheMountAreRejected) {
  std::unique_ptr<SystemdDriver> d = Driver();
  cgroups::CgroupValues v;
  v.memory_max_bytes = 20 << 20;
  EXPECT_THAT(d->Apply(std::string(kSlicePath) + "/../../" + kSlice, v, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("..")));
  EXPECT_THAT(writer_->log, ::testing::IsEmpty());
  EXPECT_TRUE(fake_->Calls().empty());
}

// The default path: a bus daemon (the system bus on a node). A private dbus-daemon with its own
// configuration stands in for it; the fake owns org.freedesktop.systemd1 there.
class SystemdDriverDbusDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access("/usr/bin/dbus-daemon", X_OK), 0)
        << "dbus-daemon is missing: scripts/install-deps.sh host installs dbus";
    char tmpl[] = "/tmp/resizelet-dbus-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string socket = dir_ + "/bus";
    std::ofstream(dir_ + "/bus.conf")
        << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
           "  \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
           "<busconfig><type>session</type><listen>unix:path="
        << socket
        << "</listen><auth>EXTERNAL</auth><policy context=\"default\">"
           "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
           "<allow own=\"*\"/></policy></busconfig>\n";
    daemon_ = ::fork();
    ASSERT_GE(daemon_, 0);
    if (daemon_ == 0) {
      const std::string config = "--config-file=" + dir_ + "/bus.conf";
      ::execl("/usr/bin/dbus-daemon", "dbus-daemon", config.c_str(), "--nofork", "--nopidfile",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    address_ = "unix:path=" + socket;
    // A real process: poll for its socket with a deadline.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::access(socket.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(::access(socket.c_str(), F_OK), 0) << "dbus-daemon did not create " << socket;
    fake_ = FakeSystemd::StartOnBus(address_);
    ASSERT_NE(fake_, nullptr) << "could not own org.freedesktop.systemd1 on " << address_;
    fake_->AddUnit(kSlice, {{"CPUWeight", 100},
                            {"CPUQuotaPerSecUSec", kInfinity},
                            {"CPUQuotaPeriodUSec", kInfinity},
                            {"MemoryMax", kInfinity},
                            {"TasksMax", 1234}});
    cgroups::CgroupState state;
    state.memory_current_bytes = 100 * kMi;  // below the new MemoryMax: the shrink check passes
    reader_.Set(kSlicePath, state);
  }
  void TearDown() override {
    fake_.reset();
    if (daemon_ > 0) {
      ::kill(daemon_, SIGTERM);
      ::waitpid(daemon_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::string address_;
  pid_t daemon_ = -1;
  std::unique_ptr<FakeSystemd> fake_;
  cgroups::FakeCgroupDriver reader_;
};

TEST_F(SystemdDriverDbusDaemonTest, SetsPropertiesThroughTheBus) {
  SystemdDriverOptions o;
  o.bus_address = address_;
  o.fallback_address = "";  // must go through the bus daemon
  SystemdDriver d(o, &reader_);
  cgroups::CgroupValues v;
  v.cpu_shares = 1024;
  v.cpu_max = cgroups::CpuMax{1500, 100000};
  v.memory_max_bytes = int64_t{1} << 30;
  ASSERT_THAT(d.Apply(kSlicePath, v, {}), IsOk());
  std::vector<FakeSystemd::Call> calls = fake_->Calls();
  ASSERT_EQ(calls.size(), 1u);
  std::map<std::string, std::pair<std::string, uint64_t>> got;
  for (const FakeSystemd::Property& p : calls[0].properties) got[p.name] = {p.signature, p.value};
  using P = std::pair<std::string, uint64_t>;
  EXPECT_EQ(got, (std::map<std::string, P>{{"CPUWeight", P{"t", 39}},
                                           {"CPUQuotaPerSecUSec", P{"t", 20000}},
                                           {"CPUQuotaPeriodUSec", P{"t", 100000}},
                                           {"MemoryMax", P{"t", 1024 * kMi}},
                                           {"TasksMax", P{"t", 1234}}}));
  // The unit now holds them: the same values again call nothing.
  ASSERT_THAT(d.Apply(kSlicePath, v, {}), IsOk());
  EXPECT_EQ(fake_->Calls().size(), 1u);
}

TEST(SystemdDriverNoBusTest, NoBusAndNoPrivateSocketIsUnavailable) {
  cgroups::FakeCgroupDriver reader;
  SystemdDriverOptions o;
  o.bus_address = "unix:path=/nonexistent/resizelet/bus";
  o.fallback_address = "unix:path=/nonexistent/resizelet/private";
  SystemdDriver d(o, &reader);
  EXPECT_THAT(d.ReadUnitProperties(kSlice), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace resizelet::systemd
