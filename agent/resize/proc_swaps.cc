#include "agent/resize/proc_swaps.h"

namespace resizelet::resize {
namespace {

bool Blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

}  // namespace

int CountSwapAreas(std::string_view proc_swaps) {
  int areas = 0;
  bool header_seen = false;
  while (!proc_swaps.empty()) {
    const size_t end = proc_swaps.find('\n');
    const std::string_view line = proc_swaps.substr(0, end);
    proc_swaps = end == std::string_view::npos ? std::string_view() : proc_swaps.substr(end + 1);
    // Leading blank lines are trimmed away, as the kubelet trims the whole text first.
    if (Blank(line)) continue;
    if (!header_seen) {
      header_seen = true;
      continue;
    }
    ++areas;
  }
  return areas;
}

}  // namespace resizelet::resize
