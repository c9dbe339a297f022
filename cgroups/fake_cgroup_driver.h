// FakeCgroupDriver: an in-memory CgroupDriver for tests of the code that drives cgroups.
// It keeps one CgroupState per path, records every Apply in order (so tests can check the
// grow/shrink ordering), and enforces the same memory-shrink rule as the real drivers using the
// state's memory_current_bytes.
#ifndef RESIZELET_CGROUPS_FAKE_CGROUP_DRIVER_H_
#define RESIZELET_CGROUPS_FAKE_CGROUP_DRIVER_H_

#include <map>
#include <string>
#include <vector>

#include "cgroups/cgroup_driver.h"
#include "cgroups/memory_shrink_guard.h"

namespace resizelet::cgroups {

class FakeCgroupDriver : public CgroupDriver {
 public:
  struct Call {
    std::string path;
    CgroupValues values;
    ApplyTarget target;
  };

  explicit FakeCgroupDriver(MemoryShrinkOptions shrink = {}) : shrink_(shrink) {}

  // Creates (or replaces) a cgroup.
  void Set(const std::string& path, CgroupState state) { cgroups_[path] = std::move(state); }
  // Makes the next Apply on `path` fail with `status` (once).
  void FailNextApply(const std::string& path, absl::Status status) {
    failures_[path] = std::move(status);
  }

  absl::StatusOr<CgroupState> Read(const std::string& cgroup_path) override;
  absl::Status Apply(const std::string& cgroup_path, const CgroupValues& values,
                     const ApplyTarget& target) override;

  const std::vector<Call>& calls() const { return calls_; }

 private:
  MemoryShrinkOptions shrink_;
  std::map<std::string, CgroupState> cgroups_;
  std::map<std::string, absl::Status> failures_;
  std::vector<Call> calls_;
};

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_FAKE_CGROUP_DRIVER_H_
