// A simdjson On-Demand decoder of the same Pod view as agent/api/decode.cc, without JSON-path
// error messages. It exists only to measure the On-Demand alternative against the DOM decoder
// that resizelet ships (bench/README.md, "JSON decode"); it is not used by the agent.
#ifndef RESIZELET_BENCH_API_ONDEMAND_SKETCH_H_
#define RESIZELET_BENCH_API_ONDEMAND_SKETCH_H_

#include <string>

#include "agent/api/objects.h"

namespace resizelet::bench {

// Decodes `json` into `pod`; `json` must have SIMDJSON_PADDING bytes of spare capacity.
bool DecodePodOnDemand(const std::string& json, api::Pod& pod);

}  // namespace resizelet::bench

#endif  // RESIZELET_BENCH_API_ONDEMAND_SKETCH_H_
