#include "agent/kube/curl_kube_client.h"

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace resizelet::kube {
namespace {

struct HeaderCapture {
  std::optional<absl::Duration> retry_after;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* capture = static_cast<HeaderCapture*>(user);
  const std::string line(data, size * n);
  const std::string retry_after = "retry-after:";
  if (line.size() > retry_after.size() &&
      absl::EqualsIgnoreCase(line.substr(0, retry_after.size()), retry_after)) {
    std::string value(absl::StripAsciiWhitespace(line.substr(retry_after.size())));
    int seconds = 0;
    if (absl::SimpleAtoi(value, &seconds) && seconds >= 0) {
      capture->retry_after = absl::Seconds(seconds);
    }
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct StreamContext {
  const std::function<bool(std::string_view)>* on_data;
  const std::atomic<bool>* cancel;
  runtime::Clock* clock;
  absl::Duration idle_timeout;
  absl::Time last_byte;
  CURL* handle;
  std::string error_body;
  bool stopped_by_callback = false;
  bool stalled = false;
};

size_t OnStreamBody(char* data, size_t size, size_t n, void* user) {
  auto* ctx = static_cast<StreamContext*>(user);
  ctx->last_byte = ctx->clock->Now();
  long code = 0;
  curl_easy_getinfo(ctx->handle, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code >= 300) {
    ctx->error_body.append(data, size * n);
    return size * n;
  }
  if (!(*ctx->on_data)(std::string_view(data, size * n))) {
    ctx->stopped_by_callback = true;
    return 0;  // aborts the transfer
  }
  return size * n;
}

int OnStreamProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ctx = static_cast<StreamContext*>(user);
  if (ctx->cancel != nullptr && ctx->cancel->load()) return 1;
  if (ctx->clock->Now() - ctx->last_byte > ctx->idle_timeout) {
    ctx->stalled = true;
    return 1;
  }
  return 0;
}

long Millis(absl::Duration d) {
  return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

bool Retryable(int code) { return code >= 500 && code != 501; }

// Whether `cert_pem` holds a certificate and `key_pem` the private key of that certificate. The
// kubelet writes kubelet-client-current.pem with both blocks in one file, so each parse skips
// PEM blocks of the other kind. Catches a pair read while the files were being replaced one by
// one, which libcurl would only reject at the handshake of a later request.
absl::Status CheckPair(const std::string& cert_pem, const std::string& key_pem) {
  using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
  Bio cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), &BIO_free);
  Bio key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  if (!cert_bio || !key_bio) return absl::ResourceExhaustedError("BIO_new_mem_buf failed");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return absl::InvalidArgumentError("client certificate: no PEM certificate");
  // An empty passphrase callback: an encrypted key fails here instead of prompting on a tty.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(
          key_bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr),
      &EVP_PKEY_free);
  if (!key) return absl::InvalidArgumentError("client key: no PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError("client key does not match the client certificate");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CurlKubeClient>> CurlKubeClient::Create(RestConfig config,
                                                                       ClientOptions options) {
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global_init != CURLE_OK) return absl::InternalError("curl_global_init failed");
  if (config.server.empty()) return absl::InvalidArgumentError("no API server address");
  if (!config.token_file.empty() && config.token.empty()) {
    // Fail early on an unreadable token file rather than at the first 401.
    auto token = ReadFileToString(config.token_file);
    if (!token.ok()) return token.status();
  }
  if (config.client_cert_pem.empty() && config.client_key_pem.empty() &&
      !config.client_cert_file.empty() && !config.client_key_file.empty()) {
    // Not passed through ResolveFiles: read the pair here so that it can be reloaded.
    auto cert = ReadFileToString(config.client_cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadFileToString(config.client_key_file);
    if (!key.ok()) return key.status();
    config.client_cert_pem = *std::move(cert);
    config.client_key_pem = *std::move(key);
    config.client_cert_from_files = true;
  }
  if (config.client_cert_from_files) {
    // Fail early on a broken pair, like an unreadable token file: later reloads keep the last
    // good pair, so the first one must be good.
    if (auto s = CheckPair(config.client_cert_pem, config.client_key_pem); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(config.client_cert_file, " / ", config.client_key_file, ": ", s.message()));
    }
  }
  if (options.clock == nullptr) options.clock = runtime::RealClock::Default();
  return std::unique_ptr<CurlKubeClient>(new CurlKubeClient(std::move(config), options));
}

CurlKubeClient::CurlKubeClient(RestConfig config, ClientOptions options)
    : config_(std::move(config)),
      options_(options),
      clock_(options.clock),
      bucket_(options.qps, options.burst, options.clock),
      event_bucket_(options.event_qps, options.event_burst, options.clock) {
  token_ = config_.token;
  cert_reloadable_ = config_.client_cert_from_files;
  if (!config_.client_cert_pem.empty()) {
    cert_and_key_ = std::make_shared<const std::pair<std::string, std::string>>(
        config_.client_cert_pem, config_.client_key_pem);
  }
  if (!config_.tls_server_name.empty()) {
    // Connect to the configured address but verify (and send SNI for) tls-server-name.
    std::string rest = config_.server.substr(config_.server.find("://") + 3);
    std::string hostport = rest.substr(0, rest.find('/'));
    size_t colon = hostport.rfind(':');
    std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
    std::string port = colon == std::string::npos ? "443" : hostport.substr(colon + 1);
    url_host_ = absl::StrCat("https://", config_.tls_server_name, ":", port);
    connect_to_ = absl::StrCat(config_.tls_server_name, ":", port, ":", host, ":", port);
    connect_to_list_ = curl_slist_append(nullptr, connect_to_.c_str());
  }
}

CurlKubeClient::~CurlKubeClient() {
  for (const PooledHandle& h : handles_) curl_easy_cleanup(static_cast<CURL*>(h.handle));
  curl_slist_free_all(static_cast<curl_slist*>(connect_to_list_));
}

runtime::TokenBucket& CurlKubeClient::Bucket(const HttpRequest& request) {
  return request.request_class == RequestClass::kEvent ? event_bucket_ : bucket_;
}

int CurlKubeClient::token_reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return token_reads_;
}

int CurlKubeClient::credential_reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return credential_reads_;
}

int CurlKubeClient::credential_changes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return credential_changes_;
}

CurlKubeClient::Credentials CurlKubeClient::CurrentCredentials(bool force_reload) {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_->Now();
  Credentials credentials;
  credentials.token = TokenLocked(force_reload, now);
  ReloadCertLocked(force_reload, now);
  credentials.cert_and_key = cert_and_key_;
  credentials.cert_generation = cert_generation_;
  return credentials;
}

std::string CurlKubeClient::TokenLocked(bool force_reload, absl::Time now) {
  if (config_.token_file.empty()) return token_;
  if (force_reload || !token_read_at_ || now - *token_read_at_ >= options_.token_reload_interval) {
    auto data = ReadFileToString(config_.token_file);
    ++token_reads_;
    token_read_at_ = now;
    // A failed read keeps the last good token: the file is swapped atomically by the kubelet,
    // but an operator may replace it non-atomically.
    if (data.ok()) {
      std::string token(absl::StripAsciiWhitespace(*data));
      if (!token.empty()) token_ = token;
    }
  }
  return token_;
}

void CurlKubeClient::ReloadCertLocked(bool force_reload, absl::Time now) {
  if (!cert_reloadable_) return;
  if (!force_reload && cert_read_at_ && now - *cert_read_at_ < options_.token_reload_interval) {
    return;
  }
  ++credential_reads_;
  cert_read_at_ = now;
  // The kubelet replaces kubelet-client-current.pem by swapping a symlink, but the certificate
  // and key may also be two files written one after the other: anything short of a matching
  // pair keeps the last good one, to be read again at the next reload.
  auto cert = ReadFileToString(config_.client_cert_file);
  if (!cert.ok()) return;
  auto key = ReadFileToString(config_.client_key_file);
  if (!key.ok()) return;
  if (cert_and_key_ && cert_and_key_->first == *cert && cert_and_key_->second == *key) return;
  if (!CheckPair(*cert, *key).ok()) return;
  cert_and_key_ = std::make_shared<const std::pair<std::string, std::string>>(*std::move(cert),
                                                                              *std::move(key));
  ++cert_generation_;
  ++credential_changes_;
  // Pooled handles hold connections authenticated with the old certificate at their TLS
  // handshake; the API server would keep seeing the old identity on them.
  for (const PooledHandle& h : handles_) curl_easy_cleanup(static_cast<CURL*>(h.handle));
  handles_.clear();
}

void* CurlKubeClient::TakeHandle(uint64_t cert_generation) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!handles_.empty()) {
      PooledHandle h = handles_.back();
      handles_.pop_back();
      if (h.cert_generation != cert_generation) {
        // Pooled before the request's credentials were taken (the pair changed in between).
        curl_easy_cleanup(static_cast<CURL*>(h.handle));
        continue;
      }
      curl_easy_reset(static_cast<CURL*>(h.handle));
      return h.handle;
    }
  }
  return curl_easy_init();
}

void CurlKubeClient::ReturnHandle(void* handle, uint64_t cert_generation) {
  std::lock_guard<std::mutex> lock(mu_);
  // A handle that ran with a replaced certificate (a long watch, or a request in flight during
  // the reload) is not pooled: its connection carries the old identity.
  if (handles_.size() < 8 && cert_generation == cert_generation_) {
    handles_.push_back(PooledHandle{handle, cert_generation});
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

void CurlKubeClient::Prepare(void* h, const HttpRequest& request, const Credentials& credentials,
                             void** headers_out) const {
  CURL* curl = static_cast<CURL*>(h);
  std::string base = url_host_.empty() ? config_.server : url_host_;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + request.path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 10L);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, Millis(options_.connect_timeout));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (connect_to_list_ != nullptr) {
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, static_cast<curl_slist*>(connect_to_list_));
  }
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!config_.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (credentials.cert_and_key != nullptr) {
    const std::string& cert_pem = credentials.cert_and_key->first;
    const std::string& key_pem = credentials.cert_and_key->second;
    curl_blob cert{const_cast<char*>(cert_pem.data()), cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(key_pem.data()), key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!credentials.token.empty()) {
    headers = curl_slist_append(headers,
                                absl::StrCat("Authorization: Bearer ", credentials.token).c_str());
  }
  if (!request.content_type.empty()) {
    headers =
        curl_slist_append(headers, absl::StrCat("Content-Type: ", request.content_type).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  *headers_out = headers;
}

absl::StatusOr<CurlKubeClient::Attempt> CurlKubeClient::Perform(const HttpRequest& request,
                                                                const Credentials& credentials,
                                                                absl::Duration timeout) {
  CURL* curl = static_cast<CURL*>(TakeHandle(credentials.cert_generation));
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  void* headers = nullptr;
  Prepare(curl, request, credentials, &headers);
  Attempt attempt;
  HeaderCapture capture;
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Millis(timeout));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &attempt.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &capture);
  const absl::Time start = clock_->Now();
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(static_cast<curl_slist*>(headers));
  ReturnHandle(curl, credentials.cert_generation);
  if (options_.on_request) {
    options_.on_request(request.method, request.path, rc == CURLE_OK ? static_cast<int>(code) : 0,
                        clock_->Now() - start);
  }
  if (rc != CURLE_OK) {
    const std::string message =
        absl::StrCat(request.method, " ", request.path, ": ", curl_easy_strerror(rc));
    // Certificate and URL problems do not heal by retrying: report them at once.
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CERTPROBLEM ||
        rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_URL_MALFORMAT ||
        rc == CURLE_UNSUPPORTED_PROTOCOL) {
      return absl::FailedPreconditionError(message);
    }
    return absl::UnavailableError(message);
  }
  attempt.code = static_cast<int>(code);
  attempt.retry_after = capture.retry_after;
  return attempt;
}

absl::StatusOr<HttpResponse> CurlKubeClient::Do(const HttpRequest& request) {
  const absl::Time deadline = clock_->Now() + request.timeout;
  runtime::Backoff backoff(options_.retry_backoff, clock_, runtime::RandomSeed());
  bool reloaded_after_401 = false;
  absl::Status last_error = absl::DeadlineExceededError(
      absl::StrCat(request.method, " ", request.path, ": deadline exceeded"));
  std::optional<HttpResponse> last_response;
  while (true) {
    // A token that would only come after the deadline is not taken: give up with what we have.
    if (!Bucket(request).Wait(deadline).ok()) break;
    const absl::Time now = clock_->Now();
    if (now >= deadline) break;
    auto attempt = Perform(request, CurrentCredentials(false), deadline - now);
    absl::Duration delay = absl::ZeroDuration();
    if (!attempt.ok()) {
      if (absl::IsFailedPrecondition(attempt.status())) return attempt.status();
      last_error = attempt.status();
      delay = backoff.Next();
    } else {
      last_response = HttpResponse{attempt->code, std::move(attempt->body)};
      if (attempt->code == 401 && ReloadsCredentials() && !reloaded_after_401) {
        // The token or the client certificate may have rotated under us (the old one revoked
        // or expired): read the files again at once and retry once.
        reloaded_after_401 = true;
        CurrentCredentials(true);
        continue;
      }
      if (attempt->code == 429) {
        delay = std::min(attempt->retry_after.value_or(absl::Seconds(1)), options_.max_retry_after);
        if (delay <= absl::ZeroDuration()) delay = backoff.Next();
      } else if (Retryable(attempt->code)) {
        delay = attempt->retry_after.value_or(backoff.Next());
      } else {
        return *std::move(last_response);
      }
    }
    if (clock_->Now() + delay >= deadline) break;
    clock_->SleepFor(delay);
  }
  if (last_response) return *std::move(last_response);
  return last_error;
}

absl::StatusOr<int> CurlKubeClient::Stream(const HttpRequest& request,
                                           const std::function<bool(std::string_view)>& on_data,
                                           absl::Duration idle_timeout,
                                           const std::atomic<bool>* cancel,
                                           std::string* error_body) {
  if (!Bucket(request).Wait(clock_->Now() + request.timeout).ok()) {
    return absl::DeadlineExceededError(
        absl::StrCat("watch ", request.path, ": rate limited past the request timeout"));
  }
  const Credentials credentials = CurrentCredentials(false);
  CURL* curl = static_cast<CURL*>(TakeHandle(credentials.cert_generation));
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  void* headers = nullptr;
  Prepare(curl, request, credentials, &headers);
  StreamContext ctx{&on_data, cancel, clock_, idle_timeout, clock_->Now(), curl, {}, false, false};
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Millis(request.timeout));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnStreamBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnStreamProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &ctx);
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(static_cast<curl_slist*>(headers));
  ReturnHandle(curl, credentials.cert_generation);
  if (error_body != nullptr) *error_body = std::move(ctx.error_body);
  if (code == 401 && ReloadsCredentials()) CurrentCredentials(true);
  if (ctx.stalled) {
    return absl::DeadlineExceededError(absl::StrCat("watch ", request.path, ": no data for ",
                                                    absl::FormatDuration(idle_timeout),
                                                    ", restarting"));
  }
  if (cancel != nullptr && cancel->load()) return absl::CancelledError("watch cancelled");
  if (rc != CURLE_OK && !ctx.stopped_by_callback) {
    return absl::UnavailableError(
        absl::StrCat("watch ", request.path, ": ", curl_easy_strerror(rc)));
  }
  return static_cast<int>(code);
}

}  // namespace resizelet::kube
