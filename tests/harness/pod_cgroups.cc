#include "tests/harness/pod_cgroups.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace resizelet::harness {
namespace {

// The controllers runc and a kubelet create pod cgroups in on this host.
constexpr const char* kControllers[] = {"cpu",     "cpuacct", "memory",    "pids",
                                        "cpuset",  "hugetlb", "blkio",     "devices",
                                        "freezer", "net_cls", "perf_event"};

}  // namespace

std::vector<std::string> RemovePodCgroups(const std::vector<std::string>& pod_uids) {
  std::vector<std::string> found;
  for (const std::string& uid : pod_uids) {
    if (uid.empty()) continue;
    for (const char* controller : kControllers) {
      for (const char* tier : {"", "/burstable", "/besteffort"}) {
        const std::string path =
            absl::StrCat("/sys/fs/cgroup/", controller, "/kubepods", tier, "/pod", uid);
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;
        found.push_back(path);
        // Children first (containers), then the pod.
        for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
          if (entry.is_directory()) ::rmdir(entry.path().c_str());
        }
        ::rmdir(path.c_str());
      }
    }
  }
  return found;
}

}  // namespace resizelet::harness
