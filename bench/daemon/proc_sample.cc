#include "bench/daemon/proc_sample.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace resizelet::bench {
namespace {

absl::StatusOr<std::string> Slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// "VmRSS:\t  12345 kB" → 12345.
bool StatusField(const std::string& status, const std::string& key, int64_t* kib) {
  const size_t at = status.find("\n" + key + ":");
  if (at == std::string::npos) return false;
  const size_t begin = at + key.size() + 2;
  const size_t end = status.find('\n', begin);
  std::string value = status.substr(begin, end - begin);
  const size_t unit = value.find("kB");
  if (unit != std::string::npos) value.resize(unit);
  return absl::SimpleAtoi(value, kib);
}

}  // namespace

absl::StatusOr<ProcMemory> ReadProcMemory(pid_t pid) {
  absl::StatusOr<std::string> status = Slurp(absl::StrCat("/proc/", pid, "/status"));
  if (!status.ok()) return status.status();
  ProcMemory m;
  if (!StatusField(*status, "VmRSS", &m.rss_kib) || !StatusField(*status, "VmHWM", &m.hwm_kib) ||
      !StatusField(*status, "RssAnon", &m.rss_anon_kib) ||
      !StatusField(*status, "RssFile", &m.rss_file_kib)) {
    return absl::InternalError(
        absl::StrCat("no VmRSS/VmHWM/RssAnon/RssFile in /proc/", pid, "/status"));
  }
  return m;
}

absl::StatusOr<ProcCpu> ReadProcCpu(pid_t pid) {
  absl::StatusOr<std::string> stat = Slurp(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return stat.status();
  // The command name is in parentheses and may hold spaces: count fields after the last ')'.
  // Field 3 (state) is the first after it; utime and stime are fields 14 and 15.
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) return absl::InternalError("malformed /proc/<pid>/stat");
  std::vector<std::string> fields = absl::StrSplit(stat->substr(close + 2), ' ', absl::SkipEmpty());
  int64_t utime = 0;
  int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::InternalError("malformed /proc/<pid>/stat");
  }
  ProcCpu cpu;
  cpu.ticks = utime + stime;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/task"), ec)) {
    absl::StatusOr<std::string> schedstat = Slurp(task.path().string() + "/schedstat");
    if (!schedstat.ok()) continue;  // the thread exited meanwhile
    int64_t ns = 0;
    const std::string first = schedstat->substr(0, schedstat->find(' '));
    if (absl::SimpleAtoi(first, &ns)) {
      cpu.run_ns += ns;
      ++cpu.threads;
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list /proc/", pid, "/task"));
  return cpu;
}

double TicksToMs(int64_t ticks) {
  return 1000.0 * static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace resizelet::bench
