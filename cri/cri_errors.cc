#include "cri/cri_errors.h"

#include <charconv>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace resizelet::cri {
namespace {

constexpr std::string_view kMemoryBelowUsageUrl = "type.resizelet.io/cri.MemoryBelowUsage";

// Reads a decimal integer at the start of `*s` and advances past it.
bool ConsumeInt(std::string_view* s, int64_t* out) {
  const char* begin = s->data();
  const char* end = s->data() + s->size();
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  if (ec != std::errc() || ptr == begin) {
    return false;
  }
  s->remove_prefix(static_cast<size_t>(ptr - begin));
  return true;
}

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) {
    return false;
  }
  s->remove_prefix(prefix.size());
  return true;
}

}  // namespace

std::optional<MemoryBelowUsage> ParseMemoryBelowUsage(std::string_view message) {
  // The exact text of runc's libcontainer/cgroups/fs/memory.go (setMemoryAndSwap).
  constexpr std::string_view kLead = "unable to set memory limit to ";
  size_t pos = message.find(kLead);
  if (pos == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = message.substr(pos + kLead.size());
  MemoryBelowUsage out;
  if (!ConsumeInt(&rest, &out.limit_bytes)) {
    return std::nullopt;
  }
  if (!ConsumePrefix(&rest, " (current usage: ")) {
    return std::nullopt;
  }
  if (!ConsumeInt(&rest, &out.usage_bytes)) {
    return std::nullopt;
  }
  if (!ConsumePrefix(&rest, ", peak usage: ")) {
    return std::nullopt;
  }
  if (!ConsumeInt(&rest, &out.peak_bytes)) {
    return std::nullopt;
  }
  return out;
}

absl::Status ClassifyRuntimeError(std::string_view method, absl::StatusCode code,
                                  std::string_view message) {
  if (code == absl::StatusCode::kOk) {
    return absl::OkStatus();
  }
  const std::string text = absl::StrCat(absl::string_view(method.data(), method.size()), ": ",
                                        absl::string_view(message.data(), message.size()));
  if (std::optional<MemoryBelowUsage> m = ParseMemoryBelowUsage(message)) {
    absl::Status status(absl::StatusCode::kFailedPrecondition, text);
    status.SetPayload(
        absl::string_view(kMemoryBelowUsageUrl.data(), kMemoryBelowUsageUrl.size()),
        absl::Cord(absl::StrCat(m->limit_bytes, " ", m->usage_bytes, " ", m->peak_bytes)));
    return status;
  }
  return absl::Status(code, text);
}

std::optional<MemoryBelowUsage> GetMemoryBelowUsage(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kFailedPrecondition) {
    return std::nullopt;
  }
  absl::optional<absl::Cord> payload = status.GetPayload(
      absl::string_view(kMemoryBelowUsageUrl.data(), kMemoryBelowUsageUrl.size()));
  if (!payload.has_value()) {
    return std::nullopt;
  }
  const std::string flat(*payload);
  std::string_view rest(flat);
  MemoryBelowUsage out;
  if (!ConsumeInt(&rest, &out.limit_bytes) || !ConsumePrefix(&rest, " ") ||
      !ConsumeInt(&rest, &out.usage_bytes) || !ConsumePrefix(&rest, " ") ||
      !ConsumeInt(&rest, &out.peak_bytes)) {
    return std::nullopt;
  }
  return out;
}

bool IsGone(const absl::Status& status) { return status.code() == absl::StatusCode::kNotFound; }

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace resizelet::cri
