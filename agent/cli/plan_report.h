// `resizelet plan`: what resizelet would do for a pod, as plain data, and its two renderings.
//
// BuildPlanReport is pure: it takes decoded objects and settings and never touches the node. The
// JSON keys are a stable interface (README, tests/testdata/plan/*.expected.json).
#ifndef RESIZELET_AGENT_CLI_PLAN_REPORT_H_
#define RESIZELET_AGENT_CLI_PLAN_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/api/objects.h"
#include "agent/resize/admission.h"
#include "agent/resize/plan.h"
#include "cgroups/cgroup_name.h"
#include "cgroups/cpu_math.h"
#include "cgroups/v1_mapping.h"

namespace resizelet::cli {

struct PlanOptions {
  cgroups::CgroupDriverKind driver = cgroups::CgroupDriverKind::kCgroupfs;
  int cgroup_version = 2;  // 2 or 1
  // For container cgroups; pod cgroups always use the kubelet's linear formula.
  cgroups::CpuWeightFormula container_weight_formula = cgroups::CpuWeightFormula::kQuadratic;
  std::string cgroup_root = "/";
  resize::NodeResizeSettings node_settings;
};

struct PlanInput {
  api::Pod pod;                       // desired: its spec
  std::optional<api::Node> node;      // adds the admission decision
  std::vector<api::Pod> other_pods;   // the node's other pods
  std::optional<api::Pod> allocated;  // adds the ordered steps
};

// cgroup v1 files for one cgroup; -1 means "no limit".
using V1Values = cgroups::V1CpuMemoryValues;

struct ContainerReport {
  std::string name;
  bool init = false;
  bool sidecar = false;
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  int64_t cpu_shares = 0;
  int64_t memory_limit_in_bytes = 0;
  std::optional<int64_t> oom_score_adj;  // Burstable needs the node's memory capacity
  // cgroup v2 files (absent on v1).
  std::optional<int64_t> cpu_weight;
  std::optional<std::string> cpu_max;
  std::optional<std::string> memory_max;
  std::optional<V1Values> v1;
};

struct SystemdReport {
  std::string unit;
  uint64_t cpu_weight = 0;
  uint64_t cpu_quota_per_sec_usec = 0;  // UINT64_MAX: no quota
  uint64_t memory_max = 0;              // UINT64_MAX: no limit
};

struct PlanReport {
  std::string pod;  // namespace/name
  std::string uid;
  api::QosClass qos = api::QosClass::kBestEffort;
  int64_t requests_cpu_milli = 0;
  int64_t requests_memory_bytes = 0;
  int64_t limits_cpu_milli = 0;  // 0 = none
  int64_t limits_memory_bytes = 0;
  // Pod cgroup.
  std::string pod_cgroup_path;
  int64_t pod_cpu_shares = 0;
  std::optional<int64_t> pod_cpu_weight;
  std::optional<std::string> pod_cpu_max;
  std::optional<std::string> pod_memory_max;
  std::optional<SystemdReport> systemd;
  std::optional<V1Values> pod_v1;
  std::vector<ContainerReport> containers;
  std::optional<resize::AdmissionDecision> decision;
  std::vector<resize::PlanStep> steps;
};

absl::StatusOr<PlanReport> BuildPlanReport(const PlanInput& input, const PlanOptions& options);

// Pretty-printed JSON (2 spaces), keys as documented in the README.
std::string RenderPlanJson(const PlanReport& report);
// The same for a person.
std::string RenderPlanText(const PlanReport& report);

}  // namespace resizelet::cli

#endif  // RESIZELET_AGENT_CLI_PLAN_REPORT_H_
