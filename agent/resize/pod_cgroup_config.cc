#include "agent/resize/pod_cgroup_config.h"

#include "agent/resize/pod_resources.h"
#include "agent/resize/qos.h"
#include "cgroups/cpu_math.h"

namespace resizelet::resize {
namespace {

void CheckDeclared(const api::ContainerSpec& c, bool& cpu_declared, bool& memory_declared) {
  if (MilliOrZero(c.resources.limits.cpu) == 0) cpu_declared = false;
  if (BytesOrZero(c.resources.limits.memory) == 0) memory_declared = false;
}

}  // namespace

uint64_t PodCgroupConfig::CpuWeight() const {
  return cpu_shares ? cgroups::CpuWeightLinear(static_cast<uint64_t>(*cpu_shares)) : 0;
}

std::string PodCgroupConfig::CpuMax() const {
  return cgroups::FormatCpuMax(cpu_quota.value_or(0), cpu_period.value_or(cgroups::kQuotaPeriodUs));
}

std::string PodCgroupConfig::MemoryMax() const {
  return cgroups::FormatMemoryMax(memory_limit_bytes);
}

PodCgroupConfig ResourceConfigForPod(const api::Pod& pod, const PodCgroupOptions& options) {
  const CpuMemory requests = PodRequests(pod);
  const CpuMemory limits = PodLimits(pod);

  // PodLimits' ContainerFn visits every container, init containers included.
  bool cpu_declared = true, memory_declared = true;
  for (const api::ContainerSpec& c : pod.containers) {
    CheckDeclared(c, cpu_declared, memory_declared);
  }
  for (const api::ContainerSpec& c : pod.init_containers) {
    CheckDeclared(c, cpu_declared, memory_declared);
  }
  if (IsPodLevelResourcesSet(pod)) {
    if (MilliOrZero(pod.resources->limits.cpu) > 0) cpu_declared = true;
    if (BytesOrZero(pod.resources->limits.memory) > 0) memory_declared = true;
  }

  const int64_t shares = cgroups::MilliCpuToShares(requests.cpu_milli);
  int64_t quota = cgroups::MilliCpuToQuota(limits.cpu_milli, options.cpu_period);
  if (!options.enforce_cpu_limits) quota = -1;

  PodCgroupConfig config;
  switch (GetPodQos(pod)) {
    case api::QosClass::kGuaranteed:
      config.cpu_shares = shares;
      config.cpu_quota = quota;
      config.cpu_period = options.cpu_period;
      config.memory_limit_bytes = limits.memory_bytes;
      break;
    case api::QosClass::kBurstable:
      config.cpu_shares = shares;
      if (cpu_declared) {
        config.cpu_quota = quota;
        config.cpu_period = options.cpu_period;
      }
      if (memory_declared) config.memory_limit_bytes = limits.memory_bytes;
      break;
    default:
      config.cpu_shares = cgroups::kMinShares;
      break;
  }
  return config;
}

}  // namespace resizelet::resize
