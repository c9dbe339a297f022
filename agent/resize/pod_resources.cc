#include "agent/resize/pod_resources.h"

#include <algorithm>
#include <cstdint>

namespace resizelet::resize {
namespace {

CpuMemory Add(const CpuMemory& a, const CpuMemory& b) {
  return {SaturatingAdd(a.cpu_milli, b.cpu_milli), SaturatingAdd(a.memory_bytes, b.memory_bytes)};
}

CpuMemory Max(const CpuMemory& a, const CpuMemory& b) {
  return {std::max(a.cpu_milli, b.cpu_milli), std::max(a.memory_bytes, b.memory_bytes)};
}

// AggregateContainerRequests/Limits share one shape; `per_container` picks the values.
template <typename PerContainer>
CpuMemory Aggregate(const api::Pod& pod, PerContainer per_container) {
  CpuMemory sum;
  for (const api::ContainerSpec& c : pod.containers) sum = Add(sum, per_container(c));
  // Sidecars run next to the regular containers, so they add to the sum; a classic init
  // container runs alone next to the sidecars started before it.
  CpuMemory sidecars_so_far;
  CpuMemory init_peak;
  for (const api::ContainerSpec& c : pod.init_containers) {
    const CpuMemory own = per_container(c);
    CpuMemory candidate;
    if (c.sidecar) {
      sum = Add(sum, own);
      sidecars_so_far = Add(sidecars_so_far, own);
      candidate = sidecars_so_far;
    } else {
      candidate = Add(own, sidecars_so_far);
    }
    init_peak = Max(init_peak, candidate);
  }
  return Max(sum, init_peak);
}

bool HasCpuOrMemory(const api::ResourceList& list) {
  return list.cpu.has_value() || list.memory.has_value();
}

}  // namespace

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

int64_t MilliOrZero(const std::optional<api::Quantity>& q) {
  return q.has_value() ? q->MilliValue() : 0;
}

int64_t BytesOrZero(const std::optional<api::Quantity>& q) {
  return q.has_value() ? q->Value() : 0;
}

CpuMemory ContainerRequests(const api::ContainerSpec& container) {
  const api::ResourceRequirements& r = container.resources;
  CpuMemory out;
  out.cpu_milli = r.requests.cpu ? r.requests.cpu->MilliValue() : MilliOrZero(r.limits.cpu);
  out.memory_bytes = r.requests.memory ? r.requests.memory->Value() : BytesOrZero(r.limits.memory);
  return out;
}

CpuMemory ContainerLimits(const api::ContainerSpec& container) {
  return {MilliOrZero(container.resources.limits.cpu),
          BytesOrZero(container.resources.limits.memory)};
}

bool IsPodLevelResourcesSet(const api::Pod& pod) {
  return IsPodLevelRequestsSet(pod) || IsPodLevelLimitsSet(pod);
}

bool IsPodLevelRequestsSet(const api::Pod& pod) {
  return pod.resources.has_value() && HasCpuOrMemory(pod.resources->requests);
}

bool IsPodLevelLimitsSet(const api::Pod& pod) {
  return pod.resources.has_value() && HasCpuOrMemory(pod.resources->limits);
}

CpuMemory AggregateContainerRequests(const api::Pod& pod) {
  return Aggregate(pod, ContainerRequests);
}

CpuMemory AggregateContainerLimits(const api::Pod& pod) { return Aggregate(pod, ContainerLimits); }

CpuMemory PodLevelRequests(const api::Pod& pod) {
  CpuMemory out;
  if (!pod.resources.has_value()) return out;
  const api::ResourceRequirements& r = *pod.resources;
  out.cpu_milli = MilliOrZero(r.requests.cpu);
  out.memory_bytes = BytesOrZero(r.requests.memory);
  if ((!r.requests.cpu && r.limits.cpu) || (!r.requests.memory && r.limits.memory)) {
    // API defaulting (KEP-2837): an unset pod-level request with a pod-level limit becomes the
    // aggregated container requests when there are any, else the pod limit.
    const CpuMemory containers = AggregateContainerRequests(pod);
    if (!r.requests.cpu && r.limits.cpu) {
      out.cpu_milli = containers.cpu_milli > 0 ? containers.cpu_milli : r.limits.cpu->MilliValue();
    }
    if (!r.requests.memory && r.limits.memory) {
      out.memory_bytes =
          containers.memory_bytes > 0 ? containers.memory_bytes : r.limits.memory->Value();
    }
  }
  return out;
}

CpuMemory PodLevelLimits(const api::Pod& pod) {
  if (!pod.resources.has_value()) return {};
  return {MilliOrZero(pod.resources->limits.cpu), BytesOrZero(pod.resources->limits.memory)};
}

CpuMemory PodRequests(const api::Pod& pod, const PodResourcesOptions& options) {
  CpuMemory reqs = AggregateContainerRequests(pod);
  if (!options.skip_pod_level && IsPodLevelResourcesSet(pod)) {
    const CpuMemory pod_level = PodLevelRequests(pod);
    if (pod_level.cpu_milli > 0) reqs.cpu_milli = pod_level.cpu_milli;
    if (pod_level.memory_bytes > 0) reqs.memory_bytes = pod_level.memory_bytes;
  }
  if (!options.exclude_overhead) {
    reqs = Add(reqs, {MilliOrZero(pod.overhead.cpu), BytesOrZero(pod.overhead.memory)});
  }
  return reqs;
}

CpuMemory PodLimits(const api::Pod& pod, const PodResourcesOptions& options) {
  CpuMemory limits = AggregateContainerLimits(pod);
  if (!options.skip_pod_level && IsPodLevelLimitsSet(pod)) {
    const CpuMemory pod_level = PodLevelLimits(pod);
    if (pod_level.cpu_milli > 0) limits.cpu_milli = pod_level.cpu_milli;
    if (pod_level.memory_bytes > 0) limits.memory_bytes = pod_level.memory_bytes;
  }
  if (!options.exclude_overhead) {
    // Overhead only raises a limit that exists: no limit stays no limit.
    if (limits.cpu_milli > 0) {
      limits.cpu_milli = SaturatingAdd(limits.cpu_milli, MilliOrZero(pod.overhead.cpu));
    }
    if (limits.memory_bytes > 0) {
      limits.memory_bytes = SaturatingAdd(limits.memory_bytes, BytesOrZero(pod.overhead.memory));
    }
  }
  return limits;
}

}  // namespace resizelet::resize
