#include "agent/obs/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <concepts>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "agent/common/status_macros.h"
#include "agent/obs/host_port.h"
#include "yaml-cpp/yaml.h"

namespace resizelet::obs {
namespace {

// String concatenation over std::string_view and integers (Debian's abseil takes only its own
// string_view in StrCat).
inline void AppendPiece(std::string& out, std::string_view s) { out.append(s); }
template <typename T>
requires std::integral<T>
void AppendPiece(std::string& out, T v) { out += std::to_string(v); }
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (AppendPiece(out, args), ...);
  return out;
}

constexpr size_t kMaxConfigBytes = 1 << 20;

constexpr std::string_view kModes[] = {"auto", "companion", "actuate", "observe"};
constexpr std::string_view kCgroupDrivers[] = {"cgroupfs", "systemd"};
constexpr std::string_view kCpuWeightFormulas[] = {"auto", "linear", "quadratic"};
constexpr std::string_view kLogFormats[] = {"text", "json"};
// The kubelet's cpumanager / memorymanager policy names and memorySwap.swapBehavior values.
constexpr std::string_view kCpuManagerPolicies[] = {"none", "static"};
constexpr std::string_view kMemoryManagerPolicies[] = {"None", "Static"};
constexpr std::string_view kSwapBehaviors[] = {"NoSwap", "LimitedSwap"};

template <size_t N>
bool OneOf(const std::string& v, const std::string_view (&choices)[N]) {
  return std::find(std::begin(choices), std::end(choices), v) != std::end(choices);
}

template <size_t N>
std::string Choices(const std::string_view (&choices)[N]) {
  std::string out;
  for (std::string_view c : choices) out += Cat(out.empty() ? "" : ", ", c);
  return out;
}

// The YAML scalars a plain (unquoted) value resolves to, as sigs.k8s.io/yaml (YAML 1.1 via
// go-yaml) sees them: a plain `123` or `true` is not a string, so a string field rejects it
// unless quoted, the way the kubelet's strict decoder does.
bool IsNullScalar(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}
bool ParseBoolScalar(const std::string& s, bool* out) {
  if (s == "true" || s == "True" || s == "TRUE") {
    *out = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    *out = false;
    return true;
  }
  return false;
}
bool LooksLikeYaml11Bool(const std::string& s) {
  std::string l = absl::AsciiStrToLower(s);
  return l == "true" || l == "false" || l == "yes" || l == "no" || l == "on" || l == "off" ||
         l == "y" || l == "n";
}
bool LooksNumeric(const std::string& s) {
  double d;
  return absl::SimpleAtod(s, &d) && s.find_first_not_of("0123456789+-.eE_") == std::string::npos;
}

using Setter = std::function<absl::Status(const YAML::Node&, Config&)>;

std::string Where(std::string_view source, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.line < 0) return std::string(source);
  return Cat(source, ":", m.line + 1, ":", m.column + 1);
}

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?"; }

absl::Status TypeError(std::string_view source, std::string_view field, const YAML::Node& n,
                       std::string_view want) {
  std::string got = n.IsScalar()     ? Cat("\"", n.Scalar(), "\"")
                    : n.IsMap()      ? std::string("a mapping")
                    : n.IsSequence() ? std::string("a list")
                                     : std::string("null");
  return absl::InvalidArgumentError(
      Cat(Where(source, n), ": field \"", field, "\": want ", want, ", got ", got));
}

struct FieldSpec {
  std::string_view name;
  // Decodes `node` into `config`; `source` and the name are for errors.
  std::function<absl::Status(std::string_view source, std::string_view name, const YAML::Node&,
                             Config&)>
      decode;
};

FieldSpec StringField(std::string_view name, std::string Config::*member) {
  return {name,
          [member](std::string_view source, std::string_view field, const YAML::Node& n,
                   Config& c) -> absl::Status {
            if (!n.IsScalar()) return TypeError(source, field, n, "a string");
            const std::string& s = n.Scalar();
            if (IsPlain(n) && (LooksLikeYaml11Bool(s) || LooksNumeric(s))) {
              return TypeError(source, field, n, "a string (quote it)");
            }
            c.*member = s;
            return absl::OkStatus();
          }};
}

FieldSpec IntField(std::string_view name, int64_t Config::*member) {
  return {name,
          [member](std::string_view source, std::string_view field, const YAML::Node& n,
                   Config& c) -> absl::Status {
            int64_t v;
            if (!n.IsScalar() || !IsPlain(n) || !absl::SimpleAtoi(n.Scalar(), &v)) {
              return TypeError(source, field, n, "an integer");
            }
            c.*member = v;
            return absl::OkStatus();
          }};
}

FieldSpec BoolField(std::string_view name, bool Config::*member) {
  return {name,
          [member](std::string_view source, std::string_view field, const YAML::Node& n,
                   Config& c) -> absl::Status {
            bool v;
            if (!n.IsScalar() || !IsPlain(n) || !ParseBoolScalar(n.Scalar(), &v)) {
              return TypeError(source, field, n, "true or false");
            }
            c.*member = v;
            return absl::OkStatus();
          }};
}

// A Go duration string, as metav1.Duration ("30s", "1m30s", "500ms").
FieldSpec DurationField(std::string_view name, absl::Duration Config::*member) {
  return {name,
          [member](std::string_view source, std::string_view field, const YAML::Node& n,
                   Config& c) -> absl::Status {
            absl::Duration d;
            if (!n.IsScalar() || !absl::ParseDuration(n.Scalar(), &d)) {
              return TypeError(source, field, n, "a duration such as \"30s\" or \"1m30s\"");
            }
            c.*member = d;
            return absl::OkStatus();
          }};
}

const std::vector<FieldSpec>& Fields() {
  static const auto* fields = new std::vector<FieldSpec>{
      StringField("nodeName", &Config::node_name),
      StringField("mode", &Config::mode),
      StringField("kubeconfig", &Config::kubeconfig),
      StringField("containerRuntimeEndpoint", &Config::container_runtime_endpoint),
      StringField("cgroupDriver", &Config::cgroup_driver),
      StringField("cgroupRoot", &Config::cgroup_root),
      StringField("cgroupMountPoint", &Config::cgroup_mount_point),
      StringField("cpuWeightFormula", &Config::cpu_weight_formula),
      StringField("stateDirectory", &Config::state_directory),
      StringField("metricsBindAddress", &Config::metrics_bind_address),
      StringField("healthzBindAddress", &Config::healthz_bind_address),
      StringField("logFormat", &Config::log_format),
      IntField("verbosity", &Config::verbosity),
      BoolField("legacyResizeStatus", &Config::legacy_resize_status),
      BoolField("memoryReclaim", &Config::memory_reclaim),
      IntField("memoryShrinkHeadroomBytes", &Config::memory_shrink_headroom_bytes),
      DurationField("runtimeRequestTimeout", &Config::runtime_request_timeout),
      DurationField("cacheSyncTimeout", &Config::cache_sync_timeout),
      IntField("kubeAPIQPS", &Config::kube_api_qps),
      IntField("kubeAPIBurst", &Config::kube_api_burst),
      StringField("cpuManagerPolicy", &Config::cpu_manager_policy),
      StringField("memoryManagerPolicy", &Config::memory_manager_policy),
      StringField("swapBehavior", &Config::swap_behavior),
  };
  return *fields;
}

// RFC 1123 subdomain, as Kubernetes requires of node names.
bool IsDnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t label_start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      size_t len = i - label_start;
      if (len == 0 || len > 63 || s[label_start] == '-' || s[i - 1] == '-') return false;
      label_start = i + 1;
      continue;
    }
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::Status DecodeRoot(const YAML::Node& root, std::string_view source, Config& config) {
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(Cat(Where(source, root), ": want a mapping with apiVersion: ",
                                          kConfigApiVersion, " and kind: ", kConfigKind));
  }
  std::set<std::string> seen;
  std::string api_version, kind;
  for (const auto& kv : root) {
    const YAML::Node& key = kv.first;
    const YAML::Node& value = kv.second;
    if (!key.IsScalar()) {
      return absl::InvalidArgumentError(Cat(Where(source, key), ": keys must be strings"));
    }
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          Cat(Where(source, key), ": field \"", name, "\" appears twice"));
    }
    if (name == "apiVersion" || name == "kind") {
      if (!value.IsScalar()) return TypeError(source, name, value, "a string");
      (name == "apiVersion" ? api_version : kind) = value.Scalar();
      continue;
    }
    const auto& fields = Fields();
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const FieldSpec& f) { return f.name == name; });
    if (it == fields.end()) {
      std::string hint;
      for (const FieldSpec& f : fields) {
        if (absl::AsciiStrToLower(std::string(f.name)) == absl::AsciiStrToLower(name)) {
          hint = Cat(" (did you mean \"", f.name, "\"?)");
        }
      }
      return absl::InvalidArgumentError(
          Cat(Where(source, key), ": unknown field \"", name, "\"", hint));
    }
    // An explicit null keeps the default, as an absent field does.
    if (value.IsNull() || (value.IsScalar() && IsPlain(value) && IsNullScalar(value.Scalar()))) {
      continue;
    }
    RETURN_IF_ERROR(it->decode(source, name, value, config));
  }
  if (api_version != kConfigApiVersion) {
    return absl::InvalidArgumentError(
        Cat(source, ": apiVersion is \"", api_version, "\"; want \"", kConfigApiVersion, "\""));
  }
  if (kind != kConfigKind) {
    return absl::InvalidArgumentError(
        Cat(source, ": kind is \"", kind, "\"; want \"", kConfigKind, "\""));
  }
  return absl::OkStatus();
}

// The line (1-based) of a document marker ("---" or "...") that follows content, or 0. Markers
// only count at column 0, where they always end the current document (YAML 1.2 §9.1).
int SecondDocumentLine(std::string_view yaml) {
  bool content = false;
  bool ended = false;  // a "..." closed the first document
  int line = 0;
  size_t pos = 0;
  while (pos < yaml.size()) {
    size_t end = yaml.find('\n', pos);
    if (end == std::string_view::npos) end = yaml.size();
    std::string_view l = yaml.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    auto is_marker = [&](std::string_view m) {
      return l.substr(0, 3) == m && (l.size() == 3 || l[3] == ' ' || l[3] == '\t');
    };
    if (is_marker("---")) {
      if (content) return line;
      continue;
    }
    if (is_marker("...")) {
      ended = ended || content;
      continue;
    }
    size_t first = l.find_first_not_of(" \t");
    if (first != std::string_view::npos && l[first] != '#' && l[0] != '%') {
      if (ended) return line;
      content = true;
    }
  }
  return 0;
}

}  // namespace

absl::StatusOr<Config> ParseConfig(std::string_view yaml, std::string_view source) {
  Config config;
  // A config file is small; anything large is a mistake (or hostile).
  if (yaml.size() > kMaxConfigBytes) {
    return absl::InvalidArgumentError(Cat(source, ": larger than 1 MiB"));
  }
  // YAML's character set excludes the C0 controls other than tab, LF and CR (YAML 1.2 §5.1), and
  // yaml-cpp 0.7 can loop forever on a stream holding NUL: reject them before it sees them.
  int line = 1;
  for (char ch : yaml) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      return absl::InvalidArgumentError(
          Cat(source, ":", line, ": control character ", static_cast<int>(c), " is not allowed"));
    }
  }
  // yaml-cpp reports errors by throwing: caught here, at the parser's edge (architecture.md).
  try {
    // YAML::Load, not LoadAll: yaml-cpp 0.7's LoadAll can loop forever on a malformed stream
    // (found by fuzz_config). A second document is found by its marker instead.
    if (int second = SecondDocumentLine(yaml); second > 0) {
      return absl::InvalidArgumentError(
          Cat(source, ":", second, ": a second YAML document; want one"));
    }
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsDefined() || root.IsNull()) {
      return absl::InvalidArgumentError(
          Cat(source, ": empty; want apiVersion: ", kConfigApiVersion, ", kind: ", kConfigKind));
    }
    RETURN_IF_ERROR(DecodeRoot(root, source, config));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        Cat(source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": invalid YAML: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(Cat(source, ": invalid YAML: ", e.what()));
  }
  return config;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(Cat("cannot read config file ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

absl::Status Validate(const Config& c) {
  std::vector<std::string> problems;
  auto bad = [&](std::string_view field, std::string why) {
    problems.push_back(Cat(field, ": ", why));
  };
  auto choice = [&](std::string_view field, const std::string& v, auto& choices) {
    if (!OneOf(v, choices)) {
      bad(field, Cat("\"", v, "\" is not one of ", Choices(choices)));
    }
  };
  if (!IsDnsSubdomain(c.node_name)) {
    bad("nodeName",
        Cat("\"", c.node_name, "\" is not a lower-case RFC 1123 subdomain (a node name)"));
  }
  choice("mode", c.mode, kModes);
  choice("cgroupDriver", c.cgroup_driver, kCgroupDrivers);
  choice("cpuWeightFormula", c.cpu_weight_formula, kCpuWeightFormulas);
  choice("logFormat", c.log_format, kLogFormats);
  choice("cpuManagerPolicy", c.cpu_manager_policy, kCpuManagerPolicies);
  choice("memoryManagerPolicy", c.memory_manager_policy, kMemoryManagerPolicies);
  choice("swapBehavior", c.swap_behavior, kSwapBehaviors);
  if (c.container_runtime_endpoint.rfind("unix:///", 0) != 0) {
    bad("containerRuntimeEndpoint",
        Cat("\"", c.container_runtime_endpoint,
            "\" is not a unix socket URL (unix:///run/containerd/containerd.sock)"));
  }
  // The kubelet's rule (cm.ValidateCgroupRoot-like): the systemd driver names slices, cgroupfs
  // takes paths.
  if (c.cgroup_driver == "systemd") {
    if (c.cgroup_root != "/" &&
        (c.cgroup_root.size() <= 6 || c.cgroup_root.substr(c.cgroup_root.size() - 6) != ".slice")) {
      bad("cgroupRoot", Cat("\"", c.cgroup_root,
                            "\" must be \"/\" or a systemd slice (\"kubepods.slice\") "
                            "with cgroupDriver systemd"));
    }
  } else if (c.cgroup_root.empty() || c.cgroup_root[0] != '/') {
    bad("cgroupRoot", Cat("\"", c.cgroup_root, "\" must be an absolute path"));
  }
  if (c.cgroup_mount_point.empty() || c.cgroup_mount_point[0] != '/') {
    bad("cgroupMountPoint", Cat("\"", c.cgroup_mount_point, "\" must be absolute"));
  }
  if (c.state_directory.empty() || c.state_directory[0] != '/') {
    bad("stateDirectory", Cat("\"", c.state_directory, "\" must be absolute"));
  }
  for (auto [field, address] : {std::pair<std::string_view, const std::string*>(
                                    "metricsBindAddress", &c.metrics_bind_address),
                                {"healthzBindAddress", &c.healthz_bind_address}}) {
    std::string host;
    int port;
    if (address->empty()) continue;  // disabled
    if (absl::Status s = ParseHostPort(*address, &host, &port); !s.ok()) {
      bad(field, std::string(s.message()));
    }
  }
  if (c.verbosity < 0 || c.verbosity > 10) {
    bad("verbosity", Cat(c.verbosity, " is not between 0 and 10"));
  }
  if (c.memory_shrink_headroom_bytes < 0) {
    bad("memoryShrinkHeadroomBytes", Cat(c.memory_shrink_headroom_bytes, " is negative"));
  }
  if (c.runtime_request_timeout <= absl::ZeroDuration() ||
      c.runtime_request_timeout > absl::Minutes(10)) {
    bad("runtimeRequestTimeout",
        Cat(absl::FormatDuration(c.runtime_request_timeout), " is not in (0, 10m]"));
  }
  if (c.cache_sync_timeout <= absl::ZeroDuration() || c.cache_sync_timeout > absl::Hours(1)) {
    bad("cacheSyncTimeout", Cat(absl::FormatDuration(c.cache_sync_timeout), " is not in (0, 1h]"));
  }
  if (c.kube_api_qps <= 0) bad("kubeAPIQPS", Cat(c.kube_api_qps, " must be positive"));
  if (c.kube_api_burst < c.kube_api_qps) {
    bad("kubeAPIBurst",
        Cat(c.kube_api_burst, " must be at least kubeAPIQPS (", c.kube_api_qps, ")"));
  }
  if (c.legacy_resize_status && c.mode != "actuate" && c.mode != "auto") {
    bad("legacyResizeStatus",
        Cat("only applies in actuate mode; mode is \"", c.mode, "\", which writes no pod status"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      Cat("invalid configuration:\n  ", absl::StrJoin(problems, "\n  ")));
}

NodeNameSources NodeNameSources::System() {
  return {.getenv = [](const char* name) -> std::optional<std::string> {
            const char* v = std::getenv(name);
            if (v == nullptr) return std::nullopt;
            return std::string(v);
          },
          .hostname = []() -> std::string {
            char buf[256] = {};
            if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
            return buf;
          }};
}

absl::Status ResolveNodeName(Config& config, const NodeNameSources& sources) {
  if (!config.node_name.empty()) return absl::OkStatus();
  if (std::optional<std::string> env = sources.getenv("NODE_NAME"); env && !env->empty()) {
    config.node_name = *env;
    return absl::OkStatus();
  }
  // The kubelet's default node name: the lower-cased hostname (nodeutil.GetHostname).
  std::string host = absl::AsciiStrToLower(sources.hostname());
  if (host.empty()) {
    return absl::FailedPreconditionError(
        "no node name: pass --node-name, set nodeName or $NODE_NAME, or fix the hostname");
  }
  config.node_name = std::move(host);
  return absl::OkStatus();
}

}  // namespace resizelet::obs
