#include "cri/resources.h"

#include "gtest/gtest.h"

namespace resizelet::cri {
namespace {

LinuxResources Res(int64_t quota, int64_t shares, int64_t memory) {
  LinuxResources r;
  r.cpu_period = 100000;
  r.cpu_quota = quota;
  r.cpu_shares = shares;
  r.memory_limit_in_bytes = memory;
  return r;
}

TEST(ResourcesSatisfyTest, ExactMatchInRuntimeUnits) {
  EXPECT_TRUE(ResourcesSatisfy(Res(50000, 512, 64 << 20), Res(50000, 512, 64 << 20)));
  EXPECT_FALSE(ResourcesSatisfy(Res(50000, 512, 64 << 20), Res(60000, 512, 64 << 20)));
  EXPECT_FALSE(ResourcesSatisfy(Res(50000, 512, 64 << 20), Res(50000, 614, 64 << 20)));
  EXPECT_FALSE(ResourcesSatisfy(Res(50000, 512, 64 << 20), Res(50000, 512, 32 << 20)));
}

TEST(ResourcesSatisfyTest, OneMilliCpuRequestCompletesAtTwoShares) {
  // kubernetes#114123: 1m → MilliCPUToShares = 2 (the minimum), read back as 2 shares. Compared in
  // shares the resize is complete; compared in millicores (2m != 1m) it never would be.
  EXPECT_TRUE(ResourcesSatisfy(Res(0, 2, 0), Res(0, 2, 0)));
}

TEST(ResourcesSatisfyTest, UnsetTargetFieldsImposeNothing) {
  LinuxResources target;
  target.memory_limit_in_bytes = 128 << 20;
  EXPECT_TRUE(ResourcesSatisfy(Res(50000, 512, 128 << 20), target));
  EXPECT_TRUE(ResourcesSatisfy(Res(50000, 512, 128 << 20), LinuxResources{}));
}

TEST(ResourcesSatisfyTest, UnlimitedQuota) {
  EXPECT_TRUE(ResourcesSatisfy(Res(-1, 2, 0), Res(-1, 0, 0)));
  EXPECT_TRUE(ResourcesSatisfy(Res(0, 2, 0), Res(-1, 0, 0)));
  EXPECT_FALSE(ResourcesSatisfy(Res(50000, 2, 0), Res(-1, 0, 0)));
}

TEST(ResourcesSatisfyTest, CpusetsAndUnified) {
  LinuxResources current = Res(0, 2, 0);
  current.cpuset_cpus = std::string("0-1");
  current.unified = {{"memory.high", "max"}};
  LinuxResources target;
  target.cpuset_cpus = current.cpuset_cpus;
  target.unified = current.unified;
  EXPECT_TRUE(ResourcesSatisfy(current, target));
  target.unified = {{"memory.high", "1000"}};
  EXPECT_FALSE(ResourcesSatisfy(current, target));
  LinuxResources other_cpus;
  other_cpus.cpuset_cpus = std::string(1, '1');
  EXPECT_FALSE(ResourcesSatisfy(current, other_cpus));
}

TEST(ResourcesSatisfyTest, OomScoreAdjIsNotCompared) {
  LinuxResources target = Res(50000, 512, 0);
  target.oom_score_adj = 999;
  EXPECT_TRUE(ResourcesSatisfy(Res(50000, 512, 0), target));
}

}  // namespace
}  // namespace resizelet::cri
