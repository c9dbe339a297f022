#!/usr/bin/env bash
# Installs, idempotently, what the build and each test lane need, from Debian bookworm's archive.
# Usage: scripts/install-deps.sh [build|fuzz|host|vm|kube|all]...   (default: all)
# One function per lane so lanes can grow without colliding.
set -euo pipefail

APT_UPDATED=0
apt_install() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then return 0; fi
  if ((APT_UPDATED == 0)); then
    apt-get update -qq
    APT_UPDATED=1
  fi
  echo "install-deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The compiler toolchain and every library the build links.
deps_build() {
  apt_install build-essential cmake ninja-build pkg-config git \
    libabsl-dev libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
    libspdlog-dev libfmt-dev libsimdjson-dev libcgroup-dev libsystemd-dev \
    libcurl4-openssl-dev libssl-dev libyaml-cpp-dev \
    libgtest-dev libgmock-dev googletest libbenchmark-dev
}

# libFuzzer and the sanitizers come with clang 14; callgrind counts instructions.
deps_fuzz() {
  apt_install clang libclang-rt-14-dev llvm valgrind
}

# The host lane: real containerd + runc on this machine's cgroup v1 hierarchy; kubectl; systemd tools.
deps_host() {
  apt_install containerd runc busybox-static systemd dbus dbus-daemon openssl curl
}

# The VM lane: Debian's kernel booted under qemu with a cgroup v2 initramfs; containerd, runc and
# crun are copied into the guest (scripts/vm/build-initramfs.sh --containerd).
deps_vm() {
  apt_install qemu-system-x86 linux-image-amd64 busybox-static cpio gzip containerd runc crun
}

# The Kubernetes lane: the local API server (cpp-httplib over OpenSSL, nlohmann JSON) and the
# client (libcurl, yaml-cpp for kubeconfig). kubectl itself ships with the machine image.
deps_kube() {
  apt_install libcpp-httplib-dev nlohmann-json3-dev libssl-dev openssl libcurl4-openssl-dev \
    libyaml-cpp-dev
}

# The operations surface: promtool (from Debian's prometheus) checks the /metrics exposition.
deps_obs() {
  apt_install prometheus
}

main() {
  local lanes=("$@")
  if ((${#lanes[@]} == 0)); then lanes=(all); fi
  local lane
  for lane in "${lanes[@]}"; do
    case "$lane" in
      build) deps_build ;;
      fuzz) deps_fuzz ;;
      host) deps_host ;;
      vm) deps_vm ;;
      kube) deps_kube ;;
      obs) deps_obs ;;
      all) deps_build; deps_fuzz; deps_host; deps_vm; deps_kube; deps_obs ;;
      *) echo "install-deps: unknown lane '$lane' (expected build|fuzz|host|vm|kube|all)" >&2; exit 2 ;;
    esac
  done
}

main "$@"
