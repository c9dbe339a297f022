// Decoders from the API server's JSON to the compact views in objects.h.
//
// Input is hostile: documents above kMaxDocumentBytes or nested deeper than kMaxNestingDepth are
// refused; a malformed or out-of-range value yields InvalidArgument naming its JSON path
// (e.g. `spec.containers[1].resources.limits.memory: ...`). No input crashes or hangs a decoder.
#ifndef RESIZELET_AGENT_API_DECODE_H_
#define RESIZELET_AGENT_API_DECODE_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/api/objects.h"

namespace resizelet::api {

inline constexpr size_t kMaxDocumentBytes = 8 * 1024 * 1024;
inline constexpr int kMaxNestingDepth = 64;

absl::StatusOr<Pod> DecodePod(std::string_view json);
absl::StatusOr<Node> DecodeNode(std::string_view json);
// A PodList (`kind: PodList`, `items`); also accepts a `List` of pods.
absl::StatusOr<PodList> DecodePodList(std::string_view json);

}  // namespace resizelet::api

#endif  // RESIZELET_AGENT_API_DECODE_H_
