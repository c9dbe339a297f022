// The pods bound to this node as last seen from the API server (kube::PodCache behind
// PodCacheLister in production, a map in tests).
#ifndef RESIZELET_AGENT_RECONCILE_POD_LISTER_H_
#define RESIZELET_AGENT_RECONCILE_POD_LISTER_H_

#include <optional>
#include <string>
#include <vector>

#include "agent/api/objects.h"

namespace resizelet::reconcile {

class PodLister {
 public:
  virtual ~PodLister() = default;
  virtual std::optional<api::Pod> Get(const std::string& uid) const = 0;
  virtual std::vector<api::Pod> List() const = 0;
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_POD_LISTER_H_
