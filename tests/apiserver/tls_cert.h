// A self-signed serving certificate for the local API server, made with OpenSSL's library: an
// EC P-256 key and a certificate valid for IP:127.0.0.1 and DNS:localhost (Go's TLS stack checks
// the SAN; kubectl refuses a CN-only certificate). It is its own CA, so clients pin it as the
// certificate authority. Also a client CA and client certificates for x509 authentication.
#ifndef RESIZELET_TESTS_APISERVER_TLS_CERT_H_
#define RESIZELET_TESTS_APISERVER_TLS_CERT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct x509_st;  // OpenSSL's X509, kept out of this header

namespace resizelet::apiserver {

struct PemPair {
  std::string cert_pem;
  std::string key_pem;
};

absl::StatusOr<PemPair> MakeSelfSignedCert(const std::string& common_name);

// A certificate authority for client certificates (CA:TRUE, keyCertSign), EC P-256, valid from an
// hour ago for a week.
absl::StatusOr<PemPair> MakeClientCa(const std::string& common_name);

// What a client certificate says: Kubernetes' x509 authenticator takes the subject's CN as the
// user name and its O entries as the groups.
struct ClientCertSpec {
  std::string common_name;
  std::vector<std::string> organizations;
  // Validity, relative to now.
  long not_before_seconds = -3600;
  long not_after_seconds = 7L * 24 * 3600;
};

struct ClientCert {
  std::string cert_pem;
  std::string key_pem;
  std::string serial_hex;  // as ClientCertSerialHex reports it
};

// A client certificate (extKeyUsage clientAuth) with a fresh key and a random serial, signed by
// `ca` (from MakeClientCa).
absl::StatusOr<ClientCert> IssueClientCert(const PemPair& ca, const ClientCertSpec& spec);

// The certificate's serial number in upper-case hex, without leading zero bytes.
std::string ClientCertSerialHex(const x509_st* cert);

}  // namespace resizelet::apiserver

#endif  // RESIZELET_TESTS_APISERVER_TLS_CERT_H_
