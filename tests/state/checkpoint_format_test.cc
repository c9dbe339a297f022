#include "agent/state/checkpoint_format.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "agent/state/crc32c.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/state/test_allocations.h"
#include "tests/status_matchers.h"

namespace resizelet::state {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

AllocationMap SamplePods() {
  AllocationMap pods;
  pods["uid-2"] = PodAllocation{"uid-2", SampleAllocated(3), SampleActuated(3)};
  pods["uid-1"] = PodAllocation{"uid-1", SampleAllocated(1), std::nullopt};
  pods["uid-3"] = PodAllocation{"uid-3", std::nullopt, SampleActuated(7, 1024)};
  return pods;
}

TEST(CheckpointFormatTest, WritesTheDocumentedTextLayout) {
  AllocationMap pods;
  AllocatedResources allocated;
  allocated.generation = 2;
  allocated.containers.push_back({"c1", ResourceValues{500, std::nullopt, 0, 1048576}});
  ActuatedResources actuated;
  actuated.generation = 2;
  actuated.pod_cgroup = CgroupValues{512, -1, 100000, std::nullopt};
  actuated.containers.push_back({"c1", CgroupValues{512, -1, 100000, 1048576}});
  pods["0f6c"] = PodAllocation{"0f6c", allocated, actuated};

  const std::string body =
      "pod 0f6c\n"
      "allocated 2 - - - -\n"
      "allocated-container c1 500 - 0 1048576\n"
      "actuated 2 512 -1 100000 -\n"
      "actuated-container c1 512 -1 100000 1048576\n";
  absl::StatusOr<std::string> encoded = EncodeCheckpoint(pods);
  ASSERT_THAT(encoded, IsOk());
  EXPECT_EQ(*encoded, absl::StrCat("resizelet-allocation-checkpoint 1 ", body.size(), " ",
                                   absl::Hex(Crc32c(body), absl::kZeroPad8), "\n", body));
}

TEST(CheckpointFormatTest, RoundTripsUnsetZeroNegativeAndExtremeValues) {
  AllocationMap pods = SamplePods();
  AllocatedResources extreme;
  extreme.generation = INT64_MAX;
  extreme.containers.push_back({"x", ResourceValues{INT64_MIN, INT64_MAX, 0, std::nullopt}});
  pods["uid-4"] = PodAllocation{"uid-4", extreme, std::nullopt};
  pods["uid-5"] = PodAllocation{"uid-5", std::nullopt, std::nullopt};
  absl::StatusOr<std::string> encoded = EncodeCheckpoint(pods);
  ASSERT_THAT(encoded, IsOk());
  absl::StatusOr<AllocationMap> decoded = DecodeCheckpoint(*encoded);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(*decoded, pods);
}

TEST(CheckpointFormatTest, EmptyStateRoundTrips) {
  absl::StatusOr<std::string> encoded = EncodeCheckpoint({});
  ASSERT_THAT(encoded, IsOk());
  EXPECT_EQ(*encoded, "resizelet-allocation-checkpoint 1 0 00000000\n");
  absl::StatusOr<AllocationMap> decoded = DecodeCheckpoint(*encoded);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_TRUE(decoded->empty());
}

TEST(CheckpointFormatTest, RefusesNamesItCannotWrite) {
  for (const std::string& bad : {std::string(""), std::string("a b"), std::string("a\nb"),
                                 std::string(254, 'a'), std::string("caf\xc3\xa9")}) {
    AllocationMap pods;
    pods["uid"] = PodAllocation{"uid", AllocatedResources{1, {{bad, {}}}, {}}, std::nullopt};
    EXPECT_THAT(EncodeCheckpoint(pods), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  AllocationMap repeated;
  repeated["uid"] =
      PodAllocation{"uid", AllocatedResources{1, {{"c", {}}, {"c", {}}}, {}}, std::nullopt};
  EXPECT_THAT(EncodeCheckpoint(repeated), StatusIs(absl::StatusCode::kInvalidArgument));
  AllocationMap bad_uid;
  bad_uid["u id"] = PodAllocation{"u id", std::nullopt, std::nullopt};
  EXPECT_THAT(EncodeCheckpoint(bad_uid), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CheckpointFormatTest, DetectsEverySingleByteChange) {
  absl::StatusOr<std::string> encoded = EncodeCheckpoint(SamplePods());
  ASSERT_THAT(encoded, IsOk());
  for (size_t i = 0; i < encoded->size(); ++i) {
    for (unsigned char mask : {0x01, 0x02, 0x10, 0x20, 0x80, 0xFF}) {
      std::string bad = *encoded;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      absl::StatusOr<AllocationMap> decoded = DecodeCheckpoint(bad);
      ASSERT_FALSE(decoded.ok()) << "offset " << i << " mask " << int{mask};
      ASSERT_TRUE(absl::IsDataLoss(decoded.status()) ||
                  absl::IsFailedPrecondition(decoded.status()))
          << decoded.status();
    }
  }
}

TEST(CheckpointFormatTest, DetectsEveryTruncationAndTrailingGarbage) {
  absl::StatusOr<std::string> encoded = EncodeCheckpoint(SamplePods());
  ASSERT_THAT(encoded, IsOk());
  for (size_t n = 0; n < encoded->size(); ++n) {
    ASSERT_THAT(DecodeCheckpoint(encoded->substr(0, n)), StatusIs(absl::StatusCode::kDataLoss))
        << "length " << n;
  }
  EXPECT_THAT(DecodeCheckpoint(*encoded + "\n"), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(CheckpointFormatTest, ReportsANewerFormatVersionApart) {
  const std::string body = "whatever a newer format holds\n";
  EXPECT_THAT(DecodeCheckpoint(absl::StrCat("resizelet-allocation-checkpoint 2 ", body.size(),
                                            " 00000000\n", body)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("version 2")));
  EXPECT_THAT(DecodeCheckpoint("resizelet-allocation-checkpoint 0 0 00000000\n"),
              StatusIs(absl::StatusCode::kDataLoss));
}

// A body with a valid header and checksum but wrong structure is still refused.
std::string WithHeader(const std::string& body) {
  return absl::StrCat("resizelet-allocation-checkpoint 1 ", body.size(), " ",
                      absl::Hex(Crc32c(body), absl::kZeroPad8), "\n", body);
}

TEST(CheckpointFormatTest, RefusesMalformedBodiesWithAValidChecksum) {
  for (const char* body : {
           "allocated 1 - - - -\n",                             // before any pod
           "pod b\npod a\n",                                    // out of order
           "pod a\npod a\n",                                    // repeated
           "pod a\nallocated-container c - - - -\n",            // container without section
           "pod a\nactuated 1 - - - -\nallocated 1 - - - -\n",  // sections out of order
           "pod a\nallocated 1 - - - -\nallocated-container c 1 - - -\n"
           "allocated-container c 1 - - -\n",                 // repeated container
           "pod a\nallocated 1 - - -\n",                      // too few fields
           "pod a\nallocated 1 - - - 01\n",                   // leading zero
           "pod a\nallocated 1 - - - +1\n",                   // sign
           "pod a\nallocated 1 - - - 9223372036854775808\n",  // overflow
           "pod a\nallocated x - - - -\n",                    // bad generation
           "pod a\nfrobnicate 1 - - - -\n",                   // unknown record
           "pod a\n\n",                                       // empty line
           "pod a",                                           // unterminated
       }) {
    EXPECT_THAT(DecodeCheckpoint(WithHeader(body)), StatusIs(absl::StatusCode::kDataLoss)) << body;
  }
}

}  // namespace
}  // namespace resizelet::state
