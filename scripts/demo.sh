#!/usr/bin/env bash
# The main job on a fresh machine: installs what the build needs, builds resizelet, and asks it
# what it would do for a resize of a sample pod on a sample node (`resizelet plan`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
cmake --preset ci >/dev/null
cmake --build --preset ci --target resizelet

bin=build/ci/agent/resizelet
ex=examples
echo
echo "== resizelet plan: web-0 grows from 500m/256Mi to 1 CPU/512Mi on a 4-CPU node =="
"$bin" plan --pod "$ex/pod-resized.yaml" --allocated "$ex/pod.yaml" --node "$ex/node.yaml" \
  --pods "$ex/other-pods.json" -o text
echo
echo "== the same as JSON (cgroup v2, systemd driver) =="
"$bin" plan --pod "$ex/pod-resized.yaml" --allocated "$ex/pod.yaml" --node "$ex/node.yaml" \
  --pods "$ex/other-pods.json" --cgroup-driver systemd -o json
