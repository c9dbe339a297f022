// deploy/'s ClusterRole against what the real daemon does: one real resize on this host (local
// API server, stand-in kubelet 1.32 with its own containerd, the real `resizelet run`, the real
// kubectl, as tests/e2e runs it), then every request resizelet sent, by its user agent, mapped to
// the RBAC attributes the API server would authorize, must be allowed by the role; and every grant
// of the role must have been used, or be listed below with the reason it is kept.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/deploy/deploy_fixture.h"
#include "tests/deploy/rbac.h"
#include "tests/e2e/e2e_pods.h"
#include "tests/e2e/local_node.h"
#include "tests/status_matchers.h"

namespace resizelet::deploy {
namespace {

using ::resizelet::testing::IsOk;
using ::testing::Contains;

constexpr char kResizeletAgent[] = "resizelet/";

// Grants no single resize exercises, each with the code path that needs it.
const std::map<std::string, std::string>& KeptWithoutUse() {
  static const auto* kept = new std::map<std::string, std::string>{
      {"core/events patch",
       "agent/kube/event_recorder.cc EventRecorder::Record: the same event about the same pod "
       "repeated within the recorder's window bumps the existing event's count with a PATCH "
       "(the kubelet's event correlation); one resize emits distinct events"},
  };
  return *kept;
}

class LeastPrivilege : public DeployManifests {
 protected:
  void TearDown() override {
    if (node_ != nullptr) {
      const std::string log = node_->ResizeletLog();
      EXPECT_THAT(node_->Teardown(), IsOk()) << log;
    }
  }
  std::unique_ptr<e2e::LocalNode> node_;
};

TEST_F(LeastPrivilege, EveryRequestOfARealResizeIsAllowedAndEveryGrantIsNeeded) {
  absl::StatusOr<std::vector<PolicyRule>> rules = RulesOf(One("ClusterRole"));
  ASSERT_TRUE(rules.ok()) << rules.status();

  // Actuate mode (kubelet 1.32): the mode that writes the most.
  absl::StatusOr<std::unique_ptr<e2e::LocalNode>> node = e2e::LocalNode::Start({});
  ASSERT_THAT(node, IsOk());  // fails, never skips, without containerd or kubectl
  node_ = *std::move(node);
  ASSERT_EQ(node_->Mode(), "actuate") << node_->MetricsText();

  constexpr e2e::Size kSmall{100, 200, 64, 128};
  constexpr e2e::Size kBigger{150, 300, 80, 160};
  absl::StatusOr<std::string> uid = node_->ApplyRunningPod(e2e::PodJson("rbac", kSmall));
  ASSERT_THAT(uid, IsOk());
  ASSERT_THAT(node_->PatchResize("rbac", e2e::ResizePatch(kBigger)), IsOk());
  ASSERT_TRUE(e2e::Eventually([&] {
    const std::vector<std::string> reasons = e2e::ResizeletEventReasons(*node_, *uid);
    return std::find(reasons.begin(), reasons.end(), "ResizeCompleted") != reasons.end() &&
           node_->StatusPatches("rbac", kResizeletAgent) >= 1;
  })) << node_->RequestLogText()
      << node_->ResizeletLog();
  // Its shutdown's requests count too.
  ASSERT_THAT(node_->StopResizelet(), IsOk());

  std::set<std::string> used;  // grants that allowed at least one request
  int requests = 0;
  for (const apiserver::RequestRecord& r : node_->server().RequestLog()) {
    if (!absl::StartsWith(r.user_agent, kResizeletAgent)) continue;
    ++requests;
    const RequestAttributes a = AttributesOf(r.method, r.path, r.query);
    bool allowed = false;
    for (const PolicyRule& rule : *rules) {
      if (!RuleAllows(rule, a)) continue;
      allowed = true;
      for (const std::string& grant : GrantsOf(rule)) {
        const std::string key =
            a.resource_request
                ? absl::StrCat(
                      a.api_group.empty() ? "core" : a.api_group, "/",
                      a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource, " ",
                      a.verb)
                : absl::StrCat("nonResourceURL ", a.path, " ", a.verb);
        if (grant == key) used.insert(grant);
      }
    }
    EXPECT_TRUE(allowed) << "deploy/02-clusterrole.yaml does not allow " << a.ToString() << ": "
                         << r.method << " " << r.path << "?" << r.query;
  }
  // The run did what the role is for: it read, and it wrote status and events.
  EXPECT_GE(requests, 5) << node_->RequestLogText();
  EXPECT_THAT(used, Contains("core/pods/status patch"));
  EXPECT_THAT(used, Contains("core/events create"));

  for (const PolicyRule& rule : *rules) {
    for (const std::string& grant : GrantsOf(rule)) {
      if (used.count(grant) != 0) {
        EXPECT_EQ(KeptWithoutUse().count(grant), 0u)
            << grant << " was used: remove it from KeptWithoutUse";
        continue;
      }
      EXPECT_EQ(KeptWithoutUse().count(grant), 1u)
          << "the role grants " << grant
          << " but resizelet never used it: remove it, or list it with its reason";
    }
  }
  // The admission policy (deploy/06-admission-policy.yaml) admits these writes: its conditions,
  // restated here because the local API server evaluates no CEL. Pods written are on this node;
  // events name a Pod and come from this node.
  for (const apiserver::RequestRecord& r : node_->server().RequestLog()) {
    if (!absl::StartsWith(r.user_agent, kResizeletAgent) || r.method == "GET") continue;
    const RequestAttributes a = AttributesOf(r.method, r.path, r.query);
    if (a.resource == "pods") {
      const std::optional<nlohmann::json> pod = node_->Pod(a.name);
      ASSERT_TRUE(pod.has_value()) << a.name;
      EXPECT_EQ((*pod)["spec"].value("nodeName", ""), e2e::kNodeName) << r.path;
    } else if (a.resource == "events" && r.method == "POST") {
      const nlohmann::json event = nlohmann::json::parse(r.body, nullptr, false);
      ASSERT_FALSE(event.is_discarded()) << r.body;
      EXPECT_EQ(event["involvedObject"].value("kind", ""), "Pod") << r.body;
      EXPECT_EQ(event["source"].value("host", ""), e2e::kNodeName) << r.body;
      EXPECT_EQ(event.value("reportingInstance", e2e::kNodeName), e2e::kNodeName) << r.body;
    }
  }

  // Every kept grant is still in the role.
  std::set<std::string> granted;
  for (const PolicyRule& rule : *rules) {
    for (const std::string& grant : GrantsOf(rule)) granted.insert(grant);
  }
  for (const auto& [grant, reason] : KeptWithoutUse()) {
    EXPECT_EQ(granted.count(grant), 1u) << grant << " is no longer granted (" << reason << ")";
  }
}

}  // namespace
}  // namespace resizelet::deploy
