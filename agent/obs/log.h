// Structured logging for the whole daemon, in the two formats Kubernetes components write
// (KEP-1602 "Structured Logging"): klog's text format and component-base's JSON lines.
//
// This header is deliberately light (no spdlog, no fmt): every component may include it. The one
// translation unit that includes spdlog is log.cc, because spdlog with fmt 9 costs seconds of
// compile time per file that includes it (docs/architecture.md, "House style").
//
//   obs::Info("Resize admitted", {{"pod", "ns/name"}, {"podUID", uid}, {"containers", 2}});
//   obs::Error(status, "Failed to update container resources", {{"containerID", id}});
//   if (obs::VEnabled(4)) obs::VInfo(4, "Watch event", {{"type", "MODIFIED"}});
//
// Text (klog, `Lmmdd hh:mm:ss.uuuuuu threadid file:line] "msg" key="value" ...`):
//   I1128 23:40:01.123456   12345 reconciler.cc:42] "Resize admitted" pod="ns/name" containers=2
// JSON (component-base/logs/json: "ts" in seconds since the epoch, "v" on info lines only, errors
// carry "err" instead):
//   {"ts":1764373201.123456,"caller":"reconciler.cc:42","msg":"Resize admitted","v":0,...}
//
// Thread-safe. Lines are written whole (one write per line), so concurrent loggers never
// interleave within a line.
#ifndef RESIZELET_AGENT_OBS_LOG_H_
#define RESIZELET_AGENT_OBS_LOG_H_

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace resizelet::obs {

enum class Severity { kInfo, kWarning, kError };

// The caller's file and line. Not std::source_location: clang 14 (the fuzz and sanitizer builds)
// cannot compile libstdc++ 12's <source_location>; the builtins work in both compilers and, as
// default arguments, name the line of the logging call.
struct SourceLocation {
  static constexpr SourceLocation Current(const char* file = __builtin_FILE(),
                                          int line = __builtin_LINE()) {
    return SourceLocation{file, line};
  }
  const char* file;
  int line;
};

enum class LogFormat { kText, kJson };

// One key/value pair of a structured log line. Strings are quoted (text) or JSON strings (JSON);
// integers, floating point numbers and booleans are written bare; an absl::Status is written as
// its ToString() ("OK" when ok).
//
// A Field refers to, and does not copy, the strings and status it was built from: build Fields
// inside the logging call's argument list, where every temporary outlives the call.
class Field {
 public:
  enum class Kind { kString, kInt, kUint, kDouble, kBool, kStatus };

  Field(std::string_view key, std::string_view value)
      : key_(key), kind_(Kind::kString), str_(value) {}
  Field(std::string_view key, const char* value)
      : key_(key), kind_(Kind::kString), str_(value == nullptr ? "" : value) {}
  Field(std::string_view key, const std::string& value)
      : key_(key), kind_(Kind::kString), str_(value) {}
  template <std::signed_integral T>
  requires(!std::same_as<T, bool>) Field(std::string_view key, T value)
      : key_(key), kind_(Kind::kInt), int_(value) {}
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) Field(std::string_view key, T value)
      : key_(key), kind_(Kind::kUint), uint_(value) {}
  Field(std::string_view key, double value) : key_(key), kind_(Kind::kDouble), double_(value) {}
  Field(std::string_view key, bool value) : key_(key), kind_(Kind::kBool), bool_(value) {}
  Field(std::string_view key, const absl::Status& value)
      : key_(key), kind_(Kind::kStatus), status_(&value) {}

  std::string_view key() const { return key_; }
  Kind kind() const { return kind_; }
  std::string_view string_value() const { return str_; }
  int64_t int_value() const { return int_; }
  uint64_t uint_value() const { return uint_; }
  double double_value() const { return double_; }
  bool bool_value() const { return bool_; }
  const absl::Status& status_value() const { return *status_; }

 private:
  std::string_view key_;
  Kind kind_;
  std::string_view str_;
  union {
    int64_t int_ = 0;
    uint64_t uint_;
    double double_;
    bool bool_;
    const absl::Status* status_;
  };
};

using Fields = std::initializer_list<Field>;

// Receives each formatted line, without its trailing newline. Send() may be called from any
// thread, one call at a time.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Send(std::string_view line) = 0;
};

struct LogOptions {
  LogFormat format = LogFormat::kText;
  // klog's -v: VInfo(v, ...) lines are written when v <= verbosity. Info, Warning and Error are
  // always written.
  int verbosity = 0;
  // Where lines go; nullptr means standard error (a container runtime or journald collects it).
  std::shared_ptr<LogSink> sink;
  // The time stamped on each line; unset means the system clock. Tests set a fixed time.
  std::function<std::chrono::system_clock::time_point()> now;
};

// Replaces the logging configuration. Safe to call at any time, e.g. once the config file is
// read; lines logged before the first call go to standard error in text format at -v 0.
void ConfigureLogging(LogOptions options);

// Parses "text" or "json".
absl::Status ParseLogFormat(std::string_view text, LogFormat* format);

namespace internal {
extern std::atomic<int> verbosity;
void Write(Severity severity, int v, const absl::Status* err, std::string_view msg, Fields fields,
           const SourceLocation& loc);
}  // namespace internal

// True when VInfo(v, ...) would write. A relaxed atomic load: cheap enough to guard building
// expensive fields on hot paths.
inline bool VEnabled(int v) { return v <= internal::verbosity.load(std::memory_order_relaxed); }

inline void Info(std::string_view msg, Fields fields = {},
                 const SourceLocation& loc = SourceLocation::Current()) {
  internal::Write(Severity::kInfo, 0, nullptr, msg, fields, loc);
}

// klog's V(v).InfoS: dropped unless the verbosity is at least v.
inline void VInfo(int v, std::string_view msg, Fields fields = {},
                  const SourceLocation& loc = SourceLocation::Current()) {
  if (VEnabled(v)) internal::Write(Severity::kInfo, v, nullptr, msg, fields, loc);
}

inline void Warning(std::string_view msg, Fields fields = {},
                    const SourceLocation& loc = SourceLocation::Current()) {
  internal::Write(Severity::kWarning, 0, nullptr, msg, fields, loc);
}

// klog's ErrorS(err, msg, kv...): the status becomes the `err` field.
inline void Error(const absl::Status& err, std::string_view msg, Fields fields = {},
                  const SourceLocation& loc = SourceLocation::Current()) {
  internal::Write(Severity::kError, 0, &err, msg, fields, loc);
}

// The generic form, for callers that choose the severity at run time.
inline void Log(Severity severity, std::string_view msg, Fields fields = {},
                const SourceLocation& loc = SourceLocation::Current()) {
  internal::Write(severity, 0, nullptr, msg, fields, loc);
}

}  // namespace resizelet::obs

#endif  // RESIZELET_AGENT_OBS_LOG_H_
