// resizelet_test_runtime: the real-runtime harness as a process, for the demo and manual runs.
// Starts a private containerd with the local test image, creates pods as the kubelet would, prints
// what it made, and tears everything down on SIGINT/SIGTERM.
//
//   resizelet_test_runtime [--pods N] [--memhog MIB]
//
// Output (one line each, then "ready"):
//   endpoint unix:///tmp/resizelet-rt-XXXX/containerd/containerd.sock
//   pod <uid> <sandbox-id> <container-id> <cgroup-parent>
// Exit status 0 when the teardown left nothing behind.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/harness/real_runtime.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "resizelet_test_runtime: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int pods = 1;
  int memhog_mib = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pods") == 0 && i + 1 < argc) {
      pods = static_cast<int>(std::strtol(argv[++i], nullptr, 10));
    } else if (std::strcmp(argv[i], "--memhog") == 0 && i + 1 < argc) {
      memhog_mib = static_cast<int>(std::strtol(argv[++i], nullptr, 10));
    } else {
      return Fail("usage: resizelet_test_runtime [--pods N] [--memhog MIB]");
    }
  }
  // Block the stop signals before any thread exists, then wait for them synchronously.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  using resizelet::harness::RealRuntime;
  absl::StatusOr<std::unique_ptr<RealRuntime>> rt = RealRuntime::Start();
  if (!rt.ok()) {
    return Fail(std::string(rt.status().message()));
  }
  std::printf("endpoint %s\n", (*rt)->endpoint().c_str());
  for (int i = 0; i < pods; ++i) {
    resizelet::harness::PodSpec spec;
    spec.name = "demo-" + std::to_string(i);
    absl::StatusOr<resizelet::harness::RunningPod> pod = (*rt)->pods().RunPod(spec);
    if (!pod.ok()) {
      return Fail(std::string(pod.status().message()));
    }
    resizelet::harness::ContainerSpec container;
    if (memhog_mib > 0) {
      container.command = {"/bin/memhog", std::to_string(memhog_mib)};
    }
    container.resources.cpu_period = 100000;
    container.resources.cpu_quota = 50000;
    container.resources.cpu_shares = 512;
    container.resources.memory_limit_in_bytes = int64_t{256} << 20;
    absl::StatusOr<std::string> id = (*rt)->pods().StartContainer(&*pod, container);
    if (!id.ok()) {
      return Fail(std::string(id.status().message()));
    }
    std::printf("pod %s %s %s %s\n", pod->uid.c_str(), pod->sandbox_id.c_str(), id->c_str(),
                pod->cgroup_parent.c_str());
  }
  std::printf("ready\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  const absl::Status teardown = (*rt)->Teardown();
  if (!teardown.ok()) {
    return Fail(std::string(teardown.message()));
  }
  std::printf("teardown ok\n");
  return 0;
}
