// SystemdDriver: the kubelet's "systemd" cgroup driver for pod slices, over sd-bus.
//
// systemd owns the cgroups of its units: it re-applies the resource properties it has stored and
// reverts values written around it. So resizelet changes a slice only through
// SetUnitProperties(unit, runtime=true, a(sv)) on org.freedesktop.systemd1.Manager, and every call
// carries the complete set of resource properties (facts.md §6): the ones resizelet changes
// (CPUWeight, CPUQuotaPerSecUSec rounded as runc's addCPUQuota does, CPUQuotaPeriodUSec,
// MemoryMax) and the current values of the ones it does not own (TasksMax, set from the kubelet's
// configuration), read from the unit first — never defaults. On cgroup v1 nodes the v1 properties
// CPUShares and MemoryLimit replace CPUWeight and MemoryMax.
//
// The cgroup path is the slice path (cgroups/cgroup_name.h ToSystemdPath); the unit is its last
// component. Reads (memory.current, PSI, oom_kill) come from the cgroup files through `reader`,
// since systemd does not serve them. Lowering MemoryMax/MemoryLimit is guarded as in the cgroupfs
// driver (cgroups/memory_shrink_guard.h): usage is read right before the call, and on cgroup v2
// the kernel is first asked to reclaim through <cgroup_mount_point><cgroup path>/memory.reclaim
// (cgroups/reclaim_io.h) — a one-shot write, not a unit property, so writing the file directly
// does not fight systemd. Connections: the system bus, falling back to systemd's
// private socket /run/systemd/private (no dbus-daemon needed); one connection per thread, since
// an sd_bus object must not be shared between threads.
#ifndef RESIZELET_SYSTEMD_SYSTEMD_DRIVER_H_
#define RESIZELET_SYSTEMD_SYSTEMD_DRIVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cgroups/cgroup_driver.h"
#include "cgroups/cgroup_files.h"
#include "cgroups/memory_shrink_guard.h"

namespace resizelet::systemd {

// systemd's "infinity" for every 't' resource property.
inline constexpr uint64_t kInfinity = UINT64_MAX;

struct SystemdDriverOptions {
  bool cgroup_v2 = true;
  // Empty: the system bus (sd_bus_open_system). Otherwise a D-Bus address of a bus daemon.
  std::string bus_address;
  // Peer-to-peer address used when the bus cannot be reached.
  std::string fallback_address = "unix:path=/run/systemd/private";
  std::chrono::microseconds call_timeout = std::chrono::seconds(10);
  cgroups::MemoryShrinkOptions memory_shrink;
  // Where the unified hierarchy is mounted (the cgroup path is relative to it): memory.reclaim
  // is written there. Should be the mount point `reader` reads from.
  std::string cgroup_mount_point = "/sys/fs/cgroup";
  // Read to tell whether the node has swap (anonymous memory is then reclaimable too).
  std::string swaps_file = "/proc/swaps";
};

// Name → value, in the order sent. Every property resizelet sends has D-Bus type 't'.
using UnitProperties = std::vector<std::pair<std::string, uint64_t>>;

// The property names of the full set, for v2 or v1 nodes.
const std::vector<std::string>& ResourcePropertyNames(bool cgroup_v2);

// Pure: the full property set for `values` over the unit's `current` properties (which must hold
// every name of ResourcePropertyNames). FailedPrecondition when one is missing, InvalidArgument
// for values v1 cannot express, Unimplemented for hugetlb limits (systemd has no property).
absl::StatusOr<UnitProperties> ComputeUnitProperties(const std::map<std::string, uint64_t>& current,
                                                     const cgroups::CgroupValues& values,
                                                     bool cgroup_v2);

class SystemdDriver : public cgroups::CgroupDriver {
 public:
  // `reader` (not owned, outlives this) reads cgroup files, e.g. a CgroupfsDriver. `writer`
  // writes memory.reclaim; null means write(2) (cgroups::DirectFileWriter).
  SystemdDriver(SystemdDriverOptions options, cgroups::CgroupDriver* reader,
                std::unique_ptr<cgroups::CgroupFileWriter> writer = nullptr);

  absl::StatusOr<cgroups::CgroupState> Read(const std::string& cgroup_path) override;
  absl::Status Apply(const std::string& cgroup_path, const cgroups::CgroupValues& values,
                     const cgroups::ApplyTarget& target) override;

  // The unit's current resource properties, read over the bus.
  absl::StatusOr<std::map<std::string, uint64_t>> ReadUnitProperties(const std::string& unit);

  // SetUnitProperties calls made (tests check that applying what holds calls nothing).
  int calls() const { return calls_.load(); }

 private:
  // The guard's I/O for `cgroup_path`: usage through reader_, memory.reclaim on v2 nodes.
  absl::StatusOr<cgroups::MemoryShrinkIo> ShrinkIo(const std::string& cgroup_path);

  SystemdDriverOptions options_;
  cgroups::CgroupDriver* reader_;
  std::unique_ptr<cgroups::CgroupFileWriter> writer_;
  std::atomic<int> calls_{0};
};

}  // namespace resizelet::systemd

#endif  // RESIZELET_SYSTEMD_SYSTEMD_DRIVER_H_
