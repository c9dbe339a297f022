// DecodePod time against a plain simdjson DOM parse of the same bytes, measured in one run so the
// ratio survives a noisy shared machine (docs/testing.md, "Rules"). Pods of about 5, 14 and 70 KB
// come from pod_generator.
//
//   decode_bench --benchmark_counters_tabular=true
//
// BM_DecodeVsDom reports `ratio` = DecodePod time / DOM parse time (target <= 1.5), the median
// over paired batches timed in turn in thread CPU time (CompareWithDom).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "agent/api/decode.h"
#include "bench/api/ondemand_sketch.h"
#include "bench/api/pod_generator.h"
#include "benchmark/benchmark.h"
#include "simdjson.h"

namespace resizelet::bench {
namespace {

// Calls per timed batch: enough that reading the clock (a system call for a thread's CPU time)
// is well under 1% of a batch.
constexpr int kBatch = 32;

// Thread CPU time: on a shared machine, time spent preempted counts against neither side.
struct ThreadCpuClock {
  using duration = std::chrono::nanoseconds;
  static std::chrono::time_point<ThreadCpuClock, duration> now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::time_point<ThreadCpuClock, duration>(std::chrono::seconds(ts.tv_sec) +
                                                             std::chrono::nanoseconds(ts.tv_nsec));
  }
};

const std::string& PodOfKb(int kb) {
  static const std::string pods[3] = {GeneratePodJsonOfSize(5 * 1024),
                                      GeneratePodJsonOfSize(14 * 1024),
                                      GeneratePodJsonOfSize(70 * 1024)};
  return pods[kb <= 5 ? 0 : kb <= 14 ? 1 : 2];
}

// The baseline: what any caller holding the bytes in a std::string would do.
void BM_DomParse(benchmark::State& state) {
  const std::string& json = PodOfKb(static_cast<int>(state.range(0)));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
      state.SkipWithError("parse failed");
    }
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_DomParse)->Arg(5)->Arg(14)->Arg(70);

void BM_DecodePod(benchmark::State& state) {
  const std::string& json = PodOfKb(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto pod = api::DecodePod(json);
    if (!pod.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(pod);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_DecodePod)->Arg(5)->Arg(14)->Arg(70);

// Times `candidate` (one decode of `json`) against a plain DOM parse of the same bytes, in
// paired batches of kBatch calls each, in thread CPU time, the two sides taking turns to go
// first. Counters: `ratio`, the median over pairs of candidate time / DOM time (a preemption or
// a stolen vCPU slice lands in one batch and moves one pair, not the result); `ratio_total`, the
// ratio of the summed times; the per-call means in µs.
template <typename Candidate>
void CompareWithDom(benchmark::State& state, const std::string& json, Candidate&& candidate) {
  using Clock = ThreadCpuClock;
  simdjson::dom::parser parser;
  auto dom = [&] {
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
      state.SkipWithError("parse failed");
    }
    benchmark::DoNotOptimize(root);
  };
  auto batch = [](auto& fn) {
    const auto start = Clock::now();
    for (int i = 0; i < kBatch; ++i) fn();
    return Clock::now() - start;
  };
  // Both sides run untimed for a while first: the first calls allocate the parsers' buffers and
  // fault in their pages. A watch stream decodes in the steady state that follows.
  for (const auto end = Clock::now() + std::chrono::milliseconds(50); Clock::now() < end;) {
    batch(dom);
    batch(candidate);
  }
  std::vector<double> ratios;
  Clock::duration dom_total{0}, candidate_total{0};
  bool dom_first = true;
  for (auto _ : state) {
    Clock::duration d, c;
    if (dom_first) {
      d = batch(dom);
      c = batch(candidate);
    } else {
      c = batch(candidate);
      d = batch(dom);
    }
    dom_first = !dom_first;
    dom_total += d;
    candidate_total += c;
    if (d.count() > 0) ratios.push_back(static_cast<double>(c.count()) / d.count());
  }
  if (ratios.empty()) return;
  std::nth_element(ratios.begin(), ratios.begin() + ratios.size() / 2, ratios.end());
  const double n = static_cast<double>(state.iterations()) * kBatch;
  state.counters["bytes"] = static_cast<double>(json.size());
  state.counters["dom_us"] = std::chrono::duration<double, std::micro>(dom_total).count() / n;
  state.counters["decode_us"] =
      std::chrono::duration<double, std::micro>(candidate_total).count() / n;
  state.counters["ratio"] = ratios[ratios.size() / 2];
  state.counters["ratio_total"] = std::chrono::duration<double>(candidate_total).count() /
                                  std::chrono::duration<double>(dom_total).count();
}

void BM_DecodeVsDom(benchmark::State& state) {
  const std::string& json = PodOfKb(static_cast<int>(state.range(0)));
  CompareWithDom(state, json, [&] {
    auto pod = api::DecodePod(json);
    if (!pod.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(pod);
  });
}
BENCHMARK(BM_DecodeVsDom)->Arg(5)->Arg(14)->Arg(70);

// The On-Demand alternative (bench/api/ondemand_sketch.cc) against the same DOM baseline.
void BM_OnDemandVsDom(benchmark::State& state) {
  std::string json = PodOfKb(static_cast<int>(state.range(0)));
  json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  CompareWithDom(state, json, [&] {
    api::Pod pod;
    if (!DecodePodOnDemand(json, pod)) state.SkipWithError("on-demand decode failed");
    benchmark::DoNotOptimize(pod);
  });
}
BENCHMARK(BM_OnDemandVsDom)->Arg(5)->Arg(14)->Arg(70);

}  // namespace
}  // namespace resizelet::bench

BENCHMARK_MAIN();
