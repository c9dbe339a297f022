// KubeClient over libcurl (HTTP/1.1 over TLS). Holds the credentials of a RestConfig, a token
// bucket per request class (client-go's defaults for the kubelet: 50 QPS, burst 100), and re-reads
// a token file at most every `token_reload_interval` and at once after a 401 (bound service
// account tokens rotate). Client certificate and key files (RestConfig::client_cert_from_files)
// are re-read the same way, because the kubelet rotates kubelet-client-current.pem in place
// (client-go's transport/cert_rotation.go dynamicClientCert does the same, closing the old
// connections through connrotation.Dialer); a replacement pair is used only if both parse and the
// key matches the certificate, otherwise the last good pair stays. Inline certificate data is never
// reloaded. Rate limits, retry backoff and sleeps all go through the options' runtime::Clock.
// Thread-safe; each request uses its own easy handle from a small pool, which keeps connections
// alive between requests. When the client certificate changes, pooled handles (and with them
// their connections, authenticated at the TLS handshake with the old certificate) are dropped;
// a watch already streaming finishes on its old connection.
#ifndef RESIZELET_AGENT_KUBE_CURL_KUBE_CLIENT_H_
#define RESIZELET_AGENT_KUBE_CURL_KUBE_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "agent/kube/kube_client.h"
#include "agent/kube/kubeconfig.h"
#include "agent/runtime/backoff.h"
#include "agent/runtime/clock.h"

namespace resizelet::kube {

struct ClientOptions {
  double qps = 50;
  int burst = 100;
  double event_qps = 50;
  int event_burst = 100;
  runtime::Clock* clock = nullptr;  // not owned; default: runtime::RealClock::Default()
  std::string user_agent = "resizelet/0.1";
  // Also the reload interval of client certificate files.
  absl::Duration token_reload_interval = absl::Minutes(1);
  absl::Duration connect_timeout = absl::Seconds(10);
  // Retries of one request on 5xx / connection errors: 200 ms doubling to 5 s, jittered by up to
  // the delay again (each request starts over, so reset_after never applies).
  runtime::BackoffPolicy retry_backoff{.initial = absl::Milliseconds(200),
                                       .factor = 2.0,
                                       .cap = absl::Seconds(5),
                                       .jitter = 1.0,
                                       .reset_after = absl::ZeroDuration()};
  // A Retry-After above this is clamped (the request deadline still applies).
  absl::Duration max_retry_after = absl::Seconds(60);
  // Told of every attempt Do() makes, after it ends: the HTTP method, the path (with its query),
  // the HTTP status (0 when no response came) and the attempt's latency. For request metrics;
  // must be thread-safe and quick. May be empty.
  std::function<void(std::string_view method, std::string_view path, int code,
                     absl::Duration latency)>
      on_request;
};

class CurlKubeClient : public KubeClient {
 public:
  static absl::StatusOr<std::unique_ptr<CurlKubeClient>> Create(RestConfig config,
                                                                ClientOptions options = {});
  ~CurlKubeClient() override;

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) override;
  absl::StatusOr<int> Stream(const HttpRequest& request,
                             const std::function<bool(std::string_view)>& on_data,
                             absl::Duration idle_timeout, const std::atomic<bool>* cancel,
                             std::string* error_body) override;

  // How many times the token file was read.
  int token_reads() const;
  // How many times the client certificate and key files were read (as a pair).
  int credential_reads() const;
  // How many replacement pairs were taken into use.
  int credential_changes() const;

 private:
  struct Attempt {
    int code = 0;
    std::string body;
    std::optional<absl::Duration> retry_after;
  };
  // The credentials one request is sent with.
  struct Credentials {
    std::string token;
    std::shared_ptr<const std::pair<std::string, std::string>> cert_and_key;  // null: none
    uint64_t cert_generation = 0;  // bumped whenever the pair changes
  };
  struct PooledHandle {
    void* handle;
    uint64_t cert_generation;
  };
  CurlKubeClient(RestConfig config, ClientOptions options);

  runtime::TokenBucket& Bucket(const HttpRequest& request);
  // Re-reads the token and certificate files when due (or at once with `force_reload`).
  Credentials CurrentCredentials(bool force_reload);
  bool ReloadsCredentials() const { return !config_.token_file.empty() || cert_reloadable_; }
  std::string TokenLocked(bool force_reload, absl::Time now);
  void ReloadCertLocked(bool force_reload, absl::Time now);
  // A pooled handle made for `cert_generation`, or a new one.
  void* TakeHandle(uint64_t cert_generation);
  void ReturnHandle(void* handle, uint64_t cert_generation);
  // Sets URL, TLS and headers on `handle`; `headers` receives the list to free afterwards.
  void Prepare(void* handle, const HttpRequest& request, const Credentials& credentials,
               void** headers) const;
  absl::StatusOr<Attempt> Perform(const HttpRequest& request, const Credentials& credentials,
                                  absl::Duration timeout);

  const RestConfig config_;
  const ClientOptions options_;
  runtime::Clock* const clock_;
  runtime::TokenBucket bucket_;
  runtime::TokenBucket event_bucket_;
  std::string url_host_;             // replaces the server's host when tls_server_name is set
  std::string connect_to_;           // CURLOPT_CONNECT_TO entry for tls_server_name
  void* connect_to_list_ = nullptr;  // curl_slist holding connect_to_, shared by all handles

  bool cert_reloadable_ = false;  // the client pair came from files

  mutable std::mutex mu_;
  std::vector<PooledHandle> handles_;
  std::string token_;
  std::optional<absl::Time> token_read_at_;
  int token_reads_ = 0;
  std::shared_ptr<const std::pair<std::string, std::string>> cert_and_key_;
  uint64_t cert_generation_ = 0;
  std::optional<absl::Time> cert_read_at_;
  int credential_reads_ = 0;
  int credential_changes_ = 0;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_CURL_KUBE_CLIENT_H_
