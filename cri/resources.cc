#include "cri/resources.h"

namespace resizelet::cri {
namespace {

// An unset (0) target field imposes nothing.
bool IntSatisfied(int64_t current, int64_t target) { return target == 0 || current == target; }

bool StringSatisfied(const std::string& current, const std::string& target) {
  return target.empty() || current == target;
}

}  // namespace

bool ResourcesSatisfy(const LinuxResources& current, const LinuxResources& target) {
  const bool quota_ok = target.cpu_quota == -1 ? (current.cpu_quota == -1 || current.cpu_quota == 0)
                                               : IntSatisfied(current.cpu_quota, target.cpu_quota);
  if (!quota_ok) {
    return false;
  }
  if (!IntSatisfied(current.cpu_period, target.cpu_period)) {
    return false;
  }
  if (!IntSatisfied(current.cpu_shares, target.cpu_shares)) {
    return false;
  }
  if (!IntSatisfied(current.memory_limit_in_bytes, target.memory_limit_in_bytes)) {
    return false;
  }
  if (!IntSatisfied(current.memory_swap_limit_in_bytes, target.memory_swap_limit_in_bytes)) {
    return false;
  }
  if (!StringSatisfied(current.cpuset_cpus, target.cpuset_cpus)) {
    return false;
  }
  if (!StringSatisfied(current.cpuset_mems, target.cpuset_mems)) {
    return false;
  }
  for (const auto& [file, value] : target.unified) {
    auto it = current.unified.find(file);
    if (it == current.unified.end() || it->second != value) {
      return false;
    }
  }
  return true;
}

}  // namespace resizelet::cri
