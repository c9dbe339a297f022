// The only translation unit of the project that includes spdlog (docs/architecture.md): spdlog
// provides the thread-safe sinks and whole-line writes; the klog and JSON line layouts are built
// here with fmt, which ships with spdlog.
#include "agent/obs/log.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <mutex>
#include <utility>

#include "spdlog/details/log_msg.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/sinks/stdout_sinks.h"

namespace resizelet::obs {
namespace internal {
std::atomic<int> verbosity{0};
}  // namespace internal

namespace {

using Buffer = fmt::memory_buffer;

// Forwards spdlog's already formatted payload to a LogSink. base_sink<std::mutex> serializes
// calls, which is the LogSink contract.
class ForwardingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ForwardingSink(std::shared_ptr<LogSink> target) : sink_(std::move(target)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    sink_->Send(std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::shared_ptr<LogSink> sink_;
};

struct State {
  LogFormat format = LogFormat::kText;
  std::function<std::chrono::system_clock::time_point()> now;
  std::shared_ptr<spdlog::logger> logger;
};

std::shared_ptr<State> MakeState(LogOptions options) {
  auto state = std::make_shared<State>();
  state->format = options.format;
  state->now = std::move(options.now);
  spdlog::sink_ptr sink;
  if (options.sink != nullptr) {
    sink = std::make_shared<ForwardingSink>(std::move(options.sink));
  } else {
    // Standard error, unbuffered per line: a crash loses no line already logged.
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  sink->set_pattern("%v");
  state->logger = std::make_shared<spdlog::logger>("resizelet", std::move(sink));
  state->logger->set_level(spdlog::level::trace);
  state->logger->flush_on(spdlog::level::trace);
  return state;
}

std::mutex& StateMutex() {
  static std::mutex mu;
  return mu;
}

std::shared_ptr<State>& CurrentStateLocked() {
  static std::shared_ptr<State> state = MakeState(LogOptions{});
  return state;
}

std::shared_ptr<State> CurrentState() {
  std::lock_guard<std::mutex> lock(StateMutex());
  return CurrentStateLocked();
}

// The kernel thread id, as glog prints it (klog prints the pid: Go has no thread ids). Cached:
// a syscall per line would cost more than the formatting.
long ThreadId() {
  thread_local long tid = static_cast<long>(syscall(SYS_gettid));
  return tid;
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// One byte below 0x80 inside a quoted string: the escapes Go's strconv.Quote and JSON share, and
// other control bytes as \xNN (Go, which also escapes DEL) or \u00NN (JSON).
enum class Quoting { kGo, kJson };
void AppendAsciiEscaped(Buffer& out, unsigned char c, Quoting quoting) {
  switch (c) {
    case '"':
      out.append(std::string_view("\\\""));
      return;
    case '\\':
      out.append(std::string_view("\\\\"));
      return;
    case '\n':
      out.append(std::string_view("\\n"));
      return;
    case '\r':
      out.append(std::string_view("\\r"));
      return;
    case '\t':
      out.append(std::string_view("\\t"));
      return;
    default:
      break;
  }
  if (quoting == Quoting::kGo && (c < 0x20 || c == 0x7f)) {
    fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
  } else if (quoting == Quoting::kJson && c < 0x20) {
    fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
  } else {
    out.push_back(static_cast<char>(c));
  }
}

// Go's strconv.Quote, which klog uses for string values and the message: printable bytes as they
// are (UTF-8 passes through), the usual backslash escapes, other control bytes as \xNN.
void AppendQuoted(Buffer& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) AppendAsciiEscaped(out, c, Quoting::kGo);
  out.push_back('"');
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// A JSON string; invalid UTF-8 (log values may come from hostile input) becomes U+FFFD so every
// line stays valid JSON.
void AppendJsonString(Buffer& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        fmt::format_to(std::back_inserter(out), "\\ufffd");
        ++i;
      } else {
        out.append(s.data() + i, s.data() + i + n);
        i += n;
      }
      continue;
    }
    AppendAsciiEscaped(out, c, Quoting::kJson);
    ++i;
  }
  out.push_back('"');
}

void AppendValue(Buffer& out, const Field& f, bool json) {
  auto string_value = [&](std::string_view s) {
    json ? AppendJsonString(out, s) : AppendQuoted(out, s);
  };
  switch (f.kind()) {
    case Field::Kind::kString:
      string_value(f.string_value());
      break;
    case Field::Kind::kInt:
      fmt::format_to(std::back_inserter(out), "{}", f.int_value());
      break;
    case Field::Kind::kUint:
      fmt::format_to(std::back_inserter(out), "{}", f.uint_value());
      break;
    case Field::Kind::kDouble:
      if (!std::isfinite(f.double_value())) {
        // Go's spelling; JSON has no NaN or infinity literal, so there it is a string.
        double d = f.double_value();
        std::string_view name = std::isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf";
        json ? AppendJsonString(out, name) : out.append(name.data(), name.data() + name.size());
      } else {
        fmt::format_to(std::back_inserter(out), "{}", f.double_value());
      }
      break;
    case Field::Kind::kBool:
      fmt::format_to(std::back_inserter(out), "{}", f.bool_value() ? "true" : "false");
      break;
    case Field::Kind::kStatus:
      string_value(f.status_value().ToString());
      break;
  }
}

void FormatText(Buffer& out, std::chrono::system_clock::time_point now, Severity severity,
                const absl::Status* err, std::string_view msg, Fields fields,
                const SourceLocation& loc) {
  auto since_epoch = now.time_since_epoch();
  auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - secs).count();
  std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  // UTC rather than klog's local time: nodes and containers disagree on local zones, and a
  // log collector joins lines from many nodes.
  gmtime_r(&t, &tm);
  char letter = severity == Severity::kInfo ? 'I' : severity == Severity::kWarning ? 'W' : 'E';
  fmt::format_to(std::back_inserter(out), "{}{:02}{:02} {:02}:{:02}:{:02}.{:06} {:7} {}:{}] ",
                 letter, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros,
                 ThreadId(), Basename(loc.file), loc.line);
  AppendQuoted(out, msg);
  if (err != nullptr) {
    fmt::format_to(std::back_inserter(out), " err=");
    AppendQuoted(out, err->ToString());
  }
  for (const Field& f : fields) {
    out.push_back(' ');
    out.append(f.key().data(), f.key().data() + f.key().size());
    out.push_back('=');
    AppendValue(out, f, /*json=*/false);
  }
}

void FormatJson(Buffer& out, std::chrono::system_clock::time_point now, int v,
                const absl::Status* err, std::string_view msg, Fields fields,
                const SourceLocation& loc) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  auto secs = micros / 1000000;
  auto frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  fmt::format_to(std::back_inserter(out), "{{\"ts\":{}.{:06},\"caller\":", secs, frac);
  AppendJsonString(out, fmt::format("{}:{}", Basename(loc.file), loc.line));
  fmt::format_to(std::back_inserter(out), ",\"msg\":");
  AppendJsonString(out, msg);
  // component-base's JSON logger: info lines carry their verbosity, error lines the error.
  if (err != nullptr) {
    fmt::format_to(std::back_inserter(out), ",\"err\":");
    AppendJsonString(out, err->ToString());
  } else {
    fmt::format_to(std::back_inserter(out), ",\"v\":{}", v);
  }
  for (const Field& f : fields) {
    out.push_back(',');
    AppendJsonString(out, f.key());
    out.push_back(':');
    AppendValue(out, f, /*json=*/true);
  }
  out.push_back('}');
}

}  // namespace

void ConfigureLogging(LogOptions options) {
  int v = options.verbosity;
  auto state = MakeState(std::move(options));
  {
    std::lock_guard<std::mutex> lock(StateMutex());
    CurrentStateLocked() = std::move(state);
  }
  internal::verbosity.store(v, std::memory_order_relaxed);
}

absl::Status ParseLogFormat(std::string_view text, LogFormat* format) {
  if (text == "text") {
    *format = LogFormat::kText;
  } else if (text == "json") {
    *format = LogFormat::kJson;
  } else {
    return absl::InvalidArgumentError(
        fmt::format("unknown log format \"{}\" (want \"text\" or \"json\")", text));
  }
  return absl::OkStatus();
}

namespace internal {

void Write(Severity severity, int v, const absl::Status* err, std::string_view msg, Fields fields,
           const SourceLocation& loc) {
  std::shared_ptr<State> state = CurrentState();
  auto now = state->now ? state->now() : std::chrono::system_clock::now();
  Buffer line;
  if (state->format == LogFormat::kJson) {
    FormatJson(line, now, v, err, msg, fields, loc);
  } else {
    FormatText(line, now, severity, err, msg, fields, loc);
  }
  auto level = severity == Severity::kInfo      ? spdlog::level::info
               : severity == Severity::kWarning ? spdlog::level::warn
                                                : spdlog::level::err;
  state->logger->log(level, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace internal
}  // namespace resizelet::obs
