#include "tests/apiserver/object_store.h"

#include <ctime>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace resizelet::apiserver {

using nlohmann::json;

std::string NowRfc3339(int64_t offset_seconds) {
  std::time_t now = std::time(nullptr) + static_cast<std::time_t>(offset_seconds);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<json> ObjectStore::Get(const std::string& resource, const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto r = objects_.find(resource);
  if (r == objects_.end()) return std::nullopt;
  auto it = r->second.find(key);
  if (it == r->second.end()) return std::nullopt;
  return it->second;
}

std::pair<std::vector<json>, int64_t> ObjectStore::List(const std::string& resource) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<json> items;
  auto r = objects_.find(resource);
  if (r != objects_.end()) {
    for (const auto& [key, object] : r->second) items.push_back(object);
  }
  return {std::move(items), resource_version_};
}

absl::StatusOr<json> ObjectStore::Create(const std::string& resource, const std::string& key,
                                         json object) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[resource];
  if (objects.count(key) != 0) {
    return absl::AlreadyExistsError(absl::StrCat(resource, " \"", key, "\" already exists"));
  }
  json& meta = object["metadata"];
  // UIDs are random like the apiserver's, so a recreated object never reuses one.
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng() ^ ++uid_counter_;
  meta["uid"] = absl::StrFormat("%08x-%04x-4%03x-a%03x-%012x", a >> 32, (a >> 16) & 0xffff,
                                a & 0xfff, (b >> 52) & 0xfff, b & 0xffffffffffffULL);
  meta["creationTimestamp"] = NowRfc3339();
  meta["generation"] = 1;
  meta["resourceVersion"] = std::to_string(++resource_version_);
  objects[key] = object;
  Record("ADDED", resource, object);
  return object;
}

absl::StatusOr<json> ObjectStore::Update(const std::string& resource, const std::string& key,
                                         const Mutator& mutate) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[resource];
  auto it = objects.find(key);
  if (it == objects.end()) {
    return absl::NotFoundError(absl::StrCat(resource, " \"", key, "\" not found"));
  }
  absl::StatusOr<json> updated = mutate(it->second);
  if (!updated.ok()) return updated.status();
  if (*updated == it->second) return it->second;
  (*updated)["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
  it->second = *updated;
  Record("MODIFIED", resource, it->second);
  return it->second;
}

absl::StatusOr<json> ObjectStore::Delete(const std::string& resource, const std::string& key,
                                         const std::string& precondition_uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[resource];
  auto it = objects.find(key);
  if (it == objects.end()) {
    return absl::NotFoundError(absl::StrCat(resource, " \"", key, "\" not found"));
  }
  if (!precondition_uid.empty() && it->second["metadata"].value("uid", "") != precondition_uid) {
    return absl::FailedPreconditionError(
        absl::StrCat("Precondition failed: UID in precondition: ", precondition_uid,
                     ", UID in object meta: ", it->second["metadata"].value("uid", "")));
  }
  json object = it->second;
  objects.erase(it);
  object["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
  Record("DELETED", resource, object);
  return object;
}

int64_t ObjectStore::CurrentResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

void ObjectStore::Record(const std::string& type, const std::string& resource, const json& object) {
  history_.push_back(StoredEvent{resource_version_, type, resource, object});
  while (history_.size() > kMaxHistory) {
    oldest_watchable_ = history_.front().resource_version;
    history_.pop_front();
  }
  changed_.notify_all();
}

std::vector<StoredEvent> ObjectStore::EventsAfter(const std::string& resource, int64_t after,
                                                  std::chrono::steady_clock::time_point deadline,
                                                  bool* expired, int64_t* current) const {
  std::unique_lock<std::mutex> lock(mu_);
  *expired = false;
  std::vector<StoredEvent> out;
  auto collect = [&] {
    out.clear();
    *current = resource_version_;
    if (after < oldest_watchable_) {
      *expired = true;
      return true;
    }
    for (auto it = history_.rbegin(); it != history_.rend() && it->resource_version > after; ++it) {
      if (it->resource == resource) out.insert(out.begin(), *it);
    }
    return !out.empty();
  };
  if (collect()) return out;
  changed_.wait_until(lock, deadline);
  collect();
  return out;
}

void ObjectStore::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  history_.clear();
  oldest_watchable_ = resource_version_;
  changed_.notify_all();
}

void ObjectStore::Wake() const {
  std::lock_guard<std::mutex> lock(mu_);
  changed_.notify_all();
}

}  // namespace resizelet::apiserver
