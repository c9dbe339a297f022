// The allocation store: resizelet's record of what it admitted (allocated) and applied
// (actuated) per pod UID, the way the kubelet's allocation manager keeps allocated_pods_state and
// actuated_pods_state. Allocated is recorded before actuation and actuated after it, so that
// after a restart each pass redoes exactly what is missing (KEP-1287, "kubelet restart").
#ifndef RESIZELET_AGENT_STATE_ALLOCATION_STORE_H_
#define RESIZELET_AGENT_STATE_ALLOCATION_STORE_H_

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/state/allocation.h"

namespace resizelet::state {

// Contract for every implementation:
// - A mutation that returns OK is durable as far as the implementation goes (the file store:
//   on disk, fsynced). A mutation that fails may still be visible to Get(); a later successful
//   mutation or Flush() makes the whole state durable.
// - SetAllocated / SetActuated create the pod's record if needed and replace only their half.
//   InvalidArgument for a UID or container name the checkpoint cannot hold (see
//   ValidatePodAllocation), and then nothing changes.
// - Remove of an unknown UID is OK.
// - Thread-safe.
class AllocationStore {
 public:
  virtual ~AllocationStore() = default;

  virtual std::optional<PodAllocation> Get(std::string_view uid) const = 0;
  // Every pod, sorted by UID.
  virtual std::vector<PodAllocation> List() const = 0;

  virtual absl::Status SetAllocated(std::string_view uid, const AllocatedResources& allocated) = 0;
  virtual absl::Status SetActuated(std::string_view uid, const ActuatedResources& actuated) = 0;
  virtual absl::Status Remove(std::string_view uid) = 0;
};

// Applies one mutation to `pods`; returns whether anything changed, or InvalidArgument (then
// `pods` is unchanged). Shared by the implementations so that they agree exactly.
absl::StatusOr<bool> ApplySetAllocated(AllocationMap& pods, std::string_view uid,
                                       const AllocatedResources& allocated);
absl::StatusOr<bool> ApplySetActuated(AllocationMap& pods, std::string_view uid,
                                      const ActuatedResources& actuated);
bool ApplyRemove(AllocationMap& pods, std::string_view uid);

}  // namespace resizelet::state

#endif  // RESIZELET_AGENT_STATE_ALLOCATION_STORE_H_
