// Listen addresses as the kube components write them: "host:port", "[v6]:port".
#ifndef RESIZELET_AGENT_OBS_HOST_PORT_H_
#define RESIZELET_AGENT_OBS_HOST_PORT_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace resizelet::obs {

// Splits `address` into host and port. The host is required (a bare ":port" would silently listen
// on every interface); an IPv6 host must be bracketed; the port is 0-65535 (0: any free port).
absl::Status ParseHostPort(std::string_view address, std::string* host, int* port);

}  // namespace resizelet::obs

#endif  // RESIZELET_AGENT_OBS_HOST_PORT_H_
