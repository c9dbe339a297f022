// Memory-safe shrink: the check run right before a memory limit is lowered.
//
// On cgroup v2, writing memory.max below usage makes the kernel reclaim and then OOM-kill; on v1
// the write fails with EBUSY. The kubelet guards container shrinks with a best-effort usage check
// (kuberuntime's doPodResizeAction / validateMemoryLimitDecrease) and reports
// `attempting to set container "<c>" memory limit (<new>) below current usage (<usage>)`;
// resizelet applies the same rule to pod cgroups too, optionally asks the kernel to reclaim first
// (memory.reclaim, Linux ≥ 5.19), and never writes a limit the current usage does not fit under.
#ifndef RESIZELET_CGROUPS_MEMORY_SHRINK_GUARD_H_
#define RESIZELET_CGROUPS_MEMORY_SHRINK_GUARD_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace resizelet::cgroups {

struct MemoryShrinkOptions {
  // Refuse when usage + headroom reaches the new limit. 0 is the kubelet's rule (usage ≥ limit).
  uint64_t headroom_bytes = 0;
  // Try memory.reclaim before refusing, when the file exists.
  bool reclaim = true;
};

// The refusal message, in the kubelet's words. An empty container name means the pod cgroup.
std::string MemoryShrinkRefusal(const std::string& container_name, int64_t new_limit,
                                uint64_t usage);

// True when `usage` (plus headroom) fits strictly under `new_limit`.
bool MemoryShrinkFits(uint64_t usage, uint64_t headroom, int64_t new_limit);

// The I/O the guard needs, so that fixture trees, real kernels and fakes share the logic.
struct MemoryShrinkIo {
  std::function<absl::StatusOr<uint64_t>()> read_usage;
  // Asks the kernel to reclaim this many bytes; empty when the cgroup has no memory.reclaim.
  // A partial reclaim (EAGAIN) is not an error: the guard re-reads usage either way.
  std::function<absl::Status(uint64_t)> reclaim;
  // Optional: how much of the usage the kernel could reclaim at all (file LRU pages and
  // reclaimable slab on a node without swap). When it is less than the excess, reclaim is not
  // attempted: it could not succeed and would only drop the cgroup's page cache.
  std::function<absl::StatusOr<uint64_t>()> read_reclaimable;
};

// OK when lowering the limit to `new_limit` is safe now; FailedPrecondition with the refusal
// message otherwise; other errors when usage cannot be read.
absl::Status CheckMemoryShrink(int64_t new_limit, const std::string& container_name,
                               const MemoryShrinkOptions& options, const MemoryShrinkIo& io);

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_MEMORY_SHRINK_GUARD_H_
