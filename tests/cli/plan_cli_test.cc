// `resizelet plan` end to end: the binary, real files, exact output. The expected JSON files were
// worked out by hand from docs/facts.md (shares, both cpu.weight formulas, quota, systemd rounding,
// the sidecar formula, pod-level overrides, overhead, oom_score_adj, admission messages and the
// step order), never produced by the code under test.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace resizelet::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(int fd) {
  std::string s;
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) > 0) s.append(buf.data(), static_cast<size_t>(n));
  return s;
}

// Runs the binary with `args` from the testdata directory (no shell involved).
CliRun RunResizelet(const std::vector<std::string>& args) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    if (chdir(RESIZELET_TESTDATA) != 0) _exit(127);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(RESIZELET_BINARY));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(RESIZELET_BINARY, argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  CliRun run;
  // Outputs are small: read stdout then stderr.
  run.out = Slurp(out_pipe[0]);
  run.err = Slurp(err_pipe[0]);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(RESIZELET_TESTDATA) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PlanCliTest, BurstableWithSidecarGrowsAcceptedWithOrderedSteps) {
  // cgroupfs, cgroup v2, quadratic container weights (the defaults).
  const CliRun run = RunResizelet({"plan", "--pod", "pod-resized.yaml", "--allocated", "pod.yaml",
                                   "--node", "node.yaml", "--pods", "other-pods.json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, ReadTestdata("web-0.expected.json"));
}

TEST(PlanCliTest, PodLevelResourcesOverheadSidecarsSystemdDeferred) {
  const CliRun run = RunResizelet({"plan", "--pod", "batch-1.yaml", "--node", "node.yaml", "--pods",
                                   "other-pods.json", "--cgroup-driver", "systemd"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, ReadTestdata("batch-1.expected.json"));
}

TEST(PlanCliTest, GuaranteedOnCgroupV1WithSteps) {
  const CliRun run = RunResizelet({"plan", "--pod", "api-7.yaml", "--allocated",
                                   "api-7-allocated.yaml", "--cgroup-version", "1"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, ReadTestdata("api-7.expected.json"));
}

TEST(PlanCliTest, SystemdRoundsQuotaToWholePercent) {
  // 1234m → quota 123400 → CPUQuotaPerSecUSec 1234000 rounded up to 1240000 → quota 124000.
  const CliRun run = RunResizelet({"plan", "--pod", "api-7.yaml", "--cgroup-driver", "systemd"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"CPUQuotaPerSecUSec\": 1240000"));
  EXPECT_THAT(run.out, HasSubstr("\"cpuMax\": \"124000 100000\""));
  EXPECT_THAT(run.out,
              HasSubstr("\"unit\": \"kubepods-pod0a0a0a0a_1111_4222_8333_444444444444.slice\""));
}

TEST(PlanCliTest, InfeasibleAboveAllocatableWithKubeletMessage) {
  const CliRun run = RunResizelet({"plan", "--pod", "huge.yaml", "--node", "node.yaml"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"result\": \"Infeasible\""));
  EXPECT_THAT(run.out, HasSubstr("\"reasonDetail\": \"insufficient_node_allocatable\""));
  EXPECT_THAT(run.out, HasSubstr("\"message\": \"Node didn't have enough capacity: cpu, requested: "
                                 "5000, capacity: 3800\""));
}

TEST(PlanCliTest, TextOutputForAPerson) {
  const CliRun run = RunResizelet({"plan", "--pod", "pod-resized.yaml", "--allocated", "pod.yaml",
                                   "--node", "node.yaml", "-o", "text"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("QoS class:  Burstable"));
  EXPECT_THAT(run.out, HasSubstr("Decision:   Accepted"));
  EXPECT_THAT(run.out, HasSubstr("1. resize-pod-cgroup pod memory limit increase: 671088640 -> "
                                 "1207959552"));
  EXPECT_THAT(run.out, HasSubstr("5. resize-pod-cgroup pod cpu request increase: 563 -> 1075"));
}

TEST(PlanCliTest, WithoutNodeBurstableOomScoreIsNull) {
  const CliRun run = RunResizelet({"plan", "--pod", "pod.yaml"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"oomScoreAdj\": null"));
  EXPECT_THAT(run.out, Not(HasSubstr("\"decision\"")));
  EXPECT_THAT(run.out, HasSubstr("\"steps\": []"));
}

TEST(PlanCliTest, BadQuantityNamesFileAndField) {
  const CliRun run = RunResizelet({"plan", "--pod", "bad-quantity.yaml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("bad-quantity.yaml"));
  EXPECT_THAT(run.err, HasSubstr("spec.containers[1].resources.limits.memory"));
  EXPECT_EQ(run.out, "");
}

TEST(PlanCliTest, MissingFileAndBadFlagsAreBadInput) {
  CliRun run = RunResizelet({"plan", "--pod", "does-not-exist.yaml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("does-not-exist.yaml"));
  run = RunResizelet({"plan", "--pod", "pod.yaml", "--cgroup-driver", "docker"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--cgroup-driver"));
  run = RunResizelet({"plan"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--pod FILE is required"));
  run = RunResizelet({"plan", "--pod", "pod.yaml", "--allocated", "api-7.yaml"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("metadata.uid"));
}

TEST(PlanCliTest, HelpExplainsItself) {
  const CliRun run = RunResizelet({"plan", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("--cpu-weight-formula"));
  EXPECT_THAT(run.out, HasSubstr("Exit status"));
}

}  // namespace
}  // namespace resizelet::cli
