#include "tests/cri/fake_runtime.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "cri/proto_convert.h"

namespace resizelet::cri::testing {

namespace v1 = ::runtime::v1;

namespace {

bool LabelsMatch(const std::map<std::string, std::string>& labels,
                 const google::protobuf::Map<std::string, std::string>& selector) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  return true;
}

// Fields set (non-zero) in an update replace the stored ones, as containerd merges them.
void Merge(const LinuxResources& update, LinuxResources* stored) {
  if (update.cpu_period != 0) {
    stored->cpu_period = update.cpu_period;
  }
  if (update.cpu_quota != 0) {
    stored->cpu_quota = update.cpu_quota;
  }
  if (update.cpu_shares != 0) {
    stored->cpu_shares = update.cpu_shares;
  }
  if (update.memory_limit_in_bytes != 0) {
    stored->memory_limit_in_bytes = update.memory_limit_in_bytes;
  }
  if (!update.cpuset_cpus.empty()) {
    stored->cpuset_cpus = update.cpuset_cpus;
  }
  if (!update.cpuset_mems.empty()) {
    stored->cpuset_mems = update.cpuset_mems;
  }
  for (const auto& [k, v] : update.unified) {
    stored->unified[k] = v;
  }
}

}  // namespace

class FakeRuntime::Service final : public v1::RuntimeService::Service {
 public:
  explicit Service(FakeRuntime* fake) : fake_(fake) {}

  grpc::Status Version(grpc::ServerContext* ctx, const v1::VersionRequest*,
                       v1::VersionResponse* response) override {
    if (auto s = fake_->Enter("Version", "", ctx)) {
      return *s;
    }
    response->set_version("0.1.0");
    response->set_runtime_name("fake");
    absl::MutexLock lock(&fake_->mu_);
    response->set_runtime_version(fake_->runtime_version_);
    response->set_runtime_api_version("v1");
    return grpc::Status::OK;
  }

  grpc::Status Status(grpc::ServerContext* ctx, const v1::StatusRequest*,
                      v1::StatusResponse* response) override {
    if (auto s = fake_->Enter("Status", "", ctx)) {
      return *s;
    }
    v1::RuntimeCondition* ready = response->mutable_status()->add_conditions();
    ready->set_type("RuntimeReady");
    ready->set_status(true);
    v1::RuntimeCondition* network = response->mutable_status()->add_conditions();
    network->set_type("NetworkReady");
    network->set_status(false);
    network->set_reason("NetworkPluginNotReady");
    return grpc::Status::OK;
  }

  grpc::Status RuntimeConfig(grpc::ServerContext* ctx, const v1::RuntimeConfigRequest*,
                             v1::RuntimeConfigResponse* response) override {
    if (auto s = fake_->Enter("RuntimeConfig", "", ctx)) {
      return *s;
    }
    absl::MutexLock lock(&fake_->mu_);
    if (!fake_->cgroup_driver_.has_value()) {
      return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "method RuntimeConfig not implemented");
    }
    response->mutable_linux()->set_cgroup_driver(*fake_->cgroup_driver_);
    return grpc::Status::OK;
  }

  grpc::Status ListPodSandbox(grpc::ServerContext* ctx, const v1::ListPodSandboxRequest* request,
                              v1::ListPodSandboxResponse* response) override {
    if (auto s = fake_->Enter("ListPodSandbox", "", ctx)) {
      return *s;
    }
    absl::MutexLock lock(&fake_->mu_);
    fake_->last_list_sandboxes_ = *request;
    for (const auto& [id, sandbox] : fake_->sandboxes_) {
      const std::map<std::string, std::string> labels(sandbox.labels().begin(),
                                                      sandbox.labels().end());
      if (!request->filter().id().empty() && request->filter().id() != id) {
        continue;
      }
      if (!LabelsMatch(labels, request->filter().label_selector())) {
        continue;
      }
      *response->add_items() = sandbox;
    }
    return grpc::Status::OK;
  }

  grpc::Status ListContainers(grpc::ServerContext* ctx, const v1::ListContainersRequest* request,
                              v1::ListContainersResponse* response) override {
    if (auto s = fake_->Enter("ListContainers", "", ctx)) {
      return *s;
    }
    absl::MutexLock lock(&fake_->mu_);
    fake_->last_list_containers_ = *request;
    const v1::ContainerFilter& f = request->filter();
    for (const auto& [id, c] : fake_->containers_) {
      if (!f.id().empty() && f.id() != id) {
        continue;
      }
      if (!f.pod_sandbox_id().empty() && f.pod_sandbox_id() != c.sandbox_id) {
        continue;
      }
      if (f.has_state() && f.state().state() != c.state) {
        continue;
      }
      if (!LabelsMatch(c.labels, f.label_selector())) {
        continue;
      }
      v1::Container* out = response->add_containers();
      out->set_id(id);
      out->set_pod_sandbox_id(c.sandbox_id);
      out->mutable_metadata()->set_name(c.name);
      out->set_state(c.state);
      for (const auto& [k, v] : c.labels) {
        (*out->mutable_labels())[k] = v;
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status ContainerStatus(grpc::ServerContext* ctx, const v1::ContainerStatusRequest* request,
                               v1::ContainerStatusResponse* response) override {
    if (auto s = fake_->Enter("ContainerStatus", request->container_id(), ctx)) {
      return *s;
    }
    absl::MutexLock lock(&fake_->mu_);
    auto it = fake_->containers_.find(request->container_id());
    if (it == fake_->containers_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("an error occurred when try to find container \"",
                                       request->container_id(), "\": not found"));
    }
    const FakeContainer& c = it->second;
    v1::ContainerStatus* status = response->mutable_status();
    status->set_id(c.id);
    status->mutable_metadata()->set_name(c.name);
    status->set_state(c.state);
    for (const auto& [k, v] : c.labels) {
      (*status->mutable_labels())[k] = v;
    }
    ToProto(c.resources, status->mutable_resources()->mutable_linux());
    if (request->verbose() && !c.verbose_info.empty()) {
      (*response->mutable_info())["info"] = c.verbose_info;
    }
    return grpc::Status::OK;
  }

  grpc::Status UpdateContainerResources(grpc::ServerContext* ctx,
                                        const v1::UpdateContainerResourcesRequest* request,
                                        v1::UpdateContainerResourcesResponse*) override {
    if (auto s = fake_->Enter("UpdateContainerResources", request->container_id(), ctx)) {
      return *s;
    }
    absl::MutexLock lock(&fake_->mu_);
    fake_->last_update_ = *request;
    auto it = fake_->containers_.find(request->container_id());
    if (it == fake_->containers_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("container \"", request->container_id(), "\" not found"));
    }
    FakeContainer& c = it->second;
    const LinuxResources update = FromProto(request->linux());
    if (update.memory_limit_in_bytes != 0 && update.memory_limit_in_bytes < c.memory_usage_bytes) {
      // containerd's wrapping of runc's EBUSY refusal (facts.md §5).
      return grpc::Status(
          grpc::StatusCode::UNKNOWN,
          absl::StrCat("failed to update resources: failed to update resources: /usr/bin/runc did "
                       "not terminate successfully: exit status 1: unable to set memory limit to ",
                       update.memory_limit_in_bytes, " (current usage: ", c.memory_usage_bytes,
                       ", peak usage: ", c.memory_usage_bytes + 4096, ")\n: unknown"));
    }
    Merge(update, &c.resources);
    return grpc::Status::OK;
  }

  grpc::Status StopContainer(grpc::ServerContext* ctx, const v1::StopContainerRequest* request,
                             v1::StopContainerResponse*) override {
    if (auto s = fake_->Enter("StopContainer", request->container_id(), ctx)) {
      return *s;
    }
    absl::MutexLock lock(&fake_->mu_);
    fake_->last_stop_ = *request;
    auto it = fake_->containers_.find(request->container_id());
    if (it == fake_->containers_.end()) {
      // containerd's answer for a removed container (cri server container_stop.go).
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("an error occurred when try to find container \"",
                                       request->container_id(), "\": not found"));
    }
    // An exited container stays exited: stopping it again succeeds.
    it->second.state = v1::CONTAINER_EXITED;
    return grpc::Status::OK;
  }

  grpc::Status UpdatePodSandboxResources(grpc::ServerContext* ctx,
                                         const v1::UpdatePodSandboxResourcesRequest*,
                                         v1::UpdatePodSandboxResourcesResponse*) override {
    if (auto s = fake_->Enter("UpdatePodSandboxResources", "", ctx)) {
      return *s;
    }
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "unknown method UpdatePodSandboxResources for service "
                        "runtime.v1.RuntimeService");
  }

 private:
  FakeRuntime* fake_;
};

FakeRuntime::FakeRuntime() = default;
FakeRuntime::~FakeRuntime() { Stop(); }

absl::Status FakeRuntime::Start(const std::string& socket_path) {
  Stop();
  socket_path_ = socket_path;
  ::unlink(socket_path.c_str());
  // A fresh service object per server: gRPC registers a service with one server only.
  service_ = std::make_unique<Service>(this);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + socket_path, grpc::InsecureServerCredentials());
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return absl::InternalError("fake runtime cannot listen");
  }
  return absl::OkStatus();
}

void FakeRuntime::Stop() {
  if (server_ == nullptr) {
    return;
  }
  {
    // Release hung handlers so shutdown does not wait for their deadlines.
    absl::MutexLock lock(&mu_);
    blocked_.clear();
  }
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
  service_.reset();
  ::unlink(socket_path_.c_str());
}

void FakeRuntime::AddSandbox(const std::string& id, const std::string& pod_uid,
                             const std::string& name) {
  v1::PodSandbox sandbox;
  sandbox.set_id(id);
  sandbox.mutable_metadata()->set_name(name);
  sandbox.mutable_metadata()->set_uid(pod_uid);
  sandbox.mutable_metadata()->set_namespace_("default");
  sandbox.set_state(v1::SANDBOX_READY);
  (*sandbox.mutable_labels())["io.kubernetes.pod.uid"] = pod_uid;
  (*sandbox.mutable_labels())["io.kubernetes.pod.name"] = name;
  absl::MutexLock lock(&mu_);
  sandboxes_[id] = sandbox;
}

void FakeRuntime::AddContainer(const FakeContainer& container) {
  absl::MutexLock lock(&mu_);
  containers_[container.id] = container;
}

void FakeRuntime::RemoveContainer(const std::string& id) {
  absl::MutexLock lock(&mu_);
  containers_.erase(id);
}

LinuxResources FakeRuntime::Resources(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = containers_.find(id);
  return it == containers_.end() ? LinuxResources{} : it->second.resources;
}

void FakeRuntime::FailNext(const std::string& method, grpc::Status status, int times) {
  absl::MutexLock lock(&mu_);
  failures_[method] = {std::move(status), times};
}

void FakeRuntime::Block(const std::string& container_id) {
  absl::MutexLock lock(&mu_);
  blocked_.insert(container_id);
}

void FakeRuntime::Unblock(const std::string& container_id) {
  absl::MutexLock lock(&mu_);
  blocked_.erase(container_id);
}

void FakeRuntime::SetRuntimeVersion(const std::string& version) {
  absl::MutexLock lock(&mu_);
  runtime_version_ = version;
}

void FakeRuntime::SetCgroupDriver(v1::CgroupDriver driver) {
  absl::MutexLock lock(&mu_);
  cgroup_driver_ = driver;
}

int FakeRuntime::Count(const std::string& method) {
  absl::MutexLock lock(&mu_);
  return counts_[method];
}

int FakeRuntime::CountFor(const std::string& container_id) {
  absl::MutexLock lock(&mu_);
  return counts_for_[container_id];
}

v1::ListContainersRequest FakeRuntime::last_list_containers() {
  absl::MutexLock lock(&mu_);
  return last_list_containers_;
}

v1::ListPodSandboxRequest FakeRuntime::last_list_sandboxes() {
  absl::MutexLock lock(&mu_);
  return last_list_sandboxes_;
}

v1::UpdateContainerResourcesRequest FakeRuntime::last_update() {
  absl::MutexLock lock(&mu_);
  return last_update_;
}

v1::StopContainerRequest FakeRuntime::last_stop() {
  absl::MutexLock lock(&mu_);
  return last_stop_;
}

std::optional<grpc::Status> FakeRuntime::Enter(const std::string& method,
                                               const std::string& container_id,
                                               grpc::ServerContext* context) {
  absl::MutexLock lock(&mu_);
  ++counts_[method];
  if (!container_id.empty()) {
    ++counts_for_[container_id];
  }
  auto failure = failures_.find(method);
  if (failure != failures_.end() && failure->second.second != 0) {
    if (failure->second.second > 0) {
      --failure->second.second;
    }
    return failure->second.first;
  }
  // Hang while blocked, but give up with the caller (deadline or cancellation).
  auto released = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return blocked_.count(container_id) == 0;
  };
  while (!mu_.AwaitWithTimeout(absl::Condition(&released), absl::Milliseconds(10))) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "caller gave up");
    }
  }
  return std::nullopt;
}

}  // namespace resizelet::cri::testing
