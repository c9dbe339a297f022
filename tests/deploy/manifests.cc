#include "tests/deploy/manifests.h"

#include <algorithm>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace resizelet::deploy {

absl::StatusOr<std::vector<Manifest>> LoadManifests(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    // kubectl's file extensions for a directory argument.
    if (entry.is_regular_file() && (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml") ||
                                    absl::EndsWith(name, ".json"))) {
      files.push_back(name);
    }
  }
  if (ec) return absl::NotFoundError(absl::StrCat("listing ", dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  std::vector<Manifest> out;
  for (const std::string& name : files) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAllFromFile(dir + "/" + name);
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", e.what()));
    }
    for (YAML::Node& doc : docs) {
      if (doc.IsNull()) continue;
      if (!doc.IsMap()) return absl::InvalidArgumentError(absl::StrCat(name, ": not an object"));
      out.push_back(Manifest{name, doc});
    }
  }
  return out;
}

std::vector<YAML::Node> OfKind(const std::vector<Manifest>& manifests, const std::string& kind) {
  std::vector<YAML::Node> out;
  for (const Manifest& m : manifests) {
    if (Str(m.object, {"kind"}) == kind) out.push_back(m.object);
  }
  return out;
}

YAML::Node At(const YAML::Node& node, std::initializer_list<const char*> path) {
  // reset() rebinds; operator= would write into the node `current` refers to.
  YAML::Node current;
  current.reset(node);
  for (const char* key : path) {
    if (!current.IsMap()) return YAML::Node();
    const YAML::Node& view = current;
    const YAML::Node next = view[key];
    if (!next.IsDefined()) return YAML::Node();
    current.reset(next);
  }
  return current;
}

std::string Str(const YAML::Node& node, std::initializer_list<const char*> path) {
  const YAML::Node value = At(node, path);
  return value.IsDefined() && value.IsScalar() ? value.Scalar() : "";
}

std::vector<std::string> Strings(const YAML::Node& node, std::initializer_list<const char*> path) {
  std::vector<std::string> out;
  const YAML::Node list = At(node, path);
  if (!list.IsDefined() || !list.IsSequence()) return out;
  for (const YAML::Node& item : list) {
    if (item.IsScalar()) out.push_back(item.Scalar());
  }
  return out;
}

YAML::Node Named(const YAML::Node& list, const std::string& value, const char* key) {
  if (list.IsDefined() && list.IsSequence()) {
    for (const YAML::Node& item : list) {
      if (Str(item, {key}) == value) return item;
    }
  }
  return YAML::Node();
}

}  // namespace resizelet::deploy
