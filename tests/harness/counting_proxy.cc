#include "tests/harness/counting_proxy.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "proto/runtime/v1/api.grpc.pb.h"

namespace resizelet::harness {

namespace v1 = ::runtime::v1;

class CountingCriProxy::Service final : public v1::RuntimeService::Service {
 public:
  explicit Service(std::shared_ptr<grpc::Channel> upstream)
      : upstream_(v1::RuntimeService::NewStub(std::move(upstream))) {}

  int Count(const std::string& method) const {
    absl::MutexLock lock(&mu_);
    auto it = counts_.find(method);
    return it == counts_.end() ? 0 : it->second;
  }
  std::map<std::string, int> Counts() const {
    absl::MutexLock lock(&mu_);
    return counts_;
  }
  void SetObserver(Observer observer) {
    absl::MutexLock lock(&mu_);
    observer_ = std::move(observer);
  }
  std::vector<UpdateRecord> Updates() const {
    absl::MutexLock lock(&mu_);
    return updates_;
  }

  grpc::Status UpdateContainerResources(grpc::ServerContext* server_context,
                                        const v1::UpdateContainerResourcesRequest* request,
                                        v1::UpdateContainerResourcesResponse* response) override {
    UpdateRecord record;
    record.container_id = request->container_id();
    record.cpu_period = request->linux().cpu_period();
    record.cpu_quota = request->linux().cpu_quota();
    record.cpu_shares = request->linux().cpu_shares();
    record.memory_limit_in_bytes = request->linux().memory_limit_in_bytes();
    Observer observer;
    {
      absl::MutexLock lock(&mu_);
      ++counts_["UpdateContainerResources"];
      observer = observer_;
    }
    // Observed before forwarding: the node as it stood when the runtime was asked.
    if (observer) record.observed = observer(record.container_id);
    {
      absl::MutexLock lock(&mu_);
      updates_.push_back(std::move(record));
    }
    grpc::ClientContext context;
    context.set_deadline(server_context->deadline());
    return upstream_->UpdateContainerResources(&context, *request, response);
  }

// The other methods count, then forward with the caller's deadline.
#define RESIZELET_FORWARD(Method)                                                              \
  grpc::Status Method(grpc::ServerContext* server_context, const v1::Method##Request* request, \
                      v1::Method##Response* response) override {                               \
    {                                                                                          \
      absl::MutexLock lock(&mu_);                                                              \
      ++counts_[#Method];                                                                      \
    }                                                                                          \
    grpc::ClientContext context;                                                               \
    context.set_deadline(server_context->deadline());                                          \
    return upstream_->Method(&context, *request, response);                                    \
  }

  RESIZELET_FORWARD(Version)
  RESIZELET_FORWARD(RunPodSandbox)
  RESIZELET_FORWARD(StopPodSandbox)
  RESIZELET_FORWARD(RemovePodSandbox)
  RESIZELET_FORWARD(PodSandboxStatus)
  RESIZELET_FORWARD(ListPodSandbox)
  RESIZELET_FORWARD(CreateContainer)
  RESIZELET_FORWARD(StartContainer)
  RESIZELET_FORWARD(StopContainer)
  RESIZELET_FORWARD(RemoveContainer)
  RESIZELET_FORWARD(ListContainers)
  RESIZELET_FORWARD(ContainerStatus)
  RESIZELET_FORWARD(Status)
  RESIZELET_FORWARD(RuntimeConfig)
  RESIZELET_FORWARD(UpdatePodSandboxResources)
#undef RESIZELET_FORWARD

 private:
  std::unique_ptr<v1::RuntimeService::Stub> upstream_;
  mutable absl::Mutex mu_;
  Observer observer_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
  std::vector<UpdateRecord> updates_ ABSL_GUARDED_BY(mu_);
};

struct CountingCriProxy::State {
  std::string socket_path;
  std::unique_ptr<Service> service;
  std::unique_ptr<grpc::Server> server;
};

absl::StatusOr<std::unique_ptr<CountingCriProxy>> CountingCriProxy::Start(
    const std::string& socket_path, const std::string& upstream_endpoint) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  std::unique_ptr<CountingCriProxy> proxy(new CountingCriProxy());
  proxy->state_ = std::make_unique<State>();
  State& st = *proxy->state_;
  st.socket_path = socket_path;
  st.service = std::make_unique<Service>(
      grpc::CreateCustomChannel(upstream_endpoint, grpc::InsecureChannelCredentials(), args));
  ::unlink(socket_path.c_str());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + socket_path, grpc::InsecureServerCredentials());
  builder.RegisterService(st.service.get());
  st.server = builder.BuildAndStart();
  if (st.server == nullptr) {
    return absl::InternalError(absl::StrCat("cannot listen on ", socket_path));
  }
  return proxy;
}

CountingCriProxy::~CountingCriProxy() {
  if (state_ != nullptr && state_->server != nullptr) {
    state_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ::unlink(state_->socket_path.c_str());
  }
}

std::string CountingCriProxy::endpoint() const { return "unix://" + state_->socket_path; }
int CountingCriProxy::Count(const std::string& method) const {
  return state_->service->Count(method);
}
std::map<std::string, int> CountingCriProxy::Counts() const { return state_->service->Counts(); }
void CountingCriProxy::SetObserver(Observer observer) {
  state_->service->SetObserver(std::move(observer));
}
std::vector<UpdateRecord> CountingCriProxy::Updates() const { return state_->service->Updates(); }

}  // namespace resizelet::harness
