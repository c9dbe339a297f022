#include "agent/state/in_memory_allocation_store.h"

namespace resizelet::state {

std::optional<PodAllocation> InMemoryAllocationStore::Get(std::string_view uid) const {
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) return std::nullopt;
  return it->second;
}

std::vector<PodAllocation> InMemoryAllocationStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<PodAllocation> out;
  out.reserve(pods_.size());
  for (const auto& [uid, pod] : pods_) out.push_back(pod);
  return out;
}

absl::Status InMemoryAllocationStore::SetAllocated(std::string_view uid,
                                                   const AllocatedResources& allocated) {
  absl::MutexLock lock(&mu_);
  return ApplySetAllocated(pods_, uid, allocated).status();
}

absl::Status InMemoryAllocationStore::SetActuated(std::string_view uid,
                                                  const ActuatedResources& actuated) {
  absl::MutexLock lock(&mu_);
  return ApplySetActuated(pods_, uid, actuated).status();
}

absl::Status InMemoryAllocationStore::Remove(std::string_view uid) {
  absl::MutexLock lock(&mu_);
  ApplyRemove(pods_, uid);
  return absl::OkStatus();
}

}  // namespace resizelet::state
