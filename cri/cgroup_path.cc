#include "cri/cgroup_path.h"

#include <simdjson.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "cgroups/cgroup_name.h"

namespace resizelet::cri {
namespace {

constexpr std::string_view kSliceSuffix = ".slice";

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Extracts runtimeSpec.linux.cgroupsPath from one JSON document.
absl::StatusOr<std::string> CgroupsPathFromJson(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("verbose info is not JSON");
  }
  std::string_view path;
  if (doc.at_pointer("/runtimeSpec/linux/cgroupsPath").get(path) != simdjson::SUCCESS) {
    return absl::NotFoundError("verbose info has no runtimeSpec.linux.cgroupsPath");
  }
  return std::string(path);
}

}  // namespace

absl::StatusOr<std::string> CgroupDirFromCgroupsPath(std::string_view cgroups_path) {
  if (cgroups_path.empty()) {
    return absl::InvalidArgumentError("empty cgroupsPath");
  }
  if (cgroups_path.front() == '/') {
    return std::string(cgroups_path);
  }
  // systemd form: exactly three colon-separated parts.
  const size_t first = cgroups_path.find(':');
  const size_t second = first == std::string_view::npos ? first : cgroups_path.find(':', first + 1);
  if (second == std::string_view::npos ||
      cgroups_path.find(':', second + 1) != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cgroupsPath is neither absolute nor slice:prefix:name: \"", Absl(cgroups_path), "\""));
  }
  std::string_view slice = cgroups_path.substr(0, first);
  const std::string_view prefix = cgroups_path.substr(first + 1, second - first - 1);
  const std::string_view name = cgroups_path.substr(second + 1);
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cgroupsPath has no unit name: \"", Absl(cgroups_path), "\""));
  }
  if (slice.empty()) {
    slice = "system.slice";
  }
  absl::StatusOr<std::string> parent = cgroups::ExpandSlice(slice);
  if (!parent.ok()) {
    return parent.status();
  }
  std::string unit;
  if (name.size() > kSliceSuffix.size() &&
      name.substr(name.size() - kSliceSuffix.size()) == kSliceSuffix) {
    unit = std::string(name);
  } else {
    // runc's getUnitName: "<prefix>-<name>.scope", even with an empty prefix.
    unit = absl::StrCat(Absl(prefix), "-", Absl(name), ".scope");
  }
  if (*parent == "/") {
    return absl::StrCat("/", unit);
  }
  return absl::StrCat(*parent, "/", unit);
}

absl::StatusOr<std::string> CgroupsPathFromVerboseInfo(
    const std::map<std::string, std::string>& info) {
  // "info" first (containerd, CRI-O), then any other value that parses.
  auto it = info.find("info");
  if (it != info.end()) {
    absl::StatusOr<std::string> path = CgroupsPathFromJson(it->second);
    if (path.ok()) {
      return path;
    }
  }
  for (const auto& [key, value] : info) {
    if (key == "info") {
      continue;
    }
    absl::StatusOr<std::string> path = CgroupsPathFromJson(value);
    if (path.ok()) {
      return path;
    }
  }
  return absl::NotFoundError("no runtimeSpec.linux.cgroupsPath in the verbose container info");
}

}  // namespace resizelet::cri
