#include "agent/kube/kubeconfig.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::kube {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

const std::string kConfig = R"(apiVersion: v1
kind: Config
current-context: b
clusters:
- name: ca
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )" +
                            absl::Base64Escape("CA PEM") + R"(
    tls-server-name: kubernetes.default
- name: cb
  cluster:
    server: https://10.0.0.2:6443
    certificate-authority: certs/ca.crt
    insecure-skip-tls-verify: true
users:
- name: ua
  user:
    token: abc
- name: ub
  user:
    tokenFile: token
    client-certificate: certs/client.crt
    client-key: /abs/client.key
- name: uexec
  user:
    exec:
      command: aws
      apiVersion: client.authentication.k8s.io/v1
contexts:
- name: a
  context: {cluster: ca, user: ua}
- name: b
  context: {cluster: cb, user: ub}
- name: e
  context: {cluster: ca, user: uexec}
)";

TEST(KubeconfigTest, CurrentContext) {
  auto c = ParseKubeconfig(kConfig, "/etc/kube");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->server, "https://10.0.0.2:6443");
  EXPECT_EQ(c->ca_file, "/etc/kube/certs/ca.crt");
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  EXPECT_EQ(c->token_file, "/etc/kube/token");
  EXPECT_EQ(c->client_cert_file, "/etc/kube/certs/client.crt");
  EXPECT_EQ(c->client_key_file, "/abs/client.key");
}

TEST(KubeconfigTest, NamedContextWithInlineData) {
  auto c = ParseKubeconfig(kConfig, "/etc/kube", "a");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "CA PEM");
  EXPECT_EQ(c->token, "abc");
  EXPECT_EQ(c->tls_server_name, "kubernetes.default");
  EXPECT_FALSE(c->insecure_skip_tls_verify);
}

TEST(KubeconfigTest, ExecPluginsAreRefusedClearly) {
  EXPECT_THAT(ParseKubeconfig(kConfig, "/", "e"),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("exec credential plugin")));
}

TEST(KubeconfigTest, Errors) {
  EXPECT_THAT(ParseKubeconfig(kConfig, "/", "missing"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseKubeconfig("{", "/"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseKubeconfig("- a\n- b\n", "/"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseKubeconfig("current-context: x\n", "/"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(KubeconfigTest, InClusterReadsServiceAccountFiles) {
  char tmpl[] = "/tmp/resizelet-sa-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::ofstream(dir + "/ca.crt") << "CA";
  std::ofstream(dir + "/token") << "tok\n";
  std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "fd00::1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto c = InClusterConfig(getenv, dir);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->server, "https://[fd00::1]:443");
  EXPECT_EQ(c->ca_pem, "CA");
  EXPECT_EQ(c->token_file, dir + "/token");
  env.clear();
  EXPECT_THAT(InClusterConfig(getenv, dir), StatusIs(absl::StatusCode::kFailedPrecondition));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace resizelet::kube
