#!/usr/bin/env bash
# Builds tpaas-vmr and installs it into <root>/_run/install (a private prefix; nothing goes to /usr).
# Usage: scripts/build.sh [--sanitizers]   (the sanitizer build goes to _build-asan, installed into
# _run/install-asan for the sanitized integration run: TPAAS_SANITIZED=1, see tests/integration/lib/service.js)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc 2>/dev/null || echo 2)
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ -n "$(find . -name Makefile.am -newer configure -not -path './_*' 2>/dev/null)" ]; then
	autoreconf -fi >/dev/null
fi
if [ "${1:-}" = "--sanitizers" ]; then
	mkdir -p _build-asan
	cd _build-asan
	[ -f Makefile ] || ../configure --quiet --enable-sanitizers --prefix="$ROOT/_run/install-asan"
	make -s -j"$JOBS"
	rm -rf "$ROOT/_run/install-asan/lib/tpaas-vmr"
	make -s install >/dev/null
	exit 0
fi
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --quiet --prefix="$ROOT/_run/install"
make -s -j"$JOBS"
# janus loads every *.so of lib/tpaas-vmr/{plugins,transports}: no module of an older build may stay.
rm -rf "$ROOT/_run/install/lib/tpaas-vmr"
make -s install >/dev/null
