#!/usr/bin/env bash
# Builds the VM lane's initramfs: static busybox, the given test programs with the shared
# libraries ldd lists, the modules for an ext2 filesystem on a loop device, and an /init that
# mounts cgroup2 at /sys/fs/cgroup, enables +cpu +memory +pids +io, runs the programs in order,
# prints "RESIZELET-VM: PASS" or "RESIZELET-VM: FAIL ..." on the console and powers off.
#
# Reclaimable page cache needs a real filesystem (tmpfs/ramfs pages are not reclaimable without
# swap, and block-device reads of brd/loop are not cached on this kernel): /init mounts ext2 on
# /dev/loop0 at /mnt and creates the sparse file /mnt/cache (48 MiB); reading its holes fills
# clean page cache charged to the reader's cgroup.
#
# --containerd adds what containerd on cgroup v2 needs (testing.md, "With containerd inside"):
# containerd, its runc shim, ctr, runc and crun at their Debian paths with their libraries,
# overlay.ko (insmod'ed), /etc/hosts and /etc/resolv.conf (copied into host-network sandboxes),
# /run, and /dev/stdin (crun reads the resources of "update -r -" from it). /init first moves the
# whole root onto a tmpfs and switch_roots there: runc and crun pivot_root into the container's
# rootfs, which fails while / is the initramfs (rootfs cannot be pivoted away from).
# --file SRC:DST copies SRC into the image as DST (e.g. the test image tarball); repeatable.
# --binary PATH copies an executable into /bin with the shared libraries ldd lists, without running
# it (e.g. the resizelet daemon a test program starts as a child); repeatable.
# Usage: build-initramfs.sh [--containerd] [--file SRC:DST]... [--binary PATH]... OUT.cpio.gz
#                           KERNEL_VERSION PROGRAM [PROGRAM...]
set -euo pipefail

with_containerd=0
extra_files=()
extra_binaries=()
while (($#)); do
  case $1 in
    --containerd) with_containerd=1; shift ;;
    --file) extra_files+=("$2"); shift 2 ;;
    --binary) extra_binaries+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
if (($# < 3)); then
  echo "usage: $0 [--containerd] [--file SRC:DST]... [--binary PATH]... OUT.cpio.gz KERNEL_VERSION PROGRAM..." >&2
  exit 2
fi
out=$1
kver=$2
shift 2

busybox=/bin/busybox
if ! [[ -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
  echo "build-initramfs: a static $busybox is needed (package busybox-static)" >&2
  exit 1
fi
# Load order matters: busybox insmod does not resolve dependencies.
modules=(drivers/block/loop crypto/crc32c_generic lib/crc16 fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4)
for m in "${modules[@]}"; do
  if ! [[ -f /lib/modules/$kver/kernel/$m.ko ]]; then
    echo "build-initramfs: /lib/modules/$kver/kernel/$m.ko not found (linux-image-amd64)" >&2
    exit 1
  fi
done

# containerd's CRI plugin and shim, and the two OCI runtimes, at the paths the harness uses.
runtime_bins=(/usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/ctr /usr/sbin/runc
  /usr/bin/crun)
overlay_ko=/lib/modules/$kver/kernel/fs/overlayfs/overlay.ko
if ((with_containerd)); then
  for b in "${runtime_bins[@]}"; do
    if ! [[ -x $b ]]; then
      echo "build-initramfs: $b not found (scripts/install-deps.sh host vm: containerd runc crun)" >&2
      exit 1
    fi
  done
  if ! [[ -f $overlay_ko ]]; then
    echo "build-initramfs: $overlay_ko not found (linux-image-amd64)" >&2
    exit 1
  fi
fi
for f in ${extra_files[@]+"${extra_files[@]}"}; do
  if ! [[ -f ${f%%:*} ]]; then
    echo "build-initramfs: --file ${f%%:*} not found" >&2
    exit 1
  fi
done
for b in ${extra_binaries[@]+"${extra_binaries[@]}"}; do
  if ! [[ -x $b ]]; then
    echo "build-initramfs: --binary $b not found or not executable" >&2
    exit 1
  fi
done

stage=$(mktemp -d /tmp/resizelet-initramfs.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$busybox" "$stage/bin/busybox"
for m in "${modules[@]}"; do
  cp "/lib/modules/$kver/kernel/$m.ko" "$stage/lib/modules/"
done
# The kernel opens /dev/console before /init runs and before devtmpfs is mounted.
mknod -m 600 "$stage/dev/console" c 5 1

copy_libs() {
  local prog=$1 lib
  # "libx.so => /path (addr)" and the loader's "/lib64/ld-linux-x86-64.so.2 (addr)".
  for lib in $(ldd "$prog" | awk '/=>/ {print $3} !/=>/ && $1 ~ /^\// {print $1}'); do
    [[ -e $stage$lib ]] && continue
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done
}
copy_with_libs() {
  cp "$1" "$stage/bin/"
  copy_libs "$1"
}
if ((with_containerd)); then
  for b in "${runtime_bins[@]}"; do
    mkdir -p "$stage$(dirname "$b")"
    cp "$b" "$stage$b"
    copy_libs "$b"
  done
  cp "$overlay_ko" "$stage/lib/modules/overlay.ko"
  mkdir -p "$stage/etc" "$stage/run" "$stage/var"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$stage/etc/hosts"
  : >"$stage/etc/resolv.conf"
  echo resizelet-vm >"$stage/etc/hostname"
fi
for f in ${extra_files[@]+"${extra_files[@]}"}; do
  mkdir -p "$stage$(dirname "${f#*:}")"
  cp "${f%%:*}" "$stage${f#*:}"
done
for b in ${extra_binaries[@]+"${extra_binaries[@]}"}; do
  copy_with_libs "$b"
done
programs=()
for prog in "$@"; do
  copy_with_libs "$prog"
  programs+=("/bin/$(basename "$prog")")
done

# The --containerd parts of /init: the move onto a tmpfs root, and the runtime setup.
switch_stage=
runtime_setup=
path=/bin
if ((with_containerd)); then
  path=/usr/sbin:/usr/bin:/sbin:/bin
  # Single quotes on purpose: these lines expand in the guest, not here.
  # shellcheck disable=SC2016
  switch_stage='if [ -z "$RESIZELET_ON_TMPFS" ]; then
  mkdir -p /newroot && mount -t tmpfs -o size=1536m,mode=755 tmpfs /newroot || fail "tmpfs root"
  for d in /*; do
    case $d in /newroot|/proc|/sys|/dev) ;; *) cp -a "$d" /newroot/ || fail "copy $d" ;; esac
  done
  mkdir -p /newroot/proc /newroot/sys /newroot/dev
  export RESIZELET_ON_TMPFS=1
  exec switch_root /newroot /init
fi'
  # shellcheck disable=SC2016
  runtime_setup='insmod /lib/modules/overlay.ko || fail "insmod overlay"
ln -sf /proc/self/fd /dev/fd && ln -sf /proc/self/fd/0 /dev/stdin || fail "/dev/stdin"
ln -sf /proc/self/fd/1 /dev/stdout && ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs shm /dev/shm
hostname resizelet-vm
echo "RESIZELET-VM: containerd $(containerd --version | cut -d" " -f3), $(runc --version | head -n1), $(crun --version | head -n1); guest up $(cut -d" " -f1 /proc/uptime) s"'
fi

cat >"$stage/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=$path
fail() { echo "RESIZELET-VM: FAIL (\$*)"; poweroff -f; }
$switch_stage
mount -t proc proc /proc || fail "mount proc"
mount -t sysfs sysfs /sys || fail "mount sysfs"
mount -t devtmpfs devtmpfs /dev || fail "mount devtmpfs"
mount -t tmpfs tmpfs /tmp || fail "mount tmpfs"
mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
echo "+cpu +memory +pids +io" > /sys/fs/cgroup/cgroup.subtree_control || fail "enable controllers"
for m in ${modules[*]}; do insmod /lib/modules/\${m##*/}.ko || fail "insmod \$m"; done
dd if=/dev/zero of=/tmp/ext2.img bs=1M count=8 2>/dev/null || fail "ext2 image"
losetup /dev/loop0 /tmp/ext2.img || fail "losetup"
mke2fs -q /dev/loop0 >/dev/null || fail "mke2fs"
mkdir -p /mnt && mount -t ext2 /dev/loop0 /mnt || fail "mount ext2"
truncate -s 48M /mnt/cache || fail "page cache file"
echo "RESIZELET-VM: kernel \$(uname -r); cgroup2 controllers: \$(cat /sys/fs/cgroup/cgroup.subtree_control)"
$runtime_setup
rc=0
for p in ${programs[*]}; do
  \$p \${RESIZELET_GTEST_FILTER:+--gtest_filter=\$RESIZELET_GTEST_FILTER} || rc=\$?
done
if [ "\$rc" = 0 ]; then echo "RESIZELET-VM: PASS"; else echo "RESIZELET-VM: FAIL (exit \$rc)"; fi
sync
poweroff -f
INIT
chmod 755 "$stage/init"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
