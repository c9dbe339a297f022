#include "cgroups/cgroup_files.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cgroups {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

TEST(CgroupFilesTest, ParsesIntOrMax) {
  EXPECT_EQ(*ParseIntOrMax("max\n"), kUnlimited);
  EXPECT_EQ(*ParseIntOrMax("1073741824\n"), 1073741824);
  EXPECT_THAT(ParseIntOrMax("12a"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseIntOrMax(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CgroupFilesTest, ParsesCpuMax) {
  EXPECT_EQ(*ParseCpuMax("max 100000\n"), (CpuMax{kUnlimited, 100000}));
  EXPECT_EQ(*ParseCpuMax("25000 100000\n"), (CpuMax{25000, 100000}));
  EXPECT_THAT(ParseCpuMax("25000"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FormatCpuMax(CpuMax{kUnlimited, 100000}), "max 100000");
  EXPECT_EQ(FormatCpuMax(CpuMax{150000, 100000}), "150000 100000");
}

TEST(CgroupFilesTest, ParsesMemoryEventsOomKill) {
  const char* events = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n";
  EXPECT_EQ(*ParseKeyedValue(events, "oom_kill"), 1u);
  EXPECT_EQ(*ParseKeyedValue(events, "oom"), 2u);
  EXPECT_THAT(ParseKeyedValue(events, "nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(CgroupFilesTest, ParsesPressure) {
  absl::StatusOr<Pressure> p = ParsePressure(
      "some avg10=1.50 avg60=0.25 avg300=0.00 total=123456\n"
      "full avg10=0.10 avg60=0.00 avg300=0.00 total=42\n");
  ASSERT_THAT(p, IsOk());
  EXPECT_DOUBLE_EQ(p->some.avg10, 1.5);
  EXPECT_DOUBLE_EQ(p->some.avg60, 0.25);
  EXPECT_EQ(p->some.total_usec, 123456u);
  ASSERT_TRUE(p->full.has_value());
  EXPECT_EQ(p->full->total_usec, 42u);
  // cpu.pressure before Linux 5.13 has only the "some" line.
  absl::StatusOr<Pressure> some_only =
      ParsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");
  ASSERT_THAT(some_only, IsOk());
  EXPECT_FALSE(some_only->full.has_value());
  EXPECT_THAT(ParsePressure("some avg10=x avg60=0 avg300=0 total=1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePressure(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CgroupFilesTest, WriteErrorsNameFileAndValue) {
  absl::Status busy = WriteError("/sys/fs/cgroup/memory/x/memory.limit_in_bytes", "1048576", EBUSY);
  EXPECT_THAT(busy, StatusIs(absl::StatusCode::kFailedPrecondition,
                             ::testing::AllOf(::testing::HasSubstr("memory.limit_in_bytes"),
                                              ::testing::HasSubstr("\"1048576\""))));
  EXPECT_THAT(WriteError("/x/cpu.max", "1 2", EINVAL),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("/x/cpu.max")));
  EXPECT_THAT(WriteError("/x/cpu.max", "1", ENOENT), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(WriteError("/x/cpu.max", "1", EACCES), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(CgroupFilesTest, ReadMissingFileIsNotFound) {
  EXPECT_THAT(ReadCgroupFile("/nonexistent/cgroup/cpu.max"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::HasSubstr("cpu.max")));
}

}  // namespace
}  // namespace resizelet::cgroups
