#include "agent/obs/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace resizelet::obs {
namespace {

void AtomicAdd(std::atomic<double>& a, double delta) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + delta, std::memory_order_relaxed)) {
  }
}

bool ValidName(std::string_view s, bool allow_colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// HELP text escapes backslash and newline; label values also escape the double quote.
void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `name{a="x",b="y"[,le="..."]} value\n`
void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& labels,
                  const std::vector<std::string>& values, const std::string* le,
                  std::string_view value) {
  out += name;
  if (!labels.empty() || le != nullptr) {
    out += '{';
    bool first = true;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (!first) out += ',';
      first = false;
      out += labels[i];
      out += "=\"";
      AppendEscaped(out, values[i], /*quote=*/true);
      out += '"';
    }
    if (le != nullptr) {
      if (!first) out += ',';
      out += "le=\"";
      out += *le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

void Gauge::Add(double delta) { AtomicAdd(value_, delta); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  // Buckets are few (≤ ~20): a binary search for the first bound >= v ("le" is inclusive).
  size_t i = std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin();
  if (std::isnan(v)) i = bounds_->size();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_->size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

struct MetricFamily::Entry {
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
};

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names, std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {
  // A family without labels has exactly one series, exported from the start (a zero is
  // information: "nothing happened yet" rather than "not exported").
  if (label_names_.empty()) Child({});
}

MetricFamily::~MetricFamily() = default;

void* MetricFamily::Child(std::initializer_list<std::string_view> values) {
  std::vector<std::string> key(label_names_.size());
  size_t i = 0;
  for (std::string_view v : values) {
    if (i == key.size()) break;
    key[i++] = std::string(v);
  }
  absl::MutexLock lock(&mu_);
  auto& entry = children_[std::move(key)];
  if (entry == nullptr) {
    entry = std::make_unique<Entry>();
    switch (type_) {
      case MetricType::kCounter:
        entry->counter = std::make_unique<Counter>();
        break;
      case MetricType::kGauge:
        entry->gauge = std::make_unique<Gauge>();
        break;
      case MetricType::kHistogram:
        entry->histogram = std::make_unique<Histogram>(&buckets_);
        break;
    }
  }
  switch (type_) {
    case MetricType::kCounter:
      return entry->counter.get();
    case MetricType::kGauge:
      return entry->gauge.get();
    case MetricType::kHistogram:
      return entry->histogram.get();
  }
  return nullptr;
}

void MetricFamily::Clear() {
  // Children handed out stay alive (callers may hold pointers); they are only unexported.
  absl::MutexLock lock(&mu_);
  for (auto& [key, entry] : children_) retired_.push_back(std::move(entry));
  children_.clear();
}

void MetricFamily::Render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  AppendEscaped(out, help_, /*quote=*/false);
  out += "\n# TYPE ";
  out += name_;
  out += type_ == MetricType::kCounter ? " counter\n"
         : type_ == MetricType::kGauge ? " gauge\n"
                                       : " histogram\n";
  std::vector<std::string> les;
  if (type_ == MetricType::kHistogram) {
    for (double b : buckets_) les.push_back(FormatMetricValue(b));
    les.push_back("+Inf");
  }
  const std::string bucket_name = name_ + "_bucket";
  const std::string sum_name = name_ + "_sum";
  const std::string count_name = name_ + "_count";
  absl::MutexLock lock(&mu_);
  for (const auto& [values, entry] : children_) {
    switch (type_) {
      case MetricType::kCounter:
        AppendSample(out, name_, label_names_, values, nullptr,
                     absl::StrCat(entry->counter->Value()));
        break;
      case MetricType::kGauge:
        AppendSample(out, name_, label_names_, values, nullptr,
                     FormatMetricValue(entry->gauge->Value()));
        break;
      case MetricType::kHistogram: {
        std::vector<uint64_t> counts = entry->histogram->CumulativeCounts();
        for (size_t i = 0; i < counts.size(); ++i) {
          AppendSample(out, bucket_name, label_names_, values, &les[i], absl::StrCat(counts[i]));
        }
        AppendSample(out, sum_name, label_names_, values, nullptr,
                     FormatMetricValue(entry->histogram->Sum()));
        AppendSample(out, count_name, label_names_, values, nullptr, absl::StrCat(counts.back()));
        break;
      }
    }
  }
}

template <typename F>
F* MetricRegistry::Add(std::string name, std::string help, MetricType type,
                       std::vector<std::string> labels, std::vector<double> buckets) {
  absl::Status problem;
  if (!ValidName(name, /*allow_colon=*/true)) {
    problem = absl::InvalidArgumentError(absl::StrCat("invalid metric name \"", name, "\""));
  }
  std::set<std::string_view> seen;
  for (const std::string& l : labels) {
    if (!ValidName(l, /*allow_colon=*/false) || l.rfind("__", 0) == 0 ||
        (type == MetricType::kHistogram && l == "le") || !seen.insert(l).second) {
      problem = absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": invalid or repeated label name \"", l, "\""));
    }
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
      problem = absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": buckets must be finite and strictly increasing"));
    }
  }
  auto family =
      std::make_unique<F>(name, std::move(help), type, std::move(labels), std::move(buckets));
  F* raw = family.get();
  absl::MutexLock lock(&mu_);
  for (const MetricFamily* f : rendered_) {
    if (f->name() == name) {
      problem = absl::AlreadyExistsError(absl::StrCat("metric ", name, " declared twice"));
    }
  }
  families_.push_back(std::move(family));
  if (problem.ok()) {
    rendered_.push_back(raw);
  } else if (status_.ok()) {
    status_ = problem;
  }
  return raw;
}

CounterFamily* MetricRegistry::AddCounter(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  return Add<CounterFamily>(std::move(name), std::move(help), MetricType::kCounter,
                            std::move(label_names), {});
}

GaugeFamily* MetricRegistry::AddGauge(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return Add<GaugeFamily>(std::move(name), std::move(help), MetricType::kGauge,
                          std::move(label_names), {});
}

HistogramFamily* MetricRegistry::AddHistogram(std::string name, std::string help,
                                              std::vector<double> buckets,
                                              std::vector<std::string> label_names) {
  return Add<HistogramFamily>(std::move(name), std::move(help), MetricType::kHistogram,
                              std::move(label_names), std::move(buckets));
}

absl::Status MetricRegistry::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

std::string MetricRegistry::Render() const {
  std::vector<const MetricFamily*> families;
  {
    absl::MutexLock lock(&mu_);
    families.assign(rendered_.begin(), rendered_.end());
  }
  std::string out;
  out.reserve(families.size() * 256);
  for (const MetricFamily* f : families) f->Render(out);
  return out;
}

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  double b = start;
  for (int i = 0; i < count; ++i) {
    out.push_back(b);
    b *= factor;
  }
  return out;
}

}  // namespace resizelet::obs
