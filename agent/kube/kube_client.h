// The Kubernetes API as resizelet uses it: plain requests (get, list, create, patch) and streamed
// watches. Implementations: CurlKubeClient (libcurl over TLS); tests may fake it.
#ifndef RESIZELET_AGENT_KUBE_KUBE_CLIENT_H_
#define RESIZELET_AGENT_KUBE_KUBE_CLIENT_H_

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace resizelet::kube {

// Events take their own rate-limit bucket so that they never delay a status patch.
enum class RequestClass { kDefault, kEvent };

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // with the query, e.g. "/api/v1/pods?fieldSelector=..."
  std::string content_type;
  std::string body;
  // The whole request, retries included, must finish within this.
  absl::Duration timeout = absl::Seconds(30);
  RequestClass request_class = RequestClass::kDefault;
};

struct HttpResponse {
  int code = 0;
  std::string body;
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // One logical request: rate limited; 429 waits Retry-After and retries; 5xx and connection
  // errors retry with jittered exponential backoff; a 401 re-reads the token file once. Returns
  // the final response whatever its code; an error only when no response came before the deadline
  // (DeadlineExceeded / Unavailable), or at once for TLS verification and URL errors
  // (FailedPrecondition).
  virtual absl::StatusOr<HttpResponse> Do(const HttpRequest& request) = 0;

  // Streams a response body into `on_data` (return false to stop reading). Returns the HTTP code;
  // for a non-2xx answer the body goes to `error_body` instead. Aborts with DeadlineExceeded when
  // no byte arrives for `idle_timeout` (a stalled watch), Cancelled when `*cancel` turns true.
  virtual absl::StatusOr<int> Stream(const HttpRequest& request,
                                     const std::function<bool(std::string_view)>& on_data,
                                     absl::Duration idle_timeout, const std::atomic<bool>* cancel,
                                     std::string* error_body) = 0;
};

// Maps a non-2xx response to a status: 404 NotFound, 409 Aborted (conflict or failed UID
// precondition), 410 OutOfRange (expired), 401 Unauthenticated, 403 PermissionDenied,
// 422/400 InvalidArgument, 429 ResourceExhausted, 5xx Unavailable. The message is the Status
// object's message.
absl::Status StatusFromResponse(const HttpResponse& response);

struct ServerVersion {
  int major = 0;
  int minor = 0;
  std::string git_version;
};

// GET /version. It decides what the API accepts (e.g. pods/resize from 1.32).
absl::StatusOr<ServerVersion> ReadServerVersion(KubeClient& client);

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_KUBE_CLIENT_H_
