#include "agent/reconcile/resize_observer.h"

#include <optional>

#include "agent/resize/pod_resources.h"

namespace resizelet::reconcile {
namespace {

const api::ContainerSpec* FindContainer(const api::Pod& pod, const std::string& name) {
  for (const auto* list : {&pod.init_containers, &pod.containers}) {
    for (const api::ContainerSpec& c : *list) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

// add | remove | increase | decrease, or nullptr when unchanged.
const char* Operation(const std::optional<api::Quantity>& from,
                      const std::optional<api::Quantity>& to, bool memory) {
  if (!from && !to) return nullptr;
  if (!from) return "add";
  if (!to) return "remove";
  const int64_t a = memory ? resize::BytesOrZero(from) : resize::MilliOrZero(from);
  const int64_t b = memory ? resize::BytesOrZero(to) : resize::MilliOrZero(to);
  if (a == b) return nullptr;
  return b > a ? "increase" : "decrease";
}

}  // namespace

const char* ResizeStateName(ResizeState state) {
  switch (state) {
    case ResizeState::kNone:
      return "none";
    case ResizeState::kProposed:
      return "proposed";
    case ResizeState::kInProgress:
      return "in_progress";
    case ResizeState::kDeferred:
      return "deferred";
    case ResizeState::kInfeasible:
      return "infeasible";
    case ResizeState::kError:
      return "error";
  }
  return "";
}

NoopResizeObserver* NoopResizeObserver::Instance() {
  static NoopResizeObserver* const instance = new NoopResizeObserver();
  return instance;
}

void CountRequestedResizes(const api::Pod& from, const api::Pod& to, ResizeObserver& observer) {
  for (const auto* list : {&to.init_containers, &to.containers}) {
    for (const api::ContainerSpec& c : *list) {
      const api::ContainerSpec* old = FindContainer(from, c.name);
      if (old == nullptr) continue;
      const api::ResourceRequirements& a = old->resources;
      const api::ResourceRequirements& b = c.resources;
      if (const char* op = Operation(a.requests.cpu, b.requests.cpu, false)) {
        observer.OnContainerResizeRequested("cpu", "requests", op);
      }
      if (const char* op = Operation(a.limits.cpu, b.limits.cpu, false)) {
        observer.OnContainerResizeRequested("cpu", "limits", op);
      }
      if (const char* op = Operation(a.requests.memory, b.requests.memory, true)) {
        observer.OnContainerResizeRequested("memory", "requests", op);
      }
      if (const char* op = Operation(a.limits.memory, b.limits.memory, true)) {
        observer.OnContainerResizeRequested("memory", "limits", op);
      }
    }
  }
}

}  // namespace resizelet::reconcile
