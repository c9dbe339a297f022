#include "systemd/sd_notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace resizelet::systemd {

absl::Status SdNotifier::Send(const std::string& state) {
  // unset_environment=0: the daemon keeps notifying for its whole life.
  const int r = sd_notify(0, state.c_str());
  if (r < 0) {
    return absl::UnavailableError(absl::StrCat("sd_notify(\"", state, "\"): ", std::strerror(-r)));
  }
  return absl::OkStatus();
}

absl::Status SdNotifier::Ready() { return Send("READY=1"); }

absl::Status SdNotifier::Status(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return Send(absl::StrCat("STATUS=", line));
}

absl::Status SdNotifier::Stopping() { return Send("STOPPING=1"); }

absl::Status SdNotifier::Watchdog() { return Send("WATCHDOG=1"); }

std::chrono::microseconds SdNotifier::WatchdogInterval() const {
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) is this process.
  if (sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(usec / 2);
}

}  // namespace resizelet::systemd
