// Test-only crash points: named places in a resize where `resizelet run` kills itself with
// SIGKILL, so that a restart test can stop the daemon exactly between two steps of a resize
// (issue 6, end-to-end test 5) and check that the restarted daemon converges without repeating
// what already took effect.
//
// Contract:
//   - The environment variable RESIZELET_CRASH_AT (kCrashAtVariable) is read once, at the start
//     of `resizelet run` (ArmCrashPointFrom). Unset or empty: nothing is armed and every
//     CrashPointReached() is a no-op. A known name: that point is armed (the daemon logs the
//     warning "Crash point armed" point=<name>). Any other value: InvalidArgument naming the
//     variable and the allowed names (the daemon exits 2 with it).
//   - CrashPointReached(p) with p armed sends SIGKILL to the calling process (kill(getpid(),
//     SIGKILL)): no destructor, flush or status patch runs after it, exactly as an OOM kill or a
//     node's kill -9. For any other point it returns at once.
// The points, in the order a resize (an increase) passes them:
//   after_admission     admitted, before the allocated checkpoint write;
//   after_checkpoint    allocated recorded (durably) in the checkpoint and the resize announced
//                       (ResizeStarted), nothing actuated yet;
//   after_pod_cgroup    the first pod cgroup write of the resize done (for an increase: before
//                       any CRI call);
//   after_cri_update    UpdateContainerResources returned OK for the first container, before
//                       the read-back and the actuated record;
//   before_status_patch actuation done and read back, the completing status patch (the removal
//                       of the resize conditions) and ResizeCompleted not yet sent. The actuated
//                       checkpoint record follows that patch (reconciler.h), so a restart from
//                       here still reports the resize's end.
// Thread-safe; arming is meant to happen once, before any reconcile runs.
#ifndef RESIZELET_AGENT_RECONCILE_CRASH_POINT_H_
#define RESIZELET_AGENT_RECONCILE_CRASH_POINT_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace resizelet::reconcile {

inline constexpr char kCrashAtVariable[] = "RESIZELET_CRASH_AT";

enum class CrashPoint {
  kAfterAdmission,
  kAfterCheckpoint,
  kAfterPodCgroup,
  kAfterCriUpdate,
  kBeforeStatusPatch,
};

// "after_admission", "after_checkpoint", "after_pod_cgroup", "after_cri_update",
// "before_status_patch".
const char* CrashPointName(CrashPoint point);
std::optional<CrashPoint> ParseCrashPoint(std::string_view name);
// Every name, in resize order, comma-separated (for messages).
std::string CrashPointNames();

// Arms the point named by `value` (the variable's value; null when unset). Returns the armed
// point, nullopt when nothing is armed, or InvalidArgument for an unknown name (nothing armed).
absl::StatusOr<std::optional<CrashPoint>> ArmCrashPointFrom(const char* value);
// Arms `point` (nullopt disarms).
void ArmCrashPoint(std::optional<CrashPoint> point);
std::optional<CrashPoint> ArmedCrashPoint();

// SIGKILLs the process when `point` is the armed one; otherwise returns.
void CrashPointReached(CrashPoint point);

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_CRASH_POINT_H_
