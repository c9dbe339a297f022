// An in-process CRI runtime for unit tests: a real gRPC server on a UNIX socket implementing the
// RuntimeService calls the client makes, over a small in-memory model of sandboxes and containers.
// It counts calls per method, can fail, hang or stay down on demand, and refuses a memory limit
// below a container's usage the way runc does on cgroup v1.
#ifndef RESIZELET_TESTS_CRI_FAKE_RUNTIME_H_
#define RESIZELET_TESTS_CRI_FAKE_RUNTIME_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "cri/resources.h"
#include "proto/runtime/v1/api.grpc.pb.h"

namespace resizelet::cri::testing {

struct FakeContainer {
  std::string id;
  std::string sandbox_id;
  std::string name;
  std::map<std::string, std::string> labels;
  ::runtime::v1::ContainerState state = ::runtime::v1::CONTAINER_RUNNING;
  LinuxResources resources;
  int64_t memory_usage_bytes = 0;  // an update below this fails like runc on cgroup v1
  std::string verbose_info;        // the "info" JSON of a verbose ContainerStatus
};

class FakeRuntime {
 public:
  FakeRuntime();
  ~FakeRuntime();

  // Serves on `socket_path` (kept across Stop/Start, so a restart is on the same address).
  absl::Status Start(const std::string& socket_path);
  void Stop();
  std::string endpoint() const { return "unix://" + socket_path_; }

  void AddSandbox(const std::string& id, const std::string& pod_uid, const std::string& name);
  void AddContainer(const FakeContainer& container);
  void RemoveContainer(const std::string& id);
  LinuxResources Resources(const std::string& id);

  // The next `times` calls of `method` fail with `status` (times < 0: every call).
  void FailNext(const std::string& method, grpc::Status status, int times = 1);
  // Calls naming this container hang until Unblock (or their deadline).
  void Block(const std::string& container_id);
  void Unblock(const std::string& container_id);
  // What Version reports as runtime_version ("1.0.0" until set).
  void SetRuntimeVersion(const std::string& version);
  // What RuntimeConfig answers: UNIMPLEMENTED until set.
  void SetCgroupDriver(::runtime::v1::CgroupDriver driver);

  int Count(const std::string& method);
  // Calls that named this container, across methods.
  int CountFor(const std::string& container_id);
  ::runtime::v1::ListContainersRequest last_list_containers();
  ::runtime::v1::ListPodSandboxRequest last_list_sandboxes();
  ::runtime::v1::UpdateContainerResourcesRequest last_update();
  ::runtime::v1::StopContainerRequest last_stop();

  class Service;

 private:
  friend class Service;
  // Counts the call; returns the injected failure if any; waits while `container_id` is blocked.
  std::optional<grpc::Status> Enter(const std::string& method, const std::string& container_id,
                                    grpc::ServerContext* context);

  std::string socket_path_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;

  absl::Mutex mu_;
  std::map<std::string, ::runtime::v1::PodSandbox> sandboxes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, FakeContainer> containers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> counts_for_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<grpc::Status, int>> failures_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> blocked_ ABSL_GUARDED_BY(mu_);
  std::optional<::runtime::v1::CgroupDriver> cgroup_driver_ ABSL_GUARDED_BY(mu_);
  std::string runtime_version_ ABSL_GUARDED_BY(mu_) = "1.0.0";
  ::runtime::v1::ListContainersRequest last_list_containers_ ABSL_GUARDED_BY(mu_);
  ::runtime::v1::ListPodSandboxRequest last_list_sandboxes_ ABSL_GUARDED_BY(mu_);
  ::runtime::v1::UpdateContainerResourcesRequest last_update_ ABSL_GUARDED_BY(mu_);
  ::runtime::v1::StopContainerRequest last_stop_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::cri::testing

#endif  // RESIZELET_TESTS_CRI_FAKE_RUNTIME_H_
