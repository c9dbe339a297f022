// CgroupDriver: reads and writes the resource files of one pod or container cgroup.
//
// A cgroup is named by its path from the hierarchy's root, as the kubelet's cgroup managers render
// a CgroupName (pkg/kubelet/cm/cgroup_manager_linux.go; here cgroups/cgroup_name.h), so the path
// already carries the kubelet's `--cgroup-root`: "/kubepods/burstable/pod<uid>" for cgroupfs
// with the default root "/", or the slice path
// "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice" for systemd; a
// container's cgroup is its pod's path plus the runtime's directory. Values are plain numbers in
// the kubelet's ResourceConfig units; each driver maps them onto its hierarchy (v2 files, v1
// files, or systemd unit properties).
#ifndef RESIZELET_CGROUPS_CGROUP_DRIVER_H_
#define RESIZELET_CGROUPS_CGROUP_DRIVER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace resizelet::cgroups {

// "max" in cpu.max / memory.max / pids.max, i.e. no limit.
inline constexpr int64_t kUnlimited = -1;

// cpu.max: "<quota> <period>"; quota kUnlimited means "max".
struct CpuMax {
  int64_t quota_usec = kUnlimited;
  uint64_t period_usec = 100000;
  friend bool operator==(const CpuMax&, const CpuMax&) = default;
};

// One huge page size's limit: v2 hugetlb.<size>.max, v1 hugetlb.<size>.limit_in_bytes.
struct HugetlbLimit {
  std::string page_size;  // As the kernel names it: "2MB", "1GB".
  int64_t limit_bytes = kUnlimited;
  friend bool operator==(const HugetlbLimit&, const HugetlbLimit&) = default;
};

// Values to apply. An unset field is left unchanged.
struct CgroupValues {
  // The kubelet's unit (ResourceConfig.CPUShares). v1 writes cpu.shares; v2 writes cpu.weight
  // through the kubelet's linear shares→weight conversion (CpuSharesToCpuWeight), unless
  // cpu_weight is also set, which v2 then uses as is.
  std::optional<uint64_t> cpu_shares;
  std::optional<uint64_t> cpu_weight;
  std::optional<CpuMax> cpu_max;
  std::optional<int64_t> memory_max_bytes;  // kUnlimited: "max".
  std::optional<int64_t> pids_max;          // kUnlimited: "max".
  std::vector<HugetlbLimit> hugetlb;        // Sizes not listed are left unchanged.
};

// Pressure stall information of one resource (cpu.pressure, memory.pressure, io.pressure).
struct PressureLine {
  double avg10 = 0;
  double avg60 = 0;
  double avg300 = 0;
  uint64_t total_usec = 0;
};
struct Pressure {
  PressureLine some;
  std::optional<PressureLine> full;  // cpu.pressure has "full" only on kernels ≥ 5.13.
};

// What Read() returns. A field is unset when the hierarchy has no such file (e.g. PSI on v1,
// cpu.weight on v1, cpu_shares on v2).
struct CgroupState {
  std::optional<uint64_t> cpu_weight;  // v2
  std::optional<uint64_t> cpu_shares;  // v1
  std::optional<CpuMax> cpu_max;
  std::optional<int64_t> memory_max_bytes;
  std::optional<uint64_t> memory_current_bytes;  // v1: memory.usage_in_bytes
  std::optional<uint64_t> oom_kill_count;  // memory.events "oom_kill" (v1: memory.oom_control)
  std::optional<int64_t> pids_max;
  std::vector<HugetlbLimit> hugetlb;
  std::optional<Pressure> cpu_pressure;
  std::optional<Pressure> memory_pressure;
  std::optional<Pressure> io_pressure;
};

// Who owns the cgroup, for the memory-shrink refusal message.
struct ApplyTarget {
  // Empty for a pod cgroup; the container's name for a container cgroup.
  std::string container_name;
};

class CgroupDriver {
 public:
  virtual ~CgroupDriver() = default;

  // Reads the current values. NotFound when the cgroup does not exist.
  virtual absl::StatusOr<CgroupState> Read(const std::string& cgroup_path) = 0;

  // Applies the set fields of `values`, writing only files whose content differs. Lowering the
  // memory limit first checks usage (MemoryShrinkGuard) and fails with FailedPrecondition and
  // the kubelet's message rather than risk an OOM kill. Kernel errors become statuses that name
  // the file and the value.
  virtual absl::Status Apply(const std::string& cgroup_path, const CgroupValues& values,
                             const ApplyTarget& target) = 0;
};

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_CGROUP_DRIVER_H_
