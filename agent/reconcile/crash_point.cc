#include "agent/reconcile/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace resizelet::reconcile {
namespace {

constexpr CrashPoint kAll[] = {CrashPoint::kAfterAdmission, CrashPoint::kAfterCheckpoint,
                               CrashPoint::kAfterPodCgroup, CrashPoint::kAfterCriUpdate,
                               CrashPoint::kBeforeStatusPatch};
constexpr int kNone = -1;

// An atomic int rather than a mutex: CrashPointReached runs on every reconcile worker.
std::atomic<int> armed{kNone};

}  // namespace

const char* CrashPointName(CrashPoint point) {
  switch (point) {
    case CrashPoint::kAfterAdmission:
      return "after_admission";
    case CrashPoint::kAfterCheckpoint:
      return "after_checkpoint";
    case CrashPoint::kAfterPodCgroup:
      return "after_pod_cgroup";
    case CrashPoint::kAfterCriUpdate:
      return "after_cri_update";
    case CrashPoint::kBeforeStatusPatch:
      return "before_status_patch";
  }
  return "";
}

std::optional<CrashPoint> ParseCrashPoint(std::string_view name) {
  for (CrashPoint p : kAll) {
    if (name == CrashPointName(p)) return p;
  }
  return std::nullopt;
}

std::string CrashPointNames() {
  std::string out;
  for (CrashPoint p : kAll) {
    if (!out.empty()) out += ", ";
    out += CrashPointName(p);
  }
  return out;
}

absl::StatusOr<std::optional<CrashPoint>> ArmCrashPointFrom(const char* value) {
  if (value == nullptr || *value == '\0') {
    ArmCrashPoint(std::nullopt);
    return std::optional<CrashPoint>();
  }
  std::optional<CrashPoint> point = ParseCrashPoint(value);
  if (!point) {
    return absl::InvalidArgumentError(absl::StrCat(kCrashAtVariable, ": unknown crash point \"",
                                                   value, "\" (allowed: ", CrashPointNames(), ")"));
  }
  ArmCrashPoint(point);
  return point;
}

void ArmCrashPoint(std::optional<CrashPoint> point) {
  armed.store(point ? static_cast<int>(*point) : kNone);
}

std::optional<CrashPoint> ArmedCrashPoint() {
  const int value = armed.load();
  if (value == kNone) return std::nullopt;
  return static_cast<CrashPoint>(value);
}

void CrashPointReached(CrashPoint point) {
  if (armed.load() != static_cast<int>(point)) return;
  // SIGKILL, not abort() or exit(): nothing of ours may run after this point, as in a real kill.
  kill(getpid(), SIGKILL);
  // SIGKILL to oneself is delivered before kill() returns; never continue past the point.
  _exit(128 + SIGKILL);
}

}  // namespace resizelet::reconcile
