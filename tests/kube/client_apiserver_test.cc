// The API client against the local API server (in-process, real HTTPS and chunked watches):
// relist after 410, no event lost when a watch is cut mid-event, 429 without a hot loop, token
// rotation, UID preconditions and condition merging.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/kube/curl_kube_client.h"
#include "agent/kube/event_recorder.h"
#include "agent/kube/pod_source.h"
#include "agent/kube/status_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apiserver/api_server.h"
#include "tests/status_matchers.h"

namespace resizelet::kube {
namespace {

using apiserver::ApiServer;
using nlohmann::json;
using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using namespace std::chrono_literals;

// Polls `done` in real time until `timeout`.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

json PodJson(const std::string& name, const std::string& node, const std::string& cpu) {
  return json{{"kind", "Pod"},
              {"apiVersion", "v1"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec",
               {{"nodeName", node},
                {"containers",
                 {{{"name", "c"},
                   {"image", "busybox"},
                   {"resources",
                    {{"requests", {{"cpu", cpu}, {"memory", "64Mi"}}},
                     {"limits", {{"cpu", "2"}, {"memory", "128Mi"}}}}}}}}}},
              {"status",
               {{"phase", "Running"},
                {"qosClass", "Burstable"},
                {"conditions",
                 {{{"type", "Ready"}, {"status", "True"}},
                  {{"type", "example.com/Foreign"}, {"status", "True"}}}}}}};
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resizelet-kube-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    apiserver::ApiServerOptions options;
    options.state_dir = dir_;
    options.bookmark_interval = 200ms;
    auto server = ApiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    source_.reset();
    node_source_.reset();
    client_.reset();
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<CurlKubeClient> MakeClient(runtime::Clock* clock = nullptr,
                                             const std::string& kubeconfig = "") {
    auto config = LoadKubeconfig(kubeconfig.empty() ? server_->kubeconfig_path() : kubeconfig);
    EXPECT_THAT(config, IsOk());
    ClientOptions options;
    options.clock = clock;
    auto client = CurlKubeClient::Create(*config, options);
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::string CreatePod(const std::string& name, const std::string& node = "node-a",
                        const std::string& cpu = "100m") {
    auto created = server_->store().Create("pods", "default/" + name, PodJson(name, node, cpu));
    EXPECT_TRUE(created.ok());
    return created.ok() ? (*created)["metadata"]["uid"].get<std::string>() : "";
  }

  void SetCpu(const std::string& name, const std::string& cpu) {
    auto updated = server_->store().Update("pods", "default/" + name, [&](const json& pod) {
      json next = pod;
      next["spec"]["containers"][0]["resources"]["requests"]["cpu"] = cpu;
      return absl::StatusOr<json>(next);
    });
    ASSERT_TRUE(updated.ok());
  }

  // Pod source on node-a with short timers.
  void StartSource(int page_size = 500) {
    client_ = MakeClient();
    ListWatchOptions options;
    options.page_size = page_size;
    options.min_watch_timeout = absl::Seconds(20);
    options.max_watch_timeout = absl::Seconds(30);
    options.idle_timeout = absl::Seconds(2);
    options.backoff.initial = absl::Milliseconds(50);
    options.backoff.cap = absl::Milliseconds(500);
    source_ = std::make_unique<PodSource>(
        client_.get(), runtime::RealClock::Default(), "node-a", &cache_,
        [this](const PodChange& c) {
          std::lock_guard<std::mutex> lock(mu_);
          changes_.push_back(c);
        },
        options);
    source_->Start();
    ASSERT_TRUE(Eventually([&] { return source_->synced(); }));
  }

  // The cache holds exactly the server's node-a pods, with the same cpu requests.
  bool CacheMatchesServer() {
    auto [items, rv] = server_->store().List("pods");
    std::set<std::string> want;
    for (const auto& p : items) {
      if (p["spec"]["nodeName"] != "node-a") continue;
      auto cpu = api::Quantity::Parse(
          p["spec"]["containers"][0]["resources"]["requests"]["cpu"].get<std::string>());
      want.insert(p["metadata"]["uid"].get<std::string>() + "=" +
                  std::to_string(cpu.ok() ? cpu->MilliValue() : -1));
    }
    std::set<std::string> have;
    for (const auto& p : cache_.Snapshot()) {
      have.insert(p.uid + "=" +
                  std::to_string(p.containers[0].resources.requests.cpu->MilliValue()));
    }
    return want == have;
  }

  std::string dir_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<CurlKubeClient> client_;
  PodCache cache_;
  std::unique_ptr<PodSource> source_;
  std::unique_ptr<NodeSource> node_source_;
  std::mutex mu_;
  std::vector<PodChange> changes_;
};

TEST_F(ClientTest, ReadsServerVersion) {
  auto client = MakeClient();
  auto version = ReadServerVersion(*client);
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(version->major, 1);
  EXPECT_EQ(version->minor, 33);
  EXPECT_EQ(version->git_version, "v1.33.1");
}

TEST_F(ClientTest, TlsVerificationOptions) {
  auto config = LoadKubeconfig(server_->kubeconfig_path());
  ASSERT_THAT(config, IsOk());
  auto version_with = [&](RestConfig c) {
    auto client = CurlKubeClient::Create(std::move(c));
    EXPECT_THAT(client, IsOk());
    HttpRequest r;
    r.path = "/version";
    r.timeout = absl::Seconds(5);
    return (*client)->Do(r);
  };
  // Verified against the pinned CA (SAN IP:127.0.0.1).
  EXPECT_THAT(version_with(*config), IsOk());
  // tls-server-name: connect to 127.0.0.1, verify the name "localhost" (also in the SAN).
  RestConfig named = *config;
  named.tls_server_name = "localhost";
  EXPECT_THAT(version_with(named), IsOk());
  RestConfig wrong_name = *config;
  wrong_name.tls_server_name = "kubernetes.default.svc";
  EXPECT_THAT(version_with(wrong_name), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Without the CA the self-signed certificate is refused, unless verification is off.
  RestConfig no_ca = *config;
  no_ca.ca_pem.clear();
  EXPECT_THAT(version_with(no_ca), StatusIs(absl::StatusCode::kFailedPrecondition));
  no_ca.insecure_skip_tls_verify = true;
  EXPECT_THAT(version_with(no_ca), IsOk());
}

TEST_F(ClientTest, ListsAndWatchesOnlyThisNodesPods) {
  const std::string a = CreatePod("a");
  CreatePod("elsewhere", "node-b");
  StartSource();
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_TRUE(cache_.Get(a).has_value());
  const std::string b = CreatePod("b");
  SetCpu("a", "300m");
  ASSERT_TRUE(Eventually([&] { return CacheMatchesServer(); }));
  ASSERT_THAT(server_->store().Delete("pods", "default/b", ""), IsOk());
  ASSERT_TRUE(Eventually([&] { return !cache_.Get(b).has_value(); }));
  EXPECT_TRUE(CacheMatchesServer());
  // Bookmarks keep the version fresh without events.
  const int bookmarks = source_->watcher().stats().bookmarks;
  EXPECT_TRUE(Eventually([&] { return source_->watcher().stats().bookmarks > bookmarks; }));
  EXPECT_GE(server_->CountRequests("GET", "allowWatchBookmarks=true"), 1);
  EXPECT_GE(server_->CountRequests("GET", "timeoutSeconds=2"), 1);  // within [20, 30]
}

TEST_F(ClientTest, ListsInPages) {
  for (const char* name : {"p1", "p2", "p3", "p4", "p5"}) CreatePod(name);
  CreatePod("elsewhere", "node-b");
  StartSource(/*page_size=*/2);
  EXPECT_EQ(cache_.size(), 5u);
  EXPECT_TRUE(CacheMatchesServer());
  EXPECT_EQ(server_->CountRequests("GET", "limit=2"), 3);
  EXPECT_EQ(server_->CountRequests("GET", "continue="), 2);
}

TEST_F(ClientTest, RelistsAfterGoneAndSynthesizesDeletes) {
  CreatePod("a");
  const std::string b = CreatePod("b");
  StartSource();
  ASSERT_EQ(cache_.size(), 2u);
  // Changes happen while the watch is stalled, then the history they were in is compacted away:
  // re-watching from the last seen version must get 410 and relist.
  server_->SetStallWatches(true);
  ASSERT_THAT(server_->store().Delete("pods", "default/b", ""), IsOk());
  const std::string c = CreatePod("c");
  server_->CompactHistory();
  server_->DropWatches();
  server_->SetStallWatches(false);
  ASSERT_TRUE(Eventually([&] { return CacheMatchesServer(); }));
  EXPECT_GE(source_->watcher().stats().relists_after_gone, 1);
  EXPECT_GE(source_->watcher().stats().lists, 2);
  std::lock_guard<std::mutex> lock(mu_);
  bool deleted_b = false;
  for (const auto& change : changes_) {
    deleted_b = deleted_b || (change.uid == b && change.kind == PodChange::Kind::kDeleted);
  }
  EXPECT_TRUE(deleted_b);
}

TEST_F(ClientTest, InStreamExpiredErrorRelists) {
  CreatePod("a");
  StartSource();
  server_->ExpireNextWatch();
  server_->DropWatches();
  ASSERT_TRUE(Eventually([&] { return source_->watcher().stats().relists_after_gone >= 1; }));
  EXPECT_TRUE(Eventually([&] { return source_->watcher().stats().lists >= 2; }));
}

TEST_F(ClientTest, WatchCutMidEventLosesNoEvent) {
  CreatePod("a");
  StartSource();
  const int failures = source_->watcher().stats().watch_failures;
  server_->CutWatchesMidEvent(1);
  SetCpu("a", "250m");  // this event is cut halfway
  ASSERT_TRUE(Eventually([&] { return source_->watcher().stats().watch_failures > failures; }));
  SetCpu("a", "350m");
  CreatePod("d");
  ASSERT_TRUE(Eventually([&] { return CacheMatchesServer(); }));
  EXPECT_EQ(source_->watcher().stats().relists_after_gone, 0);
  EXPECT_EQ(source_->watcher().stats().lists, 1);
}

TEST_F(ClientTest, StalledStreamIsRestarted) {
  CreatePod("a");
  StartSource();
  const int watches = source_->watcher().stats().watches;
  server_->SetStallWatches(true);  // no bytes, not even bookmarks: idle timeout is 2 s
  ASSERT_TRUE(Eventually([&] { return source_->watcher().stats().watch_failures >= 1; }, 10s));
  server_->SetStallWatches(false);
  SetCpu("a", "450m");
  ASSERT_TRUE(Eventually([&] { return CacheMatchesServer(); }));
  EXPECT_GT(source_->watcher().stats().watches, watches);
}

TEST_F(ClientTest, TooManyRequestsHonoursRetryAfterWithoutAHotLoop) {
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  auto client = MakeClient(&clock);
  server_->FailNext(429, 2, "GET", "/version", /*retry_after_seconds=*/3);
  auto version = ReadServerVersion(*client);
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(server_->CountRequests("GET", "/version"), 3);
  EXPECT_GE(clock.TotalSlept(), absl::Seconds(6));
}

TEST_F(ClientTest, ServerErrorsAreRetriedWithBackoff) {
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  auto client = MakeClient(&clock);
  server_->FailNext(500, 3, "GET", "/version");
  ASSERT_THAT(ReadServerVersion(*client), IsOk());
  EXPECT_EQ(server_->CountRequests("GET", "/version"), 4);
  // 200 ms, 400 ms, 800 ms at least (jitter only adds).
  EXPECT_GE(clock.TotalSlept(), absl::Milliseconds(1400));
}

TEST_F(ClientTest, EveryAttemptIsReportedWithItsMethodPathAndCode) {
  auto config = LoadKubeconfig(server_->kubeconfig_path());
  ASSERT_THAT(config, IsOk());
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  std::mutex mu;
  std::vector<std::string> seen;
  ClientOptions options;
  options.clock = &clock;
  options.on_request = [&](std::string_view method, std::string_view path, int code,
                           absl::Duration latency) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_GE(latency, absl::ZeroDuration());
    seen.push_back(absl::StrCat(std::string(method), " ", std::string(path), " ", code));
  };
  auto client = CurlKubeClient::Create(*config, options);
  ASSERT_THAT(client, IsOk());
  server_->FailNext(503, 1, "GET", "/version");
  ASSERT_THAT(ReadServerVersion(**client), IsOk());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"GET /version 503", "GET /version 200"}));
}

TEST_F(ClientTest, RequestsGiveUpAtTheirDeadline) {
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  auto client = MakeClient(&clock);
  server_->FailNext(503, 1000, "GET", "/version");
  HttpRequest request;
  request.path = "/version";
  request.timeout = absl::Seconds(10);
  auto response = client->Do(request);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->code, 503);
  EXPECT_LT(server_->CountRequests("GET", "/version"), 20);
}

TEST_F(ClientTest, TokenFileRotationAndRevocation) {
  const std::string token_file = dir_ + "/token";
  std::ofstream(token_file) << server_->token() << "\n";
  const std::string kubeconfig = dir_ + "/kubeconfig-file";
  ASSERT_THAT(server_->WriteKubeconfig(kubeconfig, token_file), IsOk());
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  auto client = MakeClient(&clock, kubeconfig);
  ASSERT_THAT(ReadServerVersion(*client), IsOk());
  EXPECT_EQ(client->token_reads(), 1);

  // Rotation: the file gets a new token and the old one is revoked; within a minute the client
  // reads the file again and uses the new token without a single 401.
  std::ofstream(token_file, std::ios::trunc) << "second-token\n";
  server_->SetTokens({"second-token"});
  server_->ClearRequestLog();
  clock.Advance(absl::Seconds(61));
  ASSERT_THAT(ReadServerVersion(*client), IsOk());
  EXPECT_EQ(client->token_reads(), 2);
  for (const auto& r : server_->RequestLog()) EXPECT_NE(r.status, 401);

  // Revocation before the next periodic read: 401, re-read at once, success.
  std::ofstream(token_file, std::ios::trunc) << "third-token\n";
  server_->SetTokens({"third-token"});
  server_->ClearRequestLog();
  ASSERT_THAT(ReadServerVersion(*client), IsOk());
  EXPECT_EQ(client->token_reads(), 3);
  auto log = server_->RequestLog();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].status, 401);
  EXPECT_EQ(log[1].status, 200);
}

TEST_F(ClientTest, RecreatedPodWithTheSameNameIsNeverPatched) {
  const std::string old_uid = CreatePod("web");
  auto client = MakeClient();
  PodStatusWriter writer(client.get(), runtime::RealClock::Default());
  ResizeConditions deferred;
  deferred.pending = ConditionValue{"Deferred", "no room"};
  ASSERT_THAT(writer.PatchResizeConditions({"default", "web", old_uid}, deferred, {}), IsOk());

  ASSERT_THAT(server_->store().Delete("pods", "default/web", ""), IsOk());
  const std::string new_uid = CreatePod("web");
  ASSERT_NE(new_uid, old_uid);
  EXPECT_THAT(writer.PatchResizeConditions({"default", "web", old_uid}, deferred, {}),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(writer.PatchLegacyResize({"default", "web", old_uid}, "Deferred"),
              StatusIs(absl::StatusCode::kAborted));
  json pod = *server_->store().Get("pods", "default/web");
  for (const auto& c : pod["status"]["conditions"]) EXPECT_NE(c["type"], "PodResizePending");
  EXPECT_FALSE(pod["status"].contains("resize"));
  // A deleted pod is NotFound: dropped as well.
  ASSERT_THAT(server_->store().Delete("pods", "default/web", ""), IsOk());
  EXPECT_THAT(writer.PatchResizeConditions({"default", "web", new_uid}, deferred, {}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ClientTest, ConditionsPatchKeepsForeignConditions) {
  const std::string uid = CreatePod("web");
  auto client = MakeClient();
  PodStatusWriter writer(client.get(), runtime::RealClock::Default());
  ResizeConditions in_progress;
  in_progress.in_progress = ConditionValue{};
  ASSERT_THAT(writer.PatchResizeConditions({"default", "web", uid}, in_progress, {}), IsOk());
  auto types = [&] {
    std::set<std::string> out;
    json pod = *server_->store().Get("pods", "default/web");
    for (const auto& c : pod["status"]["conditions"]) out.insert(c["type"].get<std::string>());
    return out;
  };
  EXPECT_EQ(types(),
            (std::set<std::string>{"Ready", "example.com/Foreign", "PodResizeInProgress"}));
  // Done: both resize conditions removed, the others untouched.
  ASSERT_THAT(writer.PatchResizeConditions({"default", "web", uid}, ResizeConditions{}, {}),
              IsOk());
  EXPECT_EQ(types(), (std::set<std::string>{"Ready", "example.com/Foreign"}));
  EXPECT_EQ(server_->CountRequests("PATCH", "/pods/web/status"), 2);
  for (const auto& r : server_->RequestLog()) {
    if (r.method == "PATCH") {
      EXPECT_EQ(r.content_type, "application/strategic-merge-patch+json");
      // The request log keeps what was patched: the UID precondition travels in every body.
      EXPECT_THAT(r.body, ::testing::HasSubstr(uid)) << r.path;
    }
  }
}

TEST_F(ClientTest, EventsAreCreatedAndRepeatsAggregated) {
  const std::string uid = CreatePod("web");
  auto client = MakeClient();
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  EventRecorder recorder(client.get(), &clock, "node-a");
  const PodRef pod{"default", "web", uid};
  ASSERT_THAT(recorder.Record(pod, kEventWarning, "ResizeDeferred", "no room"), IsOk());
  ASSERT_THAT(recorder.Record(pod, kEventWarning, "ResizeDeferred", "no room"), IsOk());
  ASSERT_THAT(recorder.Record(pod, kEventNormal, "ResizeStarted", "go"), IsOk());
  auto [events, rv] = server_->store().List("events");
  ASSERT_EQ(events.size(), 2u);
  int deferred_count = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e["involvedObject"]["uid"], uid);
    EXPECT_EQ(e["source"]["component"], "resizelet");
    EXPECT_EQ(e["source"]["host"], "node-a");
    if (e["reason"] == "ResizeDeferred") deferred_count = e["count"];
  }
  EXPECT_EQ(deferred_count, 2);
  // After the aggregation window a repeat is a new event.
  clock.Advance(absl::Minutes(11));
  ASSERT_THAT(recorder.Record(pod, kEventWarning, "ResizeDeferred", "no room"), IsOk());
  EXPECT_EQ(server_->store().List("events").first.size(), 3u);
}

// The local server answers like the real apiserver where resizelet depends on it.
TEST_F(ClientTest, ServerAnswersPatchErrorsLikeTheApiserver) {
  const std::string uid = CreatePod("web");
  auto client = MakeClient();
  auto patch = [&](const std::string& subresource, const std::string& type,
                   const std::string& body) {
    HttpRequest r;
    r.method = "PATCH";
    r.path = "/api/v1/namespaces/default/pods/web" + subresource;
    r.content_type = type;
    r.body = body;
    auto response = client->Do(r);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : HttpResponse{};
  };
  EXPECT_EQ(patch("/status", "application/apply-patch+yaml", "{}").code, 415);
  EXPECT_EQ(patch("/status", "text/plain", "{}").code, 415);
  EXPECT_EQ(patch("/status", kStrategicMergePatch, R"({"status":{"$patch":"bogus"}})").code, 422);
  EXPECT_EQ(patch("/status", kStrategicMergePatch, R"({"metadata":{"uid":"other"}})").code, 409);
  EXPECT_EQ(patch("/status", kStrategicMergePatch, "not json").code, 400);
  // A merge patch replaces the whole conditions list (why resizelet never uses one for them).
  HttpResponse merged = patch("/status", "application/merge-patch+json",
                              R"({"status":{"conditions":[{"type":"X","status":"True"}]}})");
  ASSERT_EQ(merged.code, 200);
  EXPECT_EQ(json::parse(merged.body)["status"]["conditions"].size(), 1u);
  // Resize: validated; a plain pod patch may not change resources from 1.32.
  EXPECT_EQ(patch("/resize", kStrategicMergePatch,
                  R"({"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":null}}}]}})")
                .code,
            422);
  EXPECT_EQ(patch("", kStrategicMergePatch,
                  R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]}})")
                .code,
            422);
  HttpResponse resized =
      patch("/resize", kStrategicMergePatch,
            R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]}})");
  ASSERT_EQ(resized.code, 200) << resized.body;
  EXPECT_EQ(json::parse(resized.body)["metadata"]["generation"], 2);
  EXPECT_FALSE(json::parse(resized.body)["status"].contains("resize"));  // 1.33: conditions only
  EXPECT_EQ(json::parse(resized.body)["metadata"]["uid"], uid);
  // A continue token from before a compaction is 410 Expired.
  HttpRequest page;
  page.path = "/api/v1/pods?limit=1";
  CreatePod("second");
  auto first = client->Do(page);
  ASSERT_THAT(first, IsOk());
  const std::string token = json::parse(first->body)["metadata"]["continue"];
  ASSERT_FALSE(token.empty());
  CreatePod("third");
  server_->CompactHistory();
  page.path = "/api/v1/pods?limit=1&continue=" + UrlEncode(token);
  auto expired = client->Do(page);
  ASSERT_THAT(expired, IsOk());
  EXPECT_EQ(expired->code, 410);
  // Unauthenticated requests get a Status 401.
  HttpRequest get;
  get.path = "/api/v1/namespaces/default/pods/web";
  server_->SetTokens({"someone-else"});
  auto denied = client->Do(get);
  ASSERT_THAT(denied, IsOk());
  EXPECT_EQ(denied->code, 401);
  EXPECT_EQ(json::parse(denied->body)["kind"], "Status");
}

TEST(OldApiServerTest, Before132ThereIsNoResizeSubresource) {
  char tmpl[] = "/tmp/resizelet-kube-old-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    apiserver::ApiServerOptions options;
    options.state_dir = dir;
    options.git_version = "v1.31.4";
    auto server = ApiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE((*server)->store().Create("pods", "default/web", PodJson("web", "n", "100m")).ok());
    auto config = LoadKubeconfig((*server)->kubeconfig_path());
    ASSERT_THAT(config, IsOk());
    auto client = CurlKubeClient::Create(*config);
    ASSERT_THAT(client, IsOk());
    auto version = ReadServerVersion(**client);
    ASSERT_THAT(version, IsOk());
    EXPECT_EQ(version->minor, 31);
    HttpRequest r;
    r.method = "PATCH";
    r.content_type = kStrategicMergePatch;
    r.body = R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]}})";
    r.path = "/api/v1/namespaces/default/pods/web/resize";
    EXPECT_EQ((*client)->Do(r)->code, 404);
    r.path = "/api/v1/namespaces/default/pods/web";
    auto response = (*client)->Do(r);
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->code, 200) << response->body;
    EXPECT_EQ(json::parse(response->body)["status"]["resize"], "Proposed");
    client->reset();  // closes its kept-alive connections before the server stops
    (*server)->Stop();
  }
  std::filesystem::remove_all(dir);
}

TEST_F(ClientTest, NodeSourceFollowsItsNode) {
  ASSERT_TRUE(server_->store()
                  .Create("nodes", "node-a",
                          json{{"kind", "Node"},
                               {"apiVersion", "v1"},
                               {"metadata", {{"name", "node-a"}}},
                               {"status",
                                {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}}},
                                 {"nodeInfo", {{"kubeletVersion", "v1.33.1"}}}}}})
                  .ok());
  ASSERT_TRUE(
      server_->store()
          .Create("nodes", "node-b",
                  json{{"kind", "Node"}, {"apiVersion", "v1"}, {"metadata", {{"name", "node-b"}}}})
          .ok());
  client_ = MakeClient();
  node_source_ =
      std::make_unique<NodeSource>(client_.get(), runtime::RealClock::Default(), "node-a", nullptr);
  node_source_->Start();
  ASSERT_TRUE(Eventually([&] { return node_source_->node().has_value(); }));
  EXPECT_EQ(node_source_->node()->kubelet_version, "v1.33.1");
  EXPECT_EQ(node_source_->node()->allocatable.cpu->MilliValue(), 4000);
  auto updated = server_->store().Update("nodes", "node-a", [](const json& n) {
    json next = n;
    next["status"]["allocatable"]["cpu"] = "3500m";
    return absl::StatusOr<json>(next);
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(Eventually([&] {
    auto n = node_source_->node();
    return n && n->allocatable.cpu->MilliValue() == 3500;
  }));
}

}  // namespace
}  // namespace resizelet::kube
