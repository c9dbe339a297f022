#include "cgroups/fake_cgroup_driver.h"

#include "absl/strings/str_cat.h"

namespace resizelet::cgroups {

absl::StatusOr<CgroupState> FakeCgroupDriver::Read(const std::string& cgroup_path) {
  auto it = cgroups_.find(cgroup_path);
  if (it == cgroups_.end()) {
    return absl::NotFoundError(absl::StrCat("cgroup ", cgroup_path, " does not exist"));
  }
  return it->second;
}

absl::Status FakeCgroupDriver::Apply(const std::string& cgroup_path, const CgroupValues& values,
                                     const ApplyTarget& target) {
  calls_.push_back(Call{cgroup_path, values, target});
  if (auto f = failures_.find(cgroup_path); f != failures_.end()) {
    absl::Status s = std::move(f->second);
    failures_.erase(f);
    return s;
  }
  auto it = cgroups_.find(cgroup_path);
  if (it == cgroups_.end()) {
    return absl::NotFoundError(absl::StrCat("cgroup ", cgroup_path, " does not exist"));
  }
  CgroupState& s = it->second;
  if (values.memory_max_bytes && *values.memory_max_bytes >= 0 &&
      (!s.memory_max_bytes || *s.memory_max_bytes < 0 ||
       *values.memory_max_bytes < *s.memory_max_bytes)) {
    MemoryShrinkIo io;
    io.read_usage = [&s]() -> absl::StatusOr<uint64_t> {
      return s.memory_current_bytes.value_or(0);
    };
    absl::Status check =
        CheckMemoryShrink(*values.memory_max_bytes, target.container_name, shrink_, io);
    if (!check.ok()) return check;
  }
  if (values.memory_max_bytes) s.memory_max_bytes = values.memory_max_bytes;
  if (values.cpu_shares) s.cpu_shares = values.cpu_shares;
  if (values.cpu_weight) s.cpu_weight = values.cpu_weight;
  if (values.cpu_max) s.cpu_max = values.cpu_max;
  if (values.pids_max) s.pids_max = values.pids_max;
  for (const HugetlbLimit& h : values.hugetlb) {
    bool found = false;
    for (HugetlbLimit& cur : s.hugetlb) {
      if (cur.page_size == h.page_size) {
        cur.limit_bytes = h.limit_bytes;
        found = true;
      }
    }
    if (!found) s.hugetlb.push_back(h);
  }
  return absl::OkStatus();
}

}  // namespace resizelet::cgroups
