// The configuration deploy/ ships is one the real daemon accepts: `resizelet run` with the
// DaemonSet container's exact args, its --config path pointing at a copy of the ConfigMap's
// file, and the environment a pod has minus the API server's address, must get through flag
// parsing and strict config decoding and stop only where a pod outside a cluster must: reading
// the in-cluster API server configuration (exit 1, agent/daemon/run_command.cc).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/deploy/deploy_fixture.h"
#include "tests/harness/subprocess.h"

namespace resizelet::deploy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// agent/cli/cli.h.
constexpr int kExitInternal = 1;
constexpr int kExitBadInput = 2;

class DaemonConfig : public DeployManifests {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DeployManifests::SetUp());
    char tmpl[] = "/tmp/resizelet-deploy-config-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Runs the binary with the container's args, --config rewritten to a file holding `config`.
  harness::Outcome RunWithConfig(const std::string& config) {
    const std::string path = dir_ + "/config.yaml";
    std::FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    if (f == nullptr) return {};
    std::fputs(config.c_str(), f);
    std::fclose(f);
    const std::string shipped = ConfigPathFromArgs();
    EXPECT_FALSE(shipped.empty());
    std::vector<std::string> argv = {RESIZELET_BINARY};
    int rewritten = 0;
    const std::vector<std::string> args = Strings(Container(), {"args"});
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--config=" + shipped) {
        argv.push_back("--config=" + path);
        ++rewritten;
      } else if (args[i] == "--config" && i + 1 < args.size()) {
        argv.push_back("--config");
        argv.push_back(path);
        ++i;
        ++rewritten;
      } else {
        argv.push_back(args[i]);
      }
    }
    EXPECT_EQ(rewritten, 1) << "exactly one --config in the args";
    // A pod's environment without the API server's address; NODE_NAME as the downward API
    // sets it.
    std::vector<std::string> env = harness::Environment(
        {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "NODE_NAME", "RESIZELET_CRASH_AT"});
    env.push_back("NODE_NAME=node-a");
    absl::StatusOr<harness::Outcome> run = harness::RunProgram(
        {.argv = argv, .env = env, .work_dir = dir_, .timeout = std::chrono::seconds(30)});
    EXPECT_TRUE(run.ok()) << run.status();
    return run.value_or(harness::Outcome{});
  }

  std::string dir_;
};

// A TCP port nothing listens on now, so that the run does not depend on 10266 being free here.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

TEST_F(DaemonConfig, ShippedConfigPassesParsingAndStopsAtInClusterAuth) {
  ASSERT_EQ(::access(RESIZELET_BINARY, X_OK), 0) << RESIZELET_BINARY;
  const std::string shipped = ConfigText();
  ASSERT_FALSE(shipped.empty());
  // The shipped file with only its port changed (the port is the one thing the host decides).
  const int port = FreePort();
  ASSERT_GT(port, 0);
  const std::string config =
      absl::StrReplaceAll(shipped, {{":10266\n", absl::StrCat(":", port, "\n")}});
  ASSERT_NE(config, shipped) << "the shipped config no longer binds port 10266";
  const harness::Outcome run = RunWithConfig(config);
  EXPECT_THAT(run.err, Not(HasSubstr("invalid configuration")));
  EXPECT_THAT(run.err, Not(HasSubstr("starting the HTTP endpoint")))
      << "the ops endpoint's address did not bind";
  EXPECT_THAT(run.err, HasSubstr("reading the in-cluster API server configuration"));
  EXPECT_THAT(run.err, HasSubstr("KUBERNETES_SERVICE_HOST"));
  EXPECT_EQ(run.exit_code, kExitInternal) << run.err;
}

// The check above is only worth something if the parser is strict: a field the daemon does not
// know makes the same run fail at parsing, naming the field.
TEST_F(DaemonConfig, UnknownFieldInTheShippedConfigFailsAtParsing) {
  ASSERT_EQ(::access(RESIZELET_BINARY, X_OK), 0) << RESIZELET_BINARY;
  const std::string config = ConfigText();
  ASSERT_FALSE(config.empty());
  const harness::Outcome run = RunWithConfig(config + "cgroupDriverName: systemd\n");
  EXPECT_EQ(run.exit_code, kExitBadInput) << run.err;
  EXPECT_THAT(run.err, HasSubstr("invalid configuration"));
  EXPECT_THAT(run.err, HasSubstr("cgroupDriverName"));
}

}  // namespace
}  // namespace resizelet::deploy
