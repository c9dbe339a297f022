// Where a container's cgroup lives, from what the runtime reports. The memory-safety check reads
// the container's usage there before shrinking its limit (facts.md §5).
#ifndef RESIZELET_CRI_CGROUP_PATH_H_
#define RESIZELET_CRI_CGROUP_PATH_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::cri {

// The container's cgroup directory below a hierarchy's mount point, from the OCI spec's
// linux.cgroupsPath:
//   - cgroupfs form (absolute path): returned as is, e.g. "/kubepods/burstable/pod<uid>/<id>";
//   - systemd form "slice:prefix:name" (runc, crun): the expanded slice joined with the unit
//     "<prefix>-<name>.scope" (or with `name` itself when it is a ".slice"); an empty slice means
//     "system.slice", as runc defaults.
absl::StatusOr<std::string> CgroupDirFromCgroupsPath(std::string_view cgroups_path);

// Finds runtimeSpec.linux.cgroupsPath in a verbose ContainerStatus info map: containerd and CRI-O
// put a JSON document under the key "info" whose "runtimeSpec" is the container's OCI spec.
// NOT_FOUND when no value of the map holds one.
absl::StatusOr<std::string> CgroupsPathFromVerboseInfo(
    const std::map<std::string, std::string>& info);

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_CGROUP_PATH_H_
