#include "agent/resize/node_usage.h"

#include <vector>

namespace resizelet::resize {
namespace {

const api::ContainerStatus* FindStatus(const std::vector<api::ContainerStatus>& statuses,
                                       const std::string& name) {
  for (const api::ContainerStatus& s : statuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Replaces a container's requests with the allocated ones its status reports, per resource.
void ApplyStatus(api::ContainerSpec& c, const api::ContainerStatus* s) {
  if (s == nullptr) return;
  const api::ResourceList* source = nullptr;
  if (s->allocated_resources.has_value()) {
    source = &*s->allocated_resources;
  } else if (s->resources.has_value()) {
    source = &s->resources->requests;
  }
  if (source == nullptr) return;
  if (source->cpu) c.resources.requests.cpu = source->cpu;
  if (source->memory) c.resources.requests.memory = source->memory;
}

}  // namespace

api::Pod AllocatedPodFromStatus(const api::Pod& pod) {
  api::Pod out = pod;
  for (api::ContainerSpec& c : out.containers) {
    ApplyStatus(c, FindStatus(pod.container_statuses, c.name));
  }
  for (api::ContainerSpec& c : out.init_containers) {
    ApplyStatus(c, FindStatus(pod.init_container_statuses, c.name));
  }
  if (pod.status_allocated_resources.has_value()) {
    if (!out.resources.has_value()) out.resources.emplace();
    const api::ResourceList& allocated = *pod.status_allocated_resources;
    if (allocated.cpu) out.resources->requests.cpu = allocated.cpu;
    if (allocated.memory) out.resources->requests.memory = allocated.memory;
  }
  return out;
}

std::optional<CpuMemory> AllocatedRequestsFromStatus(const api::Pod& pod) {
  if (pod.phase == api::PodPhase::kSucceeded || pod.phase == api::PodPhase::kFailed) {
    return std::nullopt;
  }
  return PodRequests(AllocatedPodFromStatus(pod));
}

void NodeUsage::Add(const CpuMemory& r) {
  cpu_milli = SaturatingAdd(cpu_milli, r.cpu_milli);
  memory_bytes = SaturatingAdd(memory_bytes, r.memory_bytes);
}

void NodeUsage::Remove(const CpuMemory& r) {
  cpu_milli = cpu_milli - r.cpu_milli < 0 ? 0 : cpu_milli - r.cpu_milli;
  memory_bytes = memory_bytes - r.memory_bytes < 0 ? 0 : memory_bytes - r.memory_bytes;
}

}  // namespace resizelet::resize
