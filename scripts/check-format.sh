#!/usr/bin/env bash
# Checks that every C file in the tree is formatted as .clang-format says (clang-format 14,
# Debian's `clang-format` package). Prints the files that are not and how to fix them;
# exit status 0 only when all are. `make format` (or `scripts/check-format.sh --fix`) applies it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CF=${CLANG_FORMAT:-clang-format}
command -v "$CF" >/dev/null || { echo "check-format: $CF not found (apt-get install clang-format)"; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = "--fix" ]; then
	"$CF" -i "${files[@]}"
	exit 0
fi
bad=()
for f in "${files[@]}"; do
	"$CF" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
	printf 'check-format: not formatted: %s\n' "${bad[@]}"
	echo "check-format: run scripts/check-format.sh --fix (or make format) and commit"
	exit 1
fi
echo "check-format: ${#files[@]} C files formatted as .clang-format says"
