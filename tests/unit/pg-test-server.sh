#!/bin/sh
# pg-test-server.sh - a throw-away PostgreSQL server for the store's unit tests.
#
#   tests/unit/pg-test-server.sh -- make check     run a command with TPAAS_TEST_PG_URI set
#   tests/unit/pg-test-server.sh                   print the URI, keep serving until Ctrl-C
#
# Creates a cluster in a temp dir (owned by the postgres user when run as root: initdb and
# the server refuse to run as root), listens only on a unix socket in that dir (no TCP),
# creates the database tpaas_test, and stops the server and removes the dir on exit.
# PG_BINDIR overrides where initdb/pg_ctl live (default: Debian's PostgreSQL 15).
set -eu

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
DB=tpaas_test

if [ "${1:-}" = "--" ]; then
	shift
	[ $# -gt 0 ] || { echo "usage: $0 [-- command [args...]]" >&2; exit 2; }
elif [ $# -gt 0 ]; then
	echo "usage: $0 [-- command [args...]]" >&2
	exit 2
fi

for tool in initdb pg_ctl createdb; do
	[ -x "$PG_BINDIR/$tool" ] || { echo "$0: $PG_BINDIR/$tool not found (apt-get install postgresql)" >&2; exit 1; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/tpaas-pg.XXXXXX")
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$dir"
	as_pg() { runuser -u postgres -- "$@"; }
	pg_user=postgres
else
	as_pg() { "$@"; }
	pg_user=$(id -un)
fi

stop() {
	status=$?
	trap - EXIT INT TERM HUP
	[ -z "${sleeper:-}" ] || kill "$sleeper" 2>/dev/null || true
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

as_pg "$PG_BINDIR/initdb" -D "$dir/data" -U "$pg_user" -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
	>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync off: the data is thrown away anyway, and it makes the tests fast.
if ! as_pg "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-c listen_addresses= -k $dir -c fsync=off -c max_connections=50" start >/dev/null; then
	cat "$dir/server.log" >&2
	exit 1
fi
as_pg "$PG_BINDIR/createdb" -h "$dir" -U "$pg_user" "$DB"

TPAAS_TEST_PG_URI="postgresql:///$DB?host=$dir&user=$pg_user"
export TPAAS_TEST_PG_URI

if [ $# -gt 0 ]; then
	# Not exec: the trap must still stop the server when the command ends.
	status=0
	"$@" || status=$?
	exit "$status"
fi

echo "TPAAS_TEST_PG_URI=$TPAAS_TEST_PG_URI"
echo "export TPAAS_TEST_PG_URI='$TPAAS_TEST_PG_URI'   # Ctrl-C stops the server" >&2
# sleep in the background: `wait` returns at once on a signal, so the trap runs promptly.
while :; do
	sleep 3600 &
	sleeper=$!
	wait "$sleeper" || true
done
