#!/usr/bin/env bash
# Runs the integration tests inside a private network namespace made here: `lo` plus a veth pair
# (sa0 <-> sa1, both ends inside), because Janus gathers no ICE candidates on loopback.
# Nothing the tests send can leave the namespace. Needs root (unshare --net).
# Writes TAP to tests/out/integration.tap (or $TPAAS_TAP); prints the spec report.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${TPAAS_IN_NETNS:-}" ]; then
	exec env TPAAS_IN_NETNS=1 unshare --net bash "$0" "$@"
fi
# No IPv6 in here: link-local addresses finishing DAD make chromium abort page loads (ERR_NETWORK_CHANGED).
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link set lo up
ip link add sa0 type veth peer name sa1
ip addr add 10.99.0.1/24 dev sa0
ip link set sa0 up
ip link set sa1 up
for _ in $(seq 1 50); do ip link show sa0 | grep -q LOWER_UP && break; sleep 0.1; done
export TPAAS_ICE_IFACE=sa0
mkdir -p "$HERE/out"
cd "$HERE"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(integration/*.test.js)
node --test --test-concurrency=1 --test-timeout="${TPAAS_TEST_TIMEOUT_MS:-180000}" \
	--test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=tap --test-reporter-destination="${TPAAS_TAP:-$HERE/out/integration.tap}" \
	"${files[@]}"
