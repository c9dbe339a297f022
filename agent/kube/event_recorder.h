// Emits core/v1 Events about pods (source component "resizelet", host = the node), on the
// client's event rate-limit bucket. Repeats of the same (pod UID, type, reason, message) within
// `aggregation_window` patch the existing event's count and lastTimestamp, as client-go's
// EventCorrelator does, instead of creating new objects.
#ifndef RESIZELET_AGENT_KUBE_EVENT_RECORDER_H_
#define RESIZELET_AGENT_KUBE_EVENT_RECORDER_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/kube/kube_client.h"
#include "agent/kube/patch_bodies.h"
#include "agent/runtime/clock.h"

namespace resizelet::kube {

inline constexpr char kEventNormal[] = "Normal";
inline constexpr char kEventWarning[] = "Warning";

class EventRecorder {
 public:
  // `clock` (not owned) dates the events and measures the aggregation window.
  EventRecorder(KubeClient* client, runtime::Clock* clock, std::string host,
                std::string component = "resizelet",
                absl::Duration aggregation_window = absl::Minutes(10));

  absl::Status Record(const PodRef& pod, std::string_view type, std::string_view reason,
                      std::string_view message);

 private:
  struct Seen {
    std::string name;
    std::string first_timestamp;
    int count = 0;
    absl::Time last;
  };
  absl::Status Create(const PodRef& pod, std::string_view type, std::string_view reason,
                      std::string_view message, Seen& seen);

  static constexpr size_t kMaxRemembered = 4096;
  KubeClient* const client_;
  runtime::Clock* const clock_;
  const std::string host_;
  const std::string component_;
  const absl::Duration window_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;
  int64_t last_name_nanos_ = 0;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_EVENT_RECORDER_H_
