#include "cgroups/cgroup_name.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace resizelet::cgroups {
namespace {

constexpr std::string_view kSliceSuffix = ".slice";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string EscapeSystemd(std::string_view component) {
  std::string out(component);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

// ParseSystemdToCgroupName on one slice unit name: "a-b_c.slice" → {"a", "b-c"}.
absl::StatusOr<CgroupName> ParseSystemdSlice(std::string_view unit) {
  CgroupName name;
  if (unit == "-.slice") return name;
  std::string_view stem = unit.substr(0, unit.size() - kSliceSuffix.size());
  if (stem.empty()) return absl::InvalidArgumentError("empty systemd slice name");
  size_t start = 0;
  while (start <= stem.size()) {
    size_t dash = stem.find('-', start);
    if (dash == std::string_view::npos) dash = stem.size();
    std::string component(stem.substr(start, dash - start));
    if (component.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid systemd slice name \"", std::string(unit), "\""));
    }
    for (char& c : component) {
      if (c == '_') c = '-';
    }
    name.components.push_back(std::move(component));
    start = dash + 1;
  }
  return name;
}

}  // namespace

absl::StatusOr<CgroupName> ParseCgroupRoot(std::string_view cgroup_root) {
  CgroupName name;
  while (!cgroup_root.empty() && cgroup_root.back() == '/') cgroup_root.remove_suffix(1);
  if (cgroup_root.empty()) return name;
  const size_t last_slash = cgroup_root.rfind('/');
  const std::string_view base =
      last_slash == std::string_view::npos ? cgroup_root : cgroup_root.substr(last_slash + 1);
  if (EndsWith(base, kSliceSuffix)) return ParseSystemdSlice(base);
  size_t start = 0;
  while (start <= cgroup_root.size()) {
    size_t slash = cgroup_root.find('/', start);
    if (slash == std::string_view::npos) slash = cgroup_root.size();
    std::string_view component = cgroup_root.substr(start, slash - start);
    if (!component.empty()) {
      if (component.find('_') != std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cgroup root component \"", std::string(component), "\" must not contain '_'"));
      }
      name.components.emplace_back(component);
    }
    start = slash + 1;
  }
  return name;
}

CgroupName KubepodsCgroupName(const CgroupName& root) {
  CgroupName name = root;
  name.components.emplace_back("kubepods");
  return name;
}

CgroupName QosCgroupName(const CgroupName& root, PodQosTier tier) {
  CgroupName name = KubepodsCgroupName(root);
  switch (tier) {
    case PodQosTier::kGuaranteed:
      break;
    case PodQosTier::kBurstable:
      name.components.emplace_back("burstable");
      break;
    case PodQosTier::kBestEffort:
      name.components.emplace_back("besteffort");
      break;
  }
  return name;
}

absl::StatusOr<CgroupName> PodCgroupName(const CgroupName& root, PodQosTier tier,
                                         std::string_view pod_uid) {
  if (pod_uid.empty() || pod_uid.find_first_of("/_") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid pod UID for a cgroup name: \"", std::string(pod_uid), "\""));
  }
  CgroupName name = QosCgroupName(root, tier);
  name.components.push_back(absl::StrCat("pod", std::string(pod_uid)));
  return name;
}

std::string ToCgroupfs(const CgroupName& name) {
  if (name.components.empty()) return "/";
  std::string out;
  for (const std::string& c : name.components) {
    out += '/';
    out += c;
  }
  return out;
}

std::string ToSystemdUnitName(const CgroupName& name) {
  if (name.components.empty()) return "-.slice";
  std::string out;
  for (size_t i = 0; i < name.components.size(); ++i) {
    if (i > 0) out += '-';
    out += EscapeSystemd(name.components[i]);
  }
  out += kSliceSuffix;
  return out;
}

std::string ToSystemdPath(const CgroupName& name) {
  if (name.components.empty()) return "/";
  // Built directly rather than through ExpandSlice: escaped components cannot contain '-', so the
  // expansion always succeeds.
  std::string out;
  std::string prefix;
  for (size_t i = 0; i < name.components.size(); ++i) {
    if (i > 0) prefix += '-';
    prefix += EscapeSystemd(name.components[i]);
    out += '/';
    out += prefix;
    out += kSliceSuffix;
  }
  return out;
}

std::string ToDriverPath(const CgroupName& name, CgroupDriverKind driver) {
  return driver == CgroupDriverKind::kSystemd ? ToSystemdPath(name) : ToCgroupfs(name);
}

absl::StatusOr<std::string> ExpandSlice(std::string_view slice) {
  if (!EndsWith(slice, kSliceSuffix) || slice.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid slice name: \"", std::string(slice), "\""));
  }
  if (slice == "-.slice") return std::string("/");
  const std::string_view stem = slice.substr(0, slice.size() - kSliceSuffix.size());
  if (stem.empty() || stem.front() == '-' || stem.back() == '-' ||
      stem.find("--") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid slice name: \"", std::string(slice), "\""));
  }
  std::string out;
  for (size_t i = 0; i <= stem.size(); ++i) {
    if (i == stem.size() || stem[i] == '-') {
      out += '/';
      out += stem.substr(0, i);
      out += kSliceSuffix;
    }
  }
  return out;
}

std::string ContainerCgroupsPath(ContainerRuntimeKind runtime, CgroupDriverKind driver,
                                 const CgroupName& pod, std::string_view container_id) {
  const bool crio = runtime == ContainerRuntimeKind::kCrio;
  if (driver == CgroupDriverKind::kSystemd) {
    return absl::StrCat(ToSystemdUnitName(pod),
                        crio ? ":crio:" : ":cri-containerd:", std::string(container_id));
  }
  return absl::StrCat(ToCgroupfs(pod), crio ? "/crio-" : "/", std::string(container_id));
}

std::string ContainerCgroupDir(ContainerRuntimeKind runtime, CgroupDriverKind driver,
                               const CgroupName& pod, std::string_view container_id) {
  const bool crio = runtime == ContainerRuntimeKind::kCrio;
  if (driver == CgroupDriverKind::kSystemd) {
    return absl::StrCat(ToSystemdPath(pod), crio ? "/crio-" : "/cri-containerd-",
                        std::string(container_id), ".scope");
  }
  return absl::StrCat(ToCgroupfs(pod), crio ? "/crio-" : "/", std::string(container_id));
}

}  // namespace resizelet::cgroups
