#include "agent/kube/patch_bodies.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace resizelet::kube {
namespace {

const api::PodCondition* Find(const std::vector<api::PodCondition>& conditions,
                              std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::string ConditionJson(std::string_view type, const std::optional<ConditionValue>& value,
                          const ResizeConditions& all,
                          const std::vector<api::PodCondition>& current, std::string_view now) {
  if (!value) return absl::StrCat(R"({"type":)", JsonQuote(type), R"(,"$patch":"delete"})");
  const api::PodCondition* existing = Find(current, type);
  const std::string transition =
      existing != nullptr && existing->status == "True" && !existing->last_transition_time.empty()
          ? existing->last_transition_time
          : std::string(now);
  std::string out = absl::StrCat(R"({"type":)", JsonQuote(type), R"(,"status":"True")");
  if (!value->reason.empty()) absl::StrAppend(&out, R"(,"reason":)", JsonQuote(value->reason));
  if (!value->message.empty()) absl::StrAppend(&out, R"(,"message":)", JsonQuote(value->message));
  if (all.observed_generation) {
    absl::StrAppend(&out, R"(,"observedGeneration":)", *all.observed_generation);
  }
  absl::StrAppend(&out, R"(,"lastProbeTime":null,"lastTransitionTime":)", JsonQuote(transition),
                  "}");
  return out;
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::string Rfc3339(absl::Time t) {
  // Seconds precision, truncated like Go's time.Time.Format(time.RFC3339) for metav1.Time.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string ResizeConditionsPatch(const PodRef& pod, const ResizeConditions& conditions,
                                  const std::vector<api::PodCondition>& current,
                                  std::string_view now_rfc3339) {
  return absl::StrCat(
      R"({"metadata":{"uid":)", JsonQuote(pod.uid), R"(},"status":{"conditions":[)",
      ConditionJson(kPodResizePending, conditions.pending, conditions, current, now_rfc3339), ",",
      ConditionJson(kPodResizeInProgress, conditions.in_progress, conditions, current, now_rfc3339),
      "]}}");
}

std::string LegacyResizePatch(const PodRef& pod, std::string_view value) {
  return absl::StrCat(R"({"metadata":{"uid":)", JsonQuote(pod.uid), R"(},"status":{"resize":)",
                      value.empty() ? std::string("null") : JsonQuote(value), "}}");
}

std::string EventBody(const EventFields& e) {
  return absl::StrCat(R"({"kind":"Event","apiVersion":"v1","metadata":{"name":)", JsonQuote(e.name),
                      R"(,"namespace":)", JsonQuote(e.pod.namespace_name),
                      R"(},"involvedObject":{"kind":"Pod","apiVersion":"v1","namespace":)",
                      JsonQuote(e.pod.namespace_name), R"(,"name":)", JsonQuote(e.pod.name),
                      R"(,"uid":)", JsonQuote(e.pod.uid), R"(},"reason":)", JsonQuote(e.reason),
                      R"(,"message":)", JsonQuote(e.message), R"(,"type":)", JsonQuote(e.type),
                      R"(,"source":{"component":)", JsonQuote(e.component), R"(,"host":)",
                      JsonQuote(e.host), R"(},"firstTimestamp":)", JsonQuote(e.first_timestamp),
                      R"(,"lastTimestamp":)", JsonQuote(e.last_timestamp), R"(,"count":)", e.count,
                      R"(,"reportingComponent":)", JsonQuote(e.component),
                      R"(,"reportingInstance":)", JsonQuote(e.host), "}");
}

std::string EventRepeatPatch(int count, std::string_view last_timestamp) {
  return absl::StrCat(R"({"count":)", count, R"(,"lastTimestamp":)", JsonQuote(last_timestamp),
                      "}");
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += absl::StrFormat("%%%02X", c);
    }
  }
  return out;
}

}  // namespace resizelet::kube
