// kubectl conformance: the real /usr/bin/kubectl (a dispatcher that picks kubectl.1.<minor> from
// GET /version) drives the local API server. Each test has its own state dir, kubeconfig and
// --cache-dir. Fails, never skips, when kubectl is missing.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apiserver/api_server.h"
#include "tests/apiserver/process_runner.h"

namespace resizelet::apiserver {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr char kKubectl[] = "/usr/bin/kubectl";

constexpr char kPodYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeName: node-a
  containers:
  - name: c
    image: busybox
    resources:
      requests: {cpu: 500m, memory: 128Mi}
      limits: {cpu: "1", memory: 256Mi}
)";

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer("v1.33.1"); }

  void StartServer(const std::string& version) {
    ASSERT_EQ(access(kKubectl, X_OK), 0)
        << kKubectl << " is missing: install it (the host lane needs the real kubectl)";
    char tmpl[] = "/tmp/resizelet-kubectl-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ApiServerOptions options;
    options.state_dir = dir_;
    options.git_version = version;
    auto server = ApiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    std::ofstream(dir_ + "/pod.yaml") << kPodYaml;
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> Argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kKubectl,      "--kubeconfig",  server_->kubeconfig_path(),
                                     "--cache-dir", dir_ + "/cache", "--request-timeout=20s"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  ProcessResult Kubectl(const std::vector<std::string>& args) {
    return RunProcess(Argv(args), dir_ + "/out." + std::to_string(++runs_), 60s);
  }

  std::unique_ptr<ChildProcess> KubectlInBackground(const std::vector<std::string>& args) {
    return std::make_unique<ChildProcess>(Argv(args), dir_ + "/bg." + std::to_string(++runs_));
  }

  void ApplyPod() {
    ProcessResult r = Kubectl({"apply", "-f", dir_ + "/pod.yaml"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  json Pod() { return server_->store().Get("pods", "default/web").value_or(json()); }

  std::string dir_;
  std::unique_ptr<ApiServer> server_;
  int runs_ = 0;
};

TEST_F(KubectlTest, ApplyWithDefaultValidationCreatesThePod) {
  ProcessResult r = Kubectl({"apply", "-f", dir_ + "/pod.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("pod/web created"));
  json pod = Pod();
  ASSERT_TRUE(pod.is_object());
  EXPECT_EQ(pod["spec"]["nodeName"], "node-a");
  EXPECT_EQ(pod["status"]["qosClass"], "Burstable");
  // Default validation is server-side: kubectl found fieldValidation in the OpenAPI v3 document.
  EXPECT_GE(server_->CountRequests("POST", "fieldValidation=Strict"), 1);
}

TEST_F(KubectlTest, GetWatchSeesAChange) {
  ApplyPod();
  auto watch = KubectlInBackground(
      {"get", "pods", "-w", "-o", "custom-columns=NAME:.metadata.name,TEAM:.metadata.labels.team"});
  ASSERT_TRUE(watch->started());
  ASSERT_TRUE(watch->WaitForOutput("web", 30s)) << watch->Output();
  auto updated = server_->store().Update("pods", "default/web", [](const json& pod) {
    json next = pod;
    next["metadata"]["labels"]["team"] = "blue";
    return absl::StatusOr<json>(next);
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(watch->WaitForOutput("blue", 30s)) << watch->Output();
}

TEST_F(KubectlTest, PatchResizeStrategicAndMergeAreAppliedAndValidated) {
  ApplyPod();
  ProcessResult r = Kubectl(
      {"patch", "pod", "web", "--subresource", "resize", "-p",
       R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"700m"}}}]}})"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Pod()["spec"]["containers"][0]["resources"]["requests"]["cpu"], "700m");
  EXPECT_EQ(Pod()["spec"]["containers"][0]["resources"]["requests"]["memory"], "128Mi");
  EXPECT_EQ(Pod()["metadata"]["generation"], 2);
  EXPECT_GE(server_->CountRequests("GET", "/pods/web/resize"), 1);

  r = Kubectl(
      {"patch", "pod", "web", "--subresource", "resize", "--type", "merge", "-p",
       R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"800m","memory":"100Mi"},"limits":{"cpu":"1","memory":"256Mi"}}}]}})"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Pod()["spec"]["containers"][0]["resources"]["requests"]["cpu"], "800m");
  EXPECT_EQ(Pod()["spec"]["containers"][0]["image"], "busybox");

  // Dropping the memory request makes it default to the limit: Guaranteed, a QoS change.
  r = Kubectl(
      {"patch", "pod", "web", "--subresource", "resize", "--type", "merge", "-p",
       R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1"},"limits":{"cpu":"1","memory":"256Mi"}}}]}})"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("Pod QOS Class may not change as a result of resizing"));

  r = Kubectl({"patch", "pod", "web", "--subresource", "resize", "-p",
               R"({"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":null}}}]}})"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("resource limits cannot be removed"));
  EXPECT_EQ(Pod()["spec"]["containers"][0]["resources"]["limits"]["cpu"], "1");

  // From 1.32 a plain pod patch may not change resources.
  r = Kubectl(
      {"patch", "pod", "web", "-p",
       R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"900m"}}}]}})"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("Forbidden"));
}

TEST_F(KubectlTest, JsonpathReadsConditions) {
  ApplyPod();
  auto updated = server_->store().Update("pods", "default/web", [](const json& pod) {
    json next = pod;
    next["status"]["conditions"] = json::parse(
        R"([{"type":"PodResizePending","status":"True","reason":"Deferred","message":"no room"}])");
    return absl::StatusOr<json>(next);
  });
  ASSERT_TRUE(updated.ok());
  ProcessResult r =
      Kubectl({"get", "pod", "web", "-o",
               R"(jsonpath={.status.conditions[?(@.type=="PodResizePending")].reason})"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "Deferred");
}

TEST_F(KubectlTest, DescribeShowsTheEventsOfThisPodOnly) {
  ApplyPod();
  const std::string uid = Pod()["metadata"]["uid"];
  auto event = [&](const std::string& name, const std::string& event_uid,
                   const std::string& reason) {
    json e = {{"kind", "Event"},
              {"apiVersion", "v1"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"involvedObject",
               {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"namespace", "default"},
                {"name", "web"},
                {"uid", event_uid}}},
              {"reason", reason},
              {"message", "Pod resize started"},
              {"type", "Normal"},
              {"source", {{"component", "resizelet"}, {"host", "node-a"}}},
              {"firstTimestamp", NowRfc3339()},
              {"lastTimestamp", NowRfc3339()},
              {"count", 1}};
    ASSERT_TRUE(server_->store().Create("events", "default/" + name, e).ok());
  };
  event("web.1", uid, "ResizeStarted");
  event("web.2", "another-pod-uid", "FromAnOlderPod");
  ProcessResult r = Kubectl({"describe", "pod", "web"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("ResizeStarted"));
  EXPECT_THAT(r.output, HasSubstr("resizelet"));
  EXPECT_THAT(r.output, Not(HasSubstr("FromAnOlderPod")));
}

TEST_F(KubectlTest, DeleteOfBoundPodIsGracefulUntilTheKubeletDeletesIt) {
  ApplyPod();  // bound to node-a
  ProcessResult r = Kubectl({"delete", "pod", "web", "--wait=false"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("deleted"));
  // Marked, not gone: the kubelet still has to stop it (registry/core/pod CheckGracefulDelete).
  auto marked = server_->store().Get("pods", "default/web");
  ASSERT_TRUE(marked.has_value());
  EXPECT_TRUE((*marked)["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ((*marked)["metadata"].value("deletionGracePeriodSeconds", 0), 30);
  // The kubelet's final delete, with grace period 0, removes it.
  r = Kubectl({"delete", "pod", "web", "--grace-period=0", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(server_->store().Get("pods", "default/web").has_value());
}

TEST_F(KubectlTest, DeleteOfUnboundPodIsImmediate) {
  std::string yaml = kPodYaml;
  yaml.erase(yaml.find("  nodeName: node-a\n"), std::string("  nodeName: node-a\n").size());
  std::ofstream(dir_ + "/unbound.yaml") << yaml;
  ASSERT_EQ(Kubectl({"apply", "-f", dir_ + "/unbound.yaml"}).exit_code, 0);
  ProcessResult r = Kubectl({"delete", "pod", "web"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("deleted"));
  EXPECT_FALSE(server_->store().Get("pods", "default/web").has_value());
}

TEST_F(KubectlTest, WithoutATokenTheServerAnswers401) {
  ProcessResult r = RunProcess(
      {kKubectl, "--server", server_->url(), "--certificate-authority", server_->ca_file(),
       "--token", "not-the-token", "--cache-dir", dir_ + "/cache2", "get", "pods"},
      dir_ + "/noauth", 60s);
  EXPECT_NE(r.exit_code, 0);
  // kubectl words a 401 this way.
  EXPECT_THAT(r.output, HasSubstr("You must be logged in to the server"));
  EXPECT_GE(server_->CountRequests("GET", "/api"), 1);
}

// The standalone binary (the demo's server): kubeconfig, version flag, admin endpoints.
TEST(ApiServerBinaryTest, ServesKubectlAndAdminEndpoints) {
  ASSERT_EQ(access(kKubectl, X_OK), 0) << kKubectl << " is missing";
  char tmpl[] = "/tmp/resizelet-apiserver-bin-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    ChildProcess server(
        {RESIZELET_APISERVER_BINARY, "--state-dir", dir, "--git-version", "v1.33.2"},
        dir + "/server.out");
    ASSERT_TRUE(server.started());
    ASSERT_TRUE(server.WaitForOutput("ready https://127.0.0.1:", 20s)) << server.Output();
    std::ifstream admin_file(dir + "/admin-token");
    std::string admin_token;
    admin_file >> admin_token;
    ASSERT_FALSE(admin_token.empty());
    const std::vector<std::string> base = {kKubectl, "--kubeconfig", dir + "/kubeconfig",
                                           "--cache-dir", dir + "/cache"};
    auto run = [&](std::vector<std::string> args) {
      std::vector<std::string> argv = base;
      argv.insert(argv.end(), args.begin(), args.end());
      return RunProcess(argv, dir + "/kubectl.out", 60s);
    };
    ProcessResult r = run({"version"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("Server Version: v1.33.2"));

    std::ofstream(dir + "/fault.json")
        << R"({"code":500,"count":1,"match":"/api/v1/namespaces/default/pods"})";
    r = run({"--token", admin_token, "create", "--raw", "/admin/fail", "-f", dir + "/fault.json"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run({"get", "pods"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.output, HasSubstr("injected failure 500"));
    r = run({"get", "pods"});
    EXPECT_EQ(r.exit_code, 0) << r.output;

    r = run({"--token", admin_token, "get", "--raw", "/admin/requests"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr(R"("path":"/version")"));
    EXPECT_THAT(r.output, HasSubstr(R"("status":500)"));
    // The admin endpoints refuse the ordinary token.
    r = run({"get", "--raw", "/admin/requests"});
    EXPECT_NE(r.exit_code, 0);
  }
  std::filesystem::remove_all(dir);
}

class Kubectl132Test : public KubectlTest {
 protected:
  void SetUp() override { StartServer("v1.32.4"); }
};

TEST_F(Kubectl132Test, ResizeIsMarkedProposed) {
  ApplyPod();
  ProcessResult r = Kubectl(
      {"patch", "pod", "web", "--subresource", "resize", "-p",
       R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"700m"}}}]}})"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Pod()["status"]["resize"], "Proposed");
}

}  // namespace
}  // namespace resizelet::apiserver
