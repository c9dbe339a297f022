// simdjson DOM decoding. DOM rather than On-Demand because it validates the whole document
// (a malformed byte inside a field we skip is still refused) and enforces the nesting cap while
// parsing; bench/README.md ("JSON decode") has the measurement that made the choice.
//
// The walk over the parsed document is the only cost DecodePod adds to the parse, so it is kept
// lean (bench/README.md has the figures): it reads simdjson's tape directly (Value below),
// decoders return a bool and leave the error in the Decoder, keys are matched by length first,
// strings that are not kept are read as views, a subtree nobody reads is stepped over in one tape
// jump, and the Pod is built in place.
#include "agent/api/decode.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/utility/utility.h"
#include "agent/api/reusable_parser.h"
#include "simdjson.h"

namespace resizelet::api {
namespace {

using simdjson::dom::element_type;

// Debian's abseil has its own string_view type.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The tape layout is the one simdjson 3.x documents and builds against; a new major version
// must be checked against doc/tape.md before this is allowed to compile with it.
static_assert(simdjson::SIMDJSON_VERSION_MAJOR == 3, "check the tape layout Value reads");

// A value of a parsed document, read straight from simdjson's DOM tape (simdjson doc/tape.md: one
// 64-bit word per value with the type in its top byte; an object or array holds the tape index
// past its end in the low 32 bits and its element count, saturated at 0xFFFFFF, above them; a
// string holds an offset into the string buffer, where a 4-byte length precedes the bytes; a
// number takes a second word). It answers exactly as dom::element does for the calls below, but
// keeps the tape and string buffer pointers itself: dom::element reloads them from the document
// on every access, and the walk over ~100 keys is all DecodePod adds to the parse.

class Value {
 public:
  Value() = default;
  Value(const uint64_t* tape, const uint8_t* strings, size_t index)
      : tape_(tape), strings_(strings), index_(index) {}

  // As dom::element::type(): both booleans are BOOL.
  element_type type() const {
    const char tag = Tag();
    return tag == 'f' ? element_type::BOOL : static_cast<element_type>(tag);
  }
  bool IsNull() const { return Tag() == 'n'; }

  // Precondition: type() == STRING.
  std::string_view String() const {
    const size_t offset = static_cast<size_t>(Word() & simdjson::internal::JSON_VALUE_MASK);
    uint32_t length;
    std::memcpy(&length, strings_ + offset, sizeof(length));
    return std::string_view(reinterpret_cast<const char*>(strings_ + offset + sizeof(length)),
                            length);
  }

  // As dom::element::get_int64(): an unsigned value above INT64_MAX is out of range, anything
  // but an integer the wrong type.
  simdjson::error_code GetInt64(int64_t& out) const {
    const char tag = Tag();
    if (tag != 'l' && tag != 'u') return simdjson::INCORRECT_TYPE;
    uint64_t raw;
    std::memcpy(&raw, &tape_[index_ + 1], sizeof(raw));
    if (tag == 'u' && raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return simdjson::NUMBER_OUT_OF_RANGE;
    }
    out = static_cast<int64_t>(raw);
    return simdjson::SUCCESS;
  }

  // Objects and arrays: the element count (saturated, for reserving only).
  size_t Count() const {
    return static_cast<size_t>((Word() >> 32) & simdjson::internal::JSON_COUNT_MASK);
  }

  // Calls fn(key, value) for each field of an object, stopping at the first false.
  // Precondition: type() == OBJECT.
  template <typename Fn>
  bool Fields(Fn&& fn) const {
    for (size_t i = index_ + 1, end = End() - 1; i < end;) {
      const Value value(tape_, strings_, i + 1);
      if (!fn(Value(tape_, strings_, i).String(), value)) return false;
      i = value.Next();
    }
    return true;
  }

  // Calls fn(item) for each element of an array, stopping at the first false.
  // Precondition: type() == ARRAY.
  template <typename Fn>
  bool Items(Fn&& fn) const {
    for (size_t i = index_ + 1, end = End() - 1; i < end;) {
      const Value item(tape_, strings_, i);
      if (!fn(item)) return false;
      i = item.Next();
    }
    return true;
  }

 private:
  uint64_t Word() const { return tape_[index_]; }
  char Tag() const { return static_cast<char>(Word() >> 56); }
  // For an object or array, the tape index after its closing word.
  size_t End() const { return static_cast<uint32_t>(Word()); }
  // The tape index of the value after this one: past the closing word of an object or array,
  // two words on for a number, else one. The number tags ('d', 'l', 'u') are told apart by their
  // low six bits, which no other tag shares, so the step needs no jump table.
  size_t Next() const {
    const uint64_t word = Word();
    const unsigned tag = static_cast<unsigned>(word >> 56);
    if (tag == '{' || tag == '[') return static_cast<uint32_t>(word);
    constexpr uint64_t kNumberTags =
        uint64_t{1} << ('d' & 63) | uint64_t{1} << ('l' & 63) | uint64_t{1} << ('u' & 63);
    return index_ + 1 + ((kNumberTags >> (tag & 63)) & 1);
  }

  const uint64_t* tape_ = nullptr;
  const uint8_t* strings_ = nullptr;
  size_t index_ = 0;
};

// Whether `key` is exactly `literal`. The length is a compile-time constant, so the comparison
// compiles to a length check and a few word loads instead of a memcmp call.
template <size_t N>
inline bool Is(std::string_view key, const char (&literal)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), literal, N - 1) == 0;
}

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

// JSON null stands for an absent field throughout, as encoding/json treats it.
bool IsNull(Value e) { return e.IsNull(); }

// The element count of an array (0 for anything else), to reserve vectors before filling them.
size_t ArraySize(Value e) { return e.type() == element_type::ARRAY ? e.Count() : 0; }

constexpr std::string_view kHugePagesPrefix = "hugepages-";

// Unknown enum strings map to the unset value: a newer API server may add values, and the
// consumers treat unset conservatively.
QosClass ParseQos(std::string_view s) {
  if (Is(s, "Guaranteed")) return QosClass::kGuaranteed;
  if (Is(s, "Burstable")) return QosClass::kBurstable;
  if (Is(s, "BestEffort")) return QosClass::kBestEffort;
  return QosClass::kUnset;
}

PodPhase ParsePhase(std::string_view s) {
  if (Is(s, "Pending")) return PodPhase::kPending;
  if (Is(s, "Running")) return PodPhase::kRunning;
  if (Is(s, "Succeeded")) return PodPhase::kSucceeded;
  if (Is(s, "Failed")) return PodPhase::kFailed;
  return PodPhase::kUnknown;
}

// One decode. Every method returns true on success; on failure it has stored the first error
// (InvalidArgument naming the JSON path) in error() and the caller unwinds without looking at
// the partial output.
class Decoder {
 public:
  const absl::Status& error() const { return error_; }

  bool Fail(const Path& path, absl::string_view what) {
    error_ = Error(path, what);
    return false;
  }

  bool TypeError(const Path& path, std::string_view expected, Value e) {
    return Fail(path, absl::StrCat("expected ", Sv(expected), ", got ", Sv(TypeName(e.type()))));
  }

  // A string value; null leaves `out` unchanged.
  bool GetString(Value e, const Path& path, std::string& out) {
    const element_type t = e.type();
    if (t == element_type::STRING) {
      const std::string_view s = e.String();
      out = std::string(s.data(), s.size());
      return true;
    }
    return t == element_type::NULL_VALUE || TypeError(path, "a string", e);
  }

  // The same for a string that is only inspected, not kept: a view into the parser's buffers.
  bool GetStringView(Value e, const Path& path, std::string_view& out) {
    const element_type t = e.type();
    if (t == element_type::STRING) {
      out = e.String();
      return true;
    }
    return t == element_type::NULL_VALUE || TypeError(path, "a string", e);
  }

  bool GetInt64(Value e, const Path& path, int64_t& out) {
    if (IsNull(e)) return true;
    int64_t v = 0;
    simdjson::error_code err = e.GetInt64(v);
    if (err == simdjson::NUMBER_OUT_OF_RANGE) return Fail(path, "integer out of range");
    if (err != simdjson::SUCCESS) return TypeError(path, "an integer", e);
    out = v;
    return true;
  }

  bool GetInt32(Value e, const Path& path, int32_t& out) {
    int64_t v = out;
    if (!GetInt64(e, path, v)) return false;
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return Fail(path, "integer out of range");
    }
    out = static_cast<int32_t>(v);
    return true;
  }

  // Calls fn(key, value, path_of_value) for each field of an object; null is an empty object.
  template <typename Fn>
  bool ForEachField(Value e, const Path& path, Fn&& fn) {
    const element_type t = e.type();
    if (t != element_type::OBJECT) {
      return t == element_type::NULL_VALUE || TypeError(path, "an object", e);
    }
    return e.Fields([&fn, &path](std::string_view key, Value value) {
      return fn(key, value, path.Field(key));
    });
  }

  // Calls fn(value, path_of_value) for each element of an array; null is an empty array.
  template <typename Fn>
  bool ForEachItem(Value e, const Path& path, Fn&& fn) {
    const element_type t = e.type();
    if (t != element_type::ARRAY) {
      return t == element_type::NULL_VALUE || TypeError(path, "an array", e);
    }
    int64_t i = 0;
    return e.Items([&fn, &path, &i](Value item) { return fn(item, path.Item(i++)); });
  }

  // A quantity: the API server sends strings; apimachinery's Quantity.UnmarshalJSON also takes a
  // bare JSON integer, so that is accepted too. Negative values are refused: every ResourceList
  // resizelet reads is validated non-negative by the API server (ValidateResourceQuantityValue).
  bool GetQuantity(Value e, const Path& path, Quantity& out) {
    // The common shapes carry no sign, so they need none of the checks below.
    if (e.type() == element_type::STRING && Quantity::ParseCommon(e.String(), out)) return true;
    return GetQuantityGeneral(e, path, out);
  }

  // The rest of the grammar, a bare integer, and every error.
  bool GetQuantityGeneral(Value e, const Path& path, Quantity& out) {
    std::string_view text;
    std::string integer_text;
    switch (e.type()) {
      case element_type::STRING:
        text = e.String();
        break;
      case element_type::INT64: {
        int64_t v = 0;
        if (e.GetInt64(v) != simdjson::SUCCESS) return TypeError(path, "an integer", e);
        integer_text = std::to_string(v);
        text = integer_text;
        break;
      }
      case element_type::UINT64:
        return Fail(path, "quantity out of range");
      default:
        return TypeError(path, "a quantity string", e);
    }
    absl::StatusOr<Quantity> q = Quantity::Parse(text);
    if (!q.ok()) return Fail(path, q.status().message());
    // Only a leading '-' can make it negative (Parse refused an empty text).
    if (text[0] == '-' && q->IsNegative()) {
      return Fail(path, absl::StrCat("negative quantity \"", q->String(), "\" is not allowed"));
    }
    out = *q;
    return true;
  }

  bool DecodeResourceList(Value e, const Path& path, ResourceList& out) {
    return ForEachField(e, path, [this, &out](std::string_view name, Value value, const Path& p) {
      if (IsNull(value)) return true;
      // cpu and memory are parsed in place (a failed parse fails the whole decode).
      if (Is(name, "cpu")) return GetQuantity(value, p, out.cpu.emplace());
      if (Is(name, "memory")) return GetQuantity(value, p, out.memory.emplace());
      Quantity q;
      if (!GetQuantity(value, p, q)) return false;
      if (name.size() > kHugePagesPrefix.size() &&
          std::memcmp(name.data(), kHugePagesPrefix.data(), kHugePagesPrefix.size()) == 0) {
        const std::string_view size = name.substr(kHugePagesPrefix.size());
        // A repeated key replaces the earlier value, as encoding/json does for a map.
        for (HugePageQuantity& h : out.hugepages) {
          if (h.page_size == size) {
            h.quantity = q;
            return true;
          }
        }
        out.hugepages.push_back(HugePageQuantity{std::string(size), q});
      } else {
        ++out.other_names;
      }
      return true;
    });
  }

  // A repeated key replaces the earlier list; null keeps it.
  bool DecodeOptionalResourceList(Value e, const Path& path, std::optional<ResourceList>& out) {
    if (IsNull(e)) return true;
    return DecodeResourceList(e, path, out.emplace());
  }

  bool DecodeRequirements(Value e, const Path& path, ResourceRequirements& out) {
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      if (Is(key, "requests")) return DecodeResourceList(value, p, out.requests);
      if (Is(key, "limits")) return DecodeResourceList(value, p, out.limits);
      return true;
    });
  }

  bool DecodeOptionalRequirements(Value e, const Path& path,
                                  std::optional<ResourceRequirements>& out) {
    if (IsNull(e)) return true;
    return DecodeRequirements(e, path, out.emplace());
  }

  // core/v1 ContainerResizePolicy list: [{resourceName, restartPolicy}].
  bool DecodeResizePolicy(Value e, const Path& path, ContainerSpec& out) {
    return ForEachItem(e, path, [this, &out](Value item, const Path& p) {
      std::string_view resource;
      std::string_view policy;
      const bool fields_ok =
          ForEachField(item, p, [&](std::string_view key, Value value, const Path& fp) {
            if (Is(key, "resourceName")) return GetStringView(value, fp, resource);
            if (Is(key, "restartPolicy")) return GetStringView(value, fp, policy);
            return true;
          });
      if (!fields_ok) return false;
      ResizeRestartPolicy parsed;
      if (policy.empty() || Is(policy, "NotRequired")) {
        parsed = ResizeRestartPolicy::kNotRequired;
      } else if (Is(policy, "RestartContainer")) {
        parsed = ResizeRestartPolicy::kRestartContainer;
      } else {
        return Fail(p.Field("restartPolicy"), absl::StrCat("unknown resize restart policy \"",
                                                           absl::CHexEscape(Sv(policy)), "\""));
      }
      if (Is(resource, "cpu")) out.cpu_resize_policy = parsed;
      if (Is(resource, "memory")) out.memory_resize_policy = parsed;
      return true;
    });
  }

  bool DecodeContainer(Value e, const Path& path, bool init, ContainerSpec& out) {
    return ForEachField(e, path,
                        [this, &out, init](std::string_view key, Value value, const Path& p) {
                          switch (key.size()) {
                            case 4:
                              if (Is(key, "name")) return GetString(value, p, out.name);
                              break;
                            case 9:
                              if (Is(key, "resources"))
                                return DecodeRequirements(value, p, out.resources);
                              break;
                            case 12:
                              if (Is(key, "resizePolicy")) return DecodeResizePolicy(value, p, out);
                              break;
                            case 13:
                              if (Is(key, "restartPolicy")) {
                                std::string_view policy;
                                if (!GetStringView(value, p, policy)) return false;
                                // KEP-753: an init container with restartPolicy Always is a
                                // sidecar.
                                out.sidecar = init && Is(policy, "Always");
                              }
                              break;
                            default:
                              break;
                          }
                          return true;
                        });
  }

  bool DecodeContainers(Value e, const Path& path, bool init, std::vector<ContainerSpec>& out) {
    out.reserve(ArraySize(e));
    return ForEachItem(e, path, [this, &out, init](Value item, const Path& p) {
      return DecodeContainer(item, p, init, out.emplace_back());
    });
  }

  bool DecodeState(Value e, const Path& path, ContainerStatus& out) {
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      ContainerStateKind kind;
      if (Is(key, "running")) {
        kind = ContainerStateKind::kRunning;
      } else if (Is(key, "waiting")) {
        kind = ContainerStateKind::kWaiting;
      } else if (Is(key, "terminated")) {
        kind = ContainerStateKind::kTerminated;
      } else {
        return true;
      }
      if (IsNull(value)) return true;
      out.state = kind;
      out.state_reason.clear();
      return ForEachField(value, p, [this, &out](std::string_view k, Value v, const Path& vp) {
        if (Is(k, "reason")) return GetString(v, vp, out.state_reason);
        return true;
      });
    });
  }

  bool DecodeContainerStatus(Value e, const Path& path, ContainerStatus& out) {
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      switch (key.size()) {
        case 4:
          if (Is(key, "name")) return GetString(value, p, out.name);
          break;
        case 5:
          if (Is(key, "state")) return DecodeState(value, p, out);
          break;
        case 9:
          if (Is(key, "resources")) return DecodeOptionalRequirements(value, p, out.resources);
          break;
        case 11:
          if (Is(key, "containerID")) return GetString(value, p, out.container_id);
          break;
        case 12:
          if (Is(key, "restartCount")) return GetInt32(value, p, out.restart_count);
          break;
        case 18:
          if (Is(key, "allocatedResources")) {
            return DecodeOptionalResourceList(value, p, out.allocated_resources);
          }
          break;
        default:
          break;
      }
      return true;
    });
  }

  bool DecodeContainerStatuses(Value e, const Path& path, std::vector<ContainerStatus>& out) {
    out.reserve(ArraySize(e));
    return ForEachItem(e, path, [this, &out](Value item, const Path& p) {
      return DecodeContainerStatus(item, p, out.emplace_back());
    });
  }

  bool DecodeCondition(Value e, const Path& path, PodCondition& out) {
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      switch (key.size()) {
        case 4:
          if (Is(key, "type")) return GetString(value, p, out.type);
          break;
        case 6:
          if (Is(key, "status")) return GetString(value, p, out.status);
          if (Is(key, "reason")) return GetString(value, p, out.reason);
          break;
        case 7:
          if (Is(key, "message")) return GetString(value, p, out.message);
          break;
        case 18:
          if (Is(key, "lastTransitionTime")) return GetString(value, p, out.last_transition_time);
          if (Is(key, "observedGeneration")) {
            if (IsNull(value)) return true;
            int64_t g = 0;
            if (!GetInt64(value, p, g)) return false;
            out.observed_generation = g;
          }
          break;
        default:
          break;
      }
      return true;
    });
  }

  // status.conditions, keeping the resize ones (objects.h). Another condition is checked to be
  // an object with a string (or null) type and is otherwise not read, like any field resizelet
  // does not use; it costs a walk over its keys and no allocation.
  bool DecodeResizeConditions(Value e, const Path& path, Pod& out) {
    return ForEachItem(e, path, [this, &out](Value item, const Path& p) {
      std::string_view type;
      const bool type_ok =
          ForEachField(item, p, [this, &type](std::string_view key, Value value, const Path& fp) {
            // A repeated key: the last one counts, as in DecodeCondition.
            return !Is(key, "type") || GetStringView(value, fp, type);
          });
      if (!type_ok) return false;
      if (!Is(type, "PodResizePending") && !Is(type, "PodResizeInProgress")) return true;
      return DecodeCondition(item, p, out.resize_conditions.emplace_back());
    });
  }

  bool DecodePodMetadata(Value e, const Path& path, Pod& out) {
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      switch (key.size()) {
        case 3:
          if (Is(key, "uid")) return GetString(value, p, out.uid);
          break;
        case 4:
          if (Is(key, "name")) return GetString(value, p, out.name);
          break;
        case 9:
          if (Is(key, "namespace")) return GetString(value, p, out.namespace_name);
          break;
        case 10:
          if (Is(key, "generation")) return GetInt64(value, p, out.generation);
          break;
        case 11:
          if (Is(key, "annotations")) return DecodeAnnotations(value, p, out);
          break;
        case 15:
          if (Is(key, "resourceVersion")) return GetString(value, p, out.resource_version);
          break;
        case 17:
          if (Is(key, "deletionTimestamp")) {
            std::string_view ts;
            if (!GetStringView(value, p, ts)) return false;
            out.deleting = !IsNull(value);
          }
          break;
        default:
          break;
      }
      return true;
    });
  }

  bool DecodeAnnotations(Value e, const Path& path, Pod& out) {
    return ForEachField(e, path, [this, &out](std::string_view name, Value v, const Path& ap) {
      // kubelet pkg/kubelet/types: ConfigSourceAnnotationKey, ConfigMirrorAnnotationKey.
      if (Is(name, "kubernetes.io/config.source")) return GetString(v, ap, out.config_source);
      if (Is(name, "kubernetes.io/config.mirror")) {
        std::string_view ignored;
        if (!GetStringView(v, ap, ignored)) return false;
        out.mirror = !IsNull(v);
      }
      return true;
    });
  }

  bool DecodePodSpec(Value e, const Path& path, Pod& out) {
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      switch (key.size()) {
        case 8:
          if (Is(key, "priority")) return GetInt32(value, p, out.priority);
          if (Is(key, "overhead")) return DecodeResourceList(value, p, out.overhead);
          if (Is(key, "nodeName")) return GetString(value, p, out.node_name);
          break;
        case 9:
          if (Is(key, "resources")) return DecodeOptionalRequirements(value, p, out.resources);
          break;
        case 10:
          if (Is(key, "containers")) return DecodeContainers(value, p, false, out.containers);
          break;
        case 14:
          if (Is(key, "initContainers"))
            return DecodeContainers(value, p, true, out.init_containers);
          break;
        case 17:
          if (Is(key, "priorityClassName")) return GetString(value, p, out.priority_class_name);
          break;
        default:
          break;
      }
      return true;
    });
  }

  bool DecodePodStatus(Value e, const Path& path, Pod& out) {
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      switch (key.size()) {
        case 5:
          if (Is(key, "phase")) {
            std::string_view s;
            if (!GetStringView(value, p, s)) return false;
            out.phase = ParsePhase(s);
          }
          break;
        case 6:
          if (Is(key, "resize")) return GetString(value, p, out.resize);
          break;
        case 8:
          if (Is(key, "qosClass")) {
            std::string_view s;
            if (!GetStringView(value, p, s)) return false;
            out.qos_class = ParseQos(s);
          }
          break;
        case 9:
          if (Is(key, "resources"))
            return DecodeOptionalRequirements(value, p, out.status_resources);
          break;
        case 10:
          if (Is(key, "conditions")) return DecodeResizeConditions(value, p, out);
          break;
        case 17:
          if (Is(key, "containerStatuses")) {
            return DecodeContainerStatuses(value, p, out.container_statuses);
          }
          break;
        case 18:
          if (Is(key, "allocatedResources")) {
            return DecodeOptionalResourceList(value, p, out.status_allocated_resources);
          }
          break;
        case 21:
          if (Is(key, "initContainerStatuses")) {
            return DecodeContainerStatuses(value, p, out.init_container_statuses);
          }
          break;
        default:
          break;
      }
      return true;
    });
  }

  bool DecodePodObject(Value e, const Path& path, Pod& out) {
    if (e.type() != element_type::OBJECT) return TypeError(path, "an object", e);
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      if (Is(key, "spec")) return DecodePodSpec(value, p, out);
      if (Is(key, "status")) return DecodePodStatus(value, p, out);
      if (Is(key, "metadata")) return DecodePodMetadata(value, p, out);
      return true;
    });
  }

  bool DecodeNodeObject(Value e, const Path& path, Node& out) {
    if (e.type() != element_type::OBJECT) return TypeError(path, "an object", e);
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      if (Is(key, "metadata")) {
        return ForEachField(value, p, [this, &out](std::string_view k, Value v, const Path& mp) {
          if (Is(k, "name")) return GetString(v, mp, out.name);
          if (Is(k, "resourceVersion")) return GetString(v, mp, out.resource_version);
          return true;
        });
      }
      if (Is(key, "status")) {
        return ForEachField(value, p, [this, &out](std::string_view k, Value v, const Path& sp) {
          if (Is(k, "allocatable")) return DecodeResourceList(v, sp, out.allocatable);
          if (Is(k, "capacity")) return DecodeResourceList(v, sp, out.capacity);
          if (Is(k, "nodeInfo")) {
            return ForEachField(v, sp, [this, &out](std::string_view ik, Value iv, const Path& ip) {
              if (Is(ik, "kubeletVersion")) {
                return GetString(iv, ip, out.kubelet_version);
              }
              return true;
            });
          }
          return true;
        });
      }
      return true;
    });
  }

  bool DecodePodListObject(Value e, const Path& path, PodList& out) {
    if (e.type() != element_type::OBJECT) return TypeError(path, "an object", e);
    return ForEachField(e, path, [this, &out](std::string_view key, Value value, const Path& p) {
      if (Is(key, "metadata")) {
        return ForEachField(value, p, [this, &out](std::string_view k, Value v, const Path& mp) {
          if (Is(k, "resourceVersion")) return GetString(v, mp, out.resource_version);
          return true;
        });
      }
      if (Is(key, "kind")) {
        std::string_view kind;
        if (!GetStringView(value, p, kind)) return false;
        if (!kind.empty() && !Is(kind, "PodList") && !Is(kind, "List")) {
          return Fail(p, absl::StrCat("expected PodList or List, got \"",
                                      absl::CHexEscape(Sv(kind)), "\""));
        }
        return true;
      }
      if (Is(key, "items")) {
        out.items.reserve(ArraySize(value));
        return ForEachItem(value, p, [this, &out](Value item, const Path& ip) {
          return DecodePodObject(item, ip, out.items.emplace_back());
        });
      }
      return true;
    });
  }

 private:
  absl::Status error_;
};

// This thread's parser (for pods, nodes and pod lists alike), capped at kMaxNestingDepth.
ReusableParser& ThreadParser() {
  thread_local ReusableParser parser(kMaxListDocumentBytes, kMaxNestingDepth);
  return parser;
}

// Parses a document under the size and depth caps into `root`, which points into the thread's
// parser: valid until the next parse on this thread.
absl::Status ParseDocument(std::string_view json, size_t max_bytes, ReusableParser::Lease& lease,
                           Value& root) {
  if (json.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "document of ", json.size(), " bytes exceeds the limit of ", max_bytes, " bytes"));
  }
  absl::StatusOr<simdjson::dom::parser*> leased = lease.Get();
  if (!leased.ok()) return leased.status();
  simdjson::dom::parser* parser = *leased;
  simdjson::dom::element parsed;
  simdjson::error_code err = parser->parse(json.data(), json.size()).get(parsed);
  if (err == simdjson::SUCCESS) {
    // The parse filled the parser's own document; its root value is the tape's second word,
    // after the root marker (dom::document::root()).
    root = Value(parser->doc.tape.get(), parser->doc.string_buf.get(), 1);
    return absl::OkStatus();
  }
  if (err == simdjson::DEPTH_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON nested deeper than ", kMaxNestingDepth, " levels"));
  }
  if (err == simdjson::MEMALLOC) return absl::ResourceExhaustedError("out of memory parsing JSON");
  return absl::InvalidArgumentError(absl::StrCat("malformed JSON: ", simdjson::error_message(err)));
}

// Parses `json` and decodes its root with decode(decoder, root, out). The result is built in
// place inside the returned StatusOr, so the decoded object is never moved.
template <typename T, typename DecodeFn>
absl::StatusOr<T> ParseAndDecode(std::string_view json, size_t max_bytes, DecodeFn decode) {
  ReusableParser::Lease lease(ThreadParser(), json.size());
  absl::StatusOr<T> result(absl::in_place);
  Value root;
  if (absl::Status parsed = ParseDocument(json, max_bytes, lease, root); !parsed.ok()) {
    result = std::move(parsed);
  } else if (Decoder decoder; !decode(decoder, root, *result)) {
    result = decoder.error();
  }
  return result;
}

}  // namespace

absl::StatusOr<Pod> DecodePod(std::string_view json) {
  return ParseAndDecode<Pod>(json, kMaxDocumentBytes, [](Decoder& d, Value root, Pod& out) {
    return d.DecodePodObject(root, Path{}, out);
  });
}

absl::StatusOr<Node> DecodeNode(std::string_view json) {
  return ParseAndDecode<Node>(json, kMaxDocumentBytes, [](Decoder& d, Value root, Node& out) {
    return d.DecodeNodeObject(root, Path{}, out);
  });
}

absl::StatusOr<PodList> DecodePodList(std::string_view json) {
  return ParseAndDecode<PodList>(json, kMaxListDocumentBytes,
                                 [](Decoder& d, Value root, PodList& out) {
                                   return d.DecodePodListObject(root, Path{}, out);
                                 });
}

}  // namespace resizelet::api
