#include "agent/obs/config.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "agent/cli/flag_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::obs {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kHeader[] = "apiVersion: resizelet.io/v1alpha1\nkind: ResizeletConfiguration\n";

std::string TestdataPath(const std::string& name) {
  const char* root = std::getenv("RESIZELET_SOURCE_DIR");
  return std::string(root ? root : ".") + "/tests/obs/testdata/" + name;
}

NodeNameSources FakeSources(std::optional<std::string> env, std::string host) {
  return {.getenv = [env](const char*) { return env; }, .hostname = [host] { return host; }};
}

TEST(ConfigTest, DecodesEveryField) {
  auto c = LoadConfigFile(TestdataPath("resizelet.yaml"));
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->node_name, "worker-1");
  EXPECT_EQ(c->mode, "actuate");
  EXPECT_EQ(c->kubeconfig, "/etc/resizelet/kubeconfig");
  EXPECT_EQ(c->container_runtime_endpoint, "unix:///run/k3s/containerd/containerd.sock");
  EXPECT_EQ(c->cgroup_driver, "systemd");
  EXPECT_EQ(c->cgroup_root, "/");
  EXPECT_EQ(c->cgroup_mount_point, "/sys/fs/cgroup");
  EXPECT_EQ(c->cpu_weight_formula, "quadratic");
  EXPECT_EQ(c->state_directory, "/var/lib/resizelet-test");
  EXPECT_EQ(c->metrics_bind_address, "0.0.0.0:10266");
  EXPECT_EQ(c->healthz_bind_address, "127.0.0.1:10267");
  EXPECT_EQ(c->log_format, "json");
  EXPECT_EQ(c->verbosity, 4);
  EXPECT_TRUE(c->legacy_resize_status);
  EXPECT_TRUE(c->memory_reclaim);
  EXPECT_EQ(c->memory_shrink_headroom_bytes, 64 << 20);
  EXPECT_EQ(c->runtime_request_timeout, absl::Seconds(90));
  EXPECT_EQ(c->cache_sync_timeout, absl::Minutes(3));
  EXPECT_EQ(c->kube_api_qps, 20);
  EXPECT_EQ(c->kube_api_burst, 40);
  EXPECT_EQ(c->cpu_manager_policy, "static");
  EXPECT_EQ(c->memory_manager_policy, "Static");
  EXPECT_EQ(c->swap_behavior, "LimitedSwap");
  EXPECT_THAT(Validate(*c), IsOk());
}

TEST(ConfigTest, AbsentAndNullFieldsKeepDefaults) {
  auto c = ParseConfig(std::string(kHeader) + "kubeconfig: null\nverbosity: ~\n");
  ASSERT_THAT(c.status(), IsOk());
  Config d;
  EXPECT_EQ(c->mode, "auto");
  EXPECT_EQ(c->kubeconfig, d.kubeconfig);
  EXPECT_EQ(c->verbosity, 0);
  EXPECT_EQ(c->metrics_bind_address, "127.0.0.1:10266");
  EXPECT_EQ(c->runtime_request_timeout, absl::Seconds(30));
  EXPECT_EQ(c->kube_api_qps, 50);
  EXPECT_EQ(c->kube_api_burst, 100);
  // The kubelet's defaults: no resource managers, no swap.
  EXPECT_EQ(c->cpu_manager_policy, "none");
  EXPECT_EQ(c->memory_manager_policy, "None");
  EXPECT_EQ(c->swap_behavior, "NoSwap");
}

TEST(ConfigTest, NodeResizeSettingsAreStrictlyValidated) {
  // The kubelet's spellings only: its policy names are case-sensitive.
  auto c = ParseConfig(std::string(kHeader) +
                       "cpuManagerPolicy: Static\nmemoryManagerPolicy: static\n"
                       "swapBehavior: UnlimitedSwap\n");
  ASSERT_THAT(c.status(), IsOk());
  c->node_name = "n1";
  EXPECT_THAT(Validate(*c),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("cpuManagerPolicy: \"Static\" is not one of none, static"),
                             HasSubstr("memoryManagerPolicy: \"static\" is not one of None, "
                                       "Static"),
                             HasSubstr("swapBehavior: \"UnlimitedSwap\" is not one of NoSwap, "
                                       "LimitedSwap"))));
  EXPECT_THAT(ParseConfig(std::string(kHeader) + "swapBehavior: [LimitedSwap]\n", "c").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("c:3:15: field \"swapBehavior\": want a string, got a list")));
  // The kubelet nests it (memorySwap.swapBehavior); the flat field is resizelet's.
  EXPECT_THAT(
      ParseConfig(std::string(kHeader) + "memorySwap:\n  swapBehavior: LimitedSwap\n").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown field \"memorySwap\"")));
}

TEST(ConfigTest, UnknownFieldNamesFieldAndLineWithHint) {
  auto c = ParseConfig(std::string(kHeader) + "mode: auto\nnodename: n1\n", "resizelet.yaml");
  EXPECT_THAT(c.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                   AllOf(HasSubstr("resizelet.yaml:4:1"),
                                         HasSubstr("unknown field \"nodename\""),
                                         HasSubstr("did you mean \"nodeName\"?"))));
}

TEST(ConfigTest, WrongTypesNameFieldAndLine) {
  struct Case {
    std::string body;
    std::string want;
  };
  std::vector<Case> cases = {
      {"verbosity: high\n", "c:3:12: field \"verbosity\": want an integer, got \"high\""},
      {"verbosity: \"4\"\n", "field \"verbosity\": want an integer"},
      {"memoryReclaim: yes\n", "c:3:16: field \"memoryReclaim\": want true or false"},
      {"nodeName: 123\n", "field \"nodeName\": want a string (quote it)"},
      {"mode: [auto]\n", "field \"mode\": want a string, got a list"},
      {"runtimeRequestTimeout: 30\n", "field \"runtimeRequestTimeout\": want a duration"},
      {"kubeAPIQPS: 1.5\n", "field \"kubeAPIQPS\": want an integer"},
  };
  for (const Case& tc : cases) {
    auto c = ParseConfig(std::string(kHeader) + tc.body, "c");
    EXPECT_THAT(c.status(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(tc.want)))
        << tc.body;
  }
  // Quoted, a numeric-looking node name is a string.
  EXPECT_THAT(ParseConfig(std::string(kHeader) + "nodeName: \"123\"\n").status(), IsOk());
}

TEST(ConfigTest, RejectsRepeatedFieldsWrongVersionAndBadYaml) {
  EXPECT_THAT(ParseConfig(std::string(kHeader) + "mode: auto\nmode: observe\n", "c").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("c:4:1: field \"mode\" appears twice")));
  EXPECT_THAT(ParseConfig("apiVersion: v1\nkind: ResizeletConfiguration\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("apiVersion is \"v1\"; want \"resizelet.io/v1alpha1\"")));
  EXPECT_THAT(ParseConfig("apiVersion: resizelet.io/v1alpha1\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kind is \"\"")));
  EXPECT_THAT(ParseConfig(std::string(kHeader) + "mode: [auto\n", "c").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid YAML")));
  EXPECT_THAT(ParseConfig("").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(
      ParseConfig(std::string(kHeader) + "---\n" + kHeader, "c").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("c:3: a second YAML document")));
  EXPECT_THAT(ParseConfig(std::string(kHeader) + "...\n").status(), IsOk());
  EXPECT_THAT(ParseConfig(std::string("---\n") + kHeader).status(), IsOk());
  EXPECT_THAT(ParseConfig("- a\n- b\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want a mapping")));
  EXPECT_THAT(LoadConfigFile("/nonexistent/resizelet.yaml").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

// Inputs that made yaml-cpp 0.7's LoadAll loop forever (found by fuzz_config): each must return.
TEST(ConfigTest, MalformedStreamsFailFast) {
  EXPECT_THAT(ParseConfig(std::string(",\x89\t\0 0`\0\x1d", 11), "c").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("c:1: control character 0")));
  EXPECT_THAT(
      ParseConfig(", Every field of ReainerRemd\ncgroupRoto # x\ncontainerRunti:2p\n").status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseConfig(std::string(2 << 20, '#')).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("larger than 1 MiB")));
}

TEST(ConfigTest, ValidateListsEveryProblem) {
  Config c;
  c.node_name = "Worker_1";
  c.mode = "fast";
  c.cgroup_driver = "systemd";
  c.cgroup_root = "/kubepods";
  c.container_runtime_endpoint = "/run/containerd/containerd.sock";
  c.metrics_bind_address = "10266";
  c.verbosity = 11;
  c.kube_api_burst = 10;
  absl::Status s = Validate(c);
  EXPECT_THAT(s,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("nodeName: \"Worker_1\" is not a lower-case RFC 1123"),
                             HasSubstr("mode: \"fast\" is not one of auto, companion, "
                                       "actuate, observe"),
                             HasSubstr("cgroupRoot: \"/kubepods\" must be \"/\" or a systemd "
                                       "slice"),
                             HasSubstr("containerRuntimeEndpoint"), HasSubstr("metricsBindAddress"),
                             HasSubstr("verbosity: 11 is not between 0 and 10"),
                             HasSubstr("kubeAPIBurst: 10 must be at least kubeAPIQPS (50)"))));
  c = Config();
  c.node_name = "n1";
  c.metrics_bind_address = "";  // disabled
  c.cgroup_driver = "systemd";
  c.cgroup_root = "kubepods.slice";
  EXPECT_THAT(Validate(c), IsOk());
}

TEST(ConfigTest, NodeNameFromEnvThenLowerCasedHostname) {
  Config c;
  ASSERT_THAT(ResolveNodeName(c, FakeSources("from-env", "Host-A")), IsOk());
  EXPECT_EQ(c.node_name, "from-env");
  c = Config();
  ASSERT_THAT(ResolveNodeName(c, FakeSources(std::nullopt, "Host-A")), IsOk());
  EXPECT_EQ(c.node_name, "host-a");
  c = Config();
  c.node_name = "explicit";
  ASSERT_THAT(ResolveNodeName(c, FakeSources("from-env", "Host-A")), IsOk());
  EXPECT_EQ(c.node_name, "explicit");
}

class ConfigFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/resizelet_config_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = path;
    std::ofstream(path_) << kHeader << "nodeName: file-node\nmode: observe\nverbosity: 2\n"
                         << "cgroupDriver: systemd\nkubeAPIQPS: 5\nkubeAPIBurst: 10\n";
  }
  void TearDown() override { unlink(path_.c_str()); }

  absl::StatusOr<Config> Run(std::vector<std::string> args,
                             NodeNameSources sources = FakeSources("env-node", "host")) {
    cli::FlagSet flags("resizelet");
    ConfigFlags config_flags(flags);
    auto rest = flags.Parse(args);
    if (!rest.ok()) return rest.status();
    return config_flags.Resolve(sources);
  }
  std::string path_;
};

TEST(ConfigTest, CacheSyncTimeoutDefaultsToTwoMinutesAndIsBounded) {
  EXPECT_EQ(Config{}.cache_sync_timeout, absl::Minutes(2));
  auto c = ParseConfig(std::string(kHeader) + "cacheSyncTimeout: 45s\n");
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->cache_sync_timeout, absl::Seconds(45));
  c->cache_sync_timeout = absl::ZeroDuration();
  EXPECT_THAT(Validate(*c), StatusIs(absl::StatusCode::kInvalidArgument,
                                     ::testing::HasSubstr("cacheSyncTimeout")));
}

TEST_F(ConfigFlagsTest, CacheSyncTimeoutFlag) {
  auto c = Run({"--cache-sync-timeout=90s"});
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->cache_sync_timeout, absl::Seconds(90));
  EXPECT_THAT(
      Run({"--cache-sync-timeout=later"}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("--cache-sync-timeout")));
}

TEST_F(ConfigFlagsTest, SetFlagsOverrideTheFileAndUnsetFlagsDoNot) {
  auto c = Run({"--config", path_, "--mode=actuate", "-v", "5", "--memory-reclaim",
                "--runtime-request-timeout=2s"});
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->mode, "actuate");   // flag
  EXPECT_EQ(c->verbosity, 5);      // flag
  EXPECT_TRUE(c->memory_reclaim);  // flag
  EXPECT_EQ(c->runtime_request_timeout, absl::Seconds(2));
  EXPECT_EQ(c->cgroup_driver, "systemd");  // file, though the flag's default is cgroupfs
  EXPECT_EQ(c->kube_api_qps, 5);           // file
  EXPECT_EQ(c->node_name, "file-node");    // file beats $NODE_NAME
  EXPECT_EQ(c->state_directory, "/var/lib/resizelet");  // default
}

TEST_F(ConfigFlagsTest, NodeResizeSettingsFlags) {
  std::ofstream(path_, std::ios::app) << "cpuManagerPolicy: static\nswapBehavior: LimitedSwap\n";
  auto c = Run({"--config", path_, "--memory-manager-policy=Static", "--swap-behavior", "NoSwap"});
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_EQ(c->cpu_manager_policy, "static");     // file
  EXPECT_EQ(c->memory_manager_policy, "Static");  // flag
  EXPECT_EQ(c->swap_behavior, "NoSwap");          // flag beats the file
  EXPECT_THAT(Run({"--cpu-manager-policy=dynamic"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cpu-manager-policy")));
  EXPECT_THAT(Run({"--swap-behavior=Unlimited"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("swap-behavior")));
}

TEST_F(ConfigFlagsTest, NodeNamePrecedence) {
  auto flag = Run({"--config", path_, "--node-name", "flag-node"});
  ASSERT_THAT(flag.status(), IsOk());
  EXPECT_EQ(flag->node_name, "flag-node");
  auto env = Run({});
  ASSERT_THAT(env.status(), IsOk());
  EXPECT_EQ(env->node_name, "env-node");
  auto host = Run({}, FakeSources(std::nullopt, "Node-7.Example"));
  ASSERT_THAT(host.status(), IsOk());
  EXPECT_EQ(host->node_name, "node-7.example");
}

TEST_F(ConfigFlagsTest, InvalidResultIsAnError) {
  EXPECT_THAT(Run({"--runtime-request-timeout", "soon"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--runtime-request-timeout")));
  EXPECT_THAT(Run({"--mode", "fast"}).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Run({"--kube-api-burst", "1"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kubeAPIBurst")));
  EXPECT_THAT(Run({"--config", "/nonexistent.yaml"}).status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ConfigFlagsTest, UsageListsTheFlags) {
  cli::FlagSet flags("resizelet");
  ConfigFlags config_flags(flags);
  std::string usage = flags.Usage();
  for (const char* name :
       {"--config", "--node-name", "--mode", "--kubeconfig", "--container-runtime-endpoint",
        "--cgroup-driver", "--logging-format", "-v", "--kube-api-qps", "--cpu-manager-policy",
        "--memory-manager-policy", "--swap-behavior"}) {
    EXPECT_THAT(usage, HasSubstr(name));
  }
}

}  // namespace
}  // namespace resizelet::obs
