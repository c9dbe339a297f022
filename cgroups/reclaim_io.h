// The memory.reclaim side of the memory-safe shrink (cgroups/memory_shrink_guard.h) for one
// cgroup v2 directory, shared by both cgroup drivers.
//
// Asking the kernel to reclaim is a one-shot write to the cgroup's memory.reclaim file, not a
// stored setting, so it is written to the cgroupfs file directly even on nodes where systemd owns
// the cgroup (systemd has no unit property for it and re-applies nothing over it). The estimate
// of what reclaim could free follows the kernel's LRU split: without swap only file pages and
// reclaimable slab can go (memory.stat active_file + inactive_file + slab_reclaimable; shmem sits
// on the anon LRU and is excluded from those counters); with swap anonymous memory can be paged
// out too, so no estimate is made and the kernel is asked.
#ifndef RESIZELET_CGROUPS_RECLAIM_IO_H_
#define RESIZELET_CGROUPS_RECLAIM_IO_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cgroups/cgroup_files.h"
#include "cgroups/memory_shrink_guard.h"

namespace resizelet::cgroups {

// True when /proc/swaps (or `swaps_file`) lists an active swap area, or cannot be read (then
// reclaim may page anonymous memory out, so it is not ruled out).
bool NodeHasSwap(const std::string& swaps_file);

// Writes one interface file: the driver picks the mechanism (libcgroup, write(2)).
using CgroupFileWriteFn =
    std::function<absl::Status(const CgroupFileWriter::Target& target, std::string_view value)>;

// For the cgroup v2 cgroup `cgroup` (mount_dir + cgroup_name; controller and file are filled in
// here): when `options.reclaim` is set and <dir>/memory.reclaim exists, sets io->reclaim to write
// the byte count there through `write`, and — on a node without swap (`swaps_file`) — sets
// io->read_reclaimable to the memory.stat estimate above. Otherwise leaves both empty, so
// CheckMemoryShrink refuses without touching memory.reclaim. Callers call it for v2 cgroups only:
// cgroup v1 has no memory.reclaim.
void AddMemoryReclaimIo(const CgroupFileWriter::Target& cgroup, const MemoryShrinkOptions& options,
                        const std::string& swaps_file, CgroupFileWriteFn write, MemoryShrinkIo* io);

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_RECLAIM_IO_H_
