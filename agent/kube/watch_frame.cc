#include "agent/kube/watch_frame.h"

#include <simdjson.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace resizelet::kube {
namespace {

// Input beyond this depth is refused before simdjson sees it (matches api::kMaxNestingDepth).
constexpr size_t kMaxDepth = 64;
constexpr size_t kMaxDocument = 8 * 1024 * 1024;

bool TooDeep(std::string_view json) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

absl::StatusOr<simdjson::dom::element> Parse(simdjson::dom::parser& parser, std::string_view json,
                                             simdjson::padded_string& storage) {
  if (json.size() > kMaxDocument) return absl::InvalidArgumentError("document too large");
  if (TooDeep(json)) return absl::InvalidArgumentError("document nested too deeply");
  storage = simdjson::padded_string(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(storage).get(root); err) {
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
  simdjson::dom::parser parser;
  simdjson::padded_string storage;
  auto root = Parse(parser, json, storage);
  if (!root.ok()) return root.status();
  if (!root->is_object()) return absl::InvalidArgumentError("Status is not an object");
  return StatusFrom(*root);
}

absl::StatusOr<std::string> DecodeContinueToken(std::string_view list_json) {
  simdjson::dom::parser parser;
  simdjson::padded_string storage;
  auto root = Parse(parser, list_json, storage);
  if (!root.ok()) return root.status();
  if (!root->is_object()) return absl::InvalidArgumentError("list is not an object");
  std::string_view token;
  if ((*root)["metadata"]["continue"].get(token)) return std::string();
  return std::string(token);
}

absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::padded_string storage;
  auto root = Parse(parser, line, storage);
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
