#include "tests/harness/real_runtime.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/harness/process.h"

namespace resizelet::harness {
namespace {

namespace fs = std::filesystem;

std::string TempRoot() {
  const char* tmp = ::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? std::string(tmp) : std::string("/tmp");
}

// Waits for the shims serving `socket` to exit on their own (they do once their last task is
// deleted); kills by PID whatever is still there after `timeout`.
std::vector<pid_t> ReapShims(const std::string& socket, absl::Duration timeout) {
  const std::string needle = "-address " + socket;
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<pid_t> shims = FindProcesses(needle);
  while (!shims.empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
    shims = FindProcesses(needle);
  }
  for (pid_t pid : shims) {
    ::kill(pid, SIGKILL);
  }
  return shims;
}

}  // namespace

absl::StatusOr<std::string> TestImageTarball(const std::string& scratch_dir) {
#ifdef RESIZELET_TEST_IMAGE_TARBALL
  if (fs::exists(RESIZELET_TEST_IMAGE_TARBALL)) {
    return std::string(RESIZELET_TEST_IMAGE_TARBALL);
  }
#endif
  const std::string out = scratch_dir + "/test-image.tar";
  absl::StatusOr<std::string> built = RunCommand(
      {std::string(RESIZELET_SOURCE_DIR_PATH) + "/scripts/image/build-image.sh", out, kTestImage},
      absl::Seconds(120));
  if (!built.ok()) {
    return built.status();
  }
  return out;
}

std::vector<std::string> MountsBelow(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    if (fields.size() > 4 && fields[4].rfind(dir + "/", 0) == 0) {
      out.push_back(fields[4]);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<RealRuntime>> RealRuntime::Start() {
  return Start(RealRuntimeOptions{});
}

absl::StatusOr<std::unique_ptr<RealRuntime>> RealRuntime::Start(
    const RealRuntimeOptions& runtime_options) {
  std::unique_ptr<RealRuntime> rt(new RealRuntime());
  std::string pattern = TempRoot() + "/resizelet-rt-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  rt->work_dir_ = pattern;
  absl::StatusOr<std::string> image =
      runtime_options.image_tarball.empty()
          ? TestImageTarball(rt->work_dir_)
          : absl::StatusOr<std::string>(runtime_options.image_tarball);
  if (!image.ok()) {
    return image.status();
  }
  ContainerdOptions options;
  options.work_dir = rt->work_dir_ + "/containerd";
  options.sandbox_image = kTestImage;
  if (!runtime_options.runc_binary.empty()) {
    options.runc_binary = runtime_options.runc_binary;
  }
  options.extra_runtimes = runtime_options.extra_runtimes;
  absl::StatusOr<std::unique_ptr<Containerd>> containerd = Containerd::Start(options);
  if (!containerd.ok()) {
    return containerd.status();
  }
  rt->containerd_ = *std::move(containerd);
  if (absl::Status s = rt->containerd_->ImportImage(*image); !s.ok()) {
    return s;
  }
  rt->pods_ =
      std::make_unique<PodRunner>(rt->containerd_->endpoint(), rt->work_dir_ + "/pods", kTestImage);
  return rt;
}

RealRuntime::~RealRuntime() { (void)Teardown(); }

absl::Status RealRuntime::Teardown() {
  if (torn_down_) {
    return absl::OkStatus();
  }
  torn_down_ = true;
  absl::Status result;
  if (pods_ != nullptr) {
    if (containerd_ != nullptr && !containerd_->running()) {
      // Pods can only be removed through a running runtime.
      result.Update(containerd_->Restart());
    }
    result.Update(pods_->RemoveAll());
    pods_.reset();
  }
  std::vector<std::string> leftovers;
  if (containerd_ != nullptr) {
    const std::string socket = containerd_->socket_path();
    result.Update(containerd_->Stop());
    for (pid_t pid : ReapShims(socket, absl::Seconds(5))) {
      leftovers.push_back(absl::StrCat("containerd-shim pid ", pid));
    }
    containerd_.reset();
  }
  if (!work_dir_.empty()) {
    std::vector<std::string> mounts = MountsBelow(work_dir_);
    // Deepest first, so nested mounts come off before their parents.
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
      ::umount2(it->c_str(), MNT_DETACH);
      leftovers.push_back("mount " + *it);
    }
    std::error_code ec;
    fs::remove_all(work_dir_, ec);
    if (ec) {
      leftovers.push_back(absl::StrCat("work dir ", work_dir_, ": ", ec.message()));
    }
  }
  if (!leftovers.empty()) {
    std::string list;
    for (const std::string& l : leftovers) {
      absl::StrAppend(&list, "\n  ", l);
    }
    result.Update(absl::InternalError(absl::StrCat("teardown found leftovers:", list)));
  }
  return result;
}

}  // namespace resizelet::harness
