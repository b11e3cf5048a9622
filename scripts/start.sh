#!/usr/bin/env bash
# Installs, builds and starts tpaas-vmr on the embedded default: SQLite store, web on loopback
# over HTTPS with a self-signed certificate made at first start (plain HTTP on HTTP_PORT
# redirects to it). Prints the web URL, the demo room and its join link.
# Stop with: scripts/stop.sh
# Settings: HTTP_IP [127.0.0.1], TLS [true], HTTPS_PORT [8443], HTTP_PORT [8088], ICE_IFACE,
# DEMO_ROOM [demo], SMTP_URL, SIP_DOMAIN, ... (see scripts/make-conf.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh
scripts/build.sh
RUN=$ROOT/_run
HTTP_IP=${HTTP_IP:-127.0.0.1}
DEMO_ROOM=${DEMO_ROOM-demo}
TLS=${TLS:-true}
if [ "$TLS" = true ] || [ "$TLS" = 1 ]; then
	export TLS=true HTTP_PORT=${HTTPS_PORT:-8443} REDIRECT_PORT=${HTTP_PORT:-8088}
	SCHEME=https
else
	export TLS=false HTTP_PORT=${HTTP_PORT:-8088}
	SCHEME=http
fi
export HTTP_IP DEMO_ROOM
scripts/make-conf.sh "$RUN/conf" "$RUN/state"
if [ -f "$RUN/janus.pid" ] && kill -0 "$(cat "$RUN/janus.pid")" 2>/dev/null; then
	echo "stopping the running service (pid $(cat "$RUN/janus.pid"))"
	kill -INT "$(cat "$RUN/janus.pid")"; sleep 2
fi
nohup /usr/bin/janus -F "$RUN/conf" -o -L "$RUN/janus.log" > /dev/null 2>&1 &
echo $! > "$RUN/janus.pid"
URL="$SCHEME://$HTTP_IP:$HTTP_PORT"
for _ in $(seq 1 100); do
	curl -skf -o /dev/null "$URL/" && break
	kill -0 "$(cat "$RUN/janus.pid")" 2>/dev/null || { echo "janus exited; see $RUN/janus.log"; tail -20 "$RUN/janus.log"; exit 1; }
	sleep 0.2
done
grep -E "^Loading (transport )?plugin|initialized|listening on" "$RUN/janus.log" || true
cat <<TXT

tpaas-vmr is running (pid $(cat "$RUN/janus.pid"), log $RUN/janus.log, store $RUN/state/vmr.sqlite)
  Web:        $URL/
  Demo room:  $DEMO_ROOM
  Join link:  $URL/?room=$DEMO_ROOM&name=Guest
  Manage:     $URL/manage (create an account first, see README)
  Admin API:  ws://${ADMIN_IP:-127.0.0.1}:${ADMIN_PORT:-7188}/ (subprotocol janus-admin-protocol, secret in $RUN/conf/admin_secret)
  Stop:       scripts/stop.sh
TXT
if [ "$SCHEME" = https ]; then
	echo "  The certificate is self-signed ($RUN/state/tls/cert.pem): your browser asks you to accept it once."
	echo "  (TLS=false scripts/start.sh serves plain http://$HTTP_IP:${REDIRECT_PORT} instead.)"
fi
