// systemd/resizelet.service checked by systemd's own tools: `systemd-analyze verify` must be
// clean and `systemd-analyze security --offline=true` must rate the exposure at most 4.0.
// ExecStart must start the daemon: it is run against the built binary with the unit's arguments.
// The unit's ExecStart is /usr/bin/resizelet; where that binary is not installed, verify reports
// exactly that, so the clean check runs on a copy whose ExecStart points at an executable the
// test provides, and the pristine unit is allowed that one complaint and nothing else.
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace resizelet::systemd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string SourceDir() {
  const char* d = std::getenv("RESIZELET_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

std::string UnitPath() { return SourceDir() + "/systemd/resizelet.service"; }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a command with a deadline (timeout(1)); the exit code is the command's.
Result RunCommand(const std::string& cmd) {
  Result r;
  FILE* p = ::popen(absl::StrCat("timeout 60 ", cmd, " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class UnitFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access("/usr/bin/systemd-analyze", X_OK), 0)
        << "systemd-analyze is missing: scripts/install-deps.sh host installs systemd";
    char tmpl[] = "/tmp/resizelet-unit-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(UnitFileTest, DeclaresNotifyWatchdogRestartAndKeepsCgroupsWritable) {
  const std::string unit = ReadAll(UnitPath());
  ASSERT_FALSE(unit.empty()) << UnitPath();
  EXPECT_THAT(unit, HasSubstr("\nType=notify\n"));
  EXPECT_THAT(unit, HasSubstr("\nWatchdogSec="));
  EXPECT_THAT(unit, HasSubstr("\nRestart=always\n"));
  EXPECT_THAT(unit, HasSubstr("\nReadWritePaths=/sys/fs/cgroup"));
  EXPECT_THAT(unit, HasSubstr("\nExecStart=/usr/bin/resizelet "));
  // Settings that would make /sys/fs/cgroup or /proc/cgroups unusable.
  for (const char* bad : {"\nProtectControlGroups=", "\nProtectKernelTunables=", "\nProcSubset=",
                          "\nPrivateUsers="}) {
    EXPECT_THAT(unit, Not(HasSubstr(bad))) << bad;
  }
}

// ExecStart must start the daemon (`resizelet run`) with the unit's config file: run it against
// the built binary, the config path moved into the test's directory, with a config whose
// kubeconfig does not exist. Getting as far as reading that kubeconfig proves the command and
// the config file were accepted.
TEST_F(UnitFileTest, ExecStartRunsTheDaemonWithTheConfigFile) {
  const std::string unit = ReadAll(UnitPath());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m, std::regex("\nExecStart=(.*)\n"))) << unit;
  const std::string config = dir_ + "/config.yaml";
  std::ofstream(config) << "apiVersion: resizelet.io/v1alpha1\n"
                           "kind: ResizeletConfiguration\n"
                           "kubeconfig: "
                        << dir_ << "/missing-kubeconfig\n"
                        << "stateDirectory: " << dir_ << "/state\n"
                        << "metricsBindAddress: \"\"\nhealthzBindAddress: \"\"\n";
  const std::string command = absl::StrReplaceAll(
      m[1].str(),
      {{"/usr/bin/resizelet", RESIZELET_BINARY}, {"/etc/resizelet/config.yaml", config}});
  ASSERT_NE(command, m[1].str());
  Result r = RunCommand(command);
  EXPECT_EQ(r.exit_code, 1) << command << "\n" << r.output;
  EXPECT_THAT(r.output, HasSubstr(absl::StrCat("reading kubeconfig ", dir_, "/missing-kubeconfig")))
      << command;
  EXPECT_THAT(r.output, Not(HasSubstr("unknown command")));
}

TEST_F(UnitFileTest, VerifyIsClean) {
  // A stand-in for the daemon binary, so that verify checks everything else.
  const std::string exe = dir_ + "/resizelet";
  std::ofstream(exe) << "#!/bin/sh\nexit 0\n";
  ASSERT_EQ(::chmod(exe.c_str(), 0755), 0);
  const std::string unit = absl::StrReplaceAll(
      ReadAll(UnitPath()),
      {{"ExecStart=/usr/bin/resizelet ", absl::StrCat("ExecStart=", exe, " ")}});
  std::ofstream(dir_ + "/resizelet.service") << unit;
  Result r = RunCommand(absl::StrCat("systemd-analyze verify ", dir_, "/resizelet.service"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "verify must print nothing";
}

TEST_F(UnitFileTest, PristineUnitOnlyLacksTheInstalledBinary) {
  Result r = RunCommand(absl::StrCat("systemd-analyze verify ", UnitPath()));
  if (::access("/usr/bin/resizelet", X_OK) == 0) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "");
    return;
  }
  for (absl::string_view line : absl::StrSplit(r.output, '\n', absl::SkipEmpty())) {
    EXPECT_THAT(std::string(line), HasSubstr("/usr/bin/resizelet is not executable"));
  }
}

TEST_F(UnitFileTest, SecurityExposureIsAtMostFour) {
  Result r =
      RunCommand(absl::StrCat("systemd-analyze security --offline=true --no-pager ", UnitPath()));
  std::smatch m;
  const std::regex overall("Overall exposure level for resizelet\\.service: ([0-9]+\\.[0-9]+)");
  ASSERT_TRUE(std::regex_search(r.output, m, overall)) << r.output;
  const double exposure = std::stod(m[1].str());
  std::printf("systemd-analyze security: exposure %.1f\n", exposure);
  EXPECT_LE(exposure, 4.0) << r.output;
}

}  // namespace
}  // namespace resizelet::systemd
