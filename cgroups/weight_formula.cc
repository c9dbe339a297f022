#include "cgroups/weight_formula.h"

namespace resizelet::cgroups {

bool WeightDiscriminates(uint64_t shares) {
  return CpuWeightLinear(shares) != CpuWeightQuadratic(shares);
}

DetectedWeightFormula DetectCpuWeightFormula(uint64_t shares, uint64_t observed_weight) {
  const uint64_t linear = CpuWeightLinear(shares);
  const uint64_t quadratic = CpuWeightQuadratic(shares);
  if (linear == quadratic) return DetectedWeightFormula::kUnknown;
  if (observed_weight == linear) return DetectedWeightFormula::kLinear;
  if (observed_weight == quadratic) return DetectedWeightFormula::kQuadratic;
  return DetectedWeightFormula::kUnknown;
}

std::string_view DetectedWeightFormulaName(DetectedWeightFormula formula) {
  switch (formula) {
    case DetectedWeightFormula::kLinear:
      return "linear";
    case DetectedWeightFormula::kQuadratic:
      return "quadratic";
    case DetectedWeightFormula::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<CpuWeightFormula> ToCpuWeightFormula(DetectedWeightFormula formula) {
  switch (formula) {
    case DetectedWeightFormula::kLinear:
      return CpuWeightFormula::kLinear;
    case DetectedWeightFormula::kQuadratic:
      return CpuWeightFormula::kQuadratic;
    case DetectedWeightFormula::kUnknown:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace resizelet::cgroups
