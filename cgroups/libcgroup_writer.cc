#include "cgroups/libcgroup_writer.h"

#include <libcgroup.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"

namespace resizelet::cgroups {
namespace {

// libcgroup 2.0.2 keeps its mount table in globals guarded by its own lock, but cgroup_init()
// rebuilds that table: run it once.
std::once_flag g_init_once;
int g_init_result = 0;

}  // namespace

absl::Status LibcgroupFileWriter::Init() {
  std::call_once(g_init_once, [] { g_init_result = cgroup_init(); });
  if (g_init_result != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("libcgroup init: ", cgroup_strerror(g_init_result)));
  }
  return absl::OkStatus();
}

absl::Status LibcgroupFileWriter::CheckMountPoint(const std::string& controller,
                                                  const std::string& mount_dir) {
  if (absl::Status s = Init(); !s.ok()) return s;
  char* mount = nullptr;
  const int rc = cgroup_get_subsys_mount_point(controller.c_str(), &mount);
  if (rc != 0 || mount == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("libcgroup finds no mount of controller \"",
                                                      controller, "\": ", cgroup_strerror(rc)));
  }
  std::string found = mount;
  free(mount);
  while (found.size() > 1 && found.back() == '/') found.pop_back();
  if (found != mount_dir) {
    return absl::FailedPreconditionError(
        absl::StrCat("libcgroup writes controller \"", controller, "\" through ", found,
                     " but the configured hierarchy is ", mount_dir,
                     ": use direct writes for this mount point"));
  }
  return absl::OkStatus();
}

absl::Status LibcgroupFileWriter::Write(const Target& target, std::string_view value) {
  if (absl::Status s = Init(); !s.ok()) return s;
  const std::string path = absl::StrCat(target.mount_dir, target.cgroup_name, "/", target.file);
  const std::string value_str(value);
  struct cgroup* cg = cgroup_new_cgroup(target.cgroup_name.c_str());
  if (cg == nullptr) return WriteError(path, value, ENOMEM);
  struct cgroup_controller* ctrl = cgroup_add_controller(cg, target.controller.c_str());
  int rc = ctrl == nullptr ? ECGINVAL
                           : cgroup_add_value_string(ctrl, target.file.c_str(), value_str.c_str());
  if (rc == 0) rc = cgroup_modify_cgroup(cg);
  cgroup_free(&cg);
  if (rc == 0) return absl::OkStatus();
  // ECGOTHER carries the kernel's errno; a missing group or file is reported by libcgroup's own
  // codes without an errno.
  int err = cgroup_get_last_errno();
  if (rc == ECGROUPVALUENOTEXIST || rc == ECGROUPNOTEXIST || rc == ECGROUPSUBSYSNOTMOUNTED) {
    err = ENOENT;
  } else if (rc == ECGROUPNOTOWNER || rc == ECGROUPNOTALLOWED) {
    err = EACCES;
  } else if (err == 0) {
    return absl::UnknownError(absl::StrCat("write \"", ToAbsl(value), "\" to ", path,
                                           ": libcgroup: ", cgroup_strerror(rc)));
  }
  return WriteError(path, value, err);
}

}  // namespace resizelet::cgroups
