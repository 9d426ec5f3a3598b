#!/bin/sh
# Runs the whole test suite: unit tests, the cross-checks against the Node reference implementations, and the
# end-to-end tests that run the built launcher (bin/taskcluster-proxy) as a separate process.
set -e
cd "$(dirname "$0")"
. scripts/java-home.sh
npm ci --prefix src/test/node --no-audit --no-fund --loglevel=error
mvn -B clean verify "$@"
