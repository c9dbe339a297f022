// Conversions between the plain structs of runtime_client.h and the CRI protobuf messages.
// Kept apart from the gRPC client so the test harness (which plays the kubelet) builds the same
// LinuxContainerResources the client sends.
#ifndef RESIZELET_CRI_PROTO_CONVERT_H_
#define RESIZELET_CRI_PROTO_CONVERT_H_

#include "cri/runtime_client.h"
#include "proto/runtime/v1/api.pb.h"

namespace resizelet::cri {

void ToProto(const LinuxResources& in, ::runtime::v1::LinuxContainerResources* out);
LinuxResources FromProto(const ::runtime::v1::LinuxContainerResources& in);

::runtime::v1::ContainerState ToProto(ContainerState state);
ContainerState FromProto(::runtime::v1::ContainerState state);
::runtime::v1::PodSandboxState ToProto(SandboxState state);
SandboxState FromProto(::runtime::v1::PodSandboxState state);

ContainerInfo FromProto(const ::runtime::v1::Container& in);
PodSandboxInfo FromProto(const ::runtime::v1::PodSandbox& in);
// Without the verbose-only fields (cgroups_path, cgroup_dir).
ContainerStatusInfo FromProto(const ::runtime::v1::ContainerStatus& in);

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_PROTO_CONVERT_H_
