// Decoders from the API server's JSON to the compact views in objects.h.
//
// Input is hostile: documents above kMaxDocumentBytes (kMaxListDocumentBytes for a PodList) or
// nested deeper than kMaxNestingDepth (objects and arrays, the root counting as one) are refused; a
// malformed or out-of-range value yields InvalidArgument naming its JSON path (e.g.
// `spec.containers[1].resources.limits.memory: ...`). No input crashes or hangs a decoder.
#ifndef RESIZELET_AGENT_API_DECODE_H_
#define RESIZELET_AGENT_API_DECODE_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/api/objects.h"

namespace resizelet::api {

// One object. The API server stores objects of at most ~1.5 MiB (etcd's request limit).
inline constexpr size_t kMaxDocumentBytes = 8 * 1024 * 1024;
// A list carries every pod of a node (a few hundred, up to ~100 KB each with managedFields).
// Decoding touches about 3.5 bytes of memory per document byte (an 8.4 MB list of 566 pods
// peaks at +29 MB RSS), so callers should list with `limit` pages well below this cap.
inline constexpr size_t kMaxListDocumentBytes = 32 * 1024 * 1024;
inline constexpr int kMaxNestingDepth = 64;

// The Pod decoders; negative requests, limits, overhead or allocated resources are refused
// (the API server validates them non-negative). Absent fields keep the defaults of objects.h;
// JSON null counts as absent; unknown fields and unknown enum strings are ignored.
absl::StatusOr<Pod> DecodePod(std::string_view json);
absl::StatusOr<Node> DecodeNode(std::string_view json);
// A PodList (`kind: PodList`, `items`); also accepts a `List` of pods. Errors name the item
// (`items[3].spec...`).
absl::StatusOr<PodList> DecodePodList(std::string_view json);

}  // namespace resizelet::api

#endif  // RESIZELET_AGENT_API_DECODE_H_
