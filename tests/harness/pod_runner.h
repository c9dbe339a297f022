// Creates and removes pods on a real CRI runtime the way the kubelet does
// (kuberuntime_sandbox.go generatePodSandboxConfig, kuberuntime_container.go
// generateContainerConfig): the kubelet's labels, host network, an empty hostname (runc refuses one
// in a host-network sandbox here), the cgroupfs pod cgroup /kubepods/<tier>/pod<uid> as cgroup
// parent. Removing a pod also removes the pod cgroup directories runc created (containerd leaves
// the cgroup_parent directories behind) and, once empty, the /kubepods and /kubepods/<tier>
// parents if a harness created them.
#ifndef RESIZELET_TESTS_HARNESS_POD_RUNNER_H_
#define RESIZELET_TESTS_HARNESS_POD_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cri/resources.h"
#include "proto/runtime/v1/api.grpc.pb.h"

namespace resizelet::harness {

enum class QosTier { kGuaranteed, kBurstable, kBestEffort };

struct PodSpec {
  std::string name = "pod";
  std::string pod_namespace = "default";
  std::string uid;  // generated when empty
  QosTier tier = QosTier::kBurstable;
  // RunPodSandboxRequest.runtime_handler; empty: the runtime's default (ContainerdOptions).
  std::string runtime_handler;
};

struct ContainerSpec {
  std::string name = "main";
  std::vector<std::string> command = {"/bin/sleep", "3600"};
  cri::LinuxResources resources;
};

struct RunningPod {
  std::string uid;
  std::string name;
  std::string pod_namespace;
  std::string sandbox_id;
  std::string cgroup_parent;  // "/kubepods/burstable/pod<uid>"
  ::runtime::v1::PodSandboxConfig config;
  std::vector<std::string> container_ids;
};

// "/kubepods", "/kubepods/burstable", "/kubepods/besteffort" (Guaranteed pods sit at the top).
std::string TierCgroup(QosTier tier);

class PodRunner {
 public:
  // `endpoint` is the runtime's gRPC target; `log_root` holds the pods' log directories; `image`
  // is the container image every container runs.
  PodRunner(const std::string& endpoint, std::string log_root, std::string image);
  ~PodRunner();

  absl::StatusOr<RunningPod> RunPod(const PodSpec& spec);
  // CreateContainer + StartContainer; appends the id to pod->container_ids.
  absl::StatusOr<std::string> StartContainer(RunningPod* pod, const ContainerSpec& spec);
  // Stop (no grace) and remove one container.
  absl::Status RemoveContainer(const std::string& container_id);
  // Containers, sandbox, then the pod's cgroup directories.
  absl::Status RemovePod(const RunningPod& pod);
  // Every pod this runner started and has not removed.
  absl::Status RemoveAll();

  ::runtime::v1::RuntimeService::Stub& stub() { return *stub_; }

 private:
  absl::Status RemoveCgroupDirs(const std::string& cgroup_parent);
  absl::Status RemovePodLocked(const RunningPod& pod);

  std::unique_ptr<::runtime::v1::RuntimeService::Stub> stub_;
  std::string log_root_;
  std::string image_;
  std::vector<RunningPod> pods_;
};

// Polls `path` until its whitespace-trimmed content equals `want` (cgroup writes through runc
// are synchronous, but a runtime may apply them after replying).
absl::Status WaitForFileContent(const std::string& path, const std::string& want,
                                absl::Duration timeout);
absl::StatusOr<std::string> ReadTrimmed(const std::string& path);

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_POD_RUNNER_H_
