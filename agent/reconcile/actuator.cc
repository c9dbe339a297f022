#include "agent/reconcile/actuator.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/common/status_macros.h"
#include "agent/reconcile/crash_point.h"
#include "agent/resize/container_resources.h"
#include "agent/resize/pod_cgroup_config.h"
#include "cri/cri_errors.h"

namespace resizelet::reconcile {
namespace {

using resize::PlanStep;
using resize::StepAction;
using resize::StepDirection;
using resize::StepField;
using resize::StepResource;

const api::ContainerSpec* FindSpec(const api::Pod& pod, std::string_view name) {
  for (const auto* list : {&pod.containers, &pod.init_containers}) {
    for (const api::ContainerSpec& c : *list) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

bool NeedsRestart(const api::Pod& target, const PlanStep& step) {
  const api::ContainerSpec* spec = FindSpec(target, step.target);
  if (spec == nullptr) return false;
  const api::ResizeRestartPolicy policy =
      step.resource == StepResource::kMemory ? spec->memory_resize_policy : spec->cpu_resize_policy;
  return policy == api::ResizeRestartPolicy::kRestartContainer;
}

cgroups::CgroupValues PodStepValues(const PlanStep& step, const resize::PodCgroupConfig& config) {
  cgroups::CgroupValues v;
  if (step.resource == StepResource::kMemory) {
    v.memory_max_bytes = step.to.value_or(cgroups::kUnlimited);
  } else if (step.field == StepField::kLimit) {
    cgroups::CpuMax max;
    max.quota_usec = step.to.value_or(cgroups::kUnlimited);
    max.period_usec = static_cast<uint64_t>(config.cpu_period.value_or(cgroups::kQuotaPeriodUs));
    v.cpu_max = max;
  } else if (step.to) {
    v.cpu_shares = static_cast<uint64_t>(*step.to);
  }
  return v;
}

// Every value of the pod cgroup config, for converging a pod cgroup left behind by a crash.
cgroups::CgroupValues FullPodValues(const resize::PodCgroupConfig& config) {
  cgroups::CgroupValues v;
  if (config.cpu_shares) v.cpu_shares = static_cast<uint64_t>(*config.cpu_shares);
  if (config.cpu_quota) {
    cgroups::CpuMax max;
    max.quota_usec = *config.cpu_quota > 0 ? *config.cpu_quota : cgroups::kUnlimited;
    max.period_usec = static_cast<uint64_t>(config.cpu_period.value_or(cgroups::kQuotaPeriodUs));
    v.cpu_max = max;
  }
  if (config.memory_limit_bytes && *config.memory_limit_bytes > 0) {
    v.memory_max_bytes = *config.memory_limit_bytes;
  }
  return v;
}

}  // namespace

Actuator::Actuator(cgroups::CgroupDriver* driver, cri::RuntimeClient* runtime,
                   ContainerStopper* stopper, ActuatorOptions options)
    : driver_(driver), runtime_(runtime), stopper_(stopper), options_(std::move(options)) {}

ActuationResult Actuator::Actuate(const api::Pod& current, const api::Pod& target,
                                  const PodLocation& where) {
  ActuationResult result;
  resize::PlanOptions plan_options;
  plan_options.enforce_cpu_limits = options_.read_back.pod_cgroup.enforce_cpu_limits;
  plan_options.cpu_period = options_.read_back.pod_cgroup.cpu_period;
  const std::vector<PlanStep> plan = resize::MakePlan(current, target, plan_options);

  // RestartContainer: stop first, as SyncPod kills before it resizes.
  for (const PlanStep& step : plan) {
    if (step.action != StepAction::kResizeContainer || !NeedsRestart(target, step)) continue;
    if (std::find(result.stopped.begin(), result.stopped.end(), step.target) !=
        result.stopped.end()) {
      continue;
    }
    const ContainerHandle* c = where.Find(step.target);
    if (c == nullptr || !c->running) continue;  // the kubelet starts it with the new spec anyway
    if (stopper_ == nullptr) {
      result.status = absl::FailedPreconditionError(
          absl::StrCat("container \"", step.target, "\" needs a restart to resize"));
      return result;
    }
    absl::Status s = stopper_->StopContainer(c->id, options_.stop_grace);
    if (!s.ok() && !absl::IsNotFound(s)) {
      result.status = absl::Status(s.code(), absl::StrCat("stopping container \"", step.target,
                                                          "\" to resize it: ", s.message()));
      return result;
    }
    result.stopped.push_back(step.target);
  }

  bool pod_cgroup_changed = false;
  for (StepResource resource : {StepResource::kMemory, StepResource::kCpu}) {
    bool failed = false;
    for (const PlanStep& step : plan) {
      if (step.resource != resource) continue;
      if (step.action == StepAction::kResizePodCgroup) {
        if (failed) {
          result.skipped.push_back(step);
          continue;
        }
        absl::Status s = ApplyPodStep(step, target, where);
        if (!s.ok()) {
          result.status = s;
          return result;  // doPodResizeAction returns on a pod cgroup failure
        }
        pod_cgroup_changed = true;
        result.done.push_back(step);
        CrashPointReached(CrashPoint::kAfterPodCgroup);
        continue;
      }
      if (std::find(result.stopped.begin(), result.stopped.end(), step.target) !=
          result.stopped.end()) {
        continue;
      }
      if (failed && step.direction == StepDirection::kIncrease) {
        result.skipped.push_back(step);
        continue;
      }
      const ContainerHandle* c = where.Find(step.target);
      if (c == nullptr || !c->running) {
        // A terminated container takes its new size when the kubelet starts it again: the
        // kubelet "fails open" here.
        result.skipped.push_back(step);
        continue;
      }
      absl::Status s = ApplyContainerStep(step, target, *c, result);
      if (!s.ok()) {
        if (result.status.ok()) result.status = s;
        failed = true;
        continue;
      }
      result.done.push_back(step);
    }
    if (failed) return result;
  }

  // A crash between a container decrease and the pod shrink leaves the pod cgroup behind while
  // the containers already hold the target: the plan from the read-back state no longer shows
  // the shrink, so converge the pod cgroup on its own.
  absl::StatusOr<cgroups::CgroupState> pod_state = driver_->Read(where.pod_cgroup_path);
  if (pod_state.ok() && !VerifyPodCgroup(target, *pod_state, options_.read_back).ok()) {
    const resize::PodCgroupConfig config =
        resize::ResourceConfigForPod(target, options_.read_back.pod_cgroup);
    absl::Status s = driver_->Apply(where.pod_cgroup_path, FullPodValues(config), {});
    if (!s.ok()) {
      result.status = s;
      return result;
    }
    pod_cgroup_changed = true;
    CrashPointReached(CrashPoint::kAfterPodCgroup);
  }

  if (pod_cgroup_changed && !where.sandbox_id.empty()) {
    const resize::PodCgroupConfig config =
        resize::ResourceConfigForPod(target, options_.read_back.pod_cgroup);
    cri::LinuxResources totals;
    totals.cpu_shares = config.cpu_shares.value_or(0);
    totals.cpu_quota = config.cpu_quota.value_or(0);
    totals.cpu_period = config.cpu_period.value_or(0);
    totals.memory_limit_in_bytes = config.memory_limit_bytes.value_or(0);
    absl::StatusOr<cri::UpdateOutcome> outcome =
        runtime_->UpdatePodSandboxResources(where.sandbox_id, cri::LinuxResources{}, totals);
    // Best effort: the pod cgroup is already right; the runtime only learns the totals.
    result.sandbox_updated = outcome.ok() && *outcome == cri::UpdateOutcome::kApplied;
  }

  absl::StatusOr<ReadBack> read = ReadPod(*runtime_, *driver_, where);
  if (!read.ok()) {
    result.status = read.status();
    return result;
  }
  result.status = VerifyReadBack(target, *read, options_.read_back, result.stopped);
  result.read_back = *std::move(read);
  return result;
}

absl::Status Actuator::ApplyPodStep(const PlanStep& step, const api::Pod& target,
                                    const PodLocation& where) {
  const resize::PodCgroupConfig config =
      resize::ResourceConfigForPod(target, options_.read_back.pod_cgroup);
  absl::Status s = driver_->Apply(where.pod_cgroup_path, PodStepValues(step, config), {});
  if (s.ok() || absl::IsFailedPrecondition(s)) return s;  // the guard's message is the kubelet's
  return absl::Status(
      s.code(), absl::StrCat("resizing the pod cgroup (", step.ToString(), "): ", s.message()));
}

absl::Status Actuator::CheckContainerMemory(const ContainerHandle& container, int64_t new_limit) {
  if (container.cgroup_path.empty()) return absl::OkStatus();
  cgroups::MemoryShrinkIo io;
  io.read_usage = [&]() -> absl::StatusOr<uint64_t> {
    ASSIGN_OR_RETURN(cgroups::CgroupState state, driver_->Read(container.cgroup_path));
    if (!state.memory_current_bytes) return absl::NotFoundError("no memory usage");
    return *state.memory_current_bytes;
  };
  cgroups::MemoryShrinkOptions shrink = options_.shrink;
  shrink.reclaim = false;  // reclaim goes through the driver's own guard, on the pod cgroup
  absl::Status s = cgroups::CheckMemoryShrink(new_limit, container.name, shrink, io);
  // The kubelet's check is best effort: an unreadable usage does not block the resize (a v1
  // runtime still refuses, and that refusal is translated below).
  if (absl::IsNotFound(s)) return absl::OkStatus();
  return s;
}

absl::Status Actuator::ApplyContainerStep(const PlanStep& step, const api::Pod& target,
                                          const ContainerHandle& container,
                                          ActuationResult& result) {
  ASSIGN_OR_RETURN(
      resize::LinuxContainerResources wanted,
      resize::ContainerResources(target, container.name, options_.read_back.container));
  cri::LinuxResources update;
  if (step.resource == StepResource::kMemory) {
    if (wanted.memory_limit_in_bytes <= 0) {
      // The CRI cannot remove a memory limit (0 keeps it); the API forbids removing one anyway.
      return absl::InvalidArgumentError(
          absl::StrCat("container \"", container.name, "\": a memory limit cannot be removed"));
    }
    update.memory_limit_in_bytes = wanted.memory_limit_in_bytes;
    if (step.direction == StepDirection::kDecrease) {
      RETURN_IF_ERROR(CheckContainerMemory(container, wanted.memory_limit_in_bytes));
    }
  } else {
    update.cpu_shares = wanted.cpu_shares;
    update.cpu_period = wanted.cpu_period;
    update.cpu_quota = wanted.cpu_quota > 0 ? wanted.cpu_quota : -1;
  }
  absl::StatusOr<cri::UpdateOutcome> outcome =
      runtime_->UpdateContainerResources(container.id, update);
  if (!outcome.ok()) {
    if (std::optional<cri::MemoryBelowUsage> below = cri::GetMemoryBelowUsage(outcome.status())) {
      return absl::FailedPreconditionError(cgroups::MemoryShrinkRefusal(
          container.name, below->limit_bytes, static_cast<uint64_t>(below->usage_bytes)));
    }
    return absl::Status(
        outcome.status().code(),
        absl::StrCat("updating container \"", container.name, "\": ", outcome.status().message()));
  }
  if (*outcome == cri::UpdateOutcome::kApplied) ++result.container_updates;
  CrashPointReached(CrashPoint::kAfterCriUpdate);
  return absl::OkStatus();
}

}  // namespace resizelet::reconcile
