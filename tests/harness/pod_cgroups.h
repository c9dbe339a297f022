// Pod cgroups left on this cgroup v1 host by a test run: the kubelet-style directories
// /sys/fs/cgroup/<controller>/kubepods[/burstable|/besteffort]/pod<uid> of pods the caller
// created. Used at teardown by the end-to-end fixture and the footprint benchmark.
#ifndef RESIZELET_TESTS_HARNESS_POD_CGROUPS_H_
#define RESIZELET_TESTS_HARNESS_POD_CGROUPS_H_

#include <string>
#include <vector>

namespace resizelet::harness {

// Removes the pod cgroup directories of `pod_uids` (their container directories first) in every
// v1 controller and QoS tier, and returns the paths it found. Empty uids are ignored; nothing
// else is touched.
std::vector<std::string> RemovePodCgroups(const std::vector<std::string>& pod_uids);

}  // namespace resizelet::harness

#endif  // RESIZELET_TESTS_HARNESS_POD_CGROUPS_H_
