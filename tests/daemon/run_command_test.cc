// `resizelet run` as an operator starts it: the real binary against the local API server (in
// process, real HTTPS) and an in-process fake CRI runtime on a UNIX socket. Checks readiness, the
// mode metric, exit statuses for a bad configuration and for an unreachable runtime, and a clean
// stop on SIGTERM. Every wait polls with a deadline; every child is killed by its PID.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/apiserver/api_server.h"
#include "tests/cri/fake_runtime.h"

namespace resizelet::daemon {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr char kNode[] = "node-a";

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// A free loopback TCP port (bound, read back and released).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct HttpResult {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:<port><path> over HTTP/1.0; nullopt when nothing listens.
std::optional<HttpResult> HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return std::nullopt;
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) response.append(buf, n);
  close(fd);
  HttpResult result;
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return std::nullopt;
  result.status = std::stoi(response.substr(9, 3));
  const size_t body = response.find("\r\n\r\n");
  if (body != std::string::npos) result.body = response.substr(body + 4);
  return result;
}

// The resizelet binary as a child process, output to a file, signalled and reaped by its PID.
class Resizelet {
 public:
  Resizelet(const std::vector<std::string>& args, const std::string& output_file)
      : output_file_(output_file) {
    std::vector<std::string> argv = {RESIZELET_BINARY, "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> cargv;
      for (std::string& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      execv(cargv[0], cargv.data());
      _exit(127);
    }
  }
  ~Resizelet() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void Signal(int sig) { kill(pid_, sig); }

  // The exit status once it exits within `timeout`; nullopt if it is still running.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout) {
    Eventually(
        [&] {
          int status = 0;
          if (waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          }
          return exit_code_.has_value();
        },
        timeout);
    return exit_code_;
  }

  std::string Output() const {
    std::ifstream in(output_file_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string output_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resizelet-daemon-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    apiserver::ApiServerOptions options;
    options.state_dir = dir_ + "/apiserver";
    std::filesystem::create_directories(options.state_dir);
    options.bookmark_interval = 200ms;
    auto server = apiserver::ApiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_TRUE(runtime_.Start(dir_ + "/cri.sock").ok());
    port_ = FreePort();
  }

  void TearDown() override {
    runtime_.Stop();
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  void AddNode(const std::string& kubelet_version) {
    nlohmann::json node = {{"kind", "Node"},
                           {"apiVersion", "v1"},
                           {"metadata", {{"name", kNode}}},
                           {"status",
                            {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
                             {"capacity", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}}},
                             {"nodeInfo", {{"kubeletVersion", kubelet_version}}}}}};
    ASSERT_TRUE(server_->store().Create("nodes", kNode, node).ok());
  }

  // The flags every run needs; `extra` adds or overrides.
  std::vector<std::string> Flags(std::vector<std::string> extra = {}) const {
    const std::string address = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> flags = {"--kubeconfig=" + server_->kubeconfig_path(),
                                      "--node-name=" + std::string(kNode),
                                      "--container-runtime-endpoint=" + runtime_.endpoint(),
                                      "--state-directory=" + dir_ + "/state",
                                      "--metrics-bind-address=" + address,
                                      "--healthz-bind-address=" + address};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
  }

  bool Ready() {
    std::optional<HttpResult> r = HttpGet(port_, "/readyz");
    return r && r->status == 200;
  }

  std::string dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  cri::testing::FakeRuntime runtime_;
  int port_ = 0;
};

TEST_F(RunCommandTest, BecomesReadyExportsModeAndStopsOnSigterm) {
  AddNode("v1.32.4");
  Resizelet resizelet(Flags({"--mode=companion"}), dir_ + "/out.log");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << resizelet.Output();

  std::optional<HttpResult> metrics = HttpGet(port_, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("resizelet_mode{mode=\"companion\""));
  EXPECT_THAT(metrics->body, HasSubstr("resizelet_build_info{"));
  // The runtime was actually reached at start-up.
  EXPECT_GE(runtime_.Count("Version"), 1);
  EXPECT_THAT(resizelet.Output(), HasSubstr("Mode chosen"));

  resizelet.Signal(SIGTERM);
  std::optional<int> code = resizelet.WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << "still running 15 s after SIGTERM\n" << resizelet.Output();
  EXPECT_EQ(*code, 0) << resizelet.Output();
  EXPECT_FALSE(HttpGet(port_, "/readyz").has_value()) << "endpoint still served after exit";
}

TEST_F(RunCommandTest, AutoModePicksActuateForKubelet132AndStopsOnSigint) {
  AddNode("v1.32.4");
  Resizelet resizelet(Flags({"--mode=auto"}), dir_ + "/out.log");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << resizelet.Output();
  std::optional<HttpResult> metrics = HttpGet(port_, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_THAT(metrics->body, HasSubstr("resizelet_mode{mode=\"actuate\""));
  resizelet.Signal(SIGINT);
  std::optional<int> code = resizelet.WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << resizelet.Output();
  EXPECT_EQ(*code, 0) << resizelet.Output();
}

TEST_F(RunCommandTest, AutoModePicksCompanionForKubelet133) {
  // A 1.33 kubelet resizes by itself: resizelet only observes (docs/product.md).
  AddNode("v1.33.1");
  Resizelet resizelet(Flags({"--mode=auto"}), dir_ + "/out.log");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << resizelet.Output();
  std::optional<HttpResult> live = HttpGet(port_, "/livez");
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->status, 200);
  std::optional<HttpResult> metrics = HttpGet(port_, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_THAT(metrics->body, HasSubstr("resizelet_mode{mode=\"companion\""));
  resizelet.Signal(SIGTERM);
  EXPECT_EQ(resizelet.WaitExit(15s), std::optional<int>(0)) << resizelet.Output();
}

TEST_F(RunCommandTest, BadConfigFileExitsTwoNamingTheField) {
  const std::string config = dir_ + "/resizelet.yaml";
  std::ofstream(config) << "apiVersion: resizelet.io/v1alpha1\n"
                           "kind: ResizeletConfiguration\n"
                           "cgroupDriver: cgroupfz\n";
  Resizelet resizelet(Flags({"--config=" + config}), dir_ + "/out.log");
  std::optional<int> code = resizelet.WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << resizelet.Output();
  EXPECT_EQ(*code, 2);
  EXPECT_THAT(resizelet.Output(), HasSubstr("cgroupDriver"));
}

TEST_F(RunCommandTest, BadFlagExitsTwoNamingTheFlag) {
  Resizelet resizelet(Flags({"--mode=sideways"}), dir_ + "/out.log");
  std::optional<int> code = resizelet.WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << resizelet.Output();
  EXPECT_EQ(*code, 2);
  EXPECT_THAT(resizelet.Output(), HasSubstr("mode"));
}

TEST_F(RunCommandTest, UnreachableRuntimeExitsOneNamingIt) {
  AddNode("v1.32.4");
  Resizelet resizelet(Flags({"--container-runtime-endpoint=unix://" + dir_ + "/nothing-here.sock"}),
                      dir_ + "/out.log");
  std::optional<int> code = resizelet.WaitExit(30s);
  ASSERT_TRUE(code.has_value()) << resizelet.Output();
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(resizelet.Output(), HasSubstr("container runtime"));
}

TEST_F(RunCommandTest, CorruptCheckpointIsAWarningAndAMetric) {
  AddNode("v1.32.4");
  std::filesystem::create_directories(dir_ + "/state");
  std::ofstream(dir_ + "/state/allocation_checkpoint") << "not a checkpoint";
  Resizelet resizelet(Flags({"--mode=companion"}), dir_ + "/out.log");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << resizelet.Output();
  std::optional<HttpResult> metrics = HttpGet(port_, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_THAT(metrics->body, HasSubstr("resizelet_checkpoint_corrupt_total 1"));
  EXPECT_THAT(resizelet.Output(), HasSubstr("checkpoint unusable"));
  resizelet.Signal(SIGTERM);
  EXPECT_EQ(resizelet.WaitExit(15s), std::optional<int>(0)) << resizelet.Output();
}

}  // namespace
}  // namespace resizelet::daemon
