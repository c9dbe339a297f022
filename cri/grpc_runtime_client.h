// RuntimeClient over the CRI's gRPC RuntimeService on a local UNIX socket (containerd, CRI-O).
//
// Per call: a deadline (call_timeout, default 30 s; the kubelet's remote runtime uses 2 min; for
// StopContainer, call_timeout plus the stop timeout);
// a slot from a bounded pool (max_calls_in_flight), taken before the deadline or the call fails
// with DEADLINE_EXCEEDED; UNAVAILABLE retried with exponential backoff inside
// unavailable_retry_window (all calls here are idempotent: reads, updates to absolute values, and
// stops, which succeed on an exited container);
// one CallObserver report per attempt. The channel reconnects by itself after the runtime restarts,
// with the kubelet's reconnect backoff (k8s.io/cri-client remote_runtime.go: base 100 ms, max 3 s,
// 5 s minimum connect timeout), so a restarted runtime is found within seconds; the default retry
// window outlasts one maximum backoff, so a call spanning a short restart still succeeds.
#ifndef RESIZELET_CRI_GRPC_RUNTIME_CLIENT_H_
#define RESIZELET_CRI_GRPC_RUNTIME_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cri/call_observer.h"
#include "cri/runtime_client.h"

namespace resizelet::cri {

struct GrpcRuntimeClientOptions {
  // gRPC target, "unix:///run/containerd/containerd.sock" (see ResolveEndpoint).
  std::string endpoint;
  absl::Duration call_timeout = absl::Seconds(30);
  int max_calls_in_flight = 8;
  absl::Duration reconnect_backoff_initial = absl::Milliseconds(100);
  absl::Duration reconnect_backoff_max = absl::Seconds(3);
  absl::Duration connect_timeout = absl::Seconds(5);
  // How long UNAVAILABLE is retried within one call (never past its deadline). 0: no retry.
  absl::Duration unavailable_retry_window = absl::Seconds(4);
  CallObserver* observer = nullptr;  // not owned; may be null; must outlive the client
};

class GrpcRuntimeClient final : public RuntimeClient {
 public:
  // Creates the channel; does not connect (the first call does). INVALID_ARGUMENT on bad options.
  static absl::StatusOr<std::unique_ptr<GrpcRuntimeClient>> Create(
      GrpcRuntimeClientOptions options);
  ~GrpcRuntimeClient() override;

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
  absl::Status StopContainer(std::string_view container_id, absl::Duration timeout) override;

 private:
  struct Impl;
  explicit GrpcRuntimeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_GRPC_RUNTIME_CLIENT_H_
