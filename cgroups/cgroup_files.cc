#include "cgroups/cgroup_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace resizelet::cgroups {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

absl::StatusOr<PressureLine> ParsePressureLine(std::string_view fields, std::string_view line) {
  PressureLine out;
  int seen = 0;
  for (absl::string_view f :
       absl::StrSplit(absl::string_view(fields.data(), fields.size()), ' ', absl::SkipEmpty())) {
    std::string_view kv(f.data(), f.size());
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = kv.substr(0, eq);
    std::string value(kv.substr(eq + 1));
    char* end = nullptr;
    if (key == "total") {
      if (!ParseNumber(std::string_view(value), out.total_usec)) break;
      ++seen;
      continue;
    }
    double d = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size()) break;
    if (key == "avg10") {
      out.avg10 = d;
      ++seen;
    } else if (key == "avg60") {
      out.avg60 = d;
      ++seen;
    } else if (key == "avg300") {
      out.avg300 = d;
      ++seen;
    }
  }
  if (seen != 4)
    return absl::InvalidArgumentError(absl::StrCat("malformed PSI line: ", ToAbsl(line)));
  return out;
}

}  // namespace

absl::StatusOr<std::string> ReadCgroupFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = absl::StrCat("read ", path, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
    return absl::UnavailableError(msg);
  }
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("read ", path, ": ", std::strerror(err)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<int64_t> ParseIntOrMax(std::string_view text) {
  std::string_view t = Trim(text);
  if (t == "max") return kUnlimited;
  int64_t v = 0;
  if (!ParseNumber(t, v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an integer or \"max\": \"", ToAbsl(t), "\""));
  }
  return v;
}

absl::StatusOr<uint64_t> ParseUint(std::string_view text) {
  std::string_view t = Trim(text);
  uint64_t v = 0;
  if (!ParseNumber(t, v)) {
    return absl::InvalidArgumentError(absl::StrCat("not an unsigned integer: \"", ToAbsl(t), "\""));
  }
  return v;
}

absl::StatusOr<CpuMax> ParseCpuMax(std::string_view text) {
  std::string_view t = Trim(text);
  size_t sp = t.find(' ');
  if (sp == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("malformed cpu.max: \"", ToAbsl(t), "\""));
  }
  CpuMax out;
  absl::StatusOr<int64_t> quota = ParseIntOrMax(t.substr(0, sp));
  absl::StatusOr<uint64_t> period = ParseUint(t.substr(sp + 1));
  if (!quota.ok() || !period.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed cpu.max: \"", ToAbsl(t), "\""));
  }
  out.quota_usec = *quota;
  out.period_usec = *period;
  return out;
}

absl::StatusOr<uint64_t> ParseKeyedValue(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || line.substr(0, sp) != key) continue;
    return ParseUint(line.substr(sp + 1));
  }
  return absl::NotFoundError(absl::StrCat("key \"", ToAbsl(key), "\" not present"));
}

absl::StatusOr<Pressure> ParsePressure(std::string_view text) {
  Pressure out;
  bool have_some = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("malformed PSI line: ", ToAbsl(line)));
    }
    std::string_view kind = line.substr(0, sp);
    absl::StatusOr<PressureLine> parsed = ParsePressureLine(line.substr(sp + 1), line);
    if (!parsed.ok()) return parsed.status();
    if (kind == "some") {
      out.some = *parsed;
      have_some = true;
    } else if (kind == "full") {
      out.full = *parsed;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown PSI line: ", ToAbsl(line)));
    }
  }
  if (!have_some) return absl::InvalidArgumentError("PSI file has no \"some\" line");
  return out;
}

std::string FormatIntOrMax(int64_t v) { return v < 0 ? "max" : std::to_string(v); }

std::string FormatCpuMax(const CpuMax& v) {
  return absl::StrCat(FormatIntOrMax(v.quota_usec), " ", v.period_usec);
}

absl::Status WriteError(const std::string& path, std::string_view value, int err) {
  std::string msg =
      absl::StrCat("write \"", ToAbsl(value), "\" to ", path, ": ", std::strerror(err));
  switch (err) {
    case EBUSY:
      return absl::FailedPreconditionError(msg);
    case EINVAL:
    case ERANGE:
      return absl::InvalidArgumentError(msg);
    case ENOENT:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(msg);
    case EAGAIN:
      return absl::ResourceExhaustedError(msg);
    default:
      return absl::UnknownError(msg);
  }
}

absl::Status DirectFileWriter::Write(const Target& target, std::string_view value) {
  std::string path = absl::StrCat(target.mount_dir, target.cgroup_name, "/", target.file);
  // No O_CREAT: an interface file that does not exist means a missing cgroup or controller.
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_TRUNC);
  if (fd < 0) return WriteError(path, value, errno);
  ssize_t n;
  do {
    n = ::write(fd, value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : 0;
  ::close(fd);
  if (n < 0) return WriteError(path, value, err);
  if (static_cast<size_t>(n) != value.size()) return WriteError(path, value, EIO);
  return absl::OkStatus();
}

}  // namespace resizelet::cgroups
