// deploy/ as `kubectl apply -f deploy/` would install it: the right objects, names that refer to
// each other correctly, a DaemonSet whose mounts, probes and privileges agree with the
// configuration it ships, and an admission policy that covers every write the role grants.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/deploy/deploy_fixture.h"
#include "tests/deploy/rbac.h"
#include "tests/harness/subprocess.h"

namespace resizelet::deploy {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

constexpr char kKubectl[] = "/usr/bin/kubectl";

bool IsClusterScoped(const std::string& kind) {
  return kind == "Namespace" || kind == "ClusterRole" || kind == "ClusterRoleBinding" ||
         kind == "ValidatingAdmissionPolicy" || kind == "ValidatingAdmissionPolicyBinding";
}

// "host:port" / "[v6]:port" → (host, port).
std::pair<std::string, std::string> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return {address, ""};
  return {address.substr(0, colon), address.substr(colon + 1)};
}

TEST_F(DeployManifests, EveryManifestParsesAsTheExpectedObjects) {
  std::vector<std::string> found;
  for (const Manifest& m : manifests_) {
    found.push_back(absl::StrCat(Str(m.object, {"apiVersion"}), " ", Str(m.object, {"kind"})));
  }
  EXPECT_THAT(found, UnorderedElementsAreArray({
                         "v1 Namespace",
                         "v1 ServiceAccount",
                         "rbac.authorization.k8s.io/v1 ClusterRole",
                         "rbac.authorization.k8s.io/v1 ClusterRoleBinding",
                         "v1 ConfigMap",
                         "apps/v1 DaemonSet",
                         "admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy",
                         "admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding",
                     }));
  const std::string ns = Str(One("Namespace"), {"metadata", "name"});
  EXPECT_EQ(ns, "resizelet-system");
  for (const Manifest& m : manifests_) {
    const std::string kind = Str(m.object, {"kind"});
    EXPECT_FALSE(Str(m.object, {"metadata", "name"}).empty()) << m.file;
    if (IsClusterScoped(kind)) {
      EXPECT_EQ(Str(m.object, {"metadata", "namespace"}), "") << m.file << " is cluster-scoped";
    } else {
      EXPECT_EQ(Str(m.object, {"metadata", "namespace"}), ns) << m.file;
    }
  }
  // kubectl applies a directory's files in name order: the namespace must come first.
  ASSERT_FALSE(manifests_.empty());
  EXPECT_EQ(Str(manifests_.front().object, {"kind"}), "Namespace") << manifests_.front().file;
}

TEST_F(DeployManifests, RoleIsBoundToTheServiceAccountTheDaemonSetRunsAs) {
  const YAML::Node sa = One("ServiceAccount");
  const YAML::Node binding = One("ClusterRoleBinding");
  EXPECT_EQ(Str(binding, {"roleRef", "kind"}), "ClusterRole");
  EXPECT_EQ(Str(binding, {"roleRef", "apiGroup"}), "rbac.authorization.k8s.io");
  EXPECT_EQ(Str(binding, {"roleRef", "name"}), Str(One("ClusterRole"), {"metadata", "name"}));
  const YAML::Node subjects = At(binding, {"subjects"});
  ASSERT_TRUE(subjects.IsSequence());
  ASSERT_EQ(subjects.size(), 1u) << "the role is granted to the ServiceAccount only";
  EXPECT_EQ(Str(subjects[0], {"kind"}), "ServiceAccount");
  EXPECT_EQ(Str(subjects[0], {"name"}), Str(sa, {"metadata", "name"}));
  EXPECT_EQ(Str(subjects[0], {"namespace"}), Str(sa, {"metadata", "namespace"}));
  EXPECT_EQ(Str(DaemonSet(), {"spec", "template", "spec", "serviceAccountName"}),
            Str(sa, {"metadata", "name"}));
  // No wildcard anywhere in the role.
  absl::StatusOr<std::vector<PolicyRule>> rules = RulesOf(One("ClusterRole"));
  ASSERT_TRUE(rules.ok()) << rules.status();
  for (const PolicyRule& rule : *rules) {
    for (const std::string& grant : GrantsOf(rule)) EXPECT_THAT(grant, Not(HasSubstr("*")));
  }
}

TEST_F(DeployManifests, DaemonSetMountsTheConfigMapAtThePathItsArgsName) {
  const std::string path = ConfigPathFromArgs();
  ASSERT_FALSE(path.empty()) << "the container's args name no --config";
  EXPECT_THAT(Strings(Container(), {"args"}), Contains("run"));
  const std::string dir = path.substr(0, path.rfind('/'));
  const std::string key = path.substr(path.rfind('/') + 1);
  const YAML::Node mount = Named(At(Container(), {"volumeMounts"}), dir, "mountPath");
  ASSERT_TRUE(mount.IsMap()) << "no volumeMount at " << dir;
  EXPECT_EQ(Str(mount, {"readOnly"}), "true");
  EXPECT_EQ(Str(mount, {"subPath"}), "") << "a subPath mount never sees ConfigMap updates";
  const YAML::Node volume =
      Named(At(DaemonSet(), {"spec", "template", "spec", "volumes"}), Str(mount, {"name"}));
  ASSERT_TRUE(volume.IsMap());
  EXPECT_EQ(Str(volume, {"configMap", "name"}), Str(One("ConfigMap"), {"metadata", "name"}));
  EXPECT_TRUE(At(volume, {"configMap", "items"}).IsNull()) << "items would rename the keys";
  EXPECT_FALSE(ConfigText().empty()) << "the ConfigMap has no key " << key;
  const YAML::Node config = Config();
  EXPECT_EQ(Str(config, {"apiVersion"}), "resizelet.io/v1alpha1");
  EXPECT_EQ(Str(config, {"kind"}), "ResizeletConfiguration");
}

TEST_F(DeployManifests, NodeNameComesFromTheDownwardApiAndAuthIsInCluster) {
  const YAML::Node env = Named(At(Container(), {"env"}), "NODE_NAME");
  ASSERT_TRUE(env.IsMap()) << "no NODE_NAME in the container's env";
  EXPECT_EQ(Str(env, {"valueFrom", "fieldRef", "fieldPath"}), "spec.nodeName");
  const YAML::Node config = Config();
  // The file's nodeName would win over $NODE_NAME (agent/obs/config.h) and be the same on every
  // node.
  EXPECT_EQ(Str(config, {"nodeName"}), "");
  // Empty kubeconfig: the ServiceAccount's token (kube::InClusterConfig).
  EXPECT_EQ(Str(config, {"kubeconfig"}), "");
  for (const std::string& arg : Strings(Container(), {"args"})) {
    EXPECT_FALSE(absl::StartsWith(arg, "--kubeconfig")) << arg;
    EXPECT_FALSE(absl::StartsWith(arg, "--node-name")) << arg;
  }
  EXPECT_NE(Str(DaemonSet(), {"spec", "template", "spec", "automountServiceAccountToken"}),
            "false");
}

TEST_F(DeployManifests, HostPathsAreTheOnesTheConfigurationNames) {
  const YAML::Node config = Config();
  const YAML::Node mounts = At(Container(), {"volumeMounts"});
  const YAML::Node volumes = At(DaemonSet(), {"spec", "template", "spec", "volumes"});
  // The host path mounted at the container path that is `path` or contains it.
  auto host_path_of = [&](const std::string& path, bool* read_only) -> std::string {
    std::string best_mount;
    std::string host;
    for (const YAML::Node& m : mounts) {
      const std::string at = Str(m, {"mountPath"});
      if ((path == at || absl::StartsWith(path, at + "/")) && at.size() > best_mount.size()) {
        const YAML::Node v = Named(volumes, Str(m, {"name"}));
        if (!At(v, {"hostPath"}).IsMap()) continue;
        best_mount = at;
        host = Str(v, {"hostPath", "path"}) + path.substr(at.size());
        *read_only = Str(m, {"readOnly"}) == "true";
      }
    }
    return host;
  };
  bool ro = false;
  // The cgroup tree, read-write, at the same path as on the host.
  const std::string cgroup = Str(config, {"cgroupMountPoint"});
  ASSERT_FALSE(cgroup.empty());
  EXPECT_EQ(host_path_of(cgroup, &ro), "/sys/fs/cgroup");
  EXPECT_FALSE(ro) << "cgroup files are written";
  // The state directory, read-write and on the host (it must outlive the pod).
  const std::string state = Str(config, {"stateDirectory"});
  ASSERT_FALSE(state.empty());
  EXPECT_EQ(host_path_of(state, &ro), state);
  EXPECT_FALSE(ro);
  // The CRI socket.
  const std::string endpoint = Str(config, {"containerRuntimeEndpoint"});
  ASSERT_TRUE(absl::StartsWith(endpoint, "unix://")) << endpoint;
  const std::string socket = endpoint.substr(7);
  EXPECT_EQ(host_path_of(socket, &ro), socket);
  // D-Bus, for the systemd cgroup driver.
  if (Str(config, {"cgroupDriver"}) == "systemd") {
    EXPECT_EQ(host_path_of("/run/dbus/system_bus_socket", &ro), "/run/dbus/system_bus_socket");
  }
  // Nothing else from the host.
  std::set<std::string> host_paths;
  for (const YAML::Node& v : volumes) {
    if (At(v, {"hostPath"}).IsMap()) host_paths.insert(Str(v, {"hostPath", "path"}));
  }
  EXPECT_EQ(host_paths.size(), Str(config, {"cgroupDriver"}) == "systemd" ? 4u : 3u)
      << ::testing::PrintToString(host_paths);
}

TEST_F(DeployManifests, ProbesReachTheHealthEndpointsOnThePodNetwork) {
  const YAML::Node pod = At(DaemonSet(), {"spec", "template", "spec"});
  EXPECT_NE(Str(pod, {"hostNetwork"}), "true");
  const auto [host, port] = SplitHostPort(Str(Config(), {"healthzBindAddress"}));
  // Without hostNetwork the kubelet probes the pod IP: loopback would never answer.
  EXPECT_THAT(host, ::testing::AnyOf("0.0.0.0", "[::]", "")) << "healthzBindAddress host";
  ASSERT_FALSE(port.empty());
  std::map<std::string, std::string> port_by_name;
  for (const YAML::Node& p : At(Container(), {"ports"})) {
    port_by_name[Str(p, {"name"})] = Str(p, {"containerPort"});
  }
  for (const auto& [probe, path] : {std::pair<const char*, const char*>{"livenessProbe", "/livez"},
                                    {"readinessProbe", "/readyz"}}) {
    const YAML::Node get = At(Container(), {probe, "httpGet"});
    ASSERT_TRUE(get.IsMap()) << probe;
    EXPECT_EQ(Str(get, {"path"}), path) << probe;
    std::string probe_port = Str(get, {"port"});
    if (port_by_name.count(probe_port) != 0) probe_port = port_by_name[probe_port];
    EXPECT_EQ(probe_port, port) << probe << " must probe the healthz port";
    EXPECT_THAT(Str(get, {"scheme"}), ::testing::AnyOf("", "HTTP")) << probe;
  }
  // /metrics on the same pod-network listener, for Prometheus.
  EXPECT_EQ(Str(Config(), {"metricsBindAddress"}), Str(Config(), {"healthzBindAddress"}));
}

TEST_F(DeployManifests, ContainerKeepsNoPrivilegeItDoesNotNeed) {
  const YAML::Node pod = At(DaemonSet(), {"spec", "template", "spec"});
  EXPECT_NE(Str(pod, {"hostPID"}), "true");
  EXPECT_NE(Str(pod, {"hostIPC"}), "true");
  const YAML::Node sc = At(Container(), {"securityContext"});
  EXPECT_EQ(Str(sc, {"privileged"}), "false");
  EXPECT_EQ(Str(sc, {"allowPrivilegeEscalation"}), "false");
  EXPECT_EQ(Str(sc, {"readOnlyRootFilesystem"}), "true");
  EXPECT_EQ(Strings(sc, {"capabilities", "drop"}), std::vector<std::string>{"ALL"});
  EXPECT_TRUE(Strings(sc, {"capabilities", "add"}).empty());
  EXPECT_EQ(Str(pod, {"securityContext", "seccompProfile", "type"}), "RuntimeDefault");
  // Bidirectional propagation needs a privileged container; nothing here mounts for the host.
  for (const YAML::Node& m : At(Container(), {"volumeMounts"})) {
    EXPECT_NE(Str(m, {"mountPropagation"}), "Bidirectional") << Str(m, {"name"});
  }
}

TEST_F(DeployManifests, DaemonSetRunsOnEveryNodeAndRollsOneAtATime) {
  const YAML::Node ds = DaemonSet();
  const YAML::Node pod = At(ds, {"spec", "template", "spec"});
  EXPECT_EQ(Str(pod, {"priorityClassName"}), "system-node-critical");
  bool tolerates_all = false;
  for (const YAML::Node& t : At(pod, {"tolerations"})) {
    tolerates_all = tolerates_all || (Str(t, {"operator"}) == "Exists" && Str(t, {"key"}).empty() &&
                                      Str(t, {"effect"}).empty());
  }
  EXPECT_TRUE(tolerates_all) << "a toleration with operator Exists and no key or effect";
  EXPECT_EQ(Str(ds, {"spec", "updateStrategy", "type"}), "RollingUpdate");
  for (const auto& kv : At(ds, {"spec", "selector", "matchLabels"})) {
    EXPECT_EQ(Str(ds, {"spec", "template", "metadata", "labels", kv.first.Scalar().c_str()}),
              kv.second.Scalar())
        << "the selector must match the template's labels";
  }
  for (const char* kind : {"requests", "limits"}) {
    for (const char* resource : {"cpu", "memory"}) {
      EXPECT_FALSE(Str(Container(), {"resources", kind, resource}).empty())
          << kind << "." << resource;
    }
  }
  EXPECT_FALSE(Str(Container(), {"image"}).empty());
}

TEST_F(DeployManifests, AdmissionPolicyCoversEveryWriteTheRoleGrants) {
  const YAML::Node policy = One("ValidatingAdmissionPolicy");
  const YAML::Node binding = One("ValidatingAdmissionPolicyBinding");
  EXPECT_EQ(Str(binding, {"spec", "policyName"}), Str(policy, {"metadata", "name"}));
  EXPECT_THAT(Strings(binding, {"spec", "validationActions"}), Contains("Deny"));
  EXPECT_EQ(Str(policy, {"spec", "failurePolicy"}), "Fail");
  // Scoped to the DaemonSet's ServiceAccount.
  const YAML::Node sa = One("ServiceAccount");
  const std::string username =
      absl::StrCat("system:serviceaccount:", Str(sa, {"metadata", "namespace"}), ":",
                   Str(sa, {"metadata", "name"}));
  bool scoped = false;
  for (const YAML::Node& c : At(policy, {"spec", "matchConditions"})) {
    scoped = scoped || absl::StrContains(Str(c, {"expression"}), "'" + username + "'");
  }
  EXPECT_TRUE(scoped) << "no matchCondition names " << username;
  // The node the token carries.
  std::string expressions;
  for (const YAML::Node& v : At(policy, {"spec", "variables"})) {
    absl::StrAppend(&expressions, Str(v, {"expression"}), "\n");
  }
  for (const YAML::Node& v : At(policy, {"spec", "validations"})) {
    absl::StrAppend(&expressions, Str(v, {"expression"}), "\n");
  }
  EXPECT_THAT(expressions,
              HasSubstr("request.userInfo.extra['authentication.kubernetes.io/node-name']"));
  EXPECT_THAT(expressions, HasSubstr("object.spec.nodeName"));

  // Every write the role grants (create, update, patch, delete) is matched by the policy.
  std::set<std::string> matched;  // "resource OPERATION"
  for (const YAML::Node& r : At(policy, {"spec", "matchConstraints", "resourceRules"})) {
    for (const std::string& resource : Strings(r, {"resources"})) {
      for (const std::string& op : Strings(r, {"operations"})) {
        matched.insert(absl::StrCat(resource, " ", op));
      }
    }
  }
  const std::map<std::string, std::string> operation_of = {
      {"create", "CREATE"}, {"update", "UPDATE"}, {"patch", "UPDATE"}, {"delete", "DELETE"}};
  absl::StatusOr<std::vector<PolicyRule>> rules = RulesOf(One("ClusterRole"));
  ASSERT_TRUE(rules.ok()) << rules.status();
  int writes = 0;
  for (const PolicyRule& rule : *rules) {
    for (const std::string& resource : rule.resources) {
      for (const std::string& verb : rule.verbs) {
        auto op = operation_of.find(verb);
        if (op == operation_of.end()) continue;
        ++writes;
        EXPECT_THAT(matched, Contains(absl::StrCat(resource, " ", op->second)))
            << "the role grants " << verb << " on " << resource
            << " but the policy does not check it";
      }
    }
  }
  EXPECT_GE(writes, 2);
}

// kubectl's own kustomize builds the set offline: every document must be a resource it accepts
// (apiVersion, kind, metadata.name) with no two objects of the same identity. It checks no
// schema: `kubectl apply --dry-run=client` needs a server for that, and none is available here.
TEST_F(DeployManifests, KubectlKustomizeBuildsTheSetOffline) {
  ASSERT_EQ(::access(kKubectl, X_OK), 0) << kKubectl << " is missing: this test needs kubectl";
  char tmpl[] = "/tmp/resizelet-deploy-kustomize-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  // Removed however the test ends.
  struct RemoveDir {
    std::string path;
    ~RemoveDir() { std::filesystem::remove_all(path); }
  } remove_dir{dir};
  std::string kustomization =
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
      "resources:\n";
  for (const auto& entry : std::filesystem::directory_iterator(DeployDir())) {
    const std::string name = entry.path().filename().string();
    if (!absl::EndsWith(name, ".yaml")) continue;
    std::filesystem::copy_file(entry.path(), dir + "/" + name);
    absl::StrAppend(&kustomization, "  - ", name, "\n");
  }
  {
    std::FILE* f = std::fopen((dir + "/kustomization.yaml").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(kustomization.c_str(), f);
    std::fclose(f);
  }
  std::filesystem::create_directory(dir + "/out");
  absl::StatusOr<harness::Outcome> run = harness::RunProgram({.argv = {kKubectl, "kustomize", dir},
                                                              .env = harness::Environment(),
                                                              .work_dir = dir + "/out",
                                                              .timeout = std::chrono::seconds(60)});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->err;
  for (const char* kind :
       {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap",
        "DaemonSet", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}) {
    EXPECT_THAT(run->out, HasSubstr(absl::StrCat("\nkind: ", kind, "\n"))) << kind;
  }
}

}  // namespace
}  // namespace resizelet::deploy
