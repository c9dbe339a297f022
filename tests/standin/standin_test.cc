// The stand-in kubelet against a real containerd (the harness) and the local API server
// (in-process): pods get running containers and the kubelet's conditions, each emulated version
// treats a resources change as that kubelet does, and a graceful delete leaves nothing behind.
// Timers (status resync, restart back-off) run on a SimulatedClock; real-time waits poll with a
// deadline.
#include "tests/standin/standin.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/kube/curl_kube_client.h"
#include "agent/runtime/clock.h"
#include "cri/grpc_runtime_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apiserver/api_server.h"
#include "tests/harness/real_runtime.h"
#include "tests/status_matchers.h"

namespace resizelet::standin {
namespace {

using nlohmann::json;
using ::resizelet::testing::IsOk;
using namespace std::chrono_literals;

constexpr char kNode[] = "node-a";

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// A one-container Burstable pod: cpu 100m/200m, memory 64Mi/128Mi.
json PodJson(const std::string& name) {
  return json{{"kind", "Pod"},
              {"apiVersion", "v1"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec",
               {{"nodeName", kNode},
                {"containers",
                 {{{"name", "c1"},
                   {"image", "localhost/resizelet/test:1"},
                   {"command", {"/bin/sleep", "3600"}},
                   {"resources",
                    {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}},
                     {"limits", {{"cpu", "200m"}, {"memory", "128Mi"}}}}}}}}}},
              {"status", {{"phase", "Pending"}}}};
}

std::string CgroupFile(const std::string& controller, const std::string& dir,
                       const std::string& file) {
  return absl::StrCat("/sys/fs/cgroup/", controller, dir, "/", file);
}

class StandinTest : public ::testing::Test {
 protected:
  void StartAll(const std::string& api_version, KubeletVersion version,
                int64_t allocatable_cpu_milli = 0) {
    auto rt = harness::RealRuntime::Start();
    ASSERT_THAT(rt, IsOk());  // fails, never skips, without containerd
    rt_ = *std::move(rt);
    char tmpl[] = "/tmp/resizelet-standin-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    apiserver::ApiServerOptions server_options;
    server_options.state_dir = dir_;
    server_options.git_version = api_version;
    server_options.bookmark_interval = 200ms;
    auto server = apiserver::ApiServer::Start(server_options);
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    auto config = kube::LoadKubeconfig(server_->kubeconfig_path());
    ASSERT_THAT(config, IsOk());
    auto client = kube::CurlKubeClient::Create(*config);
    ASSERT_THAT(client, IsOk());
    client_ = *std::move(client);
    cri::GrpcRuntimeClientOptions cri_options;
    cri_options.endpoint = rt_->endpoint();
    auto runtime = cri::GrpcRuntimeClient::Create(cri_options);
    ASSERT_THAT(runtime, IsOk());
    runtime_ = *std::move(runtime);

    StandinOptions options;
    options.node_name = kNode;
    options.version = version;
    options.runtime_endpoint = rt_->endpoint();
    options.image = harness::kTestImage;
    options.log_root = rt_->work_dir() + "/standin-logs";
    options.clock = &clock_;
    options.allocatable_cpu_milli = allocatable_cpu_milli;
    auto standin = Standin::Create(client_.get(), options);
    ASSERT_THAT(standin, IsOk());
    standin_ = *std::move(standin);
    standin_->Start();
  }

  void TearDown() override {
    standin_.reset();  // removes its pods from the runtime
    if (rt_ != nullptr) {
      runtime_.reset();
      EXPECT_THAT(rt_->Teardown(), IsOk());
    }
    if (server_ != nullptr) server_->Stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string CreatePod(const json& pod) {
    const std::string key = "default/" + pod["metadata"]["name"].get<std::string>();
    auto created = server_->store().Create("pods", key, pod);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? (*created)["metadata"]["uid"].get<std::string>() : "";
  }

  json Pod(const std::string& name) {
    auto pod = server_->store().Get("pods", "default/" + name);
    return pod ? *pod : json();
  }

  void Mutate(const std::string& name, const std::function<void(json&)>& change) {
    auto updated = server_->store().Update("pods", "default/" + name, [&](const json& pod) {
      json next = pod;
      change(next);
      return absl::StatusOr<json>(next);
    });
    ASSERT_THAT(updated, IsOk());
  }

  static std::string Condition(const json& pod, const std::string& type) {
    if (!pod.is_object() || !pod.contains("status")) return "";
    for (const json& c : pod["status"].value("conditions", json::array())) {
      if (c.value("type", "") == type) return c.value("status", "?");
    }
    return "";
  }

  static json ContainerStatus(const json& pod) {
    if (!pod.is_object() || !pod.contains("status")) return json();
    const json statuses = pod["status"].value("containerStatuses", json::array());
    return statuses.empty() ? json() : statuses[0];
  }

  // Waits until the pod's c1 runs and the pod is Ready; returns the runtime's container id.
  std::string WaitRunning(const std::string& name) {
    std::string id;
    EXPECT_TRUE(Eventually([&] {
      json pod = Pod(name);
      json cs = ContainerStatus(pod);
      if (Condition(pod, "Ready") != "True" || Condition(pod, "ContainersReady") != "True" ||
          !cs.is_object() || !cs.contains("state") || !cs["state"].contains("running")) {
        return false;
      }
      id = cs.value("containerID", "");
      return absl::StartsWith(id, "containerd://");
    })) << Pod(name).dump();
    return id.empty() ? "" : id.substr(std::string("containerd://").size());
  }

  // Waits for `n` more reconcile passes.
  void WaitPasses(int n) {
    const int target = standin_->passes() + n;
    ASSERT_TRUE(Eventually([&] { return standin_->passes() >= target; }));
  }

  runtime::SimulatedClock clock_;
  std::unique_ptr<harness::RealRuntime> rt_;
  std::string dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::unique_ptr<kube::CurlKubeClient> client_;
  std::unique_ptr<cri::GrpcRuntimeClient> runtime_;
  std::unique_ptr<Standin> standin_;
};

TEST_F(StandinTest, PodGetsRunningContainersCgroupsAndReadyConditions) {
  ASSERT_NO_FATAL_FAILURE(StartAll("v1.32.4", KubeletVersion::k132));
  // The Node is registered with the version and resources the stand-in emulates.
  auto node = server_->store().Get("nodes", kNode);
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ((*node)["status"]["nodeInfo"]["kubeletVersion"], "v1.32.0");
  EXPECT_TRUE((*node)["status"]["allocatable"].contains("cpu"));

  const std::string uid = CreatePod(PodJson("web"));
  const std::string id = WaitRunning("web");
  ASSERT_FALSE(id.empty());
  json pod = Pod("web");
  EXPECT_EQ(pod["status"]["qosClass"], "Burstable");
  EXPECT_EQ(pod["status"]["phase"], "Running");

  // The container runs on the real runtime with the kubelet's labels.
  auto status = runtime_->ContainerStatus(id, /*verbose=*/true);
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->state, cri::ContainerState::kRunning);
  EXPECT_EQ(status->labels["io.kubernetes.pod.uid"], uid);
  EXPECT_EQ(status->labels["io.kubernetes.container.name"], "c1");
  // Pod cgroup with ResourceConfigForPod's values; the container's from the spec.
  const std::string pod_dir = "/kubepods/burstable/pod" + uid;
  EXPECT_EQ(status->cgroups_path, pod_dir + "/" + id);
  EXPECT_EQ(harness::ReadTrimmed(CgroupFile("cpu", pod_dir, "cpu.shares")).value_or(""), "102");
  EXPECT_EQ(harness::ReadTrimmed(CgroupFile("cpu", pod_dir, "cpu.cfs_quota_us")).value_or(""),
            "20000");
  EXPECT_EQ(
      harness::ReadTrimmed(CgroupFile("memory", pod_dir, "memory.limit_in_bytes")).value_or(""),
      "134217728");
  EXPECT_EQ(
      harness::ReadTrimmed(CgroupFile("cpu", pod_dir + "/" + id, "cpu.cfs_quota_us")).value_or(""),
      "20000");
}

TEST_F(StandinTest, RestartsAContainerThatStopped) {
  ASSERT_NO_FATAL_FAILURE(StartAll("v1.32.4", KubeletVersion::k132));
  CreatePod(PodJson("web"));
  const std::string id = WaitRunning("web");
  ASSERT_FALSE(id.empty());
  // Kill it behind the stand-in's back.
  ASSERT_THAT(rt_->pods().RemoveContainer(id), IsOk());
  ASSERT_TRUE(Eventually([&] { return Condition(Pod("web"), "Ready") == "False"; }))
      << Pod("web").dump();
  // The restart waits for the back-off (on the injected clock).
  WaitPasses(3);
  EXPECT_EQ(ContainerStatus(Pod("web")).value("restartCount", -1), 0);
  clock_.Advance(absl::Seconds(2));
  const std::string restarted = WaitRunning("web");
  EXPECT_NE(restarted, id);
  EXPECT_EQ(ContainerStatus(Pod("web")).value("restartCount", -1), 1);
}

TEST_F(StandinTest, Version132ErasesLegacyResizeButKeepsForeignCondition) {
  ASSERT_NO_FATAL_FAILURE(StartAll("v1.32.4", KubeletVersion::k132));
  CreatePod(PodJson("web"));
  const std::string id = WaitRunning("web");
  ASSERT_FALSE(id.empty());
  // Someone else writes the legacy field, allocatedResources and a condition of their own.
  Mutate("web", [](json& pod) {
    pod["status"]["resize"] = "InProgress";
    pod["status"]["containerStatuses"][0]["allocatedResources"] = {{"cpu", "100m"}};
    pod["status"]["conditions"].push_back(
        {{"type", "PodResizeInProgress"}, {"status", "True"}, {"reason", ""}});
  });
  // Between status resyncs the kubelet leaves them alone.
  WaitPasses(3);
  EXPECT_EQ(Pod("web")["status"].value("resize", ""), "InProgress");
  // At the resync (10 s on the kubelet's clock) its own fields are put back.
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(Eventually([&] { return !Pod("web")["status"].contains("resize"); }))
      << Pod("web").dump();
  json pod = Pod("web");
  EXPECT_FALSE(ContainerStatus(pod).contains("allocatedResources")) << pod.dump();
  EXPECT_EQ(Condition(pod, "PodResizeInProgress"), "True");
  EXPECT_EQ(Condition(pod, "Ready"), "True");
  EXPECT_GE(standin_->status_syncs(), 1);
}

TEST_F(StandinTest, Version132NeitherResizesNorRestarts) {
  ASSERT_NO_FATAL_FAILURE(StartAll("v1.32.4", KubeletVersion::k132));
  const std::string uid = CreatePod(PodJson("web"));
  const std::string id = WaitRunning("web");
  ASSERT_FALSE(id.empty());
  Mutate("web",
         [](json& pod) { pod["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "400m"; });
  WaitPasses(5);
  clock_.Advance(absl::Seconds(10));
  WaitPasses(3);
  EXPECT_EQ(WaitRunning("web"), id);
  EXPECT_EQ(ContainerStatus(Pod("web")).value("restartCount", -1), 0);
  EXPECT_EQ(harness::ReadTrimmed(
                CgroupFile("cpu", "/kubepods/burstable/pod" + uid + "/" + id, "cpu.cfs_quota_us"))
                .value_or(""),
            "20000");
}

TEST_F(StandinTest, Version130RestartsContainerWhoseResourcesChange) {
  ASSERT_NO_FATAL_FAILURE(StartAll("v1.30.2", KubeletVersion::k130));
  const std::string uid = CreatePod(PodJson("web"));
  const std::string id = WaitRunning("web");
  ASSERT_FALSE(id.empty());
  Mutate("web",
         [](json& pod) { pod["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "400m"; });
  std::string restarted;
  ASSERT_TRUE(Eventually([&] {
    restarted = WaitRunning("web");
    return restarted != id && ContainerStatus(Pod("web")).value("restartCount", -1) == 1;
  })) << Pod("web").dump();
  const std::string pod_dir = "/kubepods/burstable/pod" + uid;
  EXPECT_EQ(harness::ReadTrimmed(CgroupFile("cpu", pod_dir + "/" + restarted, "cpu.cfs_quota_us"))
                .value_or(""),
            "40000");
  EXPECT_EQ(harness::ReadTrimmed(CgroupFile("cpu", pod_dir, "cpu.cfs_quota_us")).value_or(""),
            "40000");
}

TEST_F(StandinTest, Version133ResizesCpuInPlaceAndClearsConditions) {
  ASSERT_NO_FATAL_FAILURE(
      StartAll("v1.33.1", KubeletVersion::k133, /*allocatable_cpu_milli=*/1500));
  const std::string uid = CreatePod(PodJson("web"));
  const std::string id = WaitRunning("web");
  ASSERT_FALSE(id.empty());
  const int64_t rv_before = server_->store().CurrentResourceVersion();
  Mutate("web", [](json& pod) {
    pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "200m";
    pod["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "400m";
  });
  const std::string pod_dir = "/kubepods/burstable/pod" + uid;
  // Container and pod cgroup, in the real cgroup v1 files.
  for (const auto& [dir, file, want] : {std::tuple{pod_dir + "/" + id, "cpu.cfs_quota_us", "40000"},
                                        std::tuple{pod_dir + "/" + id, "cpu.shares", "204"},
                                        std::tuple{pod_dir, "cpu.cfs_quota_us", "40000"},
                                        std::tuple{pod_dir, "cpu.shares", "204"}}) {
    EXPECT_THAT(harness::WaitForFileContent(CgroupFile("cpu", dir, file), want, absl::Seconds(15)),
                IsOk());
  }
  ASSERT_TRUE(Eventually([&] {
    json cs = ContainerStatus(Pod("web"));
    return cs.is_object() && cs.contains("allocatedResources") &&
           cs["allocatedResources"].value("cpu", "") == "200m";
  })) << Pod("web").dump();
  json pod = Pod("web");
  EXPECT_EQ(Condition(pod, "PodResizeInProgress"), "");
  EXPECT_EQ(Condition(pod, "PodResizePending"), "");
  EXPECT_EQ(ContainerStatus(pod)["resources"]["limits"]["cpu"], "400m");
  EXPECT_EQ(ContainerStatus(pod).value("restartCount", -1), 0);
  EXPECT_EQ(standin_->resizes_actuated(), 1);
  // The InProgress condition was written while it worked: look through the store's history of
  // the pod (the request log does not keep bodies).
  bool in_progress_seen = false;
  bool expired = false;
  int64_t current = 0;
  for (const apiserver::StoredEvent& e : server_->store().EventsAfter(
           "pods", rv_before, std::chrono::steady_clock::now(), &expired, &current)) {
    if (Condition(e.object, "PodResizeInProgress") == "True") in_progress_seen = true;
  }
  EXPECT_FALSE(expired);
  EXPECT_TRUE(in_progress_seen);

  // Beyond node allocatable: Infeasible with the kubelet's message, nothing touched.
  Mutate("web", [](json& p) {
    p["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "2";
    p["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "2";
  });
  ASSERT_TRUE(Eventually([&] { return Condition(Pod("web"), "PodResizePending") == "True"; }));
  for (const json& c : Pod("web")["status"]["conditions"]) {
    if (c["type"] == "PodResizePending") {
      EXPECT_EQ(c.value("reason", ""), "Infeasible");
      EXPECT_EQ(c.value("message", ""),
                "Node didn't have enough capacity: cpu, requested: 2000, capacity: 1500");
    }
  }
  EXPECT_EQ(
      harness::ReadTrimmed(CgroupFile("cpu", pod_dir + "/" + id, "cpu.cfs_quota_us")).value_or(""),
      "40000");
}

TEST_F(StandinTest, GracefulDeleteLeavesNoContainersOrCgroups) {
  ASSERT_NO_FATAL_FAILURE(StartAll("v1.33.1", KubeletVersion::k133));
  const std::string uid = CreatePod(PodJson("web"));
  const std::string id = WaitRunning("web");
  ASSERT_FALSE(id.empty());
  const std::string pod_dir = "/kubepods/burstable/pod" + uid;
  ASSERT_TRUE(std::filesystem::exists("/sys/fs/cgroup/cpu" + pod_dir));
  // What the API server does on DELETE of a bound pod with a grace period.
  Mutate("web", [](json& pod) {
    pod["metadata"]["deletionTimestamp"] = apiserver::NowRfc3339();
    pod["metadata"]["deletionGracePeriodSeconds"] = 30;
  });
  ASSERT_TRUE(Eventually([&] { return !server_->store().Get("pods", "default/web"); }));
  cri::ContainerFilter container_filter;
  container_filter.pod_uid = uid;
  auto containers = runtime_->ListContainers(container_filter);
  ASSERT_THAT(containers, IsOk());
  EXPECT_TRUE(containers->empty());
  cri::PodSandboxFilter sandbox_filter;
  sandbox_filter.pod_uid = uid;
  auto sandboxes = runtime_->ListPodSandbox(sandbox_filter);
  ASSERT_THAT(sandboxes, IsOk());
  EXPECT_TRUE(sandboxes->empty());
  for (const char* controller : {"cpu", "memory", "pids"}) {
    EXPECT_FALSE(std::filesystem::exists(absl::StrCat("/sys/fs/cgroup/", controller, pod_dir)))
        << controller;
  }
}

}  // namespace
}  // namespace resizelet::standin
