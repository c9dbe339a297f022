// `resizelet run` as an operator starts it: the real binary against the local API server (in
// process, real HTTPS) and an in-process fake CRI runtime on a UNIX socket. Checks readiness, the
// mode metric, exit statuses for a bad configuration, an unreachable runtime and caches that never
// sync, a clean stop on SIGTERM, and an actuate-mode resize (on real cgroup v1 directories this
// test creates under its own cgroup root) moving the engine's counters on /metrics. Every wait
// polls with a deadline; every child is killed by its PID.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
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
#include "tests/obs/exposition_parser.h"

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

  // The API server's request log, for failure messages.
  std::string RequestTrace() const {
    std::string out = "\nAPI requests:\n";
    for (const apiserver::RequestRecord& r : server_->RequestLog()) {
      out += r.method + " " + r.path + "?" + r.query + " " + std::to_string(r.status) + "\n";
    }
    return out;
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

TEST_F(RunCommandTest, CachesThatNeverSyncExitOneNamingWhatDidNotSync) {
  AddNode("v1.32.4");
  // RBAC that forbids listing pods: the pod cache can never fill, the node's can.
  server_->FailNext(403, 1000000, "GET", "/api/v1/pods");
  const auto start = std::chrono::steady_clock::now();
  Resizelet resizelet(Flags({"--cache-sync-timeout=2s"}), dir_ + "/out.log");
  std::optional<int> code = resizelet.WaitExit(30s);
  ASSERT_TRUE(code.has_value()) << "still running 30 s after a 2 s sync timeout\n"
                                << resizelet.Output();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(*code, 1) << resizelet.Output();
  EXPECT_THAT(resizelet.Output(), HasSubstr("cacheSyncTimeout"));
  EXPECT_THAT(resizelet.Output(), HasSubstr("the pods of node node-a"));
  EXPECT_THAT(resizelet.Output(), ::testing::Not(HasSubstr("the Node node-a")));
}

TEST_F(RunCommandTest, BadCacheSyncTimeoutExitsTwoNamingTheFlag) {
  Resizelet resizelet(Flags({"--cache-sync-timeout=soon"}), dir_ + "/out.log");
  std::optional<int> code = resizelet.WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << resizelet.Output();
  EXPECT_EQ(*code, 2);
  EXPECT_THAT(resizelet.Output(), HasSubstr("--cache-sync-timeout"));
}

TEST_F(RunCommandTest, UnknownCrashPointExitsTwoNamingTheVariable) {
  AddNode("v1.32.4");
  setenv("RESIZELET_CRASH_AT", "after_lunch", 1);
  Resizelet resizelet(Flags(), dir_ + "/out.log");
  unsetenv("RESIZELET_CRASH_AT");
  std::optional<int> code = resizelet.WaitExit(15s);
  ASSERT_TRUE(code.has_value()) << resizelet.Output();
  EXPECT_EQ(*code, 2);
  EXPECT_THAT(resizelet.Output(), HasSubstr("RESIZELET_CRASH_AT"));
  EXPECT_THAT(resizelet.Output(), HasSubstr("before_status_patch"));
}

// Real cgroup v1 directories under a cgroup root of this test's own, removed deepest first.
class TestCgroups {
 public:
  explicit TestCgroups(std::string root) : root_(std::move(root)) {}
  ~TestCgroups() {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) rmdir(it->c_str());
  }
  // Creates <mount>/<controller>/<root>/<relative> and its parents, recording each new one.
  std::string Make(const std::string& controller, const std::string& relative) {
    std::string path = "/sys/fs/cgroup/" + controller;
    for (const std::string& part : {root_, relative}) {
      std::stringstream parts(part);
      for (std::string item; std::getline(parts, item, '/');) {
        if (item.empty()) continue;
        path += "/" + item;
        if (mkdir(path.c_str(), 0755) == 0) created_.push_back(path);
      }
    }
    return path;
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::vector<std::string> created_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  in >> value;
  return value;
}

bool WriteFile(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  return out.good();
}

// A running Burstable pod "web" (one container c1: requests 100m/64Mi, limits 200m/128Mi) as
// the kubelet leaves it: the API object, its pod cgroup with ResourceConfigForPod's cgroup v1
// values (real directories under `cgroups`), its sandbox and container in the fake runtime.
struct RunningPod {
  std::string uid;
  std::string cpu_dir;
  std::string memory_dir;
};

// With `guaranteed`, c1's requests equal its limits and the pod is Guaranteed (its cgroup directly
// under kubepods).
RunningPod AddRunningPod(apiserver::ApiServer& server, cri::testing::FakeRuntime& runtime,
                         TestCgroups& cgroups, bool guaranteed = false) {
  nlohmann::json pod = {
      {"kind", "Pod"},
      {"apiVersion", "v1"},
      {"metadata", {{"name", "web"}, {"namespace", "default"}}},
      {"spec",
       {{"nodeName", kNode},
        {"containers",
         {{{"name", "c1"},
           {"image", "localhost/resizelet/test:1"},
           {"resources",
            {{"requests", guaranteed ? nlohmann::json{{"cpu", "200m"}, {"memory", "128Mi"}}
                                     : nlohmann::json{{"cpu", "100m"}, {"memory", "64Mi"}}},
             {"limits", {{"cpu", "200m"}, {"memory", "128Mi"}}}}}}}}}},
      {"status",
       {{"phase", "Running"},
        {"qosClass", guaranteed ? "Guaranteed" : "Burstable"},
        {"containerStatuses",
         {{{"name", "c1"},
           {"containerID", "containerd://cid-web"},
           {"ready", true},
           {"restartCount", 0},
           {"image", "localhost/resizelet/test:1"},
           {"imageID", ""},
           {"state", {{"running", {{"startedAt", "2026-01-01T00:00:00Z"}}}}}}}}}}};
  absl::StatusOr<nlohmann::json> created = server.store().Create("pods", "default/web", pod);
  EXPECT_TRUE(created.ok()) << created.status();
  if (!created.ok()) return {};
  RunningPod out;
  out.uid = (*created)["metadata"]["uid"];
  const std::string pod_dir = (guaranteed ? "kubepods/pod" : "kubepods/burstable/pod") + out.uid;
  out.cpu_dir = cgroups.Make("cpu", pod_dir);
  out.memory_dir = cgroups.Make("memory", pod_dir);
  EXPECT_TRUE(WriteFile(out.cpu_dir + "/cpu.shares", guaranteed ? "204" : "102"));
  EXPECT_TRUE(WriteFile(out.cpu_dir + "/cpu.cfs_period_us", "100000"));
  EXPECT_TRUE(WriteFile(out.cpu_dir + "/cpu.cfs_quota_us", "20000"));
  EXPECT_TRUE(WriteFile(out.memory_dir + "/memory.limit_in_bytes", std::to_string(128 << 20)));
  runtime.AddSandbox("sb-web", out.uid, "web");
  cri::testing::FakeContainer container;
  container.id = "cid-web";
  container.sandbox_id = "sb-web";
  container.name = "c1";
  container.labels = {{"io.kubernetes.pod.uid", out.uid},
                      {"io.kubernetes.pod.name", "web"},
                      {"io.kubernetes.pod.namespace", "default"},
                      {"io.kubernetes.container.name", "c1"}};
  container.resources.cpu_shares = guaranteed ? 204 : 102;
  container.resources.cpu_period = 100000;
  container.resources.cpu_quota = 20000;
  container.resources.memory_limit_in_bytes = 128 << 20;
  runtime.AddContainer(container);
  return out;
}

// The user's resize of "web": new limits for c1, and a new generation.
bool ResizeLimits(apiserver::ApiServer& server, const nlohmann::json& limits) {
  return server.store()
      .Update("pods", "default/web",
              [&](const nlohmann::json& current) -> absl::StatusOr<nlohmann::json> {
                nlohmann::json next = current;
                next["spec"]["containers"][0]["resources"]["limits"] = limits;
                next["metadata"]["generation"] = current["metadata"].value("generation", 1) + 1;
                return next;
              })
      .ok();
}

TEST_F(RunCommandTest, ActuateModeResizeMovesTheEngineCounters) {
  AddNode("v1.32.4");
  TestCgroups cgroups("/resizelet-daemon-test-" + std::to_string(getpid()));
  const RunningPod web = AddRunningPod(*server_, runtime_, cgroups);
  ASSERT_FALSE(web.uid.empty());
  const std::string& cpu = web.cpu_dir;
  const std::string& memory = web.memory_dir;

  Resizelet resizelet(Flags({"--mode=actuate", "--cgroup-root=" + cgroups.root()}),
                      dir_ + "/out.log");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << resizelet.Output();

  std::map<std::string, double> samples;
  auto scrape = [&] {
    std::optional<HttpResult> metrics = HttpGet(port_, "/metrics");
    if (!metrics || metrics->status != 200) return false;
    absl::StatusOr<obs::testing::Exposition> parsed = obs::testing::ParseExposition(metrics->body);
    if (!parsed.ok()) return false;
    samples = parsed->samples;
    return true;
  };
  ASSERT_TRUE(scrape());
  EXPECT_EQ(samples["resizelet_events_total{reason=\"ResizeStarted\"}"], 0);
  EXPECT_EQ(samples["resizelet_resize_state{state=\"in_progress\"}"], 0);
  const int updates_before = runtime_.Count("UpdateContainerResources");

  // The user's resize: CPU limit 200m → 400m, memory limit 128Mi → 256Mi.
  ASSERT_TRUE(ResizeLimits(*server_, {{"cpu", "400m"}, {"memory", "256Mi"}}));
  const std::string completed = "resizelet_events_total{reason=\"ResizeCompleted\"}";
  const std::string timed = "resizelet_pod_resize_duration_seconds_count{success=\"true\"}";
  // The pass ends with the completion event, the status patch, then the timing and the state.
  ASSERT_TRUE(Eventually(
      [&] {
        return scrape() && samples[completed] >= 1 && samples[timed] >= 1 &&
               samples["resizelet_resize_state{state=\"in_progress\"}"] == 0;
      },
      30s))
      << resizelet.Output();

  // The node holds the new size.
  EXPECT_EQ(runtime_.Resources("cid-web").memory_limit_in_bytes, 256 << 20);
  EXPECT_EQ(runtime_.Resources("cid-web").cpu_quota, 40000);
  EXPECT_EQ(ReadFile(memory + "/memory.limit_in_bytes"), std::to_string(256 << 20));
  EXPECT_EQ(ReadFile(cpu + "/cpu.cfs_quota_us"), "40000");
  EXPECT_GE(runtime_.Count("UpdateContainerResources") - updates_before, 1);

  // And /metrics says so.
  EXPECT_EQ(samples[completed], 1);
  EXPECT_EQ(samples["resizelet_events_total{reason=\"ResizeStarted\"}"], 1);
  EXPECT_EQ(samples["resizelet_container_requested_resizes_total{resource=\"cpu\",requirement="
                    "\"limits\",operation=\"increase\"}"],
            1);
  EXPECT_EQ(samples["resizelet_container_requested_resizes_total{resource=\"memory\","
                    "requirement=\"limits\",operation=\"increase\"}"],
            1);
  EXPECT_EQ(samples[timed], 1);
  EXPECT_GE(samples["resizelet_status_patches_total{code=\"200\"}"], 1);
  EXPECT_GE(samples["resizelet_kube_request_duration_seconds_count{verb=\"PATCH\",code=\"200\"}"],
            1);
  EXPECT_GE(samples["resizelet_kube_request_duration_seconds_count{verb=\"GET\",code=\"200\"}"], 1);
  EXPECT_GE(samples["resizelet_cri_call_duration_seconds_count{method=\"UpdateContainerResources\","
                    "code=\"OK\"}"],
            1);
  EXPECT_EQ(samples["resizelet_resize_state{state=\"in_progress\"}"], 0);
  EXPECT_EQ(samples["resizelet_resize_state{state=\"proposed\"}"], 0);
  EXPECT_EQ(samples["resizelet_pod_in_progress_resizes"], 0);
  // Allocated and actuated each reached the checkpoint (the loop publishes the count each tick).
  EXPECT_TRUE(Eventually(
      [&] { return scrape() && samples["resizelet_checkpoint_commits_total"] >= 2; }, 5s))
      << samples["resizelet_checkpoint_commits_total"];
  // The exposition, every engine series included, passes Prometheus' own linter.
  std::optional<HttpResult> exposition = HttpGet(port_, "/metrics");
  ASSERT_TRUE(exposition.has_value());
  const std::string exposition_file = dir_ + "/metrics.txt";
  std::ofstream(exposition_file) << exposition->body;
  const std::string promtool = "promtool check metrics < " + exposition_file + " 2>&1";
  FILE* lint = popen(promtool.c_str(), "r");
  ASSERT_NE(lint, nullptr);
  std::string lint_output;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), lint)) lint_output.append(buf, n);
  const int lint_status = pclose(lint);
  EXPECT_TRUE(WIFEXITED(lint_status) && WEXITSTATUS(lint_status) == 0)
      << "promtool check metrics (Debian's prometheus package) failed or is missing:\n"
      << lint_output;
  // Each state transition is one log line.
  const std::string log = resizelet.Output();
  EXPECT_THAT(log, HasSubstr("Resize state"));
  EXPECT_THAT(log, HasSubstr("in_progress"));

  resizelet.Signal(SIGTERM);
  EXPECT_EQ(resizelet.WaitExit(15s), std::optional<int>(0)) << resizelet.Output();
}

// The node's kubelet settings reach admission: with --cpu-manager-policy=static a CPU resize of a
// Guaranteed pod is Infeasible with the kubelet's message, and nothing is actuated.
TEST_F(RunCommandTest, CpuManagerPolicyFlagMakesGuaranteedCpuResizeInfeasible) {
  AddNode("v1.32.4");
  TestCgroups cgroups("/resizelet-daemon-test-" + std::to_string(getpid()));
  const RunningPod web = AddRunningPod(*server_, runtime_, cgroups, /*guaranteed=*/true);
  ASSERT_FALSE(web.uid.empty());

  Resizelet resizelet(Flags({"--mode=actuate", "--cgroup-root=" + cgroups.root(),
                             "--cpu-manager-policy=static", "--swap-behavior=LimitedSwap"}),
                      dir_ + "/out.log");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << resizelet.Output();
  const int updates_before = runtime_.Count("UpdateContainerResources");

  ASSERT_TRUE(server_->store()
                  .Update("pods", "default/web",
                          [](const nlohmann::json& current) -> absl::StatusOr<nlohmann::json> {
                            nlohmann::json next = current;
                            auto& r = next["spec"]["containers"][0]["resources"];
                            r["requests"]["cpu"] = "400m";
                            r["limits"]["cpu"] = "400m";
                            next["metadata"]["generation"] =
                                current["metadata"].value("generation", 1) + 1;
                            return next;
                          })
                  .ok());
  const std::string infeasible =
      "resizelet_pod_infeasible_resizes_total{reason_detail=\"guaranteed_pod_cpu_manager_static_"
      "policy\"}";
  std::map<std::string, double> samples;
  ASSERT_TRUE(Eventually(
      [&] {
        std::optional<HttpResult> metrics = HttpGet(port_, "/metrics");
        if (!metrics || metrics->status != 200) return false;
        absl::StatusOr<obs::testing::Exposition> parsed =
            obs::testing::ParseExposition(metrics->body);
        if (!parsed.ok()) return false;
        samples = parsed->samples;
        return samples[infeasible] >= 1;
      },
      30s))
      << resizelet.Output();
  nlohmann::json pending;
  ASSERT_TRUE(Eventually(
      [&] {
        std::optional<nlohmann::json> pod = server_->store().Get("pods", "default/web");
        if (!pod) return false;
        for (const nlohmann::json& c :
             (*pod)["status"].value("conditions", nlohmann::json::array())) {
          if (c.value("type", "") == "PodResizePending") pending = c;
        }
        return !pending.is_null();
      },
      30s))
      << resizelet.Output();
  EXPECT_EQ(pending.value("reason", ""), "Infeasible");
  EXPECT_EQ(pending.value("message", ""),
            "Resize is infeasible for Guaranteed Pods alongside CPU Manager policy \"static\"");
  EXPECT_EQ(runtime_.Count("UpdateContainerResources"), updates_before);
  EXPECT_EQ(ReadFile(web.cpu_dir + "/cpu.cfs_quota_us"), "20000");
  // The settings are logged once at start, with what was detected.
  const std::string log = resizelet.Output();
  EXPECT_THAT(log, HasSubstr("Node resize settings"));
  EXPECT_THAT(log, HasSubstr("LimitedSwap"));
  EXPECT_THAT(log, HasSubstr("nodeHasSwap"));
  EXPECT_THAT(log, HasSubstr("cgroupV1"));

  resizelet.Signal(SIGTERM);
  EXPECT_EQ(resizelet.WaitExit(15s), std::optional<int>(0)) << resizelet.Output();
}

// Sets or clears the kubelet's PodResizeInProgress condition on "web" (companion mode's view).
bool SetKubeletInProgress(apiserver::ApiServer& server, bool in_progress) {
  return server.store()
      .Update("pods", "default/web",
              [&](const nlohmann::json& current) -> absl::StatusOr<nlohmann::json> {
                nlohmann::json next = current;
                nlohmann::json conditions = nlohmann::json::array();
                if (in_progress) {
                  conditions.push_back({{"type", "PodResizeInProgress"}, {"status", "True"}});
                }
                next["status"]["conditions"] = conditions;
                return next;
              })
      .ok();
}

TEST_F(RunCommandTest, CompanionModeTimesTheKubeletsResizeAndWritesNothing) {
  AddNode("v1.33.1");
  TestCgroups cgroups("/resizelet-daemon-companion-" + std::to_string(getpid()));
  const RunningPod web = AddRunningPod(*server_, runtime_, cgroups);
  ASSERT_FALSE(web.uid.empty());
  Resizelet resizelet(Flags({"--mode=companion", "--cgroup-root=" + cgroups.root(), "--v=4"}),
                      dir_ + "/out.log");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << resizelet.Output();
  std::map<std::string, double> samples;
  auto scrape = [&] {
    std::optional<HttpResult> metrics = HttpGet(port_, "/metrics");
    if (!metrics || metrics->status != 200) return false;
    absl::StatusOr<obs::testing::Exposition> parsed = obs::testing::ParseExposition(metrics->body);
    if (!parsed.ok()) return false;
    samples = parsed->samples;
    return true;
  };

  // The kubelet takes the resize up (InProgress), then finishes it (no condition).
  ASSERT_TRUE(ResizeLimits(*server_, {{"cpu", "200m"}, {"memory", "256Mi"}}));
  ASSERT_TRUE(SetKubeletInProgress(*server_, true));
  const std::string in_progress = "resizelet_resize_state{state=\"in_progress\"}";
  ASSERT_TRUE(Eventually([&] { return scrape() && samples[in_progress] == 1; }, 30s))
      << resizelet.Output() << RequestTrace();
  ASSERT_TRUE(SetKubeletInProgress(*server_, false));
  const std::string timed = "resizelet_pod_resize_duration_seconds_count{success=\"true\"}";
  ASSERT_TRUE(Eventually([&] { return scrape() && samples[timed] == 1; }, 30s))
      << resizelet.Output() << "\n"
      << HttpGet(port_, "/metrics").value_or(HttpResult{}).body;
  EXPECT_EQ(samples[in_progress], 0);
  // What the kubelet owns was left alone.
  EXPECT_EQ(runtime_.Count("UpdateContainerResources"), 0);
  EXPECT_EQ(server_->CountRequests("PATCH", "/status"), 0);
  EXPECT_EQ(server_->CountRequests("POST", "/events"), 0);
  EXPECT_EQ(ReadFile(web.memory_dir + "/memory.limit_in_bytes"), std::to_string(128 << 20));
  EXPECT_THAT(resizelet.Output(), HasSubstr("Resize state"));
  resizelet.Signal(SIGTERM);
  EXPECT_EQ(resizelet.WaitExit(15s), std::optional<int>(0)) << resizelet.Output();
}

// The events resizelet recorded for the pod, by reason, with their aggregated counts.
std::map<std::string, int> EventCounts(apiserver::ApiServer& server, const std::string& uid) {
  std::map<std::string, int> counts;
  for (const nlohmann::json& e : server.store().List("events").first) {
    if (e.value("involvedObject", nlohmann::json::object()).value("uid", "") != uid) continue;
    counts[e.value("reason", "")] += e.value("count", 1);
  }
  return counts;
}

bool ShowsResizeCondition(apiserver::ApiServer& server) {
  std::optional<nlohmann::json> pod = server.store().Get("pods", "default/web");
  if (!pod) return false;
  for (const nlohmann::json& c : pod->value("status", nlohmann::json::object())
                                     .value("conditions", nlohmann::json::array())) {
    const std::string type = c.value("type", "");
    if (type == "PodResizePending" || type == "PodResizeInProgress") return true;
  }
  return false;
}

// Issue 6 test 5 on the fake runtime: resizelet SIGKILLs itself at each crash point of a memory
// limit increase, is started again on the same state directory, and converges without a second
// UpdateContainerResources; the resize is announced started and completed exactly once.
class CrashPointRestartTest : public RunCommandTest,
                              public ::testing::WithParamInterface<std::string> {};

TEST_P(CrashPointRestartTest, RestartConvergesWithoutRepeatingTheUpdate) {
  const std::string point = GetParam();
  AddNode("v1.32.4");
  TestCgroups cgroups("/resizelet-daemon-crash-" + std::to_string(getpid()));
  const RunningPod web = AddRunningPod(*server_, runtime_, cgroups);
  ASSERT_FALSE(web.uid.empty());
  const std::vector<std::string> flags =
      Flags({"--mode=actuate", "--cgroup-root=" + cgroups.root()});

  setenv("RESIZELET_CRASH_AT", point.c_str(), 1);
  auto first = std::make_unique<Resizelet>(flags, dir_ + "/first.log");
  unsetenv("RESIZELET_CRASH_AT");
  ASSERT_TRUE(Eventually([&] { return Ready(); }, 30s)) << first->Output();
  EXPECT_THAT(first->Output(), HasSubstr("Crash point armed"));
  EXPECT_THAT(first->Output(), HasSubstr(point));
  ASSERT_TRUE(ResizeLimits(*server_, {{"cpu", "200m"}, {"memory", "256Mi"}}));
  std::optional<int> code = first->WaitExit(30s);
  ASSERT_TRUE(code.has_value()) << "did not crash at " << point << "\n" << first->Output();
  EXPECT_EQ(*code, 128 + SIGKILL) << first->Output();
  const bool updated = point == "after_cri_update" || point == "before_status_patch";
  EXPECT_EQ(runtime_.Count("UpdateContainerResources"), updated ? 1 : 0);
  first.reset();

  Resizelet second(flags, dir_ + "/second.log");
  ASSERT_TRUE(Eventually(
      [&] {
        const std::map<std::string, int> events = EventCounts(*server_, web.uid);
        return runtime_.Resources("cid-web").memory_limit_in_bytes == (256 << 20) &&
               ReadFile(web.memory_dir + "/memory.limit_in_bytes") == std::to_string(256 << 20) &&
               !ShowsResizeCondition(*server_) && events.contains("ResizeCompleted");
      },
      30s))
      << point << "\n"
      << second.Output();
  EXPECT_EQ(runtime_.Count("UpdateContainerResources"), 1) << point;
  const std::map<std::string, int> events = EventCounts(*server_, web.uid);
  EXPECT_EQ(events.count("ResizeStarted") ? events.at("ResizeStarted") : 0, 1) << point;
  EXPECT_EQ(events.at("ResizeCompleted"), 1) << point;
  second.Signal(SIGTERM);
  EXPECT_EQ(second.WaitExit(15s), std::optional<int>(0)) << second.Output();
}

INSTANTIATE_TEST_SUITE_P(EachPoint, CrashPointRestartTest,
                         ::testing::Values("after_admission", "after_checkpoint",
                                           "after_pod_cgroup", "after_cri_update",
                                           "before_status_patch"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace resizelet::daemon
