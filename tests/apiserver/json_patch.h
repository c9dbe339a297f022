// JSON merge patch (RFC 7386) and the strategic merge patch subset the core/v1 types need, applied
// to nlohmann::json documents. The local API server uses these to serve PATCH as the real
// apiserver does (k8s.io/apimachinery/pkg/util/strategicpatch).
#ifndef RESIZELET_TESTS_APISERVER_JSON_PATCH_H_
#define RESIZELET_TESTS_APISERVER_JSON_PATCH_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace resizelet::apiserver {

// RFC 7386: objects merge recursively, null deletes, everything else (lists included) replaces.
nlohmann::json MergePatch(const nlohmann::json& target, const nlohmann::json& patch);

// Strategic merge patch over a Pod, Node or Event document. Lists with a patch merge key in the
// core/v1 Go types (containers by `name`, conditions by `type`, ...) merge item by item; other
// lists replace. Directives: `$patch: replace|merge|delete`, `$setElementOrder/<list>` and
// `$retainKeys` (accepted and ignored for ordering), `$deleteFromPrimitiveList/<list>`. An unknown
// `$patch` value is InvalidArgument (the apiserver answers 422). `path` is the dotted path of
// `target` in the object, used to look the merge key up.
absl::StatusOr<nlohmann::json> StrategicMergePatch(const nlohmann::json& target,
                                                   const nlohmann::json& patch,
                                                   const std::string& path = "");

// The merge key of the list at dotted `path` (e.g. "spec.containers" -> "name"), or "" when the
// list is replaced wholesale.
std::string MergeKeyFor(const std::string& path);

}  // namespace resizelet::apiserver

#endif  // RESIZELET_TESTS_APISERVER_JSON_PATCH_H_
