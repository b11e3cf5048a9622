#!/usr/bin/env bash
# Stops the service started by scripts/start.sh.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PID_FILE=$ROOT/_run/janus.pid
if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
	kill -INT "$(cat "$PID_FILE")" && echo "stopped"
fi
rm -f "$PID_FILE"
# the trial coturn of LOCAL_TURN=1
TURN_PID=$ROOT/_run/turn/turnserver.pid
if [ -f "$TURN_PID" ] && kill -0 "$(cat "$TURN_PID")" 2>/dev/null; then
	kill "$(cat "$TURN_PID")" && echo "stopped coturn"
fi
rm -f "$TURN_PID"
