#!/usr/bin/env bash
# Installs every Debian and npm dependency of tpaas-vmr. Idempotent: does nothing when all is there.
# Usage: scripts/install-deps.sh [--test] [--package]   (--test adds what the test suite needs,
# --package what `make deb` needs to build and check the Debian package; the suite builds it, so
# --test includes it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

BUILD_PKGS=(build-essential autoconf automake libtool pkg-config
	janus janus-dev libjs-janus-gateway
	libglib2.0-dev libjansson-dev libopus-dev libvpx-dev libyuv-dev libspeexdsp-dev
	libavcodec-dev libavutil-dev
	libwebsockets-dev libssl-dev libsqlite3-dev libsofia-sip-ua-dev libsofia-sip-ua-glib-dev
	libsodium-dev libcurl4-openssl-dev libpq-dev libsrtp2-dev espeak-ng ffmpeg
	iproute2 util-linux procps curl)
TEST_PKGS=(nodejs npm chromium ffmpeg sqlite3 clang clang-format libclang-rt-14-dev valgrind postgresql python3-aiosmtpd sip-tester baresip-core baresip-ffmpeg libre-dev
	coturn prometheus nftables openssl kamailio kamailio-postgres-modules)
PACKAGE_PKGS=(debhelper dpkg-dev lintian)

pkgs=("${BUILD_PKGS[@]}")
for a in "$@"; do
	case "$a" in
		--test) pkgs+=("${TEST_PKGS[@]}" "${PACKAGE_PKGS[@]}") ;;
		--package) pkgs+=("${PACKAGE_PKGS[@]}") ;;
	esac
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=()
for p in "${pkgs[@]}"; do
	# nodejs/npm may come from elsewhere (a newer Node): accept the commands.
	case "$p" in
		nodejs) command -v node >/dev/null && continue ;;
		npm) command -v npm >/dev/null && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "== installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
	# Debian enables and starts coturn.service (and prometheus.service, kamailio.service) at
	# install, listening on every interface with /etc/turnserver.conf (/etc/kamailio/...): the
	# tests and scripts run their own. Turn the system ones off again when we installed them.
	for svc in coturn prometheus kamailio; do
		if printf '%s\n' "${missing[@]}" | grep -qx "$svc" && command -v systemctl >/dev/null \
			&& [ -d /run/systemd/system ]; then
			$SUDO systemctl disable --now "$svc" || true
		fi
	done
fi

if [[ " $* " == *" --test "* ]]; then
	cd "$ROOT/tests"
	if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		echo "== npm ci (tests)"
		npm ci --no-audit --no-fund
	fi
fi
