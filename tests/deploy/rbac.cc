#include "tests/deploy/rbac.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/deploy/manifests.h"

namespace resizelet::deploy {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// requestinfo.go: watch=true/1 (and any value ParseBool accepts as true) turns a list into a
// watch.
bool QueryHasWatch(const std::string& query) {
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv[0] != "watch") continue;
    const std::string value = kv.size() > 1 ? kv[1] : "";
    return value == "1" || value == "t" || value == "T" || value == "true" || value == "TRUE" ||
           value == "True";
  }
  return false;
}

std::string Resource(const std::string& resource, const std::string& subresource) {
  return subresource.empty() ? resource : absl::StrCat(resource, "/", subresource);
}

}  // namespace

std::string RequestAttributes::ToString() const {
  if (!resource_request) return absl::StrCat("nonResourceURL ", path, " ", verb);
  return absl::StrCat(api_group.empty() ? "core" : api_group, "/", Resource(resource, subresource),
                      " ", verb);
}

RequestAttributes AttributesOf(const std::string& method, const std::string& path,
                               const std::string& query) {
  RequestAttributes a;
  a.path = path;
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  const bool core = !parts.empty() && parts[0] == "api";
  const bool grouped = !parts.empty() && parts[0] == "apis";
  // /api/v1/<resource...> or /apis/<group>/<version>/<resource...>; shorter paths (discovery)
  // are non-resource requests.
  const size_t first = core ? 2 : 3;
  if ((!core && !grouped) || parts.size() <= first) {
    // Non-resource requests take the lower-cased method as their verb.
    a.verb = absl::AsciiStrToLower(method);
    return a;
  }
  a.resource_request = true;
  if (grouped) a.api_group = parts[1];
  std::vector<std::string> rest(parts.begin() + static_cast<long>(first), parts.end());
  bool legacy_watch = false;
  if (!rest.empty() && rest[0] == "watch") {  // the deprecated /watch/ path prefix
    legacy_watch = true;
    rest.erase(rest.begin());
  }
  // /namespaces/<ns>/<resource>/..., except the namespace object's own subresources
  // (/namespaces/<ns>/status, /finalize).
  if (rest.size() >= 2 && rest[0] == "namespaces") {
    a.namespace_name = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  if (!rest.empty()) a.resource = rest[0];
  if (rest.size() >= 2) a.name = rest[1];
  if (rest.size() >= 3) a.subresource = rest[2];

  if (method == "GET" || method == "HEAD") {
    if (legacy_watch || QueryHasWatch(query)) {
      a.verb = "watch";
    } else {
      a.verb = a.name.empty() ? "list" : "get";
    }
  } else if (method == "POST") {
    a.verb = "create";
  } else if (method == "PUT") {
    a.verb = "update";
  } else if (method == "PATCH") {
    a.verb = "patch";
  } else if (method == "DELETE") {
    a.verb = a.name.empty() ? "deletecollection" : "delete";
  } else {
    a.verb = absl::AsciiStrToLower(method);
  }
  return a;
}

absl::StatusOr<std::vector<PolicyRule>> RulesOf(const YAML::Node& cluster_role) {
  std::vector<PolicyRule> out;
  const YAML::Node rules = At(cluster_role, {"rules"});
  if (!rules.IsSequence()) return absl::InvalidArgumentError("ClusterRole has no rules list");
  for (const YAML::Node& r : rules) {
    PolicyRule rule;
    rule.api_groups = Strings(r, {"apiGroups"});
    rule.resources = Strings(r, {"resources"});
    rule.verbs = Strings(r, {"verbs"});
    rule.resource_names = Strings(r, {"resourceNames"});
    rule.non_resource_urls = Strings(r, {"nonResourceURLs"});
    // The API server's validation (ValidatePolicyRule): verbs always; resources with apiGroups
    // or nonResourceURLs, never both.
    if (rule.verbs.empty()) return absl::InvalidArgumentError("a rule without verbs");
    if (rule.non_resource_urls.empty() == rule.resources.empty()) {
      return absl::InvalidArgumentError("a rule needs either resources or nonResourceURLs");
    }
    if (!rule.resources.empty() && rule.api_groups.empty()) {
      return absl::InvalidArgumentError("a resource rule without apiGroups");
    }
    out.push_back(std::move(rule));
  }
  return out;
}

bool RuleAllows(const PolicyRule& rule, const RequestAttributes& request) {
  const bool verb = Contains(rule.verbs, "*") || Contains(rule.verbs, request.verb);
  if (!verb) return false;
  if (!request.resource_request) {
    for (const std::string& url : rule.non_resource_urls) {
      if (url == "*" || url == request.path) return true;
      if (absl::EndsWith(url, "*") &&
          absl::StartsWith(request.path, url.substr(0, url.size() - 1))) {
        return true;
      }
    }
    return false;
  }
  if (!Contains(rule.api_groups, "*") && !Contains(rule.api_groups, request.api_group)) {
    return false;
  }
  const std::string combined = Resource(request.resource, request.subresource);
  bool resource = false;
  for (const std::string& r : rule.resources) {
    if (r == "*" || r == combined ||
        (!request.subresource.empty() && r == absl::StrCat("*/", request.subresource))) {
      resource = true;
    }
  }
  if (!resource) return false;
  return rule.resource_names.empty() ||
         (!request.name.empty() && Contains(rule.resource_names, request.name));
}

std::vector<std::string> GrantsOf(const PolicyRule& rule) {
  std::vector<std::string> out;
  for (const std::string& verb : rule.verbs) {
    for (const std::string& url : rule.non_resource_urls) {
      out.push_back(absl::StrCat("nonResourceURL ", url, " ", verb));
    }
    for (const std::string& group : rule.api_groups) {
      for (const std::string& resource : rule.resources) {
        out.push_back(absl::StrCat(group.empty() ? "core" : group, "/", resource, " ", verb));
      }
    }
  }
  return out;
}

}  // namespace resizelet::deploy
