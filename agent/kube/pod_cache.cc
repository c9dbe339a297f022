#include "agent/kube/pod_cache.h"

#include <set>

namespace resizelet::kube {
namespace {

bool SameSpec(const api::ContainerSpec& a, const api::ContainerSpec& b) {
  return a.name == b.name && a.resources == b.resources &&
         a.cpu_resize_policy == b.cpu_resize_policy &&
         a.memory_resize_policy == b.memory_resize_policy && a.sidecar == b.sidecar;
}

bool SameStatus(const api::ContainerStatus& a, const api::ContainerStatus& b) {
  return a.name == b.name && a.container_id == b.container_id && a.state == b.state &&
         a.state_reason == b.state_reason && a.restart_count == b.restart_count &&
         a.allocated_resources == b.allocated_resources && a.resources == b.resources;
}

template <typename T, typename Eq>
bool SameList(const std::vector<T>& a, const std::vector<T>& b, Eq eq) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!eq(a[i], b[i])) return false;
  }
  return true;
}

bool SameResizeConditions(const api::Pod& a, const api::Pod& b) {
  return SameList(a.resize_conditions, b.resize_conditions,
                  [](const api::PodCondition& x, const api::PodCondition& y) {
                    return x.type == y.type && x.status == y.status && x.reason == y.reason &&
                           x.message == y.message;
                  });
}

}  // namespace

bool ResourceRelevantChange(const api::Pod& a, const api::Pod& b) {
  return !(a.uid == b.uid && a.node_name == b.node_name && a.deleting == b.deleting &&
           a.phase == b.phase && a.qos_class == b.qos_class && a.priority == b.priority &&
           a.resources == b.resources && a.overhead == b.overhead &&
           a.status_resources == b.status_resources &&
           a.status_allocated_resources == b.status_allocated_resources &&
           a.config_source == b.config_source && a.mirror == b.mirror &&
           SameList(a.containers, b.containers, SameSpec) &&
           SameList(a.init_containers, b.init_containers, SameSpec) &&
           SameList(a.container_statuses, b.container_statuses, SameStatus) &&
           SameList(a.init_container_statuses, b.init_container_statuses, SameStatus));
}

PodChange PodCache::Upsert(api::Pod pod) {
  std::lock_guard<std::mutex> lock(mu_);
  PodChange change;
  change.uid = pod.uid;
  change.key = pod.Key();
  auto it = pods_.find(pod.uid);
  if (it == pods_.end()) {
    change.kind = PodChange::Kind::kAdded;
    change.resources_changed = true;
    pods_.emplace(pod.uid, std::move(pod));
  } else {
    change.kind = PodChange::Kind::kUpdated;
    change.resources_changed = ResourceRelevantChange(it->second, pod);
    change.resize_conditions_changed = !SameResizeConditions(it->second, pod);
    it->second = std::move(pod);
  }
  return change;
}

std::optional<PodChange> PodCache::Delete(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) return std::nullopt;
  PodChange change{PodChange::Kind::kDeleted, uid, it->second.Key(), true};
  pods_.erase(it);
  return change;
}

std::vector<PodChange> PodCache::Replace(std::vector<api::Pod> pods) {
  std::set<std::string> seen;
  for (const auto& p : pods) seen.insert(p.uid);
  std::vector<std::string> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [uid, pod] : pods_) {
      if (seen.count(uid) == 0) gone.push_back(uid);
    }
  }
  std::vector<PodChange> changes;
  for (const auto& uid : gone) {
    if (auto c = Delete(uid)) changes.push_back(*c);
  }
  for (auto& p : pods) changes.push_back(Upsert(std::move(p)));
  return changes;
}

std::optional<api::Pod> PodCache::Get(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) return std::nullopt;
  return it->second;
}

std::optional<api::Pod> PodCache::GetByKey(const std::string& namespace_name,
                                           const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [uid, pod] : pods_) {
    if (pod.namespace_name == namespace_name && pod.name == name) return pod;
  }
  return std::nullopt;
}

std::vector<api::Pod> PodCache::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<api::Pod> out;
  for (const auto& [uid, pod] : pods_) out.push_back(pod);
  return out;
}

size_t PodCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pods_.size();
}

}  // namespace resizelet::kube
