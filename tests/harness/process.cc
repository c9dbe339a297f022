#include "tests/harness/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace resizelet::harness {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(10);

std::vector<char*> ArgvPointers(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const std::string& a : argv) {
    out.push_back(const_cast<char*>(a.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Waits for `pid` until `deadline`; returns its wait status, or nullopt on timeout.
std::optional<int> WaitUntil(pid_t pid, absl::Time deadline) {
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      return status;
    }
    if (r < 0) {
      return 0;  // not our child any more (already reaped)
    }
    if (absl::Now() >= deadline) {
      return std::nullopt;
    }
    absl::SleepFor(kPollInterval);
  }
}

}  // namespace

absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv,
                                   const std::string& log_path) {
  if (argv.empty()) {
    return absl::InvalidArgumentError("empty argv");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a terminal's ^C reaches the test, which then tears down in order.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args = ArgvPointers(argv);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("spawn ", argv[0], ": ", std::strerror(rc)));
  }
  return pid;
}

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv,
                                       absl::Duration timeout) {
  if (argv.empty()) {
    return absl::InvalidArgumentError("empty argv");
  }
  char path[] = "/tmp/resizelet-cmd-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) {
    return Errno("mkstemp");
  }
  ::close(fd);
  absl::StatusOr<pid_t> pid = SpawnProcess(argv, path);
  if (!pid.ok()) {
    ::unlink(path);
    return pid.status();
  }
  const std::optional<int> status = WaitUntil(*pid, absl::Now() + timeout);
  if (!status.has_value()) {
    ::kill(*pid, SIGKILL);
    WaitUntil(*pid, absl::InfiniteFuture());
  }
  std::ifstream in(path);
  std::stringstream output;
  output << in.rdbuf();
  ::unlink(path);
  const std::string command = absl::StrJoin(argv, " ");
  if (!status.has_value()) {
    return absl::DeadlineExceededError(
        absl::StrCat("`", command, "` still running after ", absl::FormatDuration(timeout)));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return absl::InternalError(
        absl::StrCat("`", command, "` failed (wait status ", *status, "): ", output.str()));
  }
  return output.str();
}

absl::Status StopProcess(pid_t pid, absl::Duration grace) {
  if (pid <= 0) {
    return absl::OkStatus();
  }
  if (::kill(pid, SIGTERM) != 0 && errno == ESRCH) {
    WaitUntil(pid, absl::Now());
    return absl::OkStatus();
  }
  if (WaitUntil(pid, absl::Now() + grace).has_value()) {
    return absl::OkStatus();
  }
  ::kill(pid, SIGKILL);
  if (WaitUntil(pid, absl::Now() + absl::Seconds(5)).has_value()) {
    return absl::DeadlineExceededError(absl::StrCat("pid ", pid, " ignored SIGTERM for ",
                                                    absl::FormatDuration(grace), "; killed"));
  }
  return absl::InternalError(absl::StrCat("pid ", pid, " survived SIGKILL"));
}

bool ChildAlive(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
}

absl::Status WaitForSocket(const std::string& path, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  while (true) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return Errno("socket");
    }
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::close(fd);
    if (rc == 0) {
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(path, " not accepting connections after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPollInterval);
  }
}

std::vector<pid_t> FindProcesses(const std::string& needle) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) {
    return out;
  }
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const int64_t pid = std::strtoll(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') {
      continue;
    }
    std::ifstream in(absl::StrCat("/proc/", entry->d_name, "/cmdline"), std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (char& c : cmdline) {
      if (c == '\0') {
        c = ' ';
      }
    }
    if (cmdline.find(needle) != std::string::npos) {
      out.push_back(static_cast<pid_t>(pid));
    }
  }
  ::closedir(proc);
  return out;
}

}  // namespace resizelet::harness
