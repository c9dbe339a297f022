#include "cri/cgroup_path.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cri {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

TEST(CgroupDirTest, CgroupfsPathIsUsedAsIs) {
  EXPECT_EQ(*CgroupDirFromCgroupsPath("/kubepods/burstable/pod1234/abcdef"),
            "/kubepods/burstable/pod1234/abcdef");
}

TEST(CgroupDirTest, ContainerdSystemdPathMapsToScope) {
  // facts.md §6: containerd with the systemd driver.
  EXPECT_EQ(*CgroupDirFromCgroupsPath(
                "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice:cri-containerd:"
                "0123abcd"),
            "/kubepods.slice/kubepods-burstable.slice/"
            "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice/"
            "cri-containerd-0123abcd.scope");
}

TEST(CgroupDirTest, CrioAndGuaranteedAndDefaults) {
  EXPECT_EQ(*CgroupDirFromCgroupsPath("kubepods-pod12.slice:crio:ff"),
            "/kubepods.slice/kubepods-pod12.slice/crio-ff.scope");
  EXPECT_EQ(*CgroupDirFromCgroupsPath(":runc:abc"), "/system.slice/runc-abc.scope");
  EXPECT_EQ(*CgroupDirFromCgroupsPath("kubepods.slice:x:kubepods-besteffort.slice"),
            "/kubepods.slice/kubepods-besteffort.slice");
  EXPECT_EQ(*CgroupDirFromCgroupsPath("-.slice:p:n"), "/p-n.scope");
}

TEST(CgroupDirTest, RejectsMalformedPaths) {
  EXPECT_THAT(CgroupDirFromCgroupsPath(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CgroupDirFromCgroupsPath("relative/path"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CgroupDirFromCgroupsPath("a.slice:b"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CgroupDirFromCgroupsPath("a.slice:b:c:d"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CgroupDirFromCgroupsPath("a.slice:b:"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CgroupDirFromCgroupsPath("bad:b:c"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(VerboseInfoTest, FindsCgroupsPathInContainerdInfo) {
  // Trimmed from containerd 1.6's verbose ContainerStatus.
  const std::map<std::string, std::string> info = {
      {"info",
       R"({"sandboxID":"s1","pid":4242,"removing":false,"snapshotKey":"k","snapshotter":"overlayfs",
           "runtimeType":"io.containerd.runc.v2","runtimeOptions":{"systemd_cgroup":false},
           "config":{"metadata":{"name":"app"}},
           "runtimeSpec":{"ociVersion":"1.0.2-dev","process":{"args":["/bin/sleep","3600"]},
             "linux":{"resources":{"memory":{"limit":67108864}},
                      "cgroupsPath":"/kubepods/burstable/podabc/0123"}}})"}};
  absl::StatusOr<std::string> path = CgroupsPathFromVerboseInfo(info);
  ASSERT_THAT(path, IsOk());
  EXPECT_EQ(*path, "/kubepods/burstable/podabc/0123");
}

TEST(VerboseInfoTest, MissingOrBrokenInfoIsNotFound) {
  EXPECT_THAT(CgroupsPathFromVerboseInfo({}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(CgroupsPathFromVerboseInfo({{"info", "{not json"}}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(CgroupsPathFromVerboseInfo({{"info", R"({"runtimeSpec":{"linux":{}}})"}}),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace resizelet::cri
