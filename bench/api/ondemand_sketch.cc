#include "bench/api/ondemand_sketch.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "simdjson.h"

namespace resizelet::bench {
namespace {

namespace od = simdjson::ondemand;
using api::Quantity;

// Calls fn(key, value) for each field; false on any error.
template <typename Fn>
bool Fields(od::value v, Fn&& fn) {
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto f : obj) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    if (!fn(key, field.value())) return false;
  }
  return true;
}

template <typename Fn>
bool Items(od::value v, Fn&& fn) {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
  for (auto item : arr) {
    od::value value;
    if (std::move(item).get(value) != simdjson::SUCCESS || !fn(value)) return false;
  }
  return true;
}

bool Str(od::value v, std::string& out) {
  if (v.is_null()) return true;
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return false;
  out.assign(s);
  return true;
}

bool Int(od::value v, int64_t& out) { return v.get_int64().get(out) == simdjson::SUCCESS; }

bool List(od::value v, api::ResourceList& out) {
  return Fields(v, [&](std::string_view k, od::value q) {
    std::string_view s;
    if (q.get_string().get(s) != simdjson::SUCCESS) return false;
    absl::StatusOr<Quantity> parsed = Quantity::Parse(s);
    if (!parsed.ok() || parsed->IsNegative()) return false;
    if (k == "cpu") {
      out.cpu = *parsed;
    } else if (k == "memory") {
      out.memory = *parsed;
    } else if (k.substr(0, 10) == "hugepages-") {
      out.hugepages.push_back({std::string(k.substr(10)), *parsed});
    } else {
      ++out.other_names;
    }
    return true;
  });
}

bool Requirements(od::value v, api::ResourceRequirements& out) {
  return Fields(v, [&](std::string_view k, od::value x) {
    if (k == "requests") return List(x, out.requests);
    if (k == "limits") return List(x, out.limits);
    return true;
  });
}

bool Container(od::value v, bool init, api::ContainerSpec& c) {
  return Fields(v, [&](std::string_view k, od::value x) {
    if (k == "name") return Str(x, c.name);
    if (k == "resources") return Requirements(x, c.resources);
    if (k == "restartPolicy") {
      std::string p;
      if (!Str(x, p)) return false;
      c.sidecar = init && p == "Always";
      return true;
    }
    if (k == "resizePolicy") {
      return Items(x, [&](od::value item) {
        std::string r, p;
        bool ok = Fields(item, [&](std::string_view ik, od::value iv) {
          if (ik == "resourceName") return Str(iv, r);
          if (ik == "restartPolicy") return Str(iv, p);
          return true;
        });
        auto policy = p == "RestartContainer" ? api::ResizeRestartPolicy::kRestartContainer
                                              : api::ResizeRestartPolicy::kNotRequired;
        if (r == "cpu") c.cpu_resize_policy = policy;
        if (r == "memory") c.memory_resize_policy = policy;
        return ok;
      });
    }
    return true;
  });
}

bool Status(od::value v, api::ContainerStatus& s) {
  return Fields(v, [&](std::string_view k, od::value x) {
    if (k == "name") return Str(x, s.name);
    if (k == "containerID") return Str(x, s.container_id);
    if (k == "restartCount") {
      int64_t n = 0;
      if (!Int(x, n)) return false;
      s.restart_count = static_cast<int32_t>(n);
      return true;
    }
    if (k == "allocatedResources") {
      s.allocated_resources.emplace();
      return List(x, *s.allocated_resources);
    }
    if (k == "resources") {
      s.resources.emplace();
      return Requirements(x, *s.resources);
    }
    if (k == "state") {
      return Fields(x, [&](std::string_view sk, od::value sv) {
        s.state = sk == "running"   ? api::ContainerStateKind::kRunning
                  : sk == "waiting" ? api::ContainerStateKind::kWaiting
                                    : api::ContainerStateKind::kTerminated;
        return Fields(sv, [&](std::string_view rk, od::value rv) {
          return rk == "reason" ? Str(rv, s.state_reason) : true;
        });
      });
    }
    return true;
  });
}

}  // namespace

bool DecodePodOnDemand(const std::string& json, api::Pod& pod) {
  thread_local od::parser parser;
  od::document doc;
  if (parser.iterate(json.data(), json.size(), json.capacity()).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return false;
  for (auto f : root) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    od::value v = field.value();
    bool ok = true;
    if (key == "metadata") {
      ok = Fields(v, [&](std::string_view k, od::value x) {
        if (k == "name") return Str(x, pod.name);
        if (k == "namespace") return Str(x, pod.namespace_name);
        if (k == "uid") return Str(x, pod.uid);
        if (k == "resourceVersion") return Str(x, pod.resource_version);
        if (k == "generation") return Int(x, pod.generation);
        if (k == "deletionTimestamp") pod.deleting = !x.is_null();
        if (k == "annotations") {
          return Fields(x, [&](std::string_view ak, od::value av) {
            if (ak == "kubernetes.io/config.source") return Str(av, pod.config_source);
            if (ak == "kubernetes.io/config.mirror") pod.mirror = true;
            return true;
          });
        }
        return true;
      });
    } else if (key == "spec") {
      ok = Fields(v, [&](std::string_view k, od::value x) {
        if (k == "containers" || k == "initContainers") {
          const bool init = k == "initContainers";
          auto& list = init ? pod.init_containers : pod.containers;
          return Items(x, [&](od::value c) {
            list.emplace_back();
            return Container(c, init, list.back());
          });
        }
        if (k == "resources") {
          pod.resources.emplace();
          return Requirements(x, *pod.resources);
        }
        if (k == "overhead") return List(x, pod.overhead);
        if (k == "priority") {
          int64_t p = 0;
          if (!Int(x, p)) return false;
          pod.priority = static_cast<int32_t>(p);
          return true;
        }
        if (k == "priorityClassName") return Str(x, pod.priority_class_name);
        if (k == "nodeName") return Str(x, pod.node_name);
        return true;
      });
    } else if (key == "status") {
      ok = Fields(v, [&](std::string_view k, od::value x) {
        if (k == "containerStatuses" || k == "initContainerStatuses") {
          auto& list =
              k == "containerStatuses" ? pod.container_statuses : pod.init_container_statuses;
          return Items(x, [&](od::value c) {
            list.emplace_back();
            return Status(c, list.back());
          });
        }
        if (k == "qosClass" || k == "phase" || k == "resize") {
          std::string s;
          if (!Str(x, s)) return false;
          if (k == "resize") pod.resize = s;
          if (k == "qosClass" && s == "Burstable") pod.qos_class = api::QosClass::kBurstable;
          if (k == "phase" && s == "Running") pod.phase = api::PodPhase::kRunning;
          return true;
        }
        if (k == "conditions") {
          // The resize conditions only, as DecodePod keeps them (agent/api/objects.h).
          return Items(x, [&](od::value c) {
            std::string_view type, status, reason, message, transition;
            std::optional<int64_t> generation;
            auto view = [](od::value cv, std::string_view& out) {
              return cv.is_null() || cv.get_string().get(out) == simdjson::SUCCESS;
            };
            const bool fields_ok = Fields(c, [&](std::string_view ck, od::value cv) {
              if (ck == "type") return view(cv, type);
              if (ck == "status") return view(cv, status);
              if (ck == "reason") return view(cv, reason);
              if (ck == "message") return view(cv, message);
              if (ck == "lastTransitionTime") return view(cv, transition);
              if (ck == "observedGeneration") {
                int64_t g = 0;
                if (!Int(cv, g)) return false;
                generation = g;
              }
              return true;
            });
            if (!fields_ok) return false;
            if (type == "PodResizePending" || type == "PodResizeInProgress") {
              api::PodCondition& kept = pod.resize_conditions.emplace_back();
              kept.type = type;
              kept.status = status;
              kept.reason = reason;
              kept.message = message;
              kept.observed_generation = generation;
              kept.last_transition_time = transition;
            }
            return true;
          });
        }
        return true;
      });
    }
    if (!ok) return false;
  }
  return true;  // simdjson 3.0.1 has no document::at_end(): trailing bytes go unnoticed
}

}  // namespace resizelet::bench
