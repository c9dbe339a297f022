// Counters, gauges and histograms with labels, rendered in the Prometheus text exposition format
// 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Shape (as Envoy's stats): every metric family is declared once, in a table
// (resizelet_metrics.h), and registered in a MetricRegistry at start-up. A family hands out one
// child per label-value tuple; the child is a few atomics, so the hot path is a relaxed atomic
// add once the caller holds the child pointer:
//
//   static Counter* patches = metrics.status_patches_total->WithLabels({"200"});
//   patches->Increment();
//
// Children live as long as their registry; pointers to them stay valid. Looking a child up takes
// the family's mutex, so hot paths look up once and keep the pointer. Everything is thread-safe.
#ifndef RESIZELET_AGENT_OBS_METRICS_H_
#define RESIZELET_AGENT_OBS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace resizelet::obs {

enum class MetricType { kCounter, kGauge, kHistogram };

// A monotonically increasing count of events.
class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double delta);
  void Increment() { Add(1); }
  void Decrement() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in cumulative buckets with upper bounds `le`, plus their sum and count.
// The exposition derives `_count` from the bucket counts, so `le="+Inf"` always equals `_count`
// even while observations race with a scrape.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double v);

  // Cumulative counts, one per bound plus the +Inf bucket.
  std::vector<uint64_t> CumulativeCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;                // sorted, finite; owned by the family
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; +Inf last
  std::atomic<double> sum_{0};
};

// One metric family: name, help, type, label names, and its children.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names, std::vector<double> buckets);
  virtual ~MetricFamily();

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends this family's HELP, TYPE and samples, children in label-value order.
  void Render(std::string& out) const ABSL_LOCKS_EXCLUDED(mu_);

  // Removes every child (e.g. the previous value of an info gauge).
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);

 protected:
  // The child for `values`, created on first use. There must be one value per label name:
  // missing values are taken as empty and extra ones are ignored (the series stays well-formed).
  void* Child(std::initializer_list<std::string_view> values) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry;
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Entry>> children_ ABSL_GUARDED_BY(mu_);
  // Cleared children: kept alive for callers that still hold pointers, no longer rendered.
  std::vector<std::unique_ptr<Entry>> retired_ ABSL_GUARDED_BY(mu_);
};

class CounterFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  Counter* WithLabels(std::initializer_list<std::string_view> values) {
    return static_cast<Counter*>(Child(values));
  }
  Counter* Get() { return WithLabels({}); }
};

class GaugeFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  Gauge* WithLabels(std::initializer_list<std::string_view> values) {
    return static_cast<Gauge*>(Child(values));
  }
  Gauge* Get() { return WithLabels({}); }
};

class HistogramFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  Histogram* WithLabels(std::initializer_list<std::string_view> values) {
    return static_cast<Histogram*>(Child(values));
  }
  Histogram* Get() { return WithLabels({}); }
};

// Owns metric families and renders them all.
class MetricRegistry {
 public:
  // Each Add* returns a family that lives as long as the registry. Names must be unique and valid
  // Prometheus names ([a-zA-Z_:][a-zA-Z0-9_:]*); label names [a-zA-Z_][a-zA-Z0-9_]* and not
  // "le" for histograms; buckets sorted and finite. A bad declaration is a programming error:
  // Add* returns an error status through `status()` and the family is still usable but not
  // rendered.
  CounterFamily* AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily* AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  HistogramFamily* AddHistogram(std::string name, std::string help, std::vector<double> buckets,
                                std::vector<std::string> label_names = {});

  // The first declaration error, if any.
  absl::Status status() const ABSL_LOCKS_EXCLUDED(mu_);

  // The whole exposition, families in registration order.
  std::string Render() const ABSL_LOCKS_EXCLUDED(mu_);

  // The Content-Type of Render()'s output.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  template <typename F>
  F* Add(std::string name, std::string help, MetricType type, std::vector<std::string> labels,
         std::vector<double> buckets);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_ ABSL_GUARDED_BY(mu_);
  std::vector<MetricFamily*> rendered_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// Formats a sample value the way Prometheus clients do: shortest round-trip decimal, and "+Inf",
// "-Inf", "NaN".
std::string FormatMetricValue(double v);

// Exponential bucket bounds: start, start*factor, ... (count bounds).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace resizelet::obs

#endif  // RESIZELET_AGENT_OBS_METRICS_H_
