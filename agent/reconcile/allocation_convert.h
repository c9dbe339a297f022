// Between the API's view of a pod's resources and the allocation checkpoint's plain integers
// (state::AllocatedResources), as the kubelet's allocation manager keeps the allocated pod spec
// and applies it onto the API's pod (UpdatePodFromAllocation).
#ifndef RESIZELET_AGENT_RECONCILE_ALLOCATION_CONVERT_H_
#define RESIZELET_AGENT_RECONCILE_ALLOCATION_CONVERT_H_

#include "agent/api/objects.h"
#include "agent/state/allocation.h"

namespace resizelet::reconcile {

// The pod's spec resources (containers, init containers, pod level) at its generation.
state::AllocatedResources ToAllocated(const api::Pod& pod);

// `pod` with its spec resources replaced by `allocated` (containers it does not name keep theirs).
api::Pod ApplyAllocated(const api::Pod& pod, const state::AllocatedResources& allocated);

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_ALLOCATION_CONVERT_H_
