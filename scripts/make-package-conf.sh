#!/usr/bin/env bash
# Writes the configuration the Debian package installs as /etc/tpaas-vmr (conffiles) into <dest>:
# scripts/make-conf.sh's files for the package's folders, with the admin secret left as the
# placeholder @ADMIN_SECRET@ (the package's postinst makes the secret once, at first install).
# Usage: scripts/make-package-conf.sh <dest>   (debian/rules runs it; settings as for make-conf.sh)
# Defaults: HTTPS on 127.0.0.1:8443 with a self-signed certificate made at first start in
# /var/lib/tpaas-vmr/tls, plain HTTP on 8088 redirecting there, the SQLite store
# /var/lib/tpaas-vmr/vmr.sqlite; docs/packaging.md says what to change for a real host.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=$1
CONF=/etc/tpaas-vmr
STATE=/var/lib/tpaas-vmr
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# make-conf.sh writes the folder names it is given into the files: run it on a scratch pair of
# folders, then put the package's folders in their place.
PREFIX=/usr ADMIN_SECRET=@ADMIN_SECRET@ WEB_ROOT=/usr/share/tpaas-vmr/web-client \
	TLS=${TLS:-true} HTTP_PORT=${HTTP_PORT:-8443} REDIRECT_PORT=${REDIRECT_PORT:-8088} \
	"$ROOT/scripts/make-conf.sh" "$TMP/conf" "$TMP/state"
mkdir -p "$DEST"
for f in "$TMP"/conf/*.jcfg; do
	sed -e "s|$TMP/conf|$CONF|g" -e "s|$TMP/state|$STATE|g" "$f" > "$DEST/$(basename "$f")"
	chmod 644 "$DEST/$(basename "$f")"
done
# Nothing may still name the scratch folders, and the secret must be the placeholder.
! grep -l "$TMP" "$DEST"/*.jcfg || { echo "make-package-conf: scratch path left in the files" >&2; exit 1; }
grep -q 'admin_secret = "@ADMIN_SECRET@"' "$DEST/janus.jcfg"
