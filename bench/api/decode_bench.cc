// DecodePod time against a plain simdjson DOM parse of the same bytes, measured in one run so the
// ratio survives a noisy shared machine (docs/testing.md, "Rules"). Pods of about 5, 14 and 70 KB
// come from pod_generator.
//
//   decode_bench --benchmark_counters_tabular=true
//
// BM_DecodeVsDom reports `ratio` = DecodePod time / DOM parse time (target <= 1.5); both sides
// are timed in alternating batches within each benchmark iteration, in thread CPU time.
#include <time.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "agent/api/decode.h"
#include "bench/api/ondemand_sketch.h"
#include "bench/api/pod_generator.h"
#include "benchmark/benchmark.h"
#include "simdjson.h"

namespace resizelet::bench {
namespace {

constexpr int kBatch = 8;

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

void BM_DecodeVsDom(benchmark::State& state) {
  const std::string& json = PodOfKb(static_cast<int>(state.range(0)));
  simdjson::dom::parser parser;
  using Clock = ThreadCpuClock;
  Clock::duration dom{0}, decode{0};
  for (auto _ : state) {
    auto t0 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      simdjson::dom::element root;
      if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
        state.SkipWithError("parse failed");
      }
      benchmark::DoNotOptimize(root);
    }
    auto t1 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      auto pod = api::DecodePod(json);
      if (!pod.ok()) state.SkipWithError("decode failed");
      benchmark::DoNotOptimize(pod);
    }
    auto t2 = Clock::now();
    dom += t1 - t0;
    decode += t2 - t1;
  }
  const double n = static_cast<double>(state.iterations()) * kBatch;
  state.counters["bytes"] = static_cast<double>(json.size());
  state.counters["dom_us"] = std::chrono::duration<double, std::micro>(dom).count() / n;
  state.counters["decode_us"] = std::chrono::duration<double, std::micro>(decode).count() / n;
  state.counters["ratio"] =
      std::chrono::duration<double>(decode).count() / std::chrono::duration<double>(dom).count();
}
BENCHMARK(BM_DecodeVsDom)->Arg(5)->Arg(14)->Arg(70);

// The On-Demand alternative (bench/api/ondemand_sketch.cc) against the same DOM baseline.
void BM_OnDemandVsDom(benchmark::State& state) {
  std::string json = PodOfKb(static_cast<int>(state.range(0)));
  json.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::parser parser;
  using Clock = ThreadCpuClock;
  Clock::duration dom{0}, ondemand{0};
  for (auto _ : state) {
    auto t0 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      simdjson::dom::element root;
      if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
        state.SkipWithError("parse failed");
      }
      benchmark::DoNotOptimize(root);
    }
    auto t1 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      api::Pod pod;
      if (!DecodePodOnDemand(json, pod)) state.SkipWithError("on-demand decode failed");
      benchmark::DoNotOptimize(pod);
    }
    auto t2 = Clock::now();
    dom += t1 - t0;
    ondemand += t2 - t1;
  }
  const double n = static_cast<double>(state.iterations()) * kBatch;
  state.counters["bytes"] = static_cast<double>(json.size());
  state.counters["dom_us"] = std::chrono::duration<double, std::micro>(dom).count() / n;
  state.counters["decode_us"] = std::chrono::duration<double, std::micro>(ondemand).count() / n;
  state.counters["ratio"] =
      std::chrono::duration<double>(ondemand).count() / std::chrono::duration<double>(dom).count();
}
BENCHMARK(BM_OnDemandVsDom)->Arg(5)->Arg(14)->Arg(70);

}  // namespace
}  // namespace resizelet::bench

BENCHMARK_MAIN();
