// What resizelet records per pod: the resources it admitted (allocated) and the values the
// runtime and the pod cgroup accepted (actuated), each with the pod generation it belongs to.
// This mirrors the kubelet's allocated_pods_state / actuated_pods_state checkpoints
// (pkg/kubelet/allocation/state, 1.33+), in plain integers: the checkpoint never depends on
// quantity parsing. Pure data: no I/O, no locking.
#ifndef RESIZELET_AGENT_STATE_ALLOCATION_H_
#define RESIZELET_AGENT_STATE_ALLOCATION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace resizelet::state {

// Requests and limits as the API states them; std::nullopt is "not set", distinct from 0.
struct ResourceValues {
  std::optional<int64_t> cpu_request_milli;
  std::optional<int64_t> cpu_limit_milli;
  std::optional<int64_t> memory_request_bytes;
  std::optional<int64_t> memory_limit_bytes;
  friend bool operator==(const ResourceValues&, const ResourceValues&) = default;
};

struct ContainerResourceValues {
  std::string name;
  ResourceValues values;
  friend bool operator==(const ContainerResourceValues&, const ContainerResourceValues&) = default;
};

// What admission accepted for one generation of the pod spec.
struct AllocatedResources {
  int64_t generation = 0;
  std::vector<ContainerResourceValues> containers;  // init/sidecar containers included
  ResourceValues pod;                               // pod-level spec.resources
  friend bool operator==(const AllocatedResources&, const AllocatedResources&) = default;
};

// cgroup values in the runtime's units (CRI LinuxContainerResources; cgroup v1 files). Unset is
// "never written / unknown". cpu_quota may be -1 (unlimited) as the runtime reports it.
struct CgroupValues {
  std::optional<int64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;
  std::optional<int64_t> cpu_period;
  std::optional<int64_t> memory_limit_bytes;
  friend bool operator==(const CgroupValues&, const CgroupValues&) = default;
};

struct ContainerCgroupValues {
  std::string name;
  CgroupValues values;
  friend bool operator==(const ContainerCgroupValues&, const ContainerCgroupValues&) = default;
};

// What was last applied and read back for one generation.
struct ActuatedResources {
  int64_t generation = 0;
  std::vector<ContainerCgroupValues> containers;
  CgroupValues pod_cgroup;
  friend bool operator==(const ActuatedResources&, const ActuatedResources&) = default;
};

struct PodAllocation {
  std::string uid;
  std::optional<AllocatedResources> allocated;
  std::optional<ActuatedResources> actuated;
  friend bool operator==(const PodAllocation&, const PodAllocation&) = default;
};

// All pods by UID; ordered so that the encoded checkpoint is deterministic.
using AllocationMap = std::map<std::string, PodAllocation, std::less<>>;

}  // namespace resizelet::state

#endif  // RESIZELET_AGENT_STATE_ALLOCATION_H_
