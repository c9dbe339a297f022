#include "agent/reconcile/reconcile_workers.h"

namespace resizelet::reconcile {

ReconcileWorkers::ReconcileWorkers(Reconciler* reconciler, runtime::WorkQueue* queue, int count)
    : queue_(queue) {
  for (int i = 0; i < count; ++i) {
    threads_.emplace_back([reconciler] {
      while (reconciler->ProcessNext()) {
      }
    });
  }
}

ReconcileWorkers::~ReconcileWorkers() { Stop(); }

void ReconcileWorkers::Stop() {
  if (threads_.empty()) return;
  queue_->ShutDownWithDrain();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace resizelet::reconcile
