// Runs a child process (kubectl in the conformance tests) with its output captured to a file,
// waiting with a deadline and killing only the child it started.
#ifndef RESIZELET_TESTS_APISERVER_PROCESS_RUNNER_H_
#define RESIZELET_TESTS_APISERVER_PROCESS_RUNNER_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace resizelet::apiserver {

struct ProcessResult {
  int exit_code = -1;  // -1 when it had to be killed at the deadline
  std::string output;  // stdout and stderr interleaved
};

class ChildProcess {
 public:
  // Starts argv[0] (a path) with stdout and stderr into `output_file`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& output_file);
  ~ChildProcess();  // kills the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  // Waits until the child exits or `timeout` passes (then kills it).
  ProcessResult Wait(std::chrono::milliseconds timeout);
  // The output so far.
  std::string Output() const;
  // Polls the output until it contains `needle` or `timeout` passes.
  bool WaitForOutput(const std::string& needle, std::chrono::milliseconds timeout) const;
  void Kill();

 private:
  pid_t pid_ = -1;
  std::string output_file_;
  int exit_code_ = -1;
};

// Runs to completion with a deadline.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& output_file,
                         std::chrono::milliseconds timeout);

}  // namespace resizelet::apiserver

#endif  // RESIZELET_TESTS_APISERVER_PROCESS_RUNNER_H_
