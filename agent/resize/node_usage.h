// What the other pods on the node hold, as plain integers, so that admitting a resize costs a few
// comparisons (no per-decision walk over 250 pod objects, no allocation).
//
// A pod counts with its *allocated* requests (KEP-1287: resizes are admitted against the other
// pods' allocations, not their specs). Sources, in order of preference: resizelet's checkpoint
// (the caller passes that CpuMemory directly); per container status.containerStatuses[]
// .allocatedResources, else .resources.requests, else the spec; at pod level
// status.allocatedResources, else spec.resources; plus overhead. Pods in phase Succeeded or Failed
// do not count; pods being deleted count until they are gone.
#ifndef RESIZELET_AGENT_RESIZE_NODE_USAGE_H_
#define RESIZELET_AGENT_RESIZE_NODE_USAGE_H_

#include <cstdint>
#include <optional>

#include "agent/api/objects.h"
#include "agent/resize/pod_resources.h"

namespace resizelet::resize {

// The requests `pod` holds on the node according to its status (see above); nullopt when it holds
// none (terminal phase).
std::optional<CpuMemory> AllocatedRequestsFromStatus(const api::Pod& pod);

// The pod with its spec resources replaced by what its status says is allocated (the kubelet's
// UpdatePodFromAllocation applied to the API's view). Used for pods without a checkpoint entry.
api::Pod AllocatedPodFromStatus(const api::Pod& pod);

// The sum of the other pods' allocated requests. Keep one per node and Add/Remove a pod's
// CpuMemory as pods come, change and go; subtract the resizing pod's own share before admitting.
struct NodeUsage {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  void Add(const CpuMemory& r);
  void Remove(const CpuMemory& r);
  friend bool operator==(const NodeUsage&, const NodeUsage&) = default;
};

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_NODE_USAGE_H_
