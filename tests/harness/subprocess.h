// Runs a program to completion within a deadline, its stdout and stderr captured to files in a
// directory the caller owns. The child leads its own process group, so that a deadline kills
// what it started too (cpack runs cmake, strip and dpkg-shlibdeps), by that group's id only.
#ifndef RESIZELET_TESTS_HARNESS_SUBPROCESS_H_
#define RESIZELET_TESTS_HARNESS_SUBPROCESS_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace resizelet::harness {

struct Outcome {
  int exit_code = -1;  // -1 when a signal ended it
  std::string out;
  std::string err;
};

struct Invocation {
  std::vector<std::string> argv;  // argv[0] is a path, or a name looked up in this $PATH
  std::vector<std::string> env;   // the whole environment, "K=V"
  std::string work_dir;           // the child's working directory; holds the output files
  std::chrono::milliseconds timeout{20000};
};

// DeadlineExceeded (after killing the child's process group) when it runs past the timeout.
absl::StatusOr<Outcome> RunProgram(const Invocation& invocation);

// This process's environment, minus the variables named in `drop`, plus `add` ("K=V").
std::vector<std::string> Environment(const std::vector<std::string>& drop = {},
                                     const std::vector<std::string>& add = {});

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_SUBPROCESS_H_
