// Fuzzes the parsers of what a container runtime sends back: error messages
// (ParseMemoryBelowUsage, ClassifyRuntimeError, GetMemoryBelowUsage), OCI linux.cgroupsPath
// (CgroupDirFromCgroupsPath) and verbose ContainerStatus info (CgroupsPathFromVerboseInfo). The
// input's first byte picks an absl status code; the rest is used as a message, a cgroupsPath and
// verbose info values. Checks: the typed memory error survives the status round trip exactly;
// other codes pass through untyped; a cgroup directory is absolute; a cgroupsPath embedded in a
// runtimeSpec document is found again unchanged.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cri/cgroup_path.h"
#include "cri/cri_errors.h"

namespace {

namespace cri = ::resizelet::cri;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

void CheckMessage(absl::StatusCode code, std::string_view message) {
  const std::optional<cri::MemoryBelowUsage> parsed = cri::ParseMemoryBelowUsage(message);
  const absl::Status status = cri::ClassifyRuntimeError("UpdateContainerResources", code, message);
  if (code == absl::StatusCode::kOk) {
    Check(status.ok());
    return;
  }
  Check(status.message() == std::string("UpdateContainerResources: ").append(message));
  const std::optional<cri::MemoryBelowUsage> typed = cri::GetMemoryBelowUsage(status);
  if (parsed) {
    Check(status.code() == absl::StatusCode::kFailedPrecondition);
    Check(typed.has_value());
    Check(typed->limit_bytes == parsed->limit_bytes && typed->usage_bytes == parsed->usage_bytes &&
          typed->peak_bytes == parsed->peak_bytes);
  } else {
    // raw_code: code() folds numbers outside the canonical set into kUnknown.
    Check(status.raw_code() == static_cast<int>(code));
    Check(!typed.has_value());
  }
  Check(cri::IsGone(status) == (status.code() == absl::StatusCode::kNotFound));
}

void CheckCgroupsPath(std::string_view path) {
  auto dir = cri::CgroupDirFromCgroupsPath(path);
  if (dir.ok()) {
    Check(!dir->empty() && dir->front() == '/');
    if (path.front() == '/') {
      Check(*dir == path);
    } else {
      Check(EndsWith(*dir, ".scope") || EndsWith(*dir, ".slice"));
    }
  }
}

void CheckVerboseInfo(std::string_view input) {
  // Arbitrary values, split at '\x1e' into alternating keys and values.
  std::map<std::string, std::string> info;
  size_t start = 0;
  std::string key;
  bool want_key = true;
  while (start <= input.size()) {
    size_t sep = input.find('\x1e', start);
    if (sep == std::string_view::npos) sep = input.size();
    std::string piece(input.substr(start, sep - start));
    if (want_key) {
      key = std::move(piece);
    } else {
      info[key] = std::move(piece);
    }
    want_key = !want_key;
    start = sep + 1;
  }
  auto found = cri::CgroupsPathFromVerboseInfo(info);
  Check(found.ok() || found.status().code() == absl::StatusCode::kNotFound);

  // The input as a cgroupsPath inside a runtimeSpec, next to junk: found unchanged (JSON needs
  // valid UTF-8; otherwise the document is rejected and nothing is found).
  const std::map<std::string, std::string> wrapped = {
      {"info", R"({"pid":1,"runtimeSpec":{"ociVersion":"1.1.0","linux":{"cgroupsPath":)" +
                   JsonString(input) + "}}}"},
      {"other", std::string(input)}};
  auto embedded = cri::CgroupsPathFromVerboseInfo(wrapped);
  if (simdjson::validate_utf8(input.data(), input.size())) {
    Check(embedded.ok() && *embedded == input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Codes 0..16 are the canonical ones; anything else exercises an unknown numeric code.
  const auto code = static_cast<absl::StatusCode>(data[0] % 20);
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  CheckMessage(code, rest);
  if (!rest.empty()) CheckCgroupsPath(rest);
  CheckVerboseInfo(rest);
  return 0;
}
