// A node in memory for reconcile tests: pods, a fake runtime and cgroup driver (both logging
// into one ordered trace), an in-memory allocation store, a simulated clock, a work queue, a
// recording status sink, and a Reconciler built on them (rebuilt to simulate a restart).
#ifndef RESIZELET_TESTS_RECONCILE_RECONCILE_FIXTURE_H_
#define RESIZELET_TESTS_RECONCILE_RECONCILE_FIXTURE_H_

#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/reconcile/reconciler.h"
#include "agent/resize/container_resources.h"
#include "agent/resize/pod_cgroup_config.h"
#include "agent/resize/qos.h"
#include "agent/runtime/clock.h"
#include "agent/runtime/work_queue.h"
#include "agent/state/in_memory_allocation_store.h"
#include "cgroups/fake_cgroup_driver.h"
#include "gtest/gtest.h"
#include "tests/cri/fake_runtime_client.h"
#include "tests/resize/test_pods.h"

namespace resizelet::reconcile::testing {

using resize::testing::Container;
using resize::testing::MakePod;
using resize::testing::Q;
using resize::testing::Res;

// When set (>= 0), every write to the node (cgroup, runtime, checkpoint, status) is also written
// to this file descriptor as one line, unbuffered: what a forked child did before it was killed.
inline int tap_fd = -1;
inline void Tap(const std::string& entry) {
  if (tap_fd < 0) return;
  const std::string line = entry + "\n";
  (void)!write(tap_fd, line.data(), line.size());
}

class FakePodLister : public PodLister {
 public:
  void Put(const api::Pod& pod) { pods_[pod.uid] = pod; }
  void Erase(const std::string& uid) { pods_.erase(uid); }
  std::optional<api::Pod> Get(const std::string& uid) const override {
    auto it = pods_.find(uid);
    if (it == pods_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<api::Pod> List() const override {
    std::vector<api::Pod> out;
    for (const auto& [uid, pod] : pods_) out.push_back(pod);
    return out;
  }

 private:
  std::map<std::string, api::Pod> pods_;
};

struct RecordedPatch {
  std::string uid;
  kube::ResizeConditions conditions;
};
struct RecordedEvent {
  std::string type;
  std::string reason;
  std::string message;
};

class RecordingSink : public ResizeStatusSink {
 public:
  absl::Status PatchConditions(const kube::PodRef& pod, const kube::ResizeConditions& conditions,
                               const std::vector<api::PodCondition>&) override {
    Tap("patch");
    patches.push_back({pod.uid, conditions});
    return absl::OkStatus();
  }
  absl::Status PatchLegacyResize(const kube::PodRef&, std::string_view value) override {
    legacy.push_back(std::string(value));
    return absl::OkStatus();
  }
  absl::Status RecordEvent(const kube::PodRef&, std::string_view type, std::string_view reason,
                           std::string_view message) override {
    events.push_back({std::string(type), std::string(reason), std::string(message)});
    return absl::OkStatus();
  }
  std::vector<std::string> EventReasons() const {
    std::vector<std::string> out;
    for (const RecordedEvent& e : events) out.push_back(e.reason);
    return out;
  }

  std::vector<RecordedPatch> patches;
  std::vector<std::string> legacy;
  std::vector<RecordedEvent> events;
};

class FakeStopper : public ContainerStopper {
 public:
  absl::Status StopContainer(std::string_view id, absl::Duration) override {
    stopped.push_back(std::string(id));
    return absl::OkStatus();
  }
  std::vector<std::string> stopped;
};

// Forwards to the fakes and appends each write to `trace`, so that the order across the cgroup
// driver and the runtime is visible.
class TracingDriver : public cgroups::CgroupDriver {
 public:
  TracingDriver(cgroups::FakeCgroupDriver* fake, std::vector<std::string>* trace)
      : fake_(fake), trace_(trace) {}
  absl::StatusOr<cgroups::CgroupState> Read(const std::string& path) override {
    return fake_->Read(path);
  }
  absl::Status Apply(const std::string& path, const cgroups::CgroupValues& v,
                     const cgroups::ApplyTarget& target) override {
    std::string entry = "pod";
    if (v.memory_max_bytes) absl::StrAppend(&entry, " memory.max=", *v.memory_max_bytes);
    if (v.cpu_max) absl::StrAppend(&entry, " cpu.max=", v.cpu_max->quota_usec);
    if (v.cpu_shares) absl::StrAppend(&entry, " cpu.shares=", *v.cpu_shares);
    trace_->push_back(entry);
    Tap(entry);
    return fake_->Apply(path, v, target);
  }

 private:
  cgroups::FakeCgroupDriver* fake_;
  std::vector<std::string>* trace_;
};

class TracingRuntime : public cri::testing::FakeRuntimeClient {
 public:
  explicit TracingRuntime(std::vector<std::string>* trace) : trace_(trace) {}
  absl::StatusOr<cri::UpdateOutcome> UpdateContainerResources(
      std::string_view id, const cri::LinuxResources& t) override {
    absl::StatusOr<cri::UpdateOutcome> out = FakeRuntimeClient::UpdateContainerResources(id, t);
    if (out.ok() && *out == cri::UpdateOutcome::kApplied) {
      std::string entry = absl::StrCat("update ", std::string(id));
      if (t.memory_limit_in_bytes) absl::StrAppend(&entry, " memory=", t.memory_limit_in_bytes);
      if (t.cpu_shares) absl::StrAppend(&entry, " shares=", t.cpu_shares);
      if (t.cpu_quota) absl::StrAppend(&entry, " quota=", t.cpu_quota);
      trace_->push_back(entry);
      Tap(entry);
    }
    return out;
  }

 private:
  std::vector<std::string>* trace_;
};

// The in-memory store, tapping each recorded half with its generation.
class TappingStore : public state::AllocationStore {
 public:
  explicit TappingStore(state::AllocationStore* store) : store_(store) {}
  std::optional<state::PodAllocation> Get(std::string_view uid) const override {
    return store_->Get(uid);
  }
  std::vector<state::PodAllocation> List() const override { return store_->List(); }
  absl::Status SetAllocated(std::string_view uid, const state::AllocatedResources& a) override {
    absl::Status s = store_->SetAllocated(uid, a);
    Tap(absl::StrCat("allocated gen=", a.generation));
    return s;
  }
  absl::Status SetActuated(std::string_view uid, const state::ActuatedResources& a) override {
    absl::Status s = store_->SetActuated(uid, a);
    Tap(absl::StrCat("actuated gen=", a.generation));
    return s;
  }
  absl::Status Remove(std::string_view uid) override { return store_->Remove(uid); }

 private:
  state::AllocationStore* store_;
};

inline resize::ContainerResourceOptions ContainerOptions() {
  resize::ContainerResourceOptions o;
  o.cgroup_v2 = false;
  return o;
}

inline std::string PodPath(const api::Pod& pod) {
  const char* tier = pod.qos_class == api::QosClass::kGuaranteed   ? ""
                     : pod.qos_class == api::QosClass::kBestEffort ? "besteffort/"
                                                                   : "burstable/";
  return absl::StrCat("/kubepods/", tier, "pod", pod.uid);
}

class NodeFixture {
 public:
  explicit NodeFixture(Mode mode = Mode::kActuate) : mode_(mode) {
    runtime_client.set_sandbox_update_supported(false);
    node.allocatable.cpu = Q("4");
    node.allocatable.memory = Q("8Gi");
    Restart();
  }

  // A fresh reconciler and reporter over the same node state: what a restart of the daemon
  // keeps (checkpoint, runtime, cgroups, API objects) and loses (everything in memory).
  void Restart() {
    reconciler.reset();
    reporter.reset();
    queue = std::make_unique<runtime::WorkQueue>(&clock);
    ReporterOptions reporter_options;
    reporter_options.observer = observer;
    reporter = std::make_unique<Reporter>(&sink, &clock, reporter_options);
    ReconcilerOptions options;
    options.mode = mode_;
    options.actuator.read_back.container = ContainerOptions();
    ReconcilerDeps deps;
    deps.pods = &pods;
    deps.store = &tapping_store;
    deps.driver = &driver;
    deps.runtime = &runtime_client;
    deps.stopper = &stopper;
    deps.reporter = reporter.get();
    deps.clock = &clock;
    deps.queue = queue.get();
    deps.observer = observer;
    reconciler = std::make_unique<Reconciler>(deps, options);
    reconciler->SetNode(node);
  }

  // Creates the pod as the kubelet would have: its cgroup with ResourceConfigForPod's values
  // and one running container per spec container, with the resources the kubelet gave it.
  api::Pod& AddRunningPod(api::Pod pod, uint64_t memory_usage = 0) {
    pod.qos_class = resize::ComputeQos(pod);
    pod.generation = pod.generation == 0 ? 1 : pod.generation;
    const resize::PodCgroupConfig config = resize::ResourceConfigForPod(pod);
    cgroups::CgroupState state;
    if (config.cpu_shares) state.cpu_shares = static_cast<uint64_t>(*config.cpu_shares);
    cgroups::CpuMax max;
    max.quota_usec =
        config.cpu_quota && *config.cpu_quota > 0 ? *config.cpu_quota : cgroups::kUnlimited;
    state.cpu_max = max;
    state.memory_max_bytes = config.memory_limit_bytes && *config.memory_limit_bytes > 0
                                 ? *config.memory_limit_bytes
                                 : cgroups::kUnlimited;
    state.memory_current_bytes = memory_usage;
    fake_driver.Set(PodPath(pod), state);
    const std::string sandbox = absl::StrCat("sb-", pod.name);
    runtime_client.AddSandbox(sandbox, pod.uid);
    for (const api::ContainerSpec& c : pod.containers) {
      absl::StatusOr<resize::LinuxContainerResources> r =
          resize::ContainerResources(pod, c.name, ContainerOptions());
      EXPECT_TRUE(r.ok()) << r.status();
      cri::testing::FakeRuntimeClient::Container fc;
      fc.id = ContainerId(pod, c.name);
      fc.pod_sandbox_id = sandbox;
      fc.pod_uid = pod.uid;
      fc.name = c.name;
      fc.resources.cpu_period = r->cpu_period;
      fc.resources.cpu_quota = r->cpu_quota;
      fc.resources.cpu_shares = r->cpu_shares;
      fc.resources.memory_limit_in_bytes = r->memory_limit_in_bytes;
      runtime_client.AddContainer(fc);
      cgroups::CgroupState cs;
      cs.memory_current_bytes = memory_usage;
      fake_driver.Set(absl::StrCat(PodPath(pod), "/", fc.id), cs);
      api::ContainerStatus status;
      status.name = c.name;
      status.container_id = absl::StrCat("containerd://", fc.id);
      status.state = api::ContainerStateKind::kRunning;
      pod.container_statuses.push_back(status);
    }
    pods.Put(pod);
    stored_[pod.uid] = pod;
    return stored_[pod.uid];
  }

  static std::string ContainerId(const api::Pod& pod, const std::string& name) {
    return absl::StrCat(pod.name, "-", name);
  }

  // The user's resize: a new spec and generation.
  api::Pod Resize(const std::string& uid, const std::vector<Res>& resources) {
    api::Pod pod = *pods.Get(uid);
    for (size_t i = 0; i < resources.size() && i < pod.containers.size(); ++i) {
      pod.containers[i].resources = resize::testing::Requirements(resources[i]);
    }
    ++pod.generation;
    pods.Put(pod);
    return pod;
  }

  void Drain() {
    while (queue->Len() > 0) reconciler->ProcessNext();
  }

  int Updates() { return runtime_client.Count("UpdateContainerResources"); }

  runtime::SimulatedClock clock;
  FakePodLister pods;
  state::InMemoryAllocationStore store;
  TappingStore tapping_store{&store};
  std::vector<std::string> trace;
  cgroups::FakeCgroupDriver fake_driver;
  TracingDriver driver{&fake_driver, &trace};
  TracingRuntime runtime_client{&trace};
  FakeStopper stopper;
  RecordingSink sink;
  api::Node node;
  std::unique_ptr<runtime::WorkQueue> queue;
  std::unique_ptr<Reporter> reporter;
  std::unique_ptr<Reconciler> reconciler;
  ResizeObserver* observer = nullptr;  // set, then Restart(), to observe

 private:
  Mode mode_;
  std::map<std::string, api::Pod> stored_;
};

}  // namespace resizelet::reconcile::testing

#endif  // RESIZELET_TESTS_RECONCILE_RECONCILE_FIXTURE_H_
