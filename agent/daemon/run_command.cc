#include "agent/daemon/run_command.h"

#include <malloc.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/cli/cli.h"
#include "agent/cli/flag_set.h"
#include "agent/cli/version.h"
#include "agent/daemon/metrics_resize_observer.h"
#include "agent/daemon/node_swap.h"
#include "agent/kube/curl_kube_client.h"
#include "agent/kube/event_recorder.h"
#include "agent/kube/kube_client.h"
#include "agent/kube/kubeconfig.h"
#include "agent/kube/pod_cache.h"
#include "agent/kube/pod_source.h"
#include "agent/kube/status_writer.h"
#include "agent/obs/config.h"
#include "agent/obs/http_server.h"
#include "agent/obs/log.h"
#include "agent/obs/metrics.h"
#include "agent/obs/resizelet_metrics.h"
#include "agent/reconcile/crash_point.h"
#include "agent/reconcile/cri_container_stopper.h"
#include "agent/reconcile/kube_adapters.h"
#include "agent/reconcile/mode.h"
#include "agent/reconcile/reconcile_workers.h"
#include "agent/reconcile/reconciler.h"
#include "agent/reconcile/reporter.h"
#include "agent/resize/admission.h"
#include "agent/runtime/clock.h"
#include "agent/runtime/work_queue.h"
#include "agent/state/file_allocation_store.h"
#include "agent/state/file_system.h"
#include "cgroups/cgroup_name.h"
#include "cgroups/cgroupfs_driver.h"
#include "cgroups/hierarchy.h"
#include "cri/call_observer.h"
#include "cri/endpoint.h"
#include "cri/grpc_runtime_client.h"
#include "systemd/sd_notifier.h"
#include "systemd/systemd_driver.h"

namespace resizelet::daemon {
namespace {

constexpr char kRunHelp[] =
    "resizelet run [--config FILE] [flags]: the node daemon. Flags override the file's fields.\n"
    "\n"
    "Flags:\n";

// Reconcile workers: resizes of different pods proceed in parallel, each pod's passes in order.
constexpr int kWorkers = 4;
// How long the main loop waits for a signal before it pings the watchdog and checks the caches.
constexpr absl::Duration kLoopTick = absl::Milliseconds(200);
// How often freed heap is handed back to the kernel (malloc_trim) once the daemon is ready.
constexpr absl::Duration kTrimInterval = absl::Minutes(5);
// Bound on the start-up CRI probe, so a hung runtime socket fails the start instead of hanging it.
constexpr absl::Duration kRuntimeProbeTimeout = absl::Seconds(10);

// Counts each CRI attempt in resizelet_cri_call_duration_seconds{method,code}.
class MetricsCallObserver final : public cri::CallObserver {
 public:
  explicit MetricsCallObserver(obs::HistogramFamily* family) : family_(family) {}
  void OnRuntimeCall(std::string_view method, absl::StatusCode code,
                     absl::Duration duration) override {
    family_->WithLabels({method, absl::StatusCodeToString(code)})
        ->Observe(absl::ToDoubleSeconds(duration));
  }

 private:
  obs::HistogramFamily* const family_;
};

// A start-up failure: the exit status and the message naming what failed.
struct Failure {
  int exit_code;
  std::string message;
};

// Blocks the stop signals in this thread before any other thread exists, so every thread
// inherits the mask and only the main loop's sigtimedwait receives them.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Waits up to `timeout` for a stop signal; returns it, or 0.
int WaitForSignal(const sigset_t& set, absl::Duration timeout) {
  const timespec ts = absl::ToTimespec(timeout);
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

absl::StatusOr<reconcile::ModeFlag> ModeFlagOf(const std::string& text) {
  std::optional<reconcile::ModeFlag> flag = reconcile::ParseModeFlag(text);
  if (!flag) return absl::InvalidArgumentError(absl::StrCat("mode: unknown value \"", text, "\""));
  return *flag;
}

// Everything the daemon owns, declared in construction order: destruction runs in reverse, so
// nothing is destroyed while something built after it may still call it.
class Daemon {
 public:
  Daemon(obs::Config config, const sigset_t& signals)
      : config_(std::move(config)), signals_(signals) {}

  // Builds everything up to the watches. On failure the daemon is left to be destroyed.
  std::optional<Failure> Start();
  // Waits for the caches (at most cacheSyncTimeout), starts reconciling, and runs until a stop
  // signal. Returns the exit code; a failure's message also goes to `err`.
  int Run(std::ostream& err);

 private:
  std::optional<Failure> StartEndpoints();
  std::optional<Failure> StartKube();
  std::optional<Failure> OpenStore();
  std::optional<Failure> StartRuntime();
  std::optional<Failure> StartCgroups();
  // The kubelet settings admission needs: from the configuration, /proc/swaps and the hierarchy.
  void DetectNodeSettings();
  void StartWatches();
  // Chooses the mode and builds the reconciler once the caches are synced.
  void StartReconciling();
  void Shutdown();

  void OnPodChange(const kube::PodChange& change);
  void OnNodeChange(const std::optional<api::Node>& node);

  const obs::Config config_;
  const sigset_t signals_;
  runtime::Clock* const clock_ = runtime::RealClock::Default();
  systemd::SdNotifier notifier_;

  obs::MetricRegistry registry_;
  obs::ResizeletMetrics metrics_ = obs::ResizeletMetrics::Register(registry_);
  MetricsResizeObserver observer_{&metrics_};
  std::vector<std::unique_ptr<obs::HttpServer>> servers_;
  std::atomic<bool> ready_{false};

  std::unique_ptr<kube::CurlKubeClient> kube_;
  kube::ServerVersion server_version_;

  state::PosixFileSystem fs_;
  std::unique_ptr<state::FileAllocationStore> store_;

  std::unique_ptr<MetricsCallObserver> call_observer_;
  std::unique_ptr<cri::GrpcRuntimeClient> runtime_;
  std::unique_ptr<reconcile::CriContainerStopper> stopper_;
  cgroups::ContainerRuntimeKind runtime_kind_ = cgroups::ContainerRuntimeKind::kContainerd;

  std::unique_ptr<cgroups::CgroupfsDriver> cgroupfs_;
  std::unique_ptr<systemd::SystemdDriver> systemd_driver_;
  cgroups::CgroupDriver* driver_ = nullptr;
  cgroups::CgroupName cgroup_root_;
  resize::NodeResizeSettings node_settings_;

  // The reconcile side is built after the watches sync; the watches call into it through the
  // atomic pointer, which stays null until the reconciler exists.
  std::unique_ptr<runtime::WorkQueue> queue_;
  std::unique_ptr<kube::PodStatusWriter> status_writer_;
  std::unique_ptr<kube::EventRecorder> events_;
  std::unique_ptr<reconcile::KubeResizeStatusSink> sink_;
  std::unique_ptr<reconcile::Reporter> reporter_;
  kube::PodCache cache_;
  std::unique_ptr<reconcile::PodCacheLister> lister_;
  std::unique_ptr<reconcile::Reconciler> reconciler_;
  std::atomic<reconcile::Reconciler*> live_reconciler_{nullptr};
  std::atomic<bool> actuating_{false};
  std::unique_ptr<kube::PodSource> pods_;
  std::unique_ptr<kube::NodeSource> node_;
  std::unique_ptr<reconcile::ReconcileWorkers> workers_;
};

std::optional<Failure> Daemon::Start() {
  if (auto f = StartEndpoints()) return f;
  if (auto f = StartKube()) return f;
  if (auto f = OpenStore()) return f;
  if (auto f = StartRuntime()) return f;
  if (auto f = StartCgroups()) return f;
  DetectNodeSettings();
  StartWatches();
  return std::nullopt;
}

std::optional<Failure> Daemon::StartEndpoints() {
  metrics_.build_info->WithLabels({cli::kVersion})->Set(1);
  if (absl::Status s = registry_.status(); !s.ok()) {
    return Failure{cli::kExitInternal, absl::StrCat("registering metrics: ", s.message())};
  }
  // One listener when both addresses agree (the default), else one each.
  auto add = [&](const std::string& address, bool with_metrics,
                 bool with_health) -> std::optional<Failure> {
    obs::HttpServerOptions options;
    options.address = address;
    auto server = std::make_unique<obs::HttpServer>(options, with_metrics ? &registry_ : nullptr);
    if (with_health) {
      server->AddReadinessCheck("informer-sync", [this]() -> absl::Status {
        if (ready_.load()) return absl::OkStatus();
        return absl::UnavailableError("pod and node caches not synced");
      });
    }
    if (absl::Status s = server->Start(); !s.ok()) {
      return Failure{cli::kExitInternal,
                     absl::StrCat("starting the HTTP endpoint on ", address, ": ", s.message())};
    }
    servers_.push_back(std::move(server));
    return std::nullopt;
  };
  const std::string& metrics = config_.metrics_bind_address;
  const std::string& health = config_.healthz_bind_address;
  if (!metrics.empty() && metrics == health) return add(metrics, true, true);
  if (!metrics.empty()) {
    if (auto f = add(metrics, true, false)) return f;
  }
  if (!health.empty()) return add(health, false, true);
  return std::nullopt;
}

std::optional<Failure> Daemon::StartKube() {
  absl::StatusOr<kube::RestConfig> rest =
      config_.kubeconfig.empty()
          ? kube::InClusterConfig([](const char* name) { return std::getenv(name); })
          : kube::LoadKubeconfig(config_.kubeconfig);
  if (!rest.ok()) {
    return Failure{cli::kExitInternal,
                   absl::StrCat(config_.kubeconfig.empty()
                                    ? "reading the in-cluster API server configuration: "
                                    : absl::StrCat("reading kubeconfig ", config_.kubeconfig, ": "),
                                rest.status().message())};
  }
  kube::ClientOptions options;
  options.qps = static_cast<double>(config_.kube_api_qps);
  options.burst = static_cast<int>(config_.kube_api_burst);
  options.user_agent = absl::StrCat("resizelet/", cli::kVersion);
  options.on_request = [this](std::string_view method, std::string_view path, int code,
                              absl::Duration latency) {
    observer_.OnKubeRequest(method, path, code, latency);
  };
  auto client = kube::CurlKubeClient::Create(*std::move(rest), options);
  if (!client.ok()) {
    return Failure{cli::kExitInternal,
                   absl::StrCat("creating the API client: ", client.status().message())};
  }
  kube_ = *std::move(client);
  auto version = kube::ReadServerVersion(*kube_);
  if (!version.ok()) {
    return Failure{cli::kExitInternal, absl::StrCat("reading the API server version (/version): ",
                                                    version.status().message())};
  }
  server_version_ = *version;
  obs::Info("Connected to the API server", {{"version", server_version_.git_version}});
  return std::nullopt;
}

std::optional<Failure> Daemon::OpenStore() {
  state::FileAllocationStoreOptions options;
  options.directory = config_.state_directory;
  auto store = state::FileAllocationStore::Open(options, &fs_);
  if (!store.ok()) {
    return Failure{cli::kExitInternal,
                   absl::StrCat("opening the allocation checkpoint in ", config_.state_directory,
                                ": ", store.status().message())};
  }
  store_ = *std::move(store);
  const state::LoadReport& report = store_->load_report();
  if (report.lost()) {
    // The file was moved aside and state starts empty: the reconciler rebuilds allocated from
    // what the node holds (reconciler.h). A warning, never a crash (file_allocation_store.h).
    metrics_.checkpoint_corrupt_total->Get()->Increment();
    obs::Warning("Allocation checkpoint unusable; moved aside, rebuilding from the node",
                 {{"outcome", state::LoadOutcomeName(report.outcome)},
                  {"detail", report.detail},
                  {"movedTo", report.moved_aside_to}});
  } else {
    obs::Info("Allocation checkpoint opened", {{"path", store_->path()},
                                               {"outcome", state::LoadOutcomeName(report.outcome)},
                                               {"pods", report.pods}});
  }
  return std::nullopt;
}

std::optional<Failure> Daemon::StartRuntime() {
  auto endpoint = cri::ResolveEndpoint(config_.container_runtime_endpoint, cri::IsUnixSocket);
  if (!endpoint.ok()) {
    return Failure{cli::kExitInternal, absl::StrCat("finding the container runtime endpoint: ",
                                                    endpoint.status().message())};
  }
  call_observer_ = std::make_unique<MetricsCallObserver>(metrics_.cri_call_duration_seconds);
  cri::GrpcRuntimeClientOptions options;
  options.endpoint = *endpoint;
  options.call_timeout = std::min(config_.runtime_request_timeout, kRuntimeProbeTimeout);
  options.observer = call_observer_.get();
  // The probe gets the short deadline; the client used afterwards gets the configured one.
  auto probe_client = cri::GrpcRuntimeClient::Create(options);
  if (!probe_client.ok()) {
    return Failure{cli::kExitInternal, absl::StrCat("creating the CRI client for ", *endpoint, ": ",
                                                    probe_client.status().message())};
  }
  auto version = (*probe_client)->Version();
  if (!version.ok()) {
    return Failure{cli::kExitInternal, absl::StrCat("connecting to the container runtime at ",
                                                    *endpoint, ": ", version.status().message())};
  }
  if (version->runtime_name == "cri-o") runtime_kind_ = cgroups::ContainerRuntimeKind::kCrio;
  options.call_timeout = config_.runtime_request_timeout;
  auto client = cri::GrpcRuntimeClient::Create(options);
  if (!client.ok()) {
    return Failure{cli::kExitInternal, absl::StrCat("creating the CRI client for ", *endpoint, ": ",
                                                    client.status().message())};
  }
  runtime_ = *std::move(client);
  obs::Info("Connected to the container runtime", {{"endpoint", *endpoint},
                                                   {"runtime", version->runtime_name},
                                                   {"version", version->runtime_version}});
  return std::nullopt;
}

std::optional<Failure> Daemon::StartCgroups() {
  auto root = cgroups::ParseCgroupRoot(config_.cgroup_root);
  if (!root.ok()) {
    return Failure{cli::kExitBadInput, absl::StrCat("cgroupRoot: ", root.status().message())};
  }
  cgroup_root_ = *root;
  cgroups::CgroupfsOptions options;
  options.mount_point = config_.cgroup_mount_point;
  options.memory_shrink.headroom_bytes =
      static_cast<uint64_t>(std::max<int64_t>(0, config_.memory_shrink_headroom_bytes));
  options.memory_shrink.reclaim = config_.memory_reclaim;
  auto cgroupfs = cgroups::CgroupfsDriver::Create(options);
  if (!cgroupfs.ok()) {
    return Failure{cli::kExitInternal,
                   absl::StrCat("finding the cgroup hierarchy under ", config_.cgroup_mount_point,
                                ": ", cgroupfs.status().message())};
  }
  cgroupfs_ = *std::move(cgroupfs);
  driver_ = cgroupfs_.get();
  if (config_.cgroup_driver == "systemd") {
    // The kubelet's systemd driver: writes through the units' properties, reads the files.
    systemd::SystemdDriverOptions sd;
    sd.cgroup_v2 = cgroupfs_->layout().mode == cgroups::HierarchyMode::kUnified;
    sd.cgroup_mount_point = config_.cgroup_mount_point;
    sd.memory_shrink = options.memory_shrink;
    systemd_driver_ = std::make_unique<systemd::SystemdDriver>(sd, cgroupfs_.get());
    driver_ = systemd_driver_.get();
  }
  obs::Info("Cgroup driver chosen",
            {{"driver", config_.cgroup_driver},
             {"hierarchy", cgroups::HierarchyModeName(cgroupfs_->layout().mode)}});
  return std::nullopt;
}

void Daemon::DetectNodeSettings() {
  node_settings_.cpu_manager_static = config_.cpu_manager_policy == "static";
  node_settings_.memory_manager_static = config_.memory_manager_policy == "Static";
  node_settings_.swap_behavior = config_.swap_behavior == "LimitedSwap"
                                     ? resize::SwapBehavior::kLimitedSwap
                                     : resize::SwapBehavior::kNoSwap;
  if (absl::StatusOr<bool> swap = ReadNodeHasSwap(); swap.ok()) {
    node_settings_.node_has_swap = *swap;
  } else {
    // Unknown: assume swap when LimitedSwap is configured, so a resize the kubelet would refuse
    // is refused rather than actuated.
    node_settings_.node_has_swap =
        node_settings_.swap_behavior == resize::SwapBehavior::kLimitedSwap;
    obs::Warning("Could not tell whether the node has swap",
                 {{"error", swap.status()}, {"assumed", node_settings_.node_has_swap}});
  }
  // Pod cgroups take their cpu and memory controllers from v1 on legacy and hybrid hosts (hybrid
  // mounts only controllers no v1 hierarchy binds in cgroup2), so pod-level resizes are
  // Infeasible there (admission.h).
  node_settings_.cgroup_v1 = cgroupfs_->layout().mode != cgroups::HierarchyMode::kUnified;
  obs::Info("Node resize settings", {{"cpuManagerPolicy", config_.cpu_manager_policy},
                                     {"memoryManagerPolicy", config_.memory_manager_policy},
                                     {"swapBehavior", config_.swap_behavior},
                                     {"nodeHasSwap", node_settings_.node_has_swap},
                                     {"cgroupV1", node_settings_.cgroup_v1}});
}

void Daemon::StartWatches() {
  pods_ = std::make_unique<kube::PodSource>(
      kube_.get(), clock_, config_.node_name, &cache_,
      [this](const kube::PodChange& change) { OnPodChange(change); });
  node_ = std::make_unique<kube::NodeSource>(
      kube_.get(), clock_, config_.node_name,
      [this](const std::optional<api::Node>& node) { OnNodeChange(node); });
  pods_->Start();
  node_->Start();
}

void Daemon::OnPodChange(const kube::PodChange& change) {
  obs::VInfo(4, "Pod change",
             {{"pod", change.key},
              {"uid", change.uid},
              {"kind", static_cast<int>(change.kind)},
              {"resourcesChanged", change.resources_changed},
              {"resizeConditionsChanged", change.resize_conditions_changed}});
  reconcile::Reconciler* reconciler = live_reconciler_.load();
  if (reconciler == nullptr) return;  // StartReconciling queues every cached pod itself
  std::optional<api::Pod> after;
  if (change.kind != kube::PodChange::Kind::kDeleted) after = cache_.Get(change.uid);
  std::optional<reconcile::Reconciler::PodEvent> event =
      reconcile::PodEventFor(change, after ? &*after : nullptr);
  if (event) {
    reconciler->OnPodEvent(*event, change.uid);
  } else if (change.resize_conditions_changed && !actuating_.load()) {
    // The kubelet's conditions are how companion / observe mode sees its resize progress and end;
    // in actuate mode they are our own writes.
    reconciler->Requeue(change.uid);
  }
}

void Daemon::OnNodeChange(const std::optional<api::Node>& node) {
  reconcile::Reconciler* reconciler = live_reconciler_.load();
  if (reconciler != nullptr && node) reconciler->SetNode(*node);
}

void Daemon::StartReconciling() {
  const std::optional<api::Node> node = node_->node();
  const std::string kubelet_version = node ? node->kubelet_version : "";
  reconcile::ModeChoice choice = reconcile::ChooseMode(
      *ModeFlagOf(config_.mode), kubelet_version, reconcile::ObserveKubelet(cache_.Snapshot()));
  const char* mode_name = reconcile::ModeName(choice.mode);
  metrics_.SetMode(mode_name, choice.reason);
  obs::Log(choice.warn ? obs::Severity::kWarning : obs::Severity::kInfo, "Mode chosen",
           {{"mode", mode_name}, {"reason", choice.reason}, {"kubeletVersion", kubelet_version}});
  if (!node) obs::Warning("This node's Node object was not found", {{"node", config_.node_name}});

  queue_ = std::make_unique<runtime::WorkQueue>(clock_);
  if (choice.mode == reconcile::Mode::kActuate) {
    status_writer_ = std::make_unique<kube::PodStatusWriter>(kube_.get(), clock_);
    events_ = std::make_unique<kube::EventRecorder>(kube_.get(), clock_, config_.node_name);
    sink_ = std::make_unique<reconcile::KubeResizeStatusSink>(status_writer_.get(), events_.get());
    reconcile::ReporterOptions reporter_options;
    reporter_options.legacy_status_field = config_.legacy_resize_status;
    reporter_options.observer = &observer_;
    // PodCondition.observedGeneration exists from 1.34.
    reporter_options.observed_generation =
        server_version_.major > 1 || (server_version_.major == 1 && server_version_.minor >= 34);
    reporter_ = std::make_unique<reconcile::Reporter>(sink_.get(), clock_, reporter_options);
  }
  lister_ = std::make_unique<reconcile::PodCacheLister>(&cache_);

  reconcile::ReconcilerDeps deps;
  deps.pods = lister_.get();
  deps.store = store_.get();
  deps.driver = driver_;
  deps.runtime = runtime_.get();
  // A RestartContainer resize stops the container; the kubelet starts it with the new spec.
  stopper_ = std::make_unique<reconcile::CriContainerStopper>(runtime_.get());
  deps.stopper = stopper_.get();
  deps.reporter = reporter_.get();
  deps.clock = clock_;
  deps.queue = queue_.get();
  deps.observer = &observer_;
  reconcile::ReconcilerOptions options;
  options.mode = choice.mode;
  actuating_.store(choice.mode == reconcile::Mode::kActuate);
  options.actuator.shrink.headroom_bytes =
      static_cast<uint64_t>(std::max<int64_t>(0, config_.memory_shrink_headroom_bytes));
  options.actuator.shrink.reclaim = config_.memory_reclaim;
  options.node_settings = node_settings_;
  options.cgroup_root = cgroup_root_;
  options.cgroup_driver = config_.cgroup_driver == "systemd" ? cgroups::CgroupDriverKind::kSystemd
                                                             : cgroups::CgroupDriverKind::kCgroupfs;
  options.runtime_kind = runtime_kind_;
  reconciler_ = std::make_unique<reconcile::Reconciler>(deps, options);
  if (node) reconciler_->SetNode(*node);
  // Publish first, then queue the cached pods: a change racing with this is queued twice at most,
  // and the queue deduplicates.
  live_reconciler_.store(reconciler_.get());
  for (const api::Pod& pod : cache_.Snapshot()) {
    reconciler_->OnPodEvent(reconcile::Reconciler::PodEvent::kAdded, pod.uid);
  }
  workers_ =
      std::make_unique<reconcile::ReconcileWorkers>(reconciler_.get(), queue_.get(), kWorkers);
}

int Daemon::Run(std::ostream& err) {
  const std::chrono::microseconds watchdog = notifier_.WatchdogInterval();
  absl::Time next_ping = absl::InfinitePast();
  const absl::Time sync_deadline = absl::Now() + config_.cache_sync_timeout;
  // Freed heap is given back to the kernel once the first sync's list has been decoded, and then
  // every few minutes (after a relist, say): glibc keeps freed pages of its main arena resident,
  // and the start-up list leaves most of the daemon's anonymous memory free but resident
  // (bench/README.md, "Daemon footprint": 21 MiB → 7 MiB at 250 pods of 14 KB).
  absl::Time next_trim = absl::InfiniteFuture();
  int exit_code = cli::kExitOk;
  while (true) {
    if (int sig = WaitForSignal(signals_, kLoopTick); sig != 0) {
      obs::Info("Stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
    if (!ready_.load() && pods_->synced() && node_->synced()) {
      StartReconciling();
      ready_.store(true);
      (void)notifier_.Ready();
      (void)notifier_.Status(absl::StrCat("Watching pods of node ", config_.node_name));
      obs::Info("Ready", {{"node", config_.node_name}, {"pods", cache_.size()}});
      next_trim = absl::Now();
    }
    if (absl::Now() >= next_trim) {
      ::malloc_trim(0);
      next_trim = absl::Now() + kTrimInterval;
    }
    if (!ready_.load() && absl::Now() >= sync_deadline) {
      std::vector<std::string> missing;
      if (!pods_->synced()) missing.push_back(absl::StrCat("the pods of node ", config_.node_name));
      if (!node_->synced()) missing.push_back(absl::StrCat("the Node ", config_.node_name));
      const std::string message =
          absl::StrCat("timed out after ", absl::FormatDuration(config_.cache_sync_timeout),
                       " (cacheSyncTimeout) waiting for the first sync of ",
                       absl::StrJoin(missing, " and "), " from the API server");
      obs::Error(absl::DeadlineExceededError(message), "Start-up failed");
      err << "resizelet run: " << message << "\n";
      exit_code = cli::kExitInternal;
      break;
    }
    if (store_) observer_.SyncCheckpointCommits(store_->stats().commits);
    // Pinged from this loop, which also starts the work: a hung loop stops the pings and systemd
    // restarts the daemon (sd_watchdog_enabled(3)).
    if (watchdog.count() > 0 && absl::Now() >= next_ping) {
      (void)notifier_.Watchdog();
      next_ping = absl::Now() + absl::FromChrono(watchdog);
    }
  }
  Shutdown();
  return exit_code;
}

void Daemon::Shutdown() {
  (void)notifier_.Stopping();
  ready_.store(false);
  // No new work: the watches stop first, then the workers finish what is queued.
  if (pods_) pods_->Stop();
  if (node_) node_->Stop();
  live_reconciler_.store(nullptr);
  if (workers_) workers_->Stop();
  if (store_) {
    if (absl::Status s = store_->Flush(); !s.ok()) {
      obs::Error(s, "Flushing the allocation checkpoint at shutdown");
    }
  }
  for (auto& server : servers_) server->Stop();
  obs::Info("Stopped");
}

}  // namespace

int RunDaemonCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  cli::FlagSet flags("run");
  obs::ConfigFlags config_flags(flags);
  bool help = false;
  flags.AddBool("help", "print this help", &help);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok()) {
    err << "resizelet " << positional.status().message() << "\n";
    return cli::kExitBadInput;
  }
  if (help) {
    out << kRunHelp << flags.Usage();
    return cli::kExitOk;
  }
  if (!positional->empty()) {
    err << "resizelet run: unexpected argument \"" << positional->front() << "\" (see --help)\n";
    return cli::kExitBadInput;
  }
  absl::StatusOr<obs::Config> config = config_flags.Resolve(obs::NodeNameSources::System());
  if (!config.ok()) {
    err << "resizelet run: invalid configuration: " << config.status().message() << "\n";
    return cli::kExitBadInput;
  }
  obs::LogOptions log_options;
  if (absl::Status s = obs::ParseLogFormat(config->log_format, &log_options.format); !s.ok()) {
    err << "resizelet run: invalid configuration: logFormat: " << s.message() << "\n";
    return cli::kExitBadInput;
  }
  log_options.verbosity = static_cast<int>(config->verbosity);
  obs::ConfigureLogging(std::move(log_options));
  if (!ModeFlagOf(config->mode).ok()) {
    err << "resizelet run: invalid configuration: mode: \"" << config->mode << "\"\n";
    return cli::kExitBadInput;
  }
  obs::Info("Starting resizelet",
            {{"version", cli::kVersion}, {"node", config->node_name}, {"mode", config->mode}});
  // Test-only: read once, before anything reconciles (crash_point.h).
  absl::StatusOr<std::optional<reconcile::CrashPoint>> crash_at =
      reconcile::ArmCrashPointFrom(std::getenv(reconcile::kCrashAtVariable));
  if (!crash_at.ok()) {
    err << "resizelet run: " << crash_at.status().message() << "\n";
    return cli::kExitBadInput;
  }
  if (*crash_at) {
    obs::Warning("Crash point armed", {{"point", reconcile::CrashPointName(**crash_at)}});
  }

  const sigset_t signals = BlockStopSignals();
  auto daemon = std::make_unique<Daemon>(*std::move(config), signals);
  if (std::optional<Failure> failure = daemon->Start()) {
    const absl::Status status = absl::UnavailableError(failure->message);
    obs::Error(status, "Start-up failed");
    err << "resizelet run: " << failure->message << "\n";
    return failure->exit_code;
  }
  return daemon->Run(err);
}

}  // namespace resizelet::daemon
