#include "tests/e2e/local_node.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cri/grpc_runtime_client.h"
#include "tests/harness/pod_cgroups.h"
#include "tests/harness/process.h"
#include "tests/harness/real_runtime.h"
#include "tests/obs/exposition_parser.h"
#include "tests/obs/http_get.h"

namespace resizelet::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kKubectl[] = "/usr/bin/kubectl";
constexpr auto kPoll = 50ms;
// The stand-in starts containerd and imports the image first: seconds on a loaded machine.
constexpr auto kStandinReady = 90s;
constexpr auto kResizeletReady = 30s;
constexpr auto kPodRunning = 60s;
std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// waitpid without blocking: the exit of `pid` if it has exited (reaped), else nullopt.
std::optional<ExitInfo> Exited(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return std::nullopt;
  ExitInfo info;
  if (r == pid) {
    info.signaled = WIFSIGNALED(status);
    info.signal = info.signaled ? WTERMSIG(status) : 0;
    info.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  }
  return info;
}

}  // namespace

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(kPoll);
  }
  return done();
}

std::string BurstableCgroupValue(const std::string& controller, const std::string& uid,
                                 const std::string& container_id, const std::string& file) {
  std::string path = absl::StrCat("/sys/fs/cgroup/", controller, "/kubepods/burstable/pod", uid);
  if (!container_id.empty()) absl::StrAppend(&path, "/", container_id);
  absl::StatusOr<std::string> value = harness::ReadTrimmed(absl::StrCat(path, "/", file));
  return value.ok() ? *value : "";
}

std::string FirstContainerId(const json& pod) {
  if (!pod.contains("status") || !pod["status"].contains("containerStatuses") ||
      pod["status"]["containerStatuses"].empty()) {
    return "";
  }
  std::string id = pod["status"]["containerStatuses"][0].value("containerID", "");
  const size_t sep = id.find("://");
  return sep == std::string::npos ? id : id.substr(sep + 3);
}

json Condition(const json& pod, const std::string& type) {
  if (!pod.contains("status") || !pod["status"].contains("conditions")) return nullptr;
  for (const json& c : pod["status"]["conditions"]) {
    if (c.value("type", "") == type) return c;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<LocalNode>> LocalNode::Start(LocalNodeOptions options) {
  if (::access(kKubectl, X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(kKubectl, " is missing: the end-to-end tests need the real kubectl"));
  }
  std::unique_ptr<LocalNode> node(new LocalNode(std::move(options)));
  if (absl::Status s = node->StartAll(); !s.ok()) {
    absl::Status teardown = node->Teardown();
    return absl::Status(s.code(), absl::StrCat(s.message(), teardown.ok() ? "" : "; teardown: ",
                                               teardown.ok() ? "" : teardown.message()));
  }
  return node;
}

absl::Status LocalNode::StartAll() {
  char tmpl[] = "/tmp/resizelet-e2e-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  dir_ = tmpl;
  std::filesystem::create_directories(dir_ + "/rt");
  std::filesystem::create_directories(dir_ + "/state");

  apiserver::ApiServerOptions server_options;
  server_options.state_dir = dir_ + "/api";
  std::filesystem::create_directories(server_options.state_dir);
  server_options.git_version = options_.api_version;
  server_options.bookmark_interval = 500ms;
  absl::StatusOr<std::unique_ptr<apiserver::ApiServer>> server =
      apiserver::ApiServer::Start(server_options);
  if (!server.ok()) return server.status();
  server_ = *std::move(server);

  if (absl::Status s = StartStandin(); !s.ok()) return s;

  absl::StatusOr<std::unique_ptr<harness::CountingCriProxy>> proxy =
      harness::CountingCriProxy::Start(dir_ + "/cri-proxy.sock", runtime_endpoint_);
  if (!proxy.ok()) return proxy.status();
  proxy_ = *std::move(proxy);
  return StartResizelet(options_.resizelet_env);
}

absl::Status LocalNode::StartStandin() {
  std::vector<std::string> argv = {
      "/usr/bin/env",
      // The stand-in's private containerd goes below our directory,
      // so teardown can check that nothing of it survives.
      absl::StrCat("TMPDIR=", dir_, "/rt"), RESIZELET_STANDIN_BINARY, "--kubeconfig",
      server_->kubeconfig_path(), "--node-name", kNodeName, "--kubelet-version",
      options_.kubelet_version, "--status-sync-period-ms",
      std::to_string(options_.status_sync_period_ms), "--log-dir", dir_ + "/pod-logs"};
  if (options_.allocatable_cpu_milli > 0) {
    argv.insert(argv.end(),
                {"--allocatable-cpu-milli", std::to_string(options_.allocatable_cpu_milli)});
  }
  if (options_.allocatable_memory_bytes > 0) {
    argv.insert(argv.end(),
                {"--allocatable-memory-bytes", std::to_string(options_.allocatable_memory_bytes)});
  }
  const std::string log = dir_ + "/standin.log";
  absl::StatusOr<pid_t> pid = harness::SpawnProcess(argv, log);
  if (!pid.ok()) return pid.status();
  standin_pid_ = *pid;
  bool exited = false;
  const bool ready = Eventually(
      [&] {
        if (std::optional<ExitInfo> e = Exited(standin_pid_)) {
          exited = true;
          standin_pid_ = -1;
          return true;
        }
        for (absl::string_view line : absl::StrSplit(ReadFile(log), '\n')) {
          if (absl::ConsumePrefix(&line, "ready ")) {
            runtime_endpoint_ = std::string(line);
            return true;
          }
        }
        return false;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(kStandinReady));
  if (exited || !ready) {
    return absl::UnavailableError(absl::StrCat(
        "the stand-in kubelet ", exited ? "exited" : "is not ready", ": ", ReadFile(log)));
  }
  return absl::OkStatus();
}

absl::Status LocalNode::StartResizelet(const std::vector<std::string>& env) {
  if (resizelet_pid_ > 0) return absl::OkStatus();
  metrics_port_ = obs::testing::FreePort();
  healthz_port_ = obs::testing::FreePort();
  std::vector<std::string> argv;
  if (!env.empty()) {
    argv.push_back("/usr/bin/env");
    argv.insert(argv.end(), env.begin(), env.end());
  }
  argv.insert(argv.end(),
              {RESIZELET_BINARY, "run", "--kubeconfig", server_->kubeconfig_path(), "--node-name",
               kNodeName, "--container-runtime-endpoint", proxy_->endpoint(), "--state-directory",
               dir_ + "/state", "--metrics-bind-address", absl::StrCat("127.0.0.1:", metrics_port_),
               "--healthz-bind-address", absl::StrCat("127.0.0.1:", healthz_port_), "--mode",
               options_.mode});
  if (options_.legacy_resize_status) argv.push_back("--legacy-resize-status");
  const std::string log = dir_ + "/resizelet.log";
  std::ofstream(log, std::ios::app)
      << "=== start " << ++resizelet_starts_ << ": " << absl::StrJoin(argv, " ") << "\n";
  absl::StatusOr<pid_t> pid = harness::SpawnProcess(argv, log);
  if (!pid.ok()) return pid.status();
  resizelet_pid_ = *pid;
  bool exited = false;
  const bool ready = Eventually(
      [&] {
        if (Exited(resizelet_pid_)) {
          exited = true;
          resizelet_pid_ = -1;
          return true;
        }
        return !Mode().empty();
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(kResizeletReady));
  if (exited || !ready) {
    return absl::UnavailableError(
        absl::StrCat("resizelet ", exited ? "exited" : "reported no mode", ": ", ResizeletLog()));
  }
  return absl::OkStatus();
}

absl::Status LocalNode::StopResizelet() {
  if (resizelet_pid_ <= 0) return absl::OkStatus();
  absl::Status s = harness::StopProcess(resizelet_pid_, absl::Seconds(10));
  resizelet_pid_ = -1;
  return s;
}

absl::StatusOr<ExitInfo> LocalNode::WaitResizeletExit(std::chrono::milliseconds timeout) {
  if (resizelet_pid_ <= 0) return absl::FailedPreconditionError("resizelet is not running");
  std::optional<ExitInfo> exit;
  Eventually(
      [&] {
        exit = Exited(resizelet_pid_);
        return exit.has_value();
      },
      timeout);
  if (!exit) return absl::DeadlineExceededError("resizelet is still running");
  resizelet_pid_ = -1;
  return *exit;
}

std::string LocalNode::ResizeletLog() const { return ReadFile(dir_ + "/resizelet.log"); }

std::string LocalNode::MetricsText() const {
  if (metrics_port_ <= 0) return "";
  obs::testing::Response r = obs::testing::Get(metrics_port_, "/metrics");
  return r.status == 200 ? r.body : "";
}

std::map<std::string, double> LocalNode::Metrics() const {
  absl::StatusOr<obs::testing::Exposition> parsed = obs::testing::ParseExposition(MetricsText());
  return parsed.ok() ? parsed->samples : std::map<std::string, double>{};
}

std::string LocalNode::Mode() const {
  constexpr absl::string_view kPrefix = "resizelet_mode{mode=\"";
  for (const auto& [series, value] : Metrics()) {
    absl::string_view rest = series;
    if (value == 1 && absl::ConsumePrefix(&rest, kPrefix)) {
      return std::string(rest.substr(0, rest.find('"')));
    }
  }
  return "";
}

absl::StatusOr<std::string> LocalNode::Kubectl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kKubectl, "--kubeconfig", server_->kubeconfig_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return harness::RunCommand(argv, absl::Seconds(60));
}

absl::StatusOr<std::string> LocalNode::ApplyRunningPod(const json& pod) {
  const std::string name = pod["metadata"]["name"].get<std::string>();
  const std::string file = absl::StrCat(dir_, "/", name, ".json");
  std::ofstream(file) << pod.dump(2);
  absl::StatusOr<std::string> out = Kubectl({"apply", "-f", file});
  if (!out.ok()) return out.status();
  std::string uid;
  const bool running = Eventually(
      [&] {
        std::optional<json> p = Pod(name);
        if (!p) return false;
        uid = (*p)["metadata"].value("uid", "");
        const json& status = (*p)["status"];
        if (!status.contains("containerStatuses")) return false;
        for (const json& c : status["containerStatuses"]) {
          if (!c.contains("state") || !c["state"].contains("running")) return false;
          if (c.value("containerID", "").empty()) return false;
        }
        return !status["containerStatuses"].empty();
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(kPodRunning));
  if (!uid.empty()) pod_uids_.push_back(uid);
  if (!running) {
    return absl::DeadlineExceededError(
        absl::StrCat("pod ", name, " not running: ", Pod(name).value_or(json()).dump(),
                     "\nstand-in log:\n", ReadFile(dir_ + "/standin.log")));
  }
  return uid;
}

absl::Status LocalNode::PatchResize(const std::string& name, const json& patch) const {
  absl::StatusOr<std::string> out = Kubectl(
      {"patch", "pod", name, "--subresource", "resize", "--type", "strategic", "-p", patch.dump()});
  return out.status();
}

absl::StatusOr<cri::LinuxResources> LocalNode::ContainerResources(const std::string& container_id) {
  if (cri_ == nullptr) {
    cri::GrpcRuntimeClientOptions options;
    options.endpoint = runtime_endpoint_;
    options.call_timeout = absl::Seconds(10);
    absl::StatusOr<std::unique_ptr<cri::GrpcRuntimeClient>> client =
        cri::GrpcRuntimeClient::Create(options);
    if (!client.ok()) return client.status();
    cri_ = *std::move(client);
  }
  absl::StatusOr<cri::ContainerStatusInfo> status = cri_->ContainerStatus(container_id, false);
  if (!status.ok()) return status.status();
  if (!status->resources) return absl::NotFoundError("ContainerStatus reports no resources");
  return *status->resources;
}

std::optional<json> LocalNode::Pod(const std::string& name) const {
  return server_->store().Get("pods", "default/" + name);
}

std::vector<json> LocalNode::EventsFor(const std::string& uid) const {
  std::vector<json> out;
  for (json& e : server_->store().List("events").first) {
    if (e.contains("involvedObject") && e["involvedObject"].value("uid", "") == uid) {
      out.push_back(std::move(e));
    }
  }
  // Creation order: the store's resourceVersions only grow.
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return std::stoll(a["metadata"].value("resourceVersion", "0")) <
           std::stoll(b["metadata"].value("resourceVersion", "0"));
  });
  return out;
}

int LocalNode::StatusPatches(const std::string& name, const std::string& agent_prefix) const {
  const std::string path = absl::StrCat("/api/v1/namespaces/default/pods/", name, "/status");
  int n = 0;
  for (const apiserver::RequestRecord& r : server_->RequestLog()) {
    if (r.method == "PATCH" && r.path == path && absl::StartsWith(r.user_agent, agent_prefix)) {
      ++n;
    }
  }
  return n;
}

std::string LocalNode::RequestLogText() const {
  std::string out;
  for (const apiserver::RequestRecord& r : server_->RequestLog()) {
    if (r.method == "GET") continue;
    absl::StrAppend(&out, r.method, " ", r.path, " [", r.user_agent, "] ", r.status, " ", r.body,
                    "\n");
  }
  return out;
}

int LocalNode::RequestsFrom(const std::string& agent_prefix, const std::string& method,
                            const std::string& match) const {
  int n = 0;
  for (const apiserver::RequestRecord& r : server_->RequestLog()) {
    if ((method.empty() || r.method == method) && absl::StrContains(r.path, match) &&
        absl::StartsWith(r.user_agent, agent_prefix)) {
      ++n;
    }
  }
  return n;
}

LocalNode::~LocalNode() { Teardown().IgnoreError(); }

absl::Status LocalNode::Teardown() {
  if (torn_down_) return absl::OkStatus();
  torn_down_ = true;
  std::vector<std::string> problems;
  if (absl::Status s = StopResizelet(); !s.ok()) problems.push_back(std::string(s.message()));
  if (standin_pid_ > 0) {
    // The stand-in removes its pods and its containerd on SIGTERM.
    if (absl::Status s = harness::StopProcess(standin_pid_, absl::Seconds(60)); !s.ok()) {
      problems.push_back(absl::StrCat("stand-in: ", s.message()));
    }
    standin_pid_ = -1;
    const std::string log = ReadFile(dir_ + "/standin.log");
    if (absl::StrContains(log, "resizelet-standin-kubelet: ")) {
      problems.push_back(
          absl::StrCat("stand-in log: ", log.substr(log.rfind("resizelet-standin-kubelet: "))));
    }
  }
  cri_.reset();
  proxy_.reset();
  if (server_ != nullptr) server_->Stop();
  if (!dir_.empty()) {
    // Nothing of the runtime may survive: processes naming our directory (containerd, shims),
    // mounts below it, the pod cgroups of the pods we created.
    for (pid_t pid : harness::FindProcesses(dir_)) {
      if (pid == ::getpid()) continue;
      problems.push_back(absl::StrCat("process ", pid, " left running"));
      ::kill(pid, SIGKILL);
    }
    std::vector<std::string> mounts = harness::MountsBelow(dir_);
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
      problems.push_back(absl::StrCat("mount ", *it, " left"));
      ::umount2(it->c_str(), MNT_DETACH);
    }
    for (const std::string& path : harness::RemovePodCgroups(pod_uids_)) {
      problems.push_back(absl::StrCat("cgroup ", path, " left"));
    }
    std::error_code ec;
    if (problems.empty() && std::getenv("RESIZELET_E2E_KEEP") == nullptr) {
      std::filesystem::remove_all(dir_, ec);
    }
  }
  if (!problems.empty()) {
    return absl::InternalError(absl::StrCat(
        "left behind (cleaned up now): ", absl::StrJoin(problems, "; "), " [", dir_, "]"));
  }
  return absl::OkStatus();
}

}  // namespace resizelet::e2e
