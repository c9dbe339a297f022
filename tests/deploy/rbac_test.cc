// The request-to-RBAC mapping the least-privilege test relies on, on the URLs resizelet and the
// kubelet send (requestinfo.go's rules), and the rule match.
#include "tests/deploy/rbac.h"

#include "gtest/gtest.h"

namespace resizelet::deploy {
namespace {

TEST(AttributesOf, MapsMethodsAndPathsAsTheApiServerDoes) {
  struct Case {
    const char* method;
    const char* path;
    const char* query;
    const char* want;
  };
  for (const Case& c : {
           Case{"GET", "/api/v1/pods", "fieldSelector=spec.nodeName%3Dn&limit=500",
                "core/pods list"},
           Case{"GET", "/api/v1/pods", "fieldSelector=x&watch=1&resourceVersion=5",
                "core/pods watch"},
           Case{"GET", "/api/v1/watch/pods", "", "core/pods watch"},
           Case{"GET", "/api/v1/nodes", "fieldSelector=metadata.name%3Dn", "core/nodes list"},
           Case{"GET", "/api/v1/nodes/n", "", "core/nodes get"},
           Case{"GET", "/api/v1/namespaces/default/pods/p", "", "core/pods get"},
           Case{"PATCH", "/api/v1/namespaces/default/pods/p/status", "", "core/pods/status patch"},
           Case{"PATCH", "/api/v1/namespaces/default/pods/p/resize", "", "core/pods/resize patch"},
           Case{"POST", "/api/v1/namespaces/default/events", "", "core/events create"},
           Case{"PATCH", "/api/v1/namespaces/default/events/e.1", "", "core/events patch"},
           Case{"PUT", "/api/v1/namespaces/default/pods/p", "", "core/pods update"},
           Case{"DELETE", "/api/v1/namespaces/default/pods/p", "", "core/pods delete"},
           Case{"DELETE", "/api/v1/namespaces/default/pods", "", "core/pods deletecollection"},
           Case{"GET", "/api/v1/namespaces/kube-system", "", "core/namespaces get"},
           Case{"PUT", "/api/v1/namespaces/x/finalize", "", "core/namespaces/finalize update"},
           Case{"GET", "/apis/apps/v1/namespaces/s/daemonsets", "", "apps/daemonsets list"},
           Case{"GET", "/version", "", "nonResourceURL /version get"},
           Case{"GET", "/api", "", "nonResourceURL /api get"},
           Case{"GET", "/apis/apps/v1", "", "nonResourceURL /apis/apps/v1 get"},
       }) {
    EXPECT_EQ(AttributesOf(c.method, c.path, c.query).ToString(), c.want)
        << c.method << " " << c.path << "?" << c.query;
  }
  const RequestAttributes a = AttributesOf("PATCH", "/api/v1/namespaces/default/pods/p/status", "");
  EXPECT_EQ(a.namespace_name, "default");
  EXPECT_EQ(a.name, "p");
}

TEST(RuleAllows, MatchesGroupResourceSubresourceVerbAndNames) {
  PolicyRule status;
  status.api_groups = {""};
  status.resources = {"pods/status"};
  status.verbs = {"patch"};
  EXPECT_TRUE(RuleAllows(status, AttributesOf("PATCH", "/api/v1/namespaces/d/pods/p/status", "")));
  // A subresource grant is not the resource, nor another subresource, nor another verb.
  EXPECT_FALSE(RuleAllows(status, AttributesOf("PATCH", "/api/v1/namespaces/d/pods/p", "")));
  EXPECT_FALSE(RuleAllows(status, AttributesOf("PATCH", "/api/v1/namespaces/d/pods/p/resize", "")));
  EXPECT_FALSE(RuleAllows(status, AttributesOf("PUT", "/api/v1/namespaces/d/pods/p/status", "")));
  EXPECT_FALSE(
      RuleAllows(status, AttributesOf("PATCH", "/apis/x.io/v1/namespaces/d/pods/p/status", "")));

  PolicyRule named;
  named.api_groups = {""};
  named.resources = {"nodes"};
  named.verbs = {"get"};
  named.resource_names = {"a"};
  EXPECT_TRUE(RuleAllows(named, AttributesOf("GET", "/api/v1/nodes/a", "")));
  EXPECT_FALSE(RuleAllows(named, AttributesOf("GET", "/api/v1/nodes/b", "")));

  PolicyRule version;
  version.non_resource_urls = {"/version"};
  version.verbs = {"get"};
  EXPECT_TRUE(RuleAllows(version, AttributesOf("GET", "/version", "")));
  EXPECT_FALSE(RuleAllows(version, AttributesOf("GET", "/api/v1/pods", "")));
  PolicyRule healthz;
  healthz.non_resource_urls = {"/healthz/*"};
  healthz.verbs = {"get"};
  EXPECT_TRUE(RuleAllows(healthz, AttributesOf("GET", "/healthz/etcd", "")));
  EXPECT_FALSE(RuleAllows(healthz, AttributesOf("GET", "/version", "")));
}

}  // namespace
}  // namespace resizelet::deploy
