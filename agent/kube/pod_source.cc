#include "agent/kube/pod_source.h"

#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "agent/api/decode.h"
#include "agent/kube/patch_bodies.h"

namespace resizelet::kube {
namespace {

ListWatchOptions WithPath(ListWatchOptions options, std::string path) {
  options.list_path = std::move(path);
  return options;
}

}  // namespace

std::string PodListPath(const std::string& node_name) {
  return absl::StrCat("/api/v1/pods?fieldSelector=", UrlEncode("spec.nodeName=" + node_name));
}

std::string NodeListPath(const std::string& node_name) {
  return absl::StrCat("/api/v1/nodes?fieldSelector=", UrlEncode("metadata.name=" + node_name));
}

PodSource::PodSource(KubeClient* client, runtime::Clock* clock, std::string node_name,
                     PodCache* cache, Callback on_change, ListWatchOptions options)
    : cache_(cache),
      on_change_(std::move(on_change)),
      watcher_(client, clock, this, WithPath(std::move(options), PodListPath(node_name))) {}

PodSource::~PodSource() { Stop(); }

void PodSource::Start() {
  stop_ = false;
  thread_ = std::thread([this] { watcher_.Run(stop_); });
}

void PodSource::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::string> PodSource::Replace(const std::vector<std::string>& pages) {
  std::vector<api::Pod> pods;
  std::string rv;
  for (const auto& page : pages) {
    auto list = api::DecodePodList(page);
    if (!list.ok()) return list.status();
    for (auto& pod : list->items) pods.push_back(std::move(pod));
    rv = list->resource_version;
  }
  for (const auto& change : cache_->Replace(std::move(pods))) {
    if (on_change_) on_change_(change);
  }
  return rv;
}

absl::Status PodSource::Apply(WatchEventType type, std::string_view object_json) {
  auto pod = api::DecodePod(object_json);
  if (!pod.ok()) return pod.status();
  if (type == WatchEventType::kDeleted) {
    if (auto change = cache_->Delete(pod->uid); change && on_change_) on_change_(*change);
    return absl::OkStatus();
  }
  PodChange change = cache_->Upsert(*std::move(pod));
  if (on_change_) on_change_(change);
  return absl::OkStatus();
}

NodeSource::NodeSource(KubeClient* client, runtime::Clock* clock, std::string node_name,
                       Callback on_change, ListWatchOptions options)
    : node_name_(node_name),
      on_change_(std::move(on_change)),
      watcher_(client, clock, this, WithPath(std::move(options), NodeListPath(node_name))) {}

NodeSource::~NodeSource() { Stop(); }

void NodeSource::Start() {
  stop_ = false;
  thread_ = std::thread([this] { watcher_.Run(stop_); });
}

void NodeSource::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::optional<api::Node> NodeSource::node() const {
  std::lock_guard<std::mutex> lock(mu_);
  return node_;
}

void NodeSource::Set(std::optional<api::Node> node) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    node_ = node;
  }
  if (on_change_) on_change_(node);
}

absl::StatusOr<std::string> NodeSource::Replace(const std::vector<std::string>& pages) {
  // NodeList pages: the api decoders take single nodes, so split the items here.
  std::optional<api::Node> found;
  std::string rv;
  for (const auto& page : pages) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(page);
    simdjson::dom::element root;
    if (parser.parse(padded).get(root)) return absl::InvalidArgumentError("NodeList: invalid JSON");
    std::string_view page_rv;
    if (root["metadata"]["resourceVersion"].get(page_rv)) {
      return absl::InvalidArgumentError("NodeList: no metadata.resourceVersion");
    }
    rv = std::string(page_rv);
    simdjson::dom::array items;
    if (root["items"].get(items)) continue;
    for (simdjson::dom::element item : items) {
      auto node = api::DecodeNode(simdjson::minify(item));
      if (!node.ok()) return node.status();
      if (node->name == node_name_) found = *std::move(node);
    }
  }
  Set(std::move(found));
  return rv;
}

absl::Status NodeSource::Apply(WatchEventType type, std::string_view object_json) {
  auto node = api::DecodeNode(object_json);
  if (!node.ok()) return node.status();
  if (node->name != node_name_) return absl::OkStatus();
  if (type == WatchEventType::kDeleted) {
    Set(std::nullopt);
  } else {
    Set(*std::move(node));
  }
  return absl::OkStatus();
}

}  // namespace resizelet::kube
