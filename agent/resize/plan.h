// The ordered steps that take a pod's cgroups from one allocation to the next, as the kubelet's
// doPodResizeAction (pkg/kubelet/kuberuntime/kuberuntime_manager.go; KEP-1287, KEP-5419) orders
// them. Memory first, then CPU; for each resource, comparing the pod cgroup's limit (memory.max;
// cpu.max quota) and request (cpu shares) of the allocated and the desired pod:
//   1. pod limit increases   → write the pod cgroup limit;
//   2. pod request decreases → write the pod cgroup request;
//   3. containers whose value of this resource changes, decreases before increases (a container's
//      direction is that of its limit when the limit changes, else that of its request);
//   4. pod limit decreases   → write the pod cgroup limit;
//   5. pod request increases → write the pod cgroup request.
// An unset limit is +infinity ("max"). Values are compared in the runtime's units (shares, quota
// µs, bytes), so a change that rounds to the same value (1m → 2m: 2 shares both) is no step
// (kubernetes#114123). A memory request change alone touches no cgroup, hence no step. Containers
// inherit the pod-level limit when they have none (KEP-2837), so a pod-level limit change also
// resizes them. Non-sidecar init containers are not running and get no step.
//
// The caller runs the steps in order; when a container decrease fails it still tries the other
// decreases of that resource but skips the pod shrink and all increases of that resource.
#ifndef RESIZELET_AGENT_RESIZE_PLAN_H_
#define RESIZELET_AGENT_RESIZE_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/api/objects.h"
#include "cgroups/cpu_math.h"

namespace resizelet::resize {

enum class StepAction { kResizePodCgroup, kResizeContainer };
enum class StepResource { kMemory, kCpu };
enum class StepField { kLimit, kRequest };
enum class StepDirection { kIncrease, kDecrease };

struct PlanStep {
  StepAction action = StepAction::kResizePodCgroup;
  std::string target;  // "pod" or the container's name
  StepResource resource = StepResource::kMemory;
  StepField field = StepField::kLimit;
  StepDirection direction = StepDirection::kIncrease;
  // The value before and after in runtime units: bytes (memory limit), quota µs (cpu limit),
  // shares (cpu request); nullopt is unlimited.
  std::optional<int64_t> from;
  std::optional<int64_t> to;

  // "resize-pod-cgroup pod memory limit increase", "resize-container c2 cpu request decrease".
  std::string ToString() const;
  friend bool operator==(const PlanStep&, const PlanStep&) = default;
};

struct PlanOptions {
  bool enforce_cpu_limits = true;
  int64_t cpu_period = cgroups::kQuotaPeriodUs;
};

// The steps from `allocated` (what the cgroups hold now) to `desired` (the newly allocated pod).
std::vector<PlanStep> MakePlan(const api::Pod& allocated, const api::Pod& desired,
                               const PlanOptions& options = {});

}  // namespace resizelet::resize

#endif  // RESIZELET_AGENT_RESIZE_PLAN_H_
