#!/usr/bin/env bash
# Builds the tiny local OCI image the real-runtime tests and the demo run (no registry needed):
# an OCI image-layout tarball holding one layer with a static busybox, a static /pause (the
# sandbox's init) and a static /bin/memhog, named by the io.containerd.image.name annotation so
# `ctr -n k8s.io images import` registers it under that name.
#
# Usage: scripts/image/build-image.sh OUT.tar [IMAGE_NAME]
#   IMAGE_NAME defaults to localhost/resizelet/test:1
# Needs: gcc with static glibc (libc6-dev), busybox-static, tar, sha256sum.
set -euo pipefail

out=${1:?usage: build-image.sh OUT.tar [IMAGE_NAME]}
name=${2:-localhost/resizelet/test:1}
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked' && ! ldd "$busybox" 2>&1 | grep -q 'not a dynamic'; then
  echo "build-image: $busybox is not static (install busybox-static)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for tool in sh sleep cat echo ls ps head tail dd true false mkdir rm kill env id; do
  ln -s busybox "$root/bin/$tool"
done
gcc -static -O2 -s -o "$root/pause" "$here/pause.c"
gcc -static -O2 -s -o "$root/bin/memhog" "$here/memhog.c"
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

layout=$work/layout
mkdir -p "$layout/blobs/sha256"
# A reproducible layer: fixed order, owner and timestamps.
tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" .

put_blob() {  # file → prints "digest size", stores the blob
  local digest size
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$layout/blobs/sha256/$digest"
  echo "$digest $size"
}

read -r layer_digest layer_size < <(put_blob "$work/layer.tar")
cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"Env":["PATH=/bin"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_digest"]},"history":[{"created_by":"scripts/image/build-image.sh"}]}
JSON
read -r config_digest config_size < <(put_blob "$work/config.json")
cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer_digest","size":$layer_size}]}
JSON
read -r manifest_digest manifest_size < <(put_blob "$work/manifest.json")
cat >"$layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":$manifest_size,"annotations":{"io.containerd.image.name":"$name","org.opencontainers.image.ref.name":"${name##*:}"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"

mkdir -p "$(dirname "$out")"
# Written beside the target and renamed, so concurrent builds never expose a half-written file.
tar -C "$layout" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$out.$$.tmp" .
mv -f "$out.$$.tmp" "$out"
echo "build-image: $out ($name, $(stat -c %s "$out") bytes)"
