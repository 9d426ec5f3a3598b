#!/usr/bin/env bash
# Makes the distribution from the packaged jars (Maven runs this in its package phase):
#   target/dist/taskcluster-proxy/{bin/taskcluster-proxy, lib/*.jar, lib/jvm.args, lib/taskcluster-proxy.aot, runtime/}
#   target/taskcluster-proxy-<version>-linux-x64.tar.gz (the same, in a folder taskcluster-proxy-<version>)
# The runtime is a jlink image of the JDK building it; the AOT cache is recorded by a training run in that runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
. scripts/java-home.sh

dist=target/dist/taskcluster-proxy
rm -rf target/dist
mkdir -p "$dist/bin" "$dist/lib"
cp target/taskcluster-proxy.jar target/lib/*.jar "$dist/lib/"
cp src/main/dist/jvm.args "$dist/lib/"
cp bin/taskcluster-proxy "$dist/bin/"
cp LICENSE "$dist/"

# Modules: the JDK's base, sun.misc.Signal (jdk.unsupported), and java.management, which Jetty names (the proxy
# keeps it from being started). TLS, DNS and the CA certificates are all in java.base.
"$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.unsupported,java.management \
    --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$dist/runtime"

# Training: the classes, links and profiles of a proxy at work, recorded in the runtime that will run it.
"$dist/runtime/bin/java" @"$dist/lib/jvm.args" -XX:AOTCacheOutput="$dist/lib/taskcluster-proxy.aot" \
    -cp "$dist/lib/*" net.taskcluster.proxy.Training > target/aot-training.log 2>&1 \
    || { cat target/aot-training.log >&2; exit 1; }

tar -C target/dist -czf "target/taskcluster-proxy-$version-linux-x64.tar.gz" \
    --transform "s,^taskcluster-proxy,taskcluster-proxy-$version," --owner=0 --group=0 taskcluster-proxy
