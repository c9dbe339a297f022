#include "agent/cli/cli.h"

#include "agent/cli/version.h"
#include "agent/daemon/run_command.h"

namespace resizelet::cli {
namespace {

constexpr char kUsage[] =
    "resizelet: in-place pod resize and pod-level resources for a Kubernetes node.\n"
    "\n"
    "Usage:\n"
    "  resizelet plan --pod FILE [flags]   print what resizelet would do for a pod: QoS class,\n"
    "                                      effective requests and limits, pod cgroup values, each\n"
    "                                      container's CRI resources, the admission decision with\n"
    "                                      the kubelet's message, and the ordered resize steps\n"
    "  resizelet run [--config FILE] [flags]\n"
    "                                      the node daemon: watches this node's pods and resizes\n"
    "                                      them in place (or observes the kubelet doing it)\n"
    "  resizelet version                   print the version\n"
    "  resizelet help                      print this help\n"
    "\n"
    "Run `resizelet <command> --help` for a command's flags.\n";

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kExitBadInput;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "plan") return RunPlanCommand(rest, out, err);
  if (command == "run") return daemon::RunDaemonCommand(rest, out, err);
  if (command == "version" || command == "--version") {
    out << "resizelet " << kVersion << "\n";
    return kExitOk;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    out << kUsage;
    return kExitOk;
  }
  err << "resizelet: unknown command \"" << command << "\"\n\n" << kUsage;
  return kExitBadInput;
}

}  // namespace resizelet::cli
