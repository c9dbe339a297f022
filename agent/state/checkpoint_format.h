// The allocation checkpoint's on-disk format: a one-line header with a format version, the body
// length and a CRC-32C of the body, then a line-oriented text body (readable with `cat` when
// debugging a node). Pure: no I/O; builds in the core-only and fuzz configurations.
//
//   resizelet-allocation-checkpoint 1 <body bytes> <crc32c, 8 lowercase hex digits>\n
//   pod <uid>\n
//   allocated <generation> <cpu req m> <cpu lim m> <mem req B> <mem lim B>\n      (pod level)
//   allocated-container <name> <cpu req m> <cpu lim m> <mem req B> <mem lim B>\n
//   actuated <generation> <cpu shares> <cpu quota> <cpu period> <mem limit B>\n   (pod cgroup)
//   actuated-container <name> <cpu shares> <cpu quota> <cpu period> <mem limit B>\n
//
// Values are decimal int64 or "-" for unset. Per pod: `pod`, then optionally `allocated` and its
// containers, then optionally `actuated` and its containers. Pods are sorted by UID.
#ifndef RESIZELET_AGENT_STATE_CHECKPOINT_FORMAT_H_
#define RESIZELET_AGENT_STATE_CHECKPOINT_FORMAT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/state/allocation.h"

namespace resizelet::state {

inline constexpr int kCheckpointFormatVersion = 1;
inline constexpr std::string_view kCheckpointMagic = "resizelet-allocation-checkpoint";
// Far above any node's pods (~200 bytes per container); bounds what a corrupt header can ask.
inline constexpr size_t kMaxCheckpointBodyBytes = 64 << 20;

// OK if `uid` and every container name in `pod` can be written: 1 to 253 printable ASCII
// characters without spaces (UIDs and DNS-label names always are), container names unique per
// section. InvalidArgument otherwise.
absl::Status ValidatePodAllocation(std::string_view uid, const PodAllocation& pod);

// Encodes every pod; InvalidArgument if one fails ValidatePodAllocation. Deterministic.
absl::StatusOr<std::string> EncodeCheckpoint(const AllocationMap& pods);

// Decodes a whole file. Never crashes on any input.
// - FailedPrecondition: a well-formed header with a format version newer than this build's.
// - DataLoss: anything else wrong (bad magic, truncated, checksum mismatch, malformed body).
absl::StatusOr<AllocationMap> DecodeCheckpoint(std::string_view bytes);

}  // namespace resizelet::state

#endif  // RESIZELET_AGENT_STATE_CHECKPOINT_FORMAT_H_
