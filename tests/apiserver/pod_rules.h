// The slice of core/v1 pod validation the local API server enforces: QoS class
// (pkg/apis/core/v1/helper/qos GetPodQOS), the pods/resize rules of ValidatePodResize
// (pkg/apis/core/validation) and which fields a plain pod update may change.
#ifndef RESIZELET_TESTS_APISERVER_POD_RULES_H_
#define RESIZELET_TESTS_APISERVER_POD_RULES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace resizelet::apiserver {

// A quantity string ("500m", "1Gi", "1e3") in milli-units; nullopt when it does not parse.
std::optional<long double> ParseQuantityMilli(const std::string& s);

// "Guaranteed", "Burstable" or "BestEffort" for a pod document (container and pod-level resources).
std::string QosClassOf(const nlohmann::json& pod);

// Checks a resize from `old_pod` to `new_pod` (both full documents). InvalidArgument with the
// apiserver's message on violation: only cpu and memory may change, limits may not be removed,
// the QoS class may not change, nothing but resources may change.
absl::Status ValidateResize(const nlohmann::json& old_pod, const nlohmann::json& new_pod);

// Checks a plain pod update's spec. From 1.32 (`resize_subresource`) container resources are
// immutable there; before, they may change (InPlacePodVerticalScaling through the pod itself).
absl::Status ValidatePodUpdate(const nlohmann::json& old_pod, const nlohmann::json& new_pod,
                               bool resize_subresource);

}  // namespace resizelet::apiserver

#endif  // RESIZELET_TESTS_APISERVER_POD_RULES_H_
