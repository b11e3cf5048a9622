#!/usr/bin/env bash
# Runs the test suites of an already built tree (scripts/test.sh calls it) and prints
# "N passed, N failed" last. TPAAS_TEST_PG_URI, when set, adds the PostgreSQL runs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/tests/out
mkdir -p "$OUT"
passed=0; failed=0

# Unit tests, valgrind and the fuzz smoke run two at a time (make -j2): each test and each
# harness is its own process with its own files and PostgreSQL database, so the result is the
# same as one at a time; on the 2-core machine this halves those steps.
JOBS=${TPAAS_TEST_JOBS:-2}
T0=$(date +%s)
step() { echo; echo "=== $*  [at $(( $(date +%s) - T0 )) s]"; }
tap_fails=0
count_tap() {   # adds a node --test TAP file's totals; count_tap LABEL FILE; sets tap_fails
	local label=$1 tap=$2 p f c
	p=$(grep -E '^# pass [0-9]+' "$tap" | tail -1 | awk '{print $3}')
	f=$(grep -E '^# fail [0-9]+' "$tap" | tail -1 | awk '{print $3}')
	c=$(grep -E '^# cancelled [0-9]+' "$tap" | tail -1 | awk '{print $3}')
	tap_fails=$(( ${f:-1} + ${c:-0} ))
	passed=$((passed + ${p:-0})); failed=$((failed + tap_fails))
	echo "$label: ${p:-0} passed, $tap_fails failed"
}
count_trs() {   # sums subtest results of automake's .trs files under $1
	local dir=$1 p f
	p=$(find "$dir" -name '*.trs' -exec grep -h '^:test-result: PASS' {} + 2>/dev/null | wc -l)
	f=$(find "$dir" -name '*.trs' -exec grep -hE '^:test-result: (FAIL|ERROR|XPASS)' {} + 2>/dev/null | wc -l)
	passed=$((passed + p)); failed=$((failed + f))
	echo "unit tests in $dir: $p passed, $f failed"
	[ -n "$(find "$dir" -name '*.trs' -print -quit)" ] || { echo "no unit test ran in $dir"; failed=$((failed + 1)); }
}

step "C formatting (.clang-format, clang-format --dry-run on every C file)"
if scripts/check-format.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

step "unit tests${TPAAS_TEST_PG_URI:+ (SQLite and PostgreSQL)}"
find _build -name '*.trs' -delete 2>/dev/null
make -C _build -s -j"$JOBS" check >"$OUT/unit.log" 2>&1 || cat "$OUT/unit.log"
grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' "$OUT/unit.log" | grep -vE '^PASS' || true
count_trs _build

step "unit tests under AddressSanitizer + UBSan"
find _build-asan -name '*.trs' -delete 2>/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	make -C _build-asan -s -j"$JOBS" check >"$OUT/unit-asan.log" 2>&1 || cat "$OUT/unit-asan.log"
grep -E '^(FAIL|ERROR|XPASS):' "$OUT/unit-asan.log" || true
count_trs _build-asan

step "unit tests under valgrind memcheck (make valgrind-check, SQLite only)"
if env -u TPAAS_TEST_PG_URI make -C _build -s -j"$JOBS" valgrind-check >"$OUT/unit-valgrind.log" 2>&1; then :; else
	grep -E '^(FAIL|ERROR):' "$OUT/unit-valgrind.log" || tail -40 "$OUT/unit-valgrind.log"
fi
vp=$(grep -E '^# PASS: ' _build/tests/unit/valgrind-suite.log 2>/dev/null | awk '{print $3}')
vf=$(grep -E '^# (FAIL|ERROR|XPASS): ' _build/tests/unit/valgrind-suite.log 2>/dev/null | awk '{s += $3} END {print s + 0}')
[ -n "$vp" ] || vf=$((vf + 1))
passed=$((passed + ${vp:-0})); failed=$((failed + vf))
echo "unit tests under valgrind: ${vp:-0} passed, $vf failed"

step "fuzz smoke (every libFuzzer harness, a fixed number of runs from a fixed seed)"
if make -C _build -s -j"$JOBS" fuzz-smoke >"$OUT/fuzz.log" 2>&1; then
	n=$(grep -cE '^fuzz: [a-z0-9_]+ ok:' "$OUT/fuzz.log" || true)
	echo "fuzz harnesses without a crash: $n"; passed=$((passed + n))
else
	tail -40 "$OUT/fuzz.log"; echo "fuzz smoke failed"; failed=$((failed + 1))
fi

step "Debian package (dpkg-buildpackage, lintian, dpkg -i and the service from the installed files)"
if deb=$(scripts/make-deb.sh --no-lintian 2>"$OUT/package-build.log" | tail -1) && [ -f "$deb" ]; then
	passed=$((passed + 1)); echo "the package builds: $deb"
	if lintian --fail-on error "$deb" >"$OUT/lintian.log" 2>&1; then passed=$((passed + 1)); echo "lintian: no errors"; else
		failed=$((failed + 1)); grep '^E:' "$OUT/lintian.log"; echo "lintian reports errors"; fi
	tests/package/install-test.sh "$deb" >"$OUT/package.log" 2>&1
	pp=$(grep -c '^ok - ' "$OUT/package.log"); pf=$(grep -c '^not ok - ' "$OUT/package.log")
	tail -1 "$OUT/package.log" | grep -qE '^[0-9]+ passed, [0-9]+ failed$' || pf=$((pf + 1))
	[ "$pf" -eq 0 ] || grep -A5 '^not ok' "$OUT/package.log"
	passed=$((passed + pp)); failed=$((failed + pf))
	echo "package install test: $pp passed, $pf failed"
else
	tail -40 "$OUT/package-build.log"; echo "the package does not build"; failed=$((failed + 1))
fi

step "integration tests (real janus + chromium + SMTP, in a private network namespace)"
rm -f "$OUT/integration.tap"
bash tests/run-integration.sh
if [ -f "$OUT/integration.tap" ]; then
	count_tap "integration tests" "$OUT/integration.tap"
else
	echo "integration tests did not run"; failed=$((failed + 1))
fi

step "cluster tests (3 nodes behind Kamailio on PostgreSQL, in their own network namespaces)"
rm -f "$OUT/cluster.tap"
bash tests/run-cluster.sh >"$OUT/cluster.log" 2>&1
if [ -f "$OUT/cluster.tap" ]; then
	count_tap "cluster tests" "$OUT/cluster.tap"
	[ "$tap_fails" -eq 0 ] || { grep -B2 -A20 '^not ok' "$OUT/cluster.tap" | head -80; tail -30 "$OUT/cluster.log"; }
else
	tail -40 "$OUT/cluster.log"; echo "cluster tests did not run"; failed=$((failed + 1))
fi

step "integration tests under ASan+UBSan (our sanitized .so files in Debian's janus)"
# The files where strangers' input reaches our parsers (signalling, SIP, SDP, RTP/RTCP, BFCP,
# hostile JSON, sessions) run again against the sanitized plugins: tests/sanitized-files.txt.
# `make test-sanitized` runs every integration file that way (the CI time limit keeps the
# picture-heavy browser files and the feature files whose parsers the listed ones already
# drive out of this pass; the sanitized unit tests and fuzzers cover the rest). Any sanitizer
# report that names our code counts as a failed test.
rm -rf "$OUT/sanitizer" "$OUT/integration-asan.tap"
mapfile -t asan_files < <(grep -vE '^(#|$)' tests/sanitized-files.txt)
for f in "${asan_files[@]}"; do
	[ -f "tests/$f" ] || { echo "tests/sanitized-files.txt names a missing file: $f"; failed=$((failed + 1)); }
done
TPAAS_SANITIZED=1 TPAAS_TAP="$OUT/integration-asan.tap" bash tests/run-integration.sh "${asan_files[@]}" >"$OUT/integration-asan.log" 2>&1
if [ -f "$OUT/integration-asan.tap" ]; then
	count_tap "sanitized integration tests" "$OUT/integration-asan.tap"
	[ "$tap_fails" -eq 0 ] || grep -E '^(not ok|# Subtest)' "$OUT/integration-asan.tap" | grep -B1 '^not ok' | head -40
else
	tail -40 "$OUT/integration-asan.log"; echo "sanitized integration tests did not run"; failed=$((failed + 1))
fi
scripts/check-sanitizer-logs.sh "$OUT/sanitizer" >"$OUT/sanitizer-reports.log" 2>&1
tail -1 "$OUT/sanitizer-reports.log"
n=$(tail -1 "$OUT/sanitizer-reports.log" | sed -n 's/.*naming our code: \([0-9]*\).*/\1/p')
[ "${n:-1}" -eq 0 ] || { cat "$OUT/sanitizer-reports.log"; failed=$((failed + ${n:-1})); }

echo
echo "(the suites took $(( $(date +%s) - T0 )) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
