#include "agent/resize/qos.h"

#include <cstdint>
#include <optional>

#include "agent/resize/pod_resources.h"

namespace resizelet::resize {
namespace {

inline constexpr int32_t kSystemCriticalPriority = 2000000000;

// Summed positive requests/limits of the supported resources, with presence.
struct Totals {
  bool has_cpu_request = false, has_memory_request = false;
  bool has_cpu_limit = false, has_memory_limit = false;
  int64_t cpu_request = 0, memory_request = 0, cpu_limit = 0, memory_limit = 0;
};

// Quantities are compared in milli-units, exact for every value Quantity accepts.
void AddIfPositive(const std::optional<api::Quantity>& q, bool& has, int64_t& total) {
  if (!q.has_value()) return;
  const int64_t milli = q->MilliValue();
  if (milli <= 0) return;
  has = true;
  total = SaturatingAdd(total, milli);
}

api::QosClass Classify(const Totals& t, bool guaranteed_candidate) {
  const int requests = int{t.has_cpu_request} + int{t.has_memory_request};
  const int limits = int{t.has_cpu_limit} + int{t.has_memory_limit};
  if (requests == 0 && limits == 0) return api::QosClass::kBestEffort;
  if (guaranteed_candidate && requests == limits) {
    bool equal = true;
    if (t.has_cpu_request && (!t.has_cpu_limit || t.cpu_request != t.cpu_limit)) equal = false;
    if (t.has_memory_request && (!t.has_memory_limit || t.memory_request != t.memory_limit)) {
      equal = false;
    }
    if (equal) return api::QosClass::kGuaranteed;
  }
  return api::QosClass::kBurstable;
}

void AddContainer(const api::ContainerSpec& c, Totals& t, bool& all_limited) {
  const api::ResourceRequirements& r = c.resources;
  // API defaulting: a limit without a request requests the limit.
  AddIfPositive(r.requests.cpu ? r.requests.cpu : r.limits.cpu, t.has_cpu_request, t.cpu_request);
  AddIfPositive(r.requests.memory ? r.requests.memory : r.limits.memory, t.has_memory_request,
                t.memory_request);
  bool cpu_limit = false, memory_limit = false;
  AddIfPositive(r.limits.cpu, cpu_limit, t.cpu_limit);
  AddIfPositive(r.limits.memory, memory_limit, t.memory_limit);
  t.has_cpu_limit |= cpu_limit;
  t.has_memory_limit |= memory_limit;
  if (!cpu_limit || !memory_limit) all_limited = false;
}

}  // namespace

api::QosClass ComputeQos(const api::Pod& pod) {
  Totals t;
  if (IsPodLevelResourcesSet(pod)) {
    // Only the pod level counts. CPU is compared in millicores, memory in bytes.
    const api::ResourceRequirements& r = *pod.resources;
    const CpuMemory requests = PodLevelRequests(pod);  // includes the API server's defaulting
    const CpuMemory limits = PodLevelLimits(pod);
    t.has_cpu_request = requests.cpu_milli > 0;
    t.cpu_request = requests.cpu_milli;
    t.has_memory_request = requests.memory_bytes > 0;
    t.memory_request = requests.memory_bytes;
    t.has_cpu_limit = r.limits.cpu.has_value() && limits.cpu_milli > 0;
    t.cpu_limit = limits.cpu_milli;
    t.has_memory_limit = r.limits.memory.has_value() && limits.memory_bytes > 0;
    t.memory_limit = limits.memory_bytes;
    return Classify(t, t.has_cpu_limit && t.has_memory_limit);
  }
  bool all_limited = true;
  for (const api::ContainerSpec& c : pod.containers) AddContainer(c, t, all_limited);
  for (const api::ContainerSpec& c : pod.init_containers) AddContainer(c, t, all_limited);
  return Classify(t, all_limited);
}

api::QosClass GetPodQos(const api::Pod& pod) {
  return pod.qos_class != api::QosClass::kUnset ? pod.qos_class : ComputeQos(pod);
}

cgroups::PodQosTier ToQosTier(api::QosClass qos) {
  switch (qos) {
    case api::QosClass::kGuaranteed:
      return cgroups::PodQosTier::kGuaranteed;
    case api::QosClass::kBurstable:
      return cgroups::PodQosTier::kBurstable;
    default:
      return cgroups::PodQosTier::kBestEffort;
  }
}

const char* QosClassName(api::QosClass qos) {
  switch (qos) {
    case api::QosClass::kGuaranteed:
      return "Guaranteed";
    case api::QosClass::kBurstable:
      return "Burstable";
    case api::QosClass::kBestEffort:
      return "BestEffort";
    default:
      return "";
  }
}

bool IsCriticalPod(const api::Pod& pod) {
  return pod.IsStatic() || pod.mirror || pod.priority >= kSystemCriticalPriority;
}

bool IsNodeCriticalPod(const api::Pod& pod) {
  return IsCriticalPod(pod) && pod.priority_class_name == "system-node-critical";
}

}  // namespace resizelet::resize
