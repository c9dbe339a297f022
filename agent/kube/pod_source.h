// The pods of this node (`fieldSelector=spec.nodeName=<node>`) and the node object itself
// (`fieldSelector=metadata.name=<node>`), each kept current by its own ListWatcher thread. Pods
// land in a PodCache as compact views; every change is reported with whether its
// resource-relevant fields changed.
#ifndef RESIZELET_AGENT_KUBE_POD_SOURCE_H_
#define RESIZELET_AGENT_KUBE_POD_SOURCE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/api/objects.h"
#include "agent/kube/list_watcher.h"
#include "agent/kube/pod_cache.h"

namespace resizelet::kube {

std::string PodListPath(const std::string& node_name);
std::string NodeListPath(const std::string& node_name);

class PodSource : public ListWatchSink {
 public:
  using Callback = std::function<void(const PodChange&)>;
  // `options.list_path` is filled in from `node_name`.
  PodSource(KubeClient* client, runtime::Clock* clock, std::string node_name, PodCache* cache,
            Callback on_change, ListWatchOptions options = {});
  ~PodSource() override;

  void Start();
  void Stop();
  bool synced() const { return watcher_.synced(); }
  const ListWatcher& watcher() const { return watcher_; }

  absl::StatusOr<std::string> Replace(const std::vector<std::string>& pages) override;
  absl::Status Apply(WatchEventType type, std::string_view object_json) override;

 private:
  PodCache* const cache_;
  Callback on_change_;
  ListWatcher watcher_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class NodeSource : public ListWatchSink {
 public:
  using Callback = std::function<void(const std::optional<api::Node>&)>;
  NodeSource(KubeClient* client, runtime::Clock* clock, std::string node_name, Callback on_change,
             ListWatchOptions options = {});
  ~NodeSource() override;

  void Start();
  void Stop();
  bool synced() const { return watcher_.synced(); }
  std::optional<api::Node> node() const;
  const ListWatcher& watcher() const { return watcher_; }

  absl::StatusOr<std::string> Replace(const std::vector<std::string>& pages) override;
  absl::Status Apply(WatchEventType type, std::string_view object_json) override;

 private:
  void Set(std::optional<api::Node> node);

  const std::string node_name_;
  Callback on_change_;
  ListWatcher watcher_;
  mutable std::mutex mu_;
  std::optional<api::Node> node_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_POD_SOURCE_H_
