#!/usr/bin/env bash
# JMH microbenchmarks (not tests): the signing hot path, and the allocation of a proxied request.
#   bash bench/jmh.sh                 all benchmarks, with the GC profiler (bytes allocated per operation)
#   bash bench/jmh.sh Signing -f 2    any JMH arguments (a benchmark name pattern first)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main \
    -prof gc -rf json -rff target/jmh-result.json "${@:-net.taskcluster.proxy.bench}"
