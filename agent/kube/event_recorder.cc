#include "agent/kube/event_recorder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace resizelet::kube {
namespace {

std::string EventsPath(const PodRef& pod) {
  return absl::StrCat("/api/v1/namespaces/", UrlEncode(pod.namespace_name), "/events");
}

}  // namespace

EventRecorder::EventRecorder(KubeClient* client, runtime::Clock* clock, std::string host,
                             std::string component, absl::Duration aggregation_window)
    : client_(client),
      clock_(clock),
      host_(std::move(host)),
      component_(std::move(component)),
      window_(aggregation_window) {}

absl::Status EventRecorder::Create(const PodRef& pod, std::string_view type,
                                   std::string_view reason, std::string_view message, Seen& seen) {
  const absl::Time wall = clock_->Now();
  // client-go names events <object>.<unix nanos in hex>; strictly increasing here so that two
  // events in the same clock tick do not collide.
  int64_t nanos = absl::ToUnixNanos(wall);
  if (nanos <= last_name_nanos_) nanos = last_name_nanos_ + 1;
  last_name_nanos_ = nanos;
  EventFields e;
  e.name = absl::StrFormat("%s.%x", pod.name, nanos);
  e.pod = pod;
  e.type = std::string(type);
  e.reason = std::string(reason);
  // Keep messages within 1 KiB like the kubelet's recorder.
  e.message = std::string(message.substr(0, 1024));
  e.component = component_;
  e.host = host_;
  e.first_timestamp = Rfc3339(wall);
  e.last_timestamp = e.first_timestamp;
  e.count = 1;
  HttpRequest request;
  request.method = "POST";
  request.path = EventsPath(pod);
  request.content_type = "application/json";
  request.body = EventBody(e);
  request.request_class = RequestClass::kEvent;
  auto response = client_->Do(request);
  if (!response.ok()) return response.status();
  if (auto s = StatusFromResponse(*response); !s.ok()) return s;
  seen = Seen{e.name, e.first_timestamp, 1, clock_->Now()};
  return absl::OkStatus();
}

absl::Status EventRecorder::Record(const PodRef& pod, std::string_view type,
                                   std::string_view reason, std::string_view message) {
  const std::string key = absl::StrCat(pod.uid, "\x1f", std::string(type), "\x1f",
                                       std::string(reason), "\x1f", std::string(message));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seen_.find(key);
  const absl::Time now = clock_->Now();
  if (it == seen_.end() || now - it->second.last > window_) {
    if (seen_.size() >= kMaxRemembered) seen_.clear();
    Seen fresh;
    absl::Status s = Create(pod, type, reason, message, fresh);
    if (s.ok()) seen_[key] = fresh;
    return s;
  }
  Seen& seen = it->second;
  HttpRequest request;
  request.method = "PATCH";
  request.path = absl::StrCat(EventsPath(pod), "/", UrlEncode(seen.name));
  request.content_type = "application/strategic-merge-patch+json";
  request.body = EventRepeatPatch(seen.count + 1, Rfc3339(clock_->Now()));
  request.request_class = RequestClass::kEvent;
  auto response = client_->Do(request);
  if (!response.ok()) return response.status();
  if (response->code == 404) {
    // Expired (event TTL) or deleted: start a new one.
    Seen fresh;
    absl::Status s = Create(pod, type, reason, message, fresh);
    if (s.ok()) seen = fresh;
    return s;
  }
  if (auto s = StatusFromResponse(*response); !s.ok()) return s;
  ++seen.count;
  seen.last = now;
  return absl::OkStatus();
}

}  // namespace resizelet::kube
