// Debian's containerd, run privately for tests and the demo: its own root, state, sockets, opt and
// CNI directories under one work directory, the CRI plugin required, runc with cgroupfs
// (SystemdCgroup = false), and the two settings this machine kind needs (testing.md):
// restrict_oom_score_adj = true (root lacks CAP_SYS_RESOURCE) and disable_apparmor = true.
#ifndef RESIZELET_TESTS_HARNESS_CONTAINERD_H_
#define RESIZELET_TESTS_HARNESS_CONTAINERD_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace resizelet::harness {

struct ContainerdOptions {
  std::string work_dir;       // created if missing; everything containerd writes stays below it
  std::string sandbox_image;  // the pause image (must be imported before the first sandbox)
  std::string containerd_binary = "/usr/bin/containerd";
  std::string ctr_binary = "/usr/bin/ctr";
  std::string runc_binary = "/usr/sbin/runc";
  // More runtime handlers beside the default "runc", each an OCI runtime binary driven by the same
  // runc shim with the cgroupfs driver (e.g. {"crun", "/usr/bin/crun"}); a pod picks one with
  // PodSpec::runtime_handler. Each handler keeps its state under <work_dir>/<name>.
  std::vector<std::pair<std::string, std::string>> extra_runtimes;
  absl::Duration start_timeout = absl::Seconds(15);
  absl::Duration stop_grace = absl::Seconds(10);
};

class Containerd {
 public:
  // FAILED_PRECONDITION (naming the package to install) when containerd, ctr or runc is missing:
  // tests must fail loudly, never skip.
  static absl::StatusOr<std::unique_ptr<Containerd>> Start(ContainerdOptions options);
  ~Containerd();  // Stop(), errors ignored

  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;

  // SIGTERM to our containerd's PID; running containers and their shims survive (as on a node
  // where containerd restarts under running pods).
  absl::Status Stop();
  // Starts containerd again on the same directories and sockets.
  absl::Status Restart();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // `ctr -n k8s.io images import` of an OCI image-layout tarball.
  absl::Status ImportImage(const std::string& tarball);

  const std::string& work_dir() const { return options_.work_dir; }
  const std::string& socket_path() const { return socket_path_; }
  std::string endpoint() const { return "unix://" + socket_path_; }
  std::string log_path() const { return options_.work_dir + "/containerd.log"; }

 private:
  explicit Containerd(ContainerdOptions options);
  absl::Status WriteConfig() const;
  absl::Status Launch();

  ContainerdOptions options_;
  std::string socket_path_;
  pid_t pid_ = -1;
};

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_CONTAINERD_H_
