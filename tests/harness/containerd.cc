#include "tests/harness/containerd.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "tests/harness/process.h"

namespace resizelet::harness {
namespace {

// containerd's config v2 (containerd 1.6). Plugins needing hardware or kernel features absent
// here (btrfs, zfs, devmapper, aufs) are disabled so startup stays quiet and fast.
constexpr absl::string_view kConfigTemplate = R"(version = 2
root = "$0/root"
state = "$0/state"
disabled_plugins = ["io.containerd.internal.v1.tracing", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
required_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$1"
[ttrpc]
  address = "$1.ttrpc"
[debug]
  address = "$0/debug.sock"
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$0/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$2"
  disable_apparmor = true
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$0/runc"
        BinaryName = "$3"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$0/cni/bin"
    conf_dir = "$0/cni/conf"
)";

// One more handler for the CRI plugin: $0 work dir, $1 handler name, $2 OCI runtime binary.
constexpr absl::string_view kExtraRuntimeTemplate =
    R"([plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1.options]
    SystemdCgroup = false
    Root = "$0/$1"
    BinaryName = "$2"
)";

absl::Status RequireBinary(const std::string& path, const std::string& package) {
  if (::access(path.c_str(), X_OK) == 0) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(path, " is missing: the real-runtime tests need Debian's ", package,
                   " (scripts/install-deps.sh host)"));
}

std::string Tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

}  // namespace

Containerd::Containerd(ContainerdOptions options)
    : options_(std::move(options)), socket_path_(options_.work_dir + "/containerd.sock") {}

Containerd::~Containerd() { (void)Stop(); }

absl::StatusOr<std::unique_ptr<Containerd>> Containerd::Start(ContainerdOptions options) {
  if (absl::Status s = RequireBinary(options.containerd_binary, "containerd"); !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireBinary(options.ctr_binary, "containerd"); !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireBinary(options.runc_binary, "runc"); !s.ok()) {
    return s;
  }
  for (const auto& [name, binary] : options.extra_runtimes) {
    if (absl::Status s = RequireBinary(binary, name); !s.ok()) {
      return s;
    }
  }
  if (options.work_dir.empty() || options.work_dir.front() != '/') {
    return absl::InvalidArgumentError("containerd work_dir must be an absolute path");
  }
  std::unique_ptr<Containerd> c(new Containerd(std::move(options)));
  std::error_code ec;
  for (const char* sub : {"root", "state", "opt", "cni/bin", "cni/conf"}) {
    std::filesystem::create_directories(c->options_.work_dir + "/" + sub, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("mkdir ", sub, ": ", ec.message()));
    }
  }
  if (absl::Status s = c->WriteConfig(); !s.ok()) {
    return s;
  }
  if (absl::Status s = c->Launch(); !s.ok()) {
    return s;
  }
  return c;
}

absl::Status Containerd::WriteConfig() const {
  std::ofstream out(options_.work_dir + "/config.toml");
  out << absl::Substitute(kConfigTemplate, options_.work_dir, socket_path_, options_.sandbox_image,
                          options_.runc_binary);
  for (const auto& [name, binary] : options_.extra_runtimes) {
    out << absl::Substitute(kExtraRuntimeTemplate, options_.work_dir, name, binary);
  }
  out.close();
  if (!out) {
    return absl::InternalError("cannot write containerd config.toml");
  }
  return absl::OkStatus();
}

absl::Status Containerd::Launch() {
  absl::StatusOr<pid_t> pid = SpawnProcess(
      {options_.containerd_binary, "--config", options_.work_dir + "/config.toml"}, log_path());
  if (!pid.ok()) {
    return pid.status();
  }
  pid_ = *pid;
  const absl::Status ready = WaitForSocket(socket_path_, options_.start_timeout);
  if (!ready.ok() || !ChildAlive(pid_)) {
    (void)StopProcess(pid_, absl::Seconds(2));
    pid_ = -1;
    return absl::UnavailableError(absl::StrCat("containerd did not start: ", ready.message(),
                                               "\n--- containerd log ---\n",
                                               Tail(log_path(), 4000)));
  }
  return absl::OkStatus();
}

absl::Status Containerd::Stop() {
  if (pid_ <= 0) {
    return absl::OkStatus();
  }
  absl::Status s = StopProcess(pid_, options_.stop_grace);
  pid_ = -1;
  // containerd removes its sockets on a clean exit; a stale one would make the next start's
  // readiness probe meaningless.
  ::unlink(socket_path_.c_str());
  ::unlink((socket_path_ + ".ttrpc").c_str());
  return s;
}

absl::Status Containerd::Restart() {
  if (absl::Status s = Stop(); !s.ok()) {
    return s;
  }
  return Launch();
}

absl::Status Containerd::ImportImage(const std::string& tarball) {
  absl::StatusOr<std::string> out = RunCommand(
      {options_.ctr_binary, "-a", socket_path_, "-n", "k8s.io", "images", "import", tarball},
      absl::Seconds(60));
  return out.status();
}

}  // namespace resizelet::harness
