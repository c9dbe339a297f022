#include "agent/state/checkpoint_format.h"

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/state/crc32c.h"

namespace resizelet::state {
namespace {

constexpr size_t kMaxTokenBytes = 253;
constexpr size_t kMaxHeaderBytes = 128;

bool ValidToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxTokenBytes) return false;
  for (char c : s) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

template <typename Named>
absl::Status ValidateNames(std::string_view what, std::string_view uid,
                           const std::vector<Named>& containers) {
  std::set<std::string_view> seen;
  for (const Named& c : containers) {
    if (!ValidToken(c.name) || !seen.insert(c.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("pod ", AsAbsl(uid), ": ", AsAbsl(what),
                                                     " container name \"", c.name,
                                                     "\" is empty, invalid or repeated"));
    }
  }
  return absl::OkStatus();
}

void AppendValue(std::string& out, const std::optional<int64_t>& v) {
  out += ' ';
  if (v) {
    absl::StrAppend(&out, *v);
  } else {
    out += '-';
  }
}

void AppendValues(std::string& out, const ResourceValues& v) {
  AppendValue(out, v.cpu_request_milli);
  AppendValue(out, v.cpu_limit_milli);
  AppendValue(out, v.memory_request_bytes);
  AppendValue(out, v.memory_limit_bytes);
}

void AppendValues(std::string& out, const CgroupValues& v) {
  AppendValue(out, v.cpu_shares);
  AppendValue(out, v.cpu_quota);
  AppendValue(out, v.cpu_period);
  AppendValue(out, v.memory_limit_bytes);
}

std::string Hex8(uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(8, '0');
  for (int i = 7; i >= 0; --i, v >>= 4) s[i] = kDigits[v & 0xF];
  return s;
}

// Strict decimal: optional '-', digits, no leading zeros, no '+', no spaces; in range. Strict so
// that a flipped header byte can never parse to the same number.
std::optional<int64_t> ParseInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 19) return std::nullopt;
  if (s[0] == '0' && (s.size() > 1 || negative)) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (v > limit) return std::nullopt;
  if (negative) return v == (uint64_t{1} << 63) ? INT64_MIN : -static_cast<int64_t>(v);
  return static_cast<int64_t>(v);
}

std::optional<uint32_t> ParseHex8(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    v = (v << 4) | d;
  }
  return v;
}

// Splits on single spaces; any empty field (double space, leading/trailing space) is rejected
// by the callers' token checks.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t sp = line.find(' ', start);
    if (sp == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, sp - start));
    start = sp + 1;
  }
}

absl::Status Corrupt(std::string_view why) {
  return absl::DataLossError(absl::StrCat("allocation checkpoint is corrupt: ", AsAbsl(why)));
}

// Parses the 4 value fields at fields[first..first+3].
std::optional<std::array<std::optional<int64_t>, 4>> ParseValues(
    const std::vector<std::string_view>& fields, size_t first) {
  std::array<std::optional<int64_t>, 4> out;
  for (size_t i = 0; i < 4; ++i) {
    const std::string_view f = fields[first + i];
    if (f == "-") continue;
    out[i] = ParseInt(f);
    if (!out[i]) return std::nullopt;
  }
  return out;
}

ResourceValues ToResourceValues(const std::array<std::optional<int64_t>, 4>& v) {
  return ResourceValues{v[0], v[1], v[2], v[3]};
}
CgroupValues ToCgroupValues(const std::array<std::optional<int64_t>, 4>& v) {
  return CgroupValues{v[0], v[1], v[2], v[3]};
}

absl::StatusOr<AllocationMap> DecodeBody(std::string_view body) {
  AllocationMap pods;
  PodAllocation* pod = nullptr;
  // Section order inside a pod: 0 = after `pod`, 1 = in allocated, 2 = in actuated.
  int section = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    if (nl == std::string_view::npos) return Corrupt("last line is not terminated");
    const std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    const std::vector<std::string_view> f = Fields(line);
    const std::string_view kind = f[0];
    if (kind == "pod") {
      if (f.size() != 2 || !ValidToken(f[1])) return Corrupt("bad pod line");
      if (!pods.empty() && pods.rbegin()->first >= f[1]) {
        return Corrupt("pods are not in strictly increasing UID order");
      }
      auto it = pods.emplace_hint(pods.end(), std::string(f[1]), PodAllocation{});
      pod = &it->second;
      pod->uid = it->first;
      section = 0;
      continue;
    }
    if (pod == nullptr) return Corrupt("record before the first pod line");
    const bool container = kind == "allocated-container" || kind == "actuated-container";
    if (f.size() != 6 || (container && !ValidToken(f[1]))) {
      return Corrupt(absl::StrCat("bad ", AsAbsl(kind), " line"));
    }
    const auto values = ParseValues(f, 2);
    if (!values) return Corrupt(absl::StrCat("bad value in ", AsAbsl(kind), " line"));
    std::optional<int64_t> generation;
    if (!container) {
      generation = ParseInt(f[1]);
      if (!generation) return Corrupt(absl::StrCat("bad generation in ", AsAbsl(kind), " line"));
    }
    if (kind == "allocated") {
      if (section != 0) return Corrupt("allocated record out of order");
      pod->allocated = AllocatedResources{*generation, {}, ToResourceValues(*values)};
      section = 1;
    } else if (kind == "actuated") {
      if (section == 2) return Corrupt("repeated actuated record");
      pod->actuated = ActuatedResources{*generation, {}, ToCgroupValues(*values)};
      section = 2;
    } else if (kind == "allocated-container") {
      if (section != 1) return Corrupt("allocated-container outside an allocated record");
      for (const auto& c : pod->allocated->containers) {
        if (c.name == f[1]) return Corrupt("repeated allocated container");
      }
      pod->allocated->containers.push_back({std::string(f[1]), ToResourceValues(*values)});
    } else if (kind == "actuated-container") {
      if (section != 2) return Corrupt("actuated-container outside an actuated record");
      for (const auto& c : pod->actuated->containers) {
        if (c.name == f[1]) return Corrupt("repeated actuated container");
      }
      pod->actuated->containers.push_back({std::string(f[1]), ToCgroupValues(*values)});
    } else {
      return Corrupt("unknown record kind");
    }
  }
  return pods;
}

}  // namespace

absl::Status ValidatePodAllocation(std::string_view uid, const PodAllocation& pod) {
  if (!ValidToken(uid)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pod UID \"", AsAbsl(uid), "\" is empty or not printable ASCII"));
  }
  if (pod.allocated) {
    if (absl::Status s = ValidateNames("allocated", uid, pod.allocated->containers); !s.ok()) {
      return s;
    }
  }
  if (pod.actuated) {
    if (absl::Status s = ValidateNames("actuated", uid, pod.actuated->containers); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeCheckpoint(const AllocationMap& pods) {
  std::string body;
  for (const auto& [uid, pod] : pods) {
    if (absl::Status s = ValidatePodAllocation(uid, pod); !s.ok()) return s;
    absl::StrAppend(&body, "pod ", uid, "\n");
    if (pod.allocated) {
      absl::StrAppend(&body, "allocated ", pod.allocated->generation);
      AppendValues(body, pod.allocated->pod);
      body += '\n';
      for (const auto& c : pod.allocated->containers) {
        absl::StrAppend(&body, "allocated-container ", c.name);
        AppendValues(body, c.values);
        body += '\n';
      }
    }
    if (pod.actuated) {
      absl::StrAppend(&body, "actuated ", pod.actuated->generation);
      AppendValues(body, pod.actuated->pod_cgroup);
      body += '\n';
      for (const auto& c : pod.actuated->containers) {
        absl::StrAppend(&body, "actuated-container ", c.name);
        AppendValues(body, c.values);
        body += '\n';
      }
    }
  }
  if (body.size() > kMaxCheckpointBodyBytes) {
    return absl::ResourceExhaustedError("allocation checkpoint exceeds 64 MiB");
  }
  return absl::StrCat(AsAbsl(kCheckpointMagic), " ", kCheckpointFormatVersion, " ", body.size(),
                      " ", Hex8(Crc32c(body)), "\n", body);
}

absl::StatusOr<AllocationMap> DecodeCheckpoint(std::string_view bytes) {
  const size_t nl = bytes.substr(0, kMaxHeaderBytes).find('\n');
  if (nl == std::string_view::npos) return Corrupt("no header line");
  const std::vector<std::string_view> header = Fields(bytes.substr(0, nl));
  const std::string_view body = bytes.substr(nl + 1);
  if (header.size() < 2 || header[0] != kCheckpointMagic) return Corrupt("bad magic");
  const std::optional<int64_t> version = ParseInt(header[1]);
  if (!version || *version < 1) return Corrupt("bad format version");
  // Checked before the rest of the header: a future format may lay its header out differently.
  if (*version > kCheckpointFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat("allocation checkpoint format version ",
                                                      *version, " is newer than this build's ",
                                                      kCheckpointFormatVersion));
  }
  if (header.size() != 4) return Corrupt("bad header");
  const std::optional<int64_t> length = ParseInt(header[2]);
  const std::optional<uint32_t> crc = ParseHex8(header[3]);
  if (!length || *length < 0 || !crc) return Corrupt("bad header");
  if (static_cast<uint64_t>(*length) != body.size()) {
    return Corrupt(absl::StrCat("body is ", body.size(), " bytes, header says ", *length));
  }
  if (Crc32c(body) != *crc) return Corrupt("checksum mismatch");
  return DecodeBody(body);
}

}  // namespace resizelet::state
