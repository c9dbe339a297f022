// resizelet-standin-kubelet: a stand-in for the kubelet (tests/standin/standin.h) as a process,
// for the demo and end-to-end tests. Runs the pods bound to --node-name on a real containerd and
// reports their status, behaving as kubelet 1.30, 1.32 or 1.33. Without --runtime-endpoint it
// starts a private containerd with the local test image through the test harness. Stops on
// SIGINT/SIGTERM, removing the pods it started (and its private containerd).
//
//   resizelet-standin-kubelet --kubeconfig F --node-name N --kubelet-version 1.30|1.32|1.33
//       [--runtime-endpoint unix:///...sock] [--log-dir D] [--status-sync-period-ms 10000]
//       [--allocatable-cpu-milli M] [--allocatable-memory-bytes B]
//
// Prints "ready <runtime endpoint>" once the Node is registered and the pods are being watched.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "agent/kube/curl_kube_client.h"
#include "agent/kube/kubeconfig.h"
#include "tests/harness/real_runtime.h"
#include "tests/standin/standin.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "resizelet-standin-kubelet: %s\n", what.c_str());
  return 1;
}

constexpr char kUsage[] =
    "usage: resizelet-standin-kubelet --kubeconfig F --node-name N --kubelet-version "
    "1.30|1.32|1.33 [--runtime-endpoint S] [--log-dir D] [--status-sync-period-ms MS] "
    "[--allocatable-cpu-milli M] [--allocatable-memory-bytes B]";

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) {
      return Fail(kUsage);
    }
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
    } else {
      flags[arg.substr(2)] = argv[++i];
    }
  }
  for (const auto& [name, value] : flags) {
    if (name != "kubeconfig" && name != "node-name" && name != "kubelet-version" &&
        name != "runtime-endpoint" && name != "log-dir" && name != "status-sync-period-ms" &&
        name != "allocatable-cpu-milli" && name != "allocatable-memory-bytes") {
      return Fail("unknown flag --" + name + "\n" + kUsage);
    }
  }
  if (!flags.contains("kubeconfig") || !flags.contains("node-name") ||
      !flags.contains("kubelet-version")) {
    return Fail(kUsage);
  }
  absl::StatusOr<resizelet::standin::KubeletVersion> version =
      resizelet::standin::ParseKubeletVersion(flags["kubelet-version"]);
  if (!version.ok()) {
    return Fail(std::string(version.status().message()));
  }
  // Stop signals are blocked before any thread exists and waited for synchronously.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  absl::StatusOr<resizelet::kube::RestConfig> config =
      resizelet::kube::LoadKubeconfig(flags["kubeconfig"]);
  if (!config.ok()) {
    return Fail(std::string(config.status().message()));
  }
  // The kubelet's user agent form ("kubelet/v1.32.0 (linux/amd64) ..."), so the API server's log
  // tells the stand-in's requests from resizelet's.
  resizelet::kube::ClientOptions client_options;
  client_options.user_agent = "kubelet/" + resizelet::standin::KubeletGitVersion(*version) +
                              " (linux/amd64) resizelet-standin-kubelet";
  absl::StatusOr<std::unique_ptr<resizelet::kube::CurlKubeClient>> client =
      resizelet::kube::CurlKubeClient::Create(*config, client_options);
  if (!client.ok()) {
    return Fail(std::string(client.status().message()));
  }

  std::unique_ptr<resizelet::harness::RealRuntime> own_runtime;
  resizelet::standin::StandinOptions options;
  options.node_name = flags["node-name"];
  options.version = *version;
  options.image = resizelet::harness::kTestImage;
  options.log_root = flags.contains("log-dir") ? flags["log-dir"] : "/tmp/resizelet-standin-logs";
  if (flags.contains("runtime-endpoint")) {
    options.runtime_endpoint = flags["runtime-endpoint"];
  } else {
    absl::StatusOr<std::unique_ptr<resizelet::harness::RealRuntime>> rt =
        resizelet::harness::RealRuntime::Start();
    if (!rt.ok()) {
      return Fail(std::string(rt.status().message()));
    }
    own_runtime = *std::move(rt);
    options.runtime_endpoint = own_runtime->endpoint();
    if (!flags.contains("log-dir")) {
      options.log_root = own_runtime->work_dir() + "/standin-logs";
    }
  }
  if (flags.contains("status-sync-period-ms")) {
    options.status_sync_period =
        absl::Milliseconds(std::atoll(flags["status-sync-period-ms"].c_str()));
  }
  if (flags.contains("allocatable-cpu-milli")) {
    options.allocatable_cpu_milli = std::atoll(flags["allocatable-cpu-milli"].c_str());
  }
  if (flags.contains("allocatable-memory-bytes")) {
    options.allocatable_memory_bytes = std::atoll(flags["allocatable-memory-bytes"].c_str());
  }
  absl::StatusOr<std::unique_ptr<resizelet::standin::Standin>> standin =
      resizelet::standin::Standin::Create(client->get(), options);
  if (!standin.ok()) {
    return Fail(std::string(standin.status().message()));
  }
  (*standin)->Start();
  std::printf("ready %s\n", options.runtime_endpoint.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  standin->reset();  // removes the pods it started
  if (own_runtime != nullptr) {
    if (absl::Status s = own_runtime->Teardown(); !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }
  return 0;
}
