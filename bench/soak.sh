#!/usr/bin/env bash
# The soak run (not a test, not in CI): the built proxy against the fake deployment for SOAK_MINUTES (default 30)
# at SOAK_SHARE (default 0.5) of the maximum throughput measured at its start, with a credential rotation every
# second (on a host shared with other work, a lower share such as 0.33 leaves the headroom that work takes). In the same
# minutes a probe sends signed requests for the same route straight to the deployment, at SOAK_PROBE_RATE (default
# 50 req/s), so that the proxy's p99 can be judged as a ratio to the upstream's own: on a shared VM the absolute
# p99 follows the host (CPU steal, other builds), and the ratio cancels most of that out.
# Passes with no error (proxy or probe), no failed rotation, and between the first SOAK_WINDOW minutes (default 5)
# after one settling minute and the last SOAK_WINDOW minutes: the p99 ratio changes by less than 15 % and the
# proxy's RSS by at most 10 %. Prints a line a minute (proxy p99, probe p99, ratio, RSS, CPU steal); writes
# bench/results/soak-*.txt.
#   bash bench/soak.sh            SOAK_MINUTES=10 SOAK_WINDOW=2 SOAK_SHARE=0.33 bash bench/soak.sh
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
