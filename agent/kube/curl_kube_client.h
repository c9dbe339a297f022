// KubeClient over libcurl (HTTP/1.1 over TLS). Holds the credentials of a RestConfig, a token
// bucket per request class (client-go's defaults for the kubelet: 50 QPS, burst 100), and re-reads
// a token file at most every `token_reload_interval` and at once after a 401 (bound service
// account tokens rotate). Thread-safe; each request uses its own easy handle from a small pool,
// which keeps connections alive between requests.
#ifndef RESIZELET_AGENT_KUBE_CURL_KUBE_CLIENT_H_
#define RESIZELET_AGENT_KUBE_CURL_KUBE_CLIENT_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/kube/backoff.h"
#include "agent/kube/kube_client.h"
#include "agent/kube/kubeconfig.h"
#include "agent/kube/token_bucket.h"

namespace resizelet::kube {

struct ClientOptions {
  double qps = 50;
  int burst = 100;
  double event_qps = 50;
  int event_burst = 100;
  Clock* clock = nullptr;  // default: RealClock
  std::string user_agent = "resizelet/0.1";
  Clock::Duration token_reload_interval = std::chrono::minutes(1);
  Clock::Duration connect_timeout = std::chrono::seconds(10);
  // Retries of one request on 5xx / connection errors.
  BackoffPolicy retry_backoff{std::chrono::milliseconds(200), std::chrono::seconds(5), 2.0, 1.0,
                              std::chrono::minutes(2)};
  // A Retry-After above this is clamped (the request deadline still applies).
  Clock::Duration max_retry_after = std::chrono::seconds(60);
};

class CurlKubeClient : public KubeClient {
 public:
  static absl::StatusOr<std::unique_ptr<CurlKubeClient>> Create(RestConfig config,
                                                                ClientOptions options = {});
  ~CurlKubeClient() override;

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) override;
  absl::StatusOr<int> Stream(const HttpRequest& request,
                             const std::function<bool(std::string_view)>& on_data,
                             Clock::Duration idle_timeout, const std::atomic<bool>* cancel,
                             std::string* error_body) override;

  // How many times the token file was read.
  int token_reads() const;

 private:
  struct Attempt {
    int code = 0;
    std::string body;
    std::optional<Clock::Duration> retry_after;
  };
  CurlKubeClient(RestConfig config, ClientOptions options);

  std::string Token(bool force_reload);
  void* TakeHandle();
  void ReturnHandle(void* handle);
  // Sets URL, TLS and headers on `handle`; `headers` receives the list to free afterwards.
  void Prepare(void* handle, const HttpRequest& request, const std::string& token,
               void** headers) const;
  absl::StatusOr<Attempt> Perform(const HttpRequest& request, const std::string& token,
                                  Clock::Duration timeout);

  const RestConfig config_;
  const ClientOptions options_;
  Clock* const clock_;
  TokenBucket bucket_;
  TokenBucket event_bucket_;
  std::string url_host_;             // replaces the server's host when tls_server_name is set
  std::string connect_to_;           // CURLOPT_CONNECT_TO entry for tls_server_name
  void* connect_to_list_ = nullptr;  // curl_slist holding connect_to_, shared by all handles

  mutable std::mutex mu_;
  std::vector<void*> handles_;
  std::string token_;
  std::optional<Clock::TimePoint> token_read_at_;
  int token_reads_ = 0;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_CURL_KUBE_CLIENT_H_
