// The container runtime, as resizelet sees it: the few CRI RuntimeService calls that find a pod's
// containers, read their state and resources, and resize them in place. Everything crossing this
// interface is a plain struct in the runtime's own units (CFS quota/period in µs, cpu.shares,
// bytes), so callers never see protobuf and fakes stay trivial.
//
// Error contract (every method):
//   - NOT_FOUND: the container or sandbox is gone; drop the work, do not retry (IsGone).
//   - UNAVAILABLE / DEADLINE_EXCEEDED: the runtime is restarting, slow or unreachable; retry with
//     backoff (IsRetryable).
//   - FAILED_PRECONDITION carrying a MemoryBelowUsage payload: the runtime refused to set a memory
//     limit below the container's current usage (cgroup v1); see cri_errors.h.
//   - anything else: the runtime's own failure, passed through with its code and message.
#ifndef RESIZELET_CRI_RUNTIME_CLIENT_H_
#define RESIZELET_CRI_RUNTIME_CLIENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cri/resources.h"

namespace resizelet::cri {

// The kubelet's labels on every sandbox and container it creates
// (pkg/kubelet/types/labels.go); resizelet finds a pod's containers by them.
inline constexpr std::string_view kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr std::string_view kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr std::string_view kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr std::string_view kContainerNameLabel = "io.kubernetes.container.name";

enum class ContainerState { kCreated, kRunning, kExited, kUnknown };
enum class SandboxState { kReady, kNotReady };
// The runtime's cgroup driver. kUnknown when the runtime does not implement RuntimeConfig
// (containerd < 2.0, CRI-O < 1.31): the caller falls back to its own setting.
enum class CgroupDriver { kUnknown, kSystemd, kCgroupfs };

std::string_view ContainerStateName(ContainerState state);

struct RuntimeVersion {
  std::string runtime_name;         // "containerd", "cri-o"
  std::string runtime_version;      // "1.6.20~ds1"
  std::string runtime_api_version;  // "v1"
};

struct RuntimeCondition {
  std::string type;  // "RuntimeReady", "NetworkReady"
  bool status = false;
  std::string reason;
  std::string message;
};

struct RuntimeStatus {
  // The RuntimeReady condition; resizelet does not need NetworkReady (host-network pods are
  // resized like any other).
  bool runtime_ready = false;
  std::vector<RuntimeCondition> conditions;
};

// Empty fields do not filter.
struct PodSandboxFilter {
  std::string id;
  std::string pod_uid;  // matched on the io.kubernetes.pod.uid label
  std::optional<SandboxState> state;
};

struct PodSandboxInfo {
  std::string id;
  std::string name;
  std::string pod_namespace;
  std::string pod_uid;
  uint32_t attempt = 0;
  SandboxState state = SandboxState::kNotReady;
  int64_t created_at_ns = 0;
  std::map<std::string, std::string> labels;
};

// Empty fields do not filter.
struct ContainerFilter {
  std::string id;
  std::string pod_sandbox_id;
  std::string pod_uid;         // io.kubernetes.pod.uid label
  std::string container_name;  // io.kubernetes.container.name label
  std::optional<ContainerState> state;
};

struct ContainerInfo {
  std::string id;
  std::string pod_sandbox_id;
  std::string name;  // ContainerMetadata.name (the pod spec's container name)
  uint32_t attempt = 0;
  ContainerState state = ContainerState::kUnknown;
  int64_t created_at_ns = 0;
  std::map<std::string, std::string> labels;
};

struct ContainerStatusInfo {
  std::string id;
  std::string name;
  uint32_t attempt = 0;
  ContainerState state = ContainerState::kUnknown;
  int64_t created_at_ns = 0;
  int64_t started_at_ns = 0;
  int64_t finished_at_ns = 0;
  int32_t exit_code = 0;
  std::string reason;  // "OOMKilled", "Completed", "Error"
  std::string message;
  std::map<std::string, std::string> labels;
  // ContainerStatus.resources.linux as the runtime reports it; absent on runtimes older than the
  // field (added to the CRI for KEP-1287), which then always get the update.
  std::optional<LinuxResources> resources;
  // Only with verbose = true, and only where the runtime's verbose info carries
  // runtimeSpec.linux.cgroupsPath (containerd, CRI-O):
  //   cgroups_path: the value as written in the OCI spec ("/kubepods/burstable/pod<uid>/<id>" or
  //                 "kubepods-burstable-pod<uid_>.slice:cri-containerd:<id>");
  //   cgroup_dir:   the container's directory below a cgroup hierarchy's mount point, in the
  //                 cgroupfs layout ("/kubepods.slice/.../cri-containerd-<id>.scope").
  std::string cgroups_path;
  std::string cgroup_dir;
};

// What a resource update did.
enum class UpdateOutcome {
  kApplied,         // the runtime was asked and said OK
  kAlreadyCurrent,  // the runtime already reported the target values: no call was made
  kUnsupported,     // the runtime does not implement the call (UpdatePodSandboxResources)
};

class RuntimeClient {
 public:
  virtual ~RuntimeClient() = default;

  virtual absl::StatusOr<RuntimeVersion> Version() = 0;
  virtual absl::StatusOr<RuntimeStatus> Status() = 0;
  // RuntimeConfig's cgroup driver; UNIMPLEMENTED is answered as kUnknown, not an error.
  virtual absl::StatusOr<CgroupDriver> GetCgroupDriver() = 0;

  virtual absl::StatusOr<std::vector<PodSandboxInfo>> ListPodSandbox(
      const PodSandboxFilter& filter) = 0;
  virtual absl::StatusOr<std::vector<ContainerInfo>> ListContainers(
      const ContainerFilter& filter) = 0;
  virtual absl::StatusOr<ContainerStatusInfo> ContainerStatus(std::string_view container_id,
                                                              bool verbose) = 0;

  // Sets the container's Linux resources. Idempotent: when ContainerStatus already reports every
  // field the target sets (compared in the runtime's units, see ResourcesSatisfy), no update is
  // sent and kAlreadyCurrent is returned. Fields left at 0 keep their current value
  // (containerd and CRI-O merge the update into the container's spec).
  virtual absl::StatusOr<UpdateOutcome> UpdateContainerResources(std::string_view container_id,
                                                                 const LinuxResources& target) = 0;

  // Best effort (KEP-1287, "UpdatePodSandboxResources"): tells the runtime the pod's new totals.
  // A runtime answering UNIMPLEMENTED is remembered and not asked again: kUnsupported.
  virtual absl::StatusOr<UpdateOutcome> UpdatePodSandboxResources(
      std::string_view pod_sandbox_id, const LinuxResources& overhead,
      const LinuxResources& resources) = 0;

  // Stops the container: the runtime sends its stop signal, then SIGKILL after `timeout`
  // (whole seconds on the wire, rounded up so a sub-second grace is not an immediate kill). Used
  // for `resizePolicy: RestartContainer`: the kubelet then starts the container again from the
  // new spec (kuberuntime computePodResizeAction). The call's deadline is the client's own call
  // timeout plus `timeout`, as the kubelet's remote runtime does (cri-client remote_runtime.go,
  // StopContainer). Idempotent: stopping an exited container succeeds; a removed one is NOT_FOUND.
  virtual absl::Status StopContainer(std::string_view container_id, absl::Duration timeout) = 0;
};

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_RUNTIME_CLIENT_H_
