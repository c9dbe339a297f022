#include "tests/cri/fake_runtime_client.h"

#include "absl/strings/str_cat.h"
#include "cri/cri_errors.h"

namespace resizelet::cri::testing {

void FakeRuntimeClient::AddSandbox(const std::string& id, const std::string& pod_uid) {
  absl::MutexLock lock(&mu_);
  sandboxes_[id] = pod_uid;
}

void FakeRuntimeClient::AddContainer(const Container& container) {
  absl::MutexLock lock(&mu_);
  containers_[container.id] = container;
}

void FakeRuntimeClient::RemoveContainer(const std::string& id) {
  absl::MutexLock lock(&mu_);
  containers_.erase(id);
}

LinuxResources FakeRuntimeClient::Resources(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = containers_.find(id);
  return it == containers_.end() ? LinuxResources{} : it->second.resources;
}

void FakeRuntimeClient::FailNext(const std::string& method, absl::Status status, int times) {
  absl::MutexLock lock(&mu_);
  failures_[method] = {std::move(status), times};
}

int FakeRuntimeClient::Count(const std::string& method) {
  absl::MutexLock lock(&mu_);
  return counts_[method];
}

void FakeRuntimeClient::set_sandbox_update_supported(bool supported) {
  absl::MutexLock lock(&mu_);
  sandbox_update_supported_ = supported;
  sandbox_update_unimplemented_seen_ = false;
}

absl::Status FakeRuntimeClient::Enter(const std::string& method) {
  ++counts_[method];
  auto it = failures_.find(method);
  if (it == failures_.end() || it->second.second == 0) {
    return absl::OkStatus();
  }
  if (it->second.second > 0) {
    --it->second.second;
  }
  return it->second.first;
}

absl::StatusOr<RuntimeVersion> FakeRuntimeClient::Version() {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("Version"); !s.ok()) {
    return s;
  }
  return RuntimeVersion{"fake", "1.0.0", "v1"};
}

absl::StatusOr<RuntimeStatus> FakeRuntimeClient::Status() {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("Status"); !s.ok()) {
    return s;
  }
  RuntimeStatus out;
  out.runtime_ready = true;
  out.conditions.push_back({"RuntimeReady", true, "", ""});
  return out;
}

absl::StatusOr<CgroupDriver> FakeRuntimeClient::GetCgroupDriver() {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("RuntimeConfig"); !s.ok()) {
    return s;
  }
  return CgroupDriver::kUnknown;
}

absl::StatusOr<std::vector<PodSandboxInfo>> FakeRuntimeClient::ListPodSandbox(
    const PodSandboxFilter& filter) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("ListPodSandbox"); !s.ok()) {
    return s;
  }
  std::vector<PodSandboxInfo> out;
  for (const auto& [id, uid] : sandboxes_) {
    if (!filter.id.empty() && filter.id != id) {
      continue;
    }
    if (!filter.pod_uid.empty() && filter.pod_uid != uid) {
      continue;
    }
    PodSandboxInfo info;
    info.id = id;
    info.pod_uid = uid;
    info.state = SandboxState::kReady;
    info.labels[std::string(kPodUidLabel)] = uid;
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<std::vector<ContainerInfo>> FakeRuntimeClient::ListContainers(
    const ContainerFilter& filter) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("ListContainers"); !s.ok()) {
    return s;
  }
  std::vector<ContainerInfo> out;
  for (const auto& [id, c] : containers_) {
    if (!filter.id.empty() && filter.id != id) {
      continue;
    }
    if (!filter.pod_sandbox_id.empty() && filter.pod_sandbox_id != c.pod_sandbox_id) {
      continue;
    }
    if (!filter.pod_uid.empty() && filter.pod_uid != c.pod_uid) {
      continue;
    }
    if (!filter.container_name.empty() && filter.container_name != c.name) {
      continue;
    }
    if (filter.state.has_value() && *filter.state != c.state) {
      continue;
    }
    ContainerInfo info;
    info.id = id;
    info.pod_sandbox_id = c.pod_sandbox_id;
    info.name = c.name;
    info.state = c.state;
    info.labels[std::string(kPodUidLabel)] = c.pod_uid;
    info.labels[std::string(kContainerNameLabel)] = c.name;
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<ContainerStatusInfo> FakeRuntimeClient::ContainerStatus(
    std::string_view container_id, bool verbose) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("ContainerStatus"); !s.ok()) {
    return s;
  }
  auto it = containers_.find(std::string(container_id));
  if (it == containers_.end()) {
    return absl::NotFoundError(
        absl::StrCat("ContainerStatus: container \"", std::string(container_id), "\" not found"));
  }
  const Container& c = it->second;
  ContainerStatusInfo out;
  out.id = c.id;
  out.name = c.name;
  out.state = c.state;
  out.resources = c.resources;
  if (verbose) {
    out.cgroup_dir = c.cgroup_dir;
  }
  return out;
}

absl::StatusOr<UpdateOutcome> FakeRuntimeClient::UpdateContainerResources(
    std::string_view container_id, const LinuxResources& target) {
  absl::MutexLock lock(&mu_);
  auto it = containers_.find(std::string(container_id));
  if (it == containers_.end()) {
    return absl::NotFoundError(absl::StrCat("UpdateContainerResources: container \"",
                                            std::string(container_id), "\" not found"));
  }
  Container& c = it->second;
  if (ResourcesSatisfy(c.resources, target)) {
    return UpdateOutcome::kAlreadyCurrent;
  }
  if (absl::Status s = Enter("UpdateContainerResources"); !s.ok()) {
    return s;
  }
  if (target.memory_limit_in_bytes != 0 && target.memory_limit_in_bytes < c.memory_usage_bytes) {
    return ClassifyRuntimeError(
        "UpdateContainerResources", absl::StatusCode::kUnknown,
        absl::StrCat("unable to set memory limit to ", target.memory_limit_in_bytes,
                     " (current usage: ", c.memory_usage_bytes,
                     ", peak usage: ", c.memory_usage_bytes, ")"));
  }
  // Set fields replace the stored ones; unset (0) fields keep them, as containerd merges.
  if (target.cpu_period != 0) {
    c.resources.cpu_period = target.cpu_period;
  }
  if (target.cpu_quota != 0) {
    c.resources.cpu_quota = target.cpu_quota;
  }
  if (target.cpu_shares != 0) {
    c.resources.cpu_shares = target.cpu_shares;
  }
  if (target.memory_limit_in_bytes != 0) {
    c.resources.memory_limit_in_bytes = target.memory_limit_in_bytes;
  }
  if (!target.cpuset_cpus.empty()) {
    c.resources.cpuset_cpus = target.cpuset_cpus;
  }
  if (!target.cpuset_mems.empty()) {
    c.resources.cpuset_mems = target.cpuset_mems;
  }
  for (const auto& [k, v] : target.unified) {
    c.resources.unified[k] = v;
  }
  return UpdateOutcome::kApplied;
}

absl::StatusOr<UpdateOutcome> FakeRuntimeClient::UpdatePodSandboxResources(
    std::string_view pod_sandbox_id, const LinuxResources& overhead,
    const LinuxResources& resources) {
  absl::MutexLock lock(&mu_);
  if (sandbox_update_unimplemented_seen_) {
    return UpdateOutcome::kUnsupported;
  }
  if (absl::Status s = Enter("UpdatePodSandboxResources"); !s.ok()) {
    return s;
  }
  if (!sandbox_update_supported_) {
    sandbox_update_unimplemented_seen_ = true;
    return UpdateOutcome::kUnsupported;
  }
  if (sandboxes_.count(std::string(pod_sandbox_id)) == 0) {
    return absl::NotFoundError(absl::StrCat("UpdatePodSandboxResources: sandbox \"",
                                            std::string(pod_sandbox_id), "\" not found"));
  }
  return UpdateOutcome::kApplied;
}

absl::Status FakeRuntimeClient::StopContainer(std::string_view container_id,
                                              absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Enter("StopContainer"); !s.ok()) {
    return s;
  }
  auto it = containers_.find(std::string(container_id));
  if (it == containers_.end()) {
    return absl::NotFoundError(
        absl::StrCat("StopContainer: container \"", std::string(container_id), "\" not found"));
  }
  // Stopping an exited container succeeds, as on containerd and CRI-O.
  it->second.state = ContainerState::kExited;
  stop_timeouts_[it->first] = timeout;
  return absl::OkStatus();
}

absl::Duration FakeRuntimeClient::StopTimeout(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = stop_timeouts_.find(id);
  return it == stop_timeouts_.end() ? absl::InfiniteDuration() : it->second;
}

}  // namespace resizelet::cri::testing
