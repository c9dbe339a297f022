// The CRI endpoint: from --container-runtime-endpoint, or found among the well-known sockets.
#ifndef RESIZELET_CRI_ENDPOINT_H_
#define RESIZELET_CRI_ENDPOINT_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::cri {

inline constexpr std::string_view kContainerdSocket = "/run/containerd/containerd.sock";
inline constexpr std::string_view kCrioSocket = "/var/run/crio/crio.sock";

// True when `path` is a listening UNIX socket (or, in tests, whatever the fake says).
using SocketProbe = std::function<bool(const std::string& path)>;

// The gRPC target ("unix:///run/containerd/containerd.sock") to dial.
//   - `setting` non-empty: "unix:///path" is used as is; a bare absolute path gets the scheme
//     (the kubelet still accepts one, with a deprecation warning); other schemes (tcp://,
//     npipe://) are INVALID_ARGUMENT: the CRI on Linux is a local socket.
//   - `setting` empty: the first of containerd's and CRI-O's default sockets that `probe` finds
//     (the order crictl and the kubelet's old defaults used); NOT_FOUND when neither exists.
absl::StatusOr<std::string> ResolveEndpoint(std::string_view setting, const SocketProbe& probe);

// The real probe: stat(2) says S_ISSOCK.
bool IsUnixSocket(const std::string& path);

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_ENDPOINT_H_
