#!/bin/sh
# Builds the proxy (bin/taskcluster-proxy runs the result). Tests are not run here: see test.sh.
set -e
cd "$(dirname "$0")"
. scripts/java-home.sh
mvn -B -q -DskipTests package "$@"
