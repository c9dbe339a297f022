#include "agent/cli/plan_report.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/cli/json_writer.h"
#include "agent/common/status_macros.h"
#include "agent/resize/container_resources.h"
#include "agent/resize/node_usage.h"
#include "agent/resize/pod_cgroup_config.h"
#include "agent/resize/pod_resources.h"
#include "agent/resize/qos.h"

namespace resizelet::cli {
namespace {

// What systemd will leave in cpu.max: runc and the kubelet's systemd manager round the quota up to
// whole percents (facts.md §2).
int64_t EffectiveQuota(int64_t quota, int64_t period, const PlanOptions& options) {
  if (options.driver != cgroups::CgroupDriverKind::kSystemd || quota <= 0) return quota;
  return cgroups::RoundCpuQuotaForSystemd(quota, period).quota;
}

std::optional<int64_t> PositiveOrNone(int64_t v) {
  if (v > 0) return v;
  return std::nullopt;
}

const char* ActionName(resize::StepAction a) {
  return a == resize::StepAction::kResizePodCgroup ? "resize-pod-cgroup" : "resize-container";
}
const char* ResourceName(resize::StepResource r) {
  return r == resize::StepResource::kCpu ? "cpu" : "memory";
}
const char* FieldName(resize::StepField f) {
  return f == resize::StepField::kLimit ? "limit" : "request";
}
const char* DirectionName(resize::StepDirection d) {
  return d == resize::StepDirection::kIncrease ? "increase" : "decrease";
}

absl::StatusOr<ContainerReport> ReportContainer(const api::Pod& pod,
                                                const api::ContainerSpec& container, bool init,
                                                const resize::ContainerResourceOptions& cro,
                                                const PlanOptions& options) {
  ASSIGN_OR_RETURN(resize::LinuxContainerResources r,
                   resize::ContainerResources(pod, container.name, cro));
  ContainerReport c;
  c.name = container.name;
  c.init = init;
  c.sidecar = container.sidecar;
  c.cpu_period = r.cpu_period;
  c.cpu_quota = r.cpu_quota;
  c.cpu_shares = r.cpu_shares;
  c.memory_limit_in_bytes = r.memory_limit_in_bytes;
  c.oom_score_adj = r.oom_score_adj;
  const int64_t quota = EffectiveQuota(r.cpu_quota, r.cpu_period, options);
  if (options.cgroup_version == 2) {
    c.cpu_weight = static_cast<int64_t>(cgroups::CpuSharesToWeight(
        static_cast<uint64_t>(r.cpu_shares), options.container_weight_formula));
    c.cpu_max = cgroups::FormatCpuMax(quota, r.cpu_period);
    c.memory_max = cgroups::FormatMemoryMax(PositiveOrNone(r.memory_limit_in_bytes));
  } else {
    c.v1 = cgroups::ToV1Values(r.cpu_shares, quota, r.cpu_period,
                               PositiveOrNone(r.memory_limit_in_bytes));
  }
  return c;
}

}  // namespace

absl::StatusOr<PlanReport> BuildPlanReport(const PlanInput& input, const PlanOptions& options) {
  const api::Pod& pod = input.pod;
  if (pod.uid.empty()) return absl::InvalidArgumentError("--pod: metadata.uid is required");
  if (input.allocated && input.allocated->uid != pod.uid) {
    return absl::InvalidArgumentError(absl::StrCat("--allocated: metadata.uid \"",
                                                   input.allocated->uid, "\" is not the pod's \"",
                                                   pod.uid, "\""));
  }
  PlanReport report;
  report.pod = pod.Key();
  report.uid = pod.uid;
  report.qos = resize::GetPodQos(pod);

  const resize::CpuMemory requests = resize::PodRequests(pod);
  const resize::CpuMemory limits = resize::PodLimits(pod);
  report.requests_cpu_milli = requests.cpu_milli;
  report.requests_memory_bytes = requests.memory_bytes;
  report.limits_cpu_milli = limits.cpu_milli;
  report.limits_memory_bytes = limits.memory_bytes;

  // The pod cgroup.
  ASSIGN_OR_RETURN(const cgroups::CgroupName root, cgroups::ParseCgroupRoot(options.cgroup_root));
  ASSIGN_OR_RETURN(const cgroups::CgroupName name,
                   cgroups::PodCgroupName(root, resize::ToQosTier(report.qos), pod.uid));
  report.pod_cgroup_path = cgroups::ToDriverPath(name, options.driver);
  const resize::PodCgroupConfig config = resize::ResourceConfigForPod(pod);
  report.pod_cpu_shares = config.cpu_shares.value_or(cgroups::kMinShares);
  const int64_t period = config.cpu_period.value_or(cgroups::kQuotaPeriodUs);
  const int64_t quota = EffectiveQuota(config.cpu_quota.value_or(0), period, options);
  if (options.cgroup_version == 2) {
    report.pod_cpu_weight = static_cast<int64_t>(config.CpuWeight());
    report.pod_cpu_max = cgroups::FormatCpuMax(quota, period);
    report.pod_memory_max = cgroups::FormatMemoryMax(config.memory_limit_bytes);
  } else {
    report.pod_v1 =
        cgroups::ToV1Values(report.pod_cpu_shares, quota, period, config.memory_limit_bytes);
  }
  if (options.driver == cgroups::CgroupDriverKind::kSystemd) {
    SystemdReport sd;
    sd.unit = cgroups::ToSystemdUnitName(name);
    sd.cpu_weight = cgroups::CpuWeightLinear(static_cast<uint64_t>(report.pod_cpu_shares));
    sd.cpu_quota_per_sec_usec =
        cgroups::RoundCpuQuotaForSystemd(config.cpu_quota.value_or(0), period).per_sec_usec;
    sd.memory_max = config.memory_limit_bytes && *config.memory_limit_bytes > 0
                        ? static_cast<uint64_t>(*config.memory_limit_bytes)
                        : cgroups::kSystemdInfinity;
    report.systemd = sd;
  }

  // Each running container: sidecars (in start order), then the regular containers.
  resize::ContainerResourceOptions cro;
  cro.cgroup_v2 = options.cgroup_version == 2;
  if (input.node && input.node->capacity.memory) {
    cro.node_memory_capacity_bytes = input.node->capacity.memory->Value();
  }
  for (const api::ContainerSpec& c : pod.init_containers) {
    if (!c.sidecar) continue;
    ASSIGN_OR_RETURN(ContainerReport r, ReportContainer(pod, c, true, cro, options));
    report.containers.push_back(std::move(r));
  }
  for (const api::ContainerSpec& c : pod.containers) {
    ASSIGN_OR_RETURN(ContainerReport r, ReportContainer(pod, c, false, cro, options));
    report.containers.push_back(std::move(r));
  }

  // Admission: against the node's allocatable and the other pods' allocations.
  const api::Pod& allocated = input.allocated ? *input.allocated : pod;
  if (input.node) {
    const resize::CpuMemory allocatable{resize::MilliOrZero(input.node->allocatable.cpu),
                                        resize::BytesOrZero(input.node->allocatable.memory)};
    resize::NodeUsage others;
    for (const api::Pod& other : input.other_pods) {
      if (other.uid == pod.uid) continue;
      if (std::optional<resize::CpuMemory> held = resize::AllocatedRequestsFromStatus(other)) {
        others.Add(*held);
      }
    }
    report.decision = resize::Admit(pod, allocated, allocatable, others, options.node_settings);
  }
  if (input.allocated) report.steps = resize::MakePlan(*input.allocated, pod);
  return report;
}

namespace {

void WriteV1(JsonWriter& w, const V1Values& v) {
  w.BeginObject();
  w.Key("cpuShares").Int(v.cpu_shares);
  w.Key("cpuCfsQuotaUs").Int(v.cpu_cfs_quota_us);
  w.Key("cpuCfsPeriodUs").Int(v.cpu_cfs_period_us);
  w.Key("memoryLimitInBytes").Int(v.memory_limit_in_bytes);
  w.EndObject();
}

void WriteOptionalString(JsonWriter& w, const std::optional<std::string>& v) {
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

}  // namespace

std::string RenderPlanJson(const PlanReport& r) {
  JsonWriter w(2);
  w.BeginObject();
  w.Key("pod").String(r.pod);
  w.Key("uid").String(r.uid);
  w.Key("qosClass").String(resize::QosClassName(r.qos));
  w.Key("requests").BeginObject();
  w.Key("cpuMilli").Int(r.requests_cpu_milli);
  w.Key("memoryBytes").Int(r.requests_memory_bytes);
  w.EndObject();
  w.Key("limits").BeginObject();
  w.Key("cpuMilli").Int(r.limits_cpu_milli);
  w.Key("memoryBytes").Int(r.limits_memory_bytes);
  w.EndObject();

  w.Key("podCgroup").BeginObject();
  w.Key("path").String(r.pod_cgroup_path);
  w.Key("cpuShares").Int(r.pod_cpu_shares);
  w.Key("cpuWeight").OptionalInt(r.pod_cpu_weight);
  w.Key("cpuMax");
  WriteOptionalString(w, r.pod_cpu_max);
  w.Key("memoryMax");
  WriteOptionalString(w, r.pod_memory_max);
  if (r.systemd) {
    w.Key("systemd").BeginObject();
    w.Key("unit").String(r.systemd->unit);
    w.Key("CPUWeight").Uint(r.systemd->cpu_weight);
    w.Key("CPUQuotaPerSecUSec").Uint(r.systemd->cpu_quota_per_sec_usec);
    w.Key("MemoryMax").Uint(r.systemd->memory_max);
    w.EndObject();
  }
  if (r.pod_v1) {
    w.Key("v1");
    WriteV1(w, *r.pod_v1);
  }
  w.EndObject();

  w.Key("containers").BeginArray();
  for (const ContainerReport& c : r.containers) {
    w.BeginObject();
    w.Key("name").String(c.name);
    w.Key("init").Bool(c.init);
    w.Key("sidecar").Bool(c.sidecar);
    w.Key("linux").BeginObject();
    w.Key("cpuPeriod").Int(c.cpu_period);
    w.Key("cpuQuota").Int(c.cpu_quota);
    w.Key("cpuShares").Int(c.cpu_shares);
    w.Key("memoryLimitInBytes").Int(c.memory_limit_in_bytes);
    w.Key("oomScoreAdj").OptionalInt(c.oom_score_adj);
    w.EndObject();
    w.Key("cpuWeight").OptionalInt(c.cpu_weight);
    w.Key("cpuMax");
    WriteOptionalString(w, c.cpu_max);
    w.Key("memoryMax");
    WriteOptionalString(w, c.memory_max);
    if (c.v1) {
      w.Key("v1");
      WriteV1(w, *c.v1);
    }
    w.EndObject();
  }
  w.EndArray();

  if (r.decision) {
    w.Key("decision").BeginObject();
    w.Key("result").String(resize::AdmissionOutcomeName(r.decision->outcome));
    w.Key("reasonDetail").String(r.decision->reason_detail);
    w.Key("message").String(r.decision->message);
    w.EndObject();
  }
  w.Key("steps").BeginArray();
  for (const resize::PlanStep& s : r.steps) {
    w.BeginObject();
    w.Key("action").String(ActionName(s.action));
    w.Key("target").String(s.target);
    w.Key("resource").String(ResourceName(s.resource));
    w.Key("field").String(FieldName(s.field));
    w.Key("direction").String(DirectionName(s.direction));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.str() + "\n";
}

namespace {

std::string Milli(int64_t m) { return m == 0 ? "none" : absl::StrCat(m, "m"); }
std::string Bytes(int64_t b) { return b == 0 ? "none" : absl::StrCat(b); }
std::string OrNone(const std::optional<int64_t>& v) {
  return v ? absl::StrCat(*v) : std::string("unknown (needs --node)");
}
std::string StepValue(const std::optional<int64_t>& v) { return v ? absl::StrCat(*v) : "max"; }

}  // namespace

std::string RenderPlanText(const PlanReport& r) {
  std::string out;
  absl::StrAppend(&out, "Pod:        ", r.pod, " (uid ", r.uid, ")\n");
  absl::StrAppend(&out, "QoS class:  ", resize::QosClassName(r.qos), "\n");
  absl::StrAppend(&out, "Requests:   cpu ", Milli(r.requests_cpu_milli), ", memory ",
                  Bytes(r.requests_memory_bytes), "\n");
  absl::StrAppend(&out, "Limits:     cpu ", Milli(r.limits_cpu_milli), ", memory ",
                  Bytes(r.limits_memory_bytes), "\n");
  absl::StrAppend(&out, "\nPod cgroup: ", r.pod_cgroup_path, "\n");
  if (r.pod_v1) {
    absl::StrAppend(&out, "  cpu.shares ", r.pod_v1->cpu_shares, "   cpu.cfs_quota_us ",
                    r.pod_v1->cpu_cfs_quota_us, "   cpu.cfs_period_us ",
                    r.pod_v1->cpu_cfs_period_us, "   memory.limit_in_bytes ",
                    r.pod_v1->memory_limit_in_bytes, "\n");
  } else {
    absl::StrAppend(&out, "  cpu.weight ", r.pod_cpu_weight.value_or(0), " (shares ",
                    r.pod_cpu_shares, ")   cpu.max \"", r.pod_cpu_max.value_or(""),
                    "\"   memory.max ", r.pod_memory_max.value_or(""), "\n");
  }
  if (r.systemd) {
    absl::StrAppend(&out, "  systemd unit ", r.systemd->unit, ": CPUWeight=", r.systemd->cpu_weight,
                    " CPUQuotaPerSecUSec=", r.systemd->cpu_quota_per_sec_usec,
                    " MemoryMax=", r.systemd->memory_max, "\n");
  }
  absl::StrAppend(&out, "\nContainers (CRI LinuxContainerResources):\n");
  for (const ContainerReport& c : r.containers) {
    absl::StrAppend(&out, "  ", c.name, c.sidecar ? " (sidecar)" : "", ": cpu_shares ",
                    c.cpu_shares, ", cpu_quota ", c.cpu_quota, ", cpu_period ", c.cpu_period,
                    ", memory_limit_in_bytes ", c.memory_limit_in_bytes, ", oom_score_adj ",
                    OrNone(c.oom_score_adj), "\n");
    if (c.v1) {
      absl::StrAppend(&out, "    cgroup v1: cpu.shares ", c.v1->cpu_shares, ", cpu.cfs_quota_us ",
                      c.v1->cpu_cfs_quota_us, ", memory.limit_in_bytes ",
                      c.v1->memory_limit_in_bytes, "\n");
    } else {
      absl::StrAppend(&out, "    cgroup v2: cpu.weight ", c.cpu_weight.value_or(0), ", cpu.max \"",
                      c.cpu_max.value_or(""), "\", memory.max ", c.memory_max.value_or(""), "\n");
    }
  }
  if (r.decision) {
    absl::StrAppend(&out, "\nDecision:   ", resize::AdmissionOutcomeName(r.decision->outcome));
    if (!r.decision->message.empty()) {
      absl::StrAppend(&out, " (", std::string(r.decision->reason_detail),
                      "): ", r.decision->message);
    }
    out.push_back('\n');
  }
  if (!r.steps.empty()) {
    absl::StrAppend(&out, "\nSteps, in order:\n");
    int n = 0;
    for (const resize::PlanStep& s : r.steps) {
      absl::StrAppend(&out, "  ", ++n, ". ", ActionName(s.action), " ", s.target, " ",
                      ResourceName(s.resource), " ", FieldName(s.field), " ",
                      DirectionName(s.direction), ": ", StepValue(s.from), " -> ", StepValue(s.to),
                      "\n");
    }
  }
  return out;
}

}  // namespace resizelet::cli
