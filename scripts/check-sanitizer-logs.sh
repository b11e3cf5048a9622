#!/usr/bin/env bash
# Looks at the ASan/UBSan reports of a sanitized integration run (TPAAS_SANITIZED=1 writes them to
# tests/out/sanitizer/<janus name>.<pid>) and fails when any report names our code (our sources,
# or our libraries: libtpaas_*, libjanus_tpaas_*). Reports that name only janus,
# GLib or other system libraries are printed, not counted.
# Usage: scripts/check-sanitizer-logs.sh [dir]   Prints "sanitizer reports: N, naming our code: M".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$ROOT/tests/out/sanitizer}
OURS='(/plugins/(mcu|bfcp|core|sip|vmr|sipbridge)/|/transports/tpw_[a-z_]+\.c|libtpaas_|libjanus_tpaas_)'
total=0; ours=0
shopt -s nullglob
for f in "$DIR"/*; do
	[ -s "$f" ] || continue
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" || continue
	total=$((total + 1))
	if grep -qE "$OURS" "$f"; then
		ours=$((ours + 1)); echo "--- $f (names our code)"
	else
		echo "--- $f (janus or system code only)"
	fi
	head -60 "$f"
done
echo "sanitizer reports: $total, naming our code: $ours"
[ "$ours" -eq 0 ]
