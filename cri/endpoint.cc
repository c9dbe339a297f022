#include "cri/endpoint.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace resizelet::cri {
namespace {

constexpr std::string_view kUnixScheme = "unix://";

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

absl::StatusOr<std::string> ResolveEndpoint(std::string_view setting, const SocketProbe& probe) {
  if (!setting.empty()) {
    if (setting.substr(0, kUnixScheme.size()) == kUnixScheme) {
      const std::string_view path = setting.substr(kUnixScheme.size());
      if (path.empty() || path.front() != '/') {
        return absl::InvalidArgumentError(absl::StrCat(
            "runtime endpoint needs an absolute socket path: \"", Absl(setting), "\""));
      }
      return std::string(setting);
    }
    if (setting.front() == '/') {
      return absl::StrCat(Absl(kUnixScheme), Absl(setting));
    }
    return absl::InvalidArgumentError(absl::StrCat("unsupported runtime endpoint \"", Absl(setting),
                                                   "\": expected unix:///path/to.sock"));
  }
  for (std::string_view candidate : {kContainerdSocket, kCrioSocket}) {
    if (probe(std::string(candidate))) {
      return absl::StrCat(Absl(kUnixScheme), Absl(candidate));
    }
  }
  return absl::NotFoundError(absl::StrCat("no container runtime socket found (tried ",
                                          Absl(kContainerdSocket), ", ", Absl(kCrioSocket),
                                          "); set --container-runtime-endpoint"));
}

bool IsUnixSocket(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace resizelet::cri
