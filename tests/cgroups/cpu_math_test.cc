// facts.md §2: every CPU conversion vector, expected values copied from the document.
#include "cgroups/cpu_math.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace resizelet::cgroups {
namespace {

TEST(CpuMathTest, KubeletConstants) {
  EXPECT_EQ(kMinShares, 2);
  EXPECT_EQ(kMaxShares, 262144);
  EXPECT_EQ(kSharesPerCpu, 1024);
  EXPECT_EQ(kQuotaPeriodUs, 100000);
  EXPECT_EQ(kMinQuotaPeriodUs, 1000);
}

TEST(CpuMathTest, MilliCpuToSharesTable) {
  struct Row {
    int64_t milli;
    int64_t shares;
  };
  const std::vector<Row> rows = {{0, 2},       {1, 2},       {10, 10},         {100, 102},
                                 {250, 256},   {500, 512},   {1000, 1024},     {1500, 1536},
                                 {2000, 2048}, {4000, 4096}, {256000, 262144}, {300000, 262144}};
  for (const Row& r : rows) {
    EXPECT_EQ(MilliCpuToShares(r.milli), r.shares) << "milli=" << r.milli;
  }
}

TEST(CpuMathTest, MilliCpuToSharesNeverWraps) {
  EXPECT_EQ(MilliCpuToShares(INT64_MAX), 262144);
  EXPECT_EQ(MilliCpuToShares(-5), 2);
}

struct WeightRow {
  uint64_t shares;
  uint64_t linear;
  uint64_t quadratic;
};

const std::vector<WeightRow>& WeightTable() {
  static const auto* rows = new std::vector<WeightRow>{{2, 1, 1},
                                                       {3, 1, 2},
                                                       {10, 1, 4},
                                                       {102, 4, 17},
                                                       {256, 10, 35},
                                                       {512, 20, 59},
                                                       {1023, 39, 100},
                                                       {1024, 39, 100},
                                                       {1025, 40, 101},
                                                       {1536, 59, 138},
                                                       {2048, 79, 174},
                                                       {4096, 157, 303},
                                                       {8192, 313, 532},
                                                       {10000, 382, 627},
                                                       {16384, 625, 942},
                                                       {65536, 2500, 3023},
                                                       {100000, 3815, 4340},
                                                       {262143, 9999, 10000},
                                                       {262144, 10000, 10000}};
  return *rows;
}

TEST(CpuMathTest, LinearWeightTable) {
  for (const WeightRow& r : WeightTable()) {
    EXPECT_EQ(CpuWeightLinear(r.shares), r.linear) << "shares=" << r.shares;
    EXPECT_EQ(CpuSharesToWeight(r.shares, CpuWeightFormula::kLinear), r.linear);
  }
}

TEST(CpuMathTest, QuadraticWeightTable) {
  for (const WeightRow& r : WeightTable()) {
    EXPECT_EQ(CpuWeightQuadratic(r.shares), r.quadratic) << "shares=" << r.shares;
    EXPECT_EQ(CpuSharesToWeight(r.shares, CpuWeightFormula::kQuadratic), r.quadratic);
  }
}

TEST(CpuMathTest, QuadraticIsExactlyOneHundredAtOneCpu) {
  // The exponent is exactly 2.0 at 1024 shares; any FMA contraction or reordering gives 101.
  EXPECT_EQ(CpuWeightQuadratic(1024), 100u);
  EXPECT_EQ(CpuWeightLinear(1024), 39u);
  EXPECT_EQ(CpuWeightQuadratic(1025), 101u);
  EXPECT_EQ(CpuWeightLinear(1025), 40u);
}

TEST(CpuMathTest, WeightEdgeCases) {
  // 0 means "unset" in both; 1 share is clamped to the minimum weight.
  EXPECT_EQ(CpuWeightLinear(0), 0u);
  EXPECT_EQ(CpuWeightQuadratic(0), 0u);
  EXPECT_EQ(CpuWeightQuadratic(1), 1u);
  EXPECT_EQ(CpuWeightLinear(1), 1u);
  EXPECT_EQ(CpuWeightLinear(1000000), 10000u);
  EXPECT_EQ(CpuWeightQuadratic(1000000), 10000u);
}

TEST(CpuMathTest, OneCpuRequestPodAndContainerWeights) {
  // A 1-CPU request: the pod cgroup (kubelet, linear) gets 39, the container (new runtimes) 100.
  const int64_t shares = MilliCpuToShares(1000);
  EXPECT_EQ(CpuWeightLinear(shares), 39u);
  EXPECT_EQ(CpuWeightQuadratic(shares), 100u);
}

TEST(CpuMathTest, MilliCpuToQuotaTable) {
  struct Row {
    int64_t milli;
    int64_t quota;
  };
  const std::vector<Row> rows = {{0, 0},       {1, 1000},      {10, 1000},    {15, 1500},
                                 {250, 25000}, {1000, 100000}, {1500, 150000}};
  for (const Row& r : rows) {
    EXPECT_EQ(MilliCpuToQuota(r.milli, kQuotaPeriodUs), r.quota) << "milli=" << r.milli;
  }
}

TEST(CpuMathTest, ReadBack) {
  EXPECT_EQ(QuotaToMilliCpu(25000, 100000), 250);
  EXPECT_EQ(QuotaToMilliCpu(0, 100000), 0);
  EXPECT_EQ(QuotaToMilliCpu(-1, 100000), 0);
  struct Row {
    int64_t shares;
    int64_t milli;
  };
  for (const Row& r : std::vector<Row>{{2, 2}, {102, 100}, {256, 250}, {1024, 1000}}) {
    EXPECT_EQ(SharesToMilliCpu(r.shares), r.milli) << "shares=" << r.shares;
  }
}

TEST(CpuMathTest, OneMilliCpuReadsBackAsTwo) {
  // kubernetes#114123: a 1m request is written as 2 shares and reads back as 2m. Comparing in
  // shares makes the resize complete; comparing in millicores never would.
  const int64_t shares = MilliCpuToShares(1);
  EXPECT_EQ(shares, 2);
  EXPECT_EQ(SharesToMilliCpu(shares), 2);
  EXPECT_NE(SharesToMilliCpu(shares), 1);
  EXPECT_EQ(MilliCpuToShares(SharesToMilliCpu(shares)), shares);
}

TEST(CpuMathTest, SystemdRoundingTable) {
  struct Row {
    int64_t quota;
    int64_t period;
    uint64_t per_sec;
    int64_t quota_after;
  };
  const std::vector<Row> rows = {{25000, 100000, 250000, 25000},
                                 {1500, 100000, 20000, 2000},
                                 {123456, 100000, 1240000, 124000},
                                 {500000, 900000, 560000, 504000},
                                 {500000, 1000000, 500000, 500000}};
  for (const Row& r : rows) {
    const SystemdCpuQuota got = RoundCpuQuotaForSystemd(r.quota, r.period);
    EXPECT_EQ(got.per_sec_usec, r.per_sec) << "quota=" << r.quota << " period=" << r.period;
    EXPECT_EQ(got.quota, r.quota_after) << "quota=" << r.quota << " period=" << r.period;
  }
  // An unset period defaults to 100000 (the 123456 vector of systemd_test.go).
  EXPECT_EQ(RoundCpuQuotaForSystemd(123456, 0), (SystemdCpuQuota{1240000, 124000}));
}

TEST(CpuMathTest, SystemdNoQuotaIsInfinity) {
  for (int64_t quota : {int64_t{0}, int64_t{-1}, int64_t{-100000}}) {
    for (int64_t period : {int64_t{100000}, int64_t{1000000}}) {
      const SystemdCpuQuota got = RoundCpuQuotaForSystemd(quota, period);
      EXPECT_EQ(got.per_sec_usec, UINT64_MAX);
      EXPECT_EQ(got.quota, quota);
    }
  }
}

TEST(CpuMathTest, FifteenMilliCpuReadsBackAsTwentyUnderSystemd) {
  const int64_t quota = MilliCpuToQuota(15, kQuotaPeriodUs);
  const SystemdCpuQuota rounded = RoundCpuQuotaForSystemd(quota, kQuotaPeriodUs);
  EXPECT_EQ(QuotaToMilliCpu(rounded.quota, kQuotaPeriodUs), 20);
}

TEST(CpuMathTest, FileFormats) {
  EXPECT_EQ(FormatCpuMax(0, 100000), "max 100000");
  EXPECT_EQ(FormatCpuMax(-1, 100000), "max 100000");
  EXPECT_EQ(FormatCpuMax(25000, 100000), "25000 100000");
  EXPECT_EQ(FormatCpuMax(100000, 100000), "100000 100000");
  EXPECT_EQ(FormatMemoryMax(std::nullopt), "max");
  EXPECT_EQ(FormatMemoryMax(-1), "max");
  EXPECT_EQ(FormatMemoryMax(1073741824), "1073741824");
}

}  // namespace
}  // namespace resizelet::cgroups
