#!/bin/sh
# Runs the whole test suite: unit tests, the cross-checks against the Node reference implementations, and the
# end-to-end tests that run the built launcher (bin/taskcluster-proxy) as a separate process; then builds the
# native executable (scripts/native.sh) and runs every end-to-end test and the log audit again against it.
# TCP_TEST_NATIVE=0 leaves the native half out (a quicker run while working; CI runs both).
set -e
cd "$(dirname "$0")"
. scripts/java-home.sh
# The connection-check load test holds 10,000 sockets open in the test JVM.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# EgressProxyIT's forward proxy (the test runs its own on a free port; Debian's service on 8888 is not used).
command -v tinyproxy >/dev/null || apt-get install -y -q tinyproxy
# Debian's nginx is the h2 upstream of NginxHttp2IT (started by the test, with its own configuration).
command -v nginx >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q nginx; }
npm ci --prefix src/test/node --no-audit --no-fund --loglevel=error
mvn -B clean verify "$@"
[ "${TCP_TEST_NATIVE:-1}" = 0 ] && exit 0

scripts/native.sh
rm -rf target/native-dist && mkdir -p target/native-dist
tar -xzf target/taskcluster-proxy-*-linux-x64-native.tar.gz -C target/native-dist   # the one archive native.sh packed
mvn -B -Pnative failsafe:integration-test@end-to-end failsafe:integration-test@log-audit failsafe:verify@verify "$@"
