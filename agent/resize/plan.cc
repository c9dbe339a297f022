#include "agent/resize/plan.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/resize/container_resources.h"
#include "agent/resize/pod_cgroup_config.h"

namespace resizelet::resize {
namespace {

constexpr char kPodTarget[] = "pod";

// nullopt (unlimited) compares above every value.
int CompareLimits(const std::optional<int64_t>& a, const std::optional<int64_t>& b) {
  if (a == b) return 0;
  if (!a.has_value()) return 1;
  if (!b.has_value()) return -1;
  return *a < *b ? -1 : 1;
}

std::optional<int64_t> Limit(int64_t value) {
  return value > 0 ? std::optional<int64_t>(value) : std::nullopt;
}

std::optional<int64_t> Limit(const std::optional<int64_t>& value) {
  return value.has_value() ? Limit(*value) : std::nullopt;
}

// One side of a comparison: a limit and (for CPU) a request.
struct Values {
  std::optional<int64_t> limit;
  std::optional<int64_t> request;  // nullopt: the resource has no request in the cgroup
};

struct Change {
  StepField field;
  StepDirection direction;
  std::optional<int64_t> from, to;
};

// The change of one cgroup: the limit's when it changes, else the request's.
std::optional<Change> Compare(const Values& before, const Values& after) {
  const int limit_cmp = CompareLimits(before.limit, after.limit);
  if (limit_cmp != 0) {
    return Change{StepField::kLimit,
                  limit_cmp < 0 ? StepDirection::kIncrease : StepDirection::kDecrease, before.limit,
                  after.limit};
  }
  if (before.request != after.request) {
    return Change{StepField::kRequest,
                  CompareLimits(before.request, after.request) < 0 ? StepDirection::kIncrease
                                                                   : StepDirection::kDecrease,
                  before.request, after.request};
  }
  return std::nullopt;
}

Values PodValues(const PodCgroupConfig& c, StepResource r) {
  if (r == StepResource::kMemory) return {Limit(c.memory_limit_bytes), std::nullopt};
  return {Limit(c.cpu_quota), c.cpu_shares};
}

Values ContainerValues(const LinuxContainerResources& c, StepResource r) {
  if (r == StepResource::kMemory) return {Limit(c.memory_limit_in_bytes), std::nullopt};
  return {Limit(c.cpu_quota), c.cpu_shares};
}

PlanStep MakeStep(StepAction action, const std::string& target, StepResource r, StepField field,
                  StepDirection direction, std::optional<int64_t> from, std::optional<int64_t> to) {
  PlanStep s;
  s.action = action;
  s.target = target;
  s.resource = r;
  s.field = field;
  s.direction = direction;
  s.from = from;
  s.to = to;
  return s;
}

struct ContainerChange {
  const api::ContainerSpec* container;
  Change change;
};

const api::ContainerSpec* FindByName(const std::vector<api::ContainerSpec>& list,
                                     const std::string& name) {
  for (const api::ContainerSpec& c : list) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void PlanResource(const api::Pod& allocated, const api::Pod& desired, StepResource r,
                  const PodCgroupConfig& pod_before, const PodCgroupConfig& pod_after,
                  const ContainerResourceOptions& container_options, std::vector<PlanStep>& out) {
  const Values before = PodValues(pod_before, r);
  const Values after = PodValues(pod_after, r);
  const int limit_cmp = CompareLimits(before.limit, after.limit);
  const bool request_changed = before.request != after.request;
  const int request_cmp = CompareLimits(before.request, after.request);

  // 1. Pod limit increases.
  if (limit_cmp < 0) {
    out.push_back(MakeStep(StepAction::kResizePodCgroup, kPodTarget, r, StepField::kLimit,
                           StepDirection::kIncrease, before.limit, after.limit));
  }
  // 2. Pod request decreases.
  if (request_changed && request_cmp > 0) {
    out.push_back(MakeStep(StepAction::kResizePodCgroup, kPodTarget, r, StepField::kRequest,
                           StepDirection::kDecrease, before.request, after.request));
  }

  // 3. Containers: running ones only (regular containers and sidecars), in pod start order.
  std::vector<ContainerChange> changes;
  auto visit = [&](const api::ContainerSpec& d) {
    const absl::StatusOr<LinuxContainerResources> now =
        ContainerResources(allocated, d.name, container_options);
    const absl::StatusOr<LinuxContainerResources> next =
        ContainerResources(desired, d.name, container_options);
    if (!next.ok()) return;
    // A container new to the allocation has nothing to resize.
    if (!now.ok()) return;
    const std::optional<Change> c = Compare(ContainerValues(*now, r), ContainerValues(*next, r));
    if (c.has_value()) changes.push_back({&d, *c});
  };
  for (const api::ContainerSpec& d : desired.init_containers) {
    if (d.sidecar && FindByName(allocated.init_containers, d.name) != nullptr) visit(d);
  }
  for (const api::ContainerSpec& d : desired.containers) {
    if (FindByName(allocated.containers, d.name) != nullptr) visit(d);
  }
  for (StepDirection pass : {StepDirection::kDecrease, StepDirection::kIncrease}) {
    for (const ContainerChange& c : changes) {
      if (c.change.direction != pass) continue;
      out.push_back(MakeStep(StepAction::kResizeContainer, c.container->name, r, c.change.field,
                             c.change.direction, c.change.from, c.change.to));
    }
  }

  // 4. Pod limit decreases.
  if (limit_cmp > 0) {
    out.push_back(MakeStep(StepAction::kResizePodCgroup, kPodTarget, r, StepField::kLimit,
                           StepDirection::kDecrease, before.limit, after.limit));
  }
  // 5. Pod request increases.
  if (request_changed && request_cmp < 0) {
    out.push_back(MakeStep(StepAction::kResizePodCgroup, kPodTarget, r, StepField::kRequest,
                           StepDirection::kIncrease, before.request, after.request));
  }
}

}  // namespace

std::string PlanStep::ToString() const {
  return absl::StrCat(
      action == StepAction::kResizePodCgroup ? "resize-pod-cgroup " : "resize-container ", target,
      resource == StepResource::kMemory ? " memory" : " cpu",
      field == StepField::kLimit ? " limit" : " request",
      direction == StepDirection::kIncrease ? " increase" : " decrease");
}

std::vector<PlanStep> MakePlan(const api::Pod& allocated, const api::Pod& desired,
                               const PlanOptions& options) {
  PodCgroupOptions pod_options;
  pod_options.enforce_cpu_limits = options.enforce_cpu_limits;
  pod_options.cpu_period = options.cpu_period;
  ContainerResourceOptions container_options;
  container_options.enforce_cpu_limits = options.enforce_cpu_limits;
  container_options.cpu_period = options.cpu_period;

  const PodCgroupConfig pod_before = ResourceConfigForPod(allocated, pod_options);
  const PodCgroupConfig pod_after = ResourceConfigForPod(desired, pod_options);
  std::vector<PlanStep> steps;
  PlanResource(allocated, desired, StepResource::kMemory, pod_before, pod_after, container_options,
               steps);
  PlanResource(allocated, desired, StepResource::kCpu, pod_before, pod_after, container_options,
               steps);
  return steps;
}

}  // namespace resizelet::resize
