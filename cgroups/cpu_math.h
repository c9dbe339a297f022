// CPU and memory value conversions between Kubernetes quantities and cgroup files, exactly as the
// kubelet (pkg/kubelet/cm/helpers_linux.go, cgroup_manager_linux.go), the OCI runtimes
// (opencontainers/cgroups ConvertCPUSharesToCgroupV2Value) and runc's systemd driver
// (opencontainers/cgroups systemd/common.go addCPUQuota) compute them. Pure functions: no I/O, no
// allocation except for the formatted file values.
#ifndef RESIZELET_CGROUPS_CPU_MATH_H_
#define RESIZELET_CGROUPS_CPU_MATH_H_

#include <cstdint>
#include <optional>
#include <string>

namespace resizelet::cgroups {

// Kubelet constants (pkg/kubelet/cm/helpers_linux.go).
inline constexpr int64_t kMinShares = 2;
inline constexpr int64_t kMaxShares = 262144;
inline constexpr int64_t kSharesPerCpu = 1024;
inline constexpr int64_t kMilliCpuToCpu = 1000;
inline constexpr int64_t kQuotaPeriodUs = 100000;
inline constexpr int64_t kMinQuotaPeriodUs = 1000;
// cgroup v2 cpu.weight range.
inline constexpr uint64_t kMaxCpuWeight = 10000;

// Which shares→cpu.weight conversion a cgroup was written with. The kubelet writes pod and QoS
// cgroups with the linear formula; runc ≥ 1.3.2 and crun ≥ 1.23 write container cgroups with the
// quadratic one, older runtimes with the linear one. Both are in use on one node at once.
enum class CpuWeightFormula { kLinear, kQuadratic };

// MilliCPUToShares: 0 → 2 (the kernel minimum, not the kernel default of 1024); otherwise
// milli*1024/1000 with integer division, clamped to [kMinShares, kMaxShares]. Negative input is
// treated as 0.
int64_t MilliCpuToShares(int64_t milli);

// sharesToMilliCPU (kuberuntime toKubeContainerResources): ceil(shares*1000/1024). Used to read a
// request back; 2 shares read back as 2m, so compare actuated and desired in shares, never in
// millicores (kubernetes#114123).
int64_t SharesToMilliCpu(int64_t shares);

// The kubelet's getCPUWeight (cgroup_manager_linux.go): 0 → 0 (unset); ≥ kMaxShares → 10000;
// else 1 + ((shares-2)*9999)/262142. Shares below 2 are treated as 2.
uint64_t CpuWeightLinear(uint64_t shares);

// ConvertCPUSharesToCgroupV2Value (opencontainers/cgroups ≥ v0.0.3): 0 → 0; ≤ 2 → 1;
// ≥ kMaxShares → 10000; else ceil(10^((l*l + 125*l)/612 - 7/34)) with l = log2(shares). Exactly
// 100 at 1024 shares (the build disables FMA contraction so the exponent is exactly 2.0).
uint64_t CpuWeightQuadratic(uint64_t shares);

// Dispatches on `formula`.
uint64_t CpuSharesToWeight(uint64_t shares, CpuWeightFormula formula);

// MilliCPUToQuota: 0 → 0 (no quota: cpu.max "max <period>"); otherwise milli*period/1000, at
// least kMinQuotaPeriodUs. Negative input is treated as 0.
int64_t MilliCpuToQuota(int64_t milli, int64_t period);

// quotaToMilliCPU: quota*1000/period; a quota ≤ 0 (no limit) or a period ≤ 0 reads back as 0.
int64_t QuotaToMilliCpu(int64_t quota, int64_t period);

// runc's systemd driver (addCPUQuota): systemd stores CPUQuota as a whole percentage, so the
// per-second quota is rounded up to a multiple of 10000 µs and the cgroupfs quota is rewritten from
// it. A quota ≤ 0 means no limit: per_sec_usec = UINT64_MAX ("infinity"), quota unchanged.
struct SystemdCpuQuota {
  uint64_t per_sec_usec;  // CPUQuotaPerSecUSec
  int64_t quota;          // the quota written to cpu.max / cpu.cfs_quota_us afterwards
  friend bool operator==(const SystemdCpuQuota&, const SystemdCpuQuota&) = default;
};
inline constexpr uint64_t kSystemdInfinity = UINT64_MAX;
// `period` ≤ 0 means the default kQuotaPeriodUs.
SystemdCpuQuota RoundCpuQuotaForSystemd(int64_t quota, int64_t period);

// cgroup v2 file values.
// cpu.max: "<quota> <period>", or "max <period>" when quota ≤ 0 (no limit).
std::string FormatCpuMax(int64_t quota, int64_t period);
// memory.max (also pids.max): the number, or "max" when unset or negative.
std::string FormatMemoryMax(std::optional<int64_t> limit_bytes);

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_CPU_MATH_H_
