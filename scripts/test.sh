#!/usr/bin/env bash
# Installs, builds and runs every test of tpaas-vmr:
#   1. C unit tests (GTest via `make check`), against SQLite and a throw-away PostgreSQL,
#   2. the same unit tests built with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. libFuzzer smoke runs of every parser harness (`make fuzz-smoke`),
#   4. integration tests: real janus + our .so files + headless chromium + a real SMTP server,
#      in a private network namespace.
# Ends with one line: "N passed, N failed". Exit status 0 only when nothing failed.
# Needs root (apt-get, `unshare --net`, PostgreSQL run as the postgres user).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

echo "=== dependencies"
scripts/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }
echo "=== build"
if ! scripts/build.sh || ! scripts/build.sh --sanitizers; then
	echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
# Every suite runs with TPAAS_TEST_PG_URI set to a throw-away PostgreSQL server.
exec tests/unit/pg-test-server.sh -- bash scripts/run-suites.sh
