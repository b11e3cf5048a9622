#!/usr/bin/env bash
# Stops the service started by scripts/start.sh.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PID_FILE=$ROOT/_run/janus.pid
if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
	kill -INT "$(cat "$PID_FILE")" && echo "stopped"
fi
rm -f "$PID_FILE"
