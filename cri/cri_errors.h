// Classification of the runtime's errors into what the caller should do next.
#ifndef RESIZELET_CRI_CRI_ERRORS_H_
#define RESIZELET_CRI_CRI_ERRORS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace resizelet::cri {

// The cgroup v1 refusal to lower memory.limit_in_bytes below usage. runc reports it as
// `unable to set memory limit to N (current usage: U, peak usage: P)` and containerd passes it
// on as UNKNOWN (facts.md §5). On cgroup v2 there is no such error: the write OOM-kills.
struct MemoryBelowUsage {
  int64_t limit_bytes = 0;
  int64_t usage_bytes = 0;
  int64_t peak_bytes = 0;
};

// Parses the runtime's memory-below-usage message anywhere inside `message`.
std::optional<MemoryBelowUsage> ParseMemoryBelowUsage(std::string_view message);

// Turns a runtime error (its gRPC code as an absl code, and its message) into the status callers
// see: the memory-below-usage failure becomes FAILED_PRECONDITION with a MemoryBelowUsage payload
// (the runtime's message kept); every other code passes through unchanged. `method` prefixes the
// message ("UpdateContainerResources: ...").
absl::Status ClassifyRuntimeError(std::string_view method, absl::StatusCode code,
                                  std::string_view message);

// The payload, when `status` is the typed memory-below-usage error.
std::optional<MemoryBelowUsage> GetMemoryBelowUsage(const absl::Status& status);

// NOT_FOUND: the container or sandbox no longer exists. Drop the work; never retry.
bool IsGone(const absl::Status& status);

// UNAVAILABLE (runtime down or restarting) or DEADLINE_EXCEEDED (slow runtime, or every call slot
// taken until the deadline): retry later with backoff.
bool IsRetryable(const absl::Status& status);

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_CRI_ERRORS_H_
