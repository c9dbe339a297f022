// What the deploy tests share: the manifests loaded once per test, and the pieces of them the
// tests cross-check (the DaemonSet's container, the ConfigMap's configuration file).
#ifndef RESIZELET_TESTS_DEPLOY_DEPLOY_FIXTURE_H_
#define RESIZELET_TESTS_DEPLOY_DEPLOY_FIXTURE_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/deploy/manifests.h"

namespace resizelet::deploy {

// The deploy/ directory of the source tree.
inline std::string DeployDir() { return RESIZELET_DEPLOY_DIR; }

class DeployManifests : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::vector<Manifest>> loaded = LoadManifests(DeployDir());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    manifests_ = *std::move(loaded);
  }

  // The one object of `kind` (a test failure when there is not exactly one).
  YAML::Node One(const std::string& kind) {
    std::vector<YAML::Node> all = OfKind(manifests_, kind);
    EXPECT_EQ(all.size(), 1u) << "objects of kind " << kind;
    return all.empty() ? YAML::Node() : all.front();
  }

  YAML::Node DaemonSet() { return One("DaemonSet"); }

  // The DaemonSet's resizelet container.
  YAML::Node Container() {
    const YAML::Node containers = At(DaemonSet(), {"spec", "template", "spec", "containers"});
    EXPECT_TRUE(containers.IsSequence() && containers.size() == 1) << "one container";
    return containers.IsSequence() && containers.size() >= 1 ? containers[0] : YAML::Node();
  }

  // The path that the container's `--config=PATH` (or `--config PATH`) names, or "".
  std::string ConfigPathFromArgs() {
    const std::vector<std::string> args = Strings(Container(), {"args"});
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].rfind("--config=", 0) == 0) return args[i].substr(9);
      if (args[i] == "--config" && i + 1 < args.size()) return args[i + 1];
    }
    return "";
  }

  // The text of the configuration file the ConfigMap holds (the key the args' path names).
  std::string ConfigText() {
    const std::string path = ConfigPathFromArgs();
    const std::string key = path.substr(path.rfind('/') + 1);
    return Str(One("ConfigMap"), {"data", key.c_str()});
  }

  // The configuration file, parsed.
  YAML::Node Config() {
    try {
      return YAML::Load(ConfigText());
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << "the ConfigMap's configuration: " << e.what();
      return YAML::Node();
    }
  }

  std::vector<Manifest> manifests_;
};

}  // namespace resizelet::deploy

#endif  // RESIZELET_TESTS_DEPLOY_DEPLOY_FIXTURE_H_
