// A counting semaphore with a deadline: bounds the runtime calls in flight, so a burst of resizes
// cannot pile hundreds of concurrent `runc update`s on the runtime, while one stuck call holds
// only its own slot and the others keep going.
#ifndef RESIZELET_CRI_CALL_LIMITER_H_
#define RESIZELET_CRI_CALL_LIMITER_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace resizelet::cri {

class CallLimiter {
 public:
  explicit CallLimiter(int slots) : free_(slots > 0 ? slots : 1) {}
  CallLimiter(const CallLimiter&) = delete;
  CallLimiter& operator=(const CallLimiter&) = delete;

  // Takes a slot, waiting until `deadline` at most. False when none freed up in time.
  bool Acquire(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    auto has_free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return free_ > 0; };
    if (!mu_.AwaitWithDeadline(absl::Condition(&has_free), deadline)) {
      return false;
    }
    --free_;
    return true;
  }

  void Release() {
    absl::MutexLock lock(&mu_);
    ++free_;
  }

 private:
  absl::Mutex mu_;
  int free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace resizelet::cri

#endif  // RESIZELET_CRI_CALL_LIMITER_H_
