// Reads a Kubernetes object from a file the way kubectl users write them: JSON as
// `kubectl get -o json` prints it, or YAML. YAML is converted to JSON text so that one decoder
// (agent/api/decode.h) serves both.
#ifndef RESIZELET_AGENT_CLI_DOCUMENT_H_
#define RESIZELET_AGENT_CLI_DOCUMENT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::cli {

inline constexpr size_t kMaxInputFileBytes = 8 * 1024 * 1024;

// Reads `path` (at most kMaxInputFileBytes). Errors name the file.
absl::StatusOr<std::string> ReadFileBounded(const std::string& path);

// Returns `text` as JSON: unchanged when it is a JSON object, converted when it is YAML (one
// document). Plain YAML scalars that look like numbers or booleans become JSON numbers and
// booleans, as the API server's YAML decoder does; quoted scalars stay strings.
absl::StatusOr<std::string> ToJson(std::string_view text);

}  // namespace resizelet::cli

#endif  // RESIZELET_AGENT_CLI_DOCUMENT_H_
