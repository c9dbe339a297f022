// The shares→weight formula detector on fixtures: weights as linear runtimes (runc 1.1, crun 1.8)
// and quadratic ones (runc ≥ 1.3.2, crun ≥ 1.23) write them, and shares where the two agree.
#include "cgroups/weight_formula.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace resizelet::cgroups {
namespace {

struct Sample {
  uint64_t shares;
  uint64_t weight;
};

TEST(WeightFormulaTest, QuadraticFixtures) {
  // 1024 shares (1 CPU) → 100 is the quadratic map's anchor: the kernel default weight.
  const std::vector<Sample> samples = {{1024, 100}, {3, 2},    {10, 4},     {102, 17},
                                       {256, 35},   {512, 59}, {2048, 174}, {4096, 303}};
  for (const Sample& s : samples) {
    EXPECT_EQ(DetectCpuWeightFormula(s.shares, s.weight), DetectedWeightFormula::kQuadratic)
        << s.shares << " shares → weight " << s.weight;
  }
}

TEST(WeightFormulaTest, LinearFixtures) {
  const std::vector<Sample> samples = {{1024, 39}, {3, 1},    {10, 1},    {102, 4},
                                       {256, 10},  {512, 20}, {2048, 79}, {262143, 9999}};
  for (const Sample& s : samples) {
    EXPECT_EQ(DetectCpuWeightFormula(s.shares, s.weight), DetectedWeightFormula::kLinear)
        << s.shares << " shares → weight " << s.weight;
  }
}

TEST(WeightFormulaTest, AgreeingSharesAreUnknownWhateverTheWeight) {
  // Both formulas give 0 at 0, 1 at 1 and 2 shares, and 10000 from kMaxShares on: a weight read
  // for these proves nothing, so answering "linear" here would be a guess.
  const std::vector<Sample> samples = {{0, 0},          {1, 1},          {2, 1},
                                       {262144, 10000}, {300000, 10000}, {1u << 30, 10000}};
  for (const Sample& s : samples) {
    EXPECT_FALSE(WeightDiscriminates(s.shares)) << s.shares;
    EXPECT_EQ(DetectCpuWeightFormula(s.shares, s.weight), DetectedWeightFormula::kUnknown)
        << s.shares << " shares → weight " << s.weight;
  }
}

TEST(WeightFormulaTest, WeightMatchingNeitherFormulaIsUnknown) {
  // 1024 shares: linear 39, quadratic 100; the kernel default 100 is also quadratic, so pick
  // values that are neither (a runtime that did not write at all leaves 100 behind).
  EXPECT_EQ(DetectCpuWeightFormula(1024, 40), DetectedWeightFormula::kUnknown);
  EXPECT_EQ(DetectCpuWeightFormula(1024, 0), DetectedWeightFormula::kUnknown);
  EXPECT_EQ(DetectCpuWeightFormula(2048, 100), DetectedWeightFormula::kUnknown);
  EXPECT_EQ(DetectCpuWeightFormula(512, 10000), DetectedWeightFormula::kUnknown);
}

TEST(WeightFormulaTest, EveryShareBetweenTheEndsDiscriminates) {
  for (uint64_t shares = 3; shares < static_cast<uint64_t>(kMaxShares); ++shares) {
    ASSERT_TRUE(WeightDiscriminates(shares)) << shares;
    ASSERT_EQ(DetectCpuWeightFormula(shares, CpuWeightLinear(shares)),
              DetectedWeightFormula::kLinear)
        << shares;
    ASSERT_EQ(DetectCpuWeightFormula(shares, CpuWeightQuadratic(shares)),
              DetectedWeightFormula::kQuadratic)
        << shares;
  }
}

TEST(WeightFormulaTest, NamesAndConversion) {
  EXPECT_EQ(DetectedWeightFormulaName(DetectedWeightFormula::kLinear), "linear");
  EXPECT_EQ(DetectedWeightFormulaName(DetectedWeightFormula::kQuadratic), "quadratic");
  EXPECT_EQ(DetectedWeightFormulaName(DetectedWeightFormula::kUnknown), "unknown");
  EXPECT_EQ(ToCpuWeightFormula(DetectedWeightFormula::kLinear), CpuWeightFormula::kLinear);
  EXPECT_EQ(ToCpuWeightFormula(DetectedWeightFormula::kQuadratic), CpuWeightFormula::kQuadratic);
  EXPECT_EQ(ToCpuWeightFormula(DetectedWeightFormula::kUnknown), std::nullopt);
}

}  // namespace
}  // namespace resizelet::cgroups
