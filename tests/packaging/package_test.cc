// The .deb of cmake/Packaging.cmake, built by cpack from this build tree (as `--target package`
// does, minus the rebuild) and checked the way an operator and dpkg see it: its control fields
// and file list through dpkg-deb, its contents extracted and run (the binary, the unit's
// ExecStart with the packaged configuration, `systemd-analyze verify`), and its maintainer
// scripts run as-is against a systemctl that records its arguments.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/subprocess.h"
#include "tests/status_matchers.h"

namespace resizelet::packaging {
namespace {

namespace fs = std::filesystem;
using ::resizelet::harness::Environment;
using ::resizelet::harness::Outcome;
using ::resizelet::harness::RunProgram;
using ::resizelet::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kCpackConfig[] = RESIZELET_BUILD_DIR "/CPackConfig.cmake";
// cpack installs one component, strips the binary and runs dpkg-shlibdeps: a few seconds here.
constexpr std::chrono::seconds kCpackTimeout(60);
constexpr std::chrono::seconds kToolTimeout(20);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// The value of the unit's (single) ExecStart= line.
std::string ExecStartOf(const std::string& unit) {
  std::smatch m;
  if (!std::regex_search(unit, m, std::regex("\nExecStart=([^\n]*)\n"))) return "";
  return m[1].str();
}

// One line of `dpkg-deb --contents`: "-rwxr-xr-x root/root 123 2026-11-29 04:29 ./usr/bin/x".
struct Entry {
  std::string mode;
  std::string owner;
  std::string path;
};

std::vector<Entry> ParseContents(const std::string& listing) {
  std::vector<Entry> entries;
  for (absl::string_view line : absl::StrSplit(listing, '\n', absl::SkipEmpty())) {
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() < 6) continue;
    entries.push_back({words[0], words[1], words[5]});
  }
  return entries;
}

class PackagingDebTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The package lane's tools come with the build lane (cmake; dpkg-dev via build-essential):
    // missing, they are an error, not a reason to skip.
    for (const char* tool :
         {"/usr/bin/cpack", "/usr/bin/dpkg-deb", "/usr/bin/dpkg-shlibdeps", "/usr/bin/dpkg"}) {
      ASSERT_EQ(::access(tool, X_OK), 0)
          << tool << " is missing: scripts/install-deps.sh build installs cmake and dpkg-dev";
    }
    char tmpl[] = "/tmp/resizelet-deb-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // -B keeps cpack's staging and output out of the build tree.
    absl::StatusOr<Outcome> cpack =
        RunProgram({.argv = {"cpack", "-G", "DEB", "--config", kCpackConfig, "-B", dir_ + "/out"},
                    .env = Environment(),
                    .work_dir = dir_,
                    .timeout = kCpackTimeout});
    ASSERT_THAT(cpack, IsOk());
    ASSERT_EQ(cpack->exit_code, 0) << cpack->out << cpack->err;
    for (const fs::directory_entry& e : fs::directory_iterator(dir_ + "/out")) {
      if (e.path().extension() == ".deb") debs_.push_back(e.path().string());
    }
    ASSERT_EQ(debs_.size(), 1u) << cpack->out;
    deb_ = debs_.front();
  }

  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs a tool to completion in the test's directory; its exit code must be 0.
  std::string Tool(const std::vector<std::string>& argv) {
    absl::StatusOr<Outcome> r =
        RunProgram({.argv = argv, .env = Environment(), .work_dir = dir_, .timeout = kToolTimeout});
    EXPECT_THAT(r, IsOk());
    if (!r.ok()) return "";
    EXPECT_EQ(r->exit_code, 0) << argv[0] << ": " << r->err;
    return r->out;
  }

  std::string Field(const std::string& name) {
    return std::string(
        absl::StripTrailingAsciiWhitespace(Tool({"dpkg-deb", "--field", deb_, name})));
  }

  // The package's files under dir_/root, as `dpkg -i` would lay them out under /.
  std::string Extract() {
    const std::string root = dir_ + "/root";
    Tool({"dpkg-deb", "-x", deb_, root});
    return root;
  }

  // The control area (control, conffiles, md5sums, maintainer scripts) under dir_/control.
  std::string ExtractControl() {
    const std::string control = dir_ + "/control";
    Tool({"dpkg-deb", "-e", deb_, control});
    return control;
  }

  std::string dir_;
  std::vector<std::string> debs_;
  std::string deb_;
};

TEST_F(PackagingDebTest, IsNamedAfterPackageVersionAndArchitecture) {
  const std::string arch =
      std::string(absl::StripTrailingAsciiWhitespace(Tool({"dpkg", "--print-architecture"})));
  const std::string version = Field("Version");
  EXPECT_EQ(fs::path(deb_).filename().string(),
            absl::StrCat("resizelet_", version, "_", arch, ".deb"));
  EXPECT_EQ(Field("Package"), "resizelet");
  EXPECT_EQ(Field("Architecture"), arch);
}

// One version everywhere: what dpkg records is what the packaged binary prints.
TEST_F(PackagingDebTest, VersionIsTheBinarysVersion) {
  const std::string root = Extract();
  const std::string printed = Tool({root + "/usr/bin/resizelet", "version"});
  EXPECT_EQ(printed, absl::StrCat("resizelet ", Field("Version"), "\n"));
  EXPECT_EQ(Tool({RESIZELET_BINARY, "version"}), printed);
}

TEST_F(PackagingDebTest, ControlFieldsDescribeAnAdminDaemon) {
  EXPECT_EQ(Field("Section"), "admin");
  EXPECT_THAT(Field("Maintainer"), ::testing::MatchesRegex(".+ <[^ @]+@[^ @]+>"));
  EXPECT_THAT(Field("Homepage"), StartsWith("https://"));
  const std::string description = Field("Description");
  EXPECT_THAT(description, HasSubstr("/etc/resizelet/config.yaml"));
  // The operator must edit the configuration before the daemon runs.
  EXPECT_THAT(description, HasSubstr("neither enables nor starts"));
  // A synopsis line, then the extended description: the synopsis is not repeated in it.
  const std::string synopsis = description.substr(0, description.find('\n'));
  EXPECT_FALSE(synopsis.empty());
  EXPECT_EQ(description.find(synopsis, 1), std::string::npos) << description;
}

// dpkg-shlibdeps computed Depends from the binary: the libraries it links, with versions.
TEST_F(PackagingDebTest, DependsNamesTheRuntimeLibraries) {
  const std::string depends = Field("Depends");
  ASSERT_FALSE(depends.empty());
  std::set<std::string> names;
  for (absl::string_view dep : absl::StrSplit(depends, ',', absl::SkipWhitespace())) {
    std::string d(absl::StripAsciiWhitespace(dep));
    names.insert(d.substr(0, d.find_first_of(" (")));
  }
  auto has_prefix = [&](const std::string& prefix) {
    for (const std::string& n : names) {
      if (absl::StartsWith(n, prefix)) return true;
    }
    return false;
  };
  for (const char* lib : {"libc6", "libgrpc++", "libprotobuf", "libabsl", "libsimdjson",
                          "libsystemd0", "libcgroup", "libcurl", "libyaml-cpp", "libstdc++6"}) {
    EXPECT_TRUE(has_prefix(lib)) << lib << " missing from Depends: " << depends;
  }
  EXPECT_THAT(depends, HasSubstr("libc6 (>= "));
}

TEST_F(PackagingDebTest, HoldsExactlyTheBinaryTheUnitAndTheConfigOwnedByRoot) {
  const std::vector<Entry> entries = ParseContents(Tool({"dpkg-deb", "--contents", deb_}));
  ASSERT_FALSE(entries.empty());
  std::map<std::string, std::string> files;  // path -> mode
  for (const Entry& e : entries) {
    EXPECT_EQ(e.owner, "root/root") << e.path;
    if (e.mode[0] == 'd') {
      EXPECT_EQ(e.mode, "drwxr-xr-x") << e.path;
      continue;
    }
    files[e.path] = e.mode;
  }
  const std::map<std::string, std::string> expected = {
      {"./usr/bin/resizelet", "-rwxr-xr-x"},
      {"./lib/systemd/system/resizelet.service", "-rw-r--r--"},
      {"./etc/resizelet/config.yaml", "-rw-r--r--"},
  };
  EXPECT_EQ(files, expected);
  // Directories only on the way to those files: nothing under /usr/local, no build paths.
  const std::set<std::string> allowed_dirs = {"./",     "./etc/",         "./etc/resizelet/",
                                              "./lib/", "./lib/systemd/", "./lib/systemd/system/",
                                              "./usr/", "./usr/bin/"};
  for (const Entry& e : entries) {
    if (e.mode[0] == 'd') {
      EXPECT_TRUE(allowed_dirs.contains(e.path)) << e.path;
    }
  }
}

// dpkg keeps an operator's edits to a conffile across upgrades (and asks on a conflict).
TEST_F(PackagingDebTest, ConfigIsAConffile) {
  EXPECT_EQ(Tool({"dpkg-deb", "--info", deb_, "conffiles"}), "/etc/resizelet/config.yaml\n");
}

TEST_F(PackagingDebTest, CarriesNoBuildPaths) {
  const std::string root = Extract();
  // No RPATH/RUNPATH into the build tree: the binary finds its libraries where Depends puts them.
  const std::string dynamic = Tool({"readelf", "-d", root + "/usr/bin/resizelet"});
  EXPECT_THAT(dynamic, HasSubstr("(NEEDED)"));
  EXPECT_THAT(dynamic, Not(HasSubstr("RPATH")));
  EXPECT_THAT(dynamic, Not(HasSubstr("RUNPATH")));
  for (const char* file : {"/etc/resizelet/config.yaml", "/lib/systemd/system/resizelet.service"}) {
    const std::string text = ReadFile(root + file);
    EXPECT_THAT(text, Not(HasSubstr(RESIZELET_BUILD_DIR))) << file;
    EXPECT_THAT(text, Not(HasSubstr("/usr/local"))) << file;
  }
  const std::string control = ExtractControl();
  EXPECT_THAT(ReadFile(control + "/control"), Not(HasSubstr(RESIZELET_BUILD_DIR)));
}

// dpkg itself, on a private root: `dpkg --root` unpacks there and runs the maintainer scripts
// chrooted into it, where a static busybox is /bin/sh (and no systemd runs, as in an image build).
// An operator's edit to the conffile survives a reinstall and a removal; purge removes it.
TEST_F(PackagingDebTest, DpkgKeepsTheOperatorsConfigEditsUntilPurge) {
  ASSERT_EQ(::access("/bin/busybox", X_OK), 0)
      << "busybox is missing: scripts/install-deps.sh host installs busybox-static";
  const std::string root = dir_ + "/node";
  fs::create_directories(root + "/var/lib/dpkg/info");
  fs::create_directories(root + "/var/lib/dpkg/updates");
  fs::create_directories(root + "/bin");
  WriteFile(root + "/var/lib/dpkg/status", "");
  fs::copy_file("/bin/busybox", root + "/bin/busybox");
  fs::create_symlink("busybox", root + "/bin/sh");
  // The empty root has none of the libraries in Depends.
  auto dpkg = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"dpkg", absl::StrCat("--root=", root), "--log=/dev/null",
                                     "--force-depends"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Tool(argv);
  };
  const std::string config = root + "/etc/resizelet/config.yaml";

  dpkg({"--install", deb_});
  ASSERT_TRUE(fs::exists(root + "/usr/bin/resizelet"));
  ASSERT_TRUE(fs::exists(root + "/lib/systemd/system/resizelet.service"));
  const std::string packaged = ReadFile(config);
  ASSERT_THAT(packaged, HasSubstr("\nkind: ResizeletConfiguration\n"));
  EXPECT_THAT(ReadFile(root + "/var/lib/dpkg/status"),
              HasSubstr("\nConffiles:\n /etc/resizelet/config.yaml "));

  const std::string edited = absl::StrCat(packaged, "nodeName: node-a\n");
  WriteFile(config, edited);
  dpkg({"--install", deb_});
  EXPECT_EQ(ReadFile(config), edited) << "a reinstall overwrote the operator's configuration";

  dpkg({"--remove", "resizelet"});
  EXPECT_FALSE(fs::exists(root + "/usr/bin/resizelet"));
  EXPECT_FALSE(fs::exists(root + "/lib/systemd/system/resizelet.service"));
  EXPECT_EQ(ReadFile(config), edited) << "remove must keep the configuration";

  dpkg({"--purge", "resizelet"});
  EXPECT_FALSE(fs::exists(config)) << "purge must remove the configuration";
}

// The unit as packaged, with /usr/bin/resizelet and its --config mapped into the extracted tree,
// gets past the command line and the strict decoding of the packaged configuration: the first
// step that fails is reading the kubelet's kubeconfig, which this machine (not a kubelet node)
// lacks. The configuration's paths are mapped under the extracted tree as well, so that nothing
// of the host's is read or written, and its port becomes 0, so that a busy 10266 here does not
// matter (the HTTP endpoint starts before the API client: agent/daemon/run_command.cc).
TEST_F(PackagingDebTest, UnitStartsTheDaemonWithThePackagedConfig) {
  const std::string root = Extract();
  const std::string unit = ReadFile(root + "/lib/systemd/system/resizelet.service");
  const std::string exec_start = ExecStartOf(unit);
  ASSERT_EQ(exec_start, "/usr/bin/resizelet run --config=/etc/resizelet/config.yaml") << unit;

  const std::string config_path = root + "/etc/resizelet/config.yaml";
  std::string config = ReadFile(config_path);
  ASSERT_THAT(config, HasSubstr("\nkubeconfig: /etc/kubernetes/kubelet.conf\n"));
  ASSERT_THAT(config, HasSubstr("\nstateDirectory: /var/lib/resizelet\n"));
  ASSERT_THAT(config, HasSubstr("\nmetricsBindAddress: "));
  config = std::regex_replace(config, std::regex("(BindAddress: [^\n]*):[0-9]+\n"), "$1:0\n");
  config = absl::StrReplaceAll(config, {{"/etc/kubernetes/", root + "/etc/kubernetes/"},
                                        {"/var/lib/resizelet", root + "/var/lib/resizelet"}});
  WriteFile(config_path, config);

  const std::string command =
      absl::StrReplaceAll(exec_start, {{"/usr/bin/resizelet", root + "/usr/bin/resizelet"},
                                       {"/etc/resizelet/config.yaml", config_path}});
  // systemd starts the daemon with a clean environment; the node name then comes from the
  // hostname, which a build machine need not have in a node name's form: give it one.
  std::vector<std::string> argv = absl::StrSplit(command, ' ', absl::SkipEmpty());
  absl::StatusOr<Outcome> r =
      RunProgram({.argv = argv,
                  .env = Environment({"NOTIFY_SOCKET", "WATCHDOG_USEC", "RESIZELET_CRASH_AT",
                                      "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"},
                                     {"NODE_NAME=node-a"}),
                  .work_dir = dir_,
                  .timeout = kToolTimeout});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->exit_code, 1) << command << "\n" << r->err;
  EXPECT_THAT(r->err, HasSubstr(absl::StrCat("resizelet run: reading kubeconfig ", root,
                                             "/etc/kubernetes/kubelet.conf")))
      << command;
  EXPECT_THAT(r->err, Not(HasSubstr("invalid configuration")));
  EXPECT_THAT(r->err, Not(HasSubstr("unknown command")));
  EXPECT_THAT(r->err, Not(HasSubstr("starting the HTTP endpoint")));
  EXPECT_FALSE(fs::exists(root + "/var/lib/resizelet")) << "the state directory comes later";
}

TEST_F(PackagingDebTest, UnitVerifiesClean) {
  ASSERT_EQ(::access("/usr/bin/systemd-analyze", X_OK), 0)
      << "systemd-analyze is missing: scripts/install-deps.sh host installs systemd";
  const std::string root = Extract();
  const std::string unit = ReadFile(root + "/lib/systemd/system/resizelet.service");
  const std::string moved =
      absl::StrReplaceAll(unit, {{"\nExecStart=/usr/bin/resizelet ",
                                  absl::StrCat("\nExecStart=", root, "/usr/bin/resizelet ")}});
  ASSERT_NE(moved, unit);
  // verify names the unit after its file: it must stay resizelet.service.
  fs::create_directories(dir_ + "/units");
  WriteFile(dir_ + "/units/resizelet.service", moved);
  absl::StatusOr<Outcome> r =
      RunProgram({.argv = {"systemd-analyze", "verify", dir_ + "/units/resizelet.service"},
                  .env = Environment(),
                  .work_dir = dir_,
                  .timeout = kToolTimeout});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->exit_code, 0) << r->out << r->err;
  EXPECT_EQ(r->out + r->err, "") << "verify must print nothing";
}

// A stand-in systemctl that records each call's arguments, one line per call, and a maintainer
// script run as dpkg runs it: executed directly, with dpkg's arguments, in an empty directory.
class PackagingScriptTest : public PackagingDebTest {
 protected:
  void SetUp() override {
    PackagingDebTest::SetUp();
    if (HasFatalFailure()) return;
    control_ = ExtractControl();
    fs::create_directories(dir_ + "/bin");
    fs::create_directories(dir_ + "/cwd");
    log_ = dir_ + "/systemctl.log";
    WriteFile(dir_ + "/bin/systemctl",
              absl::StrCat("#!/bin/sh\necho \"$*\" >> '", log_, "'\nexit 0\n"));
    ASSERT_EQ(::chmod((dir_ + "/bin/systemctl").c_str(), 0755), 0);
  }

  // Runs `wrapper... script args...`; returns the systemctl calls, in order.
  std::vector<std::string> RunScript(const std::string& script,
                                     const std::vector<std::string>& args,
                                     std::vector<std::string> wrapper = {}) {
    std::vector<std::string> argv = std::move(wrapper);
    argv.push_back(control_ + "/" + script);
    argv.insert(argv.end(), args.begin(), args.end());
    fs::remove(log_);
    absl::StatusOr<Outcome> r = RunProgram(
        {.argv = argv,
         .env = {absl::StrCat("PATH=", dir_, "/bin:/usr/sbin:/usr/bin:/sbin:/bin"), "LC_ALL=C"},
         .work_dir = dir_ + "/cwd",
         .timeout = kToolTimeout});
    EXPECT_THAT(r, IsOk());
    if (!r.ok()) return {"<did not run>"};
    EXPECT_EQ(r->exit_code, 0) << script << ": " << r->out << r->err;
    EXPECT_EQ(r->out + r->err, "") << script;
    std::vector<std::string> calls = absl::StrSplit(ReadFile(log_), '\n', absl::SkipEmpty());
    return calls;
  }

  std::string control_;
  std::string log_;
};

TEST_F(PackagingScriptTest, AreExecutablePosixShWithSetE) {
  for (const char* script : {"postinst", "prerm", "postrm"}) {
    const std::string path = control_ + "/" + script;
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << script << " is not in the package";
    EXPECT_EQ(st.st_mode & 07777, 0755u) << script;
    const std::string text = ReadFile(path);
    EXPECT_THAT(text, StartsWith("#!/bin/sh\n")) << script;
    EXPECT_THAT(text, HasSubstr("\nset -e\n")) << script;
    // dash is Debian's /bin/sh: a bashism fails here as it would on a node.
    Tool({"dash", "-n", path});
    Tool({"sh", "-n", path});
  }
  // No preinst: nothing has to happen before the files are unpacked.
  EXPECT_FALSE(fs::exists(control_ + "/preinst"));
}

// On this machine, as-is: the scripts call systemctl exactly when systemd runs here
// (/run/systemd/system exists), and otherwise do nothing and succeed.
TEST_F(PackagingScriptTest, RunAsIsHereCallSystemctlOnlyIfSystemdRunsHere) {
  const bool systemd_runs = fs::is_directory("/run/systemd/system");
  for (const auto& [script, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"postinst", {"configure", ""}},
           {"postinst", {"configure", "0.0.1"}},
           {"prerm", {"remove"}},
           {"postrm", {"remove"}},
           {"postrm", {"purge"}}}) {
    const std::vector<std::string> calls = RunScript(script, args);
    if (systemd_runs) {
      EXPECT_THAT(calls, Not(IsEmpty())) << script;
    } else {
      EXPECT_THAT(calls, IsEmpty()) << script << " called systemctl without systemd";
    }
  }
}

// Both sides of the /run/systemd/system check, each in a private mount namespace whose /run is a
// fresh tmpfs (the host's /run is untouched, and the namespace ends with the script): with
// systemd, daemon-reload after install and removal, a stop before removal, a restart of a running
// daemon after an upgrade, and never enable or start; without it, nothing.
TEST_F(PackagingScriptTest, ReloadSystemdOnlyWhereItRunsAndNeverStartTheDaemon) {
  ASSERT_EQ(::access("/usr/bin/unshare", X_OK), 0) << "unshare (util-linux) is missing";
  const std::string no_systemd = "mount -t tmpfs tmpfs /run";
  const std::string with_systemd = "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system";
  // sh -c 'PRELUDE && exec "$0" "$@"' SCRIPT ARGS...: the script replaces the shell.
  auto in_namespace = [](const std::string& prelude) -> std::vector<std::string> {
    return {"unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            absl::StrCat(prelude, " && exec \"$0\" \"$@\"")};
  };
  using Calls = std::vector<std::string>;
  struct Case {
    std::string script;
    std::vector<std::string> args;
    Calls with_systemd;
  };
  const std::vector<Case> cases = {
      {"postinst", {"configure", ""}, {"--system daemon-reload"}},
      {"postinst",
       {"configure", "0.0.1"},
       {"--system daemon-reload", "try-restart resizelet.service"}},
      {"postinst", {"abort-upgrade", "0.2.0"}, {}},
      {"prerm", {"remove"}, {"stop resizelet.service"}},
      {"prerm", {"upgrade", "0.2.0"}, {}},
      {"postrm", {"remove"}, {"--system daemon-reload"}},
      {"postrm", {"purge"}, {"--system daemon-reload"}},
      {"postrm", {"upgrade", "0.2.0"}, {}},
  };
  for (const Case& c : cases) {
    const std::string what = absl::StrCat(c.script, " ", absl::StrJoin(c.args, " "));
    EXPECT_EQ(RunScript(c.script, c.args, in_namespace(with_systemd)), c.with_systemd) << what;
    EXPECT_THAT(RunScript(c.script, c.args, in_namespace(no_systemd)), IsEmpty()) << what;
  }
}

}  // namespace
}  // namespace resizelet::packaging
