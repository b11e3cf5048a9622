#!/usr/bin/env bash
# Runs the cluster tests (tests/cluster/*.test.js) on a real cluster: scripts/cluster.sh starts
# PostgreSQL, Kamailio and CLUSTER_NODES (default 3) nodes in their own network namespaces
# (nothing leaves them), the tests run inside that network, and the cluster is stopped at the end.
#   tests/run-cluster.sh                     the fast version (6 rooms; CI)
#   CLUSTER_ROOMS=30 tests/run-cluster.sh    the full version (`make test-cluster`)
#   tests/run-cluster.sh --bench             `make bench-cluster` (tests/cluster/bench-cluster.js)
# Needs root and a build (scripts/build.sh). TAP goes to tests/out/cluster.tap (or $TPAAS_TAP);
# the cluster's logs stay in tests/out/cluster/logs.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export CLUSTER_DIR=${CLUSTER_DIR:-$HERE/out/cluster}
mkdir -p "$HERE/out"
# sipp callers send no RTP: keep their calls (and so their rooms) up for the whole test.
export SIP_MEDIA_TIMEOUT=${SIP_MEDIA_TIMEOUT:-600}
if [ "${1:-}" = "--bench" ]; then
	shift
	exec node "$HERE/cluster/bench-cluster.js" "$@"
fi
"$ROOT/scripts/cluster.sh" stop >/dev/null 2>&1
"$ROOT/scripts/cluster.sh" start -n "${CLUSTER_NODES:-3}" || exit 1
trap '"$ROOT/scripts/cluster.sh" stop' EXIT
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$HERE"/cluster/*.test.js)
cd "$HERE"
"$ROOT/scripts/cluster.sh" exec node --test --test-concurrency=1 --test-timeout=600000 \
	--test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=tap --test-reporter-destination="${TPAAS_TAP:-$HERE/out/cluster.tap}" \
	"${files[@]}"
