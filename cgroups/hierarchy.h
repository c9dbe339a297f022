// Detection of the host's cgroup layout: unified (v2 only), legacy (v1 only) or hybrid (v1
// controllers plus a cgroup2 mount, as systemd sets up with "unified" at <mount>/unified).
// The kubelet answers the same question with libcontainer's IsCgroup2UnifiedMode(); resizelet
// also needs, per controller, which hierarchy holds it, because on hybrid hosts a controller
// that no v1 hierarchy binds (e.g. hugetlb here) lives in the cgroup2 mount.
#ifndef RESIZELET_CGROUPS_HIERARCHY_H_
#define RESIZELET_CGROUPS_HIERARCHY_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::cgroups {

enum class HierarchyMode { kUnified, kLegacy, kHybrid };

std::string_view HierarchyModeName(HierarchyMode mode);

struct ControllerLocation {
  std::string mount_dir;  // Absolute path of the hierarchy's root.
  bool v2 = false;
};

struct CgroupLayout {
  HierarchyMode mode = HierarchyMode::kUnified;
  std::string unified_dir;  // The cgroup2 mount, empty when there is none.
  std::map<std::string, ControllerLocation, std::less<>> controllers;

  // Where `controller` lives; nullptr when no hierarchy under the mount point has it.
  const ControllerLocation* Find(std::string_view controller) const;
};

// Builds the layout from the text of /proc/mounts (`mounts`), considering only cgroup and
// cgroup2 mounts at or below `mount_point`. The cgroup2 mount's controllers come from its
// cgroup.controllers file. FailedPrecondition when nothing is mounted there.
absl::StatusOr<CgroupLayout> DetectLayout(const std::string& mount_point, std::string_view mounts);

// Reads /proc/mounts (or `mounts_file`) and calls DetectLayout.
absl::StatusOr<CgroupLayout> DetectLayoutFromFile(const std::string& mount_point,
                                                  const std::string& mounts_file);

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_HIERARCHY_H_
