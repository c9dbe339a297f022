#!/usr/bin/env bash
# Boots Debian's kernel under qemu (TCG) with an initramfs holding the given test programs and
# reports their result. Exit status 0 only when the guest printed "RESIZELET-VM: PASS".
# Missing qemu or kernel is a failure, never a skip.
# Usage: run-vm.sh [--timeout SECONDS] [--filter GTEST_FILTER] [--memory MIB] [--containerd]
#                  [--file SRC:DST]... [--binary PATH]... [--env KEY=VALUE]... PROGRAM [PROGRAM...]
#   --containerd   containerd, runc and crun in the guest (build-initramfs.sh --containerd);
#                  the memory default becomes 2048 MiB
#   --file         copied into the initramfs (build-initramfs.sh --file)
#   --binary       an executable copied into the guest's /bin with its libraries, not run by /init
#                  (build-initramfs.sh --binary)
#   --env          a kernel command-line word, which reaches /init and the programs as environment
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

timeout_s=110
filter=
memory_mib=
build_opts=()
env_words=()
while (($#)); do
  case $1 in
    --timeout) timeout_s=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --memory) memory_mib=$2; shift 2 ;;
    --containerd) build_opts+=(--containerd); memory_mib=${memory_mib:-2048}; shift ;;
    --file) build_opts+=(--file "$2"); shift 2 ;;
    --binary) build_opts+=(--binary "$2"); shift 2 ;;
    --env) env_words+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
memory_mib=${memory_mib:-512}
if (($# == 0)); then
  echo "usage: $0 [--timeout S] [--filter F] PROGRAM..." >&2
  exit 2
fi

qemu=$(command -v qemu-system-x86_64 || true)
if [[ -z $qemu ]]; then
  echo "RESIZELET-VM: FAIL (qemu-system-x86_64 not found: scripts/install-deps.sh vm)" >&2
  exit 1
fi
kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1 || true)
if [[ -z $kernel ]]; then
  echo "RESIZELET-VM: FAIL (no /boot/vmlinuz-*: scripts/install-deps.sh vm installs linux-image-amd64)" >&2
  exit 1
fi
kver=${kernel#/boot/vmlinuz-}

work=$(mktemp -d /tmp/resizelet-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/build-initramfs.sh" ${build_opts[@]+"${build_opts[@]}"} "$work/initramfs.cpio.gz" "$kver" "$@"

append="console=ttyS0 quiet panic=-1 psi=1"
[[ -n $filter ]] && append+=" RESIZELET_GTEST_FILTER=$filter"
for w in ${env_words[@]+"${env_words[@]}"}; do append+=" $w"; done

start=$(date +%s)
set +e
timeout --kill-after=5 "$timeout_s" "$qemu" -accel tcg -nographic -no-reboot -m "$memory_mib" -smp 2 \
  -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" -append "$append" \
  </dev/null 2>&1 | tr -d '\r' | tee "$work/console.log"
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(($(date +%s) - start))

if grep -q '^RESIZELET-VM: PASS' "$work/console.log"; then
  echo "run-vm: PASS in ${elapsed}s (kernel $kver, initramfs $(($(stat -c %s "$work/initramfs.cpio.gz") >> 20)) MiB)"
  exit 0
fi
if ((qemu_rc == 124 || qemu_rc == 137)); then
  echo "run-vm: FAIL: no result within ${timeout_s}s (kernel $kver)" >&2
else
  echo "run-vm: FAIL: the guest did not report PASS (qemu exit $qemu_rc, ${elapsed}s)" >&2
fi
exit 1
