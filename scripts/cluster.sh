#!/usr/bin/env bash
# A tpaas-vmr cluster on one machine, for trying and for tests: PostgreSQL + Kamailio + N nodes
# (janus with our plugins), each node in its own network namespace on a Linux bridge.
#
#   scripts/cluster.sh [start] [-n N]   start N nodes (default 3) and return when all are up
#   scripts/cluster.sh stop             stop everything (nodes, Kamailio, PostgreSQL, namespaces)
#   scripts/cluster.sh status           nodes, dispatcher's view, the store's cluster_nodes
#   scripts/cluster.sh exec CMD...      run CMD inside the cluster's network (browsers, sipp, psql)
#   scripts/cluster.sh kill-node I      kill -9 node I;   start-node I   starts it again
#   scripts/cluster.sh restart-db       restart PostgreSQL (fast: every connection cut; data kept)
#
# Nothing touches the machine's real network: the whole cluster lives in a network (and mount)
# namespace made with `unshare --net --mount`, where the script makes the bridge br0, one
# `ip netns` namespace per node (a veth pair, node side "eth0") and the addresses:
#   10.77.0.1   PostgreSQL (:5432) and the clients (browsers, sipp, the tests) on br0
#   10.77.0.2   Kamailio (:5060 UDP/TCP), the single SIP entry (conf/kamailio/kamailio.cfg)
#   10.77.0.1I  node I (I = 1..N): web + Janus API http://10.77.0.1I:8088, Admin API :7188, SIP :5060
# The supervisor process holding the namespace writes its pid and the cluster's description to
# $CLUSTER_DIR (default <root>/_run/cluster): cluster.json, cluster.env, logs/.
# Settings (environment): CLUSTER_DIR, CLUSTER_VIDEO (WxHxFPS, default 640x360x15), CLUSTER_DOMAIN
# (default vmr.test), NODE_CAPACITY (cores per node, default 1.0), LEASE_SECONDS (default 6),
# NODE_MAX_PARTICIPANTS (admission budget per node, default none), PREFIX (the install, default <root>/_run/install, from scripts/build.sh). Needs root.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF="$ROOT/scripts/cluster.sh"
CLUSTER_DIR=${CLUSTER_DIR:-$ROOT/_run/cluster}
PIDFILE=$CLUSTER_DIR/supervisor.pid
NET=10.77.0
PG_IP=$NET.1
KAM_IP=$NET.2
PGPORT=5432
node_ip() { echo "$NET.$((10 + $1))"; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

die() { echo "cluster.sh: $*" >&2; exit 1; }
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
# Runs a command inside the cluster's namespaces (network + mount, for /run/netns).
in_cluster() {
	if [ -n "${TPAAS_CLUSTER_IN_NS:-}" ]; then
		"$@"
	else
		running || die "no cluster running (scripts/cluster.sh start)"
		nsenter -t "$(cat "$PIDFILE")" -n -m --wd="$PWD" -- env TPAAS_CLUSTER_IN_NS=1 "$@"
	fi
}

# ---- inside the namespace -----------------------------------------------------------------------

# Janus configuration of node I (scripts/make-conf.sh plus the cluster settings).
node_conf() {
	local i=$1 ip
	ip=$(node_ip "$i")
	local dir=$CLUSTER_DIR/node$i
	local origins="" j
	for j in $(seq 1 "$NODES"); do origins="$origins${origins:+,}http://$(node_ip "$j"):8088"; done
	local v=${CLUSTER_VIDEO:-640x360x15}
	local demo=""
	[ "$i" = 1 ] && demo=demo
	env HTTP_IP="$ip" HTTP_PORT=8088 ADMIN_IP="$ip" ADMIN_PORT=7188 ADMIN_SECRET="$ADMIN_SECRET" \
		ICE_IFACE=eth0 DATABASE="$NODE_DB" DEMO_ROOM="$demo" SIP_DOMAIN="$DOMAIN" \
		SIP_IP="$ip" SIP_PORT=5060 SIP_TRUSTED_PROXIES="$KAM_IP" SIP_MAX_CALLS_PER_SOURCE=200 \
		DIAL_IP="$KAM_IP" PUBLIC_URL="http://$ip:8088" ALLOWED_ORIGINS="$origins" \
		VIDEO_WIDTH="${v%%x*}" VIDEO_HEIGHT="$(echo "$v" | cut -dx -f2)" VIDEO_FPS="${v##*x}" \
		NODE_ID="n$i" CLUSTER=true NODE_PUBLIC_URL="http://$ip:8088" NODE_SIP_URI="sip:$ip:5060" \
		CLUSTER_PROXY="$KAM_IP:5060" \
		NODE_CAPACITY="${NODE_CAPACITY:-1.0}" LEASE_SECONDS="${LEASE_SECONDS:-6}" \
		"$ROOT/scripts/make-conf.sh" "$dir/conf" "$dir/state" >/dev/null || return 1
	# Admission budget per node (participants; bench-cluster measures capacity with it).
	if [ -n "${NODE_MAX_PARTICIPANTS:-}" ]; then
		sed -i "s|^\([[:space:]]*\)max_participants = .*|\1max_participants = $NODE_MAX_PARTICIPANTS|" \
			"$dir/conf/janus.plugin.vmr.jcfg"
	fi
	# The cluster settings (docs/scale-out.md), unless make-conf.sh already wrote them.
	local f
	for f in "$dir/conf/janus.plugin.vmr.jcfg" "$dir/conf/janus.plugin.sipbridge.jcfg"; do
		grep -q '^[[:space:]]*node_id' "$f" && continue
		sed -i "0,/^general: {/s||general: {\n\tnode_id = \"n$i\"\n\tcluster = true\n\tnode_public_url = \"http://$ip:8088\"\n\tnode_sip_uri = \"sip:$ip:5060\"\n\tnode_capacity = \"${NODE_CAPACITY:-1.0}\"\n\tlease_seconds = ${LEASE_SECONDS:-6}|" "$f"
	done
}

wait_tcp() { # ip port seconds [pid that must stay alive]
	local end=$((SECONDS + $3))
	while [ $SECONDS -le $end ]; do
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
		[ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && return 1
		sleep 0.2
	done
	return 1
}

start_node() {
	local i=$1
	local dir=$CLUSTER_DIR/node$i
	local log=$CLUSTER_DIR/logs/node$i.log
	[ -f "$log" ] && mv "$log" "$log.$(date +%s)"
	ip netns exec "n$i" /usr/bin/janus -F "$dir/conf" -o >"$log" 2>&1 </dev/null &
	echo $! >"$dir/janus.pid"
	wait_tcp "$(node_ip "$i")" 8088 60 "$!" || { echo "node $i did not start: $log" >&2; tail -20 "$log" >&2; return 1; }
}

kill_node() {
	local pidf=$CLUSTER_DIR/node$1/janus.pid
	[ -f "$pidf" ] && kill -9 "$(cat "$pidf")" 2>/dev/null
	rm -f "$pidf"
}

stop_node() {
	local pidf=$CLUSTER_DIR/node$1/janus.pid pid
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill -INT "$pid" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	rm -f "$pidf"
}

supervise() {
	NODES=$1
	mkdir -p "$CLUSTER_DIR/logs"
	: >"$CLUSTER_DIR/state"
	# shellcheck disable=SC1091
	. "$CLUSTER_DIR/secrets"
	NODE_DB="postgresql://tpaas:$PG_PASS@$PG_IP:$PGPORT/tpaas"
	KAM_DB="postgres://tpaas:$PG_PASS@$PG_IP:$PGPORT/tpaas"
	PGDIR=$(mktemp -d /tmp/tpaas-cluster-pg.XXXXXX)
	PGBIN=$(pg_bin)
	KAM_PID=""
	cleanup() {
		trap - EXIT TERM INT HUP
		local i stoppers=()
		[ -n "${SLEEPER:-}" ] && kill "$SLEEPER" 2>/dev/null
		for i in $(seq 1 "$NODES"); do stop_node "$i" & stoppers+=($!); done
		wait "${stoppers[@]}"
		[ -n "$KAM_PID" ] && kill "$KAM_PID" 2>/dev/null && wait "$KAM_PID" 2>/dev/null
		[ -f "$PGDIR/data/postmaster.pid" ] &&
			runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1
		[ -f "$PGDIR/postgresql.log" ] && rm -f "$CLUSTER_DIR/logs/postgresql.log" &&
			cp "$PGDIR/postgresql.log" "$CLUSTER_DIR/logs/postgresql.log"
		rm -rf "$PGDIR"
		rm -f "$PIDFILE"
		echo stopped >"$CLUSTER_DIR/state"
		exit 0
	}
	fail() { echo "failed: $*" >"$CLUSTER_DIR/state"; cleanup; }
	trap cleanup EXIT TERM INT HUP

	# No IPv6 anywhere: link-local addresses finishing DAD make chromium abort page loads.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	mount -t tmpfs tmpfs /run/netns 2>/dev/null || { mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns; } ||
		fail "cannot mount /run/netns"
	ip link set lo up
	ip link add br0 type bridge || fail "cannot make the bridge"
	ip addr add "$PG_IP/24" dev br0
	ip addr add "$KAM_IP/24" dev br0
	ip link set br0 up
	local i ip
	for i in $(seq 1 "$NODES"); do
		ip=$(node_ip "$i")
		ip netns add "n$i"
		ip link add "veth$i" type veth peer name eth0 netns "n$i"
		ip link set "veth$i" master br0 up
		ip netns exec "n$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "n$i" ip link set lo up
		ip netns exec "n$i" ip addr add "$ip/24" dev eth0
		ip netns exec "n$i" ip link set eth0 up
	done
	for i in $(seq 1 "$NODES"); do
		for _ in $(seq 1 50); do ip netns exec "n$i" ip link show eth0 | grep -q LOWER_UP && break; sleep 0.1; done
	done

	# PostgreSQL on the bridge, password auth (scram), data thrown away at stop.
	chown postgres: "$PGDIR"
	# (its log lives beside the data, where the postgres user can write even when the checkout is
	# in a directory only root may enter; logs/postgresql.log points at it and is a copy after stop)
	ln -sfn "$PGDIR/postgresql.log" "$CLUSTER_DIR/logs/postgresql.log"
	runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A scram-sha-256 --auth-local=trust \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$CLUSTER_DIR/logs/initdb.log" 2>&1 || fail "initdb"
	echo "host all all $NET.0/24 scram-sha-256" >>"$PGDIR/data/pg_hba.conf"
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgresql.log" -w -t 30 \
		-o "-p $PGPORT -k $PGDIR -c listen_addresses=$PG_IP -c max_connections=200" start >/dev/null ||
		fail "postgresql did not start"
	echo "$PGDIR" >"$CLUSTER_DIR/pgdir"
	runuser -u postgres -- psql -h "$PGDIR" -p "$PGPORT" -v ON_ERROR_STOP=1 -q -d postgres \
		-c "CREATE ROLE tpaas LOGIN PASSWORD '$PG_PASS'" -c "CREATE DATABASE tpaas OWNER tpaas" ||
		fail "cannot create the database"

	# Nodes: the first alone (it migrates the schema), then the others together.
	for i in $(seq 1 "$NODES"); do node_conf "$i" || fail "node $i configuration"; done
	start_node 1 || fail "node 1"
	local pids=()
	for i in $(seq 2 "$NODES"); do start_node "$i" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p" || fail "a node did not start"; done

	# Kamailio: the node list for dispatcher, then the proxy on its own address.
	{
		echo "# setid destination flags priority attrs (scripts/cluster.sh)"
		for i in $(seq 1 "$NODES"); do echo "1 sip:$(node_ip "$i"):5060 0 0 duid=n$i"; done
	} >"$CLUSTER_DIR/dispatcher.list"
	kamailio -f "$ROOT/conf/kamailio/kamailio.cfg" -DD -E -m 64 -M 8 -Y "$CLUSTER_DIR" \
		-l "udp:$KAM_IP:5060" -l "tcp:$KAM_IP:5060" \
		-A "SQLCON=\"cluster=>$KAM_DB\"" -A "DSLIST=\"$CLUSTER_DIR/dispatcher.list\"" \
		-A "PINGFROM=\"sip:kamailio@$KAM_IP\"" -A "CTLSOCK=\"unix:$CLUSTER_DIR/kamailio_ctl\"" \
		>"$CLUSTER_DIR/logs/kamailio.log" 2>&1 &
	KAM_PID=$!
	for _ in $(seq 1 100); do
		[ "$(kamcmd -s "unix:$CLUSTER_DIR/kamailio_ctl" dispatcher.list 2>/dev/null | grep -c 'FLAGS: AP')" = "$NODES" ] && break
		kill -0 "$KAM_PID" 2>/dev/null || fail "kamailio exited (logs/kamailio.log)"
		sleep 0.2
	done

	{
		printf '{\n  "nodes": [\n'
		for i in $(seq 1 "$NODES"); do
			ip=$(node_ip "$i")
			printf '    {"id": "n%s", "ip": "%s", "url": "http://%s:8088", "ws": "ws://%s:8088/", "admin": "ws://%s:7188/", "sip": "sip:%s:5060", "dir": "%s", "pidfile": "%s"}%s\n' \
				"$i" "$ip" "$ip" "$ip" "$ip" "$ip" "$CLUSTER_DIR/node$i" "$CLUSTER_DIR/node$i/janus.pid" \
				"$([ "$i" = "$NODES" ] || echo ,)"
		done
		printf '  ],\n  "kamailio": "%s", "kamailio_ctl": "unix:%s/kamailio_ctl",\n' "$KAM_IP" "$CLUSTER_DIR"
		printf '  "client_ip": "%s", "domain": "%s", "admin_secret": "%s",\n' "$PG_IP" "$DOMAIN" "$ADMIN_SECRET"
		printf '  "database": "%s", "lease_seconds": %s\n}\n' "$NODE_DB" "${LEASE_SECONDS:-6}"
	} >"$CLUSTER_DIR/cluster.json"
	echo ready >"$CLUSTER_DIR/state"
	while :; do
		sleep 3600 &
		SLEEPER=$!
		wait $SLEEPER
	done
}

# ---- commands -----------------------------------------------------------------------------------

cmd=${1:-start}
[ $# -gt 0 ] && shift
case "$cmd" in
	_supervise)
		supervise "$@"
		;;
	start)
		nodes=3
		while [ $# -gt 0 ]; do
			case "$1" in
				-n) nodes=$2; shift 2 ;;
				*) die "unknown option $1" ;;
			esac
		done
		[[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 40 ] || die "-n: 1..40 nodes"
		[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
		running && die "a cluster is running already (scripts/cluster.sh stop)"
		PREFIX=${PREFIX:-$ROOT/_run/install}
		[ -d "$PREFIX/lib/tpaas-vmr/plugins" ] || die "no build in $PREFIX (scripts/build.sh)"
		command -v kamailio >/dev/null || die "kamailio missing (scripts/install-deps.sh --test)"
		rm -rf "$CLUSTER_DIR"
		mkdir -p "$CLUSTER_DIR/logs"
		# secrets and node configurations stay 0600/0700; the postgres user writes its log here.
		chmod 711 "$CLUSTER_DIR"
		chmod 755 "$CLUSTER_DIR/logs"
		rnd() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
		{
			echo "ADMIN_SECRET=$(rnd)"
			echo "PG_PASS=$(rnd)"
			echo "DOMAIN=${CLUSTER_DOMAIN:-vmr.test}"
		} >"$CLUSTER_DIR/secrets"
		chmod 600 "$CLUSTER_DIR/secrets"
		export PREFIX
		setsid env TPAAS_CLUSTER_IN_NS=1 unshare --net --mount --propagation private \
			bash "$SELF" _supervise "$nodes" >"$CLUSTER_DIR/logs/supervisor.log" 2>&1 </dev/null &
		echo $! >"$PIDFILE"
		for _ in $(seq 1 900); do
			st=$(cat "$CLUSTER_DIR/state" 2>/dev/null)
			case "$st" in
				ready) break ;;
				failed*|stopped) echo "$st" >&2; cat "$CLUSTER_DIR/logs/supervisor.log" >&2; exit 1 ;;
			esac
			running || { echo "the supervisor died" >&2; cat "$CLUSTER_DIR/logs/supervisor.log" >&2; exit 1; }
			sleep 0.2
		done
		[ "$(cat "$CLUSTER_DIR/state")" = ready ] || die "not ready after 180 s"
		echo "cluster of $nodes nodes up (description: $CLUSTER_DIR/cluster.json)"
		for i in $(seq 1 "$nodes"); do echo "  node n$i  http://$(node_ip "$i"):8088/  sip:$(node_ip "$i"):5060"; done
		echo "  kamailio sip:$KAM_IP:5060   postgresql $PG_IP:$PGPORT   clients: scripts/cluster.sh exec <cmd>"
		;;
	stop)
		running || { echo "no cluster running"; exit 0; }
		pid=$(cat "$PIDFILE")
		kill -TERM "$pid"
		for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && die "supervisor $pid did not stop"
		echo "cluster stopped (logs in $CLUSTER_DIR/logs)"
		;;
	status)
		running || { echo "no cluster running"; exit 1; }
		cat "$CLUSTER_DIR/cluster.json"
		in_cluster kamcmd -s "unix:$CLUSTER_DIR/kamailio_ctl" dispatcher.list | grep -E 'URI|FLAGS'
		# shellcheck disable=SC1091
		. "$CLUSTER_DIR/secrets"
		in_cluster env PGPASSWORD="$PG_PASS" psql -h "$PG_IP" -U tpaas -d tpaas -c \
			"SELECT node_id, sip_uri, lease_until > now() AS alive, rooms, participants, load, capacity FROM cluster_nodes ORDER BY node_id" \
			-c "SELECT * FROM room_placement ORDER BY room_address"
		;;
	exec)
		[ $# -gt 0 ] || die "exec: a command"
		in_cluster "$@"
		;;
	kill-node | start-node | stop-node)
		[[ "${1:-}" =~ ^[0-9]+$ ]] || die "$cmd: a node number"
		in_cluster bash "$SELF" "_$cmd" "$1"
		;;
	_kill-node) kill_node "$1" ;;
	_stop-node) stop_node "$1" ;;
	_start-node) start_node "$1" ;;
	restart-db)
		# PostgreSQL restarted (fast shutdown: every connection cut), same data and settings.
		running || die "no cluster running"
		in_cluster bash "$SELF" _restart-db
		;;
	_restart-db)
		pgdir=$(cat "$CLUSTER_DIR/pgdir") || exit 1
		runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$pgdir/data" \
			-l "$pgdir/postgresql.log" -m fast -w -t 60 restart >/dev/null
		;;
	*)
		sed -n '2,10p' "$0" >&2
		exit 2
		;;
esac
