#include "agent/kube/status_writer.h"

#include "absl/strings/str_cat.h"

namespace resizelet::kube {

absl::Status PodStatusWriter::PatchResizeConditions(const PodRef& pod,
                                                    const ResizeConditions& conditions,
                                                    const std::vector<api::PodCondition>& current) {
  return PatchStatus(pod, ResizeConditionsPatch(pod, conditions, current, Rfc3339(clock_->Now())));
}

absl::Status PodStatusWriter::PatchLegacyResize(const PodRef& pod, std::string_view value) {
  return PatchStatus(pod, LegacyResizePatch(pod, value));
}

absl::Status PodStatusWriter::PatchStatus(const PodRef& pod, std::string body) {
  HttpRequest request;
  request.method = "PATCH";
  request.path = absl::StrCat("/api/v1/namespaces/", UrlEncode(pod.namespace_name), "/pods/",
                              UrlEncode(pod.name), "/status");
  request.content_type = kStrategicMergePatch;
  request.body = std::move(body);
  request.timeout = timeout_;
  auto response = client_->Do(request);
  if (!response.ok()) return response.status();
  return StatusFromResponse(*response);
}

}  // namespace resizelet::kube
