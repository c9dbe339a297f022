// The JSON bodies the stand-in kubelet sends (pure functions, no I/O): its Node object and the
// pods/status patches of the kubelet's status manager (pkg/kubelet/status/status_manager.go). The
// kubelet owns phase, qosClass, startTime, containerStatuses and the Initialized, Ready,
// ContainersReady and PodScheduled conditions; the patch is a strategic merge, so conditions merge
// by type and the ones the kubelet does not own stay. containerStatuses has no merge key and is
// replaced whole, which is how a kubelet drops allocatedResources it did not write.
#ifndef RESIZELET_TESTS_STANDIN_STATUS_BODY_H_
#define RESIZELET_TESTS_STANDIN_STATUS_BODY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/api/objects.h"
#include "nlohmann/json.hpp"

namespace resizelet::standin {

struct NodeView {
  std::string name;
  std::string kubelet_version;  // "v1.32.0"
  int64_t capacity_cpu_milli = 0;
  int64_t capacity_memory_bytes = 0;
  int64_t allocatable_cpu_milli = 0;
  int64_t allocatable_memory_bytes = 0;
};

// The whole Node document for a create; its status alone for a patch of nodes/<name>/status.
nlohmann::json NodeObject(const NodeView& node);
nlohmann::json NodeStatusPatch(const NodeView& node);

struct ContainerView {
  std::string name;
  std::string container_id;  // the runtime's id; reported as "containerd://<id>"
  bool running = false;
  bool terminated = false;  // exited and not yet restarted
  int32_t exit_code = 0;
  std::string reason;
  std::string started_at;  // RFC 3339
  int32_t restart_count = 0;
  std::string image;
  // Written only by a kubelet that resizes (1.33): the allocated requests and the resources
  // actuated.
  std::optional<api::ResourceList> allocated_resources;
  std::optional<api::ResourceRequirements> resources;
};

struct PodView {
  std::string uid;
  api::QosClass qos = api::QosClass::kUnset;
  std::string start_time;  // RFC 3339
  std::vector<ContainerView> containers;
  // lastTransitionTime of Ready / ContainersReady, kept until the status flips.
  std::string ready_since;
};

// True when every container runs (the kubelet's ContainersReady with no readiness probes).
bool AllRunning(const PodView& pod);

// The status patch. `clear_resize` also removes the legacy status.resize field (kubelets up to
// 1.32 treat it as theirs and erase a value they did not write).
nlohmann::json PodStatusPatch(const PodView& pod, bool clear_resize);

// A ResourceList / ResourceRequirements as the API writes them (canonical quantities).
nlohmann::json ResourceListJson(const api::ResourceList& list);
nlohmann::json RequirementsJson(const api::ResourceRequirements& requirements);

// Whether the API's copy of the status differs from the stand-in's view in a field the kubelet
// owns: the legacy resize field (when `owns_resize`), allocatedResources or resources written by
// someone else, a container id or state. The Ready / ContainersReady conditions follow the
// container states and are not compared: the decoded pod keeps only the resize conditions.
bool OwnedStatusDiffers(const api::Pod& server, const PodView& view, bool owns_resize);

}  // namespace resizelet::standin

#endif  // RESIZELET_TESTS_STANDIN_STATUS_BODY_H_
