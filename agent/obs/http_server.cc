#include "agent/obs/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/obs/host_port.h"
#include "agent/obs/log.h"
#include "agent/obs/metrics.h"

namespace resizelet::obs {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";

void SetTimeout(absl::Duration d, const std::function<void(time_t, time_t)>& set) {
  int64_t us = absl::ToInt64Microseconds(d);
  set(static_cast<time_t>(us / 1000000), static_cast<time_t>(us % 1000000));
}

bool ValidCheckName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

void Reply(httplib::Response& res, int status, std::string body) {
  res.status = status;
  // As the kube-apiserver's health endpoints: plain text that browsers must not sniff.
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(std::move(body), kTextPlain);
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, const MetricRegistry* metrics)
    : options_(std::move(options)),
      metrics_(metrics),
      server_(std::make_unique<httplib::Server>()) {
  AddLivenessCheck("ping", [] { return absl::OkStatus(); });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddLivenessCheck(std::string name, HealthCheck check) {
  AddCheck(std::move(name), std::move(check), /*readiness=*/false);
}

void HttpServer::AddReadinessCheck(std::string name, HealthCheck check) {
  AddCheck(std::move(name), std::move(check), /*readiness=*/true);
}

void HttpServer::AddCheck(std::string name, HealthCheck check, bool readiness) {
  if (!ValidCheckName(name)) {
    Error(absl::InvalidArgumentError("health check names are [a-z0-9-]+"), "Ignoring health check",
          {{"check", name}});
    return;
  }
  absl::MutexLock lock(&mu_);
  for (Check& c : checks_) {
    if (c.name == name) {
      c.check = std::move(check);
      c.readiness = readiness;
      return;
    }
  }
  checks_.push_back({std::move(name), std::move(check), readiness});
}

std::vector<HttpServer::Check> HttpServer::ChecksFor(bool readiness) const {
  absl::MutexLock lock(&mu_);
  std::vector<Check> out;
  for (const Check& c : checks_) {
    if (readiness || !c.readiness) out.push_back(c);
  }
  return out;
}

void HttpServer::InstallRoutes() {
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    if (metrics_ == nullptr) {
      Reply(res, 404, "404 page not found\n");
      return;
    }
    res.status = 200;
    res.set_content(metrics_->Render(), std::string(MetricRegistry::kContentType).c_str());
  });

  // The kube-apiserver's aggregate health handler (healthz.handleRootHealth): every check runs;
  // the body lists them when verbose or when one failed.
  auto aggregate = [this](std::string endpoint, bool readiness) {
    return [this, endpoint, readiness](const httplib::Request& req, httplib::Response& res) {
      std::set<std::string> excluded;
      for (size_t i = 0; i < req.get_param_value_count("exclude"); ++i) {
        excluded.insert(req.get_param_value("exclude", i));
      }
      std::string body;
      bool failed = false;
      for (const Check& c : ChecksFor(readiness)) {
        if (excluded.erase(c.name) > 0) {
          absl::StrAppend(&body, "[+]", c.name, " excluded: ok\n");
          continue;
        }
        absl::Status s = c.check();
        if (s.ok()) {
          absl::StrAppend(&body, "[+]", c.name, " ok\n");
        } else {
          failed = true;
          // The reason goes to the log only: these endpoints are unauthenticated.
          absl::StrAppend(&body, "[-]", c.name, " failed: reason withheld\n");
          Warning("Health check failed", {{"endpoint", endpoint}, {"check", c.name}, {"err", s}});
        }
      }
      if (!excluded.empty()) {
        std::string names;
        for (const std::string& n : excluded) absl::StrAppend(&names, names.empty() ? "" : ",", n);
        absl::StrAppend(&body, "warn: some health checks cannot be excluded: no matches for \"",
                        names, "\"\n");
      }
      if (failed) {
        absl::StrAppend(&body, endpoint, " check failed\n");
        Reply(res, 500, std::move(body));
      } else if (req.has_param("verbose")) {
        absl::StrAppend(&body, endpoint, " check passed\n");
        Reply(res, 200, std::move(body));
      } else {
        Reply(res, 200, "ok");
      }
    };
  };
  // One check: "ok", or the apiserver's "internal server error: <reason>".
  auto single = [this](bool readiness) {
    return [this, readiness](const httplib::Request& req, httplib::Response& res) {
      std::string name = req.matches[1];
      for (const Check& c : ChecksFor(readiness)) {
        if (c.name != name) continue;
        absl::Status s = c.check();
        if (s.ok()) {
          Reply(res, 200, "ok");
        } else {
          Reply(res, 500, absl::StrCat("internal server error: ", s.message(), "\n"));
        }
        return;
      }
      Reply(res, 404, "404 page not found\n");
    };
  };
  server_->Get("/healthz", aggregate("healthz", false));
  server_->Get("/livez", aggregate("livez", false));
  server_->Get("/readyz", aggregate("readyz", true));
  server_->Get(R"(/healthz/([a-z0-9-]+))", single(false));
  server_->Get(R"(/livez/([a-z0-9-]+))", single(false));
  server_->Get(R"(/readyz/([a-z0-9-]+))", single(true));
}

absl::Status HttpServer::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("HTTP server already started");
  std::string host;
  int port = 0;
  if (absl::Status s = ParseHostPort(options_.address, &host, &port); !s.ok()) return s;

  SetTimeout(options_.read_timeout, [&](time_t s, time_t us) { server_->set_read_timeout(s, us); });
  SetTimeout(options_.write_timeout,
             [&](time_t s, time_t us) { server_->set_write_timeout(s, us); });
  SetTimeout(options_.read_timeout,
             [&](time_t s, time_t) { server_->set_keep_alive_timeout(std::max<time_t>(s, 1)); });
  server_->set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_requests));
  // Every endpoint is a GET: a request body is never needed.
  server_->set_payload_max_length(4096);
  int threads = std::max(1, options_.threads);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // cpp-httplib's default socket options add SO_REUSEPORT, which lets a second daemon bind the
  // same port and silently take half the scrapes: keep only SO_REUSEADDR (restart after a crash
  // without waiting out TIME_WAIT).
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  InstallRoutes();

  if (port == 0) {
    port = server_->bind_to_any_port(host);
    if (port < 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.address));
    }
  } else if (!server_->bind_to_port(host, port)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.address, " (address in use or not local?)"));
  }
  port_ = port;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Stop() can only interrupt a server that is running: wait for the accept loop to start.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running()) {
    return absl::DeadlineExceededError("HTTP server did not start within 5s");
  }
  Info("Serving operations endpoints", {{"address", options_.address}, {"port", port_}});
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace resizelet::obs
