// A self-signed serving certificate for the local API server, made with OpenSSL's library: an
// EC P-256 key and a certificate valid for IP:127.0.0.1 and DNS:localhost (Go's TLS stack checks
// the SAN; kubectl refuses a CN-only certificate). It is its own CA, so clients pin it as the
// certificate authority.
#ifndef RESIZELET_TESTS_APISERVER_TLS_CERT_H_
#define RESIZELET_TESTS_APISERVER_TLS_CERT_H_

#include <string>

#include "absl/status/statusor.h"

namespace resizelet::apiserver {

struct PemPair {
  std::string cert_pem;
  std::string key_pem;
};

absl::StatusOr<PemPair> MakeSelfSignedCert(const std::string& common_name);

}  // namespace resizelet::apiserver

#endif  // RESIZELET_TESTS_APISERVER_TLS_CERT_H_
