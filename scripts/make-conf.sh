#!/usr/bin/env bash
# Writes a private Janus configuration folder for tpaas-vmr from conf/*.jcfg.in.
# Usage: scripts/make-conf.sh <conf dir> <state dir>
# Settings come from the environment (defaults in brackets):
#   PREFIX [<root>/_run/install]  PLUGIN_DIR [PREFIX/lib/tpaas-vmr/plugins]  HTTP_IP [127.0.0.1]  HTTP_PORT [8088]  ICE_IFACE [none: all]
#   ADMIN_SECRET [random]  ADMIN_IP [127.0.0.1]  ADMIN_PORT [7188]  DEMO_ROOM [demo]  VIDEO_WIDTH/HEIGHT/FPS [1280/720/30]
#   RTP_PORTS [20000-40000]  DEBUG_LEVEL [4]  WEB_ROOT [<root>/web-client]
#   TLS [false]  TLS_CERT/TLS_KEY [none: self-signed]  TLS_STATE_DIR [<state dir>/tls]  REDIRECT_PORT [0]
#   DATABASE [<state dir>/vmr.sqlite, or a postgresql:// URI]  SIP_DOMAIN [localhost]
#   PUBLIC_URL [http://HTTP_IP:HTTP_PORT]  ALLOWED_ORIGINS [origin of PUBLIC_URL]  DIAL_IP [HTTP_IP]  SMTP_URL [none]  SMTP_STARTTLS [1]  MAIL_FROM
#   SIP_IP [HTTP_IP]  SIP_PORT [5060]  SIP_TLS_PORT [5061]  SIP_TLS_CERT_DIR [none: no TLS]  SIP_TLS_REQUIRE_SRTP [no]  SIP_LOBBY_USER [lobby]
#   SIP_RTP_PORTS [41000-45000]  SIP_PROMPT_DIR [PREFIX/share/tpaas-vmr/prompts]  SIP_MEDIA_TIMEOUT [30]
#   SIP_DIALOUT_RING [30]  SIP_MAX_CALLS [200]  SIP_MAX_CALLS_PER_SOURCE [10]  SIP_TRUSTED_PROXIES [none]
#   TURN_URLS [none: no TURN] (comma-separated turn:/turns: URIs)  TURN_SECRET (coturn's static-auth-secret)
#   TURN_TTL [86400]  JANUS_TURN [0; 1: Janus itself fetches TURN credentials from the admin listener's /turn]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONF_DIR=$1
STATE_DIR=$2
# The files hold the admin secret and may hold a database or SMTP URI with a password: readable
# by the service user alone (also when an older run left them 0644).
umask 077
mkdir -p "$CONF_DIR" "$STATE_DIR" "$CONF_DIR/empty"
chmod 700 "$CONF_DIR" "$STATE_DIR" "$CONF_DIR/empty"
CONF_DIR=$(cd "$CONF_DIR" && pwd)
STATE_DIR=$(cd "$STATE_DIR" && pwd)
PREFIX=${PREFIX:-$ROOT/_run/install}
LIBDIR=$PREFIX/lib/tpaas-vmr
ADMIN_SECRET=${ADMIN_SECRET:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}
if [ -n "${ICE_IFACE:-}" ]; then
	ICE_LINE="ice_enforce_list = \"$ICE_IFACE\""
else
	ICE_LINE="# ice_enforce_list: not set, every non-loopback interface is used"
fi
if [ -n "${TURN_URLS:-}" ] && [ -z "${TURN_SECRET:-}" ]; then
	echo "make-conf.sh: TURN_URLS needs TURN_SECRET (coturn's static-auth-secret)" >&2
	exit 1
fi
# Janus's own TURN (only when Janus is behind NAT): its turn_rest_api asks our admin listener.
if [ "${JANUS_TURN:-0}" = 1 ] && [ -n "${TURN_URLS:-}" ]; then
	TURN_REST_KEY=${TURN_REST_KEY:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}
	TURN_REST_LINE="turn_rest_api = \"http://${ADMIN_IP:-127.0.0.1}:${ADMIN_PORT:-7188}/turn\"\n\tturn_rest_api_key = \"$TURN_REST_KEY\"\n\tturn_rest_api_method = \"GET\""
else
	TURN_REST_KEY=
	TURN_REST_LINE="# turn_rest_api: not set (JANUS_TURN=1 makes Janus itself use TURN)"
fi
# Values that may hold sed's special characters (a PostgreSQL URI with "&", say).
esc() { printf '%s' "$1" | sed -e 's/[&|\\]/\\&/g'; }
DATABASE_V=$(esc "${DATABASE:-$STATE_DIR/vmr.sqlite}")
SMTP_URL_V=$(esc "${SMTP_URL:-}")
TURN_URLS_V=$(esc "${TURN_URLS:-}")
TURN_SECRET_V=$(esc "${TURN_SECRET:-}")
if [ "${TLS:-false}" = true ] || [ "${TLS:-}" = 1 ]; then SCHEME=https; else SCHEME=http; fi
PUBLIC_URL_V=$(esc "${PUBLIC_URL:-$SCHEME://${HTTP_IP:-127.0.0.1}:${HTTP_PORT:-8088}}")
# Browsers may open WebSockets from the service's own pages only (scheme://host[:port] of PUBLIC_URL).
ORIGIN_DEFAULT=$(printf '%s' "${PUBLIC_URL:-$SCHEME://${HTTP_IP:-127.0.0.1}:${HTTP_PORT:-8088}}" | sed -E 's|^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]+).*|\1|')
ALLOWED_ORIGINS_V=$(esc "${ALLOWED_ORIGINS:-$ORIGIN_DEFAULT}")
for tpl in "$ROOT"/conf/*.jcfg.in; do
	out="$CONF_DIR/$(basename "$tpl" .in)"
	sed -e "s|@CONF_DIR@|$CONF_DIR|g" \
		-e "s|@STATE_DIR@|$STATE_DIR|g" \
		-e "s|@EMPTY_DIR@|$CONF_DIR/empty|g" \
		-e "s|@PLUGIN_DIR@|${PLUGIN_DIR:-$LIBDIR/plugins}|g" \
		-e "s|@TRANSPORT_DIR@|$LIBDIR/transports|g" \
		-e "s|@ADMIN_SECRET@|$ADMIN_SECRET|g" \
		-e "s|@ADMIN_IP@|${ADMIN_IP:-127.0.0.1}|g" \
		-e "s|@ADMIN_PORT@|${ADMIN_PORT:-7188}|g" \
		-e "s|@ICE_ENFORCE_LINE@|$ICE_LINE|g" \
		-e "s|@RTP_PORTS@|${RTP_PORTS:-20000-40000}|g" \
		-e "s|@DEBUG_LEVEL@|${DEBUG_LEVEL:-4}|g" \
		-e "s|@HTTP_IP@|${HTTP_IP:-127.0.0.1}|g" \
		-e "s|@HTTP_PORT@|${HTTP_PORT:-8088}|g" \
		-e "s|@WEB_ROOT@|${WEB_ROOT:-$ROOT/web-client}|g" \
		-e "s|@VENDOR_ROOT@|/usr/share/javascript|g" \
		-e "s|@TLS@|${TLS:-false}|g" \
		-e "s|@TLS_CERT@|${TLS_CERT:-}|g" \
		-e "s|@TLS_KEY@|${TLS_KEY:-}|g" \
		-e "s|@TLS_STATE_DIR@|${TLS_STATE_DIR:-$STATE_DIR/tls}|g" \
		-e "s|@REDIRECT_PORT@|${REDIRECT_PORT:-0}|g" \
		-e "s|@DEMO_ROOM@|${DEMO_ROOM-demo}|g" \
		-e "s|@DATABASE@|$DATABASE_V|g" \
		-e "s|@SIP_DOMAIN@|${SIP_DOMAIN:-localhost}|g" \
		-e "s|@SIP_IP@|${SIP_IP:-${HTTP_IP:-127.0.0.1}}|g" \
		-e "s|@SIP_PORT@|${SIP_PORT:-5060}|g" \
		-e "s|@SIP_TLS_PORT@|${SIP_TLS_PORT:-5061}|g" \
		-e "s|@SIP_TLS_CERT_DIR@|${SIP_TLS_CERT_DIR:-}|g" \
		-e "s|@SIP_TLS_REQUIRE_SRTP@|${SIP_TLS_REQUIRE_SRTP:-no}|g" \
		-e "s|@SIP_LOBBY_USER@|${SIP_LOBBY_USER:-lobby}|g" \
		-e "s|@SIP_RTP_PORTS@|${SIP_RTP_PORTS:-41000-45000}|g" \
		-e "s|@SIP_MEDIA_TIMEOUT@|${SIP_MEDIA_TIMEOUT:-30}|g" \
		-e "s|@SIP_DIALOUT_RING@|${SIP_DIALOUT_RING:-30}|g" \
		-e "s|@SIP_MAX_CALLS@|${SIP_MAX_CALLS:-200}|g" \
		-e "s|@SIP_MAX_CALLS_PER_SOURCE@|${SIP_MAX_CALLS_PER_SOURCE:-10}|g" \
		-e "s|@SIP_TRUSTED_PROXIES@|${SIP_TRUSTED_PROXIES:-}|g" \
		-e "s|@SIP_PROMPT_DIR@|${SIP_PROMPT_DIR:-$PREFIX/share/tpaas-vmr/prompts}|g" \
		-e "s|@PUBLIC_URL@|$PUBLIC_URL_V|g" \
		-e "s|@ALLOWED_ORIGINS@|$ALLOWED_ORIGINS_V|g" \
		-e "s|@DIAL_IP@|${DIAL_IP:-${HTTP_IP:-127.0.0.1}}|g" \
		-e "s|@SMTP_URL@|$SMTP_URL_V|g" \
		-e "s|@SMTP_STARTTLS@|${SMTP_STARTTLS:-1}|g" \
		-e "s|@MAIL_FROM@|${MAIL_FROM:-vmr@${SIP_DOMAIN:-localhost}}|g" \
		-e "s|@VIDEO_WIDTH@|${VIDEO_WIDTH:-1280}|g" \
		-e "s|@VIDEO_HEIGHT@|${VIDEO_HEIGHT:-720}|g" \
		-e "s|@VIDEO_FPS@|${VIDEO_FPS:-30}|g" \
		-e "s|@TURN_URLS@|$TURN_URLS_V|g" \
		-e "s|@TURN_SECRET@|$TURN_SECRET_V|g" \
		-e "s|@TURN_TTL@|${TURN_TTL:-86400}|g" \
		-e "s|@CLUSTER@|${CLUSTER:-false}|g" \
		-e "s|@CLUSTER_PROXY@|${CLUSTER_PROXY:-}|g" \
		-e "s|@NODE_ID@|${NODE_ID:-}|g" \
		-e "s|@NODE_PUBLIC_URL@|$(esc "${NODE_PUBLIC_URL:-}")|g" \
		-e "s|@NODE_SIP_URI@|${NODE_SIP_URI:-sip:${SIP_IP:-${HTTP_IP:-127.0.0.1}}:${SIP_PORT:-5060}}|g" \
		-e "s|@NODE_CAPACITY@|${NODE_CAPACITY:-0}|g" \
		-e "s|@LEASE_SECONDS@|${LEASE_SECONDS:-6}|g" \
		-e "s|@TURN_REST_KEY@|$TURN_REST_KEY|g" \
		-e "s|@TURN_REST_LINE@|$TURN_REST_LINE|g" \
		"$tpl" > "$out"
	chmod 600 "$out"
done
echo "$ADMIN_SECRET" > "$CONF_DIR/admin_secret"
chmod 600 "$CONF_DIR/admin_secret"
