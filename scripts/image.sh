#!/usr/bin/env bash
# Builds the OCI image with podman (Debian's package; no daemon needed), from scratch like the original's: one
# distribution under /opt/taskcluster-proxy, the glibc files it links against, /tmp, and nothing else.
#   bash scripts/image.sh [--native | --jvm] [tag]
#     --native (the default, the README's recommended build): the native distribution, after scripts/native.sh
#     --jvm: the JVM distribution with its own runtime, after ./build.sh
#   default tag: taskcluster-proxy:<version> (--jvm: taskcluster-proxy:<version>-jvm)
# The build context is target/image; src/main/container/Containerfile is built there, with the entrypoint of the
# chosen build (there is no shell in the image to run bin/taskcluster-proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
build=native
case ${1:-} in
    --native) shift ;;
    --jvm) build=jvm; shift ;;
esac
version=$(sed -n 's/^version=//p' target/classes/net/taskcluster/proxy/version.properties 2>/dev/null || true)
if [ $build = native ]; then
    dist=target/native/taskcluster-proxy
    [ -x "$dist/lib/taskcluster-proxy" ] || { echo "no native distribution: run ./build.sh and scripts/native.sh first" >&2; exit 1; }
    binaries=("$dist/lib/taskcluster-proxy" "$dist"/lib/*.so)
    entrypoint='"/opt/taskcluster-proxy/lib/taskcluster-proxy"'
    tag=${1:-taskcluster-proxy:$version}
else
    dist=target/dist/taskcluster-proxy
    [ -x "$dist/runtime/bin/java" ] || { echo "no distribution: run ./build.sh first" >&2; exit 1; }
    binaries=("$dist/runtime/bin/java" "$dist"/runtime/lib/*.so "$dist/runtime/lib/server/libjvm.so")
    # The options bin/taskcluster-proxy would give the JVM.
    entrypoint='"/opt/taskcluster-proxy/runtime/bin/java", "@/opt/taskcluster-proxy/lib/jvm.args", '
    entrypoint+='"-XX:AOTCache=/opt/taskcluster-proxy/lib/taskcluster-proxy.aot", '
    entrypoint+='"-cp", "/opt/taskcluster-proxy/lib/*", "net.taskcluster.proxy.Main"'
    tag=${1:-taskcluster-proxy:$version-jvm}
fi
command -v podman >/dev/null || apt-get install -y -q podman >&2

context=target/image
rm -rf "$context"
root=$context/rootfs
mkdir -p "$root/opt" "$root/tmp" "$root/etc" "$root/proc" "$root/dev" "$root/sys"   # mount points
chmod 1777 "$root/tmp"
cp -a "$dist" "$root/opt/taskcluster-proxy"
# The C library and the dynamic loader, as the binaries name them (the distribution's own .so files are in it).
for library in $(for binary in "${binaries[@]}"; do ldd "$binary"; done \
        | awk '$3 ~ /^\/(usr\/)?lib/ {print $3} $1 ~ /^\/lib/ {print $1}' | sort -u); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf 'root:x:0:0:root:/:/nonexistent\nnobody:x:65534:65534:nobody:/:/nonexistent\n' > "$root/etc/passwd"
sed "s|@ENTRYPOINT@|$entrypoint|" src/main/container/Containerfile > "$context/Containerfile"
podman build --quiet -t "$tag" -f "$context/Containerfile" "$context"
podman image ls "$tag"
