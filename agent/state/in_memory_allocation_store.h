// An AllocationStore that keeps nothing across restarts: for tests, and for running without a
// state directory (then every restart rebuilds allocation from the API server and runtime, as
// after a lost checkpoint).
#ifndef RESIZELET_AGENT_STATE_IN_MEMORY_ALLOCATION_STORE_H_
#define RESIZELET_AGENT_STATE_IN_MEMORY_ALLOCATION_STORE_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "agent/state/allocation_store.h"

namespace resizelet::state {

class InMemoryAllocationStore final : public AllocationStore {
 public:
  InMemoryAllocationStore() = default;
  explicit InMemoryAllocationStore(AllocationMap initial) : pods_(std::move(initial)) {}

  std::optional<PodAllocation> Get(std::string_view uid) const override ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<PodAllocation> List() const override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status SetAllocated(std::string_view uid, const AllocatedResources& allocated) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status SetActuated(std::string_view uid, const ActuatedResources& actuated) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Remove(std::string_view uid) override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  AllocationMap pods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::state

#endif  // RESIZELET_AGENT_STATE_IN_MEMORY_ALLOCATION_STORE_H_
