// A CRI proxy that counts the calls reaching the runtime, per method: it listens on its own socket
// and forwards each RuntimeService call to the real runtime. Tests point the client at it to
// count, on the runtime's side of the wire, what the client actually sent (for example, that a
// repeated identical update made no UpdateContainerResources call).
#ifndef RESIZELET_TESTS_HARNESS_COUNTING_PROXY_H_
#define RESIZELET_TESTS_HARNESS_COUNTING_PROXY_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace resizelet::harness {

class CountingCriProxy {
 public:
  // Listens on `socket_path`, forwards to `upstream_endpoint` ("unix:///...").
  static absl::StatusOr<std::unique_ptr<CountingCriProxy>> Start(
      const std::string& socket_path, const std::string& upstream_endpoint);
  ~CountingCriProxy();

  std::string endpoint() const;
  // Calls forwarded so far for `method` ("UpdateContainerResources").
  int Count(const std::string& method) const;
  std::map<std::string, int> Counts() const;

  class Service;

 private:
  CountingCriProxy() = default;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_COUNTING_PROXY_H_
