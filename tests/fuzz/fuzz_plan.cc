// Fuzzes the `resizelet plan` entry point: pod, node and allocated-pod JSON (separated by NUL
// bytes) through the decoders, every decision and both renderings. The first byte picks the
// options (driver, cgroup version, weight formula, node settings).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/api/decode.h"
#include "agent/cli/plan_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> parts;
  while (parts.size() < 3) {
    const size_t nul = rest.find('\0');
    parts.push_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  using namespace resizelet;
  absl::StatusOr<api::Pod> pod = api::DecodePod(parts[0]);
  if (!pod.ok()) return 0;
  cli::PlanInput input;
  input.pod = *std::move(pod);
  if (parts.size() > 1) {
    if (absl::StatusOr<api::Node> node = api::DecodeNode(parts[1]); node.ok()) input.node = *node;
  }
  if (parts.size() > 2) {
    if (absl::StatusOr<api::Pod> allocated = api::DecodePod(parts[2]); allocated.ok()) {
      input.allocated = *std::move(allocated);
      input.allocated->uid = input.pod.uid;
    }
    // The pod also stands in as another pod on the node.
    input.other_pods.push_back(input.pod);
    input.other_pods.back().uid += "-other";
  }
  cli::PlanOptions options;
  options.driver =
      (flags & 1) ? cgroups::CgroupDriverKind::kSystemd : cgroups::CgroupDriverKind::kCgroupfs;
  options.cgroup_version = (flags & 2) ? 1 : 2;
  options.container_weight_formula =
      (flags & 4) ? cgroups::CpuWeightFormula::kLinear : cgroups::CpuWeightFormula::kQuadratic;
  options.node_settings.cpu_manager_static = flags & 8;
  options.node_settings.memory_manager_static = flags & 16;
  if (flags & 32) {
    options.node_settings.swap_behavior = resize::SwapBehavior::kLimitedSwap;
    options.node_settings.node_has_swap = true;
  }
  absl::StatusOr<cli::PlanReport> report = cli::BuildPlanReport(input, options);
  if (!report.ok()) return 0;
  const std::string json = cli::RenderPlanJson(*report);
  const std::string text = cli::RenderPlanText(*report);
  if (json.empty() || text.empty()) __builtin_trap();
  return 0;
}
