#!/usr/bin/env bash
# The soak run (not a test, not in CI): the built proxy against the fake deployment for SOAK_MINUTES (default 30)
# at half of the maximum throughput measured at its start, with a credential rotation every second. Passes with no
# error and with p99 latency and RSS in the last SOAK_WINDOW minutes (default 5) within 10 % of the first.
# Prints a line a minute; writes bench/results/soak-*.txt. Run it on an otherwise idle machine.
#   bash bench/soak.sh            SOAK_MINUTES=10 SOAK_WINDOW=2 bash bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
if [ ! -x target/dist/taskcluster-proxy/bin/taskcluster-proxy ]; then
    ./build.sh
fi
if [ ! -d src/test/node/node_modules ]; then
    npm ci --prefix src/test/node --no-audit --no-fund --loglevel=error
fi
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" net.taskcluster.proxy.bench.Soak
