#include "cgroups/memory_shrink_guard.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace resizelet::cgroups {
namespace {

// Usage moves between the read and the reclaim; ask for a little more than the excess so one
// reclaim pass usually suffices.
constexpr uint64_t kReclaimSlackBytes = uint64_t{1} << 20;

}  // namespace

std::string MemoryShrinkRefusal(const std::string& container_name, int64_t new_limit,
                                uint64_t usage) {
  if (container_name.empty()) {
    return absl::StrFormat("attempting to set pod memory limit (%d) below current usage (%d)",
                           new_limit, usage);
  }
  return absl::StrFormat(
      "attempting to set container \"%s\" memory limit (%d) below current usage (%d)",
      container_name, new_limit, usage);
}

bool MemoryShrinkFits(uint64_t usage, uint64_t headroom, int64_t new_limit) {
  if (new_limit < 0) return true;  // "max"
  const uint64_t limit = static_cast<uint64_t>(new_limit);
  if (headroom >= limit) return false;
  return usage < limit - headroom;
}

absl::Status CheckMemoryShrink(int64_t new_limit, const std::string& container_name,
                               const MemoryShrinkOptions& options, const MemoryShrinkIo& io) {
  absl::StatusOr<uint64_t> usage = io.read_usage();
  if (!usage.ok()) return usage.status();
  if (MemoryShrinkFits(*usage, options.headroom_bytes, new_limit)) return absl::OkStatus();
  if (options.reclaim && io.reclaim) {
    const uint64_t target =
        new_limit > 0 && static_cast<uint64_t>(new_limit) > options.headroom_bytes
            ? static_cast<uint64_t>(new_limit) - options.headroom_bytes
            : 0;
    const uint64_t excess = *usage - std::min(*usage, target) + kReclaimSlackBytes;
    bool hopeless = false;
    if (io.read_reclaimable) {
      absl::StatusOr<uint64_t> reclaimable = io.read_reclaimable();
      if (!reclaimable.ok()) return reclaimable.status();
      hopeless = *reclaimable + kReclaimSlackBytes < excess;
    }
    if (!hopeless) {
      absl::Status s = io.reclaim(excess);
      if (!s.ok() && !absl::IsResourceExhausted(s)) return s;
      usage = io.read_usage();
      if (!usage.ok()) return usage.status();
      if (MemoryShrinkFits(*usage, options.headroom_bytes, new_limit)) return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(MemoryShrinkRefusal(container_name, new_limit, *usage));
}

}  // namespace resizelet::cgroups
