// The deploy/ manifests as `kubectl apply -f deploy/` reads them: every .yaml / .yml / .json file
// of the directory (not recursively), in name order, each possibly holding several documents.
#ifndef RESIZELET_TESTS_DEPLOY_MANIFESTS_H_
#define RESIZELET_TESTS_DEPLOY_MANIFESTS_H_

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace resizelet::deploy {

struct Manifest {
  std::string file;  // the name within the directory
  YAML::Node object;
};

// Every non-empty document of the directory's manifest files. An unparsable file is an error
// naming it.
absl::StatusOr<std::vector<Manifest>> LoadManifests(const std::string& dir);

// The objects of `kind`.
std::vector<YAML::Node> OfKind(const std::vector<Manifest>& manifests, const std::string& kind);

// The node at `path` below `node` (map keys), or a null node when any step is missing.
// Reads only: yaml-cpp's non-const operator[] would insert the keys it looks up.
YAML::Node At(const YAML::Node& node, std::initializer_list<const char*> path);

// The scalar at `path`, or "" when absent or not a scalar.
std::string Str(const YAML::Node& node, std::initializer_list<const char*> path);

// The scalars of the sequence at `path` (non-scalars and a missing sequence give nothing).
std::vector<std::string> Strings(const YAML::Node& node, std::initializer_list<const char*> path);

// The element of the sequence `list` whose `key` is `value`, or a null node.
YAML::Node Named(const YAML::Node& list, const std::string& value, const char* key = "name");

}  // namespace resizelet::deploy

#endif  // RESIZELET_TESTS_DEPLOY_MANIFESTS_H_
