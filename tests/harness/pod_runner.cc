#include "tests/harness/pod_runner.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cri/proto_convert.h"
#include "cri/runtime_client.h"

namespace resizelet::harness {
namespace {

namespace v1 = ::runtime::v1;
namespace fs = std::filesystem;

constexpr char kCgroupRoot[] = "/sys/fs/cgroup";
constexpr absl::Duration kCallTimeout = absl::Seconds(60);

// Serializes creation and removal of the shared /kubepods parents between test processes
// (ctest runs test cases in parallel, each with its own containerd): without it one process could
// rmdir an empty /kubepods/burstable between another's mkdir of it and of its pod directory. Beside
// the lock, a small registry lists the parents a harness created, so that whichever process
// removes the last pod also removes them, and parents someone else made are never touched.
class KubepodsLock {
 public:
  KubepodsLock() {
    base_ = ::access("/run/lock", W_OK) == 0 ? "/run/lock/resizelet-kubepods"
                                             : "/tmp/resizelet-kubepods";
    fd_ = ::open((base_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_EX);
    }
  }
  ~KubepodsLock() {
    if (fd_ >= 0) {
      ::close(fd_);  // releases the lock
    }
  }

  std::set<std::string> Owned() const {
    std::set<std::string> out;
    std::ifstream in(base_ + ".owned");
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) {
        out.insert(line);
      }
    }
    return out;
  }
  void SetOwned(const std::set<std::string>& owned) const {
    if (owned.empty()) {
      ::unlink((base_ + ".owned").c_str());
      return;
    }
    std::ofstream out(base_ + ".owned", std::ios::trunc);
    for (const std::string& p : owned) {
      out << p << "\n";
    }
  }

 private:
  std::string base_;
  int fd_ = -1;
};

std::string NewUid() {
  std::ifstream in("/proc/sys/kernel/random/uuid");
  std::string uid;
  std::getline(in, uid);
  return uid;
}

absl::Status FromGrpc(std::string_view what, const grpc::Status& s) {
  if (s.ok()) {
    return absl::OkStatus();
  }
  return absl::Status(
      static_cast<absl::StatusCode>(s.error_code()),
      absl::StrCat(absl::string_view(what.data(), what.size()), ": ", s.error_message()));
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
  return c;
}

void HostNetworkNamespaces(v1::NamespaceOption* ns) {
  ns->set_network(v1::NODE);
  ns->set_pid(v1::CONTAINER);
  ns->set_ipc(v1::POD);
}

// True when /sys/fs/cgroup is itself the cgroup2 mount (a pure v2 host such as the VM lane's
// guest), where cgroup.controllers sits at the root; on a v1 or hybrid host it is a tmpfs holding
// one directory per hierarchy.
bool UnifiedHierarchy() {
  std::error_code ec;
  return fs::exists(fs::path(kCgroupRoot) / "cgroup.controllers", ec);
}

// Every controller hierarchy mounted under /sys/fs/cgroup (symlinks such as cpu,cpuacct aliases
// are skipped: their target is visited by its own name); on a pure v2 host, the one mount.
std::vector<fs::path> Hierarchies() {
  std::vector<fs::path> out;
  std::error_code ec;
  if (UnifiedHierarchy()) {
    out.push_back(kCgroupRoot);
    return out;
  }
  for (const fs::directory_entry& e : fs::directory_iterator(kCgroupRoot, ec)) {
    if (e.is_symlink(ec) || !e.is_directory(ec)) {
      continue;
    }
    out.push_back(e.path());
  }
  return out;
}

// rmdir with a short retry: a cgroup whose last task is still exiting reports EBUSY for a moment.
bool RemoveCgroupDir(const fs::path& dir) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (true) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
      return true;
    }
    if (errno != EBUSY || absl::Now() >= deadline) {
      return false;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace

std::string TierCgroup(QosTier tier) {
  switch (tier) {
    case QosTier::kGuaranteed:
      return "/kubepods";
    case QosTier::kBurstable:
      return "/kubepods/burstable";
    case QosTier::kBestEffort:
      return "/kubepods/besteffort";
  }
  return "/kubepods";
}

PodRunner::PodRunner(const std::string& endpoint, std::string log_root, std::string image)
    : log_root_(std::move(log_root)), image_(std::move(image)) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  stub_ = v1::RuntimeService::NewStub(
      grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args));
}

PodRunner::~PodRunner() { (void)RemoveAll(); }

absl::StatusOr<RunningPod> PodRunner::RunPod(const PodSpec& spec) {
  RunningPod pod;
  pod.uid = spec.uid.empty() ? NewUid() : spec.uid;
  pod.name = spec.name;
  pod.pod_namespace = spec.pod_namespace;
  pod.cgroup_parent = absl::StrCat(TierCgroup(spec.tier), "/pod", pod.uid);

  v1::PodSandboxConfig& config = pod.config;
  config.mutable_metadata()->set_name(pod.name);
  config.mutable_metadata()->set_uid(pod.uid);
  config.mutable_metadata()->set_namespace_(pod.pod_namespace);
  config.mutable_metadata()->set_attempt(0);
  // Host network: the hostname stays empty (runc refuses to set one without a UTS namespace).
  config.set_hostname("");
  const std::string log_dir =
      absl::StrCat(log_root_, "/", pod.pod_namespace, "_", pod.name, "_", pod.uid);
  config.set_log_directory(log_dir);
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  auto& labels = *config.mutable_labels();
  labels[std::string(cri::kPodNameLabel)] = pod.name;
  labels[std::string(cri::kPodNamespaceLabel)] = pod.pod_namespace;
  labels[std::string(cri::kPodUidLabel)] = pod.uid;
  (*config.mutable_annotations())["kubernetes.io/config.source"] = std::string("api");
  v1::LinuxPodSandboxConfig* linux_config = config.mutable_linux();
  linux_config->set_cgroup_parent(pod.cgroup_parent);
  HostNetworkNamespaces(linux_config->mutable_security_context()->mutable_namespace_options());

  v1::RunPodSandboxRequest request;
  *request.mutable_config() = config;
  request.set_runtime_handler(spec.runtime_handler);
  v1::RunPodSandboxResponse response;
  {
    KubepodsLock lock;
    std::set<std::string> owned = lock.Owned();
    for (const std::string& parent : {std::string("/kubepods"), TierCgroup(spec.tier)}) {
      const fs::path probe = UnifiedHierarchy() ? fs::path(kCgroupRoot) / parent.substr(1)
                                                : fs::path(kCgroupRoot) / ("memory" + parent);
      if (!fs::exists(probe, ec)) {
        owned.insert(parent);
      }
    }
    lock.SetOwned(owned);
    auto ctx = Context();
    if (absl::Status s =
            FromGrpc("RunPodSandbox", stub_->RunPodSandbox(ctx.get(), request, &response));
        !s.ok()) {
      return s;
    }
  }
  pod.sandbox_id = response.pod_sandbox_id();
  pods_.push_back(pod);
  return pod;
}

absl::StatusOr<std::string> PodRunner::StartContainer(RunningPod* pod, const ContainerSpec& spec) {
  v1::CreateContainerRequest request;
  request.set_pod_sandbox_id(pod->sandbox_id);
  *request.mutable_sandbox_config() = pod->config;
  v1::ContainerConfig* config = request.mutable_config();
  config->mutable_metadata()->set_name(spec.name);
  config->mutable_metadata()->set_attempt(0);
  config->mutable_image()->set_image(image_);
  for (const std::string& arg : spec.command) {
    config->add_command(arg);
  }
  auto& labels = *config->mutable_labels();
  labels[std::string(cri::kContainerNameLabel)] = spec.name;
  labels[std::string(cri::kPodNameLabel)] = pod->name;
  labels[std::string(cri::kPodNamespaceLabel)] = pod->pod_namespace;
  labels[std::string(cri::kPodUidLabel)] = pod->uid;
  auto& annotations = *config->mutable_annotations();
  annotations["io.kubernetes.container.restartCount"] = std::string("0");
  annotations["io.kubernetes.container.terminationMessagePath"] =
      std::string("/dev/termination-log");
  // The kubelet creates <log_directory>/<container>/ and names the file by restart count.
  std::error_code ec;
  fs::create_directories(absl::StrCat(pod->config.log_directory(), "/", spec.name), ec);
  config->set_log_path(absl::StrCat(spec.name, "/0.log"));
  cri::ToProto(spec.resources, config->mutable_linux()->mutable_resources());
  HostNetworkNamespaces(
      config->mutable_linux()->mutable_security_context()->mutable_namespace_options());

  v1::CreateContainerResponse created;
  {
    auto ctx = Context();
    if (absl::Status s =
            FromGrpc("CreateContainer", stub_->CreateContainer(ctx.get(), request, &created));
        !s.ok()) {
      return s;
    }
  }
  const std::string id = created.container_id();
  for (RunningPod& p : pods_) {
    if (p.sandbox_id == pod->sandbox_id) {
      p.container_ids.push_back(id);
    }
  }
  pod->container_ids.push_back(id);
  v1::StartContainerRequest start;
  start.set_container_id(id);
  v1::StartContainerResponse started;
  auto ctx = Context();
  if (absl::Status s =
          FromGrpc("StartContainer", stub_->StartContainer(ctx.get(), start, &started));
      !s.ok()) {
    return s;
  }
  return id;
}

absl::Status PodRunner::RemoveContainer(const std::string& container_id) {
  v1::StopContainerRequest stop;
  stop.set_container_id(container_id);
  stop.set_timeout(0);  // SIGKILL at once: test containers hold no state
  v1::StopContainerResponse stopped;
  auto ctx = Context();
  absl::Status s = FromGrpc("StopContainer", stub_->StopContainer(ctx.get(), stop, &stopped));
  if (!s.ok() && s.code() != absl::StatusCode::kNotFound) {
    return s;
  }
  v1::RemoveContainerRequest remove;
  remove.set_container_id(container_id);
  v1::RemoveContainerResponse removed;
  auto ctx2 = Context();
  s = FromGrpc("RemoveContainer", stub_->RemoveContainer(ctx2.get(), remove, &removed));
  if (!s.ok() && s.code() != absl::StatusCode::kNotFound) {
    return s;
  }
  return absl::OkStatus();
}

absl::Status PodRunner::RemovePodLocked(const RunningPod& pod) {
  absl::Status first;
  for (const std::string& id : pod.container_ids) {
    first.Update(RemoveContainer(id));
  }
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(pod.sandbox_id);
  v1::StopPodSandboxResponse stopped;
  auto ctx = Context();
  absl::Status s = FromGrpc("StopPodSandbox", stub_->StopPodSandbox(ctx.get(), stop, &stopped));
  if (s.code() != absl::StatusCode::kNotFound) {
    first.Update(s);
  }
  v1::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(pod.sandbox_id);
  v1::RemovePodSandboxResponse removed;
  auto ctx2 = Context();
  s = FromGrpc("RemovePodSandbox", stub_->RemovePodSandbox(ctx2.get(), remove, &removed));
  if (s.code() != absl::StatusCode::kNotFound) {
    first.Update(s);
  }
  first.Update(RemoveCgroupDirs(pod.cgroup_parent));
  return first;
}

absl::Status PodRunner::RemovePod(const RunningPod& pod) {
  absl::Status s = RemovePodLocked(pod);
  std::erase_if(pods_, [&](const RunningPod& p) { return p.sandbox_id == pod.sandbox_id; });
  return s;
}

absl::Status PodRunner::RemoveAll() {
  absl::Status first;
  while (!pods_.empty()) {
    first.Update(RemovePod(pods_.back()));
  }
  return first;
}

absl::Status PodRunner::RemoveCgroupDirs(const std::string& cgroup_parent) {
  KubepodsLock lock;
  std::vector<std::string> stuck;
  std::error_code ec;
  for (const fs::path& hierarchy : Hierarchies()) {
    const fs::path pod_dir = hierarchy / cgroup_parent.substr(1);
    if (!fs::is_directory(pod_dir, ec)) {
      continue;
    }
    // Container directories the runtime left (runc removes them when the container is deleted,
    // but only in the hierarchies it tracks).
    for (const fs::directory_entry& e : fs::directory_iterator(pod_dir, ec)) {
      if (e.is_directory(ec) && !RemoveCgroupDir(e.path())) {
        stuck.push_back(e.path());
      }
    }
    if (!RemoveCgroupDir(pod_dir)) {
      stuck.push_back(pod_dir);
    }
  }
  // Parents a harness created, deepest first (longer paths sort after their prefixes); they stay
  // while anything else lives in them.
  std::set<std::string> owned = lock.Owned();
  for (auto it = owned.rbegin(); it != owned.rend();) {
    bool gone = true;
    for (const fs::path& hierarchy : Hierarchies()) {
      const fs::path dir = hierarchy / it->substr(1);
      if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
        gone = false;
      }
    }
    it = gone ? std::make_reverse_iterator(owned.erase(std::next(it).base())) : std::next(it);
  }
  lock.SetOwned(owned);
  if (stuck.empty()) {
    return absl::OkStatus();
  }
  std::string list;
  for (const std::string& d : stuck) {
    absl::StrAppend(&list, " ", d);
  }
  return absl::InternalError(absl::StrCat("cgroup directories left behind:", list));
}

absl::StatusOr<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::string(absl::StripAsciiWhitespace(content));
}

absl::Status WaitForFileContent(const std::string& path, const std::string& want,
                                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (true) {
    absl::StatusOr<std::string> got = ReadTrimmed(path);
    if (got.ok() && *got == want) {
      return absl::OkStatus();
    }
    last = got.ok() ? *got : std::string(got.status().message());
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(path, " = \"", last, "\", want \"", want, "\""));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

}  // namespace resizelet::harness
