// Client certificate authentication against the local API server with x509 authentication on
// (a real TLS server that checks client certificates): the kubelet rotates
// kubelet-client-current.pem in place, so the client re-reads client-certificate / client-key
// files like a token file, keeps the last good pair when the files hold a broken one, and never
// reloads inline client-certificate-data.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agent/kube/curl_kube_client.h"
#include "agent/kube/kubeconfig.h"
#include "agent/runtime/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apiserver/api_server.h"
#include "tests/apiserver/tls_cert.h"
#include "tests/status_matchers.h"

namespace resizelet::kube {
namespace {

using apiserver::ApiServer;
using apiserver::ClientCert;
using apiserver::ClientCertSpec;
using apiserver::RequestRecord;
using ::resizelet::testing::IsOk;
using ::testing::ElementsAre;

constexpr char kNodeUser[] = "system:node:node-a";

class ClientCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resizelet-kube-cert-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto ca = apiserver::MakeClientCa("resizelet-test-client-ca");
    ASSERT_THAT(ca, IsOk());
    ca_ = *ca;
    apiserver::ApiServerOptions options;
    options.state_dir = dir_;
    options.client_ca_pem = ca_.cert_pem;
    auto server = ApiServer::Start(options);
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    cert_file_ = dir_ + "/kubelet-client.crt";
    key_file_ = dir_ + "/kubelet-client.key";
  }

  void TearDown() override {
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  ClientCert Issue(ClientCertSpec spec, const apiserver::PemPair* ca = nullptr) {
    auto cert = apiserver::IssueClientCert(ca != nullptr ? *ca : ca_, spec);
    EXPECT_THAT(cert, IsOk());
    return cert.ok() ? *cert : ClientCert{};
  }
  ClientCert IssueNodeCert() { return Issue({kNodeUser, {"system:nodes"}}); }

  // Replaces a file the way the kubelet does: a complete new file renamed over the old one.
  void Replace(const std::string& path, const std::string& data) {
    const std::string tmp = path + ".tmp";
    std::ofstream(tmp, std::ios::trunc | std::ios::binary) << data;
    ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
  }
  void WritePair(const std::string& cert_pem, const std::string& key_pem) {
    Replace(cert_file_, cert_pem);
    Replace(key_file_, key_pem);
  }

  std::unique_ptr<CurlKubeClient> MakeClient(const RestConfig& config, runtime::Clock* clock) {
    ClientOptions options;
    options.clock = clock;
    auto client = CurlKubeClient::Create(config, options);
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  // A config that authenticates with `cert` inline and nothing else (no token).
  RestConfig InlineConfig(const ClientCert& cert) const {
    RestConfig config;
    config.server = server_->url();
    config.ca_pem = server_->ca_pem();
    config.client_cert_pem = cert.cert_pem;
    config.client_key_pem = cert.key_pem;
    return config;
  }

  static int VersionStatus(CurlKubeClient& client) {
    HttpRequest request;
    request.path = "/version";
    auto response = client.Do(request);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->code : -1;
  }

  // (status, serial) of each logged request.
  std::vector<std::pair<int, std::string>> Seen() const {
    std::vector<std::pair<int, std::string>> out;
    for (const RequestRecord& r : server_->RequestLog()) {
      out.emplace_back(r.status, r.client_cert_serial);
    }
    return out;
  }

  std::string dir_;
  apiserver::PemPair ca_;
  std::unique_ptr<ApiServer> server_;
  std::string cert_file_;
  std::string key_file_;
};

TEST_F(ClientCertTest, ServerAuthenticatesByCertificateAndRefusesBadOnes) {
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  const ClientCert good = IssueNodeCert();
  auto client = MakeClient(InlineConfig(good), &clock);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(VersionStatus(*client), 200);
  auto log = server_->RequestLog();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].client_cert_serial, good.serial_hex);
  EXPECT_EQ(log[0].cert_user, kNodeUser);
  EXPECT_THAT(log[0].cert_groups, ElementsAre("system:nodes"));

  auto other_ca = apiserver::MakeClientCa("another-ca");
  ASSERT_THAT(other_ca, IsOk());
  struct Case {
    const char* what;
    ClientCert cert;
  };
  const std::vector<Case> cases = {
      {"expired", Issue({kNodeUser, {}, -7200, -3600})},
      {"not yet valid", Issue({kNodeUser, {}, 3600, 7200})},
      {"signed by another CA", Issue({kNodeUser, {}}, &*other_ca)},
      {"without a CN", Issue({"", {"system:nodes"}})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    server_->ClearRequestLog();
    auto bad = MakeClient(InlineConfig(c.cert), &clock);
    ASSERT_NE(bad, nullptr);
    EXPECT_EQ(VersionStatus(*bad), 401);
    log = server_->RequestLog();
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].client_cert_serial, c.cert.serial_hex);
    EXPECT_EQ(log[0].cert_user, "");
  }

  // Revocation holds on a connection that is already open and authenticated.
  server_->RevokeClientCert(good.serial_hex);
  EXPECT_EQ(VersionStatus(*client), 401);
  // Inline data is never re-read, not even after a 401.
  EXPECT_EQ(client->credential_reads(), 0);
}

TEST_F(ClientCertTest, CertificateFileRotationAndRevocation) {
  const ClientCert first = IssueNodeCert();
  WritePair(first.cert_pem, first.key_pem);
  const std::string kubeconfig = dir_ + "/kubeconfig-cert";
  ASSERT_THAT(server_->WriteClientCertKubeconfig(kubeconfig, cert_file_, key_file_), IsOk());
  auto config = LoadKubeconfig(kubeconfig);
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->client_cert_from_files);
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  auto client = MakeClient(*config, &clock);
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_reads(), 1);
  EXPECT_THAT(Seen(), ElementsAre(std::pair(200, first.serial_hex)));
  EXPECT_EQ(server_->RequestLog()[0].cert_user, kNodeUser);

  // Within the reload interval the files are not read again.
  server_->ClearRequestLog();
  clock.Advance(absl::Seconds(30));
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_reads(), 1);

  // Rotation: new files, the old certificate refused from now on (also on the connection the
  // client still has open). After the reload interval the client reads the files and comes back
  // on a new connection with the new certificate, without a single 401.
  const ClientCert second = IssueNodeCert();
  WritePair(second.cert_pem, second.key_pem);
  server_->RevokeClientCert(first.serial_hex);
  server_->ClearRequestLog();
  clock.Advance(absl::Seconds(31));
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_reads(), 2);
  EXPECT_EQ(client->credential_changes(), 1);
  EXPECT_THAT(Seen(), ElementsAre(std::pair(200, second.serial_hex)));

  // Revocation before the next periodic read: 401, the files read again at once, success.
  const ClientCert third = IssueNodeCert();
  WritePair(third.cert_pem, third.key_pem);
  server_->RevokeClientCert(second.serial_hex);
  server_->ClearRequestLog();
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_reads(), 3);
  EXPECT_THAT(Seen(),
              ElementsAre(std::pair(401, second.serial_hex), std::pair(200, third.serial_hex)));

  // A mismatched pair (a certificate written, its key not yet) is not taken: the last good pair
  // stays and requests keep working.
  const ClientCert fourth = IssueNodeCert();
  const ClientCert unrelated = IssueNodeCert();
  WritePair(fourth.cert_pem, unrelated.key_pem);
  server_->ClearRequestLog();
  clock.Advance(absl::Seconds(61));
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_reads(), 4);
  EXPECT_EQ(client->credential_changes(), 2);
  EXPECT_THAT(Seen(), ElementsAre(std::pair(200, third.serial_hex)));

  // Nor is a key file cut short, or a missing one.
  Replace(key_file_, fourth.key_pem.substr(0, fourth.key_pem.size() / 2));
  server_->ClearRequestLog();
  clock.Advance(absl::Seconds(61));
  ASSERT_EQ(VersionStatus(*client), 200);
  std::filesystem::remove(key_file_);
  clock.Advance(absl::Seconds(61));
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_reads(), 6);
  EXPECT_EQ(client->credential_changes(), 2);
  EXPECT_THAT(Seen(),
              ElementsAre(std::pair(200, third.serial_hex), std::pair(200, third.serial_hex)));

  // Once the key completes the pair, it is taken at the next reload.
  Replace(key_file_, fourth.key_pem);
  server_->ClearRequestLog();
  clock.Advance(absl::Seconds(61));
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_changes(), 3);
  EXPECT_THAT(Seen(), ElementsAre(std::pair(200, fourth.serial_hex)));
}

TEST_F(ClientCertTest, KubeletStyleCombinedFileRotates) {
  // kubelet.conf points client-certificate and client-key at the same
  // kubelet-client-current.pem, which holds the certificate and the key.
  const ClientCert first = IssueNodeCert();
  const std::string combined = dir_ + "/kubelet-client-current.pem";
  Replace(combined, first.cert_pem + first.key_pem);
  const std::string kubeconfig = dir_ + "/kubelet.conf";
  ASSERT_THAT(server_->WriteClientCertKubeconfig(kubeconfig, combined, combined), IsOk());
  auto config = LoadKubeconfig(kubeconfig);
  ASSERT_THAT(config, IsOk());
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  auto client = MakeClient(*config, &clock);
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(VersionStatus(*client), 200);

  const ClientCert second = IssueNodeCert();
  Replace(combined, second.key_pem + second.cert_pem);
  server_->RevokeClientCert(first.serial_hex);
  server_->ClearRequestLog();
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_THAT(Seen(),
              ElementsAre(std::pair(401, first.serial_hex), std::pair(200, second.serial_hex)));
}

TEST_F(ClientCertTest, InlineCertificateDataIsNeverReloaded) {
  // client-certificate-data wins over client-certificate (client-go): the files named next to
  // it are neither used nor watched.
  const ClientCert inline_cert = IssueNodeCert();
  const ClientCert file_cert = IssueNodeCert();
  WritePair(file_cert.cert_pem, file_cert.key_pem);
  const std::string yaml = absl::StrCat(
      "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: ",
      server_->url(), "\n    certificate-authority-data: ", absl::Base64Escape(server_->ca_pem()),
      "\nusers:\n- name: local\n  user:\n    client-certificate-data: ",
      absl::Base64Escape(inline_cert.cert_pem),
      "\n    client-key-data: ", absl::Base64Escape(inline_cert.key_pem),
      "\n    client-certificate: ", cert_file_, "\n    client-key: ", key_file_,
      "\ncontexts:\n- name: local\n  context:\n    cluster: local\n    user: local\n"
      "current-context: local\n");
  auto config = ParseKubeconfig(yaml, dir_);
  ASSERT_THAT(config, IsOk());
  ASSERT_THAT(ResolveFiles(*config), IsOk());
  EXPECT_FALSE(config->client_cert_from_files);
  runtime::SimulatedClock clock(runtime::SleepMode::kAdvanceOnSleep);
  auto client = MakeClient(*config, &clock);
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(VersionStatus(*client), 200);
  clock.Advance(absl::Minutes(5));
  ASSERT_EQ(VersionStatus(*client), 200);
  EXPECT_EQ(client->credential_reads(), 0);
  EXPECT_THAT(Seen(), ElementsAre(std::pair(200, inline_cert.serial_hex),
                                  std::pair(200, inline_cert.serial_hex)));
}

TEST_F(ClientCertTest, BrokenInitialPairFailsAtCreate) {
  const ClientCert a = IssueNodeCert();
  const ClientCert b = IssueNodeCert();
  WritePair(a.cert_pem, b.key_pem);
  const std::string kubeconfig = dir_ + "/kubeconfig-cert";
  ASSERT_THAT(server_->WriteClientCertKubeconfig(kubeconfig, cert_file_, key_file_), IsOk());
  auto config = LoadKubeconfig(kubeconfig);
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(CurlKubeClient::Create(*config).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace resizelet::kube
