// The metrics hook: every runtime call reports its method, outcome and duration.
#ifndef RESIZELET_CRI_CALL_OBSERVER_H_
#define RESIZELET_CRI_CALL_OBSERVER_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace resizelet::cri {

// Implemented by the metrics component (a histogram per method and code, like the kubelet's
// kubelet_runtime_operations_duration_seconds / _errors_total). Called once per RPC attempt,
// from the calling thread, after the attempt ends; must be thread-safe and must not block.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // `method` is the CRI method name ("UpdateContainerResources"); `code` is OK on success.
  virtual void OnRuntimeCall(std::string_view method, absl::StatusCode code,
                             absl::Duration duration) = 0;
};

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_CALL_OBSERVER_H_
