// RBAC as the API server applies it, for checking a ClusterRole against recorded requests:
// the request attributes the API server derives from a method and URL
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go RequestInfoFactory.NewRequestInfo) and
// the rule match of the RBAC authorizer (plugin/pkg/auth/authorizer/rbac RuleAllows).
#ifndef RESIZELET_TESTS_DEPLOY_RBAC_H_
#define RESIZELET_TESTS_DEPLOY_RBAC_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace resizelet::deploy {

struct RequestAttributes {
  bool resource_request = false;
  std::string verb;  // get list watch create update patch delete deletecollection
  // Resource requests.
  std::string api_group;
  std::string resource;
  std::string subresource;
  std::string namespace_name;
  std::string name;
  // Non-resource requests.
  std::string path;

  // "group/resource[/subresource] verb" or "nonResourceURL /path verb", for messages and keys.
  std::string ToString() const;
};

// `path` without the query, `query` raw ("watch=1&..."). Paths outside /api and /apis are
// non-resource requests.
RequestAttributes AttributesOf(const std::string& method, const std::string& path,
                               const std::string& query);

struct PolicyRule {
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;  // "pods", "pods/status", "*", "*/status"
  std::vector<std::string> verbs;
  std::vector<std::string> resource_names;
  std::vector<std::string> non_resource_urls;  // "/version", "/healthz/*"
};

// The rules of a ClusterRole object; an error names a malformed rule.
absl::StatusOr<std::vector<PolicyRule>> RulesOf(const YAML::Node& cluster_role);

bool RuleAllows(const PolicyRule& rule, const RequestAttributes& request);

// Every (group, resource, verb) or (nonResourceURL, verb) the rule grants, in the form of
// RequestAttributes::ToString() without a name; wildcards stay as written.
std::vector<std::string> GrantsOf(const PolicyRule& rule);

}  // namespace resizelet::deploy

#endif  // RESIZELET_TESTS_DEPLOY_RBAC_H_
