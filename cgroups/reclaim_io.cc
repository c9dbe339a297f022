#include "cgroups/reclaim_io.h"

#include <sys/stat.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace resizelet::cgroups {

bool NodeHasSwap(const std::string& swaps_file) {
  absl::StatusOr<std::string> text = ReadCgroupFile(swaps_file);
  if (!text.ok()) return true;
  // One line per active swap area after the header line.
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n', absl::SkipEmpty());
  return lines.size() > 1;
}

void AddMemoryReclaimIo(const CgroupFileWriter::Target& cgroup, const MemoryShrinkOptions& options,
                        const std::string& swaps_file, CgroupFileWriteFn write,
                        MemoryShrinkIo* io) {
  if (!options.reclaim) return;
  const std::string dir = absl::StrCat(cgroup.mount_dir, cgroup.cgroup_name);
  struct stat st;
  // memory.reclaim appeared in Linux 5.19; older kernels cannot be asked.
  if (::stat(absl::StrCat(dir, "/", kMemoryReclaim).c_str(), &st) != 0) return;
  CgroupFileWriter::Target target = cgroup;
  target.controller = "memory";
  target.file = kMemoryReclaim;
  io->reclaim = [target, write = std::move(write)](uint64_t bytes) {
    return write(target, std::to_string(bytes));
  };
  if (NodeHasSwap(swaps_file)) return;
  io->read_reclaimable = [dir]() -> absl::StatusOr<uint64_t> {
    absl::StatusOr<std::string> stat = ReadCgroupFile(absl::StrCat(dir, "/", kMemoryStat));
    if (absl::IsNotFound(stat.status())) return ~uint64_t{0};  // unknown: let the kernel try
    if (!stat.ok()) return stat.status();
    uint64_t total = 0;
    for (const char* key : {"active_file", "inactive_file", "slab_reclaimable"}) {
      absl::StatusOr<uint64_t> v = ParseKeyedValue(*stat, key);
      if (v.ok()) total += *v;
    }
    return total;
  };
}

}  // namespace resizelet::cgroups
