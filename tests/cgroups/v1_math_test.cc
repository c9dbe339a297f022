// cgroup v1 equivalents of the pod values (host lane runs cgroup v1).
#include "cgroups/cpu_math.h"
#include "cgroups/v1_mapping.h"
#include "gtest/gtest.h"

namespace resizelet::cgroups {
namespace {

TEST(V1MappingTest, NoLimitIsMinusOne) {
  EXPECT_EQ(V1CfsQuota(0), -1);
  EXPECT_EQ(V1CfsQuota(-1), -1);
  EXPECT_EQ(V1CfsQuota(25000), 25000);
  EXPECT_EQ(V1MemoryLimit(std::nullopt), -1);
  EXPECT_EQ(V1MemoryLimit(1073741824), 1073741824);
}

TEST(V1MappingTest, BurstablePodWithoutLimits) {
  // facts.md §3 Burstable example on v1: 512 shares (not a weight), no quota, no memory limit.
  const V1CpuMemoryValues v = ToV1Values(MilliCpuToShares(500), MilliCpuToQuota(0, kQuotaPeriodUs),
                                         kQuotaPeriodUs, std::nullopt);
  EXPECT_EQ(v, (V1CpuMemoryValues{512, -1, 100000, -1}));
}

TEST(V1MappingTest, GuaranteedPod) {
  const V1CpuMemoryValues v =
      ToV1Values(MilliCpuToShares(1000), MilliCpuToQuota(1000, kQuotaPeriodUs), kQuotaPeriodUs,
                 int64_t{1073741824});
  EXPECT_EQ(v, (V1CpuMemoryValues{1024, 100000, 100000, 1073741824}));
}

TEST(V1MappingTest, UnlimitedMemoryReadBack) {
  EXPECT_EQ(V1MemoryLimitFromFile(kV1MemoryUnlimitedReadBack), std::nullopt);
  EXPECT_EQ(V1MemoryLimitFromFile(-1), std::nullopt);
  EXPECT_EQ(V1MemoryLimitFromFile(9223372036854710272), std::nullopt);  // 64 KiB pages
  EXPECT_EQ(V1MemoryLimitFromFile(268435456), 268435456);
}

}  // namespace
}  // namespace resizelet::cgroups
