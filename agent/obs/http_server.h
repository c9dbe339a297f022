// The daemon's operations endpoints over plain HTTP:
//   /metrics                  the registry in the Prometheus text format 0.0.4
//   /livez, /healthz          liveness checks ("ok", or 500 listing the failed checks)
//   /readyz                   liveness and readiness checks
//   /livez/<check>, /readyz/<check>   one check
// As the kube-apiserver does (k8s.io/apiserver/pkg/server/healthz): `?verbose` lists every check
// as `[+]name ok` / `[-]name failed: reason withheld`, `?exclude=name` (repeatable) skips a check,
// and the reasons themselves go to the log rather than to an unauthenticated endpoint.
//
// The default address is 127.0.0.1:10266. The kube components' defaults fill 10248-10259
// (kubelet 10248/10250/10255, kube-proxy 10249/10256, kube-controller-manager 10257,
// cloud-controller-manager 10258, kube-scheduler 10259), so a port beyond that range cannot
// collide with a control-plane node's components; loopback because nothing here needs a network
// listener unless the operator says so (a DaemonSet exposes it with hostNetwork and its own
// address).
//
// Requests are served by a fixed pool of threads, with read and write timeouts, so a slow or
// hostile client holds one thread for at most the timeout.
#ifndef RESIZELET_AGENT_OBS_HTTP_SERVER_H_
#define RESIZELET_AGENT_OBS_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace resizelet::obs {

class MetricRegistry;

inline constexpr std::string_view kDefaultOpsAddress = "127.0.0.1:10266";

struct HttpServerOptions {
  // host:port, [v6]:port; port 0 picks a free port (see HttpServer::port()).
  std::string address = std::string(kDefaultOpsAddress);
  absl::Duration read_timeout = absl::Seconds(5);
  absl::Duration write_timeout = absl::Seconds(5);
  // Worker threads; each connection is served by one.
  int threads = 2;
  // Connections are kept alive for at most this many requests.
  int keep_alive_max_requests = 16;
};

// A named health check: OK means healthy. Called on the server's threads at each request, so it
// must be cheap and thread-safe (read an atomic, compare a timestamp).
using HealthCheck = std::function<absl::Status()>;

class HttpServer {
 public:
  // `metrics` may be null (then /metrics is 404); it must outlive the server.
  HttpServer(HttpServerOptions options, const MetricRegistry* metrics);
  ~HttpServer();  // Stops.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Checks may be added before or after Start(). Names are [a-z0-9-]; a repeated name replaces
  // the earlier check. Liveness checks count for /livez, /healthz and /readyz; readiness checks
  // only for /readyz. A "ping" liveness check is always present.
  void AddLivenessCheck(std::string name, HealthCheck check) ABSL_LOCKS_EXCLUDED(mu_);
  void AddReadinessCheck(std::string name, HealthCheck check) ABSL_LOCKS_EXCLUDED(mu_);

  // Binds and starts serving on a background thread. Fails if the address is invalid or in use.
  absl::Status Start();
  // The bound port (after Start()).
  int port() const { return port_; }
  // Stops accepting, finishes in-flight requests, joins the threads. Idempotent.
  void Stop();

 private:
  struct Check {
    std::string name;
    HealthCheck check;
    bool readiness;
  };
  void AddCheck(std::string name, HealthCheck check, bool readiness) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<Check> ChecksFor(bool readiness) const ABSL_LOCKS_EXCLUDED(mu_);
  void InstallRoutes();

  HttpServerOptions options_;
  const MetricRegistry* metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::vector<Check> checks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::obs

#endif  // RESIZELET_AGENT_OBS_HTTP_SERVER_H_
