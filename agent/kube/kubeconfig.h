// Where and how to reach the API server: from a kubeconfig file (current-context, or a named
// one), else in-cluster (client-go rest.InClusterConfig). Exec and auth-provider credential
// plugins are refused: resizelet runs no external programs for credentials.
#ifndef RESIZELET_AGENT_KUBE_KUBECONFIG_H_
#define RESIZELET_AGENT_KUBE_KUBECONFIG_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::kube {

struct RestConfig {
  std::string server;  // "https://host:port"
  // PEM material, from *-data fields or read from the files below by ResolveFiles.
  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  // Set by ResolveFiles when both client PEMs were read from the files above (not inlined): the
  // kubelet rotates those files in place, so the client re-reads them (see CurlKubeClient).
  bool client_cert_from_files = false;
  std::string token;
  std::string token_file;  // re-read periodically (it rotates) and after a 401
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
};

inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// Parses kubeconfig YAML (or JSON). Relative file paths are resolved against `base_dir`; files
// are not read. `context` empty means current-context.
absl::StatusOr<RestConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir,
                                           const std::string& context = "");

// Reads the file, parses it and reads the CA / client certificate files it names.
absl::StatusOr<RestConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");

// In-cluster: KUBERNETES_SERVICE_HOST / _PORT (IPv6 bracketed), CA and token file under `sa_dir`.
absl::StatusOr<RestConfig> InClusterConfig(const std::function<const char*(const char*)>& getenv,
                                           const std::string& sa_dir = kServiceAccountDir);

// Reads ca_file / client_cert_file / client_key_file into the PEM fields where those are empty;
// sets client_cert_from_files when both client PEMs came from their files.
absl::Status ResolveFiles(RestConfig& config);

absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_KUBECONFIG_H_
