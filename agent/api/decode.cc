// simdjson DOM decoding. DOM rather than On-Demand because it validates the whole document
// (a malformed byte inside a field we skip is still refused) and enforces the nesting cap while
// parsing; bench/README.md ("JSON decode") has the measurement that made the choice.
#include "agent/api/decode.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "simdjson.h"

namespace resizelet::api {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Debian's abseil has its own string_view type.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The JSON path of the value being decoded, as a chain of stack frames: it costs nothing until an
// error renders it ("spec.containers[1].resources.limits.memory").
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  int64_t index = -1;  // >= 0 for an array element

  Path Field(std::string_view k) const { return Path{this, k, -1}; }
  Path Item(int64_t i) const { return Path{this, {}, i}; }

  std::string Render() const {
    std::vector<const Path*> chain;
    for (const Path* p = this; p != nullptr && (p->index >= 0 || !p->key.empty()); p = p->parent) {
      chain.push_back(p);
    }
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if ((*it)->index >= 0) {
        absl::StrAppend(&out, "[", (*it)->index, "]");
      } else {
        if (!out.empty()) out.push_back('.');
        // Keys come from the input: escape them so that the message stays one printable line.
        out += absl::CHexEscape(Sv((*it)->key));
      }
    }
    return out.empty() ? std::string("<root>") : out;
  }
};

absl::Status Error(const Path& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path.Render(), ": ", what));
}

std::string_view TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

absl::Status TypeError(const Path& path, std::string_view expected, element e) {
  return Error(path, absl::StrCat("expected ", Sv(expected), ", got ", Sv(TypeName(e.type()))));
}

// JSON null stands for an absent field throughout, as encoding/json treats it.
bool IsNull(element e) { return e.type() == element_type::NULL_VALUE; }

absl::Status GetString(element e, const Path& path, std::string& out) {
  if (IsNull(e)) return absl::OkStatus();
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return TypeError(path, "a string", e);
  out.assign(s.data(), s.size());
  return absl::OkStatus();
}

absl::Status GetInt64(element e, const Path& path, int64_t& out) {
  if (IsNull(e)) return absl::OkStatus();
  int64_t v = 0;
  simdjson::error_code err = e.get_int64().get(v);
  if (err == simdjson::NUMBER_OUT_OF_RANGE) return Error(path, "integer out of range");
  if (err != simdjson::SUCCESS) return TypeError(path, "an integer", e);
  out = v;
  return absl::OkStatus();
}

absl::Status GetInt32(element e, const Path& path, int32_t& out) {
  int64_t v = out;
  if (absl::Status s = GetInt64(e, path, v); !s.ok()) return s;
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return Error(path, "integer out of range");
  }
  out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

// Calls fn(key, value, path_of_value) for each field of an object; null is an empty object.
template <typename Fn>
absl::Status ForEachField(element e, const Path& path, Fn&& fn) {
  if (IsNull(e)) return absl::OkStatus();
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return TypeError(path, "an object", e);
  for (simdjson::dom::key_value_pair field : obj) {
    Path child = path.Field(field.key);
    if (absl::Status s = fn(field.key, field.value, child); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Calls fn(value, path_of_value) for each element of an array; null is an empty array.
template <typename Fn>
absl::Status ForEachItem(element e, const Path& path, Fn&& fn) {
  if (IsNull(e)) return absl::OkStatus();
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return TypeError(path, "an array", e);
  int64_t i = 0;
  for (element item : arr) {
    Path child = path.Item(i++);
    if (absl::Status s = fn(item, child); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The element count of an array (0 for anything else), to reserve vectors before filling them.
size_t ArraySize(element e) {
  array arr;
  return e.get_array().get(arr) == simdjson::SUCCESS ? arr.size() : 0;
}

// A quantity: the API server sends strings; apimachinery's Quantity.UnmarshalJSON also takes a
// bare JSON integer, so that is accepted too. Negative values are refused: every ResourceList
// resizelet reads is validated non-negative by the API server (ValidateResourceQuantityValue).
absl::Status GetQuantity(element e, const Path& path, Quantity& out) {
  std::string_view text;
  std::string integer_text;
  switch (e.type()) {
    case element_type::STRING:
      if (e.get_string().get(text) != simdjson::SUCCESS) return TypeError(path, "a string", e);
      break;
    case element_type::INT64: {
      int64_t v = 0;
      if (e.get_int64().get(v) != simdjson::SUCCESS) return TypeError(path, "an integer", e);
      integer_text = std::to_string(v);
      text = integer_text;
      break;
    }
    case element_type::UINT64:
      return Error(path, "quantity out of range");
    default:
      return TypeError(path, "a quantity string", e);
  }
  absl::StatusOr<Quantity> q = Quantity::Parse(text);
  if (!q.ok()) return Error(path, q.status().message());
  if (q->IsNegative()) {
    return Error(path, absl::StrCat("negative quantity \"", q->String(), "\" is not allowed"));
  }
  out = *q;
  return absl::OkStatus();
}

constexpr std::string_view kHugePagesPrefix = "hugepages-";

absl::Status DecodeResourceList(element e, const Path& path, ResourceList& out) {
  return ForEachField(e, path, [&out](std::string_view name, element value, const Path& p) {
    if (IsNull(value)) return absl::OkStatus();
    Quantity q;
    if (absl::Status s = GetQuantity(value, p, q); !s.ok()) return s;
    if (name == "cpu") {
      out.cpu = q;
    } else if (name == "memory") {
      out.memory = q;
    } else if (name.size() > kHugePagesPrefix.size() &&
               name.substr(0, kHugePagesPrefix.size()) == kHugePagesPrefix) {
      std::string_view size = name.substr(kHugePagesPrefix.size());
      // A repeated key replaces the earlier value, as encoding/json does for a map.
      for (HugePageQuantity& h : out.hugepages) {
        if (h.page_size == size) {
          h.quantity = q;
          return absl::OkStatus();
        }
      }
      out.hugepages.push_back(HugePageQuantity{std::string(size), q});
    } else {
      ++out.other_names;
    }
    return absl::OkStatus();
  });
}

absl::Status DecodeOptionalResourceList(element e, const Path& path,
                                        std::optional<ResourceList>& out) {
  if (IsNull(e)) return absl::OkStatus();
  ResourceList list;
  if (absl::Status s = DecodeResourceList(e, path, list); !s.ok()) return s;
  out = std::move(list);
  return absl::OkStatus();
}

absl::Status DecodeRequirements(element e, const Path& path, ResourceRequirements& out) {
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "requests") return DecodeResourceList(value, p, out.requests);
    if (key == "limits") return DecodeResourceList(value, p, out.limits);
    return absl::OkStatus();  // claims
  });
}

absl::Status DecodeOptionalRequirements(element e, const Path& path,
                                        std::optional<ResourceRequirements>& out) {
  if (IsNull(e)) return absl::OkStatus();
  ResourceRequirements r;
  if (absl::Status s = DecodeRequirements(e, path, r); !s.ok()) return s;
  out = std::move(r);
  return absl::OkStatus();
}

// core/v1 ContainerResizePolicy list: [{resourceName, restartPolicy}].
absl::Status DecodeResizePolicy(element e, const Path& path, ContainerSpec& out) {
  return ForEachItem(e, path, [&out](element item, const Path& p) {
    std::string resource;
    std::string policy;
    absl::Status s =
        ForEachField(item, p, [&](std::string_view key, element value, const Path& fp) {
          if (key == "resourceName") return GetString(value, fp, resource);
          if (key == "restartPolicy") return GetString(value, fp, policy);
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    ResizeRestartPolicy parsed;
    if (policy.empty() || policy == "NotRequired") {
      parsed = ResizeRestartPolicy::kNotRequired;
    } else if (policy == "RestartContainer") {
      parsed = ResizeRestartPolicy::kRestartContainer;
    } else {
      return Error(p.Field("restartPolicy"), absl::StrCat("unknown resize restart policy \"",
                                                          absl::CHexEscape(policy), "\""));
    }
    if (resource == "cpu") out.cpu_resize_policy = parsed;
    if (resource == "memory") out.memory_resize_policy = parsed;
    return absl::OkStatus();
  });
}

absl::Status DecodeContainer(element e, const Path& path, bool init, ContainerSpec& out) {
  return ForEachField(e, path, [&out, init](std::string_view key, element value, const Path& p) {
    if (key == "name") return GetString(value, p, out.name);
    if (key == "resources") return DecodeRequirements(value, p, out.resources);
    if (key == "resizePolicy") return DecodeResizePolicy(value, p, out);
    if (key == "restartPolicy") {
      std::string policy;
      if (absl::Status s = GetString(value, p, policy); !s.ok()) return s;
      // KEP-753: an init container with restartPolicy Always is a sidecar.
      out.sidecar = init && policy == "Always";
    }
    return absl::OkStatus();
  });
}

absl::Status DecodeContainers(element e, const Path& path, bool init,
                              std::vector<ContainerSpec>& out) {
  out.reserve(ArraySize(e));
  return ForEachItem(e, path, [&out, init](element item, const Path& p) {
    out.emplace_back();
    return DecodeContainer(item, p, init, out.back());
  });
}

absl::Status DecodeState(element e, const Path& path, ContainerStatus& out) {
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    ContainerStateKind kind;
    if (key == "waiting") {
      kind = ContainerStateKind::kWaiting;
    } else if (key == "running") {
      kind = ContainerStateKind::kRunning;
    } else if (key == "terminated") {
      kind = ContainerStateKind::kTerminated;
    } else {
      return absl::OkStatus();
    }
    if (IsNull(value)) return absl::OkStatus();
    out.state = kind;
    out.state_reason.clear();
    return ForEachField(value, p, [&out](std::string_view k, element v, const Path& vp) {
      if (k == "reason") return GetString(v, vp, out.state_reason);
      return absl::OkStatus();
    });
  });
}

absl::Status DecodeContainerStatus(element e, const Path& path, ContainerStatus& out) {
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "name") return GetString(value, p, out.name);
    if (key == "containerID") return GetString(value, p, out.container_id);
    if (key == "state") return DecodeState(value, p, out);
    if (key == "restartCount") return GetInt32(value, p, out.restart_count);
    if (key == "allocatedResources") {
      return DecodeOptionalResourceList(value, p, out.allocated_resources);
    }
    if (key == "resources") return DecodeOptionalRequirements(value, p, out.resources);
    return absl::OkStatus();
  });
}

absl::Status DecodeContainerStatuses(element e, const Path& path,
                                     std::vector<ContainerStatus>& out) {
  out.reserve(ArraySize(e));
  return ForEachItem(e, path, [&out](element item, const Path& p) {
    out.emplace_back();
    return DecodeContainerStatus(item, p, out.back());
  });
}

absl::Status DecodeCondition(element e, const Path& path, PodCondition& out) {
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "type") return GetString(value, p, out.type);
    if (key == "status") return GetString(value, p, out.status);
    if (key == "reason") return GetString(value, p, out.reason);
    if (key == "message") return GetString(value, p, out.message);
    if (key == "lastTransitionTime") return GetString(value, p, out.last_transition_time);
    if (key == "observedGeneration") {
      if (IsNull(value)) return absl::OkStatus();
      int64_t g = 0;
      if (absl::Status s = GetInt64(value, p, g); !s.ok()) return s;
      out.observed_generation = g;
    }
    return absl::OkStatus();
  });
}

absl::Status DecodePodMetadata(element e, const Path& path, Pod& out) {
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "name") return GetString(value, p, out.name);
    if (key == "namespace") return GetString(value, p, out.namespace_name);
    if (key == "uid") return GetString(value, p, out.uid);
    if (key == "resourceVersion") return GetString(value, p, out.resource_version);
    if (key == "generation") return GetInt64(value, p, out.generation);
    if (key == "deletionTimestamp") {
      std::string ts;
      if (absl::Status s = GetString(value, p, ts); !s.ok()) return s;
      out.deleting = !IsNull(value);
      return absl::OkStatus();
    }
    if (key == "annotations") {
      return ForEachField(value, p, [&out](std::string_view name, element v, const Path& ap) {
        // kubelet pkg/kubelet/types: ConfigSourceAnnotationKey, ConfigMirrorAnnotationKey.
        if (name == "kubernetes.io/config.source") return GetString(v, ap, out.config_source);
        if (name == "kubernetes.io/config.mirror") {
          std::string ignored;
          if (absl::Status s = GetString(v, ap, ignored); !s.ok()) return s;
          out.mirror = !IsNull(v);
        }
        return absl::OkStatus();
      });
    }
    return absl::OkStatus();
  });
}

absl::Status DecodePodSpec(element e, const Path& path, Pod& out) {
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "containers") return DecodeContainers(value, p, false, out.containers);
    if (key == "initContainers") return DecodeContainers(value, p, true, out.init_containers);
    if (key == "resources") return DecodeOptionalRequirements(value, p, out.resources);
    if (key == "overhead") return DecodeResourceList(value, p, out.overhead);
    if (key == "priority") return GetInt32(value, p, out.priority);
    if (key == "priorityClassName") return GetString(value, p, out.priority_class_name);
    if (key == "nodeName") return GetString(value, p, out.node_name);
    return absl::OkStatus();
  });
}

// Unknown enum strings map to the unset value: a newer API server may add values, and the
// consumers treat unset conservatively.
QosClass ParseQos(std::string_view s) {
  if (s == "Guaranteed") return QosClass::kGuaranteed;
  if (s == "Burstable") return QosClass::kBurstable;
  if (s == "BestEffort") return QosClass::kBestEffort;
  return QosClass::kUnset;
}

PodPhase ParsePhase(std::string_view s) {
  if (s == "Pending") return PodPhase::kPending;
  if (s == "Running") return PodPhase::kRunning;
  if (s == "Succeeded") return PodPhase::kSucceeded;
  if (s == "Failed") return PodPhase::kFailed;
  return PodPhase::kUnknown;
}

absl::Status DecodePodStatus(element e, const Path& path, Pod& out) {
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "qosClass" || key == "phase") {
      std::string s;
      if (absl::Status st = GetString(value, p, s); !st.ok()) return st;
      if (key == "qosClass") {
        out.qos_class = ParseQos(s);
      } else {
        out.phase = ParsePhase(s);
      }
      return absl::OkStatus();
    }
    if (key == "containerStatuses")
      return DecodeContainerStatuses(value, p, out.container_statuses);
    if (key == "initContainerStatuses") {
      return DecodeContainerStatuses(value, p, out.init_container_statuses);
    }
    if (key == "resources") return DecodeOptionalRequirements(value, p, out.status_resources);
    if (key == "allocatedResources") {
      return DecodeOptionalResourceList(value, p, out.status_allocated_resources);
    }
    if (key == "resize") return GetString(value, p, out.resize);
    if (key == "conditions") {
      out.conditions.reserve(ArraySize(value));
      return ForEachItem(value, p, [&out](element item, const Path& cp) {
        out.conditions.emplace_back();
        return DecodeCondition(item, cp, out.conditions.back());
      });
    }
    return absl::OkStatus();
  });
}

absl::Status DecodePodElement(element e, const Path& path, Pod& out) {
  if (e.type() != element_type::OBJECT) return TypeError(path, "an object", e);
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "metadata") return DecodePodMetadata(value, p, out);
    if (key == "spec") return DecodePodSpec(value, p, out);
    if (key == "status") return DecodePodStatus(value, p, out);
    return absl::OkStatus();
  });
}

absl::Status DecodeNodeElement(element e, const Path& path, Node& out) {
  if (e.type() != element_type::OBJECT) return TypeError(path, "an object", e);
  return ForEachField(e, path, [&out](std::string_view key, element value, const Path& p) {
    if (key == "metadata") {
      return ForEachField(value, p, [&out](std::string_view k, element v, const Path& mp) {
        if (k == "name") return GetString(v, mp, out.name);
        if (k == "resourceVersion") return GetString(v, mp, out.resource_version);
        return absl::OkStatus();
      });
    }
    if (key == "status") {
      return ForEachField(value, p, [&out](std::string_view k, element v, const Path& sp) {
        if (k == "allocatable") return DecodeResourceList(v, sp, out.allocatable);
        if (k == "capacity") return DecodeResourceList(v, sp, out.capacity);
        if (k == "nodeInfo") {
          return ForEachField(v, sp, [&out](std::string_view ik, element iv, const Path& ip) {
            if (ik == "kubeletVersion") return GetString(iv, ip, out.kubelet_version);
            return absl::OkStatus();
          });
        }
        return absl::OkStatus();
      });
    }
    return absl::OkStatus();
  });
}

// Buffers a per-thread parser keeps between documents: enough for any single pod.
constexpr size_t kRetainedParserBytes = 1024 * 1024;

// The per-thread parser, allocated for the nesting cap (the depth is fixed when the parser
// allocates; later growth keeps it). It keeps its buffers between documents, so a steady watch
// stream allocates nothing in simdjson. Null if the first allocation failed.
simdjson::dom::parser* ThreadParser() {
  thread_local simdjson::dom::parser parser(kMaxListDocumentBytes);
  thread_local bool allocated = parser.allocate(4096, kMaxNestingDepth) == simdjson::SUCCESS;
  return allocated ? &parser : nullptr;
}

// Shrinks the thread's parser again after a large document (a big PodList), so that one list
// does not pin tens of megabytes in every decoding thread. Runs when the decode is done with the
// parser's memory.
class ShrinkParserAfter {
 public:
  explicit ShrinkParserAfter(size_t bytes) : bytes_(bytes) {}
  ~ShrinkParserAfter() {
    if (bytes_ <= kRetainedParserBytes) return;
    simdjson::dom::parser* parser = ThreadParser();
    if (parser == nullptr) return;
    // A fresh parser: allocate() alone would keep the padded copy of the input.
    *parser = simdjson::dom::parser(kMaxListDocumentBytes);
    if (parser->allocate(4096, kMaxNestingDepth) != simdjson::SUCCESS) {
      // ParseDocument allocates again before the next parse, or fails with ResourceExhausted.
    }
  }
  ShrinkParserAfter(const ShrinkParserAfter&) = delete;
  ShrinkParserAfter& operator=(const ShrinkParserAfter&) = delete;

 private:
  size_t bytes_;
};

// Parses a document under the size and depth caps. The element points into the thread's parser:
// valid until the next parse on this thread.
absl::StatusOr<element> ParseDocument(std::string_view json, size_t max_bytes) {
  if (json.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "document of ", json.size(), " bytes exceeds the limit of ", max_bytes, " bytes"));
  }
  simdjson::dom::parser* parser = ThreadParser();
  if (parser == nullptr || (parser->max_depth() != static_cast<size_t>(kMaxNestingDepth) &&
                            parser->allocate(4096, kMaxNestingDepth) != simdjson::SUCCESS)) {
    return absl::ResourceExhaustedError("cannot allocate the JSON parser");
  }
  element root;
  simdjson::error_code err = parser->parse(json.data(), json.size()).get(root);
  if (err == simdjson::DEPTH_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nested deeper than ", kMaxNestingDepth, " levels"));
  }
  if (err == simdjson::MEMALLOC) return absl::ResourceExhaustedError("out of memory parsing JSON");
  if (err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", simdjson::error_message(err)));
  }
  return root;
}

}  // namespace

absl::StatusOr<Pod> DecodePod(std::string_view json) {
  ShrinkParserAfter shrink(json.size());
  absl::StatusOr<element> root = ParseDocument(json, kMaxDocumentBytes);
  if (!root.ok()) return root.status();
  Pod pod;
  if (absl::Status s = DecodePodElement(*root, Path{}, pod); !s.ok()) return s;
  return pod;
}

absl::StatusOr<Node> DecodeNode(std::string_view json) {
  ShrinkParserAfter shrink(json.size());
  absl::StatusOr<element> root = ParseDocument(json, kMaxDocumentBytes);
  if (!root.ok()) return root.status();
  Node node;
  if (absl::Status s = DecodeNodeElement(*root, Path{}, node); !s.ok()) return s;
  return node;
}

absl::StatusOr<PodList> DecodePodList(std::string_view json) {
  ShrinkParserAfter shrink(json.size());
  absl::StatusOr<element> root = ParseDocument(json, kMaxListDocumentBytes);
  if (!root.ok()) return root.status();
  if (root->type() != element_type::OBJECT) return TypeError(Path{}, "an object", *root);
  PodList list;
  absl::Status s =
      ForEachField(*root, Path{}, [&list](std::string_view key, element value, const Path& p) {
        if (key == "metadata") {
          return ForEachField(value, p, [&list](std::string_view k, element v, const Path& mp) {
            if (k == "resourceVersion") return GetString(v, mp, list.resource_version);
            return absl::OkStatus();
          });
        }
        if (key == "kind") {
          std::string kind;
          if (absl::Status ks = GetString(value, p, kind); !ks.ok()) return ks;
          if (!kind.empty() && kind != "PodList" && kind != "List") {
            return Error(
                p, absl::StrCat("expected PodList or List, got \"", absl::CHexEscape(kind), "\""));
          }
          return absl::OkStatus();
        }
        if (key == "items") {
          list.items.reserve(ArraySize(value));
          return ForEachItem(value, p, [&list](element item, const Path& ip) {
            list.items.emplace_back();
            return DecodePodElement(item, ip, list.items.back());
          });
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  return list;
}

}  // namespace resizelet::api
