#include <string>

#include "agent/cli/flag_set.h"
#include "agent/common/status_macros.h"
#include "agent/obs/config.h"

namespace resizelet::obs {

ConfigFlags::ConfigFlags(cli::FlagSet& flags) : flags_(flags) {
  Config& v = values_;
  runtime_request_timeout_ = absl::FormatDuration(v.runtime_request_timeout);
  cache_sync_timeout_ = absl::FormatDuration(v.cache_sync_timeout);
  flags.AddString("config", "FILE",
                  std::string("The configuration file (apiVersion: ") +
                      std::string(kConfigApiVersion) + ", kind: " + std::string(kConfigKind) +
                      "). Flags override its fields.",
                  &config_path_);
  flags.AddString("node-name", "NAME",
                  "This node's name. Default: the file's nodeName, else $NODE_NAME, else the "
                  "lower-cased hostname.",
                  &v.node_name);
  flags.AddChoice("mode", {"auto", "companion", "actuate", "observe"},
                  "auto picks from the node's kubelet: companion (it resizes itself), actuate "
                  "(1.31-1.32, gate off), observe (<= 1.30, which restarts containers).",
                  &v.mode);
  flags.AddString("kubeconfig", "FILE", "kubeconfig for the API server. Default: in-cluster.",
                  &v.kubeconfig);
  flags.AddString("container-runtime-endpoint", "URL", "The CRI socket.",
                  &v.container_runtime_endpoint);
  flags.AddChoice("cgroup-driver", {"cgroupfs", "systemd"}, "The kubelet's cgroup driver.",
                  &v.cgroup_driver);
  flags.AddString("cgroup-root", "PATH", "The kubelet's --cgroup-root.", &v.cgroup_root);
  flags.AddString("cgroup-mount-point", "PATH", "Where the cgroup hierarchy is mounted.",
                  &v.cgroup_mount_point);
  flags.AddChoice("cpu-weight-formula", {"auto", "linear", "quadratic"},
                  "The runtime's CPU shares to cpu.weight mapping; auto reads it back.",
                  &v.cpu_weight_formula);
  flags.AddString("state-directory", "DIR", "Where the allocation checkpoint lives.",
                  &v.state_directory);
  flags.AddString("metrics-bind-address", "HOST:PORT", "/metrics listener; empty disables.",
                  &v.metrics_bind_address);
  flags.AddString("healthz-bind-address", "HOST:PORT",
                  "/healthz, /livez, /readyz listener; empty disables.", &v.healthz_bind_address);
  flags.AddChoice("logging-format", {"text", "json"}, "klog text or JSON lines.", &v.log_format);
  flags.AddInt("v", "N", "Log verbosity (klog's -v).", &v.verbosity);
  flags.AddBool("legacy-resize-status",
                "Also write the deprecated status.resize field (kubelets 1.27-1.32 erase it).",
                &v.legacy_resize_status);
  flags.AddBool("memory-reclaim", "Reclaim memory (memory.reclaim) before a limit decrease.",
                &v.memory_reclaim);
  flags.AddInt("memory-shrink-headroom-bytes", "BYTES",
               "Refuse a memory limit decrease unless usage + this < the new limit.",
               &v.memory_shrink_headroom_bytes);
  flags.AddString("runtime-request-timeout", "DURATION", "Deadline of each CRI call.",
                  &runtime_request_timeout_);
  flags.AddString("cache-sync-timeout", "DURATION",
                  "How long to wait for the first sync of this node's pods and Node object "
                  "before giving up (exit 1).",
                  &cache_sync_timeout_);
  flags.AddInt("kube-api-qps", "N", "API server requests per second.", &v.kube_api_qps);
  flags.AddInt("kube-api-burst", "N", "API server request burst.", &v.kube_api_burst);
  flags.AddChoice("cpu-manager-policy", {"none", "static"},
                  "The kubelet's cpuManagerPolicy: static makes CPU resizes of Guaranteed pods "
                  "Infeasible.",
                  &v.cpu_manager_policy);
  flags.AddChoice("memory-manager-policy", {"None", "Static"},
                  "The kubelet's memoryManagerPolicy: Static makes memory resizes of Guaranteed "
                  "pods Infeasible.",
                  &v.memory_manager_policy);
  flags.AddChoice("swap-behavior", {"NoSwap", "LimitedSwap"},
                  "The kubelet's memorySwap.swapBehavior: with LimitedSwap on a node with swap, "
                  "memory request resizes of swapping containers are Infeasible.",
                  &v.swap_behavior);
}

absl::StatusOr<Config> ConfigFlags::Resolve(const NodeNameSources& sources) const {
  Config config;
  if (!config_path_.empty()) {
    ASSIGN_OR_RETURN(config, LoadConfigFile(config_path_));
  }
  const Config& v = values_;
#define RESIZELET_OVERRIDE(flag, member) \
  if (flags_.WasSet(flag)) config.member = v.member;
  RESIZELET_OVERRIDE("node-name", node_name)
  RESIZELET_OVERRIDE("mode", mode)
  RESIZELET_OVERRIDE("kubeconfig", kubeconfig)
  RESIZELET_OVERRIDE("container-runtime-endpoint", container_runtime_endpoint)
  RESIZELET_OVERRIDE("cgroup-driver", cgroup_driver)
  RESIZELET_OVERRIDE("cgroup-root", cgroup_root)
  RESIZELET_OVERRIDE("cgroup-mount-point", cgroup_mount_point)
  RESIZELET_OVERRIDE("cpu-weight-formula", cpu_weight_formula)
  RESIZELET_OVERRIDE("state-directory", state_directory)
  RESIZELET_OVERRIDE("metrics-bind-address", metrics_bind_address)
  RESIZELET_OVERRIDE("healthz-bind-address", healthz_bind_address)
  RESIZELET_OVERRIDE("logging-format", log_format)
  RESIZELET_OVERRIDE("v", verbosity)
  RESIZELET_OVERRIDE("legacy-resize-status", legacy_resize_status)
  RESIZELET_OVERRIDE("memory-reclaim", memory_reclaim)
  RESIZELET_OVERRIDE("memory-shrink-headroom-bytes", memory_shrink_headroom_bytes)
  RESIZELET_OVERRIDE("kube-api-qps", kube_api_qps)
  RESIZELET_OVERRIDE("kube-api-burst", kube_api_burst)
  RESIZELET_OVERRIDE("cpu-manager-policy", cpu_manager_policy)
  RESIZELET_OVERRIDE("memory-manager-policy", memory_manager_policy)
  RESIZELET_OVERRIDE("swap-behavior", swap_behavior)
#undef RESIZELET_OVERRIDE
  if (flags_.WasSet("runtime-request-timeout") &&
      !absl::ParseDuration(runtime_request_timeout_, &config.runtime_request_timeout)) {
    return absl::InvalidArgumentError("--runtime-request-timeout: \"" + runtime_request_timeout_ +
                                      "\" is not a duration such as 30s or 1m30s");
  }
  if (flags_.WasSet("cache-sync-timeout") &&
      !absl::ParseDuration(cache_sync_timeout_, &config.cache_sync_timeout)) {
    return absl::InvalidArgumentError("--cache-sync-timeout: \"" + cache_sync_timeout_ +
                                      "\" is not a duration such as 2m or 90s");
  }
  RETURN_IF_ERROR(ResolveNodeName(config, sources));
  RETURN_IF_ERROR(Validate(config));
  return config;
}

}  // namespace resizelet::obs
