// SdNotifier: the Notifier over libsystemd's sd_notify(). Without $NOTIFY_SOCKET (not started by
// systemd with Type=notify) every call is a no-op that returns OK. The environment is read at
// each call, not cached, so tests can point it at their own socket.
#ifndef RESIZELET_SYSTEMD_SD_NOTIFIER_H_
#define RESIZELET_SYSTEMD_SD_NOTIFIER_H_

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "systemd/notifier.h"

namespace resizelet::systemd {

class SdNotifier : public Notifier {
 public:
  absl::Status Ready() override;
  absl::Status Status(std::string_view text) override;
  absl::Status Stopping() override;
  absl::Status Watchdog() override;
  std::chrono::microseconds WatchdogInterval() const override;

 private:
  absl::Status Send(const std::string& state);
};

}  // namespace resizelet::systemd

#endif  // RESIZELET_SYSTEMD_SD_NOTIFIER_H_
