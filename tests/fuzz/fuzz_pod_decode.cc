// Fuzzes the API object decoders on hostile JSON. A decoded object must hold only non-negative
// quantities whose canonical form re-parses; every failure is an InvalidArgument (or
// ResourceExhausted) with a bounded message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/api/decode.h"

namespace {

using resizelet::api::Quantity;
using resizelet::api::ResourceList;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckQuantity(const Quantity& q) {
  Check(!q.IsNegative());
  absl::StatusOr<Quantity> again = Quantity::Parse(q.String());
  Check(again.ok() && *again == q);
}

void CheckList(const ResourceList& list) {
  if (list.cpu) CheckQuantity(*list.cpu);
  if (list.memory) CheckQuantity(*list.memory);
  for (const auto& h : list.hugepages) CheckQuantity(h.quantity);
  Check(list.other_names >= 0);
}

void CheckStatus(const absl::Status& s) {
  Check(s.code() == absl::StatusCode::kInvalidArgument ||
        s.code() == absl::StatusCode::kResourceExhausted);
  Check(!s.message().empty());
}

void CheckPod(const resizelet::api::Pod& pod) {
  for (const auto* containers : {&pod.containers, &pod.init_containers}) {
    for (const auto& c : *containers) {
      CheckList(c.resources.requests);
      CheckList(c.resources.limits);
    }
  }
  for (const auto* statuses : {&pod.container_statuses, &pod.init_container_statuses}) {
    for (const auto& s : *statuses) {
      if (s.allocated_resources) CheckList(*s.allocated_resources);
      if (s.resources) {
        CheckList(s.resources->requests);
        CheckList(s.resources->limits);
      }
    }
  }
  if (pod.resources) CheckList(pod.resources->limits);
  CheckList(pod.overhead);
  if (pod.status_allocated_resources) CheckList(*pod.status_allocated_resources);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<resizelet::api::Pod> pod = resizelet::api::DecodePod(json);
  if (pod.ok()) {
    CheckPod(*pod);
  } else {
    CheckStatus(pod.status());
  }
  absl::StatusOr<resizelet::api::PodList> list = resizelet::api::DecodePodList(json);
  if (list.ok()) {
    for (const auto& p : list->items) CheckPod(p);
  } else {
    CheckStatus(list.status());
  }
  absl::StatusOr<resizelet::api::Node> node = resizelet::api::DecodeNode(json);
  if (node.ok()) {
    CheckList(node->allocatable);
    CheckList(node->capacity);
  } else {
    CheckStatus(node.status());
  }
  return 0;
}
