// Reads whether this node has swap at start-up, for the swap admission rule
// (NodeResizeSettings::node_has_swap, agent/resize/admission.h).
#ifndef RESIZELET_AGENT_DAEMON_NODE_SWAP_H_
#define RESIZELET_AGENT_DAEMON_NODE_SWAP_H_

#include <string>

#include "absl/status/statusor.h"

namespace resizelet::daemon {

inline constexpr char kProcSwapsPath[] = "/proc/swaps";

// True when `path` (/proc/swaps) lists a swap area. A missing file means no swap, as the kubelet
// decides (pkg/kubelet/util/swap IsSwapOn: a kernel without swap support has no /proc/swaps);
// any other read error is returned.
absl::StatusOr<bool> ReadNodeHasSwap(const std::string& path = kProcSwapsPath);

}  // namespace resizelet::daemon

#endif  // RESIZELET_AGENT_DAEMON_NODE_SWAP_H_
