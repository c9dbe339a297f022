// The `resizelet` command line: subcommand dispatch. main() only calls RunCli.
#ifndef RESIZELET_AGENT_CLI_CLI_H_
#define RESIZELET_AGENT_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace resizelet::cli {

// Exit statuses shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;

// Runs `resizelet <args...>` (args without the program name), writing results to `out` and
// diagnostics to `err`. Returns the process exit status.
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `resizelet plan ...`.
int RunPlanCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace resizelet::cli

#endif  // RESIZELET_AGENT_CLI_CLI_H_
