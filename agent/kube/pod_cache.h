// The pod source's cache of compact pod views, keyed by UID; fed only by the list+watch. Every
// write says whether the pod's resource-relevant fields changed, so the reconciler is woken only
// for changes that can matter to a resize (not for our own condition patches).
#ifndef RESIZELET_AGENT_KUBE_POD_CACHE_H_
#define RESIZELET_AGENT_KUBE_POD_CACHE_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/api/objects.h"

namespace resizelet::kube {

struct PodChange {
  enum class Kind { kAdded, kUpdated, kDeleted };
  Kind kind = Kind::kAdded;
  std::string uid;
  std::string key;  // namespace/name
  // Added and deleted pods always count as changed.
  bool resources_changed = false;
  // An update changed the resize conditions (PodResizePending / PodResizeInProgress: type,
  // status, reason, message). Companion and observe modes follow the kubelet's resize by them.
  bool resize_conditions_changed = false;
};

// Whether anything a resize decision reads differs: specs' resources and resize policies, pod-level
// resources, overhead, priority, QoS, phase, deletion, node, container statuses (ids, states,
// restarts, allocated and actuated resources). Conditions and status.resize are ignored: resizelet
// writes them itself.
bool ResourceRelevantChange(const api::Pod& before, const api::Pod& after);

class PodCache {
 public:
  PodChange Upsert(api::Pod pod);
  std::optional<PodChange> Delete(const std::string& uid);
  // A relist: the cache becomes exactly `pods`; returns the changes (vanished pods as deletions).
  std::vector<PodChange> Replace(std::vector<api::Pod> pods);

  std::optional<api::Pod> Get(const std::string& uid) const;
  std::optional<api::Pod> GetByKey(const std::string& namespace_name,
                                   const std::string& name) const;
  std::vector<api::Pod> Snapshot() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, api::Pod> pods_;  // by UID
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_POD_CACHE_H_
