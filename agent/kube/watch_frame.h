// Framing and decoding of a JSON watch stream: newline-delimited
// `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}` events that arrive split at any
// byte (HTTP chunks, TLS records). Also decodes metav1.Status error bodies.
#ifndef RESIZELET_AGENT_KUBE_WATCH_FRAME_H_
#define RESIZELET_AGENT_KUBE_WATCH_FRAME_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::kube {

// Accumulates stream bytes and yields whole lines (without the newline; empty lines skipped).
// A line longer than `max_line_bytes` is an error: the stream must be restarted.
class WatchFramer {
 public:
  explicit WatchFramer(size_t max_line_bytes = 16 * 1024 * 1024) : max_line_(max_line_bytes) {}

  absl::Status Append(std::string_view bytes);
  // The next complete line, or nullopt until more bytes arrive.
  std::optional<std::string> Next();
  // Drops a partial event (after a cut stream): it will be replayed by the next watch.
  void Reset();
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  const size_t max_line_;
  std::string buffer_;
  size_t start_ = 0;
  size_t scanned_ = 0;
};

// A metav1.Status as the API server sends it (errors, and watch ERROR objects).
struct ApiStatus {
  int code = 0;
  std::string reason;  // "NotFound", "Conflict", "Expired", "Gone", ...
  std::string message;
};

absl::StatusOr<ApiStatus> DecodeApiStatus(std::string_view json);

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  std::string object_json;       // the object, minified (empty for ERROR)
  std::string resource_version;  // object.metadata.resourceVersion
  ApiStatus error;               // for ERROR
};

// metadata.continue of a list page ("" on the last page).
absl::StatusOr<std::string> DecodeContinueToken(std::string_view list_json);

// Decodes one framed line. Unknown types and malformed JSON are InvalidArgument.
absl::StatusOr<WatchEvent> DecodeWatchEvent(std::string_view line);

}  // namespace resizelet::kube

#endif  // RESIZELET_AGENT_KUBE_WATCH_FRAME_H_
