// Names of the pod, QoS and container cgroups the kubelet and the container runtimes create, for
// both cgroup drivers (pkg/kubelet/cm/cgroup_manager_linux.go CgroupName.ToCgroupfs/ToSystemd,
// pod_container_manager_linux.go, qos_container_manager_linux.go; containerd's getCgroupsPath;
// CRI-O). Pure string functions.
//
// Example, UID 1234abcd-5678-90ef-1234-567890abcdef, Burstable, cgroup root "/":
//   cgroupfs: /kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef
//   systemd:  /kubepods.slice/kubepods-burstable.slice/
//             kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice
// Guaranteed pods sit directly under kubepods (there is no "guaranteed" level).
#ifndef RESIZELET_CGROUPS_CGROUP_NAME_H_
#define RESIZELET_CGROUPS_CGROUP_NAME_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace resizelet::cgroups {

// The QoS tier that places a pod cgroup (mirrors api::QosClass without depending on it).
enum class PodQosTier { kGuaranteed, kBurstable, kBestEffort };

enum class CgroupDriverKind { kCgroupfs, kSystemd };

enum class ContainerRuntimeKind { kContainerd, kCrio };

// The kubelet's driver-neutral CgroupName: a list of components, none containing '/' or '_'
// (cm.NewCgroupName). The empty list is the root.
struct CgroupName {
  std::vector<std::string> components;
  friend bool operator==(const CgroupName&, const CgroupName&) = default;
};

// Parses the kubelet's --cgroup-root (default "/"): "/" → root; "/custom" → {"custom"}; a
// systemd slice name or path ("custom.slice", "/custom.slice/custom-kube.slice") →
// ParseSystemdToCgroupName of its last element ({"custom", "kube"}). InvalidArgument for a
// component containing '_'.
absl::StatusOr<CgroupName> ParseCgroupRoot(std::string_view cgroup_root);

// root + "kubepods" (the node-allocatable cgroup).
CgroupName KubepodsCgroupName(const CgroupName& root);
// The QoS-level cgroup: kubepods for Guaranteed, kubepods/burstable, kubepods/besteffort.
CgroupName QosCgroupName(const CgroupName& root, PodQosTier tier);
// The pod cgroup: QoS cgroup + "pod<uid>". InvalidArgument for an empty UID or one containing
// '/' or '_'.
absl::StatusOr<CgroupName> PodCgroupName(const CgroupName& root, PodQosTier tier,
                                         std::string_view pod_uid);

// "/" + components joined with "/" ("/" for the root).
std::string ToCgroupfs(const CgroupName& name);
// The systemd slice unit: components with '-' escaped to '_', joined with '-', + ".slice";
// "-.slice" for the root.
std::string ToSystemdUnitName(const CgroupName& name);
// The slice's path in the hierarchy, ExpandSlice(ToSystemdUnitName(name)).
std::string ToSystemdPath(const CgroupName& name);
// ToCgroupfs or ToSystemdPath.
std::string ToDriverPath(const CgroupName& name, CgroupDriverKind driver);

// opencontainers/cgroups systemd ExpandSlice: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice";
// "-.slice" → "/". InvalidArgument for a name without ".slice", containing '/', "--", or a
// leading or trailing '-' in its stem.
absl::StatusOr<std::string> ExpandSlice(std::string_view slice);

// The OCI linux.cgroupsPath a runtime gives a container of the pod `pod`:
//   containerd: systemd "<pod unit>:cri-containerd:<id>", cgroupfs "<pod path>/<id>";
//   CRI-O:      systemd "<pod unit>:crio:<id>",           cgroupfs "<pod path>/crio-<id>".
std::string ContainerCgroupsPath(ContainerRuntimeKind runtime, CgroupDriverKind driver,
                                 const CgroupName& pod, std::string_view container_id);
// The container's cgroup directory relative to the hierarchy's mount point:
//   containerd: systemd "<pod slice path>/cri-containerd-<id>.scope", cgroupfs "<pod path>/<id>";
//   CRI-O:      systemd "<pod slice path>/crio-<id>.scope", cgroupfs "<pod path>/crio-<id>".
std::string ContainerCgroupDir(ContainerRuntimeKind runtime, CgroupDriverKind driver,
                               const CgroupName& pod, std::string_view container_id);

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_CGROUP_NAME_H_
