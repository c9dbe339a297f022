// `resizelet run`: the daemon. Loads the configuration (file, then flags), starts the operations
// endpoints, connects to the API server and the container runtime, picks the mode, and runs the
// reconcile workers on the watch of this node's pods until SIGTERM or SIGINT.
//
// Exit statuses: 0 after a clean stop, 2 for a bad command line or configuration (the message
// names the field, or an unknown RESIZELET_CRASH_AT crash point), 1 when anything else fails at
// start-up (the message names what failed), including caches not synced within cacheSyncTimeout.
//
// Start-up order, each step only once the one before it worked: config → logging → metrics and
// HTTP endpoints → API client and /version → allocation checkpoint → CRI client → cgroup driver
// → pod and node watches → (caches synced) mode → reconciler and workers → READY. Shutdown
// mirrors it: STOPPING, watches stopped, workers drained, checkpoint flushed.
#ifndef RESIZELET_AGENT_DAEMON_RUN_COMMAND_H_
#define RESIZELET_AGENT_DAEMON_RUN_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace resizelet::daemon {

// Runs `resizelet run <args...>` in the calling process; returns the exit status. Blocks SIGTERM
// and SIGINT in the calling thread (and so in every thread it starts) and waits for them itself.
int RunDaemonCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace resizelet::daemon

#endif  // RESIZELET_AGENT_DAEMON_RUN_COMMAND_H_
