#include "agent/kube/list_watcher.h"

#include <algorithm>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/kube/patch_bodies.h"

namespace resizelet::kube {

ListWatcher::ListWatcher(KubeClient* client, runtime::Clock* clock, ListWatchSink* sink,
                         ListWatchOptions options)
    : client_(client),
      clock_(clock),
      sink_(sink),
      options_(std::move(options)),
      backoff_(options_.backoff, clock, runtime::RandomSeed()) {}

std::string ListWatcher::resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

absl::Status ListWatcher::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void ListWatcher::SetError(absl::Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = std::move(s);
}

void ListWatcher::Sleep(absl::Duration d, const std::atomic<bool>& stop) {
  // In slices of at most 100 ms so that Run() notices `stop` promptly.
  const absl::Time until = clock_->Now() + d;
  while (!stop.load()) {
    const absl::Time now = clock_->Now();
    if (now >= until) return;
    clock_->SleepUntil(std::min(until, now + absl::Milliseconds(100)));
  }
}

absl::Status ListWatcher::List() {
  ++stats_.lists;
  // Pages of `limit` items, following metadata.continue. An expired continue token (410) fails
  // the whole list; the caller backs off and lists again from the start.
  std::vector<std::string> pages;
  std::string token;
  const char* sep = absl::StrContains(options_.list_path, "?") ? "&" : "?";
  do {
    HttpRequest request;
    request.path = options_.list_path;
    if (options_.page_size > 0) {
      absl::StrAppend(&request.path, sep, "limit=", options_.page_size);
      if (!token.empty()) absl::StrAppend(&request.path, "&continue=", UrlEncode(token));
    }
    request.timeout = options_.list_timeout;
    auto response = client_->Do(request);
    if (!response.ok()) return response.status();
    if (auto s = StatusFromResponse(*response); !s.ok()) return s;
    auto next = DecodeContinueToken(response->body);
    if (!next.ok()) return next.status();
    token = *next;
    pages.push_back(std::move(response->body));
  } while (!token.empty() && options_.page_size > 0);
  auto rv = sink_->Replace(pages);
  if (!rv.ok()) return rv.status();
  std::lock_guard<std::mutex> lock(mu_);
  resource_version_ = *rv;
  return absl::OkStatus();
}

ListWatcher::WatchEnd ListWatcher::Watch(const std::atomic<bool>& stop) {
  ++stats_.watches;
  // client-go's reflector: a random timeout in [min, 2*min) so that watches do not all end at once.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto span = options_.max_watch_timeout - options_.min_watch_timeout;
  const absl::Duration timeout =
      options_.min_watch_timeout + span * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  const int64_t timeout_seconds = std::max<int64_t>(1, absl::ToInt64Seconds(timeout));
  HttpRequest request;
  request.path =
      absl::StrCat(options_.list_path, absl::StrContains(options_.list_path, "?") ? "&" : "?",
                   "watch=1&allowWatchBookmarks=true&resourceVersion=", resource_version(),
                   "&timeoutSeconds=", timeout_seconds);
  request.timeout = absl::Seconds(timeout_seconds) + absl::Seconds(30);

  WatchFramer framer;
  WatchEnd end = WatchEnd::kRewatch;
  absl::Status failure;
  auto on_data = [&](std::string_view bytes) -> bool {
    if (auto s = framer.Append(bytes); !s.ok()) {
      failure = s;
      end = WatchEnd::kBackoff;
      return false;
    }
    while (auto line = framer.Next()) {
      auto event = DecodeWatchEvent(*line);
      if (!event.ok()) {
        failure = event.status();
        end = WatchEnd::kBackoff;
        return false;
      }
      if (event->type == WatchEventType::kError) {
        // 410 Expired/Gone, and any other in-stream error: the watch cannot continue from here.
        failure = absl::AbortedError(absl::StrCat("watch ERROR ", event->error.code, " ",
                                                  event->error.reason, ": ", event->error.message));
        if (event->error.code == 410) ++stats_.relists_after_gone;
        end = WatchEnd::kRelist;
        return false;
      }
      if (event->type == WatchEventType::kBookmark) {
        ++stats_.bookmarks;
      } else {
        ++stats_.events;
        if (auto s = sink_->Apply(event->type, event->object_json); !s.ok()) {
          failure = s;
          end = WatchEnd::kRelist;
          return false;
        }
      }
      std::lock_guard<std::mutex> lock(mu_);
      resource_version_ = event->resource_version;
    }
    return !stop.load();
  };
  std::string error_body;
  auto code = client_->Stream(request, on_data, options_.idle_timeout, &stop, &error_body);
  if (!failure.ok()) {
    SetError(failure);
    return end;
  }
  if (!code.ok()) {
    SetError(code.status());
    return stop.load() ? WatchEnd::kRewatch : WatchEnd::kBackoff;
  }
  if (*code == 410) {
    ++stats_.relists_after_gone;
    SetError(absl::OutOfRangeError("watch: 410 Gone"));
    return WatchEnd::kRelist;
  }
  if (*code < 200 || *code >= 300) {
    SetError(StatusFromResponse(HttpResponse{*code, error_body}));
    return WatchEnd::kBackoff;
  }
  return WatchEnd::kRewatch;  // the server ended the watch at timeoutSeconds
}

void ListWatcher::Run(const std::atomic<bool>& stop) {
  bool need_list = true;
  int relists_in_a_row = 0;
  while (!stop.load()) {
    if (need_list && relists_in_a_row > 1) {
      // A server that keeps failing watches right after a list must not get a relist hot loop.
      Sleep(backoff_.Next(), stop);
    }
    if (need_list) {
      absl::Status s = List();
      if (!s.ok()) {
        SetError(s);
        Sleep(backoff_.Next(), stop);
        continue;
      }
      need_list = false;
      synced_ = true;
    }
    const int events_before = stats_.events.load() + stats_.bookmarks.load();
    const WatchEnd end = Watch(stop);
    const bool progressed = stats_.events.load() + stats_.bookmarks.load() > events_before;
    switch (end) {
      case WatchEnd::kRewatch:
        relists_in_a_row = 0;
        break;
      case WatchEnd::kRelist:
        need_list = true;
        relists_in_a_row = progressed ? 1 : relists_in_a_row + 1;
        break;
      case WatchEnd::kBackoff:
        ++stats_.watch_failures;
        Sleep(backoff_.Next(), stop);
        break;
    }
  }
}

}  // namespace resizelet::kube
