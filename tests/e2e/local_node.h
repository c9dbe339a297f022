// A whole node on this host, for the end-to-end tests of issue 6: the local API server
// (in-process, for its request log and store), the stand-in kubelet as a process (its own private
// containerd, behaving as a chosen kubelet version), a counting CRI proxy between resizelet and
// that containerd (calls counted on the runtime's side of the wire), and the real `resizelet run`
// binary. Users act through the real /usr/bin/kubectl, as a user would.
//
// Start order: API server, stand-in (waits for its "ready <endpoint>"), proxy, resizelet (waits
// for /metrics to report a mode). Teardown stops resizelet before the stand-in (the stand-in
// removes its pods and its containerd on SIGTERM), kills every child by PID, and reports anything
// left behind: processes naming the work directory, mounts below it, pod cgroup directories of
// the pods the test created.
//
// Every wait polls with a deadline. A missing peer (kubectl, containerd) fails Start loudly.
// With RESIZELET_E2E_KEEP set, the work directory (logs, state, kubeconfig) is kept.
#ifndef RESIZELET_TESTS_E2E_LOCAL_NODE_H_
#define RESIZELET_TESTS_E2E_LOCAL_NODE_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cri/resources.h"
#include "cri/runtime_client.h"
#include "nlohmann/json.hpp"
#include "tests/apiserver/api_server.h"
#include "tests/harness/counting_proxy.h"

namespace resizelet::e2e {

inline constexpr char kNodeName[] = "node-a";

struct LocalNodeOptions {
  std::string api_version = "v1.32.4";   // the API server's gitVersion
  std::string kubelet_version = "1.32";  // the stand-in's --kubelet-version
  int status_sync_period_ms = 1000;      // the stand-in's status reconcile
  int64_t allocatable_cpu_milli = 0;     // 0: the machine's
  int64_t allocatable_memory_bytes = 0;
  std::string mode = "auto";  // resizelet --mode
  bool legacy_resize_status = false;
  // Added to resizelet's environment at its first start ("RESIZELET_CRASH_AT=after_admission").
  std::vector<std::string> resizelet_env;
};

// What resizelet's exit looked like.
struct ExitInfo {
  bool signaled = false;
  int signal = 0;
  int exit_code = 0;
};

class LocalNode {
 public:
  static absl::StatusOr<std::unique_ptr<LocalNode>> Start(LocalNodeOptions options);
  ~LocalNode();  // Teardown(), errors ignored
  LocalNode(const LocalNode&) = delete;
  LocalNode& operator=(const LocalNode&) = delete;

  // Stops resizelet, then the stand-in, the proxy and the API server; an error names what was
  // left behind (and has been cleaned up).
  absl::Status Teardown();

  // --- resizelet ---
  // Starts `resizelet run` (if not running) with `env` added to its environment ("K=V"), and
  // waits until its /metrics reports a mode.
  absl::Status StartResizelet(const std::vector<std::string>& env = {});
  // SIGTERM (then SIGKILL) and reap.
  absl::Status StopResizelet();
  // Waits for resizelet to exit on its own; DEADLINE_EXCEEDED if it still runs.
  absl::StatusOr<ExitInfo> WaitResizeletExit(std::chrono::milliseconds timeout);
  bool ResizeletRunning() const { return resizelet_pid_ > 0; }
  std::string ResizeletLog() const;
  // GET /metrics; the samples as "name{labels}" → value (empty on error).
  std::map<std::string, double> Metrics() const;
  std::string MetricsText() const;
  // The mode resizelet_mode reports with value 1 ("actuate", ...), or empty.
  std::string Mode() const;

  // --- kubectl (the real binary, this node's kubeconfig) ---
  absl::StatusOr<std::string> Kubectl(const std::vector<std::string>& args) const;
  // kubectl apply -f of `pod` (JSON is YAML); returns the pod's UID once the stand-in runs it.
  absl::StatusOr<std::string> ApplyRunningPod(const nlohmann::json& pod);
  // kubectl patch pod NAME --subresource resize -p BODY (a strategic merge: containers by name).
  absl::Status PatchResize(const std::string& name, const nlohmann::json& patch) const;

  // --- the API server's view ---
  std::optional<nlohmann::json> Pod(const std::string& name) const;
  // Events whose involvedObject.uid is `uid`, in creation order.
  std::vector<nlohmann::json> EventsFor(const std::string& uid) const;
  apiserver::ApiServer& server() { return *server_; }
  // PATCHes of pods/<name>/status whose user agent starts with `agent_prefix`.
  int StatusPatches(const std::string& name, const std::string& agent_prefix) const;
  // Every request but GETs, one a line (method, path, user agent, status, body), for failure
  // messages.
  std::string RequestLogText() const;
  // Requests from `agent_prefix` whose method matches (empty: any) and path contains `match`.
  int RequestsFrom(const std::string& agent_prefix, const std::string& method,
                   const std::string& match) const;

  // --- the runtime's side ---
  harness::CountingCriProxy& proxy() { return *proxy_; }
  const std::string& runtime_endpoint() const { return runtime_endpoint_; }
  // ContainerStatus.resources.linux as the runtime reports it (asked directly, not through the
  // proxy, so the proxy's counts stay resizelet's).
  absl::StatusOr<cri::LinuxResources> ContainerResources(const std::string& container_id);

  const std::string& dir() const { return dir_; }
  const LocalNodeOptions& options() const { return options_; }

 private:
  explicit LocalNode(LocalNodeOptions options) : options_(std::move(options)) {}
  absl::Status StartAll();
  absl::Status StartStandin();

  const LocalNodeOptions options_;
  std::string dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  pid_t standin_pid_ = -1;
  std::string runtime_endpoint_;
  std::unique_ptr<harness::CountingCriProxy> proxy_;
  std::unique_ptr<cri::RuntimeClient> cri_;
  pid_t resizelet_pid_ = -1;
  int resizelet_starts_ = 0;
  int metrics_port_ = 0;
  int healthz_port_ = 0;
  std::vector<std::string> pod_uids_;
  bool torn_down_ = false;
};

// Polls `done` every 50 ms until it holds or `timeout` passes; returns its last value.
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

// The value of a v1 cgroup file below /sys/fs/cgroup/<controller>/kubepods/burstable/pod<uid>
// (`container_id` empty: the pod cgroup), trimmed; empty if unreadable.
std::string BurstableCgroupValue(const std::string& controller, const std::string& uid,
                                 const std::string& container_id, const std::string& file);

// The container ID (without "containerd://") of the pod's first container status, or empty.
std::string FirstContainerId(const nlohmann::json& pod);

// The condition of `type` in a pod's status.conditions, or null.
nlohmann::json Condition(const nlohmann::json& pod, const std::string& type);

}  // namespace resizelet::e2e

#endif  // RESIZELET_TESTS_E2E_LOCAL_NODE_H_
