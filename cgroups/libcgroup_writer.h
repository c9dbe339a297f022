// Writes cgroup interface files through libcgroup (cgroup_modify_cgroup).
//
// libcgroup 2.0.2 discovers hierarchies itself, from /proc/mounts and /proc/cgroups, so this
// writer only reaches real, mounted hierarchies; Target::mount_dir is used for error messages.
#ifndef RESIZELET_CGROUPS_LIBCGROUP_WRITER_H_
#define RESIZELET_CGROUPS_LIBCGROUP_WRITER_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cgroups/cgroup_files.h"

namespace resizelet::cgroups {

class LibcgroupFileWriter : public CgroupFileWriter {
 public:
  // Initializes libcgroup once per process. Fails when no cgroup hierarchy is mounted.
  static absl::Status Init();

  // OK when libcgroup's (first) mount of `controller` is `mount_dir`. libcgroup always writes
  // through that mount; if the configured mount point is another one (e.g. the host's hierarchy
  // bind-mounted into a container), its writes would land elsewhere, so this is refused with
  // FailedPrecondition rather than done silently.
  static absl::Status CheckMountPoint(const std::string& controller, const std::string& mount_dir);

  absl::Status Write(const Target& target, std::string_view value) override;
};

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_LIBCGROUP_WRITER_H_
