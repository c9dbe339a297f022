// Request bodies resizelet sends to the API server (pure functions, no I/O): strategic-merge
// status patches for the resize conditions and the legacy status.resize field, core/v1 Events and
// their repeat patches. Every pod patch carries the pod UID as a precondition, so a recreated pod
// of the same name is never patched (the apiserver answers 409).
#ifndef RESIZELET_AGENT_KUBE_PATCH_BODIES_H_
#define RESIZELET_AGENT_KUBE_PATCH_BODIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "agent/api/objects.h"

namespace resizelet::kube {

inline constexpr char kPodResizePending[] = "PodResizePending";
inline constexpr char kPodResizeInProgress[] = "PodResizeInProgress";

struct PodRef {
  std::string namespace_name;
  std::string name;
  std::string uid;
};

struct ConditionValue {
  std::string reason;  // PodResizePending: "Deferred" / "Infeasible"; InProgress: "" or "Error"
  std::string message;
};

// The resize conditions a pod should carry; an absent one is deleted from the pod.
struct ResizeConditions {
  std::optional<ConditionValue> pending;
  std::optional<ConditionValue> in_progress;
  // Written as observedGeneration when set (the API has the field from 1.34).
  std::optional<int64_t> observed_generation;
};

// JSON string literal for `s` (quotes included).
std::string JsonQuote(std::string_view s);

// RFC 3339 UTC, seconds precision.
std::string Rfc3339(absl::Time t);

// `{"metadata":{"uid":...},"status":{"conditions":[...]}}` for
// application/strategic-merge-patch+json: conditions merge by `type`, so other owners' conditions
// stay. lastTransitionTime is kept from `current` when the condition is already True (it changes
// only when the status flips).
std::string ResizeConditionsPatch(const PodRef& pod, const ResizeConditions& conditions,
                                  const std::vector<api::PodCondition>& current,
                                  std::string_view now_rfc3339);

// `{"metadata":{"uid":...},"status":{"resize":"Deferred"}}`; empty `value` clears the field.
std::string LegacyResizePatch(const PodRef& pod, std::string_view value);

struct EventFields {
  std::string name;  // <pod>.<hex unix nanos>, client-go's convention
  PodRef pod;
  std::string type;    // Normal / Warning
  std::string reason;  // ResizeStarted, ...
  std::string message;
  std::string component;  // resizelet
  std::string host;       // the node
  std::string first_timestamp;
  std::string last_timestamp;
  int count = 1;
};

std::string EventBody(const EventFields& event);
// The strategic-merge patch client-go's EventCorrelator sends for a repeat.
std::string EventRepeatPatch(int count, std::string_view last_timestamp);

// Percent-encodes a query value.
std::string UrlEncode(std::string_view s);

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_PATCH_BODIES_H_
