// The end-to-end VM lane (issue 6, tests 7 and 8): the whole stack inside the qemu guest on a real
// cgroup v2 kernel. The local API server (in-process) emulates v1.32, the stand-in kubelet
// (in-process, as kubelet 1.32: it never resizes) runs the pods on the guest's containerd, and the
// real `resizelet run` binary (a child process) resizes them in actuate mode through a recording
// CRI proxy, so what reached the runtime, and in which order against the pod cgroup, is checked on
// the runtime's side of the wire. Results are read from the real cgroup files.
//
// Runs inside scripts/vm/run-vm.sh --containerd with the test image at $RESIZELET_TEST_IMAGE and
// the daemon at $RESIZELET_BINARY (tests/vm/CMakeLists.txt). Fails, never skips, when any of them
// is missing.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/kube/curl_kube_client.h"
#include "agent/kube/kubeconfig.h"
#include "cgroups/cpu_math.h"
#include "cri/grpc_runtime_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/apiserver/api_server.h"
#include "tests/harness/counting_proxy.h"
#include "tests/harness/pod_runner.h"
#include "tests/harness/process.h"
#include "tests/harness/real_runtime.h"
#include "tests/standin/standin.h"
#include "tests/status_matchers.h"

namespace resizelet::vmtest {
namespace {

using nlohmann::json;
using ::resizelet::testing::IsOk;
using ::testing::ContainsRegex;
using namespace std::chrono_literals;

constexpr char kNode[] = "node-a";
constexpr char kCgroupMount[] = "/sys/fs/cgroup";
// Everything is emulated (TCG): generous deadlines, polled, never slept through.
constexpr auto kTimeout = 60s;
constexpr int64_t kMi = int64_t{1} << 20;

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = kTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

double SecondsSince(absl::Time t) { return absl::ToDoubleSeconds(absl::Now() - t); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trimmed(const std::string& path) {
  absl::StatusOr<std::string> v = harness::ReadTrimmed(path);
  return v.ok() ? *v : "<" + std::string(v.status().message()) + ">";
}

int64_t ReadInt(const std::string& path) {
  int64_t v = -1;
  return absl::SimpleAtoi(Trimmed(path), &v) ? v : -1;
}

// The `oom_kill` counter of a cgroup's memory.events.
int64_t OomKills(const std::string& cgroup_dir) {
  for (absl::string_view line : absl::StrSplit(ReadFile(cgroup_dir + "/memory.events"), '\n')) {
    std::vector<std::string> kv = absl::StrSplit(line, ' ');
    int64_t v = 0;
    if (kv.size() == 2 && kv[0] == "oom_kill" && absl::SimpleAtoi(kv[1], &v)) return v;
  }
  return -1;
}

// resizelet's /metrics (busybox wget in the guest), or an empty string.
std::string ScrapeMetrics() {
  absl::StatusOr<std::string> text = harness::RunCommand(
      {"wget", "-q", "-O", "-", "http://127.0.0.1:10266/metrics"}, absl::Seconds(10));
  return text.ok() ? *text : "";
}

// The value of the series `series` ("name{label=\"v\"}" exactly as exposed); -1 when absent.
double MetricValue(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, series + " ")) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &v)) return v;
  }
  return -1;
}

std::string Condition(const json& pod, const std::string& type, const std::string& field) {
  if (!pod.is_object() || !pod.contains("status")) return "";
  for (const json& c : pod["status"].value("conditions", json::array())) {
    if (!c.is_object() || !c.contains("type") || c["type"] != type) continue;
    // A field may be absent or null ("reason": null): never throw from a poll.
    return c.contains(field) && c[field].is_string() ? c[field].get<std::string>() : "<none>";
  }
  return "";
}
bool HasCondition(const json& pod, const std::string& type) {
  return !Condition(pod, type, "type").empty();
}

class E2eVmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const absl::Time start = absl::Now();
    start_error_ = StartStack();
    std::printf("  stack up (containerd, API server, stand-in, resizelet) in %.1f s: %s\n",
                SecondsSince(start), start_error_.ToString().c_str());
    std::fflush(stdout);
  }

  static absl::Status StartStack() {
    // Nothing starts outside the guest: this host's hybrid hierarchy is not the lane's subject.
    if (!std::filesystem::exists(std::string(kCgroupMount) + "/cgroup.controllers")) {
      return absl::FailedPreconditionError(
          "this program needs a pure cgroup v2 kernel: run it through scripts/vm/run-vm.sh "
          "--containerd (ctest -R vm.e2e)");
    }
    // HTTPS to the API server goes over loopback, which the guest's /init leaves down.
    absl::StatusOr<std::string> lo =
        harness::RunCommand({"ip", "link", "set", "lo", "up"}, absl::Seconds(10));
    if (!lo.ok()) return lo.status();
    const char* binary = std::getenv("RESIZELET_BINARY");
    if (binary == nullptr || ::access(binary, X_OK) != 0) {
      return absl::FailedPreconditionError(
          "$RESIZELET_BINARY is not an executable: run through tests/vm/CMakeLists.txt (vm.e2e)");
    }
    harness::RealRuntimeOptions options;
    if (const char* image = std::getenv("RESIZELET_TEST_IMAGE"); image != nullptr && *image) {
      options.image_tarball = image;
    }
    absl::StatusOr<std::unique_ptr<harness::RealRuntime>> rt = harness::RealRuntime::Start(options);
    if (!rt.ok()) return rt.status();
    rt_ = *std::move(rt);

    char tmpl[] = "/tmp/resizelet-e2e-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp");
    dir_ = tmpl;
    absl::StatusOr<std::unique_ptr<harness::CountingCriProxy>> proxy =
        harness::CountingCriProxy::Start(dir_ + "/cri-proxy.sock", rt_->endpoint());
    if (!proxy.ok()) return proxy.status();
    proxy_ = *std::move(proxy);

    apiserver::ApiServerOptions server_options;
    server_options.state_dir = dir_ + "/apiserver";
    server_options.git_version = "v1.32.4";
    server_options.bookmark_interval = 500ms;
    std::filesystem::create_directories(server_options.state_dir);
    absl::StatusOr<std::unique_ptr<apiserver::ApiServer>> server =
        apiserver::ApiServer::Start(server_options);
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    absl::StatusOr<kube::RestConfig> config = kube::LoadKubeconfig(server_->kubeconfig_path());
    if (!config.ok()) return config.status();
    absl::StatusOr<std::unique_ptr<kube::CurlKubeClient>> client =
        kube::CurlKubeClient::Create(*config);
    if (!client.ok()) return client.status();
    client_ = *std::move(client);
    cri::GrpcRuntimeClientOptions cri_options;
    cri_options.endpoint = rt_->endpoint();
    absl::StatusOr<std::unique_ptr<cri::GrpcRuntimeClient>> runtime =
        cri::GrpcRuntimeClient::Create(cri_options);
    if (!runtime.ok()) return runtime.status();
    runtime_ = *std::move(runtime);

    // The stand-in talks to containerd directly: the proxy sees resizelet's calls only.
    standin::StandinOptions standin_options;
    standin_options.node_name = kNode;
    standin_options.version = standin::KubeletVersion::k132;
    standin_options.runtime_endpoint = rt_->endpoint();
    standin_options.image = harness::kTestImage;
    standin_options.log_root = rt_->work_dir() + "/standin-logs";
    absl::StatusOr<std::unique_ptr<standin::Standin>> standin =
        standin::Standin::Create(client_.get(), standin_options);
    if (!standin.ok()) return standin.status();
    standin_ = *std::move(standin);
    standin_->Start();

    log_path_ = dir_ + "/resizelet.log";
    absl::StatusOr<pid_t> pid = harness::SpawnProcess(
        {binary, "run", "--kubeconfig", server_->kubeconfig_path(), "--node-name", kNode, "--mode",
         "actuate", "--container-runtime-endpoint", proxy_->endpoint(), "--cgroup-driver",
         "cgroupfs", "--state-directory", dir_ + "/state", "--metrics-bind-address",
         "127.0.0.1:10266", "--healthz-bind-address", "127.0.0.1:10267"},
        log_path_);
    if (!pid.ok()) return pid.status();
    daemon_pid_ = *pid;
    // Ready: caches synced, mode chosen, workers running.
    const bool ready = Eventually([] {
      return !harness::ChildAlive(daemon_pid_) ||
             absl::StrContains(ReadFile(log_path_), "] \"Ready\"");
    });
    if (!ready || !harness::ChildAlive(daemon_pid_)) {
      return absl::UnavailableError(
          absl::StrCat("resizelet did not get ready:\n", ReadFile(log_path_)));
    }
    const std::string log = ReadFile(log_path_);
    if (!absl::StrContains(log, "\"Mode chosen\" mode=\"actuate\"")) {
      return absl::FailedPreconditionError(
          absl::StrCat("resizelet is not in actuate mode:\n", log));
    }
    return absl::OkStatus();
  }

  static void TearDownTestSuite() {
    if (daemon_pid_ > 0) {
      EXPECT_THAT(harness::StopProcess(daemon_pid_, absl::Seconds(10)), IsOk());
      daemon_pid_ = 0;
    }
    standin_.reset();  // removes its pods from the runtime
    runtime_.reset();
    client_.reset();
    proxy_.reset();
    if (rt_ != nullptr) {
      EXPECT_THAT(rt_->Teardown(), IsOk());
      rt_.reset();
    }
    if (server_ != nullptr) server_->Stop();
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(std::string(kCgroupMount) + "/cgroup.controllers"))
        << "this program needs a pure cgroup v2 kernel: run it through "
           "scripts/vm/run-vm.sh --containerd (ctest -R vm.e2e)";
    ASSERT_THAT(start_error_, IsOk());
  }

  void TearDown() override {
    if (HasFailure() && !log_path_.empty()) {
      std::printf("---- resizelet log ----\n%s---- end of resizelet log ----\n",
                  ReadFile(log_path_).c_str());
      std::fflush(stdout);
    }
  }

  static std::string CreatePod(const json& pod) {
    const std::string key = "default/" + pod["metadata"]["name"].get<std::string>();
    absl::StatusOr<json> created = server_->store().Create("pods", key, pod);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? (*created)["metadata"]["uid"].get<std::string>() : "";
  }

  static json Pod(const std::string& name) {
    std::optional<json> pod = server_->store().Get("pods", "default/" + name);
    return pod ? *pod : json();
  }

  // PATCH pods/<name>/resize (strategic merge: containers merge by name), as kubectl does.
  static absl::Status Resize(const std::string& name, const json& patch) {
    kube::HttpRequest request;
    request.method = "PATCH";
    request.path = absl::StrCat("/api/v1/namespaces/default/pods/", name, "/resize");
    request.content_type = "application/strategic-merge-patch+json";
    request.body = patch.dump();
    request.timeout = absl::Seconds(20);
    absl::StatusOr<kube::HttpResponse> response = client_->Do(request);
    if (!response.ok()) return response.status();
    if (response->code != 200) {
      return absl::InternalError(
          absl::StrCat("resize: HTTP ", response->code, " ", response->body));
    }
    return absl::OkStatus();
  }

  // The runtime's container id of `container` once the stand-in reports it running.
  static std::string WaitRunning(const std::string& pod_name, const std::string& container) {
    std::string id;
    EXPECT_TRUE(Eventually([&] {
      json pod = Pod(pod_name);
      if (!pod.contains("status")) return false;
      for (const json& cs : pod["status"].value("containerStatuses", json::array())) {
        if (cs.value("name", "") != container || !cs.contains("state") ||
            !cs["state"].contains("running")) {
          continue;
        }
        id = cs.value("containerID", "");
        return absl::StartsWith(id, "containerd://");
      }
      return false;
    })) << Pod(pod_name).dump();
    return absl::StartsWith(id, "containerd://") ? id.substr(std::string("containerd://").size())
                                                 : "";
  }

  static int RestartCount(const std::string& pod_name, const std::string& container) {
    json pod = Pod(pod_name);
    if (!pod.contains("status")) return -1;
    for (const json& cs : pod["status"].value("containerStatuses", json::array())) {
      if (cs.value("name", "") == container) return cs.value("restartCount", -1);
    }
    return -1;
  }

  // "reason xcount" of each event recorded for the pod.
  static std::string EventCounts(const std::string& uid) {
    std::vector<std::string> out;
    for (const json& e : server_->store().List("events").first) {
      if (e.contains("involvedObject") && e["involvedObject"].value("uid", "") == uid) {
        out.push_back(absl::StrCat(e.value("reason", ""), " x", e.value("count", 1)));
      }
    }
    return absl::StrJoin(out, ", ");
  }

  // Event reasons recorded for the pod, in creation order.
  static std::vector<std::string> EventReasons(const std::string& uid) {
    std::vector<std::string> reasons;
    for (const json& e : server_->store().List("events").first) {
      if (e.contains("involvedObject") && e["involvedObject"].value("uid", "") == uid) {
        reasons.push_back(e.value("reason", ""));
      }
    }
    return reasons;
  }

  static std::string PodCgroup(const std::string& tier, const std::string& uid) {
    return absl::StrCat(kCgroupMount, "/kubepods/", tier, tier.empty() ? "" : "/", "pod", uid);
  }

  static inline std::unique_ptr<harness::RealRuntime> rt_;
  static inline std::unique_ptr<harness::CountingCriProxy> proxy_;
  static inline std::unique_ptr<apiserver::ApiServer> server_;
  static inline std::unique_ptr<kube::CurlKubeClient> client_;
  static inline std::unique_ptr<cri::GrpcRuntimeClient> runtime_;
  static inline std::unique_ptr<standin::Standin> standin_;
  static inline std::string dir_;
  static inline std::string log_path_;
  static inline pid_t daemon_pid_ = 0;
  static inline absl::Status start_error_;
};

// Test 7: a memory limit below the container's usage is refused with the kubelet's message, never
// sent to the runtime (on cgroup v2 the runtime would accept it and the kernel would OOM-kill the
// container), and reverting the resize clears the error.
TEST_F(E2eVmTest, MemoryLimitBelowUsageIsRefusedWithKubeletMessageAndRevertWorks) {
  // memhog keeps 64 MiB resident (touched, anonymous: not reclaimable without swap).
  const json pod_json = {{"kind", "Pod"},
                         {"apiVersion", "v1"},
                         {"metadata", {{"name", "hog"}, {"namespace", "default"}}},
                         {"spec",
                          {{"nodeName", kNode},
                           {"containers",
                            {{{"name", "c1"},
                              {"image", harness::kTestImage},
                              {"command", {"/bin/memhog", "64"}},
                              {"resources",
                               {{"requests", {{"cpu", "100m"}, {"memory", "96Mi"}}},
                                {"limits", {{"cpu", "500m"}, {"memory", "192Mi"}}}}}}}}}},
                         {"status", {{"phase", "Pending"}}}};
  const std::string uid = CreatePod(pod_json);
  ASSERT_FALSE(uid.empty());
  const std::string id = WaitRunning("hog", "c1");
  ASSERT_FALSE(id.empty());
  const std::string pod_dir = PodCgroup("burstable", uid);
  const std::string dir = absl::StrCat(pod_dir, "/", id);
  ASSERT_THAT(harness::WaitForFileContent(dir + "/memory.max", std::to_string(192 * kMi),
                                          absl::Seconds(30)),
              IsOk());
  ASSERT_TRUE(Eventually([&] { return ReadInt(dir + "/memory.current") >= 64 * kMi; }))
      << "memhog never reached 64 MiB: memory.current " << Trimmed(dir + "/memory.current");
  const int64_t oom_before = OomKills(dir);
  const int64_t pod_oom_before = OomKills(pod_dir);
  ASSERT_GE(oom_before, 0) << ReadFile(dir + "/memory.events");
  const int updates_before = proxy_->Count("UpdateContainerResources");

  // Down to 48Mi (request 32Mi): below the 64+ MiB in use.
  const absl::Time resize_start = absl::Now();
  ASSERT_THAT(
      Resize("hog",
             {{"spec",
               {{"containers",
                 {{{"name", "c1"},
                   {"resources",
                    {{"requests", {{"memory", "32Mi"}}}, {"limits", {{"memory", "48Mi"}}}}}}}}}}}),
      IsOk());
  json errored;  // the pod as first seen with the Error condition
  ASSERT_TRUE(Eventually([&] {
    errored = Pod("hog");
    return Condition(errored, "PodResizeInProgress", "reason") == "Error";
  })) << errored["status"].dump();
  const double error_s = SecondsSince(resize_start);
  const std::string message = Condition(errored, "PodResizeInProgress", "message");
  // The kubelet's best-effort check (doPodResizeAction), facts.md §5.
  EXPECT_THAT(message,
              ContainsRegex(absl::StrCat("attempting to set container \"c1\" memory limit \\(",
                                         48 * kMi, "\\) below current usage \\([0-9]+\\)")));
  int64_t reported_usage = 0;
  {
    const size_t open = message.rfind('(');
    const size_t close = message.rfind(')');
    if (open != std::string::npos && close != std::string::npos && close > open) {
      (void)absl::SimpleAtoi(message.substr(open + 1, close - open - 1), &reported_usage);
    }
  }
  EXPECT_GE(reported_usage, 64 * kMi) << message;
  EXPECT_EQ(Condition(errored, "PodResizeInProgress", "status"), "True");
  EXPECT_FALSE(HasCondition(errored, "PodResizePending"));

  // Nothing changed on the node: the runtime never saw the limit, the container lives on.
  EXPECT_EQ(ReadInt(dir + "/memory.max"), 192 * kMi);
  EXPECT_EQ(ReadInt(pod_dir + "/memory.max"), 192 * kMi);
  EXPECT_EQ(OomKills(dir), oom_before) << ReadFile(dir + "/memory.events");
  EXPECT_EQ(OomKills(pod_dir), pod_oom_before) << ReadFile(pod_dir + "/memory.events");
  absl::StatusOr<cri::ContainerStatusInfo> status = runtime_->ContainerStatus(id, false);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, cri::ContainerState::kRunning);
  EXPECT_GE(ReadInt(dir + "/memory.current"), 64 * kMi);
  // The state is exported too. (Polled: each backoff retry passes through in_progress.)
  EXPECT_TRUE(Eventually([] {
    return MetricValue(ScrapeMetrics(), "resizelet_resize_state{state=\"error\"}") == 1;
  })) << ScrapeMetrics();

  // Back to the old size: the error clears, nothing is sent (the runtime still holds it).
  const absl::Time revert_start = absl::Now();
  ASSERT_THAT(
      Resize("hog",
             {{"spec",
               {{"containers",
                 {{{"name", "c1"},
                   {"resources",
                    {{"requests", {{"memory", "96Mi"}}}, {"limits", {{"memory", "192Mi"}}}}}}}}}}}),
      IsOk());
  ASSERT_TRUE(Eventually([&] {
    const json pod = Pod("hog");
    return !HasCondition(pod, "PodResizeInProgress") && !HasCondition(pod, "PodResizePending");
  })) << Pod("hog")["status"].dump();
  const double revert_s = SecondsSince(revert_start);

  for (const harness::UpdateRecord& u : proxy_->Updates()) {
    EXPECT_NE(u.memory_limit_in_bytes, 48 * kMi)
        << "UpdateContainerResources with the refused limit reached the runtime for "
        << u.container_id;
  }
  const int updates_after = proxy_->Count("UpdateContainerResources");
  EXPECT_EQ(updates_after, updates_before);
  EXPECT_EQ(ReadInt(dir + "/memory.max"), 192 * kMi);
  EXPECT_EQ(ReadInt(pod_dir + "/memory.max"), 192 * kMi);
  EXPECT_EQ(OomKills(dir), oom_before);
  status = runtime_->ContainerStatus(id, false);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, cri::ContainerState::kRunning);
  EXPECT_EQ(WaitRunning("hog", "c1"), id) << "the container was replaced";
  EXPECT_EQ(RestartCount("hog", "c1"), 0);
  EXPECT_EQ(MetricValue(ScrapeMetrics(), "resizelet_resize_state{state=\"error\"}"), 0);
  EXPECT_TRUE(Eventually([&] {
    const std::vector<std::string> r = EventReasons(uid);
    return std::count(r.begin(), r.end(), "ResizeCompleted") == 1;
  })) << absl::StrJoin(EventReasons(uid), ",");
  const std::vector<std::string> reasons = EventReasons(uid);
  EXPECT_THAT(reasons, ::testing::ElementsAre("ResizeStarted", "ResizeError", "ResizeStarted",
                                              "ResizeCompleted"));
  std::printf(
      "RESIZELET-VM: e2e below-usage: refused in %.1f s (\"%s\"), reverted in %.1f s; "
      "updates sent %d; events %s\n",
      error_s, message.c_str(), revert_s, updates_after - updates_before, EventCounts(uid).c_str());
  std::fflush(stdout);
}

// Checks one pod-level resize's calls at the runtime against the pod cgroup as it stood at each
// call (facts.md §5: memory before CPU; a pod limit grows before its containers and shrinks after
// them; a pod request (cpu.weight) shrinks before the containers and grows after them).
struct PodCgroupAtCall {
  int64_t memory_max = -1;
  int64_t cpu_quota = -1;  // -1: "max"
  std::string cpu_weight;
};

PodCgroupAtCall AtCall(const harness::UpdateRecord& u) {
  PodCgroupAtCall at;
  auto it = u.observed.find("memory.max");
  if (it != u.observed.end()) (void)absl::SimpleAtoi(it->second, &at.memory_max);
  it = u.observed.find("cpu.max");
  if (it != u.observed.end()) {
    std::vector<std::string> parts = absl::StrSplit(it->second, ' ');
    if (!parts.empty()) (void)absl::SimpleAtoi(parts[0], &at.cpu_quota);
  }
  it = u.observed.find("cpu.weight");
  if (it != u.observed.end()) at.cpu_weight = it->second;
  return at;
}

std::string Describe(const std::vector<harness::UpdateRecord>& updates) {
  std::string out;
  for (const harness::UpdateRecord& u : updates) {
    absl::StrAppend(
        &out, "\n  ", u.container_id.substr(0, 12), " mem=", u.memory_limit_in_bytes,
        " quota=", u.cpu_quota, " shares=", u.cpu_shares,
        " | pod memory.max=", u.observed.count("memory.max") ? u.observed.at("memory.max") : "?",
        " cpu.max=", u.observed.count("cpu.max") ? u.observed.at("cpu.max") : "?",
        " cpu.weight=", u.observed.count("cpu.weight") ? u.observed.at("cpu.weight") : "?");
  }
  return out;
}

// Test 8: a pod with pod-level resources (KEP-2837) resized through spec.resources: the pod
// cgroup and the container that inherits the pod's limits (it has none of its own) follow, in the
// kubelet's order; the container with its own limits is left alone.
TEST_F(E2eVmTest, PodLevelResizeUpdatesPodCgroupAndInheritingContainerInOrder) {
  const json pod_json = {
      {"kind", "Pod"},
      {"apiVersion", "v1"},
      {"metadata", {{"name", "plr"}, {"namespace", "default"}}},
      {"spec",
       {{"nodeName", kNode},
        {"resources",
         {{"requests", {{"cpu", "500m"}, {"memory", "128Mi"}}},
          {"limits", {{"cpu", "1"}, {"memory", "256Mi"}}}}},
        {"containers",
         {{{"name", "c1"}, {"image", harness::kTestImage}, {"command", {"/bin/sleep", "3600"}}},
          {{"name", "c2"},
           {"image", harness::kTestImage},
           {"command", {"/bin/sleep", "3600"}},
           {"resources",
            {{"requests", {{"cpu", "100m"}, {"memory", "32Mi"}}},
             {"limits", {{"cpu", "200m"}, {"memory", "64Mi"}}}}}}}}}},
      {"status", {{"phase", "Pending"}}}};
  const std::string uid = CreatePod(pod_json);
  ASSERT_FALSE(uid.empty());
  const std::string c1 = WaitRunning("plr", "c1");
  const std::string c2 = WaitRunning("plr", "c2");
  ASSERT_FALSE(c1.empty());
  ASSERT_FALSE(c2.empty());
  EXPECT_EQ(Pod("plr")["status"].value("qosClass", ""), "Burstable");
  const std::string pod_dir = PodCgroup("burstable", uid);
  const std::string c1_dir = absl::StrCat(pod_dir, "/", c1);
  const std::string c2_dir = absl::StrCat(pod_dir, "/", c2);
  // As the kubelet starts it (ResourceConfigForPod; the container limit defaults to the pod's).
  ASSERT_THAT(harness::WaitForFileContent(pod_dir + "/memory.max", std::to_string(256 * kMi),
                                          absl::Seconds(30)),
              IsOk());
  EXPECT_EQ(Trimmed(pod_dir + "/cpu.max"), "100000 100000");
  EXPECT_EQ(Trimmed(pod_dir + "/cpu.weight"), std::to_string(cgroups::CpuWeightLinear(512)));
  EXPECT_EQ(ReadInt(c1_dir + "/memory.max"), 256 * kMi);
  EXPECT_EQ(Trimmed(c1_dir + "/cpu.max"), "100000 100000");
  const std::string c2_memory = Trimmed(c2_dir + "/memory.max");
  const std::string c2_cpu = Trimmed(c2_dir + "/cpu.max");
  EXPECT_EQ(c2_memory, std::to_string(64 * kMi));
  EXPECT_EQ(c2_cpu, "20000 100000");

  proxy_->SetObserver([pod_dir](const std::string&) {
    return std::map<std::string, std::string>{{"memory.max", Trimmed(pod_dir + "/memory.max")},
                                              {"cpu.max", Trimmed(pod_dir + "/cpu.max")},
                                              {"cpu.weight", Trimmed(pod_dir + "/cpu.weight")}};
  });
  const std::string old_weight = std::to_string(cgroups::CpuWeightLinear(512));      // 500m
  const std::string new_weight = std::to_string(cgroups::CpuWeightLinear(768));      // 750m
  const std::string c1_new_weight = std::to_string(cgroups::CpuWeightLinear(1536));  // limit 1.5

  // --- Up: requests 750m / 192Mi, limits 1.5 CPU / 384Mi. ---
  size_t first = proxy_->Updates().size();
  const absl::Time up_start = absl::Now();
  ASSERT_THAT(Resize("plr", {{"spec",
                              {{"resources",
                                {{"requests", {{"cpu", "750m"}, {"memory", "192Mi"}}},
                                 {"limits", {{"cpu", "1500m"}, {"memory", "384Mi"}}}}}}}}),
              IsOk());
  ASSERT_TRUE(Eventually([&] {
    const json pod = Pod("plr");
    return ReadInt(pod_dir + "/memory.max") == 384 * kMi &&
           Trimmed(pod_dir + "/cpu.weight") == new_weight &&
           !HasCondition(pod, "PodResizeInProgress") && !HasCondition(pod, "PodResizePending");
  })) << Pod("plr")["status"].dump()
      << Describe(proxy_->Updates());
  const double up_s = SecondsSince(up_start);
  EXPECT_EQ(Trimmed(pod_dir + "/cpu.max"), "150000 100000");
  EXPECT_EQ(ReadInt(c1_dir + "/memory.max"), 384 * kMi);
  EXPECT_EQ(Trimmed(c1_dir + "/cpu.max"), "150000 100000");
  // The shares the container inherits from the pod limit, in runc 1.1.5's (linear) weight.
  EXPECT_EQ(Trimmed(c1_dir + "/cpu.weight"), c1_new_weight);
  EXPECT_EQ(Trimmed(c2_dir + "/memory.max"), c2_memory);
  EXPECT_EQ(Trimmed(c2_dir + "/cpu.max"), c2_cpu);
  absl::StatusOr<cri::ContainerStatusInfo> status = runtime_->ContainerStatus(c1, false);
  ASSERT_THAT(status, IsOk());
  ASSERT_TRUE(status->resources.has_value());
  EXPECT_EQ(status->resources->memory_limit_in_bytes, 384 * kMi);
  EXPECT_EQ(status->resources->cpu_quota, 150000);
  EXPECT_EQ(status->resources->cpu_shares, 1536);

  std::vector<harness::UpdateRecord> up = proxy_->Updates();
  up.erase(up.begin(), up.begin() + static_cast<long>(first));
  bool memory_sent = false;
  bool cpu_sent = false;
  // resizelet sends one call per container and resource (memory_limit_in_bytes, or the CPU
  // fields), memory first.
  for (const harness::UpdateRecord& u : up) {
    EXPECT_EQ(u.container_id, c1) << "only the inheriting container changes" << Describe(up);
    const PodCgroupAtCall at = AtCall(u);
    // The pod's memory limit had grown already (and memory comes before CPU).
    EXPECT_EQ(at.memory_max, 384 * kMi) << Describe(up);
    if (u.memory_limit_in_bytes > 0) {
      EXPECT_EQ(at.cpu_quota, 100000) << "CPU before memory" << Describe(up);
      memory_sent |= u.memory_limit_in_bytes == 384 * kMi;
    } else {
      // The pod's CPU limit had grown; its request (cpu.weight) grows only after the containers.
      EXPECT_EQ(at.cpu_quota, 150000) << Describe(up);
      EXPECT_EQ(at.cpu_weight, old_weight) << Describe(up);
      cpu_sent |= u.cpu_quota == 150000;
    }
  }
  EXPECT_TRUE(memory_sent) << Describe(up);
  EXPECT_TRUE(cpu_sent) << Describe(up);

  // --- Down again: the containers shrink first, then the pod limits. ---
  first = proxy_->Updates().size();
  const absl::Time down_start = absl::Now();
  ASSERT_THAT(Resize("plr", {{"spec",
                              {{"resources",
                                {{"requests", {{"cpu", "500m"}, {"memory", "128Mi"}}},
                                 {"limits", {{"cpu", "1"}, {"memory", "256Mi"}}}}}}}}),
              IsOk());
  ASSERT_TRUE(Eventually([&] {
    const json pod = Pod("plr");
    return ReadInt(pod_dir + "/memory.max") == 256 * kMi &&
           Trimmed(pod_dir + "/cpu.max") == "100000 100000" &&
           !HasCondition(pod, "PodResizeInProgress") && !HasCondition(pod, "PodResizePending");
  })) << Pod("plr")["status"].dump()
      << Describe(proxy_->Updates());
  const double down_s = SecondsSince(down_start);
  EXPECT_EQ(Trimmed(pod_dir + "/cpu.weight"), old_weight);
  EXPECT_EQ(ReadInt(c1_dir + "/memory.max"), 256 * kMi);
  EXPECT_EQ(Trimmed(c1_dir + "/cpu.max"), "100000 100000");
  EXPECT_EQ(Trimmed(c2_dir + "/memory.max"), c2_memory);
  std::vector<harness::UpdateRecord> down = proxy_->Updates();
  down.erase(down.begin(), down.begin() + static_cast<long>(first));
  memory_sent = false;
  cpu_sent = false;
  for (const harness::UpdateRecord& u : down) {
    EXPECT_EQ(u.container_id, c1) << Describe(down);
    const PodCgroupAtCall at = AtCall(u);
    // The pod's limits shrink after the containers; its request shrank before them.
    EXPECT_EQ(at.cpu_quota, 150000) << Describe(down);
    if (u.memory_limit_in_bytes > 0) {
      EXPECT_EQ(at.memory_max, 384 * kMi) << Describe(down);
      memory_sent |= u.memory_limit_in_bytes == 256 * kMi;
    } else {
      EXPECT_EQ(at.memory_max, 256 * kMi) << "CPU before memory" << Describe(down);
      EXPECT_EQ(at.cpu_weight, old_weight) << Describe(down);
      cpu_sent |= u.cpu_quota == 100000;
    }
  }
  EXPECT_TRUE(memory_sent) << Describe(down);
  EXPECT_TRUE(cpu_sent) << Describe(down);
  proxy_->SetObserver(nullptr);

  // Events go through their own rate limit, after the status: each resize ends with one. (Event
  // names end in the hex time of creation, and the store lists by name: creation order.)
  EXPECT_TRUE(Eventually([&] {
    const std::vector<std::string> r = EventReasons(uid);
    return std::count(r.begin(), r.end(), "ResizeCompleted") == 2;
  })) << absl::StrJoin(EventReasons(uid), ",");
  const std::vector<std::string> reasons = EventReasons(uid);
  EXPECT_THAT(reasons, ::testing::ElementsAre("ResizeStarted", "ResizeCompleted", "ResizeStarted",
                                              "ResizeCompleted"));
  std::printf(
      "RESIZELET-VM: e2e pod-level: up in %.1f s, down in %.1f s; UpdatePodSandboxResources "
      "calls %d; calls:%s%s; events %s\n",
      up_s, down_s, proxy_->Count("UpdatePodSandboxResources"), Describe(up).c_str(),
      Describe(down).c_str(), absl::StrJoin(reasons, ",").c_str());
  std::fflush(stdout);
}

}  // namespace
}  // namespace resizelet::vmtest
