// A real Prometheus (Debian's `prometheus`, scripts/install-deps.sh obs) scrapes the /metrics
// endpoint: the target must be up and the samples queryable. Fails, never skips, without it.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "agent/obs/http_server.h"
#include "agent/obs/metrics.h"
#include "agent/obs/resizelet_metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/obs/http_get.h"

namespace resizelet::obs {
namespace {

using ::resizelet::obs::testing::FreePort;
using ::resizelet::obs::testing::Get;
using ::testing::HasSubstr;

constexpr char kPrometheus[] = "/usr/bin/prometheus";

class PrometheusScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kPrometheus, X_OK), 0)
        << kPrometheus << " missing: run scripts/install-deps.sh obs (Debian package prometheus)";
    char tmpl[] = "/tmp/resizelet_prom_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      int status;
      while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          kill(pid_, SIGKILL);
          waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void StartPrometheus(int target_port) {
    prom_port_ = FreePort();
    ASSERT_GT(prom_port_, 0);
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n"
        << "  scrape_interval: 1s\n"
        << "  scrape_timeout: 1s\n"
        << "scrape_configs:\n"
        << "  - job_name: resizelet\n"
        << "    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << target_port << "']\n";
    std::string config = "--config.file=" + dir_ + "/prometheus.yml";
    std::string storage = "--storage.tsdb.path=" + dir_ + "/data";
    std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_);
    std::string log = dir_ + "/prometheus.log";
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execl(kPrometheus, kPrometheus, config.c_str(), storage.c_str(), listen.c_str(),
            "--log.level=warn", static_cast<char*>(nullptr));
      _exit(127);
    }
  }

  // Polls an instant query until its body contains `want` (deadline 60 s: Prometheus starts in a
  // few seconds on an idle machine, more on a loaded one).
  std::string WaitForQuery(const std::string& query, const std::string& want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string body;
    while (std::chrono::steady_clock::now() < deadline) {
      body = Get(prom_port_, "/api/v1/query?query=" + query).body;
      if (body.find(want) != std::string::npos) return body;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        break;  // Prometheus exited
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::ifstream in(dir_ + "/prometheus.log");
    std::stringstream log;
    log << in.rdbuf();
    return "TIMEOUT; last body: " + body + "\nprometheus log:\n" + log.str();
  }

  std::string dir_;
  pid_t pid_ = 0;
  int prom_port_ = 0;
};

TEST_F(PrometheusScrapeTest, ScrapesAndQueriesOurMetrics) {
  MetricRegistry registry;
  ResizeletMetrics m = ResizeletMetrics::Register(registry);
  m.container_requested_resizes_total->WithLabels({"memory", "limits", "increase"})->Increment(7);
  m.SetMode("actuate", "kubelet v1.32.4 does not resize");
  for (int i = 0; i < 10; ++i) {
    m.cri_call_duration_seconds->WithLabels({"UpdateContainerResources", "OK"})->Observe(0.011);
  }
  HttpServer server(HttpServerOptions{.address = "127.0.0.1:0"}, &registry);
  ASSERT_TRUE(server.Start().ok());
  StartPrometheus(server.port());

  // up == 1 means the scrape succeeded and Prometheus parsed every line.
  EXPECT_THAT(WaitForQuery("up%7Bjob%3D%22resizelet%22%7D", ",\"1\"]"),
              HasSubstr("\"job\":\"resizelet\""));
  EXPECT_THAT(WaitForQuery("resizelet_container_requested_resizes_total", ",\"7\"]"),
              HasSubstr("\"operation\":\"increase\""));
  EXPECT_THAT(WaitForQuery("resizelet_mode", ",\"1\"]"), HasSubstr("\"mode\":\"actuate\""));
  // The histogram works in PromQL: the median of ten 11 ms calls is within the (8, 16] ms
  // bucket.
  EXPECT_THAT(
      WaitForQuery("histogram_quantile(0.5%2C%20resizelet_cri_call_duration_seconds_bucket)",
                   "\"result\":[{"),
      HasSubstr("\"method\":\"UpdateContainerResources\""));
}

}  // namespace
}  // namespace resizelet::obs
