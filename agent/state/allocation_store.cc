#include "agent/state/allocation_store.h"

#include <string>

#include "agent/state/checkpoint_format.h"

namespace resizelet::state {
namespace {

template <typename Half>
absl::StatusOr<bool> ApplyHalf(AllocationMap& pods, std::string_view uid, const Half& value,
                               std::optional<Half> PodAllocation::*member) {
  PodAllocation candidate;
  auto it = pods.find(uid);
  if (it != pods.end()) {
    if (it->second.*member == value) return false;
    candidate = it->second;
  } else {
    candidate.uid = std::string(uid);
  }
  candidate.*member = value;
  if (absl::Status s = ValidatePodAllocation(uid, candidate); !s.ok()) return s;
  if (it != pods.end()) {
    it->second = std::move(candidate);
  } else {
    pods.emplace(std::string(uid), std::move(candidate));
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> ApplySetAllocated(AllocationMap& pods, std::string_view uid,
                                       const AllocatedResources& allocated) {
  return ApplyHalf(pods, uid, allocated, &PodAllocation::allocated);
}

absl::StatusOr<bool> ApplySetActuated(AllocationMap& pods, std::string_view uid,
                                      const ActuatedResources& actuated) {
  return ApplyHalf(pods, uid, actuated, &PodAllocation::actuated);
}

bool ApplyRemove(AllocationMap& pods, std::string_view uid) {
  auto it = pods.find(uid);
  if (it == pods.end()) return false;
  pods.erase(it);
  return true;
}

}  // namespace resizelet::state
