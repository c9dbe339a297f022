// Holds proto/runtime/v1/api.proto to the CRI wire format: the expected bytes below were worked
// out by hand from the field numbers and wire types in docs/cri-wire.md (tag = number << 3 | type;
// varints little-endian base 128; negative int64 as ten-byte two's complement), so a wrong field
// number or type in our proto cannot slip through.
#include <string>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "proto/runtime/v1/api.grpc.pb.h"
#include "proto/runtime/v1/api.pb.h"

namespace resizelet::cri {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Serialize(const google::protobuf::MessageLite& m) {
  std::string out;
  // Deterministic: map entries in key order.
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  EXPECT_TRUE(m.SerializeToCodedStream(&coded));
  coded.Trim();
  return out;
}

TEST(CriWireTest, LinuxContainerResourcesFieldsAndTypes) {
  ::runtime::v1::LinuxContainerResources r;
  r.set_cpu_period(100000);
  r.set_cpu_quota(50000);
  r.set_cpu_shares(512);
  r.set_memory_limit_in_bytes(268435456);
  r.set_oom_score_adj(-997);
  (*r.mutable_unified())["memory.oom.group"] = "1";
  const std::string want =
      Bytes({0x08, 0xa0, 0x8d, 0x06,                    // 1 cpu_period varint 100000
             0x10, 0xd0, 0x86, 0x03,                    // 2 cpu_quota varint 50000
             0x18, 0x80, 0x04,                          // 3 cpu_shares varint 512
             0x20, 0x80, 0x80, 0x80, 0x80, 0x01,        // 4 memory_limit_in_bytes 2^28
             0x28, 0x9b, 0xf8, 0xff, 0xff, 0xff, 0xff,  // 5 oom_score_adj -997 (int64,
             0xff, 0xff, 0xff, 0x01,                    //   ten-byte varint)
             0x4a, 0x15,                                // 9 unified map entry, 21 bytes
             0x0a, 0x10}) +
      "memory.oom.group" + Bytes({0x12, 0x01}) + "1";
  EXPECT_EQ(Serialize(r), want);
}

TEST(CriWireTest, UpdateContainerResourcesRequest) {
  ::runtime::v1::UpdateContainerResourcesRequest req;
  req.set_container_id("abc");
  req.mutable_linux()->set_cpu_quota(-1);  // -1 removes the limit (facts.md §8)
  const std::string want =
      Bytes({0x0a, 0x03, 'a', 'b', 'c',  // 1 container_id
             0x12, 0x0b,                 // 2 linux, 11 bytes
             0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});  // 2 cpu_quota -1
  EXPECT_EQ(Serialize(req), want);
}

TEST(CriWireTest, ContainerStatusResourcesIsFieldSixteen) {
  // Field 16 needs a two-byte tag: (16 << 3 | 2) = 130 = 0x82 0x01.
  const std::string wire = Bytes({0x0a, 0x02, 'i', 'd',  // 1 id
                                  0x18, 0x01,            // 3 state CONTAINER_RUNNING
                                  0x82, 0x01, 0x05,      // 16 resources, 5 bytes
                                  0x0a, 0x03,            //   1 linux, 3 bytes
                                  0x18, 0x80, 0x08});    //     3 cpu_shares 1024
  ::runtime::v1::ContainerStatus status;
  ASSERT_TRUE(status.ParseFromString(wire));
  EXPECT_EQ(status.id(), "id");
  EXPECT_EQ(status.state(), ::runtime::v1::CONTAINER_RUNNING);
  EXPECT_EQ(status.resources().linux().cpu_shares(), 1024);
}

TEST(CriWireTest, PodSandboxResourcesAndCgroupParent) {
  ::runtime::v1::UpdatePodSandboxResourcesRequest req;
  req.set_pod_sandbox_id("s");
  req.mutable_resources()->set_memory_limit_in_bytes(1073741824);
  EXPECT_EQ(Serialize(req), Bytes({0x0a, 0x01, 's',                        // 1 pod_sandbox_id
                                   0x1a, 0x06,                             // 3 resources, 6 bytes
                                   0x20, 0x80, 0x80, 0x80, 0x80, 0x04}));  // 4 memory 2^30

  ::runtime::v1::PodSandboxConfig config;
  config.mutable_linux()->set_cgroup_parent("/k");
  EXPECT_EQ(Serialize(config), Bytes({0x42, 0x04,               // 8 linux, 4 bytes
                                      0x0a, 0x02, '/', 'k'}));  // 1 cgroup_parent
}

TEST(CriWireTest, VersionResponseAndRuntimeConfig) {
  const std::string wire = Bytes({0x0a, 0x05, '0', '.', '1',  '.',  '0',  // 1 version
                                  0x12, 0x0a, 'c', 'o', 'n',  't',  'a', 'i',
                                  'n',  'e',  'r', 'd', 0x1a, 0x01, '1',  // 3 runtime_version
                                  0x22, 0x02, 'v', '1'});                 // 4 runtime_api_version
  ::runtime::v1::VersionResponse version;
  ASSERT_TRUE(version.ParseFromString(wire));
  EXPECT_EQ(version.version(), "0.1.0");
  EXPECT_EQ(version.runtime_name(), "containerd");
  EXPECT_EQ(version.runtime_version(), "1");
  EXPECT_EQ(version.runtime_api_version(), "v1");

  ::runtime::v1::RuntimeConfigResponse config;
  ASSERT_TRUE(config.ParseFromString(Bytes({0x0a, 0x02, 0x08, 0x01})));
  EXPECT_EQ(config.linux().cgroup_driver(), ::runtime::v1::CGROUPFS);
}

TEST(CriWireTest, ServiceAndMethodPaths) {
  // gRPC method paths are "/runtime.v1.RuntimeService/<Method>".
  EXPECT_STREQ(::runtime::v1::RuntimeService::service_full_name(), "runtime.v1.RuntimeService");
  const auto* service =
      ::runtime::v1::VersionRequest::descriptor()->file()->FindServiceByName("RuntimeService");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->full_name(), "runtime.v1.RuntimeService");
  for (const char* method :
       {"Version", "Status", "RuntimeConfig", "ListContainers", "ContainerStatus", "ListPodSandbox",
        "PodSandboxStatus", "UpdateContainerResources", "UpdatePodSandboxResources",
        "RunPodSandbox", "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer",
        "StopPodSandbox", "RemovePodSandbox"}) {
    EXPECT_NE(service->FindMethodByName(method), nullptr) << method;
  }
}

}  // namespace
}  // namespace resizelet::cri
