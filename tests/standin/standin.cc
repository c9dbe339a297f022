#include "tests/standin/standin.h"

#include <algorithm>
#include <fstream>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/kube/patch_bodies.h"
#include "agent/resize/admission.h"
#include "agent/resize/container_resources.h"
#include "agent/resize/node_usage.h"
#include "agent/resize/plan.h"
#include "agent/resize/pod_cgroup_config.h"
#include "agent/resize/pod_resources.h"
#include "agent/resize/qos.h"
#include "cri/grpc_runtime_client.h"

namespace resizelet::standin {
namespace {

using nlohmann::json;

constexpr absl::Duration kMaxBackoff = absl::Minutes(5);
constexpr absl::Duration kRequestTimeout = absl::Seconds(10);
// Back-off of a pod whose sync failed: 200 ms doubling to 10 s.
constexpr absl::Duration kFirstRetry = absl::Milliseconds(200);
constexpr absl::Duration kMaxRetry = absl::Seconds(10);

int64_t MachineMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") {
      return kib * 1024;
    }
  }
  return 0;
}

harness::QosTier TierOf(api::QosClass qos) {
  switch (qos) {
    case api::QosClass::kGuaranteed:
      return harness::QosTier::kGuaranteed;
    case api::QosClass::kBurstable:
      return harness::QosTier::kBurstable;
    default:
      return harness::QosTier::kBestEffort;
  }
}

bool SameValue(const std::optional<kube::ConditionValue>& a,
               const std::optional<kube::ConditionValue>& b) {
  if (a.has_value() != b.has_value()) {
    return false;
  }
  return !a || (a->reason == b->reason && a->message == b->message);
}

absl::Duration NextBackoff(absl::Duration current, absl::Duration first) {
  return current == absl::ZeroDuration() ? first : std::min(current * 2, kMaxBackoff);
}

const api::ContainerSpec* FindContainer(const api::Pod& pod, const std::string& name) {
  for (const api::ContainerSpec& c : pod.containers) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

std::string PodPath(const api::Pod& pod) {
  return absl::StrCat("/api/v1/namespaces/", pod.namespace_name, "/pods/", pod.name);
}

}  // namespace

absl::StatusOr<KubeletVersion> ParseKubeletVersion(const std::string& text) {
  std::string_view v = text;
  if (!v.empty() && v.front() == 'v') {
    v.remove_prefix(1);
  }
  for (auto [prefix, version] :
       {std::pair{"1.30", KubeletVersion::k130}, std::pair{"1.32", KubeletVersion::k132},
        std::pair{"1.33", KubeletVersion::k133}}) {
    std::string_view p = prefix;
    if (v == p || (v.size() > p.size() && v.substr(0, p.size()) == p && v[p.size()] == '.')) {
      return version;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported kubelet version \"", text, "\": want 1.30, 1.32 or 1.33"));
}

std::string KubeletGitVersion(KubeletVersion version) {
  switch (version) {
    case KubeletVersion::k130:
      return "v1.30.0";
    case KubeletVersion::k132:
      return "v1.32.0";
    case KubeletVersion::k133:
      return "v1.33.0";
  }
  return "";
}

Standin::Standin(kube::KubeClient* client, StandinOptions options)
    : client_(client),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : runtime::RealClock::Default()),
      status_writer_(client, clock_, kRequestTimeout) {}

absl::StatusOr<std::unique_ptr<Standin>> Standin::Create(kube::KubeClient* client,
                                                         StandinOptions options) {
  if (options.node_name.empty() || options.runtime_endpoint.empty() || options.image.empty() ||
      options.log_root.empty()) {
    return absl::InvalidArgumentError("node name, runtime endpoint, image and log root are needed");
  }
  std::unique_ptr<Standin> s(new Standin(client, std::move(options)));
  const StandinOptions& o = s->options_;
  s->node_.name = o.node_name;
  s->node_.kubelet_version = KubeletGitVersion(o.version);
  s->node_.capacity_cpu_milli =
      o.capacity_cpu_milli > 0 ? o.capacity_cpu_milli
                               : int64_t{std::max(1u, std::thread::hardware_concurrency())} * 1000;
  s->node_.capacity_memory_bytes =
      o.capacity_memory_bytes > 0 ? o.capacity_memory_bytes : MachineMemoryBytes();
  s->node_.allocatable_cpu_milli =
      o.allocatable_cpu_milli > 0 ? o.allocatable_cpu_milli : s->node_.capacity_cpu_milli;
  s->node_.allocatable_memory_bytes =
      o.allocatable_memory_bytes > 0 ? o.allocatable_memory_bytes : s->node_.capacity_memory_bytes;

  cri::GrpcRuntimeClientOptions runtime_options;
  runtime_options.endpoint = o.runtime_endpoint;
  runtime_options.call_timeout = absl::Seconds(30);
  absl::StatusOr<std::unique_ptr<cri::GrpcRuntimeClient>> runtime =
      cri::GrpcRuntimeClient::Create(runtime_options);
  if (!runtime.ok()) {
    return runtime.status();
  }
  s->runtime_ = *std::move(runtime);
  absl::StatusOr<cri::RuntimeVersion> version = s->runtime_->Version();
  if (!version.ok()) {
    return absl::UnavailableError(
        absl::StrCat("runtime at ", o.runtime_endpoint, ": ", version.status().message()));
  }
  absl::StatusOr<std::unique_ptr<cgroups::CgroupfsDriver>> driver =
      cgroups::CgroupfsDriver::Create(cgroups::CgroupfsOptions{});
  if (!driver.ok()) {
    return driver.status();
  }
  s->cgroups_ = *std::move(driver);
  s->cgroup_v2_ = s->cgroups_->layout().mode == cgroups::HierarchyMode::kUnified;
  s->runner_ = std::make_unique<harness::PodRunner>(o.runtime_endpoint, o.log_root, o.image);
  if (absl::Status st = s->RegisterNode(); !st.ok()) {
    return st;
  }
  return s;
}

Standin::~Standin() {
  Stop();
  source_.reset();
  std::vector<std::string> uids;
  for (const auto& [uid, state] : pods_) {
    uids.push_back(uid);
  }
  for (const std::string& uid : uids) {
    (void)TearDown(uid);
  }
  runner_.reset();
}

absl::Status Standin::RegisterNode() {
  // The kubelet's registerWithAPIServer: create, and when the Node exists already, update its
  // status (capacity, allocatable, nodeInfo) instead.
  kube::HttpRequest create;
  create.method = "POST";
  create.path = "/api/v1/nodes";
  create.content_type = "application/json";
  create.body = NodeObject(node_).dump();
  create.timeout = kRequestTimeout;
  absl::StatusOr<kube::HttpResponse> created = client_->Do(create);
  if (!created.ok()) {
    return created.status();
  }
  if (created->code / 100 == 2) {
    return absl::OkStatus();
  }
  if (created->code != 409) {
    return kube::StatusFromResponse(*created);
  }
  kube::HttpRequest patch;
  patch.method = "PATCH";
  patch.path = absl::StrCat("/api/v1/nodes/", node_.name, "/status");
  patch.content_type = "application/merge-patch+json";
  patch.body = NodeStatusPatch(node_).dump();
  patch.timeout = kRequestTimeout;
  absl::StatusOr<kube::HttpResponse> patched = client_->Do(patch);
  if (!patched.ok()) {
    return patched.status();
  }
  return patched->code / 100 == 2 ? absl::OkStatus() : kube::StatusFromResponse(*patched);
}

void Standin::Start() {
  // The list+watch runs on the real clock: its back-off must really wait even when the
  // stand-in's own timers are driven by a test's clock.
  source_ =
      std::make_unique<kube::PodSource>(client_, runtime::RealClock::Default(), options_.node_name,
                                        &cache_, [this](const kube::PodChange&) {
                                          std::lock_guard<std::mutex> lock(mu_);
                                          changed_ = true;
                                          wake_.notify_all();
                                        });
  source_->Start();
  next_resync_ = clock_->Now() + options_.status_sync_period;
  thread_ = std::thread([this] { Run(); });
}

void Standin::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
  if (source_ != nullptr) {
    source_->Stop();
  }
}

absl::Status Standin::last_error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return last_error_;
}

void Standin::Run() {
  while (!stop_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, absl::ToChronoMilliseconds(options_.relist_period),
                     [this] { return changed_ || stop_.load(); });
      changed_ = false;
    }
    if (stop_) {
      break;
    }
    bool resync = false;
    if (clock_->Now() >= next_resync_) {
      resync = true;
      next_resync_ = clock_->Now() + options_.status_sync_period;
    }
    SyncAll(resync);
  }
}

void Standin::SyncAll(bool status_resync) {
  if (source_ == nullptr || !source_->synced()) {
    return;
  }
  absl::Status first;
  std::vector<api::Pod> pods = cache_.Snapshot();
  std::vector<std::string> seen;
  const absl::Time now = absl::Now();
  for (const api::Pod& pod : pods) {
    seen.push_back(pod.uid);
    auto retry = retries_.find(pod.uid);
    if (retry != retries_.end() && now < retry->second.after && !pod.deleting) {
      continue;
    }
    absl::Status s = SyncPod(pod, status_resync);
    if (s.ok()) {
      retries_.erase(pod.uid);
      continue;
    }
    Retry& r = retries_[pod.uid];
    r.delay = std::min(NextBackoff(r.delay, kFirstRetry), kMaxRetry);
    r.after = now + r.delay;
    first.Update(s);
  }
  std::erase_if(retries_, [&](const auto& entry) {
    return std::find(seen.begin(), seen.end(), entry.first) == seen.end();
  });
  // A pod deleted from the API without a graceful deletion (or while we were away): tear down.
  std::vector<std::string> gone;
  for (const auto& [uid, state] : pods_) {
    if (std::find(seen.begin(), seen.end(), uid) == seen.end()) {
      gone.push_back(uid);
    }
  }
  for (const std::string& uid : gone) {
    first.Update(TearDown(uid));
  }
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    last_error_ = first;
  }
  ++passes_;
}

absl::Status Standin::SyncPod(const api::Pod& pod, bool status_resync) {
  if (pod.deleting) {
    // The kubelet's killPod, then the status manager's final delete with grace period 0.
    absl::Status s = TearDown(pod.uid);
    if (!s.ok()) {
      return s;
    }
    return DeleteObject(pod);
  }
  if (pod.phase == api::PodPhase::kSucceeded || pod.phase == api::PodPhase::kFailed) {
    return absl::OkStatus();
  }
  if (!pods_.contains(pod.uid)) {
    if (absl::Status s = StartPod(pod); !s.ok()) {
      return s;
    }
  }
  PodState& state = pods_.at(pod.uid);
  absl::Status result = RefreshContainers(pod, state);
  if (options_.version == KubeletVersion::k130) {
    result.Update(RecreateOnResourceChange(pod, state));
  } else if (options_.version == KubeletVersion::k133) {
    result.Update(Resize(pod, state));
  }
  result.Update(ReportStatus(pod, state, status_resync));
  return result;
}

absl::Status Standin::StartPod(const api::Pod& pod) {
  harness::PodSpec spec;
  spec.name = pod.name;
  spec.pod_namespace = pod.namespace_name;
  spec.uid = pod.uid;
  spec.tier = TierOf(resize::GetPodQos(pod));
  // The kubelet creates the pod cgroup before RunPodSandbox; here the sandbox comes first so
  // that the harness records which /kubepods parents it creates (and removes them again), and the
  // pod cgroup's values are written before any application container starts.
  absl::StatusOr<harness::RunningPod> running = runner_->RunPod(spec);
  if (!running.ok()) {
    return running.status();
  }
  PodState& state = pods_[pod.uid];
  state.allocated = pod;
  state.running = *std::move(running);
  state.start_time = Now();
  if (absl::Status s = ApplyPodCgroup(pod, state); !s.ok()) {
    return s;
  }
  absl::Status result;
  for (const api::ContainerSpec& c : pod.containers) {
    result.Update(StartContainer(pod, state, c.name));
  }
  return result;
}

absl::Status Standin::ApplyPodCgroup(const api::Pod& allocated, PodState& state) {
  // pod_container_manager_linux.go EnsureExists → cgroupManager.Create/Update with
  // ResourceConfigForPod of the (allocated) pod.
  const resize::PodCgroupConfig config = resize::ResourceConfigForPod(allocated);
  cgroups::CgroupValues values;
  if (config.cpu_shares) {
    values.cpu_shares = static_cast<uint64_t>(*config.cpu_shares);
  }
  if (config.cpu_quota) {
    values.cpu_max =
        cgroups::CpuMax{*config.cpu_quota > 0 ? *config.cpu_quota : cgroups::kUnlimited,
                        static_cast<uint64_t>(config.cpu_period.value_or(cgroups::kQuotaPeriodUs))};
  }
  if (config.memory_limit_bytes) {
    values.memory_max_bytes = *config.memory_limit_bytes;
  }
  return cgroups_->Apply(state.running.cgroup_parent, values, cgroups::ApplyTarget{});
}

absl::StatusOr<cri::LinuxResources> Standin::ContainerResourcesFor(const api::Pod& pod,
                                                                   const std::string& name) const {
  resize::ContainerResourceOptions options;
  options.cgroup_v2 = cgroup_v2_;
  options.node_memory_capacity_bytes = node_.capacity_memory_bytes;
  absl::StatusOr<resize::LinuxContainerResources> r =
      resize::ContainerResources(pod, name, options);
  if (!r.ok()) {
    return r.status();
  }
  cri::LinuxResources out;
  out.cpu_period = r->cpu_period;
  out.cpu_quota = r->cpu_quota;
  out.cpu_shares = r->cpu_shares;
  out.memory_limit_in_bytes = r->memory_limit_in_bytes;
  out.oom_score_adj = r->oom_score_adj.value_or(0);
  for (const auto& [file, value] : r->unified) {
    out.unified[file] = value;
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Standin::CommandOf(const api::Pod& pod,
                                                            const std::string& name) {
  // The compact pod view carries no command: read it from the object (once per container start).
  kube::HttpRequest get;
  get.path = PodPath(pod);
  get.timeout = kRequestTimeout;
  absl::StatusOr<kube::HttpResponse> response = client_->Do(get);
  if (!response.ok()) {
    return response.status();
  }
  if (response->code != 200) {
    return kube::StatusFromResponse(*response);
  }
  json doc = json::parse(response->body, nullptr, false);
  std::vector<std::string> argv;
  if (doc.is_object() && doc.contains("spec") && doc["spec"].contains("containers")) {
    for (const json& c : doc["spec"]["containers"]) {
      if (!c.is_object() || c.value("name", "") != name) {
        continue;
      }
      for (const char* field : {"command", "args"}) {
        if (c.contains(field) && c[field].is_array()) {
          for (const json& arg : c[field]) {
            if (arg.is_string()) {
              argv.push_back(arg.get<std::string>());
            }
          }
        }
      }
    }
  }
  if (argv.empty()) {
    argv = {"/bin/sleep", "3600"};  // the test image has no useful entrypoint
  }
  return argv;
}

absl::Status Standin::StartContainer(const api::Pod& pod, PodState& state,
                                     const std::string& name) {
  // A kubelet without in-place resize builds the container from the current spec; with it, from
  // the allocated pod (kuberuntime_container.go generateContainerConfig).
  const api::Pod& source = options_.version == KubeletVersion::k133 ? state.allocated : pod;
  absl::StatusOr<cri::LinuxResources> resources = ContainerResourcesFor(source, name);
  if (!resources.ok()) {
    return resources.status();
  }
  absl::StatusOr<std::vector<std::string>> command = CommandOf(pod, name);
  if (!command.ok()) {
    return command.status();
  }
  ContainerState& c = state.containers[name];
  if (!c.id.empty()) {
    // The exited instance goes first, so that the new one can take the same CRI name.
    if (absl::Status s = runner_->RemoveContainer(c.id); !s.ok()) {
      return s;
    }
    ++c.restart_count;
    c.id.clear();
  }
  harness::ContainerSpec spec;
  spec.name = name;
  spec.command = *command;
  spec.resources = *resources;
  absl::StatusOr<std::string> id = runner_->StartContainer(&state.running, spec);
  if (!id.ok()) {
    return id.status();
  }
  c.id = *id;
  c.created_with = *resources;
  c.running = true;
  c.terminated = false;
  c.started_at = Now();
  c.restart_after = absl::InfinitePast();
  ++containers_started_;
  return absl::OkStatus();
}

absl::Status Standin::RefreshContainers(const api::Pod& pod, PodState& state) {
  absl::Status result;
  for (const api::ContainerSpec& spec : pod.containers) {
    ContainerState& c = state.containers[spec.name];
    if (c.id.empty()) {
      result.Update(StartContainer(pod, state, spec.name));
      continue;
    }
    absl::StatusOr<cri::ContainerStatusInfo> status = runtime_->ContainerStatus(c.id, false);
    if (!status.ok() && !absl::IsNotFound(status.status())) {
      result.Update(status.status());
      continue;
    }
    if (status.ok() && status->state == cri::ContainerState::kRunning) {
      c.running = true;
      continue;
    }
    // Exited (or gone): RestartPolicy Always, after the crash-loop back-off.
    if (c.running || c.restart_after == absl::InfinitePast()) {
      c.running = false;
      c.terminated = true;
      c.exit_code = status.ok() ? status->exit_code : 137;
      c.reason = status.ok() ? status->reason : "ContainerStatusUnknown";
      c.backoff = NextBackoff(c.backoff, options_.restart_backoff);
      c.restart_after = clock_->Now() + c.backoff;
    }
    if (clock_->Now() >= c.restart_after) {
      result.Update(StartContainer(pod, state, spec.name));
    }
  }
  return result;
}

absl::Status Standin::RecreateOnResourceChange(const api::Pod& pod, PodState& state) {
  // Kubelets up to 1.30 hash the whole container spec: a changed resources field is a changed
  // container, killed and started again with the new values (computePodActions).
  absl::Status result;
  for (const api::ContainerSpec& spec : pod.containers) {
    ContainerState& c = state.containers[spec.name];
    if (c.id.empty() || !c.running) {
      continue;
    }
    absl::StatusOr<cri::LinuxResources> want = ContainerResourcesFor(pod, spec.name);
    if (!want.ok()) {
      result.Update(want.status());
      continue;
    }
    if (*want == c.created_with) {
      continue;
    }
    if (absl::Status s = runner_->RemoveContainer(c.id); !s.ok()) {
      result.Update(s);
      continue;
    }
    c.running = false;
    // The container is gone, so the pod cgroup may now move to the new totals in any direction
    // (on cgroup v1 a container's quota may not exceed its parent's).
    state.allocated = pod;
    result.Update(ApplyPodCgroup(pod, state));
    result.Update(StartContainer(pod, state, spec.name));
  }
  return result;
}

absl::Status Standin::Resize(const api::Pod& pod, PodState& state) {
  const absl::Time now = clock_->Now();
  if (now < state.resize_retry_after) {
    return absl::OkStatus();
  }
  if (!resize::ResizeRequested(pod, state.allocated)) {
    return WriteConditions(pod, state, kube::ResizeConditions{});
  }
  // handlePodResourcesResize: admission against node allocatable and the other pods' allocations.
  const resize::CpuMemory allocatable{node_.allocatable_cpu_milli, node_.allocatable_memory_bytes};
  resize::NodeUsage others;
  for (const auto& [uid, other] : pods_) {
    if (uid != pod.uid) {
      others.Add(resize::PodRequests(other.allocated));
    }
  }
  const resize::AdmissionDecision decision =
      resize::Admit(pod, state.allocated, allocatable, others, resize::NodeResizeSettings{});
  if (decision.outcome != resize::AdmissionOutcome::kAccepted) {
    kube::ResizeConditions pending;
    pending.pending =
        kube::ConditionValue{resize::AdmissionOutcomeName(decision.outcome), decision.message};
    return WriteConditions(pod, state, pending);
  }
  kube::ResizeConditions in_progress;
  in_progress.in_progress = kube::ConditionValue{};
  if (absl::Status s = WriteConditions(pod, state, in_progress); !s.ok()) {
    return s;
  }
  const api::Pod from = state.allocated;
  state.allocated = pod;  // allocated before actuation, as the kubelet's allocation manager does
  absl::Status actuated = Actuate(from, pod, state);
  if (!actuated.ok()) {
    state.allocated = from;
    state.resize_backoff = NextBackoff(state.resize_backoff, absl::Seconds(1));
    state.resize_retry_after = now + state.resize_backoff;
    kube::ResizeConditions error;
    error.in_progress = kube::ConditionValue{"Error", std::string(actuated.message())};
    // The actuation error is the one worth reporting; a failed condition write is retried with
    // the resize.
    (void)WriteConditions(pod, state, error);
    return actuated;
  }
  state.resize_backoff = absl::ZeroDuration();
  ++resizes_actuated_;
  return WriteConditions(pod, state, kube::ResizeConditions{});
}

absl::Status Standin::Actuate(const api::Pod& from, const api::Pod& to, PodState& state) {
  // doPodResizeAction: MakePlan's order (memory, then CPU; limits grow before requests, requests
  // shrink before limits). Each container step sends only that resource's fields, so a CPU
  // increase never reaches a container before its pod cgroup's quota allows it (cgroup v1).
  const resize::PodCgroupConfig config = resize::ResourceConfigForPod(to);
  for (const resize::PlanStep& step : resize::MakePlan(from, to)) {
    if (step.action == resize::StepAction::kResizePodCgroup) {
      cgroups::CgroupValues values;
      if (step.resource == resize::StepResource::kMemory) {
        values.memory_max_bytes = step.to.value_or(cgroups::kUnlimited);
      } else if (step.field == resize::StepField::kLimit) {
        values.cpu_max = cgroups::CpuMax{
            step.to.value_or(cgroups::kUnlimited),
            static_cast<uint64_t>(config.cpu_period.value_or(cgroups::kQuotaPeriodUs))};
      } else {
        values.cpu_shares = static_cast<uint64_t>(step.to.value_or(cgroups::kMinShares));
      }
      if (absl::Status s = cgroups_->Apply(state.running.cgroup_parent, values, {}); !s.ok()) {
        return s;
      }
      continue;
    }
    ContainerState& c = state.containers[step.target];
    if (c.id.empty()) {
      continue;
    }
    absl::StatusOr<cri::LinuxResources> full = ContainerResourcesFor(to, step.target);
    if (!full.ok()) {
      return full.status();
    }
    cri::LinuxResources partial;
    if (step.resource == resize::StepResource::kMemory) {
      partial.memory_limit_in_bytes = full->memory_limit_in_bytes;
    } else {
      partial.cpu_shares = full->cpu_shares;
      partial.cpu_quota = full->cpu_quota != 0 ? full->cpu_quota : -1;
      partial.cpu_period = full->cpu_period;
    }
    absl::StatusOr<cri::UpdateOutcome> updated = runtime_->UpdateContainerResources(c.id, partial);
    if (!updated.ok()) {
      return absl::Status(
          updated.status().code(),
          absl::StrCat("container \"", step.target, "\": ", updated.status().message()));
    }
    c.created_with = *full;
  }
  return absl::OkStatus();
}

absl::Status Standin::WriteConditions(const api::Pod& pod, PodState& state,
                                      const kube::ResizeConditions& conditions) {
  const bool empty = !conditions.pending && !conditions.in_progress;
  if (state.conditions_written
          ? SameValue(state.last_conditions.pending, conditions.pending) &&
                SameValue(state.last_conditions.in_progress, conditions.in_progress)
          : empty) {
    return absl::OkStatus();
  }
  // No observedGeneration: the API has the field from 1.34 only.
  absl::Status s = status_writer_.PatchResizeConditions(
      kube::PodRef{pod.namespace_name, pod.name, pod.uid}, conditions, pod.resize_conditions);
  if (s.ok()) {
    state.last_conditions = conditions;
    state.conditions_written = true;
  }
  return s;
}

PodView Standin::ViewOf(const api::Pod& pod, const PodState& state) const {
  PodView view;
  view.uid = pod.uid;
  view.qos = resize::GetPodQos(pod);
  view.start_time = state.start_time;
  view.ready_since = state.ready_since;
  for (const api::ContainerSpec& spec : pod.containers) {
    ContainerView c;
    c.name = spec.name;
    c.image = options_.image;
    auto it = state.containers.find(spec.name);
    if (it != state.containers.end()) {
      c.container_id = it->second.id;
      c.running = it->second.running;
      c.terminated = it->second.terminated && !it->second.running;
      c.exit_code = it->second.exit_code;
      c.reason = it->second.reason;
      c.started_at = it->second.started_at;
      c.restart_count = it->second.restart_count;
    }
    if (options_.version == KubeletVersion::k133) {
      if (const api::ContainerSpec* allocated = FindContainer(state.allocated, spec.name)) {
        c.allocated_resources = allocated->resources.requests;
        c.resources = allocated->resources;
      }
    }
    view.containers.push_back(std::move(c));
  }
  return view;
}

absl::Status Standin::ReportStatus(const api::Pod& pod, PodState& state, bool status_resync) {
  PodView view = ViewOf(pod, state);
  const bool ready = AllRunning(view);
  if (ready != state.was_ready || state.ready_since.empty()) {
    state.was_ready = ready;
    state.ready_since = Now();
    view.ready_since = state.ready_since;
  }
  // Kubelets up to 1.32 own status.resize: a value they did not write goes at the next resync.
  const bool owns_resize = options_.version != KubeletVersion::k133;
  json patch = PodStatusPatch(view, /*clear_resize=*/false);
  bool send = patch != state.last_sent;
  if (status_resync && OwnedStatusDiffers(pod, view, owns_resize)) {
    patch = PodStatusPatch(view, /*clear_resize=*/owns_resize && !pod.resize.empty());
    send = true;
  }
  if (!send) {
    return absl::OkStatus();
  }
  kube::HttpRequest request;
  request.method = "PATCH";
  request.path = PodPath(pod) + "/status";
  request.content_type = kube::kStrategicMergePatch;
  request.body = patch.dump();
  request.timeout = kRequestTimeout;
  absl::StatusOr<kube::HttpResponse> response = client_->Do(request);
  if (!response.ok()) {
    return response.status();
  }
  if (response->code == 404 || response->code == 409) {
    return absl::OkStatus();  // gone or recreated: the next pass sees it
  }
  if (response->code / 100 != 2) {
    return kube::StatusFromResponse(*response);
  }
  if (status_resync) {
    ++status_syncs_;
  }
  state.last_sent = PodStatusPatch(view, false);
  return absl::OkStatus();
}

absl::Status Standin::TearDown(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end()) {
    return absl::OkStatus();
  }
  // Containers, the sandbox, then the pod cgroup directories (the harness's RemovePod).
  absl::Status s = runner_->RemovePod(it->second.running);
  pods_.erase(it);
  return s;
}

absl::Status Standin::DeleteObject(const api::Pod& pod) {
  kube::HttpRequest request;
  request.method = "DELETE";
  request.path = PodPath(pod);
  request.content_type = "application/json";
  request.body = json{{"kind", "DeleteOptions"},
                      {"apiVersion", "v1"},
                      {"gracePeriodSeconds", 0},
                      {"preconditions", {{"uid", pod.uid}}}}
                     .dump();
  request.timeout = kRequestTimeout;
  absl::StatusOr<kube::HttpResponse> response = client_->Do(request);
  if (!response.ok()) {
    return response.status();
  }
  if (response->code / 100 == 2 || response->code == 404 || response->code == 409) {
    return absl::OkStatus();
  }
  return kube::StatusFromResponse(*response);
}

std::string Standin::Now() const { return kube::Rfc3339(clock_->Now()); }

}  // namespace resizelet::standin
