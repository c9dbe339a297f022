#include "agent/reconcile/resize_summary.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/kube/patch_bodies.h"

namespace resizelet::reconcile {
namespace {

// {"cpu":"500m","memory":"1Gi"}; empty when neither is set.
std::string ResourceListJson(const api::ResourceList& list) {
  std::vector<std::string> parts;
  if (list.cpu) parts.push_back(absl::StrCat("\"cpu\":", kube::JsonQuote(list.cpu->String())));
  if (list.memory) {
    parts.push_back(absl::StrCat("\"memory\":", kube::JsonQuote(list.memory->String())));
  }
  if (parts.empty()) return "";
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string RequirementsJson(const api::ResourceRequirements& r) {
  std::vector<std::string> parts;
  if (std::string limits = ResourceListJson(r.limits); !limits.empty()) {
    parts.push_back(absl::StrCat("\"limits\":", limits));
  }
  if (std::string requests = ResourceListJson(r.requests); !requests.empty()) {
    parts.push_back(absl::StrCat("\"requests\":", requests));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string ContainersJson(const std::vector<api::ContainerSpec>& containers) {
  std::vector<std::string> items;
  for (const api::ContainerSpec& c : containers) {
    items.push_back(absl::StrCat("{\"name\":", kube::JsonQuote(c.name),
                                 ",\"resources\":", RequirementsJson(c.resources), "}"));
  }
  return absl::StrCat("[", absl::StrJoin(items, ","), "]");
}

}  // namespace

std::string ResizeSummaryJson(const api::Pod& pod, std::string_view error) {
  std::vector<std::string> parts;
  if (!pod.init_containers.empty()) {
    parts.push_back(absl::StrCat("\"initContainers\":", ContainersJson(pod.init_containers)));
  }
  parts.push_back(absl::StrCat("\"containers\":", ContainersJson(pod.containers)));
  if (pod.resources && !pod.resources->empty()) {
    parts.push_back(absl::StrCat("\"resources\":", RequirementsJson(*pod.resources)));
  }
  parts.push_back(absl::StrCat("\"generation\":", pod.generation));
  if (!error.empty()) parts.push_back(absl::StrCat("\"error\":", kube::JsonQuote(error)));
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string ResizeEventMessage(std::string_view prefix, const api::Pod& pod,
                               std::string_view error) {
  return absl::StrCat(std::string(prefix), ": ", ResizeSummaryJson(pod, error));
}

}  // namespace resizelet::reconcile
