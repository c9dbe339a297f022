#include "agent/obs/host_port.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace resizelet::obs {

absl::Status ParseHostPort(std::string_view address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", std::string(address), "\" is not host:port"));
  }
  std::string_view h = address.substr(0, colon);
  std::string port_text(address.substr(colon + 1));
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address \"", std::string(address), "\": an IPv6 host must be in brackets ([::1]:port)"));
  }
  int p = 0;
  if (h.empty() || !absl::SimpleAtoi(port_text, &p) || p < 0 || p > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", std::string(address), "\" needs a host and a port 0-65535"));
  }
  *host = std::string(h);
  *port = p;
  return absl::OkStatus();
}

}  // namespace resizelet::obs
