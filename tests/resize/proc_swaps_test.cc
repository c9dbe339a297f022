// /proc/swaps: the header line, then one line per swap area (proc_swaps.h).
#include "agent/resize/proc_swaps.h"

#include <string>

#include "gtest/gtest.h"

namespace resizelet::resize {
namespace {

constexpr char kHeader[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

TEST(ProcSwapsTest, HeaderOnlyIsNoSwap) {
  EXPECT_EQ(CountSwapAreas(kHeader), 0);
  EXPECT_FALSE(SwapIsOn(kHeader));
  EXPECT_FALSE(SwapIsOn(""));
  EXPECT_FALSE(SwapIsOn("\n\n"));
  // Trailing blank lines are not areas.
  EXPECT_FALSE(SwapIsOn(std::string(kHeader) + "\n  \n"));
}

TEST(ProcSwapsTest, EachLineAfterTheHeaderIsAnArea) {
  const std::string one = std::string(kHeader) +
                          "/dev/dm-1                               partition\t33554428\t0\t\t-2\n";
  EXPECT_EQ(CountSwapAreas(one), 1);
  EXPECT_TRUE(SwapIsOn(one));
  const std::string two =
      one + "/dev/zram0                              partition\t8388604\t\t0\t\t100";
  EXPECT_EQ(CountSwapAreas(two), 2);  // no trailing newline
  // Leading blank lines are trimmed before the header, as the kubelet trims the text.
  EXPECT_EQ(CountSwapAreas("\n" + one), 1);
}

}  // namespace
}  // namespace resizelet::resize
