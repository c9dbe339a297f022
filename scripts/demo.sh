#!/usr/bin/env bash
# The main job on a fresh machine (Debian 12, root): installs what it needs, builds resizelet, and
# resizes a running pod in place on a local node made of real parts:
#
#   the local API server (tests/apiserver)  ←  kubectl, as a user resizes
#   the stand-in kubelet 1.32 (tests/standin): runs the pod on a private containerd + runc
#   resizelet run: sees the resize, admits it, writes the pod cgroup and calls
#                  UpdateContainerResources, reports conditions and events
#
# It prints the cgroup values before and after, the events, and resizelet's metrics; then asks
# for more CPU than the node has and shows the Infeasible condition. Everything it starts is
# stopped on exit (the stand-in removes its pod and its containerd).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if ((EUID != 0)); then
  echo "demo: run as root (containerd and the pod cgroups need it)" >&2
  exit 1
fi

scripts/install-deps.sh build host kube
cmake --preset ci >/dev/null
cmake --build --preset ci --target resizelet resizelet-apiserver resizelet-standin-kubelet \
  resizelet_test_image

bin=$root/build/ci
resizelet=$bin/agent/resizelet
work=$(mktemp -d /tmp/resizelet-demo.XXXXXX)
pids=()

stop_all() {
  # resizelet first, then the stand-in (which removes the pod it runs), then the API server.
  local pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
}
trap stop_all EXIT

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1
  shift
  for _ in $(seq 1 $((seconds * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "demo: timed out after ${seconds}s waiting for: $*" >&2
  return 1
}

# The first line of a process's stdout that starts with "ready".
ready_line() { grep -m1 '^ready ' "$1"; }

# A free loopback port for resizelet's operations endpoints.
free_port() {
  local p
  for p in $(seq 10266 10366); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  echo "demo: no free port in 10266-10366" >&2
  return 1
}

section() { printf '\n== %s ==\n' "$1"; }

section "starting a local node in $work"
mkdir -p "$work/apiserver" "$work/state"
"$bin/tests/apiserver/resizelet-apiserver" --state-dir "$work/apiserver" \
  --git-version v1.32.4 >"$work/apiserver.out" 2>"$work/apiserver.log" &
pids+=($!)
wait_for 20 ready_line "$work/apiserver.out"
export KUBECONFIG=$work/apiserver/kubeconfig
echo "API server:      $(ready_line "$work/apiserver.out" | cut -d' ' -f2)"

"$bin/tests/standin/resizelet-standin-kubelet" --kubeconfig "$KUBECONFIG" --node-name node-a \
  --kubelet-version 1.32 --allocatable-cpu-milli 2000 --allocatable-memory-bytes 4294967296 \
  >"$work/standin.out" 2>"$work/standin.log" &
pids+=($!)
wait_for 60 ready_line "$work/standin.out"
endpoint=$(ready_line "$work/standin.out" | cut -d' ' -f2)
echo "kubelet 1.32:    stand-in on containerd at $endpoint"

port=$(free_port)
"$resizelet" run --kubeconfig "$KUBECONFIG" --node-name node-a \
  --container-runtime-endpoint "$endpoint" --state-directory "$work/state" \
  --metrics-bind-address "127.0.0.1:$port" --healthz-bind-address "127.0.0.1:$port" \
  2>"$work/resizelet.log" &
pids+=($!)
wait_for 30 curl -sf "http://127.0.0.1:$port/readyz"
echo "resizelet:       ready, metrics on http://127.0.0.1:$port/metrics"
grep -m1 '"Mode chosen"' "$work/resizelet.log" | sed 's/^.*"Mode chosen" /resizelet mode:  /'

section "kubectl apply -f examples/local-node/web-0.yaml"
kubectl apply -f examples/local-node/web-0.yaml
running() {
  [[ -n $(kubectl get pod web-0 -o jsonpath='{.status.containerStatuses[0].state.running}') ]]
}
wait_for 60 running
kubectl get pod web-0 -o wide
uid=$(kubectl get pod web-0 -o jsonpath='{.metadata.uid}')
cid=$(kubectl get pod web-0 -o jsonpath='{.status.containerStatuses[0].containerID}')
cid=${cid#*://}

# The pod's and the container's cgroup values, on cgroup v1 or v2.
show_cgroups() {
  local pod=kubepods/burstable/pod$uid
  if [[ -f /sys/fs/cgroup/cgroup.controllers && ! -d /sys/fs/cgroup/cpu ]]; then
    local p=/sys/fs/cgroup/$pod
    printf '  pod cgroup       cpu.max=%-16s cpu.weight=%-5s memory.max=%s\n' \
      "$(cat "$p/cpu.max")" "$(cat "$p/cpu.weight")" "$(cat "$p/memory.max")"
    printf '  container app    cpu.max=%-16s cpu.weight=%-5s memory.max=%s\n' \
      "$(cat "$p/$cid/cpu.max")" "$(cat "$p/$cid/cpu.weight")" "$(cat "$p/$cid/memory.max")"
  else
    local c=/sys/fs/cgroup/cpu/$pod m=/sys/fs/cgroup/memory/$pod
    printf '  pod cgroup       cpu.cfs_quota_us=%-7s cpu.shares=%-5s memory.limit_in_bytes=%s\n' \
      "$(cat "$c/cpu.cfs_quota_us")" "$(cat "$c/cpu.shares")" "$(cat "$m/memory.limit_in_bytes")"
    printf '  container app    cpu.cfs_quota_us=%-7s cpu.shares=%-5s memory.limit_in_bytes=%s\n' \
      "$(cat "$c/$cid/cpu.cfs_quota_us")" "$(cat "$c/$cid/cpu.shares")" \
      "$(cat "$m/$cid/memory.limit_in_bytes")"
  fi
}
echo "before: requests cpu 250m memory 64Mi, limits cpu 500m memory 128Mi"
show_cgroups

section "resizelet plan for the resize (what it will do)"
kubectl get pod web-0 -o json >"$work/web-0.json"
resize='{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"500m","memory":"128Mi"},"limits":{"cpu":"1","memory":"256Mi"}}}]}}'
kubectl patch pod web-0 --type strategic -p "$resize" --dry-run=client -o json >"$work/web-0-resized.json"
kubectl get node node-a -o json >"$work/node.json"
"$resizelet" plan --pod "$work/web-0-resized.json" --allocated "$work/web-0.json" \
  --node "$work/node.json" --cgroup-version "$([[ -d /sys/fs/cgroup/cpu ]] && echo 1 || echo 2)" \
  --cpu-weight-formula linear -o text

section "kubectl patch pod web-0 --subresource resize (cpu 500m/1, memory 128Mi/256Mi)"
start=$(date +%s%N)
kubectl patch pod web-0 --subresource resize --type strategic -p "$resize"
completed() {
  kubectl get events --field-selector involvedObject.name=web-0 -o jsonpath='{.items[*].reason}' |
    grep -q ResizeCompleted
}
wait_for 30 completed
echo "resize completed in $((($(date +%s%N) - start) / 1000000)) ms (patch to event, kubectl included)"
echo "after:"
show_cgroups
echo "conditions: $(kubectl get pod web-0 -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}')"
kubectl get events --field-selector involvedObject.name=web-0 \
  -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message

section "a resize beyond the node: cpu 4 on a 2-CPU node"
kubectl patch pod web-0 --subresource resize --type strategic \
  -p '{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"4"},"limits":{"cpu":"4"}}}]}}'
pending() {
  [[ -n $(kubectl get pod web-0 \
    -o jsonpath='{.status.conditions[?(@.type=="PodResizePending")].reason}') ]]
}
wait_for 30 pending
kubectl get pod web-0 -o jsonpath='{range .status.conditions[?(@.type=="PodResizePending")]}{.type}: {.reason}: {.message}{"\n"}{end}'

section "resizelet's metrics (non-zero resize series)"
curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^resizelet_(mode|resize|pod_|container_|status|events|cri_call_duration_seconds_count)' |
  grep -v -e ' 0$' -e '_bucket{' || true

section "stopping (resizelet, then the stand-in removes its pod and containerd)"
stop_all
trap - EXIT
echo "logs kept in $work"
