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
# Usage: build-initramfs.sh OUT.cpio.gz KERNEL_VERSION PROGRAM [PROGRAM...]
set -euo pipefail

if (($# < 3)); then
  echo "usage: $0 OUT.cpio.gz KERNEL_VERSION PROGRAM [PROGRAM...]" >&2
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

stage=$(mktemp -d /tmp/resizelet-initramfs.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$busybox" "$stage/bin/busybox"
for m in "${modules[@]}"; do
  cp "/lib/modules/$kver/kernel/$m.ko" "$stage/lib/modules/"
done
# The kernel opens /dev/console before /init runs and before devtmpfs is mounted.
mknod -m 600 "$stage/dev/console" c 5 1

copy_with_libs() {
  local prog=$1 lib
  cp "$prog" "$stage/bin/"
  # "libx.so => /path (addr)" and the loader's "/lib64/ld-linux-x86-64.so.2 (addr)".
  for lib in $(ldd "$prog" | awk '/=>/ {print $3} !/=>/ && $1 ~ /^\// {print $1}'); do
    [[ -e $stage$lib ]] && continue
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done
}
programs=()
for prog in "$@"; do
  copy_with_libs "$prog"
  programs+=("/bin/$(basename "$prog")")
done

cat >"$stage/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() { echo "RESIZELET-VM: FAIL (\$*)"; poweroff -f; }
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
