// facts.md §6: cgroup names for every QoS tier, both drivers, both runtimes.
#include "cgroups/cgroup_name.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::cgroups {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;

constexpr char kUid[] = "1234abcd-5678-90ef-1234-567890abcdef";
constexpr char kId[] = "0123456789abcdef";

CgroupName Pod(PodQosTier tier, const char* root = "/") {
  absl::StatusOr<CgroupName> r = ParseCgroupRoot(root);
  EXPECT_THAT(r, IsOk());
  absl::StatusOr<CgroupName> n = PodCgroupName(*r, tier, kUid);
  EXPECT_THAT(n, IsOk());
  return *n;
}

TEST(CgroupNameTest, CgroupfsPodPaths) {
  EXPECT_EQ(ToCgroupfs(Pod(PodQosTier::kBurstable)),
            "/kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef");
  EXPECT_EQ(ToCgroupfs(Pod(PodQosTier::kGuaranteed)),
            "/kubepods/pod1234abcd-5678-90ef-1234-567890abcdef");
  EXPECT_EQ(ToCgroupfs(Pod(PodQosTier::kBestEffort)),
            "/kubepods/besteffort/pod1234abcd-5678-90ef-1234-567890abcdef");
}

TEST(CgroupNameTest, SystemdPodPathsAndUnits) {
  EXPECT_EQ(ToSystemdUnitName(Pod(PodQosTier::kBurstable)),
            "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice");
  EXPECT_EQ(ToSystemdPath(Pod(PodQosTier::kBurstable)),
            "/kubepods.slice/kubepods-burstable.slice/"
            "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice");
  EXPECT_EQ(ToSystemdPath(Pod(PodQosTier::kGuaranteed)),
            "/kubepods.slice/kubepods-pod1234abcd_5678_90ef_1234_567890abcdef.slice");
  EXPECT_EQ(ToSystemdPath(Pod(PodQosTier::kBestEffort)),
            "/kubepods.slice/kubepods-besteffort.slice/"
            "kubepods-besteffort-pod1234abcd_5678_90ef_1234_567890abcdef.slice");
  EXPECT_EQ(ToDriverPath(Pod(PodQosTier::kGuaranteed), CgroupDriverKind::kCgroupfs),
            "/kubepods/pod1234abcd-5678-90ef-1234-567890abcdef");
}

TEST(CgroupNameTest, QosCgroups) {
  const CgroupName root;
  EXPECT_EQ(ToCgroupfs(QosCgroupName(root, PodQosTier::kGuaranteed)), "/kubepods");
  EXPECT_EQ(ToCgroupfs(QosCgroupName(root, PodQosTier::kBurstable)), "/kubepods/burstable");
  EXPECT_EQ(ToSystemdPath(QosCgroupName(root, PodQosTier::kBestEffort)),
            "/kubepods.slice/kubepods-besteffort.slice");
  EXPECT_EQ(ToSystemdUnitName(KubepodsCgroupName(root)), "kubepods.slice");
  EXPECT_EQ(ToSystemdUnitName(root), "-.slice");
  EXPECT_EQ(ToSystemdPath(root), "/");
  EXPECT_EQ(ToCgroupfs(root), "/");
}

TEST(CgroupNameTest, CgroupRootPrefix) {
  EXPECT_EQ(ToCgroupfs(Pod(PodQosTier::kBurstable, "/custom")),
            "/custom/kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef");
  EXPECT_EQ(ToSystemdPath(Pod(PodQosTier::kGuaranteed, "/custom")),
            "/custom.slice/custom-kubepods.slice/"
            "custom-kubepods-pod1234abcd_5678_90ef_1234_567890abcdef.slice");
  // A systemd-style root names the same cgroup.
  EXPECT_EQ(Pod(PodQosTier::kBurstable, "custom.slice"), Pod(PodQosTier::kBurstable, "/custom"));
  EXPECT_EQ(ToCgroupfs(Pod(PodQosTier::kBurstable, "")),
            "/kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef");
  EXPECT_THAT(ParseCgroupRoot("/bad_name"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CgroupNameTest, RejectsBadUid) {
  EXPECT_THAT(PodCgroupName(CgroupName{}, PodQosTier::kBurstable, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PodCgroupName(CgroupName{}, PodQosTier::kBurstable, "a/b"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PodCgroupName(CgroupName{}, PodQosTier::kBurstable, "a_b"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CgroupNameTest, ExpandSlice) {
  EXPECT_EQ(*ExpandSlice("kubepods-burstable-podX.slice"),
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podX.slice");
  EXPECT_EQ(*ExpandSlice("-.slice"), "/");
  EXPECT_EQ(*ExpandSlice("kubepods.slice"), "/kubepods.slice");
  for (const char* bad :
       {"a--b.slice", "-a.slice", "a/b.slice", "a-.slice", "kubepods", ".slice"}) {
    EXPECT_THAT(ExpandSlice(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  // ToSystemdPath agrees with ExpandSlice of the unit name.
  const CgroupName pod = Pod(PodQosTier::kBurstable);
  EXPECT_EQ(*ExpandSlice(ToSystemdUnitName(pod)), ToSystemdPath(pod));
}

TEST(CgroupNameTest, ContainerdContainerCgroups) {
  const CgroupName pod = Pod(PodQosTier::kBurstable);
  EXPECT_EQ(
      ContainerCgroupsPath(ContainerRuntimeKind::kContainerd, CgroupDriverKind::kSystemd, pod, kId),
      "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice:cri-containerd:"
      "0123456789abcdef");
  EXPECT_EQ(
      ContainerCgroupDir(ContainerRuntimeKind::kContainerd, CgroupDriverKind::kSystemd, pod, kId),
      "/kubepods.slice/kubepods-burstable.slice/"
      "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice/"
      "cri-containerd-0123456789abcdef.scope");
  EXPECT_EQ(ContainerCgroupsPath(ContainerRuntimeKind::kContainerd, CgroupDriverKind::kCgroupfs,
                                 pod, kId),
            "/kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef/0123456789abcdef");
  EXPECT_EQ(
      ContainerCgroupDir(ContainerRuntimeKind::kContainerd, CgroupDriverKind::kCgroupfs, pod, kId),
      "/kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef/0123456789abcdef");
}

TEST(CgroupNameTest, CrioContainerCgroups) {
  const CgroupName pod = Pod(PodQosTier::kBurstable);
  EXPECT_EQ(ContainerCgroupDir(ContainerRuntimeKind::kCrio, CgroupDriverKind::kSystemd, pod, kId),
            "/kubepods.slice/kubepods-burstable.slice/"
            "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice/"
            "crio-0123456789abcdef.scope");
  EXPECT_EQ(
      ContainerCgroupsPath(ContainerRuntimeKind::kCrio, CgroupDriverKind::kSystemd, pod, kId),
      "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef.slice:crio:0123456789abcdef");
  EXPECT_EQ(ContainerCgroupDir(ContainerRuntimeKind::kCrio, CgroupDriverKind::kCgroupfs, pod, kId),
            "/kubepods/burstable/pod1234abcd-5678-90ef-1234-567890abcdef/crio-0123456789abcdef");
}

}  // namespace
}  // namespace resizelet::cgroups
