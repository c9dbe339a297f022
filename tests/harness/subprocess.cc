#include "tests/harness/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace resizelet::harness {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

absl::StatusOr<Outcome> RunProgram(const Invocation& invocation) {
  if (invocation.argv.empty()) return absl::InvalidArgumentError("no program to run");
  const std::string out_path = invocation.work_dir + "/.stdout";
  const std::string err_path = invocation.work_dir + "/.stderr";
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0 || err_fd < 0) {
    if (out_fd >= 0) ::close(out_fd);
    if (err_fd >= 0) ::close(err_fd);
    return absl::InternalError(absl::StrCat("creating output files in ", invocation.work_dir));
  }
  // Everything the child needs is built before fork: only async-signal-safe calls after it.
  std::vector<std::string> args = invocation.argv;
  std::vector<std::string> vars = invocation.env;
  std::vector<char*> arg_ptrs = CStrings(args);
  std::vector<char*> env_ptrs = CStrings(vars);
  const char* dir = invocation.work_dir.c_str();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_fd);
    ::close(err_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (::chdir(dir) != 0) ::_exit(126);
    ::execvpe(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
    ::_exit(127);
  }
  // Also here, so that the group exists before any kill below, whichever side runs first.
  ::setpgid(pid, pid);
  ::close(out_fd);
  ::close(err_fd);
  const auto deadline = std::chrono::steady_clock::now() + invocation.timeout;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return absl::DeadlineExceededError(
          absl::StrCat(absl::StrJoin(invocation.argv, " "), " still ran after ",
                       invocation.timeout.count(), " ms; killed. stderr:\n", Slurp(err_path)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Outcome outcome;
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  outcome.out = Slurp(out_path);
  outcome.err = Slurp(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  return outcome;
}

std::vector<std::string> Environment(const std::vector<std::string>& drop,
                                     const std::vector<std::string>& add) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string var = *e;
    bool keep = true;
    for (const std::string& name : drop) {
      if (absl::StartsWith(var, absl::StrCat(name, "="))) keep = false;
    }
    for (const std::string& added : add) {
      if (absl::StartsWith(var, added.substr(0, added.find('=') + 1))) keep = false;
    }
    if (keep) out.push_back(var);
  }
  out.insert(out.end(), add.begin(), add.end());
  return out;
}

}  // namespace resizelet::harness
