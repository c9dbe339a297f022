// The mode resizelet runs in on a node, chosen once at start-up from the node's kubelet version and
// from what the kubelet is seen to do (docs/product.md, "Living next to the kubelet"):
//
//   kubelet                                              does with a resize      mode
//   >= 1.33, or seen resizing (allocatedResources,       resizes itself          companion
//   containerStatuses[].resources, or as field manager
//   of the resize conditions)
//   1.31 - 1.32, gate off                                nothing                 actuate
//   <= 1.30, gate off                                    restarts the container  observe (warn)
//
// Kubelets up to 1.30 hash the whole container spec, so a resources change restarts the container
// (kubernetes PR #124220 made 1.31 hash only name and image): actuating there races the restart.
// An unknown or unparsable version is treated as the safe choice, observe.
#ifndef RESIZELET_AGENT_RECONCILE_MODE_H_
#define RESIZELET_AGENT_RECONCILE_MODE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/api/objects.h"

namespace resizelet::reconcile {

enum class Mode { kActuate, kCompanion, kObserve };
// --mode: auto picks by the table above; the others force a mode.
enum class ModeFlag { kAuto, kActuate, kCompanion, kObserve };

// "actuate", "companion", "observe" (the `mode` metric label).
const char* ModeName(Mode mode);
// Parses --mode ("auto", "actuate", "companion", "observe"); nullopt otherwise.
std::optional<ModeFlag> ParseModeFlag(std::string_view text);

struct KubeletVersion {
  int major = 0;
  int minor = 0;
};
// "v1.32.4", "v1.33.0-rc.1+k3s1", "1.30" → {1, 32}, ...; nullopt when it is not a version.
std::optional<KubeletVersion> ParseKubeletVersion(std::string_view text);

// What the kubelet was seen to write on this node's pods.
struct KubeletObservations {
  // A pod's status.containerStatuses[].allocatedResources or status.allocatedResources is set.
  bool writes_allocated_resources = false;
  // A pod's status.containerStatuses[].resources is set.
  bool writes_container_resources = false;
  // The kubelet is the field manager of PodResizePending / PodResizeInProgress (from
  // managedFields; resizelet writes under its own manager and ignores its own writes).
  bool manages_resize_conditions = false;

  bool ResizesItself() const {
    return writes_allocated_resources || writes_container_resources || manages_resize_conditions;
  }
};

// Scans the pods bound to this node for the first two signs above.
KubeletObservations ObserveKubelet(const std::vector<api::Pod>& pods);

struct ModeChoice {
  Mode mode = Mode::kObserve;
  // Why, for the start-up log line and the mode metric's `reason` label.
  std::string reason;
  // True when the operator should be warned (observe only on a node we could have helped).
  bool warn = false;
};

ModeChoice ChooseMode(ModeFlag flag, std::string_view kubelet_version,
                      const KubeletObservations& seen);

}  // namespace resizelet::reconcile

#endif  // RESIZELET_AGENT_RECONCILE_MODE_H_
