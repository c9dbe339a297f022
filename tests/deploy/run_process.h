// Runs a program to completion with exactly the given environment, its stdout and stderr
// captured to files, within a deadline (after which only that child is killed, by PID).
#ifndef RESIZELET_TESTS_DEPLOY_RUN_PROCESS_H_
#define RESIZELET_TESTS_DEPLOY_RUN_PROCESS_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace resizelet::deploy {

struct ProcessOutcome {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// `argv[0]` is a path. `env` is the whole environment ("K=V"). `work_dir` holds the output files.
// DeadlineExceeded (after killing the child) when it runs past `timeout`.
absl::StatusOr<ProcessOutcome> RunProcess(const std::vector<std::string>& argv,
                                          const std::vector<std::string>& env,
                                          const std::string& work_dir,
                                          std::chrono::milliseconds timeout);

// The environment of this process without the variables named in `drop`.
std::vector<std::string> EnvironmentWithout(const std::vector<std::string>& drop);

}  // namespace resizelet::deploy

#endif  // RESIZELET_TESTS_DEPLOY_RUN_PROCESS_H_
