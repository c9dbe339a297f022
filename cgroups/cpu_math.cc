#include "cgroups/cpu_math.h"

#include <cmath>
#include <string>

namespace resizelet::cgroups {

int64_t MilliCpuToShares(int64_t milli) {
  if (milli <= 0) return kMinShares;
  // Conceptually (milli / 1000) * 1024, factored to keep precision. Divide first for values whose
  // product would overflow; both forms agree once the result is clamped.
  const int64_t shares =
      milli > INT64_MAX / kSharesPerCpu ? kMaxShares : milli * kSharesPerCpu / kMilliCpuToCpu;
  if (shares < kMinShares) return kMinShares;
  if (shares > kMaxShares) return kMaxShares;
  return shares;
}

int64_t SharesToMilliCpu(int64_t shares) {
  if (shares <= 0) return 0;
  // ceil(shares*1000/1024) in integers.
  return (shares * kMilliCpuToCpu + kSharesPerCpu - 1) / kSharesPerCpu;
}

uint64_t CpuWeightLinear(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares >= static_cast<uint64_t>(kMaxShares)) return kMaxCpuWeight;
  if (shares < static_cast<uint64_t>(kMinShares)) shares = kMinShares;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t CpuWeightQuadratic(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= static_cast<uint64_t>(kMaxShares)) return kMaxCpuWeight;
  // Evaluated in this order, as opencontainers/cgroups does, so the result matches bit for bit.
  const double l = std::log2(static_cast<double>(shares));
  const double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

uint64_t CpuSharesToWeight(uint64_t shares, CpuWeightFormula formula) {
  return formula == CpuWeightFormula::kQuadratic ? CpuWeightQuadratic(shares)
                                                 : CpuWeightLinear(shares);
}

int64_t MilliCpuToQuota(int64_t milli, int64_t period) {
  if (milli <= 0) return 0;
  // The kubelet computes in int64; saturate instead of wrapping for absurd inputs.
  __int128 quota = static_cast<__int128>(milli) * period / kMilliCpuToCpu;
  if (quota > INT64_MAX) quota = INT64_MAX;
  if (quota < kMinQuotaPeriodUs) return kMinQuotaPeriodUs;
  return static_cast<int64_t>(quota);
}

int64_t QuotaToMilliCpu(int64_t quota, int64_t period) {
  if (quota <= 0 || period <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(quota) * kMilliCpuToCpu / period);
}

SystemdCpuQuota RoundCpuQuotaForSystemd(int64_t quota, int64_t period) {
  if (period <= 0) period = kQuotaPeriodUs;
  if (quota <= 0) return {kSystemdInfinity, quota};
  // 128-bit intermediates: a quota near INT64_MAX must not wrap.
  unsigned __int128 per_sec = static_cast<unsigned __int128>(quota) * 1000000 / period;
  if (per_sec % 10000 != 0) {
    per_sec = (per_sec / 10000 + 1) * 10000;
    const unsigned __int128 rewritten = per_sec * period / 1000000;
    quota = rewritten > INT64_MAX ? INT64_MAX : static_cast<int64_t>(rewritten);
  }
  if (per_sec >= kSystemdInfinity) per_sec = kSystemdInfinity - 1;
  return {static_cast<uint64_t>(per_sec), quota};
}

std::string FormatCpuMax(int64_t quota, int64_t period) {
  std::string out = quota > 0 ? std::to_string(quota) : std::string("max");
  out += ' ';
  out += std::to_string(period);
  return out;
}

std::string FormatMemoryMax(std::optional<int64_t> limit_bytes) {
  if (!limit_bytes.has_value() || *limit_bytes < 0) return "max";
  return std::to_string(*limit_bytes);
}

}  // namespace resizelet::cgroups
