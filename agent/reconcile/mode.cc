#include "agent/reconcile/mode.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace resizelet::reconcile {
namespace {

// Parses a run of decimal digits at the front of `s`, advancing it.
std::optional<int> TakeNumber(std::string_view& s) {
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return value;
}

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kActuate:
      return "actuate";
    case Mode::kCompanion:
      return "companion";
    case Mode::kObserve:
      return "observe";
  }
  return "observe";
}

std::optional<ModeFlag> ParseModeFlag(std::string_view text) {
  if (text == "auto") return ModeFlag::kAuto;
  if (text == "actuate") return ModeFlag::kActuate;
  if (text == "companion") return ModeFlag::kCompanion;
  if (text == "observe") return ModeFlag::kObserve;
  return std::nullopt;
}

std::optional<KubeletVersion> ParseKubeletVersion(std::string_view text) {
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  std::optional<int> major = TakeNumber(text);
  if (!major || text.empty() || text.front() != '.') return std::nullopt;
  text.remove_prefix(1);
  std::optional<int> minor = TakeNumber(text);
  if (!minor) return std::nullopt;
  return KubeletVersion{*major, *minor};
}

KubeletObservations ObserveKubelet(const std::vector<api::Pod>& pods) {
  KubeletObservations seen;
  for (const api::Pod& pod : pods) {
    if (pod.status_allocated_resources.has_value()) seen.writes_allocated_resources = true;
    for (const auto* statuses : {&pod.container_statuses, &pod.init_container_statuses}) {
      for (const api::ContainerStatus& s : *statuses) {
        if (s.allocated_resources.has_value()) seen.writes_allocated_resources = true;
        if (s.resources.has_value()) seen.writes_container_resources = true;
      }
    }
  }
  return seen;
}

ModeChoice ChooseMode(ModeFlag flag, std::string_view kubelet_version,
                      const KubeletObservations& seen) {
  switch (flag) {
    case ModeFlag::kActuate:
      return {Mode::kActuate, "forced by --mode=actuate", false};
    case ModeFlag::kCompanion:
      return {Mode::kCompanion, "forced by --mode=companion", false};
    case ModeFlag::kObserve:
      return {Mode::kObserve, "forced by --mode=observe", false};
    case ModeFlag::kAuto:
      break;
  }
  const std::optional<KubeletVersion> v = ParseKubeletVersion(kubelet_version);
  if (!v) {
    return {Mode::kObserve,
            absl::StrCat("kubelet version \"", std::string(kubelet_version),
                         "\" is not understood; observing only"),
            true};
  }
  const std::string version = absl::StrCat(v->major, ".", v->minor);
  if (v->major > 1 || v->minor >= 33) {
    return {Mode::kCompanion, absl::StrCat("kubelet ", version, " resizes pods itself"), false};
  }
  if (seen.ResizesItself()) {
    // 1.27-1.32 with the InPlacePodVerticalScaling gate on: the kubelet owns resizes.
    return {
        Mode::kCompanion,
        absl::StrCat("kubelet ", version, " is seen resizing (InPlacePodVerticalScaling gate on)"),
        false};
  }
  if (v->minor >= 31) {
    return {Mode::kActuate,
            absl::StrCat("kubelet ", version, " neither resizes nor restarts on a resize"), false};
  }
  return {Mode::kObserve,
          absl::StrCat("kubelet ", version,
                       " restarts a container whose resources change; actuating would race the "
                       "restart, observing only"),
          true};
}

}  // namespace resizelet::reconcile
