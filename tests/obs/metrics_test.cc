#include "agent/obs/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "agent/obs/resizelet_metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/obs/exposition_parser.h"

namespace resizelet::obs {
namespace {

using ::resizelet::obs::testing::ParseExposition;
using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::Pair;

TEST(MetricsTest, RendersCounterGaugeAndHistogramExactly) {
  MetricRegistry registry;
  auto* calls = registry.AddCounter("x_calls_total", "Calls.", {"method", "code"});
  auto* queue = registry.AddGauge("x_queue_depth", "Queue depth.");
  auto* latency = registry.AddHistogram("x_latency_seconds", "Latency.", {0.01, 0.1}, {"op"});
  calls->WithLabels({"Update", "OK"})->Increment(3);
  queue->Get()->Set(2.5);
  Histogram* h = latency->WithLabels({"update"});
  h->Observe(0.01);  // le is inclusive: lands in the 0.01 bucket
  h->Observe(0.05);
  h->Observe(7);
  ASSERT_TRUE(registry.status().ok()) << registry.status();
  EXPECT_EQ(registry.Render(),
            "# HELP x_calls_total Calls.\n"
            "# TYPE x_calls_total counter\n"
            "x_calls_total{method=\"Update\",code=\"OK\"} 3\n"
            "# HELP x_queue_depth Queue depth.\n"
            "# TYPE x_queue_depth gauge\n"
            "x_queue_depth 2.5\n"
            "# HELP x_latency_seconds Latency.\n"
            "# TYPE x_latency_seconds histogram\n"
            "x_latency_seconds_bucket{op=\"update\",le=\"0.01\"} 1\n"
            "x_latency_seconds_bucket{op=\"update\",le=\"0.1\"} 2\n"
            "x_latency_seconds_bucket{op=\"update\",le=\"+Inf\"} 3\n"
            "x_latency_seconds_sum{op=\"update\"} 7.06\n"
            "x_latency_seconds_count{op=\"update\"} 3\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricRegistry registry;
  auto* c = registry.AddCounter("x_total", "Back\\slash and\nnewline.", {"reason"});
  c->WithLabels({"say \"hi\"\\\n"})->Increment();
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# HELP x_total Back\\\\slash and\\nnewline.\n"));
  EXPECT_THAT(text, HasSubstr("x_total{reason=\"say \\\"hi\\\"\\\\\\n\"} 1\n"));
  auto parsed = ParseExposition(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  EXPECT_THAT(parsed->samples, ::testing::Contains(Pair("x_total{reason=\"say \"hi\"\\\n\"}", 1)));
  EXPECT_EQ(parsed->help["x_total"], "Back\\slash and\nnewline.");
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  MetricRegistry registry;
  auto* c = registry.AddCounter("x_total", "n", {"t"});
  auto* g = registry.AddGauge("x_gauge", "g");
  auto* h = registry.AddHistogram("x_seconds", "h", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Counter* mine = c->WithLabels({t % 2 ? "odd" : "even"});
      for (int i = 0; i < 10000; ++i) {
        mine->Increment();
        g->Get()->Add(1);
        h->Get()->Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->WithLabels({"odd"})->Value() + c->WithLabels({"even"})->Value(), 40000u);
  EXPECT_EQ(g->Get()->Value(), 40000);
  EXPECT_EQ(h->Get()->CumulativeCounts().back(), 40000u);
  EXPECT_EQ(h->Get()->Sum(), 20000);
}

TEST(MetricsTest, RejectsBadDeclarations) {
  {
    MetricRegistry r;
    r.AddCounter("bad-name", "x");
    EXPECT_FALSE(r.status().ok());
    EXPECT_EQ(r.Render(), "");
  }
  {
    MetricRegistry r;
    r.AddHistogram("h_seconds", "x", {1}, {"le"});
    EXPECT_FALSE(r.status().ok());
  }
  {
    MetricRegistry r;
    r.AddHistogram("h_seconds", "x", {2, 1});
    EXPECT_FALSE(r.status().ok());
  }
  {
    MetricRegistry r;
    r.AddGauge("g", "x");
    r.AddGauge("g", "y");
    EXPECT_THAT(r.status().message(), HasSubstr("declared twice"));
  }
}

TEST(MetricsTest, ValuesFormatLikePrometheusClients) {
  EXPECT_EQ(FormatMetricValue(1), "1");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(1e-7), "1e-07");
  EXPECT_EQ(FormatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatMetricValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatMetricValue(0.0 / 0.0), "NaN");
}

class ResizeletMetricsTest : public ::testing::Test {
 protected:
  ResizeletMetricsTest() : m_(ResizeletMetrics::Register(registry_)) {
    m_.container_requested_resizes_total->WithLabels({"cpu", "requests", "increase"})->Increment();
    m_.pod_resize_duration_seconds->WithLabels({"true"})->Observe(0.012);
    m_.pod_pending_resizes->WithLabels({"deferred"})->Set(1);
    m_.pod_infeasible_resizes_total->WithLabels({"insufficient_node_allocatable"})->Increment();
    m_.pod_in_progress_resizes->Get()->Set(1);
    m_.pod_deferred_accepted_resizes_total->WithLabels({"pods_removed"})->Increment();
    m_.cri_call_duration_seconds->WithLabels({"UpdateContainerResources", "OK"})->Observe(0.011);
    m_.kube_request_duration_seconds->WithLabels({"PATCH", "200"})->Observe(0.004);
    m_.resize_state->WithLabels({"deferred"})->Set(1);
    m_.SetMode("companion", "kubelet v1.33.1 resizes pods itself");
  }
  MetricRegistry registry_;
  ResizeletMetrics m_;
};

TEST_F(ResizeletMetricsTest, ExposesKubeletResizeMetricsUnderOurPrefix) {
  ASSERT_TRUE(registry_.status().ok()) << registry_.status();
  auto parsed = ParseExposition(registry_.Render());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->type["resizelet_container_requested_resizes_total"], "counter");
  EXPECT_EQ(parsed->type["resizelet_pod_resize_duration_seconds"], "histogram");
  EXPECT_EQ(parsed->type["resizelet_pod_pending_resizes"], "gauge");
  EXPECT_EQ(parsed->type["resizelet_pod_infeasible_resizes_total"], "counter");
  EXPECT_EQ(parsed->type["resizelet_pod_in_progress_resizes"], "gauge");
  EXPECT_EQ(parsed->type["resizelet_pod_deferred_accepted_resizes_total"], "counter");
  EXPECT_EQ(parsed->type["resizelet_checkpoint_corrupt_total"], "counter");
  auto& s = parsed->samples;
  EXPECT_EQ(s["resizelet_container_requested_resizes_total{resource=\"cpu\",requirement="
              "\"requests\",operation=\"increase\"}"],
            1);
  EXPECT_EQ(s["resizelet_pod_resize_duration_seconds_bucket{success=\"true\",le=\"0.01\"}"], 0);
  EXPECT_EQ(s["resizelet_pod_resize_duration_seconds_bucket{success=\"true\",le=\"0.025\"}"], 1);
  EXPECT_EQ(s["resizelet_pod_deferred_accepted_resizes_total{retry_trigger=\"pods_removed\"}"], 1);
  EXPECT_EQ(s["resizelet_cri_call_duration_seconds_count{method=\"UpdateContainerResources\","
              "code=\"OK\"}"],
            1);
  // Unlabelled counters are exported from the start at 0.
  EXPECT_THAT(s, ::testing::Contains(Pair("resizelet_checkpoint_corrupt_total", 0)));
}

TEST_F(ResizeletMetricsTest, ModeInfoGaugeHasExactlyOneSeries) {
  m_.SetMode("actuate", "kubelet v1.32.4 with the resize gate off");
  auto parsed = ParseExposition(registry_.Render());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  int mode_series = 0;
  for (const auto& [series, value] : parsed->samples) {
    if (series.rfind("resizelet_mode{", 0) == 0) {
      ++mode_series;
      EXPECT_EQ(series,
                "resizelet_mode{mode=\"actuate\",reason=\"kubelet v1.32.4 with the resize gate "
                "off\"}");
      EXPECT_EQ(value, 1);
    }
  }
  EXPECT_EQ(mode_series, 1);
}

// Prometheus' own linter over our exposition. promtool comes from Debian's `prometheus`
// (scripts/install-deps.sh obs); a missing promtool is a failure, not a skip.
TEST_F(ResizeletMetricsTest, PromtoolAcceptsTheExposition) {
  const char* promtool = "/usr/bin/promtool";
  ASSERT_EQ(access(promtool, X_OK), 0)
      << "promtool missing: run scripts/install-deps.sh obs (Debian package prometheus)";
  char path[] = "/tmp/resizelet_metrics_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string text = registry_.Render();
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  std::string cmd = std::string(promtool) + " check metrics < " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) output.append(buf, n);
  int rc = pclose(p);
  unlink(path);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace resizelet::obs
