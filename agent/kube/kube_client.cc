#include "agent/kube/kube_client.h"

#include <simdjson.h>

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/kube/watch_frame.h"

namespace resizelet::kube {

absl::Status StatusFromResponse(const HttpResponse& response) {
  if (response.code >= 200 && response.code < 300) return absl::OkStatus();
  std::string message = absl::StrCat("HTTP ", response.code);
  if (auto status = DecodeApiStatus(response.body); status.ok() && !status->message.empty()) {
    absl::StrAppend(&message, ": ", status->message);
  }
  switch (response.code) {
    case 400:
    case 422:
      return absl::InvalidArgumentError(message);
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 409:
      return absl::AbortedError(message);
    case 410:
      return absl::OutOfRangeError(message);
    case 429:
      return absl::ResourceExhaustedError(message);
    default:
      if (response.code >= 500) return absl::UnavailableError(message);
      return absl::UnknownError(message);
  }
}

absl::StatusOr<ServerVersion> ReadServerVersion(KubeClient& client) {
  HttpRequest request;
  request.path = "/version";
  auto response = client.Do(request);
  if (!response.ok()) return response.status();
  if (auto s = StatusFromResponse(*response); !s.ok()) return s;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(response->body).get(root)) {
    return absl::InvalidArgumentError("/version: invalid JSON");
  }
  ServerVersion v;
  std::string_view s;
  if (!root["gitVersion"].get(s)) v.git_version = std::string(s);
  auto number = [](std::string_view text) {
    // Minor versions may carry a "+" (e.g. "33+" on managed clusters).
    std::string digits;
    for (char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) break;
      digits += c;
    }
    int n = 0;
    return absl::SimpleAtoi(digits, &n) ? n : 0;
  };
  if (!root["major"].get(s)) v.major = number(s);
  if (!root["minor"].get(s)) v.minor = number(s);
  if (v.major == 0) return absl::InvalidArgumentError("/version: no major version");
  return v;
}

}  // namespace resizelet::kube
