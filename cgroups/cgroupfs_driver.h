// CgroupfsDriver: the kubelet's "cgroupfs" cgroup driver, for pod and container cgroups.
//
// Paths: <controller mount dir><cgroup path>. The cgroup path is the kubelet's CgroupName
// rendered for cgroupfs (cgroups/cgroup_name.h: ToCgroupfs(PodCgroupName(root, tier, uid))), so
// it already carries the kubelet's `--cgroup-root` (the cgroup under which kubepods lives,
// default "/"); the mount point (default /sys/fs/cgroup) is a separate setting. Writes go through
// libcgroup on real hierarchies (or a given writer, for fixture trees); reads use our own file
// layer. v1 mapping (libcontainer's fs driver): cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us,
// memory.limit_in_bytes, pids.max, hugetlb.<size>.limit_in_bytes.
#ifndef RESIZELET_CGROUPS_CGROUPFS_DRIVER_H_
#define RESIZELET_CGROUPS_CGROUPFS_DRIVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cgroups/cgroup_driver.h"
#include "cgroups/cgroup_files.h"
#include "cgroups/hierarchy.h"
#include "cgroups/memory_shrink_guard.h"

namespace resizelet::cgroups {

struct CgroupfsOptions {
  std::string mount_point = "/sys/fs/cgroup";
  std::string mounts_file = "/proc/mounts";
  // Real hierarchies: libcgroup. Fixture trees (not mounts libcgroup can see): direct writes.
  bool write_through_libcgroup = true;
  // Read to tell whether the node has swap (anonymous memory is then reclaimable too).
  std::string swaps_file = "/proc/swaps";
  MemoryShrinkOptions memory_shrink;
};

class CgroupfsDriver : public CgroupDriver {
 public:
  // Detects the layout under options.mount_point and picks the writer.
  static absl::StatusOr<std::unique_ptr<CgroupfsDriver>> Create(const CgroupfsOptions& options);

  CgroupfsDriver(CgroupLayout layout, CgroupfsOptions options,
                 std::unique_ptr<CgroupFileWriter> writer);

  absl::StatusOr<CgroupState> Read(const std::string& cgroup_path) override;
  absl::Status Apply(const std::string& cgroup_path, const CgroupValues& values,
                     const ApplyTarget& target) override;

  const CgroupLayout& layout() const { return layout_; }

  // Absolute directory of `cgroup_path` in `controller`'s hierarchy; NotFound when no hierarchy
  // holds the controller, InvalidArgument for paths with "." or ".." components.
  absl::StatusOr<std::string> Dir(std::string_view controller,
                                  const std::string& cgroup_path) const;

  // Number of files written since construction (tests check that re-applying writes nothing).
  int writes() const { return writes_.load(); }

 private:
  struct Located {
    CgroupFileWriter::Target target;
    bool v2 = false;
    std::string dir() const { return target.mount_dir + target.cgroup_name; }
  };
  absl::StatusOr<Located> Locate(std::string_view controller, const std::string& cgroup_path) const;
  // Reads `file`; unset when it does not exist.
  absl::StatusOr<std::optional<std::string>> ReadOptional(const Located& at,
                                                          std::string_view file) const;
  // Writes `value` to `file` unless `current` already equals it.
  absl::Status WriteIfDifferent(Located at, std::string_view file, const std::string& value,
                                bool differs);

  absl::Status ApplyCpu(const std::string& cgroup_path, const CgroupValues& values);
  absl::Status ApplyMemory(const std::string& cgroup_path, const CgroupValues& values,
                           const ApplyTarget& target);
  absl::Status ApplyPids(const std::string& cgroup_path, const CgroupValues& values);
  absl::Status ApplyHugetlb(const std::string& cgroup_path, const CgroupValues& values);

  CgroupLayout layout_;
  CgroupfsOptions options_;
  std::unique_ptr<CgroupFileWriter> writer_;
  std::atomic<int> writes_{0};
};

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_CGROUPFS_DRIVER_H_
