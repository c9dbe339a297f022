#include "cri/proto_convert.h"

namespace resizelet::cri {
namespace {

template <typename ProtoMap>
std::map<std::string, std::string> ToStdMap(const ProtoMap& in) {
  return std::map<std::string, std::string>(in.begin(), in.end());
}

}  // namespace

void ToProto(const LinuxResources& in, ::runtime::v1::LinuxContainerResources* out) {
  out->set_cpu_period(in.cpu_period);
  out->set_cpu_quota(in.cpu_quota);
  out->set_cpu_shares(in.cpu_shares);
  out->set_memory_limit_in_bytes(in.memory_limit_in_bytes);
  out->set_oom_score_adj(in.oom_score_adj);
  out->set_cpuset_cpus(in.cpuset_cpus);
  out->set_cpuset_mems(in.cpuset_mems);
  out->set_memory_swap_limit_in_bytes(in.memory_swap_limit_in_bytes);
  for (const auto& [file, value] : in.unified) {
    (*out->mutable_unified())[file] = value;
  }
}

LinuxResources FromProto(const ::runtime::v1::LinuxContainerResources& in) {
  LinuxResources out;
  out.cpu_period = in.cpu_period();
  out.cpu_quota = in.cpu_quota();
  out.cpu_shares = in.cpu_shares();
  out.memory_limit_in_bytes = in.memory_limit_in_bytes();
  out.oom_score_adj = in.oom_score_adj();
  out.cpuset_cpus = in.cpuset_cpus();
  out.cpuset_mems = in.cpuset_mems();
  out.memory_swap_limit_in_bytes = in.memory_swap_limit_in_bytes();
  out.unified = ToStdMap(in.unified());
  return out;
}

::runtime::v1::ContainerState ToProto(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated:
      return ::runtime::v1::CONTAINER_CREATED;
    case ContainerState::kRunning:
      return ::runtime::v1::CONTAINER_RUNNING;
    case ContainerState::kExited:
      return ::runtime::v1::CONTAINER_EXITED;
    case ContainerState::kUnknown:
      break;
  }
  return ::runtime::v1::CONTAINER_UNKNOWN;
}

ContainerState FromProto(::runtime::v1::ContainerState state) {
  switch (state) {
    case ::runtime::v1::CONTAINER_CREATED:
      return ContainerState::kCreated;
    case ::runtime::v1::CONTAINER_RUNNING:
      return ContainerState::kRunning;
    case ::runtime::v1::CONTAINER_EXITED:
      return ContainerState::kExited;
    default:
      return ContainerState::kUnknown;
  }
}

::runtime::v1::PodSandboxState ToProto(SandboxState state) {
  return state == SandboxState::kReady ? ::runtime::v1::SANDBOX_READY
                                       : ::runtime::v1::SANDBOX_NOTREADY;
}

SandboxState FromProto(::runtime::v1::PodSandboxState state) {
  return state == ::runtime::v1::SANDBOX_READY ? SandboxState::kReady : SandboxState::kNotReady;
}

ContainerInfo FromProto(const ::runtime::v1::Container& in) {
  ContainerInfo out;
  out.id = in.id();
  out.pod_sandbox_id = in.pod_sandbox_id();
  out.name = in.metadata().name();
  out.attempt = in.metadata().attempt();
  out.state = FromProto(in.state());
  out.created_at_ns = in.created_at();
  out.labels = ToStdMap(in.labels());
  return out;
}

PodSandboxInfo FromProto(const ::runtime::v1::PodSandbox& in) {
  PodSandboxInfo out;
  out.id = in.id();
  out.name = in.metadata().name();
  out.pod_namespace = in.metadata().namespace_();
  out.pod_uid = in.metadata().uid();
  out.attempt = in.metadata().attempt();
  out.state = FromProto(in.state());
  out.created_at_ns = in.created_at();
  out.labels = ToStdMap(in.labels());
  return out;
}

ContainerStatusInfo FromProto(const ::runtime::v1::ContainerStatus& in) {
  ContainerStatusInfo out;
  out.id = in.id();
  out.name = in.metadata().name();
  out.attempt = in.metadata().attempt();
  out.state = FromProto(in.state());
  out.created_at_ns = in.created_at();
  out.started_at_ns = in.started_at();
  out.finished_at_ns = in.finished_at();
  out.exit_code = in.exit_code();
  out.reason = in.reason();
  out.message = in.message();
  out.labels = ToStdMap(in.labels());
  if (in.has_resources() && in.resources().has_linux()) {
    out.resources = FromProto(in.resources().linux());
  }
  return out;
}

std::string_view ContainerStateName(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated:
      return "created";
    case ContainerState::kRunning:
      return "running";
    case ContainerState::kExited:
      return "exited";
    case ContainerState::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace resizelet::cri
