// resizelet's local Kubernetes API server: HTTPS on loopback with bearer-token auth, serving the
// parts of core/v1 that resizelet and kubectl use (version, discovery, OpenAPI v3, pods with the
// status and resize subresources, nodes, events; list, chunked watch with bookmarks, patch;
// graceful deletion of pods bound to a node) with the real apiserver's status codes, plus fault
// injection and a request log for tests.
//
// Runs in-process (tests) or as the `resizelet-apiserver` binary (demo). Thread-safe.
#ifndef RESIZELET_TESTS_APISERVER_API_SERVER_H_
#define RESIZELET_TESTS_APISERVER_API_SERVER_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "tests/apiserver/object_store.h"

namespace resizelet::apiserver {

struct ApiServerOptions {
  int port = 0;  // 0: an ephemeral port
  // The emulated version: /version reports it; "v1.32.x" sets status.resize: Proposed on resize;
  // below v1.32 there is no pods/resize subresource.
  std::string git_version = "v1.33.1";
  std::string token;      // empty: a random token
  std::string state_dir;  // where the certificate, key and kubeconfig go; required
  std::string cert_file;  // given serving certificate and key (PEM); empty: self-signed
  std::string key_file;
  // How often watches that asked for bookmarks get one.
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(1)};
  // Non-empty: client certificate authentication, as kube-apiserver's --client-ca-file. The TLS
  // handshake asks for a client certificate but takes any (so that a refusal is an HTTP 401 a
  // test can see, not a failed handshake); each request is then authenticated by a certificate
  // that chains to this CA, is within its validity, allows clientAuth and is not revoked
  // (RevokeClientCert): user = subject CN, groups = subject O (the x509 authenticator). A
  // request without a good certificate falls back to the bearer token, as kube-apiserver's
  // union authenticator does. Empty (the default): no client certificate is asked for.
  std::string client_ca_pem;
};

// One served request, for tests that check who called what and how often.
struct RequestRecord {
  std::string method;
  std::string path;   // without the query
  std::string query;  // raw
  std::string content_type;
  std::string body;
  int status = 0;
  std::string user_agent;  // tells the kubelet's requests from resizelet's and kubectl's
  // Client certificate authentication (ApiServerOptions::client_ca_pem): the certificate the
  // request came with (serial in upper-case hex; empty: none) and, when it was accepted, the user
  // and groups it names.
  std::string client_cert_serial;
  std::string cert_user;
  std::vector<std::string> cert_groups;
};

class ApiServer {
 public:
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(ApiServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void Stop();

  int port() const;
  std::string url() const;  // https://127.0.0.1:<port>
  const std::string& token() const;
  const std::string& admin_token() const;
  const std::string& ca_pem() const;
  const std::string& ca_file() const;
  const std::string& kubeconfig_path() const;  // kubeconfig with the token inline
  ObjectStore& store();

  // Writes a kubeconfig for this server; with `token_file` the user entry names that file.
  absl::Status WriteKubeconfig(const std::string& path, const std::string& token_file) const;
  // Writes a kubeconfig whose user authenticates with client-certificate / client-key files.
  absl::Status WriteClientCertKubeconfig(const std::string& path, const std::string& cert_file,
                                         const std::string& key_file) const;

  // --- faults (also reachable over HTTP under /admin, see api_server.cc) ---
  // Accepted bearer tokens; replaces the set (revoking the others).
  void SetTokens(std::vector<std::string> tokens);
  // Refuses (401) the client certificate with this serial (upper-case hex) from now on, on new
  // and already open connections alike.
  void RevokeClientCert(const std::string& serial_hex);
  // The next `count` requests whose method matches (empty: any) and whose "path?query" contains
  // `match` get `code` (429 carries Retry-After: retry_after_seconds).
  void FailNext(int code, int count, const std::string& method, const std::string& match,
                int retry_after_seconds = 1);
  // The next `count` watch events written are cut halfway through and the stream is closed.
  void CutWatchesMidEvent(int count);
  // Closes every open watch at its next wake-up without a terminating chunk.
  void DropWatches();
  // The next watch is answered with an in-stream ERROR 410 Expired.
  void ExpireNextWatch();
  // Open watches write nothing (no events, no bookmarks) while set.
  void SetStallWatches(bool stall);
  // Forgets the watch history: watches from older resourceVersions get 410.
  void CompactHistory();

  std::vector<RequestRecord> RequestLog() const;
  void ClearRequestLog();
  // Requests whose method matches (empty: any) and whose "path?query" contains `match`.
  int CountRequests(const std::string& method, const std::string& match) const;
  int OpenWatches() const;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  absl::Status WriteKubeconfigWithUser(const std::string& path, const std::string& user) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace resizelet::apiserver

#endif  // RESIZELET_TESTS_APISERVER_API_SERVER_H_
