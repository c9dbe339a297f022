#include "agent/reconcile/crash_point.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/reconcile/reconcile_fixture.h"
#include "tests/status_matchers.h"

namespace resizelet::reconcile::testing {
namespace {

using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr CrashPoint kAllPoints[] = {CrashPoint::kAfterAdmission, CrashPoint::kAfterCheckpoint,
                                     CrashPoint::kAfterPodCgroup, CrashPoint::kAfterCriUpdate,
                                     CrashPoint::kBeforeStatusPatch};

TEST(CrashPointTest, NamesRoundTrip) {
  for (CrashPoint p : kAllPoints) {
    EXPECT_EQ(ParseCrashPoint(CrashPointName(p)), p) << CrashPointName(p);
  }
  EXPECT_EQ(CrashPointNames(),
            "after_admission, after_checkpoint, after_pod_cgroup, after_cri_update, "
            "before_status_patch");
  EXPECT_EQ(ParseCrashPoint("after_everything"), std::nullopt);
}

TEST(CrashPointTest, UnsetOrEmptyArmsNothing) {
  absl::StatusOr<std::optional<CrashPoint>> unset = ArmCrashPointFrom(nullptr);
  ASSERT_TRUE(unset.ok());
  EXPECT_EQ(*unset, std::nullopt);
  absl::StatusOr<std::optional<CrashPoint>> empty = ArmCrashPointFrom("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, std::nullopt);
  EXPECT_EQ(ArmedCrashPoint(), std::nullopt);
  for (CrashPoint p : kAllPoints) CrashPointReached(p);  // none kills
}

TEST(CrashPointTest, UnknownNameNamesTheVariableAndTheAllowedNames) {
  absl::StatusOr<std::optional<CrashPoint>> armed = ArmCrashPointFrom("after_lunch");
  EXPECT_THAT(armed.status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RESIZELET_CRASH_AT")));
  EXPECT_THAT(std::string(armed.status().message()), HasSubstr("after_lunch"));
  EXPECT_THAT(std::string(armed.status().message()), HasSubstr(CrashPointNames()));
  EXPECT_EQ(ArmedCrashPoint(), std::nullopt);
}

// Forks; the child runs `body` and exits 0 if it returns. Returns the child's wait status and
// everything it tapped (reconcile_fixture.h), one line per entry.
int RunInChild(const std::function<void()>& body, std::vector<std::string>* tapped) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    tap_fd = fds[1];
    body();
    Tap("returned");
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  if (tapped != nullptr) {
    *tapped = absl::StrSplit(out, '\n', absl::SkipEmpty());
  }
  return status;
}

bool KilledBySigkill(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

TEST(CrashPointTest, ArmedPointKillsWithSigkillAndNoOtherDoes) {
  for (CrashPoint armed : kAllPoints) {
    std::vector<std::string> tapped;
    const int status = RunInChild(
        [armed] {
          ASSERT_TRUE(ArmCrashPointFrom(CrashPointName(armed)).ok());
          for (CrashPoint p : kAllPoints) {
            if (p != armed) CrashPointReached(p);
          }
          Tap("others passed");
          CrashPointReached(armed);
        },
        &tapped);
    EXPECT_TRUE(KilledBySigkill(status)) << CrashPointName(armed) << " status " << status;
    EXPECT_EQ(tapped, std::vector<std::string>{"others passed"}) << CrashPointName(armed);
  }
}

// A memory increase of one container, run by the reconciler in a child with each point armed:
// what reached the node before the kill is exactly what the point's contract says.
api::Pod GrowingPod(NodeFixture& n) {
  api::Pod pod = MakePod({Container("c1", {.mem_req = "256Mi", .mem_lim = "512Mi"})});
  pod.name = "p";
  pod.uid = "uid-p";
  n.AddRunningPod(pod);
  EXPECT_TRUE(n.reconciler->Reconcile("uid-p").ok());  // steady state recorded
  return n.Resize("uid-p", {{.mem_req = "512Mi", .mem_lim = "1Gi"}});
}

void ResizeWithArmed(std::optional<CrashPoint> point) {
  NodeFixture n;
  GrowingPod(n);
  ArmCrashPoint(point);
  (void)n.reconciler->Reconcile("uid-p");
}

TEST(CrashPointTest, ReconcilerDiesAtEachPointWithExactlyThePrecedingStepsDone) {
  const std::vector<std::string> all = {"allocated gen=2", "pod memory.max=1073741824",
                                        "update p-c1 memory=1073741824", "patch", "actuated gen=2"};
  const std::vector<std::pair<CrashPoint, size_t>> cases = {{CrashPoint::kAfterAdmission, 0},
                                                            {CrashPoint::kAfterCheckpoint, 1},
                                                            {CrashPoint::kAfterPodCgroup, 2},
                                                            {CrashPoint::kAfterCriUpdate, 3},
                                                            {CrashPoint::kBeforeStatusPatch, 3}};
  for (const auto& [point, done] : cases) {
    std::vector<std::string> tapped;
    const int status = RunInChild([point = point] { ResizeWithArmed(point); }, &tapped);
    EXPECT_TRUE(KilledBySigkill(status)) << CrashPointName(point);
    // The steady-state pass before the resize records its actuated generation 1.
    std::vector<std::string> want = {"allocated gen=1", "actuated gen=1"};
    want.insert(want.end(), all.begin(), all.begin() + static_cast<std::ptrdiff_t>(done));
    EXPECT_EQ(tapped, want) << CrashPointName(point);
  }
  // Unarmed, the same resize runs to the end.
  std::vector<std::string> tapped;
  const int status = RunInChild([] { ResizeWithArmed(std::nullopt); }, &tapped);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::vector<std::string> want = {"allocated gen=1", "actuated gen=1"};
  want.insert(want.end(), all.begin(), all.end());
  want.push_back("returned");
  EXPECT_EQ(tapped, want);
}

}  // namespace
}  // namespace resizelet::reconcile::testing
