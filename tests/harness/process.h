// Child processes for the real-runtime harness: spawn, run to completion with a deadline, stop by
// PID. posix_spawn (not fork) because tests start runtimes after gRPC's threads exist.
#ifndef RESIZELET_TESTS_HARNESS_PROCESS_H_
#define RESIZELET_TESTS_HARNESS_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace resizelet::harness {

// Starts argv[0] (searched in PATH) with stdout and stderr appended to `log_path`.
absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv,
                                   const std::string& log_path);

// Runs argv to completion and returns its combined stdout/stderr. The process is killed, and
// DEADLINE_EXCEEDED returned, if it runs past `timeout`; a non-zero exit is INTERNAL with the
// output in the message.
absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       absl::Duration timeout);

// SIGTERM, then SIGKILL after `grace`; reaps the child. OK if it had already exited.
absl::Status StopProcess(pid_t pid, absl::Duration grace);

// True while `pid` (our child) has not exited; reaps it when it has.
bool ChildAlive(pid_t pid);

// Polls until a UNIX socket at `path` accepts connections.
absl::Status WaitForSocket(const std::string& path, absl::Duration timeout);

// PIDs of processes whose command line contains `needle` (read from /proc/<pid>/cmdline).
std::vector<pid_t> FindProcesses(const std::string& needle);

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_PROCESS_H_
