#include "tests/apiserver/pod_rules.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace resizelet::apiserver {
namespace {

using nlohmann::json;

const json& Get(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::optional<long double> Resource(const json& list, const char* name) {
  const json& v = Get(list, name);
  if (v.is_string()) return ParseQuantityMilli(v.get<std::string>());
  if (v.is_number()) return v.get<long double>() * 1000;
  return std::nullopt;
}

bool HasAnyResource(const json& requirements) {
  for (const char* kind : {"requests", "limits"}) {
    for (const char* name : {"cpu", "memory"}) {
      if (Get(Get(requirements, kind), name).is_string()) return true;
    }
  }
  return false;
}

// Whether cpu and memory limits are set and requests (defaulting to limits) equal them.
bool IsGuaranteedRequirements(const json& requirements) {
  for (const char* name : {"cpu", "memory"}) {
    auto limit = Resource(Get(requirements, "limits"), name);
    if (!limit) return false;
    auto request = Resource(Get(requirements, "requests"), name);
    if (request && *request != *limit) return false;
  }
  return true;
}

}  // namespace

std::optional<long double> ParseQuantityMilli(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t pos = 0;
  while (pos < s.size() && (std::isdigit(static_cast<unsigned char>(s[pos])) || s[pos] == '.' ||
                            (pos == 0 && (s[pos] == '+' || s[pos] == '-')))) {
    ++pos;
  }
  if (pos == 0) return std::nullopt;
  char* end = nullptr;
  const std::string number = s.substr(0, pos);
  long double value = std::strtold(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return std::nullopt;
  const std::string suffix = s.substr(pos);
  static const std::vector<std::pair<std::string, long double>> kSuffixes = {
      {"", 1},
      {"m", 1e-3},
      {"k", 1e3},
      {"M", 1e6},
      {"G", 1e9},
      {"T", 1e12},
      {"P", 1e15},
      {"E", 1e18},
      {"Ki", 1024.0L},
      {"Mi", 1048576.0L},
      {"Gi", 1073741824.0L},
      {"Ti", 1099511627776.0L},
      {"Pi", 1125899906842624.0L},
      {"Ei", 1152921504606846976.0L}};
  for (const auto& [name, factor] : kSuffixes) {
    if (suffix == name) return std::round(value * factor * 1000);
  }
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    char* exp_end = nullptr;
    long exponent = std::strtol(suffix.c_str() + 1, &exp_end, 10);
    if (*exp_end == '\0' && exponent > -30 && exponent < 30) {
      return std::round(value * std::pow(10.0L, exponent) * 1000);
    }
  }
  return std::nullopt;
}

std::string QosClassOf(const json& pod) {
  const json& spec = Get(pod, "spec");
  const json& pod_resources = Get(spec, "resources");
  // KEP-2837: pod-level resources, when set, decide the class on their own.
  if (HasAnyResource(pod_resources)) {
    return IsGuaranteedRequirements(pod_resources) ? "Guaranteed" : "Burstable";
  }
  bool any = false;
  bool guaranteed = true;
  for (const char* list : {"containers", "initContainers"}) {
    const json& containers = Get(spec, list);
    if (!containers.is_array()) continue;
    for (const auto& c : containers) {
      const json& r = Get(c, "resources");
      if (HasAnyResource(r)) any = true;
      if (!IsGuaranteedRequirements(r)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

absl::Status ValidateResize(const json& old_pod, const json& new_pod) {
  const json& old_spec = Get(old_pod, "spec");
  const json& new_spec = Get(new_pod, "spec");
  // Only resources may differ: compare the specs with resources blanked out.
  json old_rest = old_spec;
  json new_rest = new_spec;
  for (json* spec : {&old_rest, &new_rest}) {
    if (!spec->is_object()) continue;
    spec->erase("resources");
    for (const char* list : {"containers", "initContainers"}) {
      if (!spec->contains(list) || !(*spec)[list].is_array()) continue;
      for (auto& c : (*spec)[list]) {
        if (c.is_object()) c.erase("resources");
      }
    }
  }
  if (old_rest != new_rest) {
    return absl::InvalidArgumentError("spec: Forbidden: only cpu and memory resources are mutable");
  }
  for (const char* list : {"containers", "initContainers"}) {
    const json& old_list = Get(old_spec, list);
    const json& new_list = Get(new_spec, list);
    if (!old_list.is_array() || !new_list.is_array()) continue;
    for (size_t i = 0; i < old_list.size() && i < new_list.size(); ++i) {
      const json& old_r = Get(old_list[i], "resources");
      const json& new_r = Get(new_list[i], "resources");
      const std::string field = absl::StrCat("spec.", list, "[", i, "].resources");
      for (const char* kind : {"requests", "limits"}) {
        json old_other = Get(old_r, kind).is_object() ? Get(old_r, kind) : json::object();
        json new_other = Get(new_r, kind).is_object() ? Get(new_r, kind) : json::object();
        old_other.erase("cpu");
        old_other.erase("memory");
        new_other.erase("cpu");
        new_other.erase("memory");
        if (old_other != new_other) {
          return absl::InvalidArgumentError(absl::StrCat(
              field, ".", kind, ": Forbidden: only cpu and memory resources are mutable"));
        }
      }
      for (const char* name : {"cpu", "memory"}) {
        if (Get(Get(old_r, "limits"), name).is_string() &&
            !Get(Get(new_r, "limits"), name).is_string()) {
          return absl::InvalidArgumentError(absl::StrCat(field, ".limits[", name,
                                                         "]: Forbidden: resource limits cannot "
                                                         "be removed"));
        }
      }
    }
  }
  const std::string old_qos = QosClassOf(old_pod);
  const std::string new_qos = QosClassOf(new_pod);
  if (old_qos != new_qos) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec: Invalid value: \"", new_qos,
                     "\": Pod QOS Class may not change as a result of resizing"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePodUpdate(const json& old_pod, const json& new_pod, bool resize_subresource) {
  json old_spec = Get(old_pod, "spec");
  json new_spec = Get(new_pod, "spec");
  // Fields a pod update may change (ValidatePodUpdate): images, activeDeadlineSeconds,
  // tolerations (additions), schedulingGates; before 1.32 also container resources.
  for (json* spec : {&old_spec, &new_spec}) {
    if (!spec->is_object()) continue;
    spec->erase("activeDeadlineSeconds");
    spec->erase("tolerations");
    spec->erase("schedulingGates");
    spec->erase("terminationGracePeriodSeconds");
    for (const char* list : {"containers", "initContainers"}) {
      if (!spec->contains(list) || !(*spec)[list].is_array()) continue;
      for (auto& c : (*spec)[list]) {
        if (!c.is_object()) continue;
        c.erase("image");
        if (!resize_subresource) c.erase("resources");
      }
    }
  }
  if (old_spec != new_spec) {
    return absl::InvalidArgumentError(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
        "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
        "set to 1 if it was previously negative)");
  }
  return absl::OkStatus();
}

}  // namespace resizelet::apiserver
