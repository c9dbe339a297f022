// One real container runtime for a test or the demo: a private containerd (containerd.h) with the
// local test image (scripts/image/build-image.sh) imported, a PodRunner to create pods as the
// kubelet does, and a Teardown that removes everything and reports what it had to clean up.
//
//   absl::StatusOr<std::unique_ptr<RealRuntime>> rt = RealRuntime::Start();
//   ASSERT_THAT(rt, IsOk());  // fails, never skips, without containerd
//   absl::StatusOr<RunningPod> pod = (*rt)->pods().RunPod(PodSpec{});
//   absl::StatusOr<std::string> id = (*rt)->pods().StartContainer(&*pod, ContainerSpec{});
//   ... GrpcRuntimeClient on (*rt)->endpoint() ...
//   EXPECT_THAT((*rt)->Teardown(), IsOk());
//
// The demo can run the same thing as a process: resizelet_test_runtime (runtime_main.cc).
#ifndef RESIZELET_TESTS_HARNESS_REAL_RUNTIME_H_
#define RESIZELET_TESTS_HARNESS_REAL_RUNTIME_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/harness/containerd.h"
#include "tests/harness/pod_runner.h"

namespace resizelet::harness {

// The name the image is imported under (its io.containerd.image.name annotation).
inline constexpr char kTestImage[] = "localhost/resizelet/test:1";

// The image tarball: built by the build (resizelet_test_image target), else built now with
// scripts/image/build-image.sh into the work directory.
absl::StatusOr<std::string> TestImageTarball(const std::string& scratch_dir);

// What may differ from the default runtime (all optional).
struct RealRuntimeOptions {
  // The image tarball to import; empty: TestImageTarball(). The VM lane copies it into the guest.
  std::string image_tarball;
  // The OCI runtime containerd's runc shim drives; empty: /usr/sbin/runc. crun takes the same
  // command line (it only runs on a pure cgroup v2 host, e.g. the VM lane).
  std::string runc_binary;
  // More runtime handlers (ContainerdOptions::extra_runtimes), e.g. {"crun", "/usr/bin/crun"}.
  std::vector<std::pair<std::string, std::string>> extra_runtimes;
};

class RealRuntime {
 public:
  // Makes a work directory under $TMPDIR (or /tmp), starts containerd there, imports the image.
  static absl::StatusOr<std::unique_ptr<RealRuntime>> Start();
  static absl::StatusOr<std::unique_ptr<RealRuntime>> Start(const RealRuntimeOptions& options);
  ~RealRuntime();  // Teardown(), errors ignored

  // Removes the pods, stops containerd by PID, then checks and cleans what must not survive:
  // containerd-shim processes serving our socket (killed by PID), mounts below the work directory
  // (lazily unmounted), the work directory. Returns an error naming anything that had been left.
  absl::Status Teardown();

  Containerd& containerd() { return *containerd_; }
  PodRunner& pods() { return *pods_; }
  const std::string& work_dir() const { return work_dir_; }
  std::string endpoint() const { return containerd_->endpoint(); }

 private:
  RealRuntime() = default;
  std::string work_dir_;
  std::unique_ptr<Containerd> containerd_;
  std::unique_ptr<PodRunner> pods_;
  bool torn_down_ = false;
};

// Lines of /proc/self/mountinfo whose mount point is below `dir`.
std::vector<std::string> MountsBelow(const std::string& dir);

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_REAL_RUNTIME_H_
