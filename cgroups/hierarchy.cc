#include "cgroups/hierarchy.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cgroups/cgroup_files.h"

namespace resizelet::cgroups {
namespace {

// The v1 controllers resizelet writes; other options on a cgroup mount line (rw, relatime,
// name=systemd, ...) are not controllers of interest.
constexpr std::string_view kKnownControllers[] = {"cpu",  "cpuacct", "cpuset", "memory",
                                                  "pids", "hugetlb", "io",     "blkio"};

bool IsKnownController(std::string_view s) {
  for (std::string_view c : kKnownControllers) {
    if (c == s) return true;
  }
  return false;
}

std::string StripTrailingSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool AtOrBelow(const std::string& path, const std::string& root) {
  if (path == root) return true;
  if (root == "/") return true;
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

}  // namespace

std::string_view HierarchyModeName(HierarchyMode mode) {
  switch (mode) {
    case HierarchyMode::kUnified:
      return "unified";
    case HierarchyMode::kLegacy:
      return "legacy";
    case HierarchyMode::kHybrid:
      return "hybrid";
  }
  return "unknown";
}

const ControllerLocation* CgroupLayout::Find(std::string_view controller) const {
  auto it = controllers.find(controller);
  return it == controllers.end() ? nullptr : &it->second;
}

absl::StatusOr<CgroupLayout> DetectLayout(const std::string& mount_point, std::string_view mounts) {
  const std::string root = StripTrailingSlash(mount_point);
  CgroupLayout layout;
  bool any_v1 = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(mounts.data(), mounts.size()), '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() < 4) continue;
    const std::string dir = StripTrailingSlash(std::string(f[1]));
    if (!AtOrBelow(dir, root)) continue;
    if (f[2] == "cgroup2") {
      // The first cgroup2 mount wins, as with libcontainer; a second one is a bind mount.
      if (layout.unified_dir.empty()) layout.unified_dir = dir;
    } else if (f[2] == "cgroup") {
      any_v1 = true;
      for (absl::string_view opt : absl::StrSplit(f[3], ',')) {
        std::string_view o(opt.data(), opt.size());
        if (!IsKnownController(o)) continue;
        layout.controllers.try_emplace(std::string(o), ControllerLocation{dir, false});
      }
    }
  }
  if (!layout.unified_dir.empty()) {
    absl::StatusOr<std::string> ctrls =
        ReadCgroupFile(absl::StrCat(layout.unified_dir, "/", std::string(kCgroupControllers)));
    if (!ctrls.ok()) return ctrls.status();
    for (absl::string_view c : absl::StrSplit(*ctrls, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
      // A controller bound to a v1 hierarchy is not available in v2 (the kernel lists it only
      // when free), but keep v1 first should a listing disagree.
      layout.controllers.try_emplace(std::string(c), ControllerLocation{layout.unified_dir, true});
    }
  }
  if (layout.unified_dir.empty() && !any_v1) {
    return absl::FailedPreconditionError(
        absl::StrCat("no cgroup hierarchy is mounted at or below ", root));
  }
  if (!any_v1) {
    layout.mode = HierarchyMode::kUnified;
  } else if (layout.unified_dir.empty()) {
    layout.mode = HierarchyMode::kLegacy;
  } else {
    layout.mode = HierarchyMode::kHybrid;
  }
  return layout;
}

absl::StatusOr<CgroupLayout> DetectLayoutFromFile(const std::string& mount_point,
                                                  const std::string& mounts_file) {
  absl::StatusOr<std::string> mounts = ReadCgroupFile(mounts_file);
  if (!mounts.ok()) return mounts.status();
  return DetectLayout(mount_point, *mounts);
}

}  // namespace resizelet::cgroups
