// decode_cost_probe MODE [KB...]: decodes generated pods (default 5, 14 and 70 KB) kRepetitions
// times each, with callgrind collection switched on only around that loop. MODE `dom` is a plain
// simdjson DOM parse of the bytes, `decode` is DecodePod, `ondemand` the
// On-Demand alternative of bench/api/ondemand_sketch.cc (for bench/README.md only). Run under
//   valgrind --tool=callgrind --collect-atstart=no PROBE MODE
// the callgrind totals are the instructions of exactly those calls. Prints the bytes decoded per
// pass ("bytes <n>"), which decode_cost_test divides by.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/api/decode.h"
#include "bench/api/ondemand_sketch.h"
#include "bench/api/pod_generator.h"
#include "simdjson.h"
#include "valgrind/callgrind.h"

namespace {

constexpr int kRepetitions = 20;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s dom|decode|ondemand [KB...]\n", argv[0]);
    return 2;
  }
  const std::string_view mode = argv[1];
  if (mode != "dom" && mode != "decode" && mode != "ondemand") {
    std::fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  std::vector<std::string> pods;
  for (int i = 2; i < argc; ++i) {
    pods.push_back(
        resizelet::bench::GeneratePodJsonOfSize(std::strtoul(argv[i], nullptr, 10) * 1024));
  }
  if (pods.empty()) {
    for (size_t kb : {5, 14, 70})
      pods.push_back(resizelet::bench::GeneratePodJsonOfSize(kb * 1024));
  }

  simdjson::dom::parser parser;
  size_t bytes = 0;
  auto run = [&](const std::string& json) {
    if (mode == "dom") {
      simdjson::dom::element root;
      return parser.parse(json.data(), json.size()).get(root) == simdjson::SUCCESS;
    }
    if (mode == "ondemand") {
      resizelet::api::Pod pod;
      return resizelet::bench::DecodePodOnDemand(json, pod);
    }
    return resizelet::api::DecodePod(json).ok();
  };
  // Warm up: buffers of both parsers are allocated outside the measured region.
  for (std::string& json : pods) {
    json.reserve(json.size() + simdjson::SIMDJSON_PADDING);  // On-Demand reads past the end
    if (!run(json)) {
      std::fprintf(stderr, "%s failed on a generated pod of %zu bytes\n", argv[1], json.size());
      return 1;
    }
    bytes += json.size();
  }
  bool ok = true;
  CALLGRIND_TOGGLE_COLLECT;
  for (int r = 0; r < kRepetitions; ++r) {
    for (const std::string& json : pods) ok = run(json) && ok;
  }
  CALLGRIND_TOGGLE_COLLECT;
  if (!ok) return 1;
  std::printf("bytes %zu\n", bytes * kRepetitions);
  return 0;
}
