// ReadNodeHasSwap on /proc/swaps fixtures (node_swap.h).
#include "agent/daemon/node_swap.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::daemon {
namespace {

using ::resizelet::testing::IsOk;

std::string Fixture(const std::string& name) {
  const char* root = std::getenv("RESIZELET_SOURCE_DIR");
  return std::string(root ? root : ".") + "/tests/daemon/testdata/" + name;
}

TEST(NodeSwapTest, HeaderOnlyMeansNoSwap) {
  absl::StatusOr<bool> swap = ReadNodeHasSwap(Fixture("proc_swaps_none"));
  ASSERT_THAT(swap.status(), IsOk());
  EXPECT_FALSE(*swap);
}

TEST(NodeSwapTest, ListedAreasMeanSwap) {
  absl::StatusOr<bool> swap = ReadNodeHasSwap(Fixture("proc_swaps_two"));
  ASSERT_THAT(swap.status(), IsOk());
  EXPECT_TRUE(*swap);
}

TEST(NodeSwapTest, MissingFileMeansNoSwap) {
  // A kernel built without swap has no /proc/swaps (the kubelet's IsSwapOn says off).
  absl::StatusOr<bool> swap = ReadNodeHasSwap(Fixture("no_such_file"));
  ASSERT_THAT(swap.status(), IsOk());
  EXPECT_FALSE(*swap);
}

TEST(NodeSwapTest, ReadsThisHostsProcSwaps) {
  // Whatever the host has, the real file reads without error.
  EXPECT_THAT(ReadNodeHasSwap().status(), IsOk());
}

}  // namespace
}  // namespace resizelet::daemon
