#!/usr/bin/env bash
# Builds the Debian package tpaas-vmr_<version>_<arch>.deb (`make deb` runs it) from a clean copy of
# the tree (tracked and new files, no build output), then runs lintian on it (an error fails).
# Usage: scripts/make-deb.sh [--no-lintian] [--check]   (--check also runs the unit tests at build time)
# Output: _build-deb/tpaas-vmr_<version>_<arch>.deb (and .buildinfo/.changes beside it); prints its path last.
# Needs the PACKAGE_PKGS of scripts/install-deps.sh (scripts/install-deps.sh --package).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
lintian=1
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck}
for a in "$@"; do
	case "$a" in
		--no-lintian) lintian=0 ;;
		--check) DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS//nocheck/} ;;
		*) echo "usage: $0 [--no-lintian] [--check]" >&2; exit 2 ;;
	esac
done
# The package's version is the project's (configure.ac) and the changelog must say so.
VERSION=$(sed -n 's/^AC_INIT(\[tpaas-vmr\],\[\([^]]*\)\].*/\1/p' "$ROOT/configure.ac")
CHANGELOG_VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
if [ "$VERSION" != "$CHANGELOG_VERSION" ]; then
	echo "make-deb: configure.ac says $VERSION, debian/changelog $CHANGELOG_VERSION: add a changelog entry (dch -v $VERSION)" >&2
	exit 1
fi
ARCH=$(dpkg --print-architecture)
OUT=$ROOT/_build-deb
SRC=$OUT/tpaas-vmr-$VERSION
rm -rf "$OUT"
mkdir -p "$SRC"
# A clean tree: everything but git's data, build output and node_modules (the autotools files
# are made anew: dh_autoreconf).
tar -C "$ROOT" -c --exclude-vcs --exclude='./_*' --exclude=./tests/node_modules --exclude=./tests/out \
	--exclude=./autom4te.cache --exclude=./plugins/sip/prompts . | tar -C "$SRC" -x
cd "$SRC"
JOBS=$(nproc 2>/dev/null || echo 2)
DEB_BUILD_OPTIONS="$DEB_BUILD_OPTIONS parallel=$JOBS" dpkg-buildpackage -b -us -uc >"$OUT/build.log" 2>&1 || {
	tail -60 "$OUT/build.log" >&2; echo "make-deb: dpkg-buildpackage failed (log: $OUT/build.log)" >&2; exit 1; }
DEB=$OUT/tpaas-vmr_${VERSION}_$ARCH.deb
[ -f "$DEB" ] || { echo "make-deb: $DEB was not made" >&2; exit 1; }
cd "$OUT" && rm -rf "$SRC"
if [ "$lintian" = 1 ]; then
	# lintian's exit status is non-zero on an error tag (warnings are printed, not fatal).
	lintian --fail-on error --info "$DEB" | tee "$OUT/lintian.log"
fi
echo "$DEB"
