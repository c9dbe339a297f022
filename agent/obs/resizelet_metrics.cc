#include "agent/obs/resizelet_metrics.h"

#include <string>
#include <vector>

namespace resizelet::obs {
namespace {

// The kubelet's pod_resize_duration_milliseconds buckets run from 10 ms to 10 min; resizelet's
// own path is milliseconds (one runtime update is ~10 ms, docs/facts.md §8), so the low end is
// finer and the high end keeps the kubelet's stuck-resize range.
const std::vector<double> kResizeDurationBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600};

// One CRI update is ~11 ms median, 20-40 ms p99 on containerd; API calls are similar. 0.5 ms to
// ~16 s in doublings.
const std::vector<double> kCallDurationBuckets = ExponentialBuckets(0.0005, 2, 16);

constexpr char kPrefix[] = "resizelet_";

}  // namespace

ResizeletMetrics ResizeletMetrics::Register(MetricRegistry& registry) {
  ResizeletMetrics m;
#define RESIZELET_REGISTER_COUNTER(member, name, help, ...) \
  m.member = registry.AddCounter(std::string(kPrefix) + name, help, {__VA_ARGS__});
#define RESIZELET_REGISTER_GAUGE(member, name, help, ...) \
  m.member = registry.AddGauge(std::string(kPrefix) + name, help, {__VA_ARGS__});
#define RESIZELET_REGISTER_HISTOGRAM(member, name, help, buckets, ...) \
  m.member = registry.AddHistogram(std::string(kPrefix) + name, help, buckets, {__VA_ARGS__});
  RESIZELET_COUNTERS(RESIZELET_REGISTER_COUNTER)
  RESIZELET_GAUGES(RESIZELET_REGISTER_GAUGE)
  RESIZELET_HISTOGRAMS(RESIZELET_REGISTER_HISTOGRAM)
#undef RESIZELET_REGISTER_COUNTER
#undef RESIZELET_REGISTER_GAUGE
#undef RESIZELET_REGISTER_HISTOGRAM
  return m;
}

void ResizeletMetrics::SetMode(std::string_view mode_name, std::string_view reason) {
  // An info metric: the previous mode's series disappears rather than lingering at 0.
  mode->Clear();
  mode->WithLabels({mode_name, reason})->Set(1);
}

}  // namespace resizelet::obs
