// Whether the node has swap, from the text of /proc/swaps: a header line ("Filename Type Size
// Used Priority") and one line per active swap area. The kubelet answers the same question the
// same way (pkg/kubelet/util/swap isSwapOnAccordingToProcSwaps: more than the header line after
// trimming means swap is on); its answer decides whether LimitedSwap gives containers swap, and
// so whether a memory resize is Infeasible (admission.h, swap_limitation).
#ifndef RESIZELET_AGENT_RESIZE_PROC_SWAPS_H_
#define RESIZELET_AGENT_RESIZE_PROC_SWAPS_H_

#include <string_view>

namespace resizelet::resize {

// The number of swap areas listed in `proc_swaps` (lines after the header that hold anything but
// whitespace). Empty or header-only text: 0.
int CountSwapAreas(std::string_view proc_swaps);

// True when `proc_swaps` lists at least one swap area.
inline bool SwapIsOn(std::string_view proc_swaps) { return CountSwapAreas(proc_swaps) > 0; }

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_PROC_SWAPS_H_
