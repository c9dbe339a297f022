#include "agent/daemon/node_swap.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/resize/proc_swaps.h"

namespace resizelet::daemon {

absl::StatusOr<bool> ReadNodeHasSwap(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    const int error = errno;
    if (error == ENOENT) return false;
    return absl::UnavailableError(absl::StrCat("reading ", path, ": ", std::strerror(error)));
  }
  // One line per swap area: small, however many the node has.
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat("reading ", path));
  return resize::SwapIsOn(text.str());
}

}  // namespace resizelet::daemon
