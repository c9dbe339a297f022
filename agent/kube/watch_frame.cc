#include "agent/kube/watch_frame.h"

#include <simdjson.h>

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/api/decode.h"

namespace resizelet::kube {
namespace {

// The event wrapper adds one level to its object: any object api::DecodePod accepts (nested up
// to api::kMaxNestingDepth) is accepted inside an event, and nothing much deeper.
constexpr size_t kMaxDepth = api::kMaxNestingDepth + 1;
constexpr size_t kMaxDocument = 8 * 1024 * 1024;
// Parser buffers a thread keeps between documents: enough for any watch event.
constexpr size_t kRetainedParserBytes = 1024 * 1024;

// This thread's parser, kept between documents: a parser made per event allocates buffers of
// about ten times the document (tape, strings, structural indexes) and frees them again, every
// event (bench/README.md, "Daemon footprint"). Its depth cap refuses input nested deeper than
// kMaxDepth while parsing. Null if the first allocation failed.
simdjson::dom::parser* ThreadParser() {
  thread_local simdjson::dom::parser parser(kMaxDocument);
  thread_local bool allocated = parser.allocate(4096, kMaxDepth) == simdjson::SUCCESS;
  return allocated ? &parser : nullptr;
}

// Gives a large document's memory back once the caller is done with the parsed element (a big
// list page must not pin megabytes in every watching thread).
class ShrinkParserAfter {
 public:
  explicit ShrinkParserAfter(size_t bytes) : bytes_(bytes) {}
  ~ShrinkParserAfter() {
    if (bytes_ <= kRetainedParserBytes) return;
    if (simdjson::dom::parser* parser = ThreadParser(); parser != nullptr) {
      *parser = simdjson::dom::parser(kMaxDocument);
      if (parser->allocate(4096, kMaxDepth) != simdjson::SUCCESS) {
        // The next Parse allocates again, or reports that it cannot.
      }
    }
  }
  ShrinkParserAfter(const ShrinkParserAfter&) = delete;
  ShrinkParserAfter& operator=(const ShrinkParserAfter&) = delete;

 private:
  size_t bytes_;
};

// The returned element points into this thread's parser: valid until the next Parse here.
absl::StatusOr<simdjson::dom::element> Parse(std::string_view json) {
  if (json.size() > kMaxDocument) return absl::InvalidArgumentError("document too large");
  simdjson::dom::parser* parser = ThreadParser();
  if (parser == nullptr || (parser->max_depth() != kMaxDepth &&
                            parser->allocate(4096, kMaxDepth) != simdjson::SUCCESS)) {
    return absl::ResourceExhaustedError("cannot allocate the JSON parser");
  }
  simdjson::dom::element root;
  if (auto err = parser->parse(json.data(), json.size()).get(root); err) {
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
  ShrinkParserAfter shrink(json.size());
  auto root = Parse(json);
  if (!root.ok()) return root.status();
  if (!root->is_object()) return absl::InvalidArgumentError("Status is not an object");
  return StatusFrom(*root);
}

absl::StatusOr<std::string> DecodeContinueToken(std::string_view list_json) {
  ShrinkParserAfter shrink(list_json.size());
  auto root = Parse(list_json);
  if (!root.ok()) return root.status();
  if (!root->is_object()) return absl::InvalidArgumentError("list is not an object");
  std::string_view token;
  if ((*root)["metadata"]["continue"].get(token)) return std::string();
  return std::string(token);
}

absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view line) {
  ShrinkParserAfter shrink(line.size());
  auto root = Parse(line);
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
