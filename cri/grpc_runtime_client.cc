#include "cri/grpc_runtime_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/common/status_macros.h"
#include "agent/runtime/backoff.h"
#include "agent/runtime/clock.h"
#include "cri/call_limiter.h"
#include "cri/cgroup_path.h"
#include "cri/cri_errors.h"
#include "cri/proto_convert.h"
#include "proto/runtime/v1/api.grpc.pb.h"

namespace resizelet::cri {
namespace {

namespace v1 = ::runtime::v1;

// The kubelet's maxMsgSize for the CRI (pkg/kubelet/cri/remote/utils.go): 16 MiB.
constexpr int kMaxMessageBytes = 16 * 1024 * 1024;

// UNAVAILABLE retries within one call: 50 ms doubling to 1 s. No jitter: the calls come from one
// process through one channel, so there is no herd to spread, and the number of attempts that fit
// the retry window stays predictable. Every call starts over, so reset_after never applies.
constexpr runtime::BackoffPolicy kUnavailableRetryPolicy{.initial = absl::Milliseconds(50),
                                                         .factor = 2.0,
                                                         .cap = absl::Seconds(1),
                                                         .jitter = 0.0,
                                                         .reset_after = absl::ZeroDuration()};

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::StatusCode ToAbslCode(grpc::StatusCode code) {
  // gRPC and absl share the canonical code numbering.
  return static_cast<absl::StatusCode>(static_cast<int>(code));
}

int ToMillis(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, 1 << 30));
}

}  // namespace

struct GrpcRuntimeClient::Impl {
  Impl(GrpcRuntimeClientOptions opts, std::shared_ptr<grpc::Channel> ch)
      : options(std::move(opts)),
        channel(std::move(ch)),
        stub(v1::RuntimeService::NewStub(channel)),
        limiter(options.max_calls_in_flight) {}

  void Report(std::string_view method, absl::StatusCode code, absl::Duration duration) {
    if (options.observer != nullptr) {
      options.observer->OnRuntimeCall(method, code, duration);
    }
  }

  // Runs `rpc(ClientContext*)` under the deadline, the in-flight bound and the UNAVAILABLE retry.
  // `extra_time` lengthens the deadline for calls that wait inside the runtime by design
  // (StopContainer's grace period).
  template <typename Rpc>
  absl::Status Call(std::string_view method, Rpc rpc,
                    absl::Duration extra_time = absl::ZeroDuration()) {
    const absl::Time start = absl::Now();
    const absl::Time deadline = start + options.call_timeout + extra_time;
    if (!limiter.Acquire(deadline)) {
      Report(method, absl::StatusCode::kDeadlineExceeded, absl::Now() - start);
      return absl::DeadlineExceededError(absl::StrCat(Absl(method), ": no free runtime call slot (",
                                                      options.max_calls_in_flight,
                                                      " in flight) before the deadline"));
    }
    absl::Cleanup release = [this] { limiter.Release(); };
    const absl::Time retry_until = std::min(deadline, start + options.unavailable_retry_window);
    runtime::Clock* const clock = runtime::RealClock::Default();
    runtime::Backoff backoff(kUnavailableRetryPolicy, clock, /*seed=*/0);
    while (true) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(deadline));
      const absl::Time attempt_start = absl::Now();
      const grpc::Status status = rpc(&context);
      const absl::StatusCode code = ToAbslCode(status.error_code());
      Report(method, code, absl::Now() - attempt_start);
      if (status.ok()) {
        return absl::OkStatus();
      }
      // The runtime is restarting or the channel is between reconnect attempts: every call here
      // is idempotent, so waiting a little and asking again is safe.
      if (code == absl::StatusCode::kUnavailable) {
        const absl::Duration delay = backoff.Next();
        if (clock->Now() + delay < retry_until) {
          clock->SleepFor(delay);
          continue;
        }
      }
      return ClassifyRuntimeError(method, code, status.error_message());
    }
  }

  const GrpcRuntimeClientOptions options;
  const std::shared_ptr<grpc::Channel> channel;
  const std::unique_ptr<v1::RuntimeService::Stub> stub;
  CallLimiter limiter;

  absl::Mutex mu;
  // The runtime version seen last, and the version for which UpdatePodSandboxResources answered
  // UNIMPLEMENTED (empty when it has not): a runtime upgraded in place is asked again.
  std::string runtime_version ABSL_GUARDED_BY(mu);
  std::optional<std::string> sandbox_update_unimplemented_for ABSL_GUARDED_BY(mu);
};

absl::StatusOr<std::unique_ptr<GrpcRuntimeClient>> GrpcRuntimeClient::Create(
    GrpcRuntimeClientOptions options) {
  if (options.endpoint.empty()) {
    return absl::InvalidArgumentError("empty runtime endpoint");
  }
  if (options.call_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("call_timeout must be positive");
  }
  if (options.max_calls_in_flight < 1) {
    return absl::InvalidArgumentError("max_calls_in_flight must be at least 1");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, ToMillis(options.reconnect_backoff_initial));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, ToMillis(options.reconnect_backoff_max));
  // gRPC core's "min reconnect backoff" is the least time one connection attempt is given.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, ToMillis(options.connect_timeout));
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.endpoint, grpc::InsecureChannelCredentials(), args);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create a channel to ", options.endpoint));
  }
  return std::unique_ptr<GrpcRuntimeClient>(
      new GrpcRuntimeClient(std::make_unique<Impl>(std::move(options), std::move(channel))));
}

GrpcRuntimeClient::GrpcRuntimeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GrpcRuntimeClient::~GrpcRuntimeClient() = default;

absl::StatusOr<RuntimeVersion> GrpcRuntimeClient::Version() {
  v1::VersionRequest request;
  request.set_version("v1");
  v1::VersionResponse response;
  RETURN_IF_ERROR(impl_->Call("Version", [&](grpc::ClientContext* c) {
    return impl_->stub->Version(c, request, &response);
  }));
  RuntimeVersion out{response.runtime_name(), response.runtime_version(),
                     response.runtime_api_version()};
  absl::MutexLock lock(&impl_->mu);
  impl_->runtime_version = out.runtime_name + " " + out.runtime_version;
  return out;
}

absl::StatusOr<RuntimeStatus> GrpcRuntimeClient::Status() {
  v1::StatusRequest request;
  v1::StatusResponse response;
  RETURN_IF_ERROR(impl_->Call("Status", [&](grpc::ClientContext* c) {
    return impl_->stub->Status(c, request, &response);
  }));
  RuntimeStatus out;
  for (const v1::RuntimeCondition& c : response.status().conditions()) {
    out.conditions.push_back({c.type(), c.status(), c.reason(), c.message()});
    if (c.type() == "RuntimeReady") {
      out.runtime_ready = c.status();
    }
  }
  return out;
}

absl::StatusOr<CgroupDriver> GrpcRuntimeClient::GetCgroupDriver() {
  v1::RuntimeConfigRequest request;
  v1::RuntimeConfigResponse response;
  const absl::Status status = impl_->Call("RuntimeConfig", [&](grpc::ClientContext* c) {
    return impl_->stub->RuntimeConfig(c, request, &response);
  });
  // Runtimes before the KubeletCgroupDriverFromCRI feature (containerd 1.x) do not implement it;
  // the kubelet then keeps its configured driver (pkg/kubelet/kubelet.go, getCgroupDriverFromCRI).
  if (status.code() == absl::StatusCode::kUnimplemented) {
    return CgroupDriver::kUnknown;
  }
  if (!status.ok()) {
    return status;
  }
  if (!response.has_linux()) {
    return CgroupDriver::kUnknown;
  }
  return response.linux().cgroup_driver() == v1::CGROUPFS ? CgroupDriver::kCgroupfs
                                                          : CgroupDriver::kSystemd;
}

absl::StatusOr<std::vector<PodSandboxInfo>> GrpcRuntimeClient::ListPodSandbox(
    const PodSandboxFilter& filter) {
  v1::ListPodSandboxRequest request;
  v1::PodSandboxFilter* f = request.mutable_filter();
  f->set_id(filter.id);
  if (filter.state.has_value()) {
    f->mutable_state()->set_state(ToProto(*filter.state));
  }
  if (!filter.pod_uid.empty()) {
    (*f->mutable_label_selector())[std::string(kPodUidLabel)] = filter.pod_uid;
  }
  v1::ListPodSandboxResponse response;
  RETURN_IF_ERROR(impl_->Call("ListPodSandbox", [&](grpc::ClientContext* c) {
    return impl_->stub->ListPodSandbox(c, request, &response);
  }));
  std::vector<PodSandboxInfo> out;
  out.reserve(response.items_size());
  for (const v1::PodSandbox& s : response.items()) {
    out.push_back(FromProto(s));
  }
  return out;
}

absl::StatusOr<std::vector<ContainerInfo>> GrpcRuntimeClient::ListContainers(
    const ContainerFilter& filter) {
  v1::ListContainersRequest request;
  v1::ContainerFilter* f = request.mutable_filter();
  f->set_id(filter.id);
  f->set_pod_sandbox_id(filter.pod_sandbox_id);
  if (filter.state.has_value()) {
    f->mutable_state()->set_state(ToProto(*filter.state));
  }
  if (!filter.pod_uid.empty()) {
    (*f->mutable_label_selector())[std::string(kPodUidLabel)] = filter.pod_uid;
  }
  if (!filter.container_name.empty()) {
    (*f->mutable_label_selector())[std::string(kContainerNameLabel)] = filter.container_name;
  }
  v1::ListContainersResponse response;
  RETURN_IF_ERROR(impl_->Call("ListContainers", [&](grpc::ClientContext* c) {
    return impl_->stub->ListContainers(c, request, &response);
  }));
  std::vector<ContainerInfo> out;
  out.reserve(response.containers_size());
  for (const v1::Container& c : response.containers()) {
    out.push_back(FromProto(c));
  }
  return out;
}

absl::StatusOr<ContainerStatusInfo> GrpcRuntimeClient::ContainerStatus(
    std::string_view container_id, bool verbose) {
  v1::ContainerStatusRequest request;
  request.set_container_id(std::string(container_id));
  request.set_verbose(verbose);
  v1::ContainerStatusResponse response;
  RETURN_IF_ERROR(impl_->Call("ContainerStatus", [&](grpc::ClientContext* c) {
    return impl_->stub->ContainerStatus(c, request, &response);
  }));
  ContainerStatusInfo out = FromProto(response.status());
  if (verbose) {
    const std::map<std::string, std::string> info(response.info().begin(), response.info().end());
    absl::StatusOr<std::string> path = CgroupsPathFromVerboseInfo(info);
    if (path.ok()) {
      absl::StatusOr<std::string> dir = CgroupDirFromCgroupsPath(*path);
      if (!dir.ok()) {
        return absl::InternalError(
            absl::StrCat("ContainerStatus ", Absl(container_id), ": ", dir.status().message()));
      }
      out.cgroups_path = *std::move(path);
      out.cgroup_dir = *std::move(dir);
    }
  }
  return out;
}

absl::StatusOr<UpdateOutcome> GrpcRuntimeClient::UpdateContainerResources(
    std::string_view container_id, const LinuxResources& target) {
  // The kubelet compares allocated and actuated resources before calling the runtime
  // (computePodResizeAction); here the runtime's own report is the actuated state, so a repeated
  // resize — or a level-triggered reconcile that finds nothing to do — costs one cheap read.
  ASSIGN_OR_RETURN(const ContainerStatusInfo current, ContainerStatus(container_id, false));
  if (current.resources.has_value() && ResourcesSatisfy(*current.resources, target)) {
    return UpdateOutcome::kAlreadyCurrent;
  }
  v1::UpdateContainerResourcesRequest request;
  request.set_container_id(std::string(container_id));
  ToProto(target, request.mutable_linux());
  v1::UpdateContainerResourcesResponse response;
  RETURN_IF_ERROR(impl_->Call("UpdateContainerResources", [&](grpc::ClientContext* c) {
    return impl_->stub->UpdateContainerResources(c, request, &response);
  }));
  return UpdateOutcome::kApplied;
}

absl::StatusOr<UpdateOutcome> GrpcRuntimeClient::UpdatePodSandboxResources(
    std::string_view pod_sandbox_id, const LinuxResources& overhead,
    const LinuxResources& resources) {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->sandbox_update_unimplemented_for.has_value()) {
      if (*impl_->sandbox_update_unimplemented_for == impl_->runtime_version) {
        return UpdateOutcome::kUnsupported;
      }
      impl_->sandbox_update_unimplemented_for.reset();
    }
  }
  v1::UpdatePodSandboxResourcesRequest request;
  request.set_pod_sandbox_id(std::string(pod_sandbox_id));
  ToProto(overhead, request.mutable_overhead());
  ToProto(resources, request.mutable_resources());
  v1::UpdatePodSandboxResourcesResponse response;
  const absl::Status status = impl_->Call("UpdatePodSandboxResources", [&](grpc::ClientContext* c) {
    return impl_->stub->UpdatePodSandboxResources(c, request, &response);
  });
  // Best effort, as in the kubelet (KEP-1287): the pod cgroup is resizelet's to write either way.
  if (status.code() == absl::StatusCode::kUnimplemented) {
    absl::MutexLock lock(&impl_->mu);
    impl_->sandbox_update_unimplemented_for = impl_->runtime_version;
    return UpdateOutcome::kUnsupported;
  }
  if (!status.ok()) {
    return status;
  }
  return UpdateOutcome::kApplied;
}

absl::Status GrpcRuntimeClient::StopContainer(std::string_view container_id,
                                              absl::Duration timeout) {
  // StopContainerRequest.timeout is in whole seconds; rounding up keeps a sub-second grace from
  // turning into an immediate SIGKILL.
  const int64_t seconds = timeout <= absl::ZeroDuration()
                              ? 0
                              : absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1)));
  v1::StopContainerRequest request;
  request.set_container_id(std::string(container_id));
  request.set_timeout(seconds);
  v1::StopContainerResponse response;
  // The runtime waits up to `timeout` for the container to exit before it answers, so the
  // deadline covers that wait on top of the usual call timeout (cri-client remote_runtime.go).
  return impl_->Call(
      "StopContainer",
      [&](grpc::ClientContext* c) { return impl_->stub->StopContainer(c, request, &response); },
      absl::Seconds(seconds));
}

}  // namespace resizelet::cri
