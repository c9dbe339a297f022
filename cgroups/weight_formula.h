// Which shares→cpu.weight formula a runtime applied, told from one value it actually wrote.
//
// On cgroup v2 the CRI still carries cpu_shares; the OCI runtime converts it to cpu.weight, and
// runtimes disagree: runc < 1.3.2 and crun < 1.23 use the linear map the kubelet also uses for pod
// cgroups (getCPUWeight, pkg/kubelet/cm/cgroup_manager_linux.go), newer ones the quadratic map of
// opencontainers/cgroups ConvertCPUSharesToCgroupV2Value. The node agent
// must read the formula back rather than assume it from a version string, so it compares the
// weight it finds against both formulas (cpu_math.h).
//
// Pure functions: no I/O.
#ifndef RESIZELET_CGROUPS_WEIGHT_FORMULA_H_
#define RESIZELET_CGROUPS_WEIGHT_FORMULA_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "cgroups/cpu_math.h"

namespace resizelet::cgroups {

enum class DetectedWeightFormula {
  kLinear,     // observed == CpuWeightLinear(shares), and the formulas differ there
  kQuadratic,  // observed == CpuWeightQuadratic(shares), and the formulas differ there
  kUnknown,    // both formulas give the same weight for `shares`, or neither gives `observed`
};

// True when the two formulas give different weights for `shares`, i.e. a weight read back for it
// tells them apart. False for 0, 1, 2 (both map to 0 or 1) and for shares ≥ kMaxShares (both
// saturate at 10000); true for every value in between.
bool WeightDiscriminates(uint64_t shares);

// Classifies `observed_weight`, read from cpu.weight after the runtime applied `shares`. A
// detector must never guess: a non-discriminating sample is kUnknown, never "linear".
DetectedWeightFormula DetectCpuWeightFormula(uint64_t shares, uint64_t observed_weight);

// "linear", "quadratic", "unknown".
std::string_view DetectedWeightFormulaName(DetectedWeightFormula formula);

// The formula, when one was detected.
std::optional<CpuWeightFormula> ToCpuWeightFormula(DetectedWeightFormula formula);

}  // namespace resizelet::cgroups

#endif  // RESIZELET_CGROUPS_WEIGHT_FORMULA_H_
