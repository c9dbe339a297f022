#include "agent/cli/flag_set.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cli {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Fixture {
  std::string pod, driver = "cgroupfs";
  int64_t n = 5;
  bool verbose = false;
  FlagSet flags{"test"};
  Fixture() {
    flags.AddString("pod", "FILE", "the pod", &pod);
    flags.AddChoice("cgroup-driver", {"cgroupfs", "systemd"}, "driver", &driver);
    flags.AddInt("count", "N", "a number", &n);
    flags.AddBool("verbose", "talk", &verbose);
  }
};

TEST(FlagSetTest, BothFormsDashedNamesAndPositionals) {
  Fixture f;
  auto rest = f.flags.Parse(
      {"--pod", "a.yaml", "--cgroup-driver=systemd", "x", "--count=7", "--verbose", "--", "--pod"});
  ASSERT_THAT(rest, IsOk());
  EXPECT_THAT(*rest, ElementsAre("x", "--pod"));
  EXPECT_EQ(f.pod, "a.yaml");
  EXPECT_EQ(f.driver, "systemd");
  EXPECT_EQ(f.n, 7);
  EXPECT_TRUE(f.verbose);
  EXPECT_TRUE(f.flags.WasSet("cgroup-driver"));
  EXPECT_FALSE(Fixture().flags.WasSet("pod"));
}

TEST(FlagSetTest, ErrorsNameTheFlag) {
  Fixture f;
  EXPECT_THAT(f.flags.Parse({"--nope"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown flag --nope")));
  EXPECT_THAT(f.flags.Parse({"--cgroup-driver", "docker"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--cgroup-driver: must be one of cgroupfs|systemd")));
  EXPECT_THAT(f.flags.Parse({"--count=7x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--count: not an integer")));
  EXPECT_THAT(f.flags.Parse({"--pod"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--pod needs a value")));
  EXPECT_THAT(f.flags.Parse({"--verbose=maybe"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--verbose")));
}

TEST(FlagSetTest, UsageListsDefaults) {
  Fixture f;
  const std::string usage = f.flags.Usage();
  EXPECT_THAT(usage, HasSubstr("--cgroup-driver cgroupfs|systemd"));
  EXPECT_THAT(usage, HasSubstr("(default cgroupfs)"));
  EXPECT_THAT(usage, HasSubstr("--count N"));
}

}  // namespace
}  // namespace resizelet::cli
