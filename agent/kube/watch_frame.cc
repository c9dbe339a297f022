#include "agent/kube/watch_frame.h"

#include <simdjson.h>

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/api/decode.h"
#include "agent/api/reusable_parser.h"

namespace resizelet::kube {
namespace {

// The event wrapper adds one level to its object: any object api::DecodePod accepts (nested up
// to api::kMaxNestingDepth) is accepted inside an event, and nothing much deeper.
constexpr size_t kMaxDepth = api::kMaxNestingDepth + 1;
constexpr size_t kMaxDocument = 8 * 1024 * 1024;
// This thread's parser for watch events, list pages and Status bodies.
api::ReusableParser& ThreadParser() {
  thread_local api::ReusableParser parser(kMaxDocument, kMaxDepth);
  return parser;
}

// The returned element points into the leased parser: valid while `lease` lasts.
absl::StatusOr<simdjson::dom::element> Parse(std::string_view json,
                                             api::ReusableParser::Lease& lease) {
  if (json.size() > kMaxDocument) return absl::InvalidArgumentError("document too large");
  absl::StatusOr<simdjson::dom::parser*> parser = lease.Get();
  if (!parser.ok()) return parser.status();
  simdjson::dom::element root;
  if (auto err = (*parser)->parse(json.data(), json.size()).get(root); err) {
    if (err == simdjson::DEPTH_ERROR) {
      return absl::InvalidArgumentError("document nested too deeply");
    }
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", simdjson::error_message(err)));
  }
  return root;
}

ApiStatus StatusFrom(simdjson::dom::element e) {
  ApiStatus s;
  int64_t code = 0;
  if (!e["code"].get(code)) s.code = static_cast<int>(code);
  std::string_view v;
  if (!e["reason"].get(v)) s.reason = std::string(v);
  if (!e["message"].get(v)) s.message = std::string(v);
  return s;
}

}  // namespace

absl::Status WatchFramer::Append(std::string_view bytes) {
  buffer_.append(bytes.data(), bytes.size());
  if (buffer_.find('\n', scanned_) == std::string::npos) {
    scanned_ = buffer_.size();
    if (buffered() > max_line_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("watch event larger than ", max_line_, " bytes"));
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> WatchFramer::Next() {
  while (true) {
    size_t nl = buffer_.find('\n', start_);
    if (nl == std::string::npos) {
      scanned_ = buffer_.size();
      // Compact once the consumed prefix dominates, so the buffer does not grow forever.
      if (start_ > 0 && start_ >= buffer_.size() / 2) {
        buffer_.erase(0, start_);
        scanned_ -= start_;
        start_ = 0;
      }
      return std::nullopt;
    }
    std::string line = buffer_.substr(start_, nl - start_);
    start_ = nl + 1;
    if (scanned_ < start_) scanned_ = start_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    return line;
  }
}

void WatchFramer::Reset() {
  buffer_.clear();
  start_ = 0;
  scanned_ = 0;
}

absl::StatusOr<ApiStatus> DecodeApiStatus(std::string_view json) {
  api::ReusableParser::Lease lease(ThreadParser(), json.size());
  auto root = Parse(json, lease);
  if (!root.ok()) return root.status();
  if (!root->is_object()) return absl::InvalidArgumentError("Status is not an object");
  return StatusFrom(*root);
}

absl::StatusOr<std::string> DecodeContinueToken(std::string_view list_json) {
  api::ReusableParser::Lease lease(ThreadParser(), list_json.size());
  auto root = Parse(list_json, lease);
  if (!root.ok()) return root.status();
  if (!root->is_object()) return absl::InvalidArgumentError("list is not an object");
  std::string_view token;
  if ((*root)["metadata"]["continue"].get(token)) return std::string();
  return std::string(token);
}

absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view line) {
  api::ReusableParser::Lease lease(ThreadParser(), line.size());
  auto root = Parse(line, lease);
  if (!root.ok()) return root.status();
  std::string_view type;
  if (root->is_object() == false || (*root)["type"].get(type)) {
    return absl::InvalidArgumentError("watch event without a type");
  }
  simdjson::dom::element object;
  if ((*root)["object"].get(object) || !object.is_object()) {
    return absl::InvalidArgumentError("watch event without an object");
  }
  WatchEvent event;
  if (type == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    event.type = WatchEventType::kError;
    event.error = StatusFrom(object);
    return event;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown watch event type ", std::string(type)));
  }
  std::string_view rv;
  if (!object["metadata"]["resourceVersion"].get(rv)) event.resource_version = std::string(rv);
  if (event.resource_version.empty()) {
    return absl::InvalidArgumentError("watch event object without metadata.resourceVersion");
  }
  if (event.type != WatchEventType::kBookmark) event.object_json = simdjson::minify(object);
  return event;
}

}  // namespace resizelet::kube
