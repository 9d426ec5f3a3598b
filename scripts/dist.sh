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

# Training: the classes, links and profiles of a proxy at work, recorded by the launcher itself (the JVM uses a cache
# only with the class path it was recorded with) while src/training/java plays the deployment and the task.
if [ -f target/test-classpath.txt ] && [ -d target/test-classes/net/taskcluster/proxy/training ]; then
    "$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
        net.taskcluster.proxy.training.TrainingRun "$dist" "$PWD/$dist/lib/taskcluster-proxy.aot" "$PWD/target/aot-training.log" \
        || { cat target/aot-training.log >&2; exit 1; }
else
    echo "dist.sh: no AOT cache: the training run is compiled with the tests (build with -DskipTests, not -Dmaven.test.skip)" >&2
fi

tar -C target/dist -czf "target/taskcluster-proxy-$version-linux-x64.tar.gz" \
    --transform "s,^taskcluster-proxy,taskcluster-proxy-$version," --owner=0 --group=0 taskcluster-proxy
