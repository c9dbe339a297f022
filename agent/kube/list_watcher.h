// The list-then-watch loop of client-go's Reflector, for one resource selection: list, then watch
// from the list's resourceVersion with bookmarks and a jittered 5-10 minute timeoutSeconds,
// re-watch from the last seen version after a clean end, relist on 410 Gone and on any watch ERROR
// event, restart a stalled stream, and back off 800 ms doubling to 30 s (jittered, reset after
// 2 minutes healthy) on failures. Frames survive any chunk boundary; a frame cut by a dropped
// connection is discarded and replayed by the next watch.
#ifndef RESIZELET_AGENT_KUBE_LIST_WATCHER_H_
#define RESIZELET_AGENT_KUBE_LIST_WATCHER_H_

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/kube/kube_client.h"
#include "agent/kube/watch_frame.h"
#include "agent/runtime/backoff.h"
#include "agent/runtime/clock.h"

namespace resizelet::kube {

// Receives the decoded state. Called from the watcher's thread only.
class ListWatchSink {
 public:
  virtual ~ListWatchSink() = default;
  // The pages (limit/continue) of one full list: the sink replaces its state with their items
  // and returns the list's resourceVersion.
  virtual absl::StatusOr<std::string> Replace(const std::vector<std::string>& pages) = 0;
  // One ADDED / MODIFIED / DELETED object.
  virtual absl::Status Apply(WatchEventType type, std::string_view object_json) = 0;
};

struct ListWatchOptions {
  // The collection with its selector, e.g. "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1".
  std::string list_path;
  absl::Duration min_watch_timeout = absl::Minutes(5);
  absl::Duration max_watch_timeout = absl::Minutes(10);
  // No byte (not even a bookmark) for this long: the stream is dead.
  absl::Duration idle_timeout = absl::Minutes(3);
  absl::Duration list_timeout = absl::Seconds(60);
  // Items per list page (`limit`); 0 lists in one response.
  int page_size = 500;
  runtime::BackoffPolicy backoff = runtime::ReflectorBackoffPolicy();
};

struct ListWatchStats {
  std::atomic<int> lists{0};
  std::atomic<int> watches{0};
  std::atomic<int> relists_after_gone{0};
  std::atomic<int> watch_failures{0};
  std::atomic<int> events{0};
  std::atomic<int> bookmarks{0};
};

class ListWatcher {
 public:
  // `clock` (not owned) paces the backoff and the waits; the backoff's jitter is seeded from the
  // OS so that nodes restarted together do not re-list in lockstep.
  ListWatcher(KubeClient* client, runtime::Clock* clock, ListWatchSink* sink,
              ListWatchOptions options);

  // Runs until `stop` turns true (checked at least every 100 ms of waiting and by the stream).
  void Run(const std::atomic<bool>& stop);

  bool synced() const { return synced_.load(); }
  std::string resource_version() const;
  const ListWatchStats& stats() const { return stats_; }
  absl::Status last_error() const;

 private:
  enum class WatchEnd { kRewatch, kRelist, kBackoff };
  absl::Status List();
  WatchEnd Watch(const std::atomic<bool>& stop);
  void Sleep(absl::Duration d, const std::atomic<bool>& stop);
  void SetError(absl::Status s);

  KubeClient* const client_;
  runtime::Clock* const clock_;
  ListWatchSink* const sink_;
  const ListWatchOptions options_;
  runtime::Backoff backoff_;
  ListWatchStats stats_;
  std::atomic<bool> synced_{false};
  mutable std::mutex mu_;
  std::string resource_version_;
  absl::Status last_error_;
};

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_LIST_WATCHER_H_
