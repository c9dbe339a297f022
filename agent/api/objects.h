// Compact views of the Kubernetes objects resizelet needs: only the fields that decide or report a
// resize. Decoders (decode.h) fill them from the API server's JSON; the JSON itself is never kept.
#ifndef RESIZELET_AGENT_API_OBJECTS_H_
#define RESIZELET_AGENT_API_OBJECTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/api/quantity.h"

namespace resizelet::api {

// A hugepages-<size> entry of a ResourceList ("hugepages-2Mi": "4Mi").
struct HugePageQuantity {
  std::string page_size;  // the part after "hugepages-", e.g. "2Mi"
  Quantity quantity;
  friend bool operator==(const HugePageQuantity&, const HugePageQuantity&) = default;
};

// core/v1 ResourceList restricted to what resizelet acts on. Absent entries are std::nullopt
// (distinct from an explicit zero). Other resource names (ephemeral-storage, extended resources)
// are counted in `other_names` only so that validation can refuse changing them.
struct ResourceList {
  ResourceList();  // defined below
  std::optional<Quantity> cpu;
  std::optional<Quantity> memory;
  std::vector<HugePageQuantity> hugepages;
  int other_names = 0;

  bool empty() const { return !cpu && !memory && hugepages.empty() && other_names == 0; }
  friend bool operator==(const ResourceList&, const ResourceList&) = default;
};

// core/v1 ResourceRequirements.
struct ResourceRequirements {
  ResourceRequirements();  // defined below
  ResourceList requests;
  ResourceList limits;
  bool empty() const { return requests.empty() && limits.empty(); }
  friend bool operator==(const ResourceRequirements&, const ResourceRequirements&) = default;
};

// core/v1 ContainerResizePolicy.restartPolicy; absent means NotRequired.
enum class ResizeRestartPolicy { kNotRequired, kRestartContainer };

struct ContainerSpec {
  ContainerSpec();  // defined below
  std::string name;
  ResourceRequirements resources;
  ResizeRestartPolicy cpu_resize_policy = ResizeRestartPolicy::kNotRequired;
  ResizeRestartPolicy memory_resize_policy = ResizeRestartPolicy::kNotRequired;
  // Init containers only: `restartPolicy: Always` makes it a sidecar (KEP-753).
  bool sidecar = false;
};

enum class ContainerStateKind { kUnknown, kWaiting, kRunning, kTerminated };

// core/v1 ContainerStatus, the parts a resize reads.
struct ContainerStatus {
  ContainerStatus();  // defined below
  std::string name;
  std::string container_id;  // "containerd://<id>" as the API reports it; empty if not created
  ContainerStateKind state = ContainerStateKind::kUnknown;
  std::string state_reason;  // waiting/terminated reason, e.g. "CrashLoopBackOff", "OOMKilled"
  int32_t restart_count = 0;
  // status.containerStatuses[].allocatedResources (requests only, as the API defines it).
  std::optional<ResourceList> allocated_resources;
  // status.containerStatuses[].resources (what the runtime reports as actuated).
  std::optional<ResourceRequirements> resources;
};

struct PodCondition {
  PodCondition();  // defined below
  std::string type;
  std::string status;  // "True" / "False" / "Unknown"
  std::string reason;
  std::string message;
  std::optional<int64_t> observed_generation;
  std::string last_transition_time;  // RFC 3339 as sent
};

enum class QosClass { kUnset, kGuaranteed, kBurstable, kBestEffort };
enum class PodPhase { kUnknown, kPending, kRunning, kSucceeded, kFailed };

struct Pod {
  Pod();  // defined below
  // metadata
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  bool deleting = false;  // metadata.deletionTimestamp is set
  // Annotation kubernetes.io/config.source ("file", "http", "api"); a static pod is one whose
  // source is not "api" (kubelet types.IsStaticPod). kubernetes.io/config.mirror marks mirrors.
  std::string config_source;
  bool mirror = false;

  // spec
  std::string node_name;
  std::vector<ContainerSpec> containers;
  std::vector<ContainerSpec> init_containers;
  // spec.resources (KEP-2837); nullopt when absent.
  std::optional<ResourceRequirements> resources;
  ResourceList overhead;
  int32_t priority = 0;
  std::string priority_class_name;

  // status
  QosClass qos_class = QosClass::kUnset;
  PodPhase phase = PodPhase::kUnknown;
  std::vector<ContainerStatus> container_statuses;
  std::vector<ContainerStatus> init_container_statuses;
  // status.resources / status.allocatedResources at pod level (KEP-2837).
  std::optional<ResourceRequirements> status_resources;
  std::optional<ResourceList> status_allocated_resources;
  std::string
      resize;  // legacy status.resize: "", "Proposed", "InProgress", "Deferred", "Infeasible"
  // The resize conditions of status.conditions (types PodResizePending and PodResizeInProgress),
  // in the order sent. The kubelet's other conditions (Ready, PodScheduled, ...) are not kept:
  // resizelet neither reads nor writes them (its status patch merges conditions by type).
  std::vector<PodCondition> resize_conditions;

  bool IsStatic() const { return !config_source.empty() && config_source != "api"; }
  std::string Key() const { return namespace_name + "/" + name; }
};

// The default constructors above are defined here rather than defaulted in the class: that makes
// them user-provided, so building one of these in place (`vector::emplace_back()`,
// `optional::emplace()`, as the decoder does for every container, status and resource list)
// runs the member initializers only. With an implicit constructor, value-initialization would
// first zero-fill the whole object (hundreds of bytes; bench/README.md, "JSON decode"). Every
// scalar member therefore has an initializer.
inline ResourceList::ResourceList() = default;
inline ResourceRequirements::ResourceRequirements() = default;
inline ContainerSpec::ContainerSpec() = default;
inline ContainerStatus::ContainerStatus() = default;
inline PodCondition::PodCondition() = default;
inline Pod::Pod() = default;

struct Node {
  std::string name;
  std::string resource_version;
  ResourceList allocatable;
  ResourceList capacity;
  std::string kubelet_version;  // status.nodeInfo.kubeletVersion, e.g. "v1.32.4"
};

struct PodList {
  std::string resource_version;
  std::vector<Pod> items;
};

}  // namespace resizelet::api

#endif  // RESIZELET_AGENT_API_OBJECTS_H_
