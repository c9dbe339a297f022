#include "tests/apiserver/tls_cert.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/status/status.h"

namespace resizelet::apiserver {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

bool AddExtension(X509* cert, int nid, const char* value, X509* issuer = nullptr) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Deleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, const_cast<char*>(value)));
  return ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool SetRandomSerial(X509* cert) {
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) return false;
  serial_bytes[0] &= 0x7f;  // a positive serial
  serial_bytes[0] |= 0x01;  // and never a short one, so serials print alike
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr);
  bool ok = serial != nullptr && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));
  BN_free(serial);
  return ok;
}

bool AddName(X509_NAME* name, const char* field, const std::string& value) {
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                    0) == 1;
}

absl::StatusOr<PemPair> Encode(X509* cert, EVP_PKEY* key) {
  std::unique_ptr<BIO, Deleter> cert_bio(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, Deleter> key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError("PEM encoding failed");
  }
  return PemPair{BioString(cert_bio.get()), BioString(key_bio.get())};
}

}  // namespace

absl::StatusOr<PemPair> MakeClientCa(const std::string& common_name) {
  std::unique_ptr<EVP_PKEY, Deleter> key(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, Deleter> cert(X509_new());
  if (!key || !cert) return absl::InternalError("key or certificate allocation failed");
  bool ok = SetRandomSerial(cert.get());
  ok = ok && X509_set_version(cert.get(), 2) == 1;
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr;
  ok = ok && X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) != nullptr;
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok && AddName(name, "CN", common_name);
  ok = ok && X509_set_issuer_name(cert.get(), name) == 1;
  ok = ok && X509_set_pubkey(cert.get(), key.get()) == 1;
  ok = ok && AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  ok = ok && AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  ok = ok && AddExtension(cert.get(), NID_subject_key_identifier, "hash");
  ok = ok && X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return absl::InternalError("building the client CA failed");
  return Encode(cert.get(), key.get());
}

absl::StatusOr<ClientCert> IssueClientCert(const PemPair& ca, const ClientCertSpec& spec) {
  std::unique_ptr<BIO, Deleter> ca_cert_bio(
      BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())));
  std::unique_ptr<BIO, Deleter> ca_key_bio(
      BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  if (!ca_cert_bio || !ca_key_bio) return absl::InternalError("BIO_new_mem_buf failed");
  std::unique_ptr<X509, Deleter> ca_cert(
      PEM_read_bio_X509(ca_cert_bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<EVP_PKEY, Deleter> ca_key(
      PEM_read_bio_PrivateKey(ca_key_bio.get(), nullptr, nullptr, nullptr));
  if (!ca_cert || !ca_key) return absl::InvalidArgumentError("unreadable CA certificate or key");

  std::unique_ptr<EVP_PKEY, Deleter> key(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, Deleter> cert(X509_new());
  if (!key || !cert) return absl::InternalError("key or certificate allocation failed");
  bool ok = SetRandomSerial(cert.get());
  ok = ok && X509_set_version(cert.get(), 2) == 1;
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before_seconds) != nullptr;
  ok = ok && X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after_seconds) != nullptr;
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const std::string& o : spec.organizations) ok = ok && AddName(name, "O", o);
  if (!spec.common_name.empty()) ok = ok && AddName(name, "CN", spec.common_name);
  ok = ok && X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) == 1;
  ok = ok && X509_set_pubkey(cert.get(), key.get()) == 1;
  ok = ok && AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE", ca_cert.get());
  ok = ok && AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature", ca_cert.get());
  ok = ok && AddExtension(cert.get(), NID_ext_key_usage, "clientAuth", ca_cert.get());
  ok = ok && X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0;
  if (!ok) return absl::InternalError("building the client certificate failed");
  auto pem = Encode(cert.get(), key.get());
  if (!pem.ok()) return pem.status();
  return ClientCert{pem->cert_pem, pem->key_pem, ClientCertSerialHex(cert.get())};
}

std::string ClientCertSerialHex(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return "";
  char* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

absl::StatusOr<PemPair> MakeSelfSignedCert(const std::string& common_name) {
  std::unique_ptr<EVP_PKEY, Deleter> key(EVP_EC_gen("P-256"));
  if (!key) return absl::InternalError("EVP_EC_gen failed");
  std::unique_ptr<X509, Deleter> cert(X509_new());
  if (!cert) return absl::InternalError("X509_new failed");
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  serial_bytes[0] &= 0x7f;  // a positive serial
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr);
  bool ok = serial != nullptr && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  ok = ok && X509_set_version(cert.get(), 2) == 1;
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr;
  ok = ok && X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) != nullptr;
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                        -1, -1, 0) == 1;
  ok = ok && X509_set_issuer_name(cert.get(), name) == 1;
  ok = ok && X509_set_pubkey(cert.get(), key.get()) == 1;
  ok = ok && AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  ok = ok && AddExtension(cert.get(), NID_key_usage,
                          "critical,digitalSignature,keyEncipherment,keyCertSign");
  ok = ok && AddExtension(cert.get(), NID_ext_key_usage, "serverAuth");
  ok = ok && AddExtension(cert.get(), NID_subject_key_identifier, "hash");
  ok = ok && AddExtension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  ok = ok && X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return absl::InternalError("building the self-signed certificate failed");

  std::unique_ptr<BIO, Deleter> cert_bio(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, Deleter> key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return absl::InternalError("PEM encoding failed");
  }
  return PemPair{BioString(cert_bio.get()), BioString(key_bio.get())};
}

}  // namespace resizelet::apiserver
