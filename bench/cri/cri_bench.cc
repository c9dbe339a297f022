// Cost of a resize through the CRI client.
//
// BM_ClientOverheadOnFakeRuntime: the client's own cost (deadline, call slot, metrics hook,
//   struct conversion) as a ratio to a bare gRPC round trip of the same call to an in-process fake
//   runtime. Bare and client calls alternate within one run so machine noise hits both alike.
// BM_UpdateOnContainerd: UpdateContainerResources latency on a private real containerd + runc
//   (cgroup v1 here): median and p99 over the iterations, the client's call (ContainerStatus
//   read + update) next to a bare update RPC. Needs root, containerd, runc (host lane).
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "cri/grpc_runtime_client.h"
#include "cri/proto_convert.h"
#include "tests/cri/fake_runtime.h"
#include "tests/harness/pod_runner.h"
#include "tests/harness/real_runtime.h"

namespace resizelet::cri {
namespace {

namespace v1 = ::runtime::v1;

LinuxResources Res(int64_t quota, int64_t shares, int64_t memory) {
  LinuxResources r;
  r.cpu_period = 100000;
  r.cpu_quota = quota;
  r.cpu_shares = shares;
  r.memory_limit_in_bytes = memory;
  return r;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

template <typename F>
double TimeUs(F&& f) {
  const absl::Time start = absl::Now();
  f();
  return absl::ToDoubleMicroseconds(absl::Now() - start);
}

testing::FakeContainer FakeContainerNamed(std::string id) {
  testing::FakeContainer c;
  c.sandbox_id = id + "-sandbox";
  c.name = id + "-app";
  c.id = std::move(id);
  c.resources = Res(50000, 512, 64 << 20);
  return c;
}

std::unique_ptr<v1::RuntimeService::Stub> BareStub(const std::string& endpoint) {
  return v1::RuntimeService::NewStub(
      grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
}

void BM_ClientOverheadOnFakeRuntime(benchmark::State& state) {
  char dir[] = "/tmp/resizelet-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    state.SkipWithError("mkdtemp");
    return;
  }
  testing::FakeRuntime fake;
  if (!fake.Start(std::string(dir) + "/cri.sock").ok()) {
    state.SkipWithError("fake runtime did not start");
    return;
  }
  fake.AddContainer(FakeContainerNamed(std::string("c1")));
  GrpcRuntimeClientOptions options;
  options.endpoint = fake.endpoint();
  auto client = *GrpcRuntimeClient::Create(options);
  auto stub = BareStub(fake.endpoint());

  v1::ContainerStatusRequest status_request;
  status_request.set_container_id("c1");
  std::vector<double> bare_status, client_status, bare_update, client_update;
  int64_t i = 0;
  for (auto _ : state) {
    bare_status.push_back(TimeUs([&] {
      grpc::ClientContext ctx;
      v1::ContainerStatusResponse response;
      benchmark::DoNotOptimize(stub->ContainerStatus(&ctx, status_request, &response));
    }));
    client_status.push_back(
        TimeUs([&] { benchmark::DoNotOptimize(client->ContainerStatus("c1", false)); }));
    // Alternating targets, so every client update really sends one.
    const LinuxResources target = Res(50000 + (i % 2) * 10000, 512, 64 << 20);
    ++i;
    v1::UpdateContainerResourcesRequest update;
    update.set_container_id("c1");
    ToProto(Res(50000 + (i % 2) * 10000, 512, 64 << 20), update.mutable_linux());
    bare_update.push_back(TimeUs([&] {
      grpc::ClientContext ctx;
      v1::UpdateContainerResourcesResponse response;
      benchmark::DoNotOptimize(stub->UpdateContainerResources(&ctx, update, &response));
    }));
    client_update.push_back(
        TimeUs([&] { benchmark::DoNotOptimize(client->UpdateContainerResources("c1", target)); }));
  }
  const double bs = Percentile(bare_status, 0.5), cs = Percentile(client_status, 0.5);
  const double bu = Percentile(bare_update, 0.5), cu = Percentile(client_update, 0.5);
  state.counters["bare_status_us"] = bs;
  state.counters["client_status_us"] = cs;
  state.counters["status_ratio"] = cs / bs;
  state.counters["bare_update_us"] = bu;
  state.counters["client_update_us"] = cu;
  // The client's update is a ContainerStatus read plus the update: ≈ 2 round trips by design.
  state.counters["update_ratio"] = cu / bu;
  fake.Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_ClientOverheadOnFakeRuntime)->Iterations(2000)->Unit(benchmark::kMicrosecond);

void BM_UpdateOnContainerd(benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<harness::RealRuntime>> rt = harness::RealRuntime::Start();
  if (!rt.ok()) {
    state.SkipWithError(std::string(rt.status().message()).c_str());
    return;
  }
  absl::StatusOr<harness::RunningPod> pod = (*rt)->pods().RunPod(harness::PodSpec{});
  harness::ContainerSpec spec;
  spec.resources = Res(50000, 512, 64 << 20);
  absl::StatusOr<std::string> id =
      pod.ok() ? (*rt)->pods().StartContainer(&*pod, spec) : pod.status();
  if (!id.ok()) {
    state.SkipWithError(std::string(id.status().message()).c_str());
    (void)(*rt)->Teardown();
    return;
  }
  GrpcRuntimeClientOptions options;
  options.endpoint = (*rt)->endpoint();
  auto client = *GrpcRuntimeClient::Create(options);
  auto stub = BareStub((*rt)->endpoint());
  std::vector<double> client_ms, bare_ms;
  int64_t i = 0;
  bool failed = false;
  for (auto _ : state) {
    const LinuxResources target = Res(60000 + (i % 2) * 10000, 600 + (i % 2) * 100, 64 << 20);
    ++i;
    absl::StatusOr<UpdateOutcome> r;
    client_ms.push_back(TimeUs([&] { r = client->UpdateContainerResources(*id, target); }) /
                        1000.0);
    failed |= !r.ok() || *r != UpdateOutcome::kApplied;
    v1::UpdateContainerResourcesRequest update;
    update.set_container_id(*id);
    // A third value, so the client's next target always differs from what is applied.
    ToProto(Res(90000, 900, 64 << 20), update.mutable_linux());
    grpc::Status s;
    bare_ms.push_back(TimeUs([&] {
                        grpc::ClientContext ctx;
                        v1::UpdateContainerResourcesResponse response;
                        s = stub->UpdateContainerResources(&ctx, update, &response);
                      }) /
                      1000.0);
    failed |= !s.ok();
  }
  state.counters["client_p50_ms"] = Percentile(client_ms, 0.5);
  state.counters["client_p99_ms"] = Percentile(client_ms, 0.99);
  state.counters["bare_p50_ms"] = Percentile(bare_ms, 0.5);
  state.counters["bare_p99_ms"] = Percentile(bare_ms, 0.99);
  client.reset();
  const absl::Status teardown = (*rt)->Teardown();
  if (failed) {
    state.SkipWithError("an update failed");
  }
  if (!teardown.ok()) {
    state.SkipWithError(std::string(teardown.message()).c_str());
  }
}
BENCHMARK(BM_UpdateOnContainerd)->Iterations(250)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace resizelet::cri

BENCHMARK_MAIN();
