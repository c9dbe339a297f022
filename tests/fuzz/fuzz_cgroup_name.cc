// Fuzzes the kubelet cgroup naming: ParseCgroupRoot (--cgroup-root, either driver's spelling) and
// ExpandSlice (systemd slice nesting). Input: "<root or slice>\n<pod uid>". Beyond not crashing,
// checks the round trips the drivers rely on: a parsed name has only non-empty components free of
// '/' and '_'; its systemd unit parses back to the same name and expands to its systemd path; its
// cgroupfs path parses back too (unless the last component looks like a slice); and any slice
// ExpandSlice accepts nests under itself and parses to a name whose unit is that slice again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cgroups/cgroup_name.h"

namespace {

namespace cg = ::resizelet::cgroups;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

size_t Count(std::string_view s, char c) {
  size_t n = 0;
  for (char x : s) n += x == c ? 1 : 0;
  return n;
}

void CheckName(const cg::CgroupName& name) {
  for (const std::string& c : name.components) {
    Check(!c.empty());
    Check(c.find_first_of("/_") == std::string::npos);
  }
  const std::string unit = cg::ToSystemdUnitName(name);
  const std::string systemd_path = cg::ToSystemdPath(name);
  auto expanded = cg::ExpandSlice(unit);
  Check(expanded.ok() && *expanded == systemd_path);
  auto from_unit = cg::ParseCgroupRoot(unit);
  Check(from_unit.ok() && *from_unit == name);
  auto from_systemd_path = cg::ParseCgroupRoot(systemd_path);
  Check(from_systemd_path.ok() && *from_systemd_path == name);
  const std::string cgroupfs = cg::ToCgroupfs(name);
  Check(!cgroupfs.empty() && cgroupfs.front() == '/');
  if (name.components.empty() || !EndsWith(name.components.back(), ".slice")) {
    auto from_cgroupfs = cg::ParseCgroupRoot(cgroupfs);
    Check(from_cgroupfs.ok() && *from_cgroupfs == name);
  }
}

void CheckSlice(std::string_view slice) {
  auto expanded = cg::ExpandSlice(slice);
  if (!expanded.ok()) return;
  Check(EndsWith(*expanded, ".slice") || *expanded == "/");
  if (slice == "-.slice") {
    Check(*expanded == "/");
    return;
  }
  // One nesting level per dash-separated prefix, the last being the slice itself.
  Check(EndsWith(*expanded, std::string("/").append(slice)));
  Check(Count(*expanded, '/') == Count(slice, '-') + 1);
  auto parsed = cg::ParseCgroupRoot(*expanded);
  Check(parsed.ok());
  Check(cg::ToSystemdUnitName(*parsed) == slice);
  Check(cg::ToSystemdPath(*parsed) == *expanded);
}

void CheckPod(const cg::CgroupName& root, std::string_view uid) {
  for (cg::PodQosTier tier :
       {cg::PodQosTier::kGuaranteed, cg::PodQosTier::kBurstable, cg::PodQosTier::kBestEffort}) {
    auto pod = cg::PodCgroupName(root, tier, uid);
    if (!pod.ok()) return;
    CheckName(*pod);
    Check(EndsWith(cg::ToCgroupfs(*pod), std::string("/pod").append(uid)));
    for (cg::CgroupDriverKind driver :
         {cg::CgroupDriverKind::kCgroupfs, cg::CgroupDriverKind::kSystemd}) {
      const std::string dir =
          cg::ContainerCgroupDir(cg::ContainerRuntimeKind::kContainerd, driver, *pod, "abc");
      Check(dir.rfind(cg::ToDriverPath(*pod, driver), 0) == 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view first = input.substr(0, newline);
  const std::string_view uid =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  CheckSlice(first);
  auto root = cg::ParseCgroupRoot(first);
  if (root.ok()) {
    CheckName(*root);
    CheckPod(*root, uid);
  }
  return 0;
}
