#!/usr/bin/env bash
# Installs the Debian package as an administrator would (`dpkg -i`, its real postinst) and starts
# the service from the installed files, without touching this machine: everything runs in private
# mount, network and PID namespaces, where /etc, /usr and /var are overlays of the machine's own
# (so the package's Depends are checked against what is installed here) whose changes land in a
# scratch folder, and the only network is loopback. No container, no chroot, no systemd: the
# service is started the way its installed unit says (ExecStart, as its User).
# Usage: tests/package/install-test.sh [<.deb>]   (no argument: builds it with scripts/make-deb.sh)
# Prints one "ok - ..." / "not ok - ..." line per check and "N passed, N failed" last.
# Needs root (namespaces, overlayfs), node (tests/node_modules) and curl.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

if [ -z "${TPAAS_PKG_NS:-}" ]; then
	DEB=${1:-}
	if [ -z "$DEB" ]; then
		DEB=$("$ROOT/scripts/make-deb.sh" --no-lintian | tail -1) || { echo "not ok - the package builds"; echo "0 passed, 1 failed"; exit 1; }
	fi
	DEB=$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")
	SCRATCH=$(mktemp -d /tmp/tpaas-pkg-test.XXXXXX)
	env TPAAS_PKG_NS=1 SCRATCH="$SCRATCH" DEB="$DEB" unshare --mount --net --pid --fork --mount-proc bash "$0"
	rc=$?
	rm -rf "$SCRATCH"
	exit $rc
fi

# --- inside the namespaces -------------------------------------------------------------------
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
notok() { echo "not ok - $1"; failed=$((failed + 1)); [ -z "${2:-}" ] || echo "$2" | sed 's/^/#   /'; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
finish() { echo; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

mount --make-rprivate /
for d in etc usr var; do
	mkdir -p "$SCRATCH/upper/$d" "$SCRATCH/work/$d"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$SCRATCH/upper/$d,workdir=$SCRATCH/work/$d" "/$d" ||
		{ notok "overlay over /$d"; finish; }
done
mount -t tmpfs tmpfs /run     # no systemd, no host services in here
ip link set lo up

CONF=/etc/tpaas-vmr
UNIT=/lib/systemd/system/tpaas-vmr.service
LOG=$SCRATCH/janus.out

# 1. Install.
if out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" 2>&1); then ok "dpkg -i installs the package (Depends met, postinst ran)"; else
	notok "dpkg -i installs the package (Depends met, postinst ran)" "$out"; finish; fi
check "every file in /etc/tpaas-vmr is a conffile" \
	test "$(dpkg-query -W -f='${Conffiles}\n' tpaas-vmr | awk '/\/etc\/tpaas-vmr\//{print $1}' | sort | tr '\n' ' ')" = \
	"$(ls -1 $CONF/*.jcfg | sort | tr '\n' ' ')"

# 2. What the postinst made.
pw=$(getent passwd tpaas-vmr)
check "the postinst made the system user tpaas-vmr (no login shell, home /var/lib/tpaas-vmr)" \
	bash -c '[[ "$1" =~ ^tpaas-vmr:x:([0-9]+):[0-9]+:[^:]*:/var/lib/tpaas-vmr:/usr/sbin/nologin$ ]] && [ "${BASH_REMATCH[1]}" -lt 1000 ]' _ "$pw"
check "the state folder /var/lib/tpaas-vmr belongs to tpaas-vmr, mode 750" test "$(stat -c '%U:%G %a' /var/lib/tpaas-vmr)" = "tpaas-vmr:tpaas-vmr 750"
check "/etc/tpaas-vmr is readable by root and the service only (root:tpaas-vmr 750)" test "$(stat -c '%U:%G %a' $CONF)" = "root:tpaas-vmr 750"
SECRET=$(cat $CONF/admin_secret 2>/dev/null)
check "the postinst made a random 192-bit admin secret (root:tpaas-vmr 640)" \
	bash -c '[[ "$1" =~ ^[0-9a-f]{48}$ ]] && [ "$(stat -c "%U:%G %a" '$CONF'/admin_secret)" = "root:tpaas-vmr 640" ]' _ "$SECRET"
check "janus.jcfg holds that secret instead of the placeholder" \
	bash -c 'grep -q "admin_secret = \"$1\"" '$CONF'/janus.jcfg && ! grep -q @ADMIN_SECRET@ '$CONF'/janus.jcfg' _ "$SECRET"
check "the unit is enabled (multi-user.target wants tpaas-vmr.service)" test -L /etc/systemd/system/multi-user.target.wants/tpaas-vmr.service
check "logrotate rotates /var/log/tpaas-vmr" grep -q '^/var/log/tpaas-vmr/\*\.log' /etc/logrotate.d/tpaas-vmr
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify --man=no $UNIT 2>&1)
	if [ -z "$out" ]; then ok "systemd-analyze verify finds nothing wrong with the installed unit"; else
		notok "systemd-analyze verify finds nothing wrong with the installed unit" "$out"; fi
fi

# 3. Start the service as its unit says (ExecStart as User) and talk to it.
EXEC=$(sed -n 's/^ExecStart=//p' $UNIT)
SVC_USER=$(sed -n 's/^User=//p' $UNIT)
cd /
# shellcheck disable=SC2086 # ExecStart is a command line of plain words
setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups -- $EXEC >"$LOG" 2>&1 &
JANUS=$!
HTTPS=https://127.0.0.1:8443
up=0
for _ in $(seq 1 150); do
	curl -sk -o /dev/null "$HTTPS/" && { up=1; break; }
	kill -0 $JANUS 2>/dev/null || break
	sleep 0.2
done
if [ $up = 1 ]; then ok "the service answers HTTPS on 127.0.0.1:8443"; else
	notok "the service answers HTTPS on 127.0.0.1:8443" "$(tail -30 "$LOG"; tail -30 /var/log/tpaas-vmr/janus.log 2>/dev/null)"; finish; fi
check "janus runs as tpaas-vmr" test "$(ps -o user= -p $JANUS)" = tpaas-vmr
check "the join page is served (GET /)" bash -c 'curl -sk "$1/" | grep -q "<title>tpaas — join a meeting</title>"' _ "$HTTPS"
check "the management page is served (GET /manage)" bash -c 'curl -sk "$1/manage" | grep -q "<title>tpaas — VMR management</title>"' _ "$HTTPS"
check "janus.js comes from Debian's libjs-janus-gateway (GET /vendor/janus-gateway/janus.js)" \
	bash -c 'test "$(curl -sk -o /dev/null -w "%{http_code}" "$1/vendor/janus-gateway/janus.js")" = 200' _ "$HTTPS"
check "plain HTTP on 8088 redirects to HTTPS" \
	bash -c 'curl -s -o /dev/null -w "%{http_code} %{redirect_url}" http://127.0.0.1:8088/join | grep -q "^301 https://127.0.0.1:8443/join"'
check "the self-signed certificate was made in the state folder, owned by the service" \
	test "$(stat -c '%U' /var/lib/tpaas-vmr/tls/key.pem 2>/dev/null)" = tpaas-vmr
ADMIN="node $HERE/admin-request.js ws://127.0.0.1:7188/"
r=$($ADMIN "{\"janus\":\"message_plugin\",\"plugin\":\"janus.plugin.vmr\",\"admin_secret\":\"$SECRET\",\"request\":{\"request\":\"create_account\",\"username\":\"carol\",\"password\":\"carol-secret-1\"}}" 2>&1)
if echo "$r" | grep -q '"janus":"success"' && ! echo "$r" | grep -q '"error'; then ok "an Admin API request with the generated secret succeeds (create_account)"; else
	notok "an Admin API request with the generated secret succeeds (create_account)" "$r"; fi
r=$($ADMIN '{"janus":"list_sessions","admin_secret":"not-the-secret"}' 2>&1)
if echo "$r" | grep -q '"janus":"error"'; then ok "an Admin API request with another secret is refused"; else
	notok "an Admin API request with another secret is refused" "$r"; fi
r=$(tpaas-admin list-rooms carol 2>&1)
if echo "$r" | grep -q 'carol.join'; then ok "tpaas-admin (as root) reads the service's store: carol's room is there"; else
	notok "tpaas-admin (as root) reads the service's store: carol's room is there" "$r"; fi
check "the store belongs to tpaas-vmr" test "$(stat -c '%U' /var/lib/tpaas-vmr/vmr.sqlite)" = tpaas-vmr
check "janus writes its log to /var/log/tpaas-vmr/janus.log" grep -q "tpaas" /var/log/tpaas-vmr/janus.log
# systemctl stop sends SIGTERM: janus leaves on its own, within systemd's default 90 s.
kill -TERM $JANUS
for _ in $(seq 1 100); do kill -0 $JANUS 2>/dev/null || break; sleep 0.2; done
if kill -0 $JANUS 2>/dev/null; then notok "SIGTERM (systemctl stop) stops the service within 20 s"; kill -KILL $JANUS; else
	ok "SIGTERM (systemctl stop) stops the service within 20 s"; fi
wait $JANUS 2>/dev/null

# 4. Upgrade (the same version again: dpkg runs the postinst as for an upgrade): the secret stays.
if out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" 2>&1); then
	check "reinstalling keeps the admin secret, in its file and in janus.jcfg" \
		bash -c 'test "$(cat '$CONF'/admin_secret)" = "$1" && grep -q "admin_secret = \"$1\"" '$CONF'/janus.jcfg' _ "$SECRET"
else notok "reinstalling keeps the admin secret, in its file and in janus.jcfg" "$out"; fi

# 5. Purge removes the configuration, the secret and the store.
if out=$(dpkg --purge tpaas-vmr 2>&1); then
	check "dpkg --purge removes /etc/tpaas-vmr and /var/lib/tpaas-vmr" bash -c '! test -e '$CONF' && ! test -e /var/lib/tpaas-vmr'
else notok "dpkg --purge removes /etc/tpaas-vmr and /var/lib/tpaas-vmr" "$out"; fi
finish
