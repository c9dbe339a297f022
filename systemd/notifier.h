// Notifier: tells the service manager about the daemon's lifecycle (sd_notify(3) protocol).
// READY once the first list/watch is established, STATUS as a one-line summary, STOPPING on
// shutdown, WATCHDOG from the loop that does the work so that a hung loop gets restarted
// (resizelet.service: Type=notify, WatchdogSec=).
#ifndef RESIZELET_SYSTEMD_NOTIFIER_H_
#define RESIZELET_SYSTEMD_NOTIFIER_H_

#include <chrono>
#include <string_view>

#include "absl/status/status.h"

namespace resizelet::systemd {

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual absl::Status Ready() = 0;
  // One line: newlines are replaced by spaces (a newline would start a new assignment).
  virtual absl::Status Status(std::string_view text) = 0;
  virtual absl::Status Stopping() = 0;
  virtual absl::Status Watchdog() = 0;
  // How often Watchdog() must be called: half the manager's WatchdogSec, as sd_watchdog_enabled(3)
  // recommends; zero when no watchdog is configured for this process.
  virtual std::chrono::microseconds WatchdogInterval() const = 0;
};

// Does nothing: for runs outside systemd and for tests of the callers.
class NoopNotifier : public Notifier {
 public:
  absl::Status Ready() override { return absl::OkStatus(); }
  absl::Status Status(std::string_view) override { return absl::OkStatus(); }
  absl::Status Stopping() override { return absl::OkStatus(); }
  absl::Status Watchdog() override { return absl::OkStatus(); }
  std::chrono::microseconds WatchdogInterval() const override {
    return std::chrono::microseconds(0);
  }
};

}  // namespace resizelet::systemd

#endif  // RESIZELET_SYSTEMD_NOTIFIER_H_
