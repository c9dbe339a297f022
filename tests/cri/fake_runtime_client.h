// An in-memory RuntimeClient for tests of the code above the CRI (the actuator, the reconciler):
// containers with resources, per-method call counts, injected failures, and the cgroup v1
// memory-below-usage refusal. No gRPC; the same contract as GrpcRuntimeClient (runtime_client.h),
// including the no-op repeated update and the remembered UNIMPLEMENTED sandbox update.
#ifndef RESIZELET_TESTS_CRI_FAKE_RUNTIME_CLIENT_H_
#define RESIZELET_TESTS_CRI_FAKE_RUNTIME_CLIENT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cri/runtime_client.h"

namespace resizelet::cri::testing {

class FakeRuntimeClient : public RuntimeClient {
 public:
  struct Container {
    std::string id;
    std::string pod_sandbox_id;
    std::string pod_uid;
    std::string name;
    ContainerState state = ContainerState::kRunning;
    LinuxResources resources;
    int64_t memory_usage_bytes = 0;  // a memory limit below this is refused (cgroup v1)
    std::string cgroup_dir;          // reported with verbose = true
  };

  void AddSandbox(const std::string& id, const std::string& pod_uid);
  void AddContainer(const Container& container);
  void RemoveContainer(const std::string& id);
  // The stored resources of a container (what the "runtime" applied).
  LinuxResources Resources(const std::string& id);
  // The next `times` calls of `method` return `status` (times < 0: every call).
  void FailNext(const std::string& method, absl::Status status, int times = 1);
  // Calls of `method` that reached the runtime (not counting no-op updates or remembered
  // UNIMPLEMENTED sandbox updates, which never reach it).
  int Count(const std::string& method);
  void set_sandbox_update_supported(bool supported);

  absl::StatusOr<RuntimeVersion> Version() override;
  absl::StatusOr<RuntimeStatus> Status() override;
  absl::StatusOr<CgroupDriver> GetCgroupDriver() override;
  absl::StatusOr<std::vector<PodSandboxInfo>> ListPodSandbox(
      const PodSandboxFilter& filter) override;
  absl::StatusOr<std::vector<ContainerInfo>> ListContainers(const ContainerFilter& filter) override;
  absl::StatusOr<ContainerStatusInfo> ContainerStatus(std::string_view container_id,
                                                      bool verbose) override;
  absl::StatusOr<UpdateOutcome> UpdateContainerResources(std::string_view container_id,
                                                         const LinuxResources& target) override;
  absl::StatusOr<UpdateOutcome> UpdatePodSandboxResources(std::string_view pod_sandbox_id,
                                                          const LinuxResources& overhead,
                                                          const LinuxResources& resources) override;
  // Marks the container exited and records `timeout` (see StopTimeout). NOT_FOUND when removed.
  absl::Status StopContainer(std::string_view container_id, absl::Duration timeout) override;

  // The timeout of the last StopContainer that reached the container; InfiniteDuration if none.
  absl::Duration StopTimeout(const std::string& id);

 private:
  // Counts the call and returns the injected failure, if any.
  absl::Status Enter(const std::string& method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, std::string> sandboxes_ ABSL_GUARDED_BY(mu_);  // id → pod uid
  std::map<std::string, Container> containers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Duration> stop_timeouts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<absl::Status, int>> failures_ ABSL_GUARDED_BY(mu_);
  bool sandbox_update_supported_ ABSL_GUARDED_BY(mu_) = false;
  bool sandbox_update_unimplemented_seen_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace resizelet::cri::testing

#endif  // RESIZELET_TESTS_CRI_FAKE_RUNTIME_CLIENT_H_
