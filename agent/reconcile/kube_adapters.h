// The reconcile engine on the kube package: the status sink over PodStatusWriter and
// EventRecorder, the pod lister over PodCache, and the mapping of cache changes to the
// reconciler's pod events.
#ifndef RESIZELET_AGENT_RECONCILE_KUBE_ADAPTERS_H_
#define RESIZELET_AGENT_RECONCILE_KUBE_ADAPTERS_H_

#include <optional>
#include <string>
#include <vector>

#include "agent/kube/event_recorder.h"
#include "agent/kube/pod_cache.h"
#include "agent/kube/status_writer.h"
#include "agent/reconcile/pod_lister.h"
#include "agent/reconcile/reconciler.h"
#include "agent/reconcile/resize_status_sink.h"

namespace resizelet::reconcile {

class KubeResizeStatusSink final : public ResizeStatusSink {
 public:
  // Neither is owned. Events go through the recorder's own rate limit, apart from status patches.
  KubeResizeStatusSink(kube::PodStatusWriter* writer, kube::EventRecorder* events)
      : writer_(writer), events_(events) {}

  absl::Status PatchConditions(const kube::PodRef& pod, const kube::ResizeConditions& conditions,
                               const std::vector<api::PodCondition>& current) override {
    return writer_->PatchResizeConditions(pod, conditions, current);
  }
  absl::Status PatchLegacyResize(const kube::PodRef& pod, std::string_view value) override {
    return writer_->PatchLegacyResize(pod, value);
  }
  absl::Status RecordEvent(const kube::PodRef& pod, std::string_view type, std::string_view reason,
                           std::string_view message) override {
    return events_->Record(pod, type, reason, message);
  }

 private:
  kube::PodStatusWriter* const writer_;
  kube::EventRecorder* const events_;
};

class PodCacheLister final : public PodLister {
 public:
  explicit PodCacheLister(const kube::PodCache* cache) : cache_(cache) {}
  std::optional<api::Pod> Get(const std::string& uid) const override { return cache_->Get(uid); }
  std::vector<api::Pod> List() const override { return cache_->Snapshot(); }

 private:
  const kube::PodCache* const cache_;
};

// The reconciler event for a cache change, or nullopt when nothing a resize reads changed.
// `after` is the pod after an add or update. An update that makes the pod terminal is the
// kubelet's pod_terminated trigger; any other resource-relevant update is pod_updated.
std::optional<Reconciler::PodEvent> PodEventFor(const kube::PodChange& change,
                                                const api::Pod* after);

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_KUBE_ADAPTERS_H_
