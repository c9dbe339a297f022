#include "tests/apiserver/api_server.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/apiserver/json_patch.h"
#include "tests/apiserver/pod_rules.h"
#include "tests/apiserver/tls_cert.h"

namespace resizelet::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kJson[] = "application/json";
constexpr char kStrategicMerge[] = "application/strategic-merge-patch+json";
constexpr char kMergePatch[] = "application/merge-patch+json";
constexpr char kJsonPatch[] = "application/json-patch+json";

std::string ReasonFor(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "Unknown";
  }
}

// A metav1.Status failure body: every error the apiserver sends has this shape.
json StatusBody(int code, const std::string& message, const std::string& reason = "",
                const json& details = nullptr) {
  json s = {{"kind", "Status"},
            {"apiVersion", "v1"},
            {"metadata", json::object()},
            {"status", "Failure"},
            {"message", message},
            {"reason", reason.empty() ? ReasonFor(code) : reason},
            {"code", code}};
  if (!details.is_null()) s["details"] = details;
  return s;
}

void Reply(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(), kJson);
}

void ReplyError(httplib::Response& res, int code, const std::string& message,
                const std::string& reason = "", const json& details = nullptr) {
  Reply(res, code, StatusBody(code, message, reason, details));
}

struct ResourceInfo {
  std::string kind;
  bool namespaced;
};

const ResourceInfo* InfoFor(const std::string& resource) {
  static const auto* infos = new std::map<std::string, ResourceInfo>{
      {"pods", {"Pod", true}}, {"nodes", {"Node", false}}, {"events", {"Event", true}}};
  auto it = infos->find(resource);
  return it == infos->end() ? nullptr : &it->second;
}

std::string ObjectKey(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : absl::StrCat(ns, "/", name);
}

// The value at dotted `path` as the apiserver's field selectors compare it ("" when absent).
std::string FieldValue(const json& object, const std::string& path) {
  const json* cur = &object;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!cur->is_object()) return "";
    auto it = cur->find(std::string(part));
    if (it == cur->end()) return "";
    cur = &*it;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

struct Requirement {
  std::string key;
  std::string value;
  bool equal = true;
};

// "a=b,c!=d" (also "=="), terms in any order. Values arrive URL-decoded.
absl::StatusOr<std::vector<Requirement>> ParseSelector(const std::string& selector) {
  std::vector<Requirement> out;
  if (selector.empty()) return out;
  for (absl::string_view term : absl::StrSplit(selector, ',', absl::SkipEmpty())) {
    Requirement r;
    size_t pos = term.find("!=");
    if (pos != absl::string_view::npos) {
      r.equal = false;
      r.key = std::string(term.substr(0, pos));
      r.value = std::string(term.substr(pos + 2));
    } else if ((pos = term.find("==")) != absl::string_view::npos) {
      r.key = std::string(term.substr(0, pos));
      r.value = std::string(term.substr(pos + 2));
    } else if ((pos = term.find('=')) != absl::string_view::npos) {
      r.key = std::string(term.substr(0, pos));
      r.value = std::string(term.substr(pos + 1));
    } else {
      return absl::InvalidArgumentError(absl::StrCat("invalid selector: '", selector, "'"));
    }
    out.push_back(std::move(r));
  }
  return out;
}

struct Filter {
  std::string ns;
  std::vector<Requirement> fields;
  std::vector<Requirement> labels;

  bool Matches(const json& object) const {
    if (!ns.empty() && FieldValue(object, "metadata.namespace") != ns) return false;
    for (const auto& r : fields) {
      if ((FieldValue(object, r.key) == r.value) != r.equal) return false;
    }
    for (const auto& r : labels) {
      const json& labels_json = object["metadata"].value("labels", json::object());
      std::string v = labels_json.is_object() ? labels_json.value(r.key, "") : "";
      if ((v == r.value) != r.equal) return false;
    }
    return true;
  }
};

int MinorOf(const std::string& git_version) {
  std::vector<std::string> parts = absl::StrSplit(absl::StripPrefix(git_version, "v"), '.');
  int minor = 0;
  if (parts.size() >= 2) {
    std::string digits;
    for (char c : parts[1]) {
      if (!std::isdigit(static_cast<unsigned char>(c))) break;
      digits += c;
    }
    if (!absl::SimpleAtoi(digits, &minor)) minor = 0;
  }
  return minor;
}

std::string MediaType(const std::string& content_type) {
  std::string t(absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
  return t;
}

struct FaultRule {
  int code;
  int remaining;
  std::string method;
  std::string match;
  int retry_after_seconds;
};

thread_local size_t current_log_index = static_cast<size_t>(-1);

struct X509StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};

// The client certificate a request came with, as kube-apiserver's x509 authenticator
// (k8s.io/apiserver/pkg/authentication/request/x509) reads it.
struct CertIdentity {
  std::string serial;  // empty: no certificate
  bool verified = false;
  std::string user;                 // subject CN
  std::vector<std::string> groups;  // subject O
};

std::vector<std::string> NameEntries(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (len >= 0) out.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  return out;
}

// Verifies the connection's client certificate against `store` now (validity included, for
// clientAuth use). The handshake took any certificate, see ApiServerOptions::client_ca_pem.
CertIdentity IdentityOf(const SSL* ssl, X509_STORE* store) {
  CertIdentity id;
  if (ssl == nullptr || store == nullptr) return id;
  std::unique_ptr<X509, decltype(&X509_free)> leaf(SSL_get1_peer_certificate(ssl), &X509_free);
  if (!leaf) return id;
  id.serial = ClientCertSerialHex(leaf.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  if (!ctx ||
      X509_STORE_CTX_init(ctx.get(), store, leaf.get(), SSL_get_peer_cert_chain(ssl)) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT) != 1) {
    return id;
  }
  if (X509_verify_cert(ctx.get()) != 1) return id;
  X509_NAME* subject = X509_get_subject_name(leaf.get());
  std::vector<std::string> cns = NameEntries(subject, NID_commonName);
  if (cns.empty() || cns.front().empty()) return id;  // no user name: not authenticated
  id.verified = true;
  id.user = cns.front();
  id.groups = NameEntries(subject, NID_organizationName);
  return id;
}

absl::StatusOr<std::unique_ptr<X509_STORE, X509StoreFree>> StoreOf(const std::string& ca_pem) {
  std::unique_ptr<X509_STORE, X509StoreFree> store(X509_STORE_new());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())), &BIO_free);
  if (!store || !bio) return absl::InternalError("X509_STORE_new failed");
  int added = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    added += X509_STORE_add_cert(store.get(), ca) == 1 ? 1 : 0;
    X509_free(ca);
  }
  if (added == 0) return absl::InvalidArgumentError("client_ca_pem holds no certificate");
  return store;
}

}  // namespace

struct ApiServer::Impl {
  ApiServerOptions options;
  std::string token;
  std::string admin_token;
  std::string ca_pem;
  std::string ca_file;
  std::string kubeconfig_path;
  int minor = 33;
  std::unique_ptr<httplib::SSLServer> server;
  std::unique_ptr<X509_STORE, X509StoreFree> client_ca;  // null: no client certificates
  std::thread listener;
  int port = 0;
  ObjectStore store;

  mutable std::mutex mu;
  std::vector<std::string> tokens;
  std::set<std::string> revoked_serials;
  std::vector<FaultRule> faults;
  std::vector<RequestRecord> log;

  std::atomic<bool> stopping{false};
  std::atomic<int> cut_pending{0};
  std::atomic<int> drop_generation{0};
  std::atomic<bool> expire_next_watch{false};
  std::atomic<bool> stall{false};
  std::atomic<int> open_watches{0};

  bool HasResize() const { return minor >= 32; }

  // ---- plumbing ----
  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req, httplib::Response& res) {
    RequestRecord record{req.method,
                         req.path,
                         "",
                         req.get_header_value("Content-Type"),
                         "",
                         0,
                         req.get_header_value("User-Agent"),
                         "",
                         "",
                         {}};
    const CertIdentity cert = IdentityOf(req.ssl, client_ca.get());
    record.client_cert_serial = cert.serial;
    size_t q = req.target.find('?');
    if (q != std::string::npos) record.query = req.target.substr(q + 1);
    const std::string auth = req.get_header_value("Authorization");
    const std::string bearer =
        absl::StartsWith(auth, "Bearer ") ? std::string(auth.substr(7)) : std::string();
    const bool admin = absl::StartsWith(req.path, "/admin/");
    std::lock_guard<std::mutex> lock(mu);
    if (!admin) {
      log.push_back(record);
      current_log_index = log.size() - 1;
    } else {
      current_log_index = static_cast<size_t>(-1);
    }
    if (admin) {
      if (bearer != admin_token) {
        ReplyError(res, 401, "Unauthorized");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    }
    // Client certificate first, then the bearer token (kube-apiserver's union authenticator).
    bool valid = cert.verified && revoked_serials.count(cert.serial) == 0;
    if (valid) {
      log.back().cert_user = cert.user;
      log.back().cert_groups = cert.groups;
    }
    for (const auto& t : tokens) valid = valid || (!bearer.empty() && t == bearer);
    if (!valid) {
      ReplyError(res, 401, "Unauthorized");
      log.back().status = 401;
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string target = absl::StrCat(record.path, "?", record.query);
    for (auto& f : faults) {
      if (f.remaining <= 0) continue;
      if (!f.method.empty() && f.method != req.method) continue;
      if (!absl::StrContains(target, f.match)) continue;
      --f.remaining;
      if (f.code == 429) {
        res.set_header("Retry-After", std::to_string(f.retry_after_seconds));
        ReplyError(res, 429, "Too many requests, please try again later.");
      } else {
        ReplyError(res, f.code, absl::StrCat("injected failure ", f.code));
      }
      log.back().status = f.code;
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  void Logged(const httplib::Request& req, const httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    if (current_log_index < log.size()) {
      RequestRecord& record = log[current_log_index];
      if (record.status == 0) record.status = res.status;
      // The body is read after pre-routing, so it is recorded here.
      if (record.body.empty()) record.body = req.body.substr(0, 4096);
    }
    current_log_index = static_cast<size_t>(-1);
  }

  // ---- discovery ----
  json VersionDoc() const {
    return {{"major", "1"},
            {"minor", std::to_string(minor)},
            {"gitVersion", options.git_version},
            {"gitCommit", "0000000000000000000000000000000000000000"},
            {"gitTreeState", "clean"},
            {"buildDate", "2026-01-01T00:00:00Z"},
            {"goVersion", "go1.24.0"},
            {"compiler", "gc"},
            {"platform", "linux/amd64"}};
  }

  json ApiResourceList() const {
    json verbs = {"create", "delete", "get", "list", "patch", "watch"};
    json resources = json::array();
    resources.push_back({{"name", "pods"},
                         {"singularName", "pod"},
                         {"namespaced", true},
                         {"kind", "Pod"},
                         {"verbs", verbs},
                         {"shortNames", {"po"}},
                         {"categories", {"all"}}});
    resources.push_back({{"name", "pods/status"},
                         {"singularName", ""},
                         {"namespaced", true},
                         {"kind", "Pod"},
                         {"verbs", {"get", "patch"}}});
    if (HasResize()) {
      resources.push_back({{"name", "pods/resize"},
                           {"singularName", ""},
                           {"namespaced", true},
                           {"kind", "Pod"},
                           {"verbs", {"get", "patch"}}});
    }
    resources.push_back({{"name", "nodes"},
                         {"singularName", "node"},
                         {"namespaced", false},
                         {"kind", "Node"},
                         {"verbs", verbs},
                         {"shortNames", {"no"}}});
    resources.push_back({{"name", "nodes/status"},
                         {"singularName", ""},
                         {"namespaced", false},
                         {"kind", "Node"},
                         {"verbs", {"get", "patch"}}});
    resources.push_back({{"name", "events"},
                         {"singularName", "event"},
                         {"namespaced", true},
                         {"kind", "Event"},
                         {"verbs", verbs},
                         {"shortNames", {"ev"}}});
    return {{"kind", "APIResourceList"},
            {"apiVersion", "v1"},
            {"groupVersion", "v1"},
            {"resources", resources}};
  }

  // The OpenAPI v3 document kubectl reads to decide it may send fieldValidation=Strict
  // (cli-runtime's queryParamVerifierV3 looks for the parameter on the kind's PATCH operation).
  json OpenApiCoreV1() const {
    json params = json::array();
    for (const char* p : {"dryRun", "fieldManager", "fieldValidation", "force"}) {
      params.push_back({{"name", p},
                        {"in", "query"},
                        {"description", p},
                        {"schema", {{"type", std::string(p) == "force" ? "boolean" : "string"}}}});
    }
    json paths = json::object();
    for (const auto& [resource, info] : std::map<std::string, ResourceInfo>{
             {"pods", {"Pod", true}}, {"nodes", {"Node", false}}, {"events", {"Event", true}}}) {
      const std::string item_path =
          info.namespaced ? absl::StrCat("/api/v1/namespaces/{namespace}/", resource, "/{name}")
                          : absl::StrCat("/api/v1/", resource, "/{name}");
      json gvk = {{"group", ""}, {"version", "v1"}, {"kind", info.kind}};
      json patch_op = {{"operationId", absl::StrCat("patchCoreV1", info.kind)},
                       {"x-kubernetes-action", "patch"},
                       {"x-kubernetes-group-version-kind", gvk},
                       {"parameters", params},
                       {"requestBody",
                        {{"content",
                          {{kStrategicMerge, {{"schema", {{"type", "object"}}}}},
                           {kMergePatch, {{"schema", {{"type", "object"}}}}}}}}},
                       {"responses", {{"200", {{"description", "OK"}}}}}};
      json get_op = {{"operationId", absl::StrCat("readCoreV1", info.kind)},
                     {"x-kubernetes-action", "get"},
                     {"x-kubernetes-group-version-kind", gvk},
                     {"responses", {{"200", {{"description", "OK"}}}}}};
      paths[item_path] = {{"get", get_op}, {"patch", patch_op}};
    }
    return {{"openapi", "3.0.0"},
            {"info", {{"title", "Kubernetes"}, {"version", options.git_version}}},
            {"paths", paths},
            {"components", {{"schemas", json::object()}}}};
  }

  // ---- objects ----
  absl::StatusOr<Filter> FilterFrom(const httplib::Request& req, const std::string& ns) {
    Filter f;
    f.ns = ns;
    auto fields = ParseSelector(req.get_param_value("fieldSelector"));
    if (!fields.ok()) return fields.status();
    f.fields = *std::move(fields);
    auto labels = ParseSelector(req.get_param_value("labelSelector"));
    if (!labels.ok()) return labels.status();
    f.labels = *std::move(labels);
    return f;
  }

  void List(const httplib::Request& req, httplib::Response& res, const std::string& resource,
            const std::string& ns) {
    const ResourceInfo* info = InfoFor(resource);
    auto filter = FilterFrom(req, ns);
    if (!filter.ok()) return ReplyError(res, 400, std::string(filter.status().message()));
    const std::string watch = req.get_param_value("watch");
    if (watch == "1" || watch == "true") return Watch(req, res, resource, *filter);
    auto [items, rv] = store.List(resource);
    // limit/continue paging. The token names the list's version and the last key served; a token
    // older than the retained history is 410, as after etcd compaction.
    int64_t limit = 0;
    if (req.has_param("limit") && !absl::SimpleAtoi(req.get_param_value("limit"), &limit)) {
      return ReplyError(res, 400, "invalid limit");
    }
    std::string after_key;
    if (req.has_param("continue") && !req.get_param_value("continue").empty()) {
      std::string decoded;
      int64_t token_rv = 0;
      if (!absl::WebSafeBase64Unescape(req.get_param_value("continue"), &decoded) ||
          decoded.find('/') == std::string::npos ||
          !absl::SimpleAtoi(decoded.substr(0, decoded.find('/')), &token_rv)) {
        return ReplyError(res, 400, "invalid continue token");
      }
      bool expired = false;
      int64_t current = 0;
      store.EventsAfter(resource, token_rv, Clock::now(), &expired, &current);
      if (expired) {
        return ReplyError(res, 410,
                          "The provided continue parameter is too old to display a consistent "
                          "list result. You can start a new list without the continue parameter.",
                          "Expired");
      }
      after_key = decoded.substr(decoded.find('/') + 1);
    }
    json out = json::array();
    std::string next_token;
    for (auto& item : items) {
      const std::string key =
          ObjectKey(FieldValue(item, "metadata.namespace"), FieldValue(item, "metadata.name"));
      if (!after_key.empty() && key <= after_key) continue;
      if (!filter->Matches(item)) continue;
      if (limit > 0 && static_cast<int64_t>(out.size()) == limit) {
        const json& last = out.back();
        next_token = absl::WebSafeBase64Escape(absl::StrCat(
            rv, "/",
            ObjectKey(FieldValue(last, "metadata.namespace"), FieldValue(last, "metadata.name"))));
        break;
      }
      out.push_back(std::move(item));
    }
    json metadata = {{"resourceVersion", std::to_string(rv)}};
    if (!next_token.empty()) metadata["continue"] = next_token;
    Reply(res, 200,
          {{"kind", info->kind + "List"},
           {"apiVersion", "v1"},
           {"metadata", metadata},
           {"items", out}});
  }

  void Watch(const httplib::Request& req, httplib::Response& res, const std::string& resource,
             Filter filter) {
    struct State {
      std::string resource;
      Filter filter;
      int64_t rv = 0;
      bool bookmarks = false;
      Clock::time_point deadline;
      Clock::time_point next_bookmark;
      std::deque<std::string> lines;
      int drop_generation = 0;
      bool finished = false;
    };
    auto state = std::make_shared<State>();
    state->resource = resource;
    state->filter = std::move(filter);
    state->bookmarks = req.get_param_value("allowWatchBookmarks") == "true" ||
                       req.get_param_value("allowWatchBookmarks") == "1";
    int timeout_seconds = 1800;
    if (req.has_param("timeoutSeconds")) {
      if (!absl::SimpleAtoi(req.get_param_value("timeoutSeconds"), &timeout_seconds) ||
          timeout_seconds < 0) {
        return ReplyError(res, 400, "invalid timeoutSeconds");
      }
    }
    state->deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
    state->next_bookmark = Clock::now() + options.bookmark_interval;
    state->drop_generation = drop_generation.load();
    const std::string kind = InfoFor(resource)->kind;
    const std::string rv_param = req.get_param_value("resourceVersion");
    if (expire_next_watch.exchange(false)) {
      state->lines.push_back(
          json{{"type", "ERROR"},
               {"object", StatusBody(410, "too old resource version: " + rv_param, "Expired")}}
              .dump() +
          "\n");
      state->finished = true;
    } else if (rv_param.empty() || rv_param == "0") {
      // Without a version a watch starts with the current state as synthetic ADDED events.
      auto [items, rv] = store.List(resource);
      for (const auto& item : items) {
        if (state->filter.Matches(item)) {
          state->lines.push_back(json{{"type", "ADDED"}, {"object", item}}.dump() + "\n");
        }
      }
      state->rv = rv;
    } else if (!absl::SimpleAtoi(rv_param, &state->rv)) {
      return ReplyError(res, 400, "invalid resourceVersion: " + rv_param);
    } else if (state->rv > store.CurrentResourceVersion()) {
      return ReplyError(res, 504, "Too large resource version: " + rv_param, "Timeout");
    }
    res.status = 200;
    res.set_header("Cache-Control", "no-cache, private");
    res.set_chunked_content_provider(
        "application/json;stream=watch",
        [this, state, kind](size_t, httplib::DataSink& sink) -> bool {
          if (stopping.load() || state->drop_generation != drop_generation.load()) return false;
          if (stall.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            return true;
          }
          if (state->lines.empty() && !state->finished) {
            bool expired = false;
            int64_t current = 0;
            auto wait_until = std::min(Clock::now() + std::chrono::milliseconds(200),
                                       std::min(state->deadline, state->next_bookmark));
            auto events =
                store.EventsAfter(state->resource, state->rv, wait_until, &expired, &current);
            if (expired) {
              state->lines.push_back(
                  json{{"type", "ERROR"},
                       {"object", StatusBody(410,
                                             absl::StrCat("too old resource version: ", state->rv,
                                                          " (", current, ")"),
                                             "Expired")}}
                      .dump() +
                  "\n");
              state->finished = true;
            } else {
              for (const auto& e : events) {
                if (state->filter.Matches(e.object)) {
                  state->lines.push_back(json{{"type", e.type}, {"object", e.object}}.dump() +
                                         "\n");
                }
              }
              state->rv = std::max(state->rv, current);
            }
            if (!state->finished && state->bookmarks && Clock::now() >= state->next_bookmark) {
              state->lines.push_back(
                  json{{"type", "BOOKMARK"},
                       {"object",
                        {{"kind", kind},
                         {"apiVersion", "v1"},
                         {"metadata", {{"resourceVersion", std::to_string(state->rv)}}}}}}
                      .dump() +
                  "\n");
              state->next_bookmark = Clock::now() + options.bookmark_interval;
            }
          }
          while (!state->lines.empty()) {
            std::string line = std::move(state->lines.front());
            state->lines.pop_front();
            int pending = cut_pending.load();
            while (pending > 0 && !cut_pending.compare_exchange_weak(pending, pending - 1)) {
            }
            if (pending > 0) {
              sink.write(line.data(), line.size() / 2);
              return false;
            }
            if (!sink.write(line.data(), line.size())) return false;
          }
          if (state->finished || Clock::now() >= state->deadline) sink.done();
          return true;
        },
        [this](bool) { --open_watches; });
    ++open_watches;
  }

  void Get(httplib::Response& res, const std::string& resource, const std::string& ns,
           const std::string& name) {
    auto object = store.Get(resource, ObjectKey(ns, name));
    if (!object) return NotFound(res, resource, name);
    Reply(res, 200, *object);
  }

  void NotFound(httplib::Response& res, const std::string& resource, const std::string& name) {
    ReplyError(res, 404, absl::StrCat(resource, " \"", name, "\" not found"), "NotFound",
               {{"name", name}, {"kind", resource}});
  }

  void Create(const httplib::Request& req, httplib::Response& res, const std::string& resource,
              const std::string& ns) {
    const ResourceInfo* info = InfoFor(resource);
    json object = json::parse(req.body, nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
      return ReplyError(res, 400, "the body of the request is not a JSON object");
    }
    object["kind"] = info->kind;
    object["apiVersion"] = "v1";
    json& meta = object["metadata"];
    if (!meta.is_object()) meta = json::object();
    std::string name = meta.value("name", "");
    if (name.empty() && meta.contains("generateName")) {
      static std::mt19937 rng{std::random_device{}()};
      name = meta.value("generateName", "") + std::to_string(rng() % 100000);
      meta["name"] = name;
    }
    if (name.empty()) {
      return ReplyError(res, 422,
                        absl::StrCat(info->kind,
                                     " \"\" is invalid: metadata.name: Required value: "
                                     "name or generateName is required"));
    }
    if (info->namespaced) {
      std::string body_ns = meta.value("namespace", "");
      if (!body_ns.empty() && body_ns != ns) {
        return ReplyError(res, 400,
                          "the namespace of the provided object does not match the namespace sent "
                          "on the request");
      }
      meta["namespace"] = ns;
    }
    for (const char* k : {"uid", "resourceVersion", "creationTimestamp", "generation"}) {
      meta.erase(k);
    }
    if (resource == "pods") {
      const json& containers = object["spec"].value("containers", json::array());
      if (!containers.is_array() || containers.empty()) {
        return ReplyError(
            res, 422,
            absl::StrCat("Pod \"", name, "\" is invalid: spec.containers: Required value"));
      }
      json& status = object["status"];
      if (!status.is_object()) status = json::object();
      if (!status.contains("phase")) status["phase"] = "Pending";
      status["qosClass"] = QosClassOf(object);
    }
    auto created = store.Create(resource, ObjectKey(ns, name), std::move(object));
    if (!created.ok()) {
      return ReplyError(res, 409, absl::StrCat(resource, " \"", name, "\" already exists"),
                        "AlreadyExists", {{"name", name}, {"kind", resource}});
    }
    Reply(res, 201, *created);
  }

  // DeleteOptions.gracePeriodSeconds from the body, else the query; nullopt when not given.
  static std::optional<int64_t> GracePeriodOf(const httplib::Request& req) {
    if (!req.body.empty()) {
      json options_json = json::parse(req.body, nullptr, false);
      if (options_json.is_object() && options_json.contains("gracePeriodSeconds") &&
          options_json["gracePeriodSeconds"].is_number_integer()) {
        return options_json["gracePeriodSeconds"].get<int64_t>();
      }
    }
    int64_t grace = 0;
    if (req.has_param("gracePeriodSeconds") &&
        absl::SimpleAtoi(req.get_param_value("gracePeriodSeconds"), &grace)) {
      return grace;
    }
    return std::nullopt;
  }

  // The pod strategy's graceful deletion (registry/core/pod CheckGracefulDelete and
  // rest.BeforeDelete): a pod bound to a node and still running is only marked — deletionTimestamp
  // = now + grace, deletionGracePeriodSeconds, generation + 1 — and stays until its kubelet deletes
  // it with grace period 0. Returns the marked object, or null when the pod is to be removed at
  // once (unbound, terminal, grace 0).
  absl::StatusOr<json> DeleteGracefully(const std::string& ns, const std::string& name,
                                        const std::string& uid, std::optional<int64_t> grace) {
    json marked = nullptr;
    auto updated =
        store.Update("pods", ObjectKey(ns, name), [&](const json& current) -> absl::StatusOr<json> {
          const json& meta = current["metadata"];
          if (!uid.empty() && meta.value("uid", "") != uid) {
            return absl::FailedPreconditionError(
                absl::StrCat("Precondition failed: UID in precondition: ", uid,
                             ", UID in object meta: ", meta.value("uid", "")));
          }
          const json& spec = current.contains("spec") ? current["spec"] : json::object();
          const json& status = current.contains("status") ? current["status"] : json::object();
          const std::string phase = status.is_object() ? status.value("phase", "") : "";
          const bool bound = spec.is_object() && !spec.value("nodeName", "").empty();
          int64_t period = grace.value_or(
              spec.is_object() ? spec.value("terminationGracePeriodSeconds", int64_t{30}) : 30);
          if (!bound || phase == "Succeeded" || phase == "Failed" || period <= 0) {
            return current;  // unchanged: removed below
          }
          json next = current;
          json& next_meta = next["metadata"];
          if (meta.contains("deletionTimestamp")) {
            // A second DELETE may only shorten the grace period.
            const int64_t existing = meta.value("deletionGracePeriodSeconds", int64_t{0});
            if (existing > 0 && existing <= period) {
              marked = current;
              return current;
            }
          }
          next_meta["deletionTimestamp"] = NowRfc3339(period);
          next_meta["deletionGracePeriodSeconds"] = period;
          next_meta["generation"] = meta.value("generation", int64_t{1}) + 1;
          marked = next;
          return next;
        });
    if (!updated.ok()) return updated.status();
    if (marked.is_null()) return json(nullptr);
    return *updated;
  }

  void Delete(const httplib::Request& req, httplib::Response& res, const std::string& resource,
              const std::string& ns, const std::string& name) {
    std::string uid;
    if (!req.body.empty()) {
      json options_json = json::parse(req.body, nullptr, false);
      if (options_json.is_object() && options_json.contains("preconditions") &&
          options_json["preconditions"].is_object()) {
        uid = options_json["preconditions"].value("uid", "");
      }
    }
    if (resource == "pods") {
      std::optional<int64_t> grace = GracePeriodOf(req);
      if (absl::StatusOr<json> graceful = DeleteGracefully(ns, name, uid, grace);
          !graceful.ok() || !graceful->is_null()) {
        if (absl::IsNotFound(graceful.status())) return NotFound(res, resource, name);
        if (!graceful.ok()) return ReplyError(res, 409, std::string(graceful.status().message()));
        return Reply(res, 200, *graceful);
      }
    }
    auto deleted = store.Delete(resource, ObjectKey(ns, name), uid);
    if (absl::IsNotFound(deleted.status())) return NotFound(res, resource, name);
    if (!deleted.ok()) return ReplyError(res, 409, std::string(deleted.status().message()));
    Reply(res, 200, *deleted);
  }

  // PATCH on an object or one of its subresources (status, resize).
  void Patch(const httplib::Request& req, httplib::Response& res, const std::string& resource,
             const std::string& ns, const std::string& name, const std::string& subresource) {
    const ResourceInfo* info = InfoFor(resource);
    const std::string type = MediaType(req.get_header_value("Content-Type"));
    if (type != kStrategicMerge && type != kMergePatch && type != kJsonPatch) {
      return ReplyError(res, 415,
                        absl::StrCat("the body of the request was in an unknown format - accepted "
                                     "media types include: ",
                                     kJsonPatch, ", ", kMergePatch, ", ", kStrategicMerge));
    }
    json patch = json::parse(req.body, nullptr, false);
    if (patch.is_discarded() || (type != kJsonPatch && !patch.is_object()) ||
        (type == kJsonPatch && !patch.is_array())) {
      return ReplyError(res, 400, "the body of the request is not valid JSON for " + type);
    }
    int code = 0;
    auto updated = store.Update(
        resource, ObjectKey(ns, name), [&](const json& current) -> absl::StatusOr<json> {
          const json& cur_meta = current["metadata"];
          if (patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object()) {
            const json& pmeta = patch["metadata"];
            if (pmeta.contains("uid") && pmeta["uid"] != cur_meta["uid"]) {
              code = 409;
              return absl::FailedPreconditionError(
                  absl::StrCat("Precondition failed: UID in precondition: ", pmeta["uid"].dump(),
                               ", UID in object meta: ", cur_meta.value("uid", "")));
            }
            if (pmeta.contains("resourceVersion") &&
                pmeta["resourceVersion"] != cur_meta["resourceVersion"]) {
              code = 409;
              return absl::AbortedError(absl::StrCat(
                  "Operation cannot be fulfilled on ", resource, " \"", name,
                  "\": the object has been modified; please apply your changes to the latest "
                  "version and try again"));
            }
          }
          json patched;
          if (type == kStrategicMerge) {
            auto smp = StrategicMergePatch(current, patch);
            if (!smp.ok()) {
              code = 422;
              return smp.status();
            }
            patched = *std::move(smp);
          } else if (type == kMergePatch) {
            patched = MergePatch(current, patch);
          } else {
            try {
              patched = current.patch(patch);
            } catch (const std::exception& e) {
              code = 422;
              return absl::InvalidArgumentError(e.what());
            }
          }
          code = 422;
          return Apply(resource, subresource, current, std::move(patched), name, info->kind);
        });
    if (absl::IsNotFound(updated.status())) return NotFound(res, resource, name);
    if (!updated.ok()) {
      if (code == 409) return ReplyError(res, 409, std::string(updated.status().message()));
      // kubectl prints the causes under "The Pod "p" is invalid:".
      const std::string detail(updated.status().message());
      const size_t colon = detail.find(": ");
      json cause = {{"reason", "FieldValueInvalid"},
                    {"message", colon == std::string::npos ? detail : detail.substr(colon + 2)},
                    {"field", colon == std::string::npos ? "" : detail.substr(0, colon)}};
      return ReplyError(res, 422, absl::StrCat(info->kind, " \"", name, "\" is invalid: ", detail),
                        "Invalid", {{"name", name}, {"kind", info->kind}, {"causes", {cause}}});
    }
    Reply(res, 200, *updated);
  }

  // Takes from `patched` what the (sub)resource may change and validates it.
  absl::StatusOr<json> Apply(const std::string& resource, const std::string& subresource,
                             const json& current, json patched, const std::string&,
                             const std::string& kind) {
    json next = current;
    if (subresource == "status") {
      next["status"] = patched.value("status", json::object());
      return next;
    }
    // Identity and bookkeeping fields are the server's.
    json meta = patched.value("metadata", json::object());
    for (const char* k : {"name", "namespace", "uid", "creationTimestamp", "resourceVersion",
                          "generation", "deletionTimestamp"}) {
      if (current["metadata"].contains(k)) {
        meta[k] = current["metadata"][k];
      } else {
        meta.erase(k);
      }
    }
    if (resource != "pods") {
      next = std::move(patched);
      next["metadata"] = meta;
      next["kind"] = kind;
      next["apiVersion"] = "v1";
      if (resource == "nodes") next["status"] = current.value("status", json::object());
      return next;
    }
    if (subresource == "resize") {
      // The resize subresource keeps only resource changes (ResizeStrategy.PrepareForUpdate).
      json& spec = next["spec"];
      const json& pspec = patched.value("spec", json::object());
      if (pspec.contains("resources")) {
        spec["resources"] = pspec["resources"];
      } else {
        spec.erase("resources");
      }
      for (const char* list : {"containers", "initContainers"}) {
        if (!spec.contains(list) || !pspec.contains(list) || !pspec[list].is_array()) continue;
        for (auto& c : spec[list]) {
          for (const auto& pc : pspec[list]) {
            if (!pc.is_object() || pc.value("name", "") != c.value("name", "")) continue;
            if (pc.contains("resources")) {
              c["resources"] = pc["resources"];
            } else {
              c.erase("resources");
            }
          }
        }
      }
      absl::Status valid = ValidateResize(current, next);
      if (!valid.ok()) return valid;
      if (next["spec"] != current["spec"]) {
        next["metadata"]["generation"] = current["metadata"].value("generation", 1) + 1;
        // Before 1.33 the API server marked a new resize Proposed for the kubelet (KEP-1287).
        if (minor == 32) next["status"]["resize"] = "Proposed";
      }
      return next;
    }
    next["metadata"] = meta;
    next["spec"] = patched.value("spec", json::object());
    absl::Status valid = ValidatePodUpdate(current, next, HasResize());
    if (!valid.ok()) return valid;
    if (next["spec"] != current["spec"]) {
      next["metadata"]["generation"] = current["metadata"].value("generation", 1) + 1;
      if (!HasResize() && minor >= 27) next["status"]["resize"] = "Proposed";
    }
    return next;
  }

  // ---- admin ----
  void Admin(const httplib::Request& req, httplib::Response& res, const std::string& action) {
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return ReplyError(res, 400, "bad admin body");
    try {
      if (action == "fail") {
        std::lock_guard<std::mutex> lock(mu);
        faults.push_back(FaultRule{body.value("code", 500), body.value("count", 1),
                                   body.value("method", ""), body.value("match", ""),
                                   body.value("retryAfterSeconds", 1)});
      } else if (action == "cut-watches") {
        cut_pending += body.value("count", 1);
        store.Wake();
      } else if (action == "drop-watches") {
        ++drop_generation;
        store.Wake();
      } else if (action == "expire-next-watch") {
        expire_next_watch = true;
      } else if (action == "stall") {
        stall = body.value("stall", true);
      } else if (action == "compact") {
        store.Compact();
      } else if (action == "tokens") {
        std::lock_guard<std::mutex> lock(mu);
        tokens = body.value("tokens", std::vector<std::string>{});
      } else if (action == "requests") {
        if (req.method == "DELETE") {
          std::lock_guard<std::mutex> lock(mu);
          log.clear();
        } else {
          json out = json::array();
          std::lock_guard<std::mutex> lock(mu);
          for (const auto& r : log) {
            out.push_back({{"method", r.method},
                           {"path", r.path},
                           {"query", r.query},
                           {"contentType", r.content_type},
                           {"body", r.body},
                           {"status", r.status}});
            // Only with client certificate authentication on, so other logs read as before.
            if (!r.client_cert_serial.empty())
              out.back()["clientCertSerial"] = r.client_cert_serial;
            if (!r.cert_user.empty()) {
              out.back()["user"] = r.cert_user;
              out.back()["groups"] = r.cert_groups;
            }
          }
          return Reply(res, 200, {{"kind", "RequestLog"}, {"apiVersion", "v1"}, {"items", out}});
        }
      } else {
        return ReplyError(res, 404, "unknown admin action " + action);
      }
    } catch (const std::exception& e) {
      return ReplyError(res, 400, e.what());
    }
    Reply(res, 200, {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}});
  }

  void Routes() {
    httplib::Server& s = *server;
    s.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) { return PreRoute(req, res); });
    s.set_logger(
        [this](const httplib::Request& req, const httplib::Response& res) { Logged(req, res); });
    s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty()) {
        int code = res.status == 405 ? 405 : res.status;
        ReplyError(res, code, "the server could not find the requested resource");
      }
    });
    s.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          ReplyError(res, 500, what);
        });
    s.Get("/version", [this](const httplib::Request&, httplib::Response& res) {
      // kubectl's dispatcher caches /version for two hours unless told not to.
      res.set_header("Cache-Control", "no-cache, private");
      Reply(res, 200, VersionDoc());
    });
    s.Get("/api", [this](const httplib::Request&, httplib::Response& res) {
      Reply(
          res, 200,
          {{"kind", "APIVersions"},
           {"apiVersion", "v1"},
           {"versions", {"v1"}},
           {"serverAddressByClientCIDRs",
            {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", absl::StrCat("127.0.0.1:", port)}}}}});
    });
    s.Get("/api/v1", [this](const httplib::Request&, httplib::Response& res) {
      Reply(res, 200, ApiResourceList());
    });
    s.Get("/apis", [](const httplib::Request&, httplib::Response& res) {
      Reply(res, 200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array()}});
    });
    s.Get("/openapi/v3", [this](const httplib::Request&, httplib::Response& res) {
      Reply(res, 200,
            {{"paths",
              {{"api/v1",
                {{"serverRelativeURL",
                  absl::StrCat("/openapi/v3/api/v1?hash=",
                               std::hash<std::string>{}(options.git_version))}}}}}});
    });
    s.Get("/openapi/v3/api/v1", [this](const httplib::Request&, httplib::Response& res) {
      Reply(res, 200, OpenApiCoreV1());
    });
    // Collections.
    s.Get(R"(/api/v1/(pods|nodes|events))",
          [this](const httplib::Request& req, httplib::Response& res) {
            List(req, res, req.matches[1], "");
          });
    s.Post(R"(/api/v1/(nodes))", [this](const httplib::Request& req, httplib::Response& res) {
      Create(req, res, req.matches[1], "");
    });
    s.Get(R"(/api/v1/namespaces/([^/]+)/(pods|events))",
          [this](const httplib::Request& req, httplib::Response& res) {
            List(req, res, req.matches[2], req.matches[1]);
          });
    s.Post(R"(/api/v1/namespaces/([^/]+)/(pods|events))",
           [this](const httplib::Request& req, httplib::Response& res) {
             Create(req, res, req.matches[2], req.matches[1]);
           });
    // Namespaced items and subresources.
    s.Get(R"(/api/v1/namespaces/([^/]+)/(pods|events)/([^/]+))",
          [this](const httplib::Request& req, httplib::Response& res) {
            Get(res, req.matches[2], req.matches[1], req.matches[3]);
          });
    s.Patch(R"(/api/v1/namespaces/([^/]+)/(pods|events)/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res) {
              Patch(req, res, req.matches[2], req.matches[1], req.matches[3], "");
            });
    s.Delete(R"(/api/v1/namespaces/([^/]+)/(pods|events)/([^/]+))",
             [this](const httplib::Request& req, httplib::Response& res) {
               Delete(req, res, req.matches[2], req.matches[1], req.matches[3]);
             });
    s.Get(R"(/api/v1/namespaces/([^/]+)/pods/([^/]+)/(status|resize))",
          [this](const httplib::Request& req, httplib::Response& res) {
            if (req.matches[3] == "resize" && !HasResize()) {
              return ReplyError(res, 404, "the server could not find the requested resource");
            }
            Get(res, "pods", req.matches[1], req.matches[2]);
          });
    s.Patch(R"(/api/v1/namespaces/([^/]+)/pods/([^/]+)/(status|resize))",
            [this](const httplib::Request& req, httplib::Response& res) {
              if (req.matches[3] == "resize" && !HasResize()) {
                return ReplyError(res, 404, "the server could not find the requested resource");
              }
              Patch(req, res, "pods", req.matches[1], req.matches[2], req.matches[3]);
            });
    // Cluster-scoped items.
    s.Get(R"(/api/v1/nodes/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      Get(res, "nodes", "", req.matches[1]);
    });
    s.Get(R"(/api/v1/nodes/([^/]+)/status)",
          [this](const httplib::Request& req, httplib::Response& res) {
            Get(res, "nodes", "", req.matches[1]);
          });
    s.Patch(R"(/api/v1/nodes/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res) {
              Patch(req, res, "nodes", "", req.matches[1], "");
            });
    s.Patch(R"(/api/v1/nodes/([^/]+)/status)",
            [this](const httplib::Request& req, httplib::Response& res) {
              Patch(req, res, "nodes", "", req.matches[1], "status");
            });
    s.Delete(R"(/api/v1/nodes/([^/]+))",
             [this](const httplib::Request& req, httplib::Response& res) {
               Delete(req, res, "nodes", "", req.matches[1]);
             });
    // Faults and the request log.
    s.Post(R"(/admin/([a-z-]+))", [this](const httplib::Request& req, httplib::Response& res) {
      Admin(req, res, req.matches[1]);
    });
    s.Get(R"(/admin/(requests))", [this](const httplib::Request& req, httplib::Response& res) {
      Admin(req, res, req.matches[1]);
    });
    s.Delete(R"(/admin/(requests))", [this](const httplib::Request& req, httplib::Response& res) {
      Admin(req, res, req.matches[1]);
    });
  }
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { Stop(); }

namespace {

std::string RandomHex(int bytes) {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < bytes; ++i) out += absl::StrFormat("%02x", rd() & 0xff);
  return out;
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
  f.close();
  if (!f) return absl::InternalError("cannot write " + path);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(ApiServerOptions options) {
  if (options.state_dir.empty()) return absl::InvalidArgumentError("state_dir is required");
  auto impl = std::make_unique<Impl>();
  impl->minor = MinorOf(options.git_version);
  impl->token = options.token.empty() ? RandomHex(16) : options.token;
  impl->admin_token = RandomHex(16);
  impl->tokens = {impl->token};
  std::string cert_file = options.cert_file;
  std::string key_file = options.key_file;
  if (cert_file.empty()) {
    auto pem = MakeSelfSignedCert("resizelet-apiserver");
    if (!pem.ok()) return pem.status();
    cert_file = options.state_dir + "/apiserver.crt";
    key_file = options.state_dir + "/apiserver.key";
    if (auto s = WriteFile(cert_file, pem->cert_pem); !s.ok()) return s;
    if (auto s = WriteFile(key_file, pem->key_pem); !s.ok()) return s;
  }
  auto ca = ReadFile(cert_file);
  if (!ca.ok()) return ca.status();
  impl->ca_pem = *ca;
  impl->ca_file = cert_file;
  impl->server = std::make_unique<httplib::SSLServer>(cert_file.c_str(), key_file.c_str());
  if (!impl->server->is_valid()) return absl::InternalError("TLS setup failed");
  if (!options.client_ca_pem.empty()) {
    auto store = StoreOf(options.client_ca_pem);
    if (!store.ok()) return store.status();
    impl->client_ca = *std::move(store);
    SSL_CTX* ctx = impl->server->ssl_context();
    // Ask for a certificate and take any: PreRoute verifies it per request and answers 401.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    // Session resumption with peer verification on needs a session id context.
    static constexpr unsigned char kSessionContext[] = "resizelet-apiserver";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  }
  // Watches hold a worker each for their whole life.
  impl->server->new_task_queue = [] { return new httplib::ThreadPool(64); };
  impl->server->set_keep_alive_max_count(1000);
  // Idle keep-alive connections hold a worker; a short timeout also keeps Stop() quick.
  impl->server->set_keep_alive_timeout(2);
  impl->options = std::move(options);
  impl->Routes();
  if (impl->options.port == 0) {
    impl->port = impl->server->bind_to_any_port("127.0.0.1");
  } else {
    impl->port =
        impl->server->bind_to_port("127.0.0.1", impl->options.port) ? impl->options.port : -1;
  }
  if (impl->port <= 0) return absl::UnavailableError("cannot bind 127.0.0.1");
  Impl* raw = impl.get();
  impl->listener = std::thread([raw] { raw->server->listen_after_bind(); });
  for (int i = 0; i < 500 && !raw->server->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::unique_ptr<ApiServer> server(new ApiServer(std::move(impl)));
  server->impl_->kubeconfig_path = server->impl_->options.state_dir + "/kubeconfig";
  if (auto s = server->WriteKubeconfig(server->impl_->kubeconfig_path, ""); !s.ok()) return s;
  return server;
}

void ApiServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  impl_->store.Wake();
  impl_->server->stop();
  if (impl_->listener.joinable()) impl_->listener.join();
}

int ApiServer::port() const { return impl_->port; }
std::string ApiServer::url() const { return absl::StrCat("https://127.0.0.1:", impl_->port); }
const std::string& ApiServer::token() const { return impl_->token; }
const std::string& ApiServer::admin_token() const { return impl_->admin_token; }
const std::string& ApiServer::ca_pem() const { return impl_->ca_pem; }
const std::string& ApiServer::ca_file() const { return impl_->ca_file; }
const std::string& ApiServer::kubeconfig_path() const { return impl_->kubeconfig_path; }
ObjectStore& ApiServer::store() { return impl_->store; }

absl::Status ApiServer::WriteKubeconfig(const std::string& path,
                                        const std::string& token_file) const {
  std::string user = token_file.empty() ? absl::StrCat("    token: ", impl_->token, "\n")
                                        : absl::StrCat("    tokenFile: ", token_file, "\n");
  return WriteKubeconfigWithUser(path, user);
}

absl::Status ApiServer::WriteClientCertKubeconfig(const std::string& path,
                                                  const std::string& cert_file,
                                                  const std::string& key_file) const {
  return WriteKubeconfigWithUser(path, absl::StrCat("    client-certificate: ", cert_file,
                                                    "\n    client-key: ", key_file, "\n"));
}

absl::Status ApiServer::WriteKubeconfigWithUser(const std::string& path,
                                                const std::string& user) const {
  return WriteFile(path, absl::StrCat("apiVersion: v1\n"
                                      "kind: Config\n"
                                      "clusters:\n"
                                      "- name: local\n"
                                      "  cluster:\n"
                                      "    server: ",
                                      url(),
                                      "\n"
                                      "    certificate-authority-data: ",
                                      absl::Base64Escape(impl_->ca_pem),
                                      "\n"
                                      "users:\n"
                                      "- name: local\n"
                                      "  user:\n",
                                      user,
                                      "contexts:\n"
                                      "- name: local\n"
                                      "  context:\n"
                                      "    cluster: local\n"
                                      "    user: local\n"
                                      "    namespace: default\n"
                                      "current-context: local\n"));
}

void ApiServer::SetTokens(std::vector<std::string> tokens) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->tokens = std::move(tokens);
}

void ApiServer::RevokeClientCert(const std::string& serial_hex) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->revoked_serials.insert(serial_hex);
}

void ApiServer::FailNext(int code, int count, const std::string& method, const std::string& match,
                         int retry_after_seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->faults.push_back(FaultRule{code, count, method, match, retry_after_seconds});
}

void ApiServer::CutWatchesMidEvent(int count) {
  impl_->cut_pending += count;
  impl_->store.Wake();
}
void ApiServer::DropWatches() {
  ++impl_->drop_generation;
  impl_->store.Wake();
}
void ApiServer::ExpireNextWatch() { impl_->expire_next_watch = true; }
void ApiServer::SetStallWatches(bool stall) { impl_->stall = stall; }
void ApiServer::CompactHistory() { impl_->store.Compact(); }

std::vector<RequestRecord> ApiServer::RequestLog() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->log;
}
void ApiServer::ClearRequestLog() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->log.clear();
}
int ApiServer::CountRequests(const std::string& method, const std::string& match) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  int n = 0;
  for (const auto& r : impl_->log) {
    if ((method.empty() || r.method == method) &&
        absl::StrContains(absl::StrCat(r.path, "?", r.query), match)) {
      ++n;
    }
  }
  return n;
}
int ApiServer::OpenWatches() const { return impl_->open_watches.load(); }

}  // namespace resizelet::apiserver
