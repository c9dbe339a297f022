#include "tests/apiserver/json_patch.h"

#include <map>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace resizelet::apiserver {
namespace {

using nlohmann::json;

// patchMergeKey tags of the core/v1 fields the pod, node and event paths use. Keys are paths with
// list indexes dropped.
const std::map<std::string, std::string>& MergeKeys() {
  static const auto* keys = new std::map<std::string, std::string>{
      {"spec.containers", "name"},
      {"spec.initContainers", "name"},
      {"spec.ephemeralContainers", "name"},
      {"spec.containers.ports", "containerPort"},
      {"spec.initContainers.ports", "containerPort"},
      {"spec.containers.env", "name"},
      {"spec.initContainers.env", "name"},
      {"spec.containers.volumeMounts", "mountPath"},
      {"spec.initContainers.volumeMounts", "mountPath"},
      {"spec.containers.volumeDevices", "devicePath"},
      {"spec.volumes", "name"},
      {"spec.imagePullSecrets", "name"},
      {"spec.hostAliases", "ip"},
      {"spec.resourceClaims", "name"},
      {"status.conditions", "type"},
      {"status.podIPs", "ip"},
      {"status.addresses", "type"},
      {"metadata.ownerReferences", "uid"},
  };
  return *keys;
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

absl::StatusOr<json> MergeList(const json& target, const json& patch, const std::string& path,
                               const std::string& merge_key);

absl::StatusOr<json> MergeObject(const json& target, const json& patch, const std::string& path) {
  if (!patch.is_object()) return patch;
  if (auto it = patch.find("$patch"); it != patch.end()) {
    if (!it->is_string()) return absl::InvalidArgumentError("$patch must be a string");
    const std::string directive = it->get<std::string>();
    if (directive == "replace") {
      json replaced = patch;
      replaced.erase("$patch");
      return replaced;
    }
    if (directive == "delete") return json(nullptr);
    if (directive != "merge") {
      return absl::InvalidArgumentError(
          absl::StrCat("Unknown patch type: ", directive, " in map: ", path));
    }
  }
  json result = target.is_object() ? target : json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    if (key == "$patch" || key == "$retainKeys" || absl::StartsWith(key, "$setElementOrder/")) {
      continue;
    }
    if (absl::StartsWith(key, "$deleteFromPrimitiveList/")) {
      const std::string field = key.substr(sizeof("$deleteFromPrimitiveList/") - 1);
      if (result.contains(field) && result[field].is_array() && it->is_array()) {
        json kept = json::array();
        for (const auto& v : result[field]) {
          bool drop = false;
          for (const auto& d : *it) drop = drop || d == v;
          if (!drop) kept.push_back(v);
        }
        result[field] = kept;
      }
      continue;
    }
    if (it->is_null()) {
      result.erase(key);
      continue;
    }
    const std::string child = Child(path, key);
    const json& existing = result.contains(key) ? result[key] : json(nullptr);
    if (it->is_object()) {
      auto merged = MergeObject(existing, *it, child);
      if (!merged.ok()) return merged.status();
      if (merged->is_null()) {
        result.erase(key);
      } else {
        result[key] = *std::move(merged);
      }
    } else if (it->is_array()) {
      const std::string merge_key = MergeKeyFor(child);
      if (merge_key.empty()) {
        result[key] = *it;
      } else {
        auto merged = MergeList(existing, *it, child, merge_key);
        if (!merged.ok()) return merged.status();
        result[key] = *std::move(merged);
      }
    } else {
      result[key] = *it;
    }
  }
  return result;
}

absl::StatusOr<json> MergeList(const json& target, const json& patch, const std::string& path,
                               const std::string& merge_key) {
  json result = target.is_array() ? target : json::array();
  // A list-level `{"$patch": "replace"}` item replaces the whole list with the other items.
  for (const auto& item : patch) {
    if (item.is_object() && item.contains("$patch") && item.size() == 1 &&
        item["$patch"] == "replace") {
      json replaced = json::array();
      for (const auto& other : patch) {
        if (!(other.is_object() && other.contains("$patch") && other.size() == 1)) {
          replaced.push_back(other);
        }
      }
      return replaced;
    }
  }
  for (const auto& item : patch) {
    if (!item.is_object() || !item.contains(merge_key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("map: ", item.dump(), " does not contain declared merge key: ", merge_key));
    }
    const json& key_value = item[merge_key];
    auto found = result.end();
    for (auto it = result.begin(); it != result.end(); ++it) {
      if (it->is_object() && it->contains(merge_key) && (*it)[merge_key] == key_value) {
        found = it;
        break;
      }
    }
    if (item.contains("$patch")) {
      const json& directive = item["$patch"];
      if (directive == "delete") {
        if (found != result.end()) result.erase(found);
        continue;
      }
      if (directive == "replace") {
        json replaced = item;
        replaced.erase("$patch");
        if (found != result.end()) {
          *found = replaced;
        } else {
          result.push_back(replaced);
        }
        continue;
      }
      if (directive != "merge") {
        return absl::InvalidArgumentError(
            absl::StrCat("Unknown patch type: ", directive.dump(), " in list: ", path));
      }
    }
    auto merged = MergeObject(found != result.end() ? *found : json::object(), item, path);
    if (!merged.ok()) return merged.status();
    if (found != result.end()) {
      *found = *std::move(merged);
    } else {
      result.push_back(*std::move(merged));
    }
  }
  return result;
}

}  // namespace

std::string MergeKeyFor(const std::string& path) {
  const auto& keys = MergeKeys();
  auto it = keys.find(path);
  return it == keys.end() ? "" : it->second;
}

json MergePatch(const json& target, const json& patch) {
  if (!patch.is_object()) return patch;
  json result = target.is_object() ? target : json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      result.erase(it.key());
    } else {
      result[it.key()] =
          MergePatch(result.contains(it.key()) ? result[it.key()] : json(nullptr), *it);
    }
  }
  return result;
}

absl::StatusOr<json> StrategicMergePatch(const json& target, const json& patch,
                                         const std::string& path) {
  if (!patch.is_object())
    return absl::InvalidArgumentError("a strategic merge patch is a JSON object");
  auto merged = MergeObject(target, patch, path);
  if (!merged.ok()) return merged.status();
  if (merged->is_null()) return json::object();
  return merged;
}

}  // namespace resizelet::apiserver
