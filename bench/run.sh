#!/usr/bin/env bash
# The benchmark (not a test): this proxy beside nginx as a plain reverse proxy, both against the same nginx
# upstream on 127.0.0.1, and beside direct calls to that upstream. Prints a table and writes bench/results/*.json.
# Installs what it needs from Debian's packages (wrk, nginx, curl, python3) and builds the proxy if it is not built.
#   DURATION=10 (seconds per load run)   RUNS=20 (start-ups timed)   bash bench/run.sh
# Both builds are measured: the JVM distribution (target/dist) and, once scripts/native.sh has built it,
# the native one (target/native/taskcluster-proxy); JVM_LAUNCHER and NATIVE_LAUNCHER name others.
# `bash bench/run.sh h2` runs the https upstream scenario instead (bench/h2.py): h2 against HTTP/1.1, small GETs
# and 100 MiB each way, for each build.
# `bash bench/run.sh tail` sets each build's GC pauses against its latency distribution at c=1 (bench/tail.py).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for tool in wrk:wrk nginx:nginx curl:curl python3:python3 openssl:openssl; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get install -y -q "${missing[@]}" >&2
fi
if [ ! -x target/dist/taskcluster-proxy/bin/taskcluster-proxy ]; then
    ./build.sh
fi
. scripts/java-home.sh
if [ "${1:-}" = h2 ]; then
    shift
    exec python3 bench/h2.py "$@"
fi
if [ "${1:-}" = tail ]; then
    shift
    exec python3 bench/tail.py "$@"
fi
exec python3 bench/run.py "$@"
