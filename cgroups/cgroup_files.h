// The cgroup file layer: file names, reading and parsing of cgroup interface files, and the
// writer interface. Parsers are pure functions over the file's text, so fixture trees and real
// kernels go through the same code (the shape of oomd's Fs layer).
#ifndef RESIZELET_CGROUPS_CGROUP_FILES_H_
#define RESIZELET_CGROUPS_CGROUP_FILES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cgroups/cgroup_driver.h"

namespace resizelet::cgroups {

// Debian's abseil has its own string_view type: convert at absl::StrCat and friends.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// cgroup v2 interface files (Documentation/admin-guide/cgroup-v2.rst).
inline constexpr char kCpuWeight[] = "cpu.weight";
inline constexpr char kCpuMax[] = "cpu.max";
inline constexpr char kCpuPressure[] = "cpu.pressure";
inline constexpr char kMemoryMax[] = "memory.max";
inline constexpr char kMemoryCurrent[] = "memory.current";
inline constexpr char kMemoryEvents[] = "memory.events";
inline constexpr char kMemoryReclaim[] = "memory.reclaim";
inline constexpr char kMemoryPressure[] = "memory.pressure";
inline constexpr char kMemoryStat[] = "memory.stat";
inline constexpr char kIoPressure[] = "io.pressure";
inline constexpr char kPidsMax[] = "pids.max";
inline constexpr char kCgroupControllers[] = "cgroup.controllers";
inline constexpr char kCgroupProcs[] = "cgroup.procs";
// hugetlb.<size>.max
inline constexpr char kHugetlbPrefix[] = "hugetlb.";
inline constexpr char kHugetlbV2Suffix[] = ".max";

// cgroup v1 files (Documentation/admin-guide/cgroup-v1/).
inline constexpr char kCpuShares[] = "cpu.shares";
inline constexpr char kCpuCfsQuota[] = "cpu.cfs_quota_us";
inline constexpr char kCpuCfsPeriod[] = "cpu.cfs_period_us";
inline constexpr char kMemoryLimitInBytes[] = "memory.limit_in_bytes";
inline constexpr char kMemoryUsageInBytes[] = "memory.usage_in_bytes";
inline constexpr char kMemoryOomControl[] = "memory.oom_control";
inline constexpr char kHugetlbV1Suffix[] = ".limit_in_bytes";

// Reads a whole interface file. NotFound when it does not exist; other errors name the path.
absl::StatusOr<std::string> ReadCgroupFile(const std::string& path);

// "123\n" → 123; "max\n" → kUnlimited.
absl::StatusOr<int64_t> ParseIntOrMax(std::string_view text);
// "123\n" → 123 (no "max").
absl::StatusOr<uint64_t> ParseUint(std::string_view text);
// "max 100000" / "50000 100000" → CpuMax.
absl::StatusOr<CpuMax> ParseCpuMax(std::string_view text);
// Flat keyed file ("oom_kill 3\n..."): the value of `key`; NotFound when absent.
absl::StatusOr<uint64_t> ParseKeyedValue(std::string_view text, std::string_view key);
// PSI: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull ...".
absl::StatusOr<Pressure> ParsePressure(std::string_view text);

// Renders values the way the kernel reads them back.
std::string FormatIntOrMax(int64_t v);
std::string FormatCpuMax(const CpuMax& v);

// Writes interface files. Implementations: direct write(2) (fixture trees, and any mount the
// process can reach) and libcgroup (real hierarchies).
class CgroupFileWriter {
 public:
  struct Target {
    std::string controller;   // "cpu", "memory", "pids", "hugetlb"
    std::string mount_dir;    // Absolute directory of the controller's hierarchy.
    std::string cgroup_name;  // Relative to mount_dir, starting with '/'.
    std::string file;         // "cpu.max"
  };
  virtual ~CgroupFileWriter() = default;
  // Writes `value`. On failure the status names the file and value and carries the errno's
  // meaning: EBUSY → FailedPrecondition, EINVAL → InvalidArgument, ENOENT → NotFound,
  // EACCES/EPERM → PermissionDenied.
  virtual absl::Status Write(const Target& target, std::string_view value) = 0;
};

// Builds the status for a failed write (shared by the writers).
absl::Status WriteError(const std::string& path, std::string_view value, int err);

class DirectFileWriter : public CgroupFileWriter {
 public:
  absl::Status Write(const Target& target, std::string_view value) override;
};

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_CGROUP_FILES_H_
