// The daemon's configuration: a versioned file, overridden by kubelet-style flags.
//
//   apiVersion: resizelet.io/v1alpha1
//   kind: ResizeletConfiguration
//   mode: auto                 # auto | companion | actuate | observe (docs/product.md)
//   cgroupDriver: systemd
//   logFormat: json
//
// Decoding is strict, as the kubelet's config file (k8s.io/kubelet config.k8s.io, strict
// serializer): an unknown or repeated field, or a value of the wrong type, is an error naming the
// field and its line. Absent fields take the defaults below. Validate() reports every invalid
// value at once, each with its field name and the allowed values.
//
// Precedence, highest first: a flag set on the command line, the file, the default. The node
// name is special (docs/facts.md §7): --node-name, else the file's nodeName, else $NODE_NAME (the
// downward API), else the lower-cased hostname.
#ifndef RESIZELET_AGENT_OBS_CONFIG_H_
#define RESIZELET_AGENT_OBS_CONFIG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace resizelet::cli {
class FlagSet;
}  // namespace resizelet::cli

namespace resizelet::obs {

inline constexpr std::string_view kConfigApiVersion = "resizelet.io/v1alpha1";
inline constexpr std::string_view kConfigKind = "ResizeletConfiguration";

struct Config {
  std::string node_name;  // resolved by ResolveNodeName when empty
  std::string mode = "auto";
  // Empty: in-cluster (service account token and CA, docs/facts.md §7).
  std::string kubeconfig;
  std::string container_runtime_endpoint = "unix:///run/containerd/containerd.sock";
  // The kubelet's default; kubeadm nodes set systemd.
  std::string cgroup_driver = "cgroupfs";
  std::string cgroup_root = "/";
  std::string cgroup_mount_point = "/sys/fs/cgroup";
  // How the runtime maps CPU shares to cpu.weight for containers (docs/facts.md §2): "auto" reads
  // it back from a container's cgroup.
  std::string cpu_weight_formula = "auto";
  std::string state_directory = "/var/lib/resizelet";
  // Empty disables the endpoint. Both default to one listener (see http_server.h for the port).
  std::string metrics_bind_address = "127.0.0.1:10266";
  std::string healthz_bind_address = "127.0.0.1:10266";
  std::string log_format = "text";
  int64_t verbosity = 0;
  // Also write the deprecated status.resize field (kubelets 1.27-1.32 erase it, product.md).
  bool legacy_resize_status = false;
  // Ask the kernel to reclaim memory (memory.reclaim) before a limit decrease.
  bool memory_reclaim = false;
  // Refuse a memory limit decrease unless usage + headroom < the new limit (facts.md §5).
  int64_t memory_shrink_headroom_bytes = 0;
  // Deadline of each CRI call. The kubelet's is 2m; a resize's runtime calls take ~10 ms
  // (facts.md §8), so a shorter deadline frees a worker from a hung runtime sooner.
  absl::Duration runtime_request_timeout = absl::Seconds(30);
  // How long `resizelet run` waits for the first list of this node's pods and of its Node object
  // before it gives up (exit 1): an API server that never answers fails the start visibly
  // instead of leaving a daemon that is never ready.
  absl::Duration cache_sync_timeout = absl::Minutes(2);
  // The kubelet's client limits (facts.md §7).
  int64_t kube_api_qps = 50;
  int64_t kube_api_burst = 100;
  // The node kubelet's settings that make a resize Infeasible (agent/resize/admission.h); set
  // them as the kubelet's configuration has them. Field names and values are the kubelet's
  // (KubeletConfiguration), except swapBehavior, which is its memorySwap.swapBehavior flattened.
  std::string cpu_manager_policy = "none";     // none | static
  std::string memory_manager_policy = "None";  // None | Static
  std::string swap_behavior = "NoSwap";        // NoSwap | LimitedSwap
};

// Decodes a configuration file's contents strictly onto the defaults. `source` names the file in
// errors ("resizelet.yaml:7: ...").
absl::StatusOr<Config> ParseConfig(std::string_view yaml, std::string_view source = "config");

// Reads and decodes a file.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// Every invalid value, one per line, or OK.
absl::Status Validate(const Config& config);

// Where the node name comes from when neither a flag nor the file gives it. Injected for tests.
struct NodeNameSources {
  std::function<std::optional<std::string>(const char*)> getenv;
  std::function<std::string()> hostname;
  static NodeNameSources System();
};

// The lower-cased $NODE_NAME or hostname, when `config.node_name` is empty.
absl::Status ResolveNodeName(Config& config, const NodeNameSources& sources);

// The command line's view of the configuration: one flag per field, plus --config FILE.
class ConfigFlags {
 public:
  // Registers the flags on `flags`, which must outlive this object's use.
  explicit ConfigFlags(cli::FlagSet& flags);

  // After flags.Parse(): loads --config (or the defaults), applies the flags that were set,
  // resolves the node name and validates.
  absl::StatusOr<Config> Resolve(const NodeNameSources& sources) const;

 private:
  cli::FlagSet& flags_;
  std::string config_path_;
  Config values_;  // the flags' targets (their defaults are the Config defaults)
  std::string runtime_request_timeout_;
  std::string cache_sync_timeout_;
};

}  // namespace resizelet::obs

#endif  // RESIZELET_AGENT_OBS_CONFIG_H_
