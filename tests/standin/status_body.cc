#include "tests/standin/status_body.h"

#include <string>

#include "agent/resize/qos.h"

namespace resizelet::standin {
namespace {

using nlohmann::json;

json Resources(int64_t cpu_milli, int64_t memory_bytes) {
  return json{
      {"cpu", api::Quantity::FromMilli(cpu_milli).String()},
      {"memory", api::Quantity::FromInt(memory_bytes, api::QuantityFormat::kBinarySI).String()},
      {"pods", "110"}};
}

json Condition(const std::string& type, bool status, const std::string& since) {
  json c = {{"type", type}, {"status", status ? "True" : "False"}};
  if (!since.empty()) {
    c["lastTransitionTime"] = since;
  }
  if (!status) {
    c["reason"] = "ContainersNotReady";
  }
  return c;
}

std::string CriId(const std::string& id) { return id.empty() ? "" : "containerd://" + id; }

}  // namespace

json NodeStatusPatch(const NodeView& node) {
  return json{
      {"status",
       {{"capacity", Resources(node.capacity_cpu_milli, node.capacity_memory_bytes)},
        {"allocatable", Resources(node.allocatable_cpu_milli, node.allocatable_memory_bytes)},
        {"conditions",
         {{{"type", "Ready"},
           {"status", "True"},
           {"reason", "KubeletReady"},
           {"message", "kubelet is posting ready status"}}}},
        {"nodeInfo",
         {{"kubeletVersion", node.kubelet_version},
          {"containerRuntimeVersion", "containerd://1.6.20"},
          {"operatingSystem", "linux"},
          {"architecture", "amd64"}}}}}};
}

json NodeObject(const NodeView& node) {
  json doc = NodeStatusPatch(node);
  doc["kind"] = "Node";
  doc["apiVersion"] = "v1";
  doc["metadata"] = {{"name", node.name}, {"labels", {{"kubernetes.io/hostname", node.name}}}};
  return doc;
}

bool AllRunning(const PodView& pod) {
  for (const ContainerView& c : pod.containers) {
    if (!c.running) {
      return false;
    }
  }
  return !pod.containers.empty();
}

json ResourceListJson(const api::ResourceList& list) {
  json out = json::object();
  if (list.cpu) {
    out["cpu"] = list.cpu->String();
  }
  if (list.memory) {
    out["memory"] = list.memory->String();
  }
  return out;
}

json RequirementsJson(const api::ResourceRequirements& requirements) {
  json out = json::object();
  if (!requirements.requests.empty()) {
    out["requests"] = ResourceListJson(requirements.requests);
  }
  if (!requirements.limits.empty()) {
    out["limits"] = ResourceListJson(requirements.limits);
  }
  return out;
}

json PodStatusPatch(const PodView& pod, bool clear_resize) {
  const bool ready = AllRunning(pod);
  json statuses = json::array();
  for (const ContainerView& c : pod.containers) {
    json s = {{"name", c.name},
              {"containerID", CriId(c.container_id)},
              {"image", c.image},
              {"imageID", c.image},
              {"ready", c.running},
              {"started", c.running},
              {"restartCount", c.restart_count}};
    if (c.running) {
      s["state"] = {{"running", {{"startedAt", c.started_at}}}};
    } else if (c.terminated) {
      s["state"] = {{"terminated", {{"exitCode", c.exit_code}, {"reason", c.reason}}}};
    } else {
      s["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
    }
    if (c.allocated_resources) {
      s["allocatedResources"] = ResourceListJson(*c.allocated_resources);
    }
    if (c.resources) {
      s["resources"] = RequirementsJson(*c.resources);
    }
    statuses.push_back(std::move(s));
  }
  json status = {{"phase", ready ? "Running" : "Pending"},
                 {"qosClass", resize::QosClassName(pod.qos)},
                 {"startTime", pod.start_time},
                 {"hostIP", "127.0.0.1"},
                 {"podIP", "127.0.0.1"},
                 {"conditions",
                  {Condition("PodScheduled", true, pod.start_time),
                   Condition("Initialized", true, pod.start_time),
                   Condition("ContainersReady", ready, pod.ready_since),
                   Condition("Ready", ready, pod.ready_since)}},
                 {"containerStatuses", std::move(statuses)}};
  // The "reason" key of a condition that turned True must go, or the merge keeps the old one.
  for (json& c : status["conditions"]) {
    if (c["status"] == "True") {
      c["reason"] = nullptr;
    }
  }
  if (clear_resize) {
    status["resize"] = nullptr;
  }
  return json{{"metadata", {{"uid", pod.uid}}}, {"status", std::move(status)}};
}

bool OwnedStatusDiffers(const api::Pod& server, const PodView& view, bool owns_resize) {
  if (owns_resize && !server.resize.empty()) {
    return true;
  }
  if (server.container_statuses.size() != view.containers.size()) {
    return true;
  }
  for (const ContainerView& mine : view.containers) {
    const api::ContainerStatus* theirs = nullptr;
    for (const api::ContainerStatus& s : server.container_statuses) {
      if (s.name == mine.name) {
        theirs = &s;
      }
    }
    if (theirs == nullptr || theirs->container_id != CriId(mine.container_id) ||
        theirs->restart_count != mine.restart_count ||
        (theirs->state == api::ContainerStateKind::kRunning) != mine.running ||
        theirs->allocated_resources.has_value() != mine.allocated_resources.has_value() ||
        theirs->resources.has_value() != mine.resources.has_value()) {
      return true;
    }
    if (mine.allocated_resources && *theirs->allocated_resources != *mine.allocated_resources) {
      return true;
    }
  }
  return false;
}

}  // namespace resizelet::standin
