// Deterministic generator of realistic Pod JSON, shaped like `kubectl get pod -o json` on a
// busy cluster: containers with env, ports, probes and volume mounts, init containers, volumes,
// tolerations, managedFields, a last-applied-configuration annotation and a full status. Used by
// the decode benchmark and by the instruction-count check in tests/api.
#ifndef RESIZELET_BENCH_API_POD_GENERATOR_H_
#define RESIZELET_BENCH_API_POD_GENERATOR_H_

#include <cstddef>
#include <string>

namespace resizelet::bench {

struct PodShape {
  int containers = 1;
  int env_per_container = 4;
  int volumes = 2;
  int init_containers = 1;  // the first one is a sidecar (restartPolicy: Always)
};

// One pod of the given shape; `seed` varies names and ids.
std::string GeneratePodJson(const PodShape& shape, int seed = 0);

// The smallest generated pod of at least `approx_bytes` bytes (sizes step by about 2%).
std::string GeneratePodJsonOfSize(size_t approx_bytes, int seed = 0);

}  // namespace resizelet::bench

#endif  // RESIZELET_BENCH_API_POD_GENERATOR_H_
