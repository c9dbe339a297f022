// Runs a resize's plan (resize::MakePlan) on the node: pod cgroup steps through the CgroupDriver,
// container steps through the CRI, in the kubelet's order (doPodResizeAction, facts.md §5), then
// reads everything back.
//
// Failure semantics, as the kubelet's resizeContainers / doPodResizeAction:
//   - memory first, then CPU; a failure of one resource ends the resize after that resource;
//   - a failed container decrease: the other decreases of that resource are still tried, the pod
//     shrink and every increase of that resource are skipped;
//   - a failed pod cgroup write ends the resize at once;
//   - a container memory decrease is preceded by a usage check (the kubelet's best-effort check,
//     message `attempting to set container "<c>" memory limit (<new>) below current usage
//     (<usage>)`); a runtime's own below-usage refusal (cgroup v1) gets the same message; the pod
//     cgroup's shrink is guarded by the driver.
// A container whose changed resource has `resizePolicy: RestartContainer` is stopped through the
// CRI before the other steps (the kubelet kills before it resizes) and the kubelet starts it with
// the new spec. UpdatePodSandboxResources follows a pod cgroup change, best effort (KEP-1287).
// Every call is idempotent: a repeated pass finds the runtime at the target and sends nothing.
#ifndef RESIZELET_AGENT_RECONCILE_ACTUATOR_H_
#define RESIZELET_AGENT_RECONCILE_ACTUATOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/api/objects.h"
#include "agent/reconcile/container_stopper.h"
#include "agent/reconcile/read_back.h"
#include "agent/resize/plan.h"
#include "cgroups/cgroup_driver.h"
#include "cgroups/memory_shrink_guard.h"
#include "cri/runtime_client.h"

namespace resizelet::reconcile {

struct ActuatorOptions {
  ReadBackOptions read_back;
  cgroups::MemoryShrinkOptions shrink;
  absl::Duration stop_grace = absl::Seconds(30);
};

struct ActuationResult {
  // OK, or the resize's Error: the message goes to PodResizeInProgress reason Error.
  absl::Status status;
  std::vector<resize::PlanStep> done;
  std::vector<resize::PlanStep> skipped;
  std::vector<std::string> stopped;  // containers stopped for RestartContainer
  int container_updates = 0;         // UpdateContainerResources calls that reached the runtime
  bool sandbox_updated = false;
  ReadBack read_back;  // valid when status is OK
};

class Actuator {
 public:
  // `stopper` may be null: then a RestartContainer step is an Error.
  Actuator(cgroups::CgroupDriver* driver, cri::RuntimeClient* runtime, ContainerStopper* stopper,
           ActuatorOptions options);

  // Takes the pod from `current` (what its cgroups hold) to `target` (the newly allocated pod).
  ActuationResult Actuate(const api::Pod& current, const api::Pod& target,
                          const PodLocation& where);

 private:
  absl::Status ApplyPodStep(const resize::PlanStep& step, const api::Pod& target,
                            const PodLocation& where);
  absl::Status ApplyContainerStep(const resize::PlanStep& step, const api::Pod& target,
                                  const ContainerHandle& container, ActuationResult& result);
  absl::Status CheckContainerMemory(const ContainerHandle& container, int64_t new_limit);

  cgroups::CgroupDriver* const driver_;
  cri::RuntimeClient* const runtime_;
  ContainerStopper* const stopper_;
  const ActuatorOptions options_;
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_ACTUATOR_H_
