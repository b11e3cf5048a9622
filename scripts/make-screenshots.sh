#!/usr/bin/env bash
# Refreshes the README's pictures (`make screenshots`): builds, runs the browser tests that save
# screenshots (web-pages: the management page; layout-pictures: the join page and a call in each layout)
# and copies the chosen ones, scaled down to 800 px wide with a 128-colour palette (small files),
# into docs/images/. A failing test fails this too, and nothing is copied then.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/build.sh
SHOTS=$ROOT/tests/out/screenshots
rm -rf "$SHOTS"
TPAAS_TAP="$ROOT/tests/out/screenshots.tap" bash tests/run-integration.sh \
	integration/web-pages.test.js integration/layout-pictures.test.js
mkdir -p docs/images
# <screenshot in tests/out/screenshots> <picture in docs/images>
while read -r from to; do
	[ -f "$SHOTS/$from.png" ] || { echo "make-screenshots: $from.png was not made" >&2; exit 1; }
	ffmpeg -nostdin -v error -y -i "$SHOTS/$from.png" -filter_complex 'scale=min(800\,iw):-2:flags=lanczos,split[a][b];[a]palettegen=max_colors=128[p];[b][p]paletteuse=dither=none' -frames:v 1 "docs/images/$to.png"
done <<'LIST'
join-1280x800 join
manage-1280x800 manage
layout-speaker-1280x800 layout-speaker
layout-1plus7-1280x800 layout-1plus7
layout-2x2-1280x800 layout-2x2
layout-3x3-1280x800 layout-3x3
LIST
ls -l docs/images/*.png
