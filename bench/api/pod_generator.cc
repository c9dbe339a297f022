#include "bench/api/pod_generator.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace resizelet::bench {
namespace {

std::string Hex(uint64_t x, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    out.push_back(kHex[(x >> 59) & 15]);
  }
  return out;
}

std::string Uid(uint64_t seed) {
  return absl::StrCat(Hex(seed, 8), "-", Hex(seed + 1, 4), "-4", Hex(seed + 2, 3), "-8",
                      Hex(seed + 3, 3), "-", Hex(seed + 4, 12));
}

void AppendContainer(std::string& out, const PodShape& shape, int seed, int i, bool init) {
  const std::string name = init ? absl::StrCat("init-", i) : absl::StrCat("app-", i);
  absl::StrAppend(&out, "{\"args\":[\"--port=", 8080 + i, "\",\"--log-level=info\"],\"env\":[");
  for (int e = 0; e < shape.env_per_container; ++e) {
    if (e > 0) out += ",";
    if (e % 3 == 2) {
      absl::StrAppend(&out, "{\"name\":\"POD_FIELD_", e,
                      "\",\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
                      "\"metadata.namespace\"}}}");
    } else {
      absl::StrAppend(&out, "{\"name\":\"SETTING_", e, "\",\"value\":\"value-",
                      Hex(seed * 31 + e, 12), "\"}");
    }
  }
  absl::StrAppend(&out, "],\"image\":\"registry.example.com/team/", name, ":1.", seed % 10, ".", i,
                  "\",\"imagePullPolicy\":\"IfNotPresent\",");
  if (!init) {
    absl::StrAppend(
        &out,
        "\"livenessProbe\":{\"failureThreshold\":3,\"httpGet\":{\"path\":\"/healthz\",\"port\":",
        8080 + i,
        ",\"scheme\":\"HTTP\"},\"initialDelaySeconds\":10,\"periodSeconds\":10,"
        "\"successThreshold\":1,\"timeoutSeconds\":1},"
        "\"readinessProbe\":{\"failureThreshold\":3,\"httpGet\":{\"path\":\"/ready\",\"port\":",
        8080 + i,
        ",\"scheme\":\"HTTP\"},\"periodSeconds\":5,\"successThreshold\":1,\"timeoutSeconds\":1},"
        "\"ports\":[{\"containerPort\":",
        8080 + i, ",\"name\":\"http\",\"protocol\":\"TCP\"},{\"containerPort\":", 9090 + i,
        ",\"name\":\"metrics\",\"protocol\":\"TCP\"}],"
        "\"resizePolicy\":[{\"resourceName\":\"cpu\",\"restartPolicy\":\"NotRequired\"},"
        "{\"resourceName\":\"memory\",\"restartPolicy\":\"RestartContainer\"}],");
  }
  absl::StrAppend(&out, "\"name\":\"", name, "\",");
  if (init && i == 0) out += "\"restartPolicy\":\"Always\",";
  absl::StrAppend(&out, "\"resources\":{\"limits\":{\"cpu\":\"", 500 + 100 * i, "m\",\"memory\":\"",
                  256 * (i + 1), "Mi\"},\"requests\":{\"cpu\":\"", 100 + 50 * i,
                  "m\",\"ephemeral-storage\":\"1Gi\",\"memory\":\"", 128 * (i + 1),
                  "Mi\"}},\"securityContext\":{\"allowPrivilegeEscalation\":false,"
                  "\"capabilities\":{\"drop\":[\"ALL\"]},\"readOnlyRootFilesystem\":true,"
                  "\"runAsNonRoot\":true},\"terminationMessagePath\":\"/dev/termination-log\","
                  "\"terminationMessagePolicy\":\"File\",\"volumeMounts\":[");
  for (int v = 0; v < shape.volumes; ++v) {
    if (v > 0) out += ",";
    absl::StrAppend(&out, "{\"mountPath\":\"/etc/config/vol-", v, "\",\"name\":\"vol-", v,
                    "\",\"readOnly\":true}");
  }
  if (shape.volumes > 0) out += ",";
  absl::StrAppend(&out,
                  "{\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\",\"name\":"
                  "\"kube-api-access-",
                  Hex(seed, 5), "\",\"readOnly\":true}]}");
}

void AppendContainerStatus(std::string& out, int seed, int i, bool init) {
  const std::string name = init ? absl::StrCat("init-", i) : absl::StrCat("app-", i);
  absl::StrAppend(&out, "{\"allocatedResources\":{\"cpu\":\"", 100 + 50 * i, "m\",\"memory\":\"",
                  128 * (i + 1), "Mi\"},\"containerID\":\"containerd://", Hex(seed * 7 + i, 64),
                  "\",\"image\":\"registry.example.com/team/", name, ":1.", seed % 10, ".", i,
                  "\",\"imageID\":\"registry.example.com/team/", name,
                  "@sha256:", Hex(seed * 11 + i, 64), "\",\"lastState\":{},\"name\":\"", name,
                  "\",\"ready\":true,\"resources\":{\"limits\":{\"cpu\":\"", 500 + 100 * i,
                  "m\",\"memory\":\"", 256 * (i + 1), "Mi\"},\"requests\":{\"cpu\":\"",
                  100 + 50 * i, "m\",\"memory\":\"", 128 * (i + 1),
                  "Mi\"}},\"restartCount\":", i % 3,
                  ",\"started\":true,\"state\":{\"running\":{\"startedAt\":"
                  "\"2026-11-20T09:14:0",
                  i % 10,
                  "Z\"}},\"volumeMounts\":[{\"mountPath\":"
                  "\"/var/run/secrets/kubernetes.io/serviceaccount\",\"name\":\"kube-api-access\","
                  "\"readOnly\":true,\"recursiveReadOnly\":\"Disabled\"}]}");
}

void AppendManagedFields(std::string& out, const PodShape& shape) {
  out +=
      "[{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{"
      "\"f:generateName\":{},\"f:labels\":{\".\":{},\"f:app\":{},\"f:pod-template-hash\":{}},"
      "\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\"x\\\"}\":{}}},\"f:spec\":{"
      "\"f:containers\":{";
  for (int i = 0; i < shape.containers; ++i) {
    if (i > 0) out += ",";
    absl::StrAppend(
        &out, "\"k:{\\\"name\\\":\\\"app-", i,
        "\\\"}\":{\".\":{},\"f:env\":{\".\":{}},\"f:image\":{},\"f:imagePullPolicy\":{},"
        "\"f:livenessProbe\":{\".\":{},\"f:httpGet\":{\".\":{},\"f:path\":{},"
        "\"f:port\":{}}},\"f:name\":{},\"f:ports\":{\".\":{}},\"f:resources\":{\".\":"
        "{},\"f:limits\":{\".\":{},\"f:cpu\":{},\"f:memory\":{}},\"f:requests\":{"
        "\".\":{},\"f:cpu\":{},\"f:memory\":{}}}}");
  }
  out +=
      "}}},\"manager\":\"kube-controller-manager\",\"operation\":\"Update\",\"time\":"
      "\"2026-11-20T09:14:03Z\"},{\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
      "\"fieldsV1\":{\"f:status\":{\"f:conditions\":{\"k:{\\\"type\\\":\\\"Ready\\\"}\":{"
      "\".\":{},\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\""
      ":{}}},\"f:containerStatuses\":{},\"f:hostIP\":{},\"f:phase\":{},\"f:podIP\":{},"
      "\"f:startTime\":{}}},\"manager\":\"kubelet\",\"operation\":\"Update\",\"subresource\":"
      "\"status\",\"time\":\"2026-11-20T09:14:09Z\"}]";
}

}  // namespace

std::string GeneratePodJson(const PodShape& shape, int seed) {
  const int init_containers = shape.init_containers;
  std::string out;
  out.reserve(4096 + 6000 * static_cast<size_t>(shape.containers));
  absl::StrAppend(&out,
                  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{"
                  "\"kubectl.kubernetes.io/restartedAt\":\"2026-11-19T12:00:00Z\","
                  "\"prometheus.io/scrape\":\"true\"},\"creationTimestamp\":"
                  "\"2026-11-20T09:14:03Z\",\"generateName\":\"web-",
                  Hex(seed, 9), "-\",\"generation\":", 1 + seed % 5,
                  ",\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"", Hex(seed, 9),
                  "\",\"team\":\"shop\",\"tier\":\"frontend\"},\"managedFields\":");
  AppendManagedFields(out, shape);
  absl::StrAppend(&out, ",\"name\":\"web-", Hex(seed, 9), "-", Hex(seed + 5, 5),
                  "\",\"namespace\":\"shop\",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
                  "\"blockOwnerDeletion\":true,\"controller\":true,\"kind\":\"ReplicaSet\","
                  "\"name\":\"web-",
                  Hex(seed, 9), "\",\"uid\":\"", Uid(seed + 100), "\"}],\"resourceVersion\":\"",
                  184467 + seed, "\",\"uid\":\"", Uid(seed), "\"},\"spec\":{\"containers\":[");
  for (int i = 0; i < shape.containers; ++i) {
    if (i > 0) out += ",";
    AppendContainer(out, shape, seed, i, false);
  }
  out += "],\"dnsPolicy\":\"ClusterFirst\",\"enableServiceLinks\":true,\"initContainers\":[";
  for (int i = 0; i < init_containers; ++i) {
    if (i > 0) out += ",";
    AppendContainer(out, shape, seed, i, true);
  }
  absl::StrAppend(&out,
                  "],\"nodeName\":\"node-a\",\"preemptionPolicy\":\"PreemptLowerPriority\","
                  "\"priority\":0,\"restartPolicy\":\"Always\",\"schedulerName\":"
                  "\"default-scheduler\",\"securityContext\":{\"fsGroup\":2000},"
                  "\"serviceAccount\":\"default\",\"serviceAccountName\":\"default\","
                  "\"terminationGracePeriodSeconds\":30,\"tolerations\":[{\"effect\":\"NoExecute\","
                  "\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
                  "\"tolerationSeconds\":300},{\"effect\":\"NoExecute\",\"key\":"
                  "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
                  "\"tolerationSeconds\":300}],\"volumes\":[");
  for (int v = 0; v < shape.volumes; ++v) {
    absl::StrAppend(&out, "{\"configMap\":{\"defaultMode\":420,\"name\":\"config-", v,
                    "\"},\"name\":\"vol-", v, "\"},");
  }
  absl::StrAppend(&out, "{\"name\":\"kube-api-access-", Hex(seed, 5),
                  "\",\"projected\":{\"defaultMode\":420,\"sources\":[{\"serviceAccountToken\":{"
                  "\"expirationSeconds\":3607,\"path\":\"token\"}},{\"configMap\":{\"items\":[{"
                  "\"key\":\"ca.crt\",\"path\":\"ca.crt\"}],\"name\":\"kube-root-ca.crt\"}},{"
                  "\"downwardAPI\":{\"items\":[{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
                  "\"metadata.namespace\"},\"path\":\"namespace\"}]}}]}}]},\"status\":{"
                  "\"conditions\":[");
  static constexpr const char* kConditions[] = {"PodReadyToStartContainers", "Initialized", "Ready",
                                                "ContainersReady", "PodScheduled"};
  for (int c = 0; c < 5; ++c) {
    if (c > 0) out += ",";
    absl::StrAppend(&out, "{\"lastProbeTime\":null,\"lastTransitionTime\":\"2026-11-20T09:14:0", c,
                    "Z\",\"observedGeneration\":", 1 + seed % 5, ",\"status\":\"True\",\"type\":\"",
                    kConditions[c], "\"}");
  }
  out += "],\"containerStatuses\":[";
  for (int i = 0; i < shape.containers; ++i) {
    if (i > 0) out += ",";
    AppendContainerStatus(out, seed, i, false);
  }
  absl::StrAppend(&out,
                  "],\"hostIP\":\"10.0.0.11\",\"hostIPs\":[{\"ip\":\"10.0.0.11\"}],"
                  "\"initContainerStatuses\":[");
  for (int i = 0; i < init_containers; ++i) {
    if (i > 0) out += ",";
    AppendContainerStatus(out, seed, i, true);
  }
  absl::StrAppend(&out, "],\"phase\":\"Running\",\"podIP\":\"10.244.1.", seed % 250,
                  "\",\"podIPs\":[{\"ip\":\"10.244.1.", seed % 250,
                  "\"}],\"qosClass\":\"Burstable\",\"startTime\":\"2026-11-20T09:14:03Z\"}}");
  return out;
}

std::string GeneratePodJsonOfSize(size_t approx_bytes, int seed) {
  // Grow containers first (as real pods grow), then env, until the size is reached.
  std::string json;
  for (int containers = 1; containers <= 64; ++containers) {
    for (int env = 0; env <= 3 + 4 * containers; ++env) {
      const int init = containers == 1 ? 0 : containers == 2 ? 1 : 2;
      json = GeneratePodJson(PodShape{containers, env, containers / 2, init}, seed);
      if (json.size() >= approx_bytes) return json;
    }
  }
  return json;
}

}  // namespace resizelet::bench
