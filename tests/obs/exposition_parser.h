// A small, strict reader of the Prometheus text exposition format 0.0.4, for tests: it rejects
// what a Prometheus scrape would reject (samples before their TYPE, bad names, bad escapes,
// duplicate series, histogram buckets out of order or without +Inf, +Inf != _count).
#ifndef RESIZELET_TESTS_OBS_EXPOSITION_PARSER_H_
#define RESIZELET_TESTS_OBS_EXPOSITION_PARSER_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace resizelet::obs::testing {

struct Exposition {
  std::map<std::string, std::string> help;  // family → unescaped help
  std::map<std::string, std::string> type;  // family → counter | gauge | histogram
  // Canonical series `name{a="x",b="y"}` (labels as written, values unescaped) → value.
  std::map<std::string, double> samples;
};

absl::StatusOr<Exposition> ParseExposition(const std::string& text);

}  // namespace resizelet::obs::testing

#endif  // RESIZELET_TESTS_OBS_EXPOSITION_PARSER_H_
