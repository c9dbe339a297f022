// What the runtime and the pod cgroup hold for a pod, read back in the runtime's units, and the
// check that it is what the allocated pod asks for. Comparing in runtime units (shares, quota µs,
// bytes) rather than quantities is what lets a 1m CPU request complete (kubernetes#114123).
#ifndef RESIZELET_AGENT_RECONCILE_READ_BACK_H_
#define RESIZELET_AGENT_RECONCILE_READ_BACK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/api/objects.h"
#include "agent/resize/container_resources.h"
#include "agent/resize/pod_cgroup_config.h"
#include "agent/state/allocation.h"
#include "cgroups/cgroup_driver.h"
#include "cri/runtime_client.h"

namespace resizelet::reconcile {

// One container of the pod as the runtime knows it.
struct ContainerHandle {
  std::string name;
  std::string id;
  bool running = false;
  // The container's cgroup, for the memory usage check before a decrease; empty if unknown.
  std::string cgroup_path;
};

// Where a pod lives on the node.
struct PodLocation {
  std::string pod_cgroup_path;
  std::string sandbox_id;
  std::vector<ContainerHandle> containers;  // the newest instance of each container name
  const ContainerHandle* Find(std::string_view name) const;
};

// Finds the pod's sandbox and containers through the CRI labels.
absl::StatusOr<PodLocation> LocatePod(cri::RuntimeClient& runtime, std::string_view pod_uid,
                                      std::string pod_cgroup_path);

struct ReadBackOptions {
  resize::ContainerResourceOptions container;
  resize::PodCgroupOptions pod_cgroup;
  bool systemd_driver = false;
};

// The read back values, with the pod cgroup's raw state (v1 shares or v2 weight).
struct ReadBack {
  state::ActuatedResources actuated;  // generation left 0 for the caller
  std::optional<cgroups::CgroupState> pod_cgroup;
};

absl::StatusOr<ReadBack> ReadPod(cri::RuntimeClient& runtime, cgroups::CgroupDriver& driver,
                                 const PodLocation& where);

// OK when `read` holds what `allocated` asks for; Internal with a message naming the first
// difference otherwise. Containers that are not running, and fields the runtime does not report,
// are not compared. `skip` names containers to leave out (stopped for a restart).
absl::Status VerifyReadBack(const api::Pod& allocated, const ReadBack& read,
                            const ReadBackOptions& options,
                            const std::vector<std::string>& skip = {});
// The pod cgroup part of VerifyReadBack alone.
absl::Status VerifyPodCgroup(const api::Pod& allocated, const cgroups::CgroupState& got,
                             const ReadBackOptions& options);

// The pod as its cgroups hold it: `base` with each running container's cpu request and cpu and
// memory limits replaced by the read-back values (memory requests touch no cgroup and are kept).
// Planning from this pod runs exactly the steps still missing, whatever was done before a crash.
api::Pod PodFromReadBack(const api::Pod& base, const ReadBack& read);

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_READ_BACK_H_
