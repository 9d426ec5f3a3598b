#!/usr/bin/env bash
# Builds the OCI image from the distribution (run ./build.sh first): assembles target/image/rootfs (the
# distribution under /opt/taskcluster-proxy, the glibc files its runtime links against, /tmp) and builds
# src/main/container/Containerfile there with podman (Debian's package; no daemon needed).
#   bash scripts/image.sh [tag]       default tag: taskcluster-proxy:<version>
set -euo pipefail
cd "$(dirname "$0")/.."
dist=target/dist/taskcluster-proxy
[ -x "$dist/runtime/bin/java" ] || { echo "no distribution: run ./build.sh first" >&2; exit 1; }
version=$(sed -n 's/^version=//p' target/classes/net/taskcluster/proxy/version.properties)
tag=${1:-taskcluster-proxy:$version}
command -v podman >/dev/null || apt-get install -y -q podman >&2

context=target/image
rm -rf "$context"
root=$context/rootfs
mkdir -p "$root/opt" "$root/tmp" "$root/etc" "$root/proc" "$root/dev" "$root/sys"   # mount points
chmod 1777 "$root/tmp"
cp -a "$dist" "$root/opt/taskcluster-proxy"
# The C library and the dynamic loader, as the runtime's binaries name them.
for library in $( (ldd "$dist/runtime/bin/java"; for so in "$dist"/runtime/lib/*.so "$dist"/runtime/lib/server/libjvm.so; do ldd "$so"; done) \
        | awk '$3 ~ /^\/(usr\/)?lib/ {print $3} $1 ~ /^\/lib/ {print $1}' | sort -u); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf 'root:x:0:0:root:/:/nonexistent\nnobody:x:65534:65534:nobody:/:/nonexistent\n' > "$root/etc/passwd"
cp src/main/container/Containerfile "$context/"
podman build --quiet -t "$tag" -f "$context/Containerfile" "$context"
podman image ls "$tag"
