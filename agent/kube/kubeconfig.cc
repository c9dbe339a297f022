#include "agent/kube/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace resizelet::kube {
namespace {

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return absl::StrCat(base_dir, "/", path);
}

std::string Scalar(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return "";
  YAML::Node v = node[key];
  if (!v || !v.IsScalar()) return "";
  return v.as<std::string>();
}

// Finds the entry called `name` in a list of {name, <field>: {...}} and returns <field>.
absl::StatusOr<YAML::Node> Named(const YAML::Node& root, const char* list, const char* field,
                                 const std::string& name) {
  YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const auto& entry : entries) {
      if (entry.IsMap() && Scalar(entry, "name") == name) {
        YAML::Node inner = entry[field];
        if (inner && inner.IsMap()) return inner;
        return YAML::Node(YAML::NodeType::Map);
      }
    }
  }
  return absl::NotFoundError(absl::StrCat("kubeconfig: no ", list, " entry named \"", name, "\""));
}

absl::StatusOr<std::string> Base64Field(const YAML::Node& node, const char* key) {
  std::string encoded = Scalar(node, key);
  if (encoded.empty()) return std::string();
  std::string decoded;
  if (!absl::Base64Unescape(encoded, &decoded)) {
    return absl::InvalidArgumentError(absl::StrCat("kubeconfig: ", key, " is not base64"));
  }
  return decoded;
}

absl::StatusOr<RestConfig> ParseTree(const YAML::Node& root, const std::string& base_dir,
                                     const std::string& wanted_context) {
  if (!root.IsMap()) return absl::InvalidArgumentError("kubeconfig: not a mapping");
  std::string context_name =
      wanted_context.empty() ? Scalar(root, "current-context") : wanted_context;
  if (context_name.empty()) return absl::InvalidArgumentError("kubeconfig: no current-context");
  auto context = Named(root, "contexts", "context", context_name);
  if (!context.ok()) return context.status();
  const std::string cluster_name = Scalar(*context, "cluster");
  const std::string user_name = Scalar(*context, "user");
  auto cluster = Named(root, "clusters", "cluster", cluster_name);
  if (!cluster.ok()) return cluster.status();

  RestConfig config;
  config.server = Scalar(*cluster, "server");
  if (config.server.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig: cluster \"", cluster_name, "\" has no server"));
  }
  if (!absl::StartsWith(config.server, "https://") && !absl::StartsWith(config.server, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig: server \"", config.server, "\" is not an http(s) URL"));
  }
  auto ca = Base64Field(*cluster, "certificate-authority-data");
  if (!ca.ok()) return ca.status();
  config.ca_pem = *ca;
  config.ca_file = Resolve(base_dir, Scalar(*cluster, "certificate-authority"));
  config.insecure_skip_tls_verify = Scalar(*cluster, "insecure-skip-tls-verify") == "true";
  config.tls_server_name = Scalar(*cluster, "tls-server-name");

  if (!user_name.empty()) {
    auto user = Named(root, "users", "user", user_name);
    if (!user.ok()) return user.status();
    if ((*user)["exec"]) {
      return absl::UnimplementedError(absl::StrCat(
          "kubeconfig: user \"", user_name,
          "\" uses an exec credential plugin, which resizelet does not run; give it a token, "
          "tokenFile or client certificate instead"));
    }
    if ((*user)["auth-provider"]) {
      return absl::UnimplementedError(
          absl::StrCat("kubeconfig: user \"", user_name,
                       "\" uses an auth-provider plugin, which resizelet does not support"));
    }
    auto cert = Base64Field(*user, "client-certificate-data");
    if (!cert.ok()) return cert.status();
    auto key = Base64Field(*user, "client-key-data");
    if (!key.ok()) return key.status();
    config.client_cert_pem = *cert;
    config.client_key_pem = *key;
    config.client_cert_file = Resolve(base_dir, Scalar(*user, "client-certificate"));
    config.client_key_file = Resolve(base_dir, Scalar(*user, "client-key"));
    config.token = Scalar(*user, "token");
    config.token_file = Resolve(base_dir, Scalar(*user, "tokenFile"));
    if (!Scalar(*user, "username").empty()) {
      return absl::UnimplementedError(
          "kubeconfig: basic auth (username/password) is not supported");
    }
  }
  return config;
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

absl::StatusOr<RestConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir,
                                           const std::string& context) {
  if (yaml.size() > 4 * 1024 * 1024) return absl::InvalidArgumentError("kubeconfig too large");
  // yaml-cpp throws on malformed input and on bad conversions: contain it here.
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return ParseTree(root, base_dir, context);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("kubeconfig: ", e.what()));
  }
}

absl::Status ResolveFiles(RestConfig& config) {
  struct Slot {
    std::string* pem;
    const std::string* file;
  };
  const bool cert_from_file = config.client_cert_pem.empty() && !config.client_cert_file.empty();
  const bool key_from_file = config.client_key_pem.empty() && !config.client_key_file.empty();
  for (Slot s : {Slot{&config.ca_pem, &config.ca_file},
                 Slot{&config.client_cert_pem, &config.client_cert_file},
                 Slot{&config.client_key_pem, &config.client_key_file}}) {
    if (!s.pem->empty() || s.file->empty()) continue;
    auto data = ReadFileToString(*s.file);
    if (!data.ok()) return data.status();
    *s.pem = *std::move(data);
  }
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    return absl::InvalidArgumentError("kubeconfig: a client certificate needs its key and back");
  }
  config.client_cert_from_files = cert_from_file && key_from_file;
  return absl::OkStatus();
}

absl::StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  const size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  auto config = ParseKubeconfig(*text, base_dir, context);
  if (!config.ok()) return config.status();
  if (auto s = ResolveFiles(*config); !s.ok()) return s;
  return config;
}

absl::StatusOr<RestConfig> InClusterConfig(const std::function<const char*(const char*)>& getenv,
                                           const std::string& sa_dir) {
  const char* host = getenv("KUBERNETES_SERVICE_HOST");
  const char* port = getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return absl::FailedPreconditionError(
        "not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset, and no "
        "--kubeconfig was given");
  }
  RestConfig config;
  const std::string h = host;
  config.server = h.find(':') != std::string::npos ? absl::StrCat("https://[", h, "]:", port)
                                                   : absl::StrCat("https://", h, ":", port);
  config.ca_file = sa_dir + "/ca.crt";
  config.token_file = sa_dir + "/token";
  if (auto s = ResolveFiles(config); !s.ok()) return s;
  auto token = ReadFileToString(config.token_file);
  if (!token.ok()) return token.status();
  return config;
}

}  // namespace resizelet::kube
