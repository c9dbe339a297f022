#include "agent/obs/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include "agent/obs/host_port.h"
#include "agent/obs/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/obs/exposition_parser.h"
#include "tests/obs/http_get.h"

namespace resizelet::obs {
namespace {

using ::resizelet::obs::testing::Connect;
using ::resizelet::obs::testing::Get;
using ::resizelet::obs::testing::Response;
using ::testing::HasSubstr;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    counter_ = registry_.AddCounter("resizelet_status_patches_total", "Patches.", {"code"});
    counter_->WithLabels({"200"})->Increment(2);
    server_ = std::make_unique<HttpServer>(
        HttpServerOptions{.address = "127.0.0.1:0", .read_timeout = absl::Milliseconds(300)},
        &registry_);
    server_->AddReadinessCheck("informer-sync", [this] {
      return synced_ ? absl::OkStatus() : absl::UnavailableError("pods not listed yet");
    });
    server_->AddLivenessCheck("reconcile-loop", [] { return absl::OkStatus(); });
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }
  void TearDown() override { server_->Stop(); }

  MetricRegistry registry_;
  CounterFamily* counter_ = nullptr;
  std::atomic<bool> synced_{false};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, MetricsServesTheRegistryAsPrometheusText) {
  Response r = Get(server_->port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Content-Type: text/plain; version=0.0.4; charset=utf-8"));
  auto parsed = testing::ParseExposition(r.body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->samples["resizelet_status_patches_total{code=\"200\"}"], 2);
  // A later scrape sees later increments.
  counter_->WithLabels({"200"})->Increment();
  EXPECT_THAT(Get(server_->port(), "/metrics").body,
              HasSubstr("resizelet_status_patches_total{code=\"200\"} 3\n"));
}

TEST_F(HttpServerTest, LivenessIgnoresReadinessChecks) {
  for (const char* path : {"/livez", "/healthz"}) {
    Response r = Get(server_->port(), path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "ok") << path;
  }
  Response v = Get(server_->port(), "/livez?verbose");
  EXPECT_EQ(v.body, "[+]ping ok\n[+]reconcile-loop ok\nlivez check passed\n");
}

TEST_F(HttpServerTest, ReadyzFailsUntilItsCheckPassesAndListsChecks) {
  Response r = Get(server_->port(), "/readyz");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body,
            "[+]ping ok\n[-]informer-sync failed: reason withheld\n[+]reconcile-loop ok\n"
            "readyz check failed\n");
  Response one = Get(server_->port(), "/readyz/informer-sync");
  EXPECT_EQ(one.status, 500);
  EXPECT_EQ(one.body, "internal server error: pods not listed yet\n");

  synced_ = true;
  EXPECT_EQ(Get(server_->port(), "/readyz").status, 200);
  Response v = Get(server_->port(), "/readyz?verbose");
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.body, "[+]ping ok\n[+]informer-sync ok\n[+]reconcile-loop ok\nreadyz check passed\n");
  EXPECT_EQ(Get(server_->port(), "/readyz/informer-sync").body, "ok");
}

TEST_F(HttpServerTest, ExcludeSkipsAFailingCheck) {
  Response r = Get(server_->port(), "/readyz?verbose&exclude=informer-sync&exclude=nope");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("[+]informer-sync excluded: ok\n"));
  EXPECT_THAT(r.body, HasSubstr("warn: some health checks cannot be excluded: no matches for "
                                "\"nope\"\n"));
}

TEST_F(HttpServerTest, UnknownPathsAre404) {
  EXPECT_EQ(Get(server_->port(), "/debug/pprof").status, 404);
  EXPECT_EQ(Get(server_->port(), "/readyz/no-such-check").status, 404);
}

TEST_F(HttpServerTest, IdleClientIsDisconnectedAfterTheReadTimeout) {
  int fd = Connect(server_->port());
  ASSERT_GE(fd, 0);
  // Send nothing; the server must close within its 300 ms read timeout (poll, deadline 5 s).
  auto start = std::chrono::steady_clock::now();
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  char c;
  EXPECT_EQ(recv(fd, &c, 1, 0), 0);
  close(fd);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  // And the server still serves.
  EXPECT_EQ(Get(server_->port(), "/livez").status, 200);
}

TEST(HttpServerStartTest, BusyOrBadAddressIsAnError) {
  HttpServer first(HttpServerOptions{.address = "127.0.0.1:0"}, nullptr);
  ASSERT_TRUE(first.Start().ok());
  HttpServer second(HttpServerOptions{.address = "127.0.0.1:" + std::to_string(first.port())},
                    nullptr);
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);
  HttpServer bad(HttpServerOptions{.address = "127.0.0.1"}, nullptr);
  EXPECT_EQ(bad.Start().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Get(first.port(), "/metrics").status, 404);
}

TEST(ParseHostPortTest, AcceptsV4V6AndRejectsJunk) {
  std::string host;
  int port;
  ASSERT_TRUE(ParseHostPort("0.0.0.0:10266", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 10266);
  ASSERT_TRUE(ParseHostPort("[::1]:9", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(ParseHostPort("::1:9", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("host:70000", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort(":80", &host, &port).ok());
}

}  // namespace
}  // namespace resizelet::obs
