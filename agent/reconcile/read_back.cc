#include "agent/reconcile/read_back.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/common/status_macros.h"
#include "cgroups/cpu_math.h"

namespace resizelet::reconcile {
namespace {

state::CgroupValues ToCgroupValues(const cri::LinuxResources& r) {
  state::CgroupValues v;
  if (r.cpu_shares > 0) v.cpu_shares = r.cpu_shares;
  if (r.cpu_quota != 0) v.cpu_quota = r.cpu_quota;
  if (r.cpu_period > 0) v.cpu_period = r.cpu_period;
  if (r.memory_limit_in_bytes > 0) v.memory_limit_bytes = r.memory_limit_in_bytes;
  return v;
}

std::string Describe(const resize::LinuxContainerResources& r) {
  return absl::StrCat("cpu_shares=", r.cpu_shares, " cpu_quota=", r.cpu_quota,
                      " cpu_period=", r.cpu_period, " memory_limit=", r.memory_limit_in_bytes);
}

}  // namespace

const ContainerHandle* PodLocation::Find(std::string_view name) const {
  for (const ContainerHandle& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

absl::StatusOr<PodLocation> LocatePod(cri::RuntimeClient& runtime, std::string_view pod_uid,
                                      std::string pod_cgroup_path) {
  PodLocation where;
  where.pod_cgroup_path = std::move(pod_cgroup_path);
  cri::PodSandboxFilter sandbox_filter;
  sandbox_filter.pod_uid = std::string(pod_uid);
  sandbox_filter.state = cri::SandboxState::kReady;
  ASSIGN_OR_RETURN(std::vector<cri::PodSandboxInfo> sandboxes,
                   runtime.ListPodSandbox(sandbox_filter));
  int64_t newest = -1;
  for (const cri::PodSandboxInfo& s : sandboxes) {
    if (s.created_at_ns > newest) {
      newest = s.created_at_ns;
      where.sandbox_id = s.id;
    }
  }
  cri::ContainerFilter filter;
  filter.pod_uid = std::string(pod_uid);
  ASSIGN_OR_RETURN(std::vector<cri::ContainerInfo> containers, runtime.ListContainers(filter));
  // Several instances of one name exist after restarts: the running one, else the newest, counts
  // (the kubelet's GetPodStatus keeps them newest first).
  std::map<std::string, const cri::ContainerInfo*> chosen;
  for (const cri::ContainerInfo& c : containers) {
    const cri::ContainerInfo*& slot = chosen[c.name];
    const bool running = c.state == cri::ContainerState::kRunning;
    if (slot == nullptr || (running && slot->state != cri::ContainerState::kRunning) ||
        (running == (slot->state == cri::ContainerState::kRunning) &&
         c.created_at_ns > slot->created_at_ns)) {
      slot = &c;
    }
  }
  for (const auto& [name, info] : chosen) {
    ContainerHandle h;
    h.name = name;
    h.id = info->id;
    h.running = info->state == cri::ContainerState::kRunning;
    h.cgroup_path = absl::StrCat(where.pod_cgroup_path, "/", info->id);
    where.containers.push_back(std::move(h));
  }
  return where;
}

absl::StatusOr<ReadBack> ReadPod(cri::RuntimeClient& runtime, cgroups::CgroupDriver& driver,
                                 const PodLocation& where) {
  ReadBack read;
  for (const ContainerHandle& c : where.containers) {
    if (!c.running) continue;
    absl::StatusOr<cri::ContainerStatusInfo> status = runtime.ContainerStatus(c.id, false);
    if (!status.ok()) {
      if (absl::IsNotFound(status.status())) continue;  // gone since the listing
      return status.status();
    }
    if (!status->resources.has_value()) continue;
    read.actuated.containers.push_back({c.name, ToCgroupValues(*status->resources)});
  }
  absl::StatusOr<cgroups::CgroupState> pod = driver.Read(where.pod_cgroup_path);
  if (pod.ok()) {
    state::CgroupValues& v = read.actuated.pod_cgroup;
    if (pod->cpu_shares) v.cpu_shares = static_cast<int64_t>(*pod->cpu_shares);
    if (pod->cpu_max) {
      v.cpu_quota = pod->cpu_max->quota_usec;
      v.cpu_period = static_cast<int64_t>(pod->cpu_max->period_usec);
    }
    if (pod->memory_max_bytes) v.memory_limit_bytes = *pod->memory_max_bytes;
    read.pod_cgroup = *std::move(pod);
  } else if (!absl::IsNotFound(pod.status())) {
    return pod.status();
  }
  return read;
}

absl::Status VerifyReadBack(const api::Pod& allocated, const ReadBack& read,
                            const ReadBackOptions& options, const std::vector<std::string>& skip) {
  for (const state::ContainerCgroupValues& c : read.actuated.containers) {
    if (std::find(skip.begin(), skip.end(), c.name) != skip.end()) continue;
    absl::StatusOr<resize::LinuxContainerResources> wanted =
        resize::ContainerResources(allocated, c.name, options.container);
    if (!wanted.ok()) continue;  // a container the spec no longer names
    resize::LinuxContainerResources reported;
    reported.cpu_shares = c.values.cpu_shares.value_or(0);
    reported.cpu_quota = c.values.cpu_quota.value_or(0);
    reported.cpu_period = c.values.cpu_period.value_or(0);
    reported.memory_limit_in_bytes = c.values.memory_limit_bytes.value_or(0);
    if (!resize::ResourcesMatch(*wanted, reported, options.systemd_driver)) {
      return absl::InternalError(absl::StrCat("container \"", c.name, "\" reads back ",
                                              Describe(reported), ", want ", Describe(*wanted)));
    }
  }
  if (!read.pod_cgroup.has_value()) return absl::OkStatus();
  return VerifyPodCgroup(allocated, *read.pod_cgroup, options);
}

absl::Status VerifyPodCgroup(const api::Pod& allocated, const cgroups::CgroupState& got,
                             const ReadBackOptions& options) {
  const resize::PodCgroupConfig want = resize::ResourceConfigForPod(allocated, options.pod_cgroup);
  if (want.memory_limit_bytes && *want.memory_limit_bytes > 0 && got.memory_max_bytes &&
      *got.memory_max_bytes != *want.memory_limit_bytes) {
    return absl::InternalError(absl::StrCat("pod cgroup memory limit reads back ",
                                            *got.memory_max_bytes, ", want ",
                                            *want.memory_limit_bytes));
  }
  if (want.cpu_quota && got.cpu_max) {
    const int64_t want_quota = *want.cpu_quota > 0 ? *want.cpu_quota : cgroups::kUnlimited;
    if (got.cpu_max->quota_usec != want_quota) {
      return absl::InternalError(absl::StrCat("pod cgroup cpu quota reads back ",
                                              got.cpu_max->quota_usec, ", want ", want_quota));
    }
  }
  if (want.cpu_shares) {
    if (got.cpu_shares && static_cast<int64_t>(*got.cpu_shares) != *want.cpu_shares) {
      return absl::InternalError(absl::StrCat("pod cgroup cpu shares read back ", *got.cpu_shares,
                                              ", want ", *want.cpu_shares));
    }
    if (!got.cpu_shares && got.cpu_weight && *got.cpu_weight != want.CpuWeight()) {
      return absl::InternalError(absl::StrCat("pod cgroup cpu weight reads back ", *got.cpu_weight,
                                              ", want ", want.CpuWeight()));
    }
  }
  return absl::OkStatus();
}

api::Pod PodFromReadBack(const api::Pod& base, const ReadBack& read) {
  api::Pod pod = base;
  for (const state::ContainerCgroupValues& c : read.actuated.containers) {
    for (api::ContainerSpec& spec : pod.containers) {
      if (spec.name != c.name) continue;
      api::ResourceList& requests = spec.resources.requests;
      api::ResourceList& limits = spec.resources.limits;
      if (c.values.cpu_shares && (requests.cpu || limits.cpu)) {
        requests.cpu = api::Quantity::FromMilli(cgroups::SharesToMilliCpu(*c.values.cpu_shares));
      }
      if (c.values.cpu_quota && *c.values.cpu_quota > 0 && limits.cpu) {
        const int64_t period = c.values.cpu_period.value_or(cgroups::kQuotaPeriodUs);
        limits.cpu =
            api::Quantity::FromMilli(cgroups::QuotaToMilliCpu(*c.values.cpu_quota, period));
      }
      if (c.values.memory_limit_bytes && limits.memory) {
        limits.memory =
            api::Quantity::FromInt(*c.values.memory_limit_bytes, api::QuantityFormat::kBinarySI);
      }
    }
  }
  return pod;
}

}  // namespace resizelet::reconcile
