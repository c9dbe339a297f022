#include "cri/endpoint.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cri {
namespace {

using ::resizelet::testing::StatusIs;

SocketProbe Sockets(const std::set<std::string>& present) {
  return [present](const std::string& p) { return present.count(p) > 0; };
}

TEST(EndpointTest, SettingWins) {
  EXPECT_EQ(*ResolveEndpoint("unix:///run/x.sock", Sockets({std::string(kContainerdSocket)})),
            "unix:///run/x.sock");
  EXPECT_EQ(*ResolveEndpoint("/run/x.sock", Sockets({})), "unix:///run/x.sock");
}

TEST(EndpointTest, RejectsNonLocalEndpoints) {
  EXPECT_THAT(ResolveEndpoint("tcp://1.2.3.4:10", Sockets({})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveEndpoint("unix://relative.sock", Sockets({})),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(EndpointTest, DetectsContainerdThenCrio) {
  EXPECT_EQ(
      *ResolveEndpoint("", Sockets({std::string(kContainerdSocket), std::string(kCrioSocket)})),
      "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(*ResolveEndpoint("", Sockets({std::string(kCrioSocket)})),
            "unix:///var/run/crio/crio.sock");
  EXPECT_THAT(ResolveEndpoint("", Sockets({})), StatusIs(absl::StatusCode::kNotFound));
}

TEST(EndpointTest, RealProbeSeesOnlySockets) {
  EXPECT_FALSE(IsUnixSocket("/etc/passwd"));
  EXPECT_FALSE(IsUnixSocket("/nonexistent/socket"));
}

}  // namespace
}  // namespace resizelet::cri
