// A stand-in for the kubelet, for tests and the demo: for each pod bound to its node in the API
// server it does what the kubelet's pod workers do, on a real CRI runtime, behaving as a chosen
// kubelet version, because resizelet must be right next to each (issue 6, product.md "modes"):
//
//   start    pod cgroup with ResourceConfigForPod's values, sandbox and containers with the
//            kubelet's labels, cgroup parent and LinuxContainerResources (kuberuntime_manager.go
//            SyncPod); status.containerStatuses, qosClass and its conditions via pods/status;
//   restart  a container that exited is created again (RestartPolicy Always), after a back-off;
//   delete   deletionTimestamp set: stop the containers, remove the sandbox and the pod cgroup,
//            then delete the object with grace period 0 (the kubelet's status manager does that
//            once the pod is terminated); a pod that vanished from the API is torn down too.
//
// Versions:
//   1.32  InPlacePodVerticalScaling off: resizes nothing, never restarts for a resources change
//         (container hash covers name and image only, kubernetes#124220), and every
//         status_sync_period patches away status fields it owns that differ from its view
//         (status.resize, allocatedResources) while conditions it does not own stay;
//   1.30  as 1.32, but a container whose resources change is killed and recreated with the new
//         ones (the whole container spec is hashed);
//   1.33  resizes by itself: admits with resize::Admit, runs resize::MakePlan's steps through the
//         cgroup driver and the CRI, writes PodResizePending / PodResizeInProgress and clears them
//         on completion, reports allocatedResources and resources.
//
// Every container runs the local test image (there is no registry). Not thread-safe except
// Start/Stop; the work runs on one thread of its own.
#ifndef RESIZELET_TESTS_STANDIN_STANDIN_H_
#define RESIZELET_TESTS_STANDIN_STANDIN_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/api/objects.h"
#include "agent/kube/kube_client.h"
#include "agent/kube/pod_cache.h"
#include "agent/kube/pod_source.h"
#include "agent/kube/status_writer.h"
#include "agent/runtime/clock.h"
#include "cgroups/cgroupfs_driver.h"
#include "cri/runtime_client.h"
#include "tests/harness/pod_runner.h"
#include "tests/standin/status_body.h"

namespace resizelet::standin {

enum class KubeletVersion { k130, k132, k133 };

// "1.30", "1.32", "1.33" (a leading "v" and a patch level are accepted).
absl::StatusOr<KubeletVersion> ParseKubeletVersion(const std::string& text);
// "v1.30.0", ... as the Node reports it.
std::string KubeletGitVersion(KubeletVersion version);

struct StandinOptions {
  std::string node_name;
  KubeletVersion version = KubeletVersion::k132;
  std::string runtime_endpoint;  // "unix:///.../containerd.sock"
  std::string image;             // the image every container runs
  std::string log_root;          // pods' log directories
  // The kubelet's status manager resync (syncBatch every 10 s).
  absl::Duration status_sync_period = absl::Seconds(10);
  // How often the runtime is looked at when nothing changes in the API (the PLEG's relist, 1 s).
  absl::Duration relist_period = absl::Milliseconds(200);
  // First restart back-off of an exited container (the kubelet's is 10 s, doubling to 5 min).
  absl::Duration restart_backoff = absl::Seconds(1);
  // Node capacity and allocatable; 0: read from the machine (allocatable = capacity).
  int64_t capacity_cpu_milli = 0;
  int64_t capacity_memory_bytes = 0;
  int64_t allocatable_cpu_milli = 0;
  int64_t allocatable_memory_bytes = 0;
  runtime::Clock* clock = nullptr;  // timers (status resync, back-offs); default RealClock
};

class Standin {
 public:
  // Registers or updates the Node object, connects to the runtime and detects the cgroup layout.
  static absl::StatusOr<std::unique_ptr<Standin>> Create(kube::KubeClient* client,
                                                         StandinOptions options);
  // Stop(); then every pod it started is removed from the runtime (containers, sandbox, cgroups).
  ~Standin();

  void Start();
  void Stop();

  // How many containers it (re)created since start, and how many resizes it actuated (1.33).
  int containers_started() const { return containers_started_.load(); }
  int resizes_actuated() const { return resizes_actuated_.load(); }
  int status_syncs() const { return status_syncs_.load(); }
  // Completed reconcile passes over the node's pods (after the pod list synced).
  int passes() const { return passes_.load(); }
  // The first error of the last pass, for logs and tests.
  absl::Status last_error() const;

 private:
  struct ContainerState {
    std::string id;
    int32_t restart_count = 0;
    std::string started_at;
    bool running = false;
    bool terminated = false;
    int32_t exit_code = 0;
    std::string reason;
    // The resources it was created with (1.30 recreates it when the spec asks for others).
    cri::LinuxResources created_with;
    absl::Time restart_after = absl::InfinitePast();  // InfinitePast: not waiting
    absl::Duration backoff = absl::ZeroDuration();
  };
  struct PodState {
    api::Pod allocated;  // the spec as admitted (1.33) or as started
    harness::RunningPod running;
    std::map<std::string, ContainerState> containers;
    std::string start_time;
    std::string ready_since;
    bool was_ready = false;
    nlohmann::json last_sent;  // the last status patch, to send only changes
    kube::ResizeConditions last_conditions;
    bool conditions_written = false;
    absl::Time resize_retry_after = absl::InfinitePast();
    absl::Duration resize_backoff = absl::ZeroDuration();
  };

  Standin(kube::KubeClient* client, StandinOptions options);
  absl::Status RegisterNode();
  void Run();
  void SyncAll(bool status_resync);
  absl::Status SyncPod(const api::Pod& pod, bool status_resync);
  absl::Status StartPod(const api::Pod& pod);
  absl::Status ApplyPodCgroup(const api::Pod& allocated, PodState& state);
  absl::StatusOr<cri::LinuxResources> ContainerResourcesFor(const api::Pod& pod,
                                                            const std::string& name) const;
  absl::Status StartContainer(const api::Pod& pod, PodState& state, const std::string& name);
  absl::Status RefreshContainers(const api::Pod& pod, PodState& state);
  absl::Status RecreateOnResourceChange(const api::Pod& pod, PodState& state);
  absl::Status Resize(const api::Pod& pod, PodState& state);
  absl::Status Actuate(const api::Pod& from, const api::Pod& to, PodState& state);
  absl::Status WriteConditions(const api::Pod& pod, PodState& state,
                               const kube::ResizeConditions& conditions);
  absl::Status ReportStatus(const api::Pod& pod, PodState& state, bool status_resync);
  absl::Status TearDown(const std::string& uid);
  absl::Status DeleteObject(const api::Pod& pod);
  absl::StatusOr<std::vector<std::string>> CommandOf(const api::Pod& pod, const std::string& name);
  PodView ViewOf(const api::Pod& pod, const PodState& state) const;
  std::string Now() const;

  kube::KubeClient* const client_;
  const StandinOptions options_;
  runtime::Clock* const clock_;
  NodeView node_;
  std::unique_ptr<cri::RuntimeClient> runtime_;
  std::unique_ptr<harness::PodRunner> runner_;
  std::unique_ptr<cgroups::CgroupfsDriver> cgroups_;
  bool cgroup_v2_ = false;
  kube::PodStatusWriter status_writer_;
  kube::PodCache cache_;
  std::unique_ptr<kube::PodSource> source_;

  std::map<std::string, PodState> pods_;  // by UID; touched by the work thread only
  // Pods whose last sync failed wait before the next attempt (real time: errors are not timers a
  // test steps through).
  struct Retry {
    absl::Time after = absl::InfinitePast();
    absl::Duration delay = absl::ZeroDuration();
  };
  std::map<std::string, Retry> retries_;  // by UID

  std::mutex mu_;
  std::condition_variable wake_;
  bool changed_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Time next_resync_ = absl::InfinitePast();
  std::atomic<int> containers_started_{0};
  std::atomic<int> resizes_actuated_{0};
  std::atomic<int> status_syncs_{0};
  std::atomic<int> passes_{0};
  mutable std::mutex error_mu_;
  absl::Status last_error_;
};

}  // namespace resizelet::standin

#endif  // RESIZELET_TESTS_STANDIN_STANDIN_H_
