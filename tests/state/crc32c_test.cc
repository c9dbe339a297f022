#include "agent/state/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace resizelet::state {
namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4, and the common "123456789" check value.
TEST(Crc32cTest, MatchesPublishedCheckValues) {
  EXPECT_EQ(Crc32c(""), 0x00000000u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

}  // namespace
}  // namespace resizelet::state
