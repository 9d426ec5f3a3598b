#!/usr/bin/env bash
# Peak RSS under 1,000 concurrent uploads, this proxy beside nginx (bench/uploads.py says how). Not a test.
#   CALLERS=1000 SIZES=65536,262144,1048576,chunked bash bench/uploads.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null 2>&1 || apt-get install -y -q nginx >&2
[ -x target/dist/taskcluster-proxy/bin/taskcluster-proxy ] || ./build.sh
ulimit -n 65536 2>/dev/null || true
exec python3 bench/uploads.py "$@"
