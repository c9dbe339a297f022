// `resizelet plan`: reads the pod (and optionally the node, the other pods and the allocated
// version of the pod) from files, and prints what resizelet would do.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/api/decode.h"
#include "agent/cli/cli.h"
#include "agent/cli/document.h"
#include "agent/cli/flag_set.h"
#include "agent/cli/plan_report.h"

namespace resizelet::cli {
namespace {

constexpr char kPlanHelp[] =
    "Usage: resizelet plan --pod FILE [--node FILE] [--pods FILE] [--allocated FILE]\n"
    "                      [--cgroup-driver cgroupfs|systemd] [--cgroup-version 2|1]\n"
    "                      [--cpu-weight-formula linear|quadratic] [-o json|text]\n"
    "\n"
    "Prints what resizelet would do for a pod, without touching the node. Files are JSON as\n"
    "`kubectl get -o json` prints them, or YAML. Exit status: 0 when a plan was printed (whatever\n"
    "the decision), 2 for bad input, 1 for an internal error.\n"
    "\n"
    "Flags:\n";

// Reads and decodes one object file; errors name the file (and the decoder names the field).
template <typename T, typename Decode>
absl::StatusOr<T> Load(const std::string& flag, const std::string& path, Decode decode) {
  absl::StatusOr<std::string> text = ReadFileBounded(path);
  if (!text.ok())
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " ", text.status().message()));
  absl::StatusOr<std::string> json = ToJson(*text);
  if (!json.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": ", json.status().message()));
  }
  absl::StatusOr<T> object = decode(*json);
  if (!object.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": ", object.status().message()));
  }
  return object;
}

}  // namespace

int RunPlanCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string pod_file, node_file, pods_file, allocated_file;
  std::string driver = "cgroupfs", version = "2", formula = "quadratic", output = "json";
  std::string cpu_manager_policy = "none", memory_manager_policy = "None";
  std::string cgroup_root = "/";
  bool swap = false;
  bool help = false;
  FlagSet flags("resizelet plan");
  flags.AddString("pod", "FILE", "the pod; its spec is the desired size (required)", &pod_file);
  flags.AddString("node", "FILE", "the node (status.allocatable, status.capacity)", &node_file);
  flags.AddString("pods", "FILE", "a PodList of the node's other pods", &pods_file);
  flags.AddString("allocated", "FILE", "the pod as allocated now; adds the ordered steps",
                  &allocated_file);
  flags.AddChoice("cgroup-driver", {"cgroupfs", "systemd"}, "the node's cgroup driver", &driver);
  flags.AddChoice("cgroup-version", {"2", "1"},
                  "the node's cgroup version (on 1, pod-level resizes are Infeasible)", &version);
  flags.AddChoice("cpu-weight-formula", {"linear", "quadratic"},
                  "shares to cpu.weight for container cgroups (the runtime's)", &formula);
  flags.AddString("cgroup-root", "PATH", "the kubelet's --cgroup-root", &cgroup_root);
  flags.AddChoice("cpu-manager-policy", {"none", "static"}, "the kubelet's CPU manager policy",
                  &cpu_manager_policy);
  flags.AddChoice("memory-manager-policy", {"None", "Static"},
                  "the kubelet's memory manager policy", &memory_manager_policy);
  flags.AddBool("swap", "the node runs with LimitedSwap", &swap);
  flags.AddChoice("o", {"json", "text"}, "output format", &output);
  flags.AddBool("help", "print this help", &help);

  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) {
    err << positional.status().message() << "\n";
    return kExitBadInput;
  }
  if (help) {
    out << kPlanHelp << flags.Usage();
    return kExitOk;
  }
  if (!positional->empty()) {
    err << "resizelet plan: unexpected argument \"" << positional->front() << "\" (see --help)\n";
    return kExitBadInput;
  }
  if (pod_file.empty()) {
    err << "resizelet plan: --pod FILE is required (see --help)\n";
    return kExitBadInput;
  }

  PlanInput input;
  PlanOptions options;
  options.driver = driver == "systemd" ? cgroups::CgroupDriverKind::kSystemd
                                       : cgroups::CgroupDriverKind::kCgroupfs;
  options.cgroup_version = version == "1" ? 1 : 2;
  options.container_weight_formula = formula == "linear" ? cgroups::CpuWeightFormula::kLinear
                                                         : cgroups::CpuWeightFormula::kQuadratic;
  options.cgroup_root = cgroup_root;
  options.node_settings.cpu_manager_static = cpu_manager_policy == "static";
  options.node_settings.memory_manager_static = memory_manager_policy == "Static";
  options.node_settings.cgroup_v1 = options.cgroup_version == 1;
  if (swap) {
    options.node_settings.swap_behavior = resize::SwapBehavior::kLimitedSwap;
    options.node_settings.node_has_swap = true;
  }

  absl::Status status = absl::OkStatus();
  if (absl::StatusOr<api::Pod> pod = Load<api::Pod>("pod", pod_file, api::DecodePod); pod.ok()) {
    input.pod = *std::move(pod);
  } else {
    status = pod.status();
  }
  if (status.ok() && !node_file.empty()) {
    absl::StatusOr<api::Node> node = Load<api::Node>("node", node_file, api::DecodeNode);
    if (node.ok()) {
      input.node = *std::move(node);
    } else {
      status = node.status();
    }
  }
  if (status.ok() && !pods_file.empty()) {
    absl::StatusOr<api::PodList> pods = Load<api::PodList>("pods", pods_file, api::DecodePodList);
    if (pods.ok()) {
      input.other_pods = std::move(pods->items);
    } else {
      status = pods.status();
    }
  }
  if (status.ok() && !allocated_file.empty()) {
    absl::StatusOr<api::Pod> allocated =
        Load<api::Pod>("allocated", allocated_file, api::DecodePod);
    if (allocated.ok()) {
      input.allocated = *std::move(allocated);
    } else {
      status = allocated.status();
    }
  }
  if (!status.ok()) {
    err << "resizelet plan: " << status.message() << "\n";
    return kExitBadInput;
  }

  absl::StatusOr<PlanReport> report = BuildPlanReport(input, options);
  if (!report.ok()) {
    err << "resizelet plan: " << report.status().message() << "\n";
    return report.status().code() == absl::StatusCode::kInvalidArgument ? kExitBadInput
                                                                        : kExitInternal;
  }
  out << (output == "text" ? RenderPlanText(*report) : RenderPlanJson(*report));
  return kExitOk;
}

}  // namespace resizelet::cli
