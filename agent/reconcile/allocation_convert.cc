#include "agent/reconcile/allocation_convert.h"

#include <optional>

namespace resizelet::reconcile {
namespace {

std::optional<int64_t> Milli(const std::optional<api::Quantity>& q) {
  if (!q) return std::nullopt;
  return q->MilliValue();
}
std::optional<int64_t> Bytes(const std::optional<api::Quantity>& q) {
  if (!q) return std::nullopt;
  return q->Value();
}

state::ResourceValues ToValues(const api::ResourceRequirements& r) {
  state::ResourceValues v;
  v.cpu_request_milli = Milli(r.requests.cpu);
  v.cpu_limit_milli = Milli(r.limits.cpu);
  v.memory_request_bytes = Bytes(r.requests.memory);
  v.memory_limit_bytes = Bytes(r.limits.memory);
  return v;
}

std::optional<api::Quantity> Cpu(std::optional<int64_t> milli) {
  if (!milli) return std::nullopt;
  return api::Quantity::FromMilli(*milli);
}
std::optional<api::Quantity> Memory(std::optional<int64_t> bytes) {
  if (!bytes) return std::nullopt;
  return api::Quantity::FromInt(*bytes, api::QuantityFormat::kBinarySI);
}

// Only cpu and memory are allocated; hugepages and other names stay as the spec has them.
void Apply(const state::ResourceValues& v, api::ResourceRequirements& r) {
  r.requests.cpu = Cpu(v.cpu_request_milli);
  r.limits.cpu = Cpu(v.cpu_limit_milli);
  r.requests.memory = Memory(v.memory_request_bytes);
  r.limits.memory = Memory(v.memory_limit_bytes);
}

}  // namespace

state::AllocatedResources ToAllocated(const api::Pod& pod) {
  state::AllocatedResources a;
  a.generation = pod.generation;
  for (const auto* list : {&pod.init_containers, &pod.containers}) {
    for (const api::ContainerSpec& c : *list) {
      a.containers.push_back({c.name, ToValues(c.resources)});
    }
  }
  if (pod.resources) a.pod = ToValues(*pod.resources);
  return a;
}

api::Pod ApplyAllocated(const api::Pod& pod, const state::AllocatedResources& allocated) {
  api::Pod out = pod;
  for (auto* list : {&out.init_containers, &out.containers}) {
    for (api::ContainerSpec& c : *list) {
      for (const state::ContainerResourceValues& v : allocated.containers) {
        if (v.name == c.name) Apply(v.values, c.resources);
      }
    }
  }
  const state::ResourceValues& p = allocated.pod;
  const bool pod_level =
      p.cpu_request_milli || p.cpu_limit_milli || p.memory_request_bytes || p.memory_limit_bytes;
  if (pod_level) {
    if (!out.resources) out.resources.emplace();
    Apply(p, *out.resources);
  } else if (out.resources) {
    Apply(p, *out.resources);
  }
  return out;
}

}  // namespace resizelet::reconcile
