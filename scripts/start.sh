#!/usr/bin/env bash
# Installs, builds and starts tpaas-vmr on the embedded default (SQLite store, web on loopback).
# Prints the web URL, the demo room and its join link. Stop with: scripts/stop.sh
# Settings: HTTP_IP, HTTP_PORT, ICE_IFACE, DEMO_ROOM (see scripts/make-conf.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh
scripts/build.sh
RUN=$ROOT/_run
scripts/make-conf.sh "$RUN/conf" "$RUN/state"
if [ -f "$RUN/janus.pid" ] && kill -0 "$(cat "$RUN/janus.pid")" 2>/dev/null; then
	echo "stopping the running service (pid $(cat "$RUN/janus.pid"))"
	kill -INT "$(cat "$RUN/janus.pid")"; sleep 2
fi
nohup /usr/bin/janus -F "$RUN/conf" -o -L "$RUN/janus.log" > /dev/null 2>&1 &
echo $! > "$RUN/janus.pid"
HTTP_IP=${HTTP_IP:-127.0.0.1}; HTTP_PORT=${HTTP_PORT:-8088}; DEMO_ROOM=${DEMO_ROOM-demo}
for _ in $(seq 1 100); do
	curl -sf -o /dev/null "http://$HTTP_IP:$HTTP_PORT/" && break
	kill -0 "$(cat "$RUN/janus.pid")" 2>/dev/null || { echo "janus exited; see $RUN/janus.log"; tail -20 "$RUN/janus.log"; exit 1; }
	sleep 0.2
done
grep -E "^Loading (transport )?plugin|initialized|listening on" "$RUN/janus.log" || true
cat <<TXT

tpaas-vmr is running (pid $(cat "$RUN/janus.pid"), log $RUN/janus.log, store $RUN/state/vmr.sqlite)
  Web:        http://$HTTP_IP:$HTTP_PORT/
  Demo room:  $DEMO_ROOM
  Join link:  http://$HTTP_IP:$HTTP_PORT/?room=$DEMO_ROOM&name=Guest
  Admin API:  ws://$HTTP_IP:$HTTP_PORT/ (subprotocol janus-admin-protocol, secret in $RUN/conf/admin_secret)
  Stop:       scripts/stop.sh
TXT
