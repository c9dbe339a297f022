// A CRI proxy that records the UpdateContainerResources requests reaching the runtime, with what
// the test observed on the node at the moment of each call: it listens on its own socket and
// forwards every RuntimeService call to the real runtime. The end-to-end tests point resizelet at
// it to check, on the runtime's side of the wire, which values were sent (never a limit below
// usage) and in which order against the pod cgroup (facts.md §5: a pod limit grows before its
// containers and shrinks after them).
#ifndef RESIZELET_TESTS_VM_RECORDING_CRI_PROXY_H_
#define RESIZELET_TESTS_VM_RECORDING_CRI_PROXY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace resizelet::vmtest {

// One UpdateContainerResources call as it reached the proxy.
struct UpdateRecord {
  std::string container_id;
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  int64_t cpu_shares = 0;
  int64_t memory_limit_in_bytes = 0;
  // What the observer returned just before the call was forwarded (e.g. pod cgroup files).
  std::map<std::string, std::string> observed;
};

class RecordingCriProxy {
 public:
  // Called for each UpdateContainerResources before it is forwarded; its result is stored in the
  // record. Runs on a gRPC thread.
  using Observer = std::function<std::map<std::string, std::string>(const std::string& id)>;

  // Listens on `socket_path`, forwards to `upstream_endpoint` ("unix:///...").
  static absl::StatusOr<std::unique_ptr<RecordingCriProxy>> Start(
      const std::string& socket_path, const std::string& upstream_endpoint);
  ~RecordingCriProxy();

  std::string endpoint() const;
  void SetObserver(Observer observer);
  // Calls forwarded so far for `method` ("UpdateContainerResources").
  int Count(const std::string& method) const;
  std::vector<UpdateRecord> Updates() const;

  class Service;

 private:
  RecordingCriProxy() = default;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace resizelet::vmtest

#endif  // RESIZELET_TESTS_VM_RECORDING_CRI_PROXY_H_
