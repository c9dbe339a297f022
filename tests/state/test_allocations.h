// Sample allocations shared by the state tests.
#ifndef RESIZELET_TESTS_STATE_TEST_ALLOCATIONS_H_
#define RESIZELET_TESTS_STATE_TEST_ALLOCATIONS_H_

#include "agent/state/allocation.h"

namespace resizelet::state {

// Two containers; pod-level values partly unset; one explicit zero.
inline AllocatedResources SampleAllocated(int64_t generation, int64_t cpu_milli = 500) {
  AllocatedResources a;
  a.generation = generation;
  a.containers.push_back(
      {"app", ResourceValues{cpu_milli, 2 * cpu_milli, 256 << 20, int64_t{512} << 20}});
  a.containers.push_back({"sidecar", ResourceValues{0, std::nullopt, 64 << 20, std::nullopt}});
  a.pod = ResourceValues{std::nullopt, 4000, std::nullopt, std::nullopt};
  return a;
}

inline ActuatedResources SampleActuated(int64_t generation, int64_t shares = 512) {
  ActuatedResources a;
  a.generation = generation;
  a.containers.push_back({"app", CgroupValues{shares, 100000, 100000, int64_t{512} << 20}});
  a.containers.push_back({"sidecar", CgroupValues{2, -1, 100000, std::nullopt}});
  a.pod_cgroup = CgroupValues{shares + 2, 400000, 100000, std::nullopt};
  return a;
}

}  // namespace resizelet::state

#endif  // RESIZELET_TESTS_STATE_TEST_ALLOCATIONS_H_
