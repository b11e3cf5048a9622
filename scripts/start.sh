#!/usr/bin/env bash
# Installs, builds and starts tpaas-vmr on the embedded default: SQLite store, web on loopback
# over HTTPS with a self-signed certificate made at first start (plain HTTP on HTTP_PORT
# redirects to it). Prints the web URL, the demo room and its join link.
# Stop with: scripts/stop.sh
# Settings: HTTP_IP [127.0.0.1], TLS [true], HTTPS_PORT [8443], HTTP_PORT [8088], ICE_IFACE,
# DEMO_ROOM [demo], SMTP_URL, SIP_DOMAIN, ... (see scripts/make-conf.sh).
# TURN for a trial: LOCAL_TURN=1 also starts a private coturn (Debian coturn) on TURN_IP [the
# host's first non-loopback address], UDP/TCP 3478 and TLS 5349 (self-signed), with a random
# shared secret in _run/turn/, and hands its credentials to the pages. For an existing coturn set
# TURN_URLS and TURN_SECRET instead (docs/operations.md).
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
if [ "${LOCAL_TURN:-0}" = 1 ]; then
	command -v turnserver > /dev/null || { echo "LOCAL_TURN=1 needs coturn: apt-get install coturn"; exit 1; }
	TURN_IP=${TURN_IP:-$(hostname -I 2>/dev/null | awk '{print $1}')}
	[ -n "$TURN_IP" ] || { echo "LOCAL_TURN=1: no non-loopback address; set TURN_IP"; exit 1; }
	TURN_DIR=$RUN/turn
	mkdir -p "$TURN_DIR"
	chmod 700 "$TURN_DIR"
	[ -s "$TURN_DIR/secret" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$TURN_DIR/secret")
	[ -s "$TURN_DIR/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$TURN_IP" \
		-addext "subjectAltName=IP:$TURN_IP" -keyout "$TURN_DIR/key.pem" -out "$TURN_DIR/cert.pem" > /dev/null 2>&1
	if [ -f "$TURN_DIR/turnserver.pid" ] && kill -0 "$(cat "$TURN_DIR/turnserver.pid")" 2>/dev/null; then
		kill "$(cat "$TURN_DIR/turnserver.pid")"; sleep 1
	fi
	(umask 077; cat > "$TURN_DIR/turnserver.conf" <<CONF
# written by scripts/start.sh (LOCAL_TURN=1): a trial coturn, TURN REST credentials only
listening-ip=$TURN_IP
relay-ip=$TURN_IP
listening-port=3478
tls-listening-port=5349
min-port=49160
max-port=49260
realm=tpaas-vmr
use-auth-secret
static-auth-secret=$(cat "$TURN_DIR/secret")
fingerprint
cert=$TURN_DIR/cert.pem
pkey=$TURN_DIR/key.pem
no-tlsv1
no-tlsv1_1
no-dtls
no-cli
no-multicast-peers
no-software-attribute
userdb=$TURN_DIR/turndb
pidfile=$TURN_DIR/turnserver.pid
log-file=$TURN_DIR/turnserver.log
simple-log
CONF
)
	nohup /usr/bin/turnserver -c "$TURN_DIR/turnserver.conf" > /dev/null 2>&1 &
	echo $! > "$TURN_DIR/turnserver.pid"
	export TURN_URLS="turn:$TURN_IP:3478?transport=udp,turn:$TURN_IP:3478?transport=tcp,turns:$TURN_IP:5349?transport=tcp"
	TURN_SECRET=$(cat "$TURN_DIR/secret")
	export TURN_SECRET
fi
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
  Metrics:    http://${ADMIN_IP:-127.0.0.1}:${ADMIN_PORT:-7188}/metrics  (health: /healthz)
  Stop:       scripts/stop.sh
TXT
if [ -n "${TURN_URLS:-}" ]; then
	echo "  TURN:       $TURN_URLS"
	[ "${LOCAL_TURN:-0}" = 1 ] && echo "              (local coturn, pid $(cat "$RUN/turn/turnserver.pid"), log $RUN/turn/turnserver.log; its TLS certificate is self-signed)"
fi
if [ "$SCHEME" = https ]; then
	echo "  The certificate is self-signed ($RUN/state/tls/cert.pem): your browser asks you to accept it once."
	echo "  (TLS=false scripts/start.sh serves plain http://$HTTP_IP:${REDIRECT_PORT} instead.)"
fi
