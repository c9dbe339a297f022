// The JSON summary the kubelet puts in its resize events (allocation manager,
// pkg/kubelet/allocation): `{"initContainers":[...],"containers":[{"name":"c1","resources":
// {"limits":{...},"requests":{"cpu":"500m"}}}],"generation":2,"error":"..."}`, with Go's field
// order (limits before requests, resource names sorted) and canonical quantities.
#ifndef RESIZELET_AGENT_RECONCILE_RESIZE_SUMMARY_H_
#define RESIZELET_AGENT_RECONCILE_RESIZE_SUMMARY_H_

#include <string>
#include <string_view>

#include "agent/api/objects.h"

namespace resizelet::reconcile {

// The summary of `pod`'s spec resources; `error` is added when not empty.
std::string ResizeSummaryJson(const api::Pod& pod, std::string_view error = {});

// The event messages: "Pod resize started: {...}", "Pod resize completed: {...}",
// "Pod resize Deferred: {...}", "Pod resize Infeasible: {...}", "Pod resize error: {...}".
std::string ResizeEventMessage(std::string_view prefix, const api::Pod& pod,
                               std::string_view error = {});

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_RESIZE_SUMMARY_H_
