// The local API server's storage: objects per resource as JSON, one global resourceVersion counter
// (like etcd's revision), and a bounded event history that watches replay from. A watch from a
// resourceVersion older than the history is answered 410 Expired, as the real watch cache does.
#ifndef RESIZELET_TESTS_APISERVER_OBJECT_STORE_H_
#define RESIZELET_TESTS_APISERVER_OBJECT_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace resizelet::apiserver {

struct StoredEvent {
  int64_t resource_version = 0;
  std::string type;      // ADDED, MODIFIED, DELETED
  std::string resource;  // pods, nodes, events
  nlohmann::json object;
};

class ObjectStore {
 public:
  using Mutator = std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json& current)>;

  // Keys are "namespace/name" for namespaced resources, "name" otherwise.
  std::optional<nlohmann::json> Get(const std::string& resource, const std::string& key) const;
  // All objects of `resource` (in key order) and the store's resourceVersion at that moment.
  std::pair<std::vector<nlohmann::json>, int64_t> List(const std::string& resource) const;

  // Sets metadata.resourceVersion, uid, creationTimestamp and generation. AlreadyExists if taken.
  absl::StatusOr<nlohmann::json> Create(const std::string& resource, const std::string& key,
                                        nlohmann::json object);
  // Read-modify-write under the store lock: `mutate` gets the current object and returns the new
  // one (or an error, returned as is). NotFound if absent. An unchanged object is not rewritten.
  absl::StatusOr<nlohmann::json> Update(const std::string& resource, const std::string& key,
                                        const Mutator& mutate);
  // `precondition_uid`, when set, must match (FailedPrecondition otherwise).
  absl::StatusOr<nlohmann::json> Delete(const std::string& resource, const std::string& key,
                                        const std::string& precondition_uid);

  int64_t CurrentResourceVersion() const;

  // Events of `resource` newer than `after`, waiting until `deadline` for at least one (or until
  // Wake). Sets `expired` when `after` is older than the retained history. `current` receives the
  // store's resourceVersion at collection: every event up to it is included.
  std::vector<StoredEvent> EventsAfter(const std::string& resource, int64_t after,
                                       std::chrono::steady_clock::time_point deadline,
                                       bool* expired, int64_t* current) const;
  // Forgets the history, so every watch from an older resourceVersion gets 410.
  void Compact();
  // Wakes every waiting watch (used when faults change).
  void Wake() const;

 private:
  void Record(const std::string& type, const std::string& resource, const nlohmann::json& object)
      /* requires mu_ */;

  static constexpr size_t kMaxHistory = 10000;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  int64_t resource_version_ = 1000;
  int64_t oldest_watchable_ = 1000;  // watches from below this are expired
  std::map<std::string, std::map<std::string, nlohmann::json>> objects_;
  std::deque<StoredEvent> history_;
  uint64_t uid_counter_ = 0;
};

// RFC 3339 UTC timestamp of now plus `offset_seconds`, seconds precision ("2026-11-28T12:00:00Z").
std::string NowRfc3339(int64_t offset_seconds = 0);

}  // namespace resizelet::apiserver

#endif  // RESIZELET_TESTS_APISERVER_OBJECT_STORE_H_
