#include "agent/api/decode.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace resizelet::api {
namespace {

using ::resizelet::testing::IsOk;
using ::resizelet::testing::StatusIs;
using ::testing::HasSubstr;

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(RESIZELET_API_TESTDATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing testdata " << name;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

Quantity Q(std::string_view text) { return *Quantity::Parse(text); }

TEST(DecodePodTest, ResizeInProgressPod) {
  absl::StatusOr<Pod> pod = DecodePod(ReadTestdata("pod_resize_in_progress.json"));
  ASSERT_THAT(pod, IsOk());
  // metadata
  EXPECT_EQ(pod->name, "web-7d9f8c6b5-x2kqp");
  EXPECT_EQ(pod->namespace_name, "shop");
  EXPECT_EQ(pod->Key(), "shop/web-7d9f8c6b5-x2kqp");
  EXPECT_EQ(pod->uid, "6f1e3a2b-8c4d-4e5f-9a0b-1c2d3e4f5a6b");
  EXPECT_EQ(pod->resource_version, "184467");
  EXPECT_EQ(pod->generation, 3);
  EXPECT_FALSE(pod->deleting);
  EXPECT_EQ(pod->config_source, "");
  EXPECT_FALSE(pod->mirror);
  EXPECT_FALSE(pod->IsStatic());

  // spec
  EXPECT_EQ(pod->node_name, "node-a");
  EXPECT_EQ(pod->priority, 1000);
  EXPECT_EQ(pod->priority_class_name, "shop-high");
  ASSERT_EQ(pod->containers.size(), 2u);
  const ContainerSpec& app = pod->containers[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.resources.requests.cpu, Q("500m"));
  EXPECT_EQ(app.resources.requests.cpu->String(), "500m");
  EXPECT_EQ(app.resources.requests.memory, Q("512Mi"));
  EXPECT_EQ(app.resources.limits.cpu, Q("1500m"));
  EXPECT_EQ(app.resources.limits.memory, Q("1Gi"));
  ASSERT_EQ(app.resources.limits.hugepages.size(), 1u);
  EXPECT_EQ(app.resources.limits.hugepages[0].page_size, "2Mi");
  EXPECT_EQ(app.resources.limits.hugepages[0].quantity, Q("64Mi"));
  EXPECT_EQ(app.resources.limits.other_names, 1);    // ephemeral-storage
  EXPECT_EQ(app.resources.requests.other_names, 2);  // ephemeral-storage, example.com/gpu
  EXPECT_EQ(app.cpu_resize_policy, ResizeRestartPolicy::kNotRequired);
  EXPECT_EQ(app.memory_resize_policy, ResizeRestartPolicy::kRestartContainer);
  EXPECT_FALSE(app.sidecar);
  const ContainerSpec& metrics = pod->containers[1];
  EXPECT_EQ(metrics.name, "metrics");
  EXPECT_EQ(metrics.resources.requests.cpu, Q("100m"));
  EXPECT_FALSE(metrics.resources.limits.cpu.has_value());
  EXPECT_TRUE(metrics.resources.limits.empty());
  ASSERT_EQ(pod->init_containers.size(), 2u);
  EXPECT_EQ(pod->init_containers[0].name, "setup");
  EXPECT_FALSE(pod->init_containers[0].sidecar);
  EXPECT_EQ(pod->init_containers[0].resources.limits.memory, Q("128Mi"));
  EXPECT_EQ(pod->init_containers[1].name, "proxy");
  EXPECT_TRUE(pod->init_containers[1].sidecar);
  ASSERT_TRUE(pod->resources.has_value());
  EXPECT_EQ(pod->resources->requests.cpu, Q("2"));
  EXPECT_EQ(pod->resources->limits.memory, Q("4Gi"));
  EXPECT_EQ(pod->overhead.cpu, Q("10m"));
  EXPECT_EQ(pod->overhead.memory, Q("32Mi"));

  // status
  EXPECT_EQ(pod->qos_class, QosClass::kBurstable);
  EXPECT_EQ(pod->phase, PodPhase::kRunning);
  EXPECT_EQ(pod->resize, "InProgress");
  ASSERT_TRUE(pod->status_allocated_resources.has_value());
  EXPECT_EQ(pod->status_allocated_resources->cpu, Q("2"));
  ASSERT_TRUE(pod->status_resources.has_value());
  EXPECT_EQ(pod->status_resources->limits.cpu, Q("4"));
  ASSERT_EQ(pod->container_statuses.size(), 2u);
  const ContainerStatus& s0 = pod->container_statuses[0];
  EXPECT_EQ(s0.name, "app");
  EXPECT_EQ(s0.container_id,
            "containerd://5b0e8d7c6a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d");
  EXPECT_EQ(s0.state, ContainerStateKind::kRunning);
  EXPECT_EQ(s0.state_reason, "");  // lastState's OOMKilled is not the current state
  EXPECT_EQ(s0.restart_count, 1);
  ASSERT_TRUE(s0.allocated_resources.has_value());
  EXPECT_EQ(s0.allocated_resources->cpu, Q("500m"));
  ASSERT_EQ(s0.allocated_resources->hugepages.size(), 1u);
  ASSERT_TRUE(s0.resources.has_value());
  EXPECT_EQ(s0.resources->limits.cpu, Q("1"));
  EXPECT_EQ(s0.resources->requests.memory, Q("512Mi"));
  const ContainerStatus& s1 = pod->container_statuses[1];
  EXPECT_FALSE(s1.allocated_resources.has_value());
  EXPECT_FALSE(s1.resources.has_value());
  ASSERT_EQ(pod->init_container_statuses.size(), 2u);
  EXPECT_EQ(pod->init_container_statuses[0].state, ContainerStateKind::kTerminated);
  EXPECT_EQ(pod->init_container_statuses[0].state_reason, "Completed");
  EXPECT_EQ(pod->init_container_statuses[1].restart_count, 2);
  EXPECT_EQ(pod->init_container_statuses[1].allocated_resources->memory, Q("96Mi"));
  // Initialized and Ready are not kept (objects.h: resize conditions only).
  ASSERT_EQ(pod->resize_conditions.size(), 1u);
  const PodCondition& in_progress = pod->resize_conditions[0];
  EXPECT_EQ(in_progress.type, "PodResizeInProgress");
  EXPECT_EQ(in_progress.status, "True");
  EXPECT_EQ(in_progress.reason, "");
  EXPECT_EQ(in_progress.message, "");
  EXPECT_EQ(in_progress.observed_generation, 3);
  EXPECT_EQ(in_progress.last_transition_time, "2026-11-20T09:20:41Z");
}

TEST(DecodePodTest, StaticMirrorPodBeingDeleted) {
  absl::StatusOr<Pod> pod = DecodePod(ReadTestdata("pod_static_mirror_deleting.json"));
  ASSERT_THAT(pod, IsOk());
  EXPECT_TRUE(pod->deleting);
  EXPECT_TRUE(pod->mirror);
  EXPECT_EQ(pod->config_source, "file");
  EXPECT_TRUE(pod->IsStatic());
  EXPECT_EQ(pod->priority, 2000001000);
  EXPECT_EQ(pod->qos_class, QosClass::kBestEffort);
  EXPECT_EQ(pod->phase, PodPhase::kPending);
  EXPECT_FALSE(pod->resources.has_value());
  ASSERT_EQ(pod->containers.size(), 1u);
  EXPECT_TRUE(pod->containers[0].resources.empty());
  ASSERT_EQ(pod->container_statuses.size(), 1u);
  EXPECT_EQ(pod->container_statuses[0].state, ContainerStateKind::kWaiting);
  EXPECT_EQ(pod->container_statuses[0].state_reason, "CrashLoopBackOff");
  EXPECT_EQ(pod->container_statuses[0].restart_count, 7);
  EXPECT_TRUE(pod->resize_conditions.empty());  // its one condition is Ready
}

// Only PodResizePending and PodResizeInProgress are kept, in the order sent, whatever the
// position of `type` among the keys; a repeated `type` counts by its last value, as a repeated
// key does everywhere else.
TEST(DecodePodTest, KeepsTheResizeConditionsOnly) {
  absl::StatusOr<Pod> pod = DecodePod(R"({"status":{"conditions":[
      {"type":"PodScheduled","status":"True","lastTransitionTime":"2026-11-20T09:14:00Z"},
      {"status":"True","reason":"Deferred","message":"Node didn't have enough resource: cpu",
       "lastTransitionTime":"2026-11-20T09:20:41Z","observedGeneration":4,
       "type":"PodResizePending"},
      {"type":"Ready","observedGeneration":"not read"},
      {"type":"PodResizeInProgress","status":"True","lastTransitionTime":null},
      {"type":"PodResizePending","type":"Initialized","status":[]},
      {"type":"Ready","type":"PodResizeInProgress","status":"False"}]}})");
  ASSERT_THAT(pod, IsOk());
  ASSERT_EQ(pod->resize_conditions.size(), 3u);
  const PodCondition& pending = pod->resize_conditions[0];
  EXPECT_EQ(pending.type, "PodResizePending");
  EXPECT_EQ(pending.status, "True");
  EXPECT_EQ(pending.reason, "Deferred");
  EXPECT_EQ(pending.message, "Node didn't have enough resource: cpu");
  EXPECT_EQ(pending.observed_generation, 4);
  EXPECT_EQ(pending.last_transition_time, "2026-11-20T09:20:41Z");
  EXPECT_EQ(pod->resize_conditions[1].type, "PodResizeInProgress");
  EXPECT_EQ(pod->resize_conditions[1].last_transition_time, "");
  EXPECT_FALSE(pod->resize_conditions[1].observed_generation.has_value());
  EXPECT_EQ(pod->resize_conditions[2].type, "PodResizeInProgress");
  EXPECT_EQ(pod->resize_conditions[2].status, "False");
}

TEST(DecodePodTest, NullsAreAbsentFields) {
  absl::StatusOr<Pod> pod = DecodePod(
      R"({"metadata":{"name":null,"deletionTimestamp":null,"annotations":null},
          "spec":{"containers":[{"name":"c","resources":null,"resizePolicy":null}],
                  "resources":null,"overhead":null},
          "status":{"resources":null,"allocatedResources":null,"containerStatuses":[
                    {"name":"c","allocatedResources":null,"resources":null,"state":null}]}})");
  ASSERT_THAT(pod, IsOk());
  EXPECT_FALSE(pod->deleting);
  EXPECT_FALSE(pod->resources.has_value());
  EXPECT_FALSE(pod->status_resources.has_value());
  EXPECT_FALSE(pod->status_allocated_resources.has_value());
  EXPECT_FALSE(pod->container_statuses[0].allocated_resources.has_value());
  EXPECT_EQ(pod->container_statuses[0].state, ContainerStateKind::kUnknown);
}

TEST(DecodePodTest, EmptyObjectsAreExplicitlyEmpty) {
  absl::StatusOr<Pod> pod =
      DecodePod(R"({"spec":{"resources":{}},"status":{"allocatedResources":{}}})");
  ASSERT_THAT(pod, IsOk());
  ASSERT_TRUE(pod->resources.has_value());
  EXPECT_TRUE(pod->resources->empty());
  ASSERT_TRUE(pod->status_allocated_resources.has_value());
  EXPECT_TRUE(pod->status_allocated_resources->empty());
}

TEST(DecodePodTest, QuantityAsBareIntegerIsAccepted) {
  // apimachinery Quantity.UnmarshalJSON accepts unquoted numbers.
  absl::StatusOr<Pod> pod =
      DecodePod(R"({"spec":{"containers":[{"resources":{"requests":{"cpu":2,"memory":0}}}]}})");
  ASSERT_THAT(pod, IsOk());
  EXPECT_EQ(pod->containers[0].resources.requests.cpu, Q("2"));
  EXPECT_TRUE(pod->containers[0].resources.requests.memory->IsZero());
}

TEST(DecodePodTest, UnknownFieldsAndEnumValuesAreSkipped) {
  absl::StatusOr<Pod> pod = DecodePod(
      R"({"future":{"deep":[[[{"x":1e300}]]]},"status":{"qosClass":"Platinum","phase":"Dreaming"},
          "spec":{"containers":[{"name":"c","newField":[1,2,3]}]}})");
  ASSERT_THAT(pod, IsOk());
  EXPECT_EQ(pod->qos_class, QosClass::kUnset);
  EXPECT_EQ(pod->phase, PodPhase::kUnknown);
  EXPECT_EQ(pod->containers[0].name, "c");
}

TEST(DecodePodTest, SidecarOnlyForInitContainers) {
  absl::StatusOr<Pod> pod = DecodePod(
      R"({"spec":{"containers":[{"name":"a","restartPolicy":"Always"}],
                  "initContainers":[{"name":"b","restartPolicy":"Always"},{"name":"c","restartPolicy":"Never"}]}})");
  ASSERT_THAT(pod, IsOk());
  EXPECT_FALSE(pod->containers[0].sidecar);
  EXPECT_TRUE(pod->init_containers[0].sidecar);
  EXPECT_FALSE(pod->init_containers[1].sidecar);
}

struct ErrorCase {
  std::string name;
  std::string json;
  std::string message;  // exact, or a substring when `substring`
  bool substring = false;
};

class DecodePodErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DecodePodErrorTest, IsInvalidArgumentNamingThePath) {
  const ErrorCase& c = GetParam();
  absl::StatusOr<Pod> pod = DecodePod(c.json);
  if (c.substring) {
    EXPECT_THAT(pod, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  } else {
    EXPECT_THAT(pod, StatusIs(absl::StatusCode::kInvalidArgument, c.message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, DecodePodErrorTest,
    ::testing::Values(
        ErrorCase{
            "BadQuantity",
            R"({"spec":{"containers":[{"name":"a"},{"name":"b","resources":{"limits":{"memory":"12Qi"}}}]}})",
            R"(spec.containers[1].resources.limits.memory: invalid quantity "12Qi")"},
        ErrorCase{
            "NegativeRequest",
            R"({"spec":{"containers":[{"resources":{"requests":{"cpu":"-100m"}}}]}})",
            R"(spec.containers[0].resources.requests.cpu: negative quantity "-100m" is not allowed)"},
        ErrorCase{
            "NegativeLimitGoReadsAsPositive",
            R"({"spec":{"initContainers":[{"resources":{"limits":{"memory":"-9.5Gi"}}}]}})",
            R"(spec.initContainers[0].resources.limits.memory: negative quantity "-9728Mi" is not allowed)"},
        ErrorCase{"NegativeHiddenInExponent", R"({"spec":{"overhead":{"cpu":"-1E30"}}})",
                  R"(spec.overhead.cpu: invalid quantity "-1E30": out of range)"},
        ErrorCase{"OutOfRange", R"({"spec":{"resources":{"limits":{"memory":"100E"}}}})",
                  R"(spec.resources.limits.memory: invalid quantity "100E": out of range)"},
        ErrorCase{"HugePages",
                  R"({"spec":{"containers":[{"resources":{"limits":{"hugepages-2Mi":"2x"}}}]}})",
                  R"(spec.containers[0].resources.limits.hugepages-2Mi: invalid quantity "2x")"},
        ErrorCase{"OtherResourceStillValidated",
                  R"({"spec":{"containers":[{"resources":{"limits":{"example.com/gpu":"one"}}}]}})",
                  R"(spec.containers[0].resources.limits.example.com/gpu: invalid quantity "one")"},
        ErrorCase{
            "FloatQuantity", R"({"spec":{"containers":[{"resources":{"limits":{"cpu":1.5}}}]}})",
            R"(spec.containers[0].resources.limits.cpu: expected a quantity string, got a number)"},
        ErrorCase{
            "HugeIntegerQuantity",
            R"({"spec":{"containers":[{"resources":{"limits":{"cpu":18446744073709551615}}}]}})",
            R"(spec.containers[0].resources.limits.cpu: quantity out of range)"},
        ErrorCase{"BoolQuantity", R"({"spec":{"overhead":{"memory":true}}})",
                  R"(spec.overhead.memory: expected a quantity string, got a boolean)"},
        ErrorCase{
            "StatusAllocated",
            R"({"status":{"containerStatuses":[{"allocatedResources":{"memory":"1Zi"}}]}})",
            R"(status.containerStatuses[0].allocatedResources.memory: invalid quantity "1Zi")"},
        ErrorCase{
            "StatusResources",
            R"({"status":{"initContainerStatuses":[{},{"resources":{"requests":{"cpu":"-1"}}}]}})",
            R"(status.initContainerStatuses[1].resources.requests.cpu: negative quantity "-1" is not allowed)"},
        ErrorCase{"PodLevelStatus", R"({"status":{"allocatedResources":{"cpu":"x"}}})",
                  R"(status.allocatedResources.cpu: invalid quantity "x")"},
        ErrorCase{"NameNotString", R"({"metadata":{"name":5}})",
                  "metadata.name: expected a string, got a number"},
        ErrorCase{"ContainersNotArray", R"({"spec":{"containers":{"name":"a"}}})",
                  "spec.containers: expected an array, got an object"},
        ErrorCase{"ContainerNotObject", R"({"spec":{"containers":["a"]}})",
                  "spec.containers[0]: expected an object, got a string"},
        ErrorCase{"ResourcesNotObject", R"({"spec":{"containers":[{"resources":[]}]}})",
                  "spec.containers[0].resources: expected an object, got an array"},
        ErrorCase{"GenerationString", R"({"metadata":{"generation":"3"}})",
                  "metadata.generation: expected an integer, got a string"},
        ErrorCase{"GenerationFloat", R"({"metadata":{"generation":1.5}})",
                  "metadata.generation: expected an integer, got a number"},
        ErrorCase{"GenerationTooBig", R"({"metadata":{"generation":9223372036854775808}})",
                  "metadata.generation: integer out of range"},
        ErrorCase{"PriorityTooBig", R"({"spec":{"priority":3000000000}})",
                  "spec.priority: integer out of range"},
        ErrorCase{"RestartCountTooBig",
                  R"({"status":{"containerStatuses":[{"restartCount":-2147483649}]}})",
                  "status.containerStatuses[0].restartCount: integer out of range"},
        ErrorCase{"ObservedGeneration",
                  R"({"status":{"conditions":[{"type":"Ready"},)"
                  R"({"observedGeneration":"x","type":"PodResizePending"}]}})",
                  "status.conditions[1].observedGeneration: expected an integer, got a string"},
        ErrorCase{"ConditionNotObject", R"({"status":{"conditions":[{"type":"Ready"},7]}})",
                  "status.conditions[1]: expected an object, got a number"},
        ErrorCase{"ConditionTypeNotString", R"({"status":{"conditions":[{"type":["Ready"]}]}})",
                  "status.conditions[0].type: expected a string, got an array"},
        ErrorCase{
            "ResizePolicy",
            R"({"spec":{"containers":[{"resizePolicy":[{"resourceName":"cpu","restartPolicy":"Sometimes"}]}]}})",
            R"(spec.containers[0].resizePolicy[0].restartPolicy: unknown resize restart policy "Sometimes")"},
        ErrorCase{
            "Annotation", R"({"metadata":{"annotations":{"kubernetes.io/config.source":1}}})",
            "metadata.annotations.kubernetes.io/config.source: expected a string, got a number"},
        ErrorCase{
            "StateReason",
            R"({"status":{"containerStatuses":[{"state":{"waiting":{"reason":[]}}}]}})",
            "status.containerStatuses[0].state.waiting.reason: expected a string, got an array"},
        ErrorCase{"NodeInfoHostileKeyEscaped", "{\"spec\":{\"overhead\":{\"a\\u0001\":\"-1\"}}}",
                  R"(spec.overhead.a\x01: negative quantity "-1" is not allowed)"},
        ErrorCase{"RootNotObject", "[]", "<root>: expected an object, got an array"},
        ErrorCase{"RootNull", "null", "<root>: expected an object, got null"},
        ErrorCase{"Truncated", R"({"metadata":)", "malformed JSON", true},
        ErrorCase{"Empty", "", "malformed JSON", true},
        ErrorCase{"TrailingGarbage", R"({} x)", "malformed JSON", true},
        ErrorCase{"BrokenInSkippedField", R"({"managedFields":[1,,2]})", "malformed JSON", true},
        ErrorCase{"BadEscapeInSkippedField", R"({"x":"\q"})", "malformed JSON", true},
        ErrorCase{"InvalidUtf8", "{\"x\":\"\xff\xfe\"}", "malformed JSON", true},
        ErrorCase{"TooDeep", std::string(65, '[') + std::string(65, ']'), "nested deeper than 64",
                  true},
        ErrorCase{"FarTooDeep",
                  "{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}",
                  "nested deeper than 64", true}),
    [](const ::testing::TestParamInfo<ErrorCase>& param_info) { return param_info.param.name; });

TEST(DecodeLimitsTest, DepthAtTheLimitIsAccepted) {
  // The root object is level 1; 63 arrays inside it make 64 levels.
  std::string json = "{\"x\":" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_THAT(DecodePod(json), IsOk());
  json = "{\"x\":" + std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_THAT(DecodePod(json),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
}

TEST(DecodeLimitsTest, DocumentSizeIsCapped) {
  std::string json = "{\"x\":\"" + std::string(kMaxDocumentBytes, 'a') + "\"}";
  EXPECT_THAT(DecodePod(json), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("exceeds the limit of 8388608 bytes")));
  // Just under the cap decodes, and the parser is still usable afterwards.
  json = "{\"x\":\"" + std::string(kMaxDocumentBytes - 8, 'a') + "\"}";
  EXPECT_THAT(DecodePod(json), IsOk());
  EXPECT_THAT(DecodePod(R"({"metadata":{"name":"n"}})"), IsOk());
}

TEST(DecodeLimitsTest, ListsMayBeLargerThanOnePod) {
  // A node's PodList above the single-object cap still decodes; the list cap holds.
  const std::string pod = ReadTestdata("pod_resize_in_progress.json");
  std::string json = R"({"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[)";
  int count = 0;
  while (json.size() <= kMaxDocumentBytes) {
    if (count++ > 0) json += ",";
    json += pod;
  }
  json += "]}";
  absl::StatusOr<PodList> list = DecodePodList(json);
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(list->items.size(), static_cast<size_t>(count));
  EXPECT_EQ(list->items.back().name, "web-7d9f8c6b5-x2kqp");
  // The parser shrinks after a large document and still enforces the depth cap.
  EXPECT_THAT(DecodePod(std::string(65, '[') + std::string(65, ']')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
  EXPECT_THAT(DecodePod(pod), IsOk());

  std::string too_big = "{\"items\":[],\"x\":\"" + std::string(kMaxListDocumentBytes, 'a') + "\"}";
  EXPECT_THAT(DecodePodList(too_big),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("exceeds the limit of ", kMaxListDocumentBytes))));
}

TEST(DecodeNodeTest, RealNode) {
  absl::StatusOr<Node> node = DecodeNode(ReadTestdata("node.json"));
  ASSERT_THAT(node, IsOk());
  EXPECT_EQ(node->name, "node-a");
  EXPECT_EQ(node->resource_version, "77120");
  EXPECT_EQ(node->kubelet_version, "v1.32.4");
  EXPECT_EQ(node->allocatable.cpu, Q("3800m"));
  EXPECT_EQ(node->allocatable.memory->Value(), 7901572 * 1024LL);
  EXPECT_EQ(node->allocatable.other_names, 2);  // ephemeral-storage, pods
  ASSERT_EQ(node->allocatable.hugepages.size(), 2u);
  EXPECT_EQ(node->allocatable.hugepages[0].page_size, "1Gi");
  EXPECT_TRUE(node->allocatable.hugepages[0].quantity.IsZero());
  EXPECT_EQ(node->allocatable.hugepages[1].quantity, Q("128Mi"));
  EXPECT_EQ(node->capacity.cpu, Q("4"));
  EXPECT_EQ(node->capacity.memory, Q("8163716Ki"));
}

TEST(DecodeNodeTest, ErrorsNameThePath) {
  EXPECT_THAT(DecodeNode(R"({"status":{"allocatable":{"cpu":"abc"}}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       R"(status.allocatable.cpu: invalid quantity "abc")"));
  EXPECT_THAT(DecodeNode(R"({"status":{"nodeInfo":{"kubeletVersion":1}}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "status.nodeInfo.kubeletVersion: expected a string, got a number"));
  EXPECT_THAT(DecodeNode("1"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeNode("{"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DecodePodListTest, RealList) {
  absl::StatusOr<PodList> list = DecodePodList(ReadTestdata("podlist.json"));
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(list->resource_version, "184470");
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].name, "a");
  EXPECT_EQ(list->items[0].qos_class, QosClass::kBurstable);
  EXPECT_EQ(list->items[1].uid, "uid-b");
  EXPECT_EQ(list->items[1].phase, PodPhase::kSucceeded);
  EXPECT_EQ(list->items[1].containers[0].resources.limits.memory, Q("1Gi"));
}

TEST(DecodePodListTest, AcceptsListKindAndEmptyItems) {
  absl::StatusOr<PodList> list =
      DecodePodList(R"({"kind":"List","metadata":{"resourceVersion":"5"},"items":null})");
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(list->resource_version, "5");
  EXPECT_TRUE(list->items.empty());
}

TEST(DecodePodListTest, ErrorsNameThePath) {
  EXPECT_THAT(
      DecodePodList(
          R"({"items":[{},{"spec":{"containers":[{"resources":{"requests":{"memory":"1.5.5"}}}]}}]})"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          R"(items[1].spec.containers[0].resources.requests.memory: invalid quantity "1.5.5")"));
  EXPECT_THAT(
      DecodePodList(R"({"items":[null]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "items[0]: expected an object, got null"));
  EXPECT_THAT(DecodePodList(R"({"kind":"NodeList","items":[]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       R"(kind: expected PodList or List, got "NodeList")"));
  EXPECT_THAT(
      DecodePodList(R"({"items":{}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "items: expected an array, got an object"));
}

}  // namespace
}  // namespace resizelet::api
