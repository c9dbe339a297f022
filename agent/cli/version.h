#ifndef RESIZELET_AGENT_CLI_VERSION_H_
#define RESIZELET_AGENT_CLI_VERSION_H_

namespace resizelet::cli {
inline constexpr char kVersion[] = "0.1.0";
}  // namespace resizelet::cli

#endif  // RESIZELET_AGENT_CLI_VERSION_H_
