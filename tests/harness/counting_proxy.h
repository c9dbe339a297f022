// A CRI proxy that counts the calls reaching the runtime, per method, and records each
// UpdateContainerResources request: it listens on its own socket and forwards each RuntimeService
// call to the real runtime. Tests point the client at it to check, on the runtime's side of the
// wire, what the client actually sent (that a repeated identical update made no call, that no
// limit below usage was sent) and, with an observer, in which order against the pod cgroup
// (facts.md §5: a pod limit grows before its containers and shrinks after them).
#ifndef RESIZELET_TESTS_HARNESS_COUNTING_PROXY_H_
#define RESIZELET_TESTS_HARNESS_COUNTING_PROXY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace resizelet::harness {

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

class CountingCriProxy {
 public:
  // Called for each UpdateContainerResources before it is forwarded; its result is stored in the
  // record. Runs on a gRPC thread.
  using Observer = std::function<std::map<std::string, std::string>(const std::string& id)>;

  // Listens on `socket_path`, forwards to `upstream_endpoint` ("unix:///...").
  static absl::StatusOr<std::unique_ptr<CountingCriProxy>> Start(
      const std::string& socket_path, const std::string& upstream_endpoint);
  ~CountingCriProxy();

  std::string endpoint() const;
  // Calls forwarded so far for `method` ("UpdateContainerResources").
  int Count(const std::string& method) const;
  std::map<std::string, int> Counts() const;
  void SetObserver(Observer observer);
  // Every UpdateContainerResources forwarded so far, in arrival order.
  std::vector<UpdateRecord> Updates() const;

  class Service;

 private:
  CountingCriProxy() = default;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_COUNTING_PROXY_H_
