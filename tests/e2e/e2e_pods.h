// Pods and resize patches the end-to-end tests apply with kubectl, and the cgroup v1 values a
// Burstable one-container pod must show (the kubelet's MilliCPUToShares / MilliCPUToQuota with
// the 100 ms period; memory limit in bytes).
#ifndef RESIZELET_TESTS_E2E_E2E_PODS_H_
#define RESIZELET_TESTS_E2E_E2E_PODS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/local_node.h"

namespace resizelet::e2e {

struct Size {
  int64_t cpu_request_milli;
  int64_t cpu_limit_milli;
  int64_t memory_request_mi;
  int64_t memory_limit_mi;
};

inline nlohmann::json ResourcesJson(const Size& s) {
  return {{"requests",
           {{"cpu", std::to_string(s.cpu_request_milli) + "m"},
            {"memory", std::to_string(s.memory_request_mi) + "Mi"}}},
          {"limits",
           {{"cpu", std::to_string(s.cpu_limit_milli) + "m"},
            {"memory", std::to_string(s.memory_limit_mi) + "Mi"}}}};
}

// A one-container ("c1") Burstable pod bound to kNodeName, running `sleep`.
inline nlohmann::json PodJson(const std::string& name, const Size& size) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"nodeName", kNodeName},
            {"terminationGracePeriodSeconds", 2},
            {"containers",
             {{{"name", "c1"},
               {"image", "localhost/resizelet/test:1"},
               {"command", {"/bin/sleep", "3600"}},
               {"resources", ResourcesJson(size)}}}}}}};
}

// The body of `kubectl patch pod --subresource resize` that sets c1 to `size`.
inline nlohmann::json ResizePatch(const Size& size) {
  return {{"spec", {{"containers", {{{"name", "c1"}, {"resources", ResourcesJson(size)}}}}}}};
}

// cpu.shares for a request: MilliCPUToShares (1024 per CPU, at least 2).
inline int64_t Shares(int64_t milli) { return std::max<int64_t>(2, milli * 1024 / 1000); }
// cpu.cfs_quota_us for a limit at the 100 ms period: MilliCPUToQuota (at least 1 ms).
inline int64_t Quota(int64_t milli) { return std::max<int64_t>(1000, milli * 100000 / 1000); }
inline int64_t MiB(int64_t mi) { return mi * 1024 * 1024; }

// What differs from `size` in the pod cgroup, the container cgroup and ContainerStatus.resources
// of a one-container Burstable pod; empty when everything shows it.
inline std::string TargetMismatch(LocalNode& node, const std::string& uid,
                                  const std::string& container_id, const Size& size) {
  std::string out;
  auto check = [&](const std::string& what, const std::string& got, int64_t want) {
    if (got != std::to_string(want)) absl::StrAppend(&out, what, "=", got, " want ", want, "; ");
  };
  for (const std::string& id : {std::string(), container_id}) {
    const std::string where = id.empty() ? "pod " : "container ";
    check(where + "cpu.cfs_quota_us", BurstableCgroupValue("cpu", uid, id, "cpu.cfs_quota_us"),
          Quota(size.cpu_limit_milli));
    check(where + "cpu.shares", BurstableCgroupValue("cpu", uid, id, "cpu.shares"),
          Shares(size.cpu_request_milli));
    check(where + "memory.limit_in_bytes",
          BurstableCgroupValue("memory", uid, id, "memory.limit_in_bytes"),
          MiB(size.memory_limit_mi));
  }
  absl::StatusOr<cri::LinuxResources> r = node.ContainerResources(container_id);
  if (!r.ok()) {
    absl::StrAppend(&out, "ContainerStatus: ", r.status().ToString());
  } else {
    check("ContainerStatus cpu_quota", std::to_string(r->cpu_quota), Quota(size.cpu_limit_milli));
    check("ContainerStatus cpu_shares", std::to_string(r->cpu_shares),
          Shares(size.cpu_request_milli));
    check("ContainerStatus memory_limit_in_bytes", std::to_string(r->memory_limit_in_bytes),
          MiB(size.memory_limit_mi));
  }
  return out;
}

// Reasons of the events about `uid` whose source is resizelet, in order.
inline std::vector<std::string> ResizeletEventReasons(const LocalNode& node,
                                                      const std::string& uid) {
  std::vector<std::string> out;
  for (const nlohmann::json& e : node.EventsFor(uid)) {
    if (e.value("reportingComponent", "") == "resizelet" ||
        (e.contains("source") && e["source"].value("component", "") == "resizelet")) {
      out.push_back(e.value("reason", ""));
    }
  }
  return out;
}

}  // namespace resizelet::e2e

#endif  // RESIZELET_TESTS_E2E_E2E_PODS_H_
