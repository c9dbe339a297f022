// A few threads that take pod UIDs from the work queue and run the reconciler's pass on each: the
// queue hands a UID to one worker at a time, so passes of one pod never overlap (the kubelet's
// pod workers give the same guarantee) while different pods proceed in parallel.
#ifndef RESIZELET_AGENT_RECONCILE_RECONCILE_WORKERS_H_
#define RESIZELET_AGENT_RECONCILE_RECONCILE_WORKERS_H_

#include <thread>
#include <vector>

#include "agent/reconcile/reconciler.h"
#include "agent/runtime/work_queue.h"

namespace resizelet::reconcile {

class ReconcileWorkers {
 public:
  // Starts `count` threads at once. Neither pointer is owned; both must outlive Stop().
  ReconcileWorkers(Reconciler* reconciler, runtime::WorkQueue* queue, int count);
  // Stops (see Stop) if not already stopped.
  ~ReconcileWorkers();
  ReconcileWorkers(const ReconcileWorkers&) = delete;
  ReconcileWorkers& operator=(const ReconcileWorkers&) = delete;

  // Shuts the queue down, lets the workers finish what is queued, and joins them.
  void Stop();

 private:
  runtime::WorkQueue* const queue_;
  std::vector<std::thread> threads_;
};

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_RECONCILE_WORKERS_H_
