/*
 * tpw_ws_session.c - per-connection state of the tpaasweb transport: reassembly
 * of incoming messages, the outgoing queue, and waking the lws service thread.
 *
 * Threads and ownership are described in tpw_ws_session.h.  In short:
 *  - struct tpw_ws_session is owned by its janus_transport_session (p_free);
 *  - wsi, rx and the connection counter are touched by the service thread only;
 *  - outq, write_scheduled, closed and overflow are shared (GAsyncQueue/atomics);
 *  - pending holds one transport-session reference per connection waiting for
 *    a writeable callback, so its memory outlives the queue entry.
 */
#include <errno.h>
#include <string.h>

#include <debug.h>
#include <refcount.h>

#include "vmr_cluster.h"
#include "vmr_peer.h"
#include "tpw_ws_session.h"

/* Messages queued for a client that does not read; past this it is closed. */
#define TPW_WS_MAX_QUEUED 4096
/* A reassembly buffer that grew beyond this is released after each message. */
#define TPW_WS_RX_KEEP 16384

struct tpw_ws_session {
	struct lws *wsi;             /* service thread; NULL once closed */
	janus_transport_session *ts; /* back pointer, no reference (ts owns us) */
	gboolean admin;
	GByteArray *rx;                /* service thread: message being reassembled */
	GAsyncQueue *outq;             /* struct tpw_ws_frame *, any thread pushes */
	gint write_scheduled;          /* atomic: an entry is in pending */
	gint closed;                   /* atomic: no more output accepted */
	gint overflow;                 /* atomic: client too slow, close it */
	gint janus_sessions;           /* atomic, informative */
	enum lws_close_status closing; /* service thread: close with this code when writeable */
	const char *closing_reason;    /* static text for the close frame */
	double tokens;                 /* service thread: message rate bucket */
	gint64 refilled_us;            /* service thread: monotonic time of last refill */
	char peer[64];
};

/* One outgoing text message, with the LWS_PRE headroom lws_write() needs. */
struct tpw_ws_frame {
	size_t len;
	unsigned char buf[]; /* LWS_PRE + len */
};

static struct tpw_ws_config config;
static GMutex ctx_lock; /* guards ctx against destroy */
static struct lws_context *ctx;
static GAsyncQueue *pending; /* janus_transport_session *, with a ref */
static gint connections;     /* atomic */
static GHashTable *per_ip;   /* service thread: address -> GUINT_TO_POINTER(open connections) */

void tpw_ws_setup(const struct tpw_ws_config *cfg)
{
	config = *cfg;
	if (pending == NULL)
		pending = g_async_queue_new();
	if (per_ip == NULL)
		per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

void tpw_ws_set_context(struct lws_context *context)
{
	g_mutex_lock(&ctx_lock);
	ctx = context;
	g_mutex_unlock(&ctx_lock);
	if (context == NULL && pending != NULL) {
		/* Service loop is over: nobody will flush these any more. */
		janus_transport_session *ts;
		while ((ts = g_async_queue_try_pop(pending)) != NULL)
			janus_refcount_decrease(&ts->ref);
	}
}

unsigned int tpw_ws_connection_count(void)
{
	return (unsigned int)g_atomic_int_get(&connections);
}

/* p_free of the janus_transport_session: last reference is gone. */
static void tpw_ws_session_free(void *p)
{
	struct tpw_ws_session *s = p;
	if (s == NULL)
		return;
	g_async_queue_unref(s->outq); /* frees queued frames (g_free) */
	if (s->rx != NULL)
		g_byte_array_free(s->rx, TRUE);
	g_free(s);
}

static void tpw_ws_schedule_write(janus_transport_session *ts)
{
	struct tpw_ws_session *s = ts->transport_p;
	if (!g_atomic_int_compare_and_exchange(&s->write_scheduled, 0, 1))
		return;
	janus_refcount_increase(&ts->ref);
	g_async_queue_push(pending, ts);
	g_mutex_lock(&ctx_lock);
	if (ctx != NULL)
		lws_cancel_service(ctx);
	g_mutex_unlock(&ctx_lock);
}

int tpw_ws_send(janus_transport_session *ts, json_t *message)
{
	if (message == NULL)
		return -EINVAL;
	if (ts == NULL || g_atomic_int_get(&ts->destroyed) || ts->transport_p == NULL) {
		json_decref(message);
		return -ENOTCONN;
	}
	struct tpw_ws_session *s = ts->transport_p;
	if (g_atomic_int_get(&s->closed)) {
		json_decref(message);
		return -ENOTCONN;
	}
	char *text = json_dumps(message, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(message);
	if (text == NULL)
		return -ENOMEM;
	size_t len = strlen(text);
	struct tpw_ws_frame *f = g_malloc(sizeof(*f) + LWS_PRE + len);
	f->len = len;
	memcpy(f->buf + LWS_PRE, text, len);
	free(text);
	if (g_async_queue_length(s->outq) >= TPW_WS_MAX_QUEUED) {
		/* Log once per connection; the service thread closes it. */
		if (g_atomic_int_compare_and_exchange(&s->overflow, 0, 1))
			JANUS_LOG(LOG_WARN,
				"[tpaasweb] %s: %d messages queued, client not reading, closing\n",
				s->peer, TPW_WS_MAX_QUEUED);
		g_free(f);
	} else {
		g_async_queue_push(s->outq, f);
	}
	tpw_ws_schedule_write(ts);
	return 0;
}

void tpw_ws_session_count(janus_transport_session *ts, int delta)
{
	if (ts == NULL || ts->transport_p == NULL)
		return;
	struct tpw_ws_session *s = ts->transport_p;
	g_atomic_int_add(&s->janus_sessions, delta);
}

void tpw_ws_flush_pending(void)
{
	janus_transport_session *ts;
	while ((ts = g_async_queue_try_pop(pending)) != NULL) {
		struct tpw_ws_session *s = ts->transport_p;
		/* Clear first: a message queued from now on schedules a new wake-up. */
		g_atomic_int_set(&s->write_scheduled, 0);
		if (s->wsi != NULL)
			lws_callback_on_writable(s->wsi);
		janus_refcount_decrease(&ts->ref);
	}
}

static void tpw_ws_touch(struct lws *wsi)
{
	if (config.idle_timeout_s > 0)
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, (int)config.idle_timeout_s);
}

static int tpw_ws_open(struct lws *wsi, struct tpw_ws_pss *pss)
{
	const struct lws_protocols *proto = lws_get_protocol(wsi);
	struct tpw_ws_session *s = g_malloc0(sizeof(*s));
	s->wsi = wsi;
	s->admin = proto != NULL && proto->id == TPW_WS_ADMIN_PROTOCOL_ID;
	s->rx = g_byte_array_new();
	s->outq = g_async_queue_new_full(g_free);
	lws_get_peer_simple(wsi, s->peer, sizeof(s->peer));
	s->tokens = config.msg_burst;
	s->refilled_us = g_get_monotonic_time();
	s->ts = janus_transport_session_create(s, tpw_ws_session_free);
	if (s->ts == NULL) {
		tpw_ws_session_free(s);
		return -ENOMEM;
	}
	pss->session = s;
	g_atomic_int_inc(&connections);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(per_ip, s->peer));
	g_hash_table_insert(per_ip, g_strdup(s->peer), GUINT_TO_POINTER(n + 1));
	tpw_ws_touch(wsi);
	JANUS_LOG(LOG_VERB, "[tpaasweb] %s: new %s WebSocket connection\n", s->peer,
		s->admin ? "Admin API" : "Janus API");
	return 0;
}

static void tpw_ws_closed(struct tpw_ws_pss *pss)
{
	struct tpw_ws_session *s = pss->session;
	if (s == NULL)
		return;
	pss->session = NULL;
	s->wsi = NULL;
	g_atomic_int_set(&s->closed, 1);
	g_atomic_int_add(&connections, -1);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(per_ip, s->peer));
	if (n <= 1)
		g_hash_table_remove(per_ip, s->peer);
	else
		g_hash_table_insert(per_ip, g_strdup(s->peer), GUINT_TO_POINTER(n - 1));
	JANUS_LOG(LOG_VERB, "[tpaasweb] %s: WebSocket closed (%d Janus sessions)\n", s->peer,
		g_atomic_int_get(&s->janus_sessions));
	janus_transport_session *ts = s->ts;
	/* The core tears down the sessions this connection created. */
	config.gateway->transport_gone(config.plugin, ts);
	janus_transport_session_destroy(ts); /* drops our reference; s may be gone */
}

/* Token bucket: a message costs one token; tokens come back at msg_rate/s
 * up to msg_burst.  Returns FALSE when the connection is over its rate. */
static gboolean tpw_ws_rate_ok(struct tpw_ws_session *s)
{
	if (config.msg_rate == 0)
		return TRUE;
	gint64 now = g_get_monotonic_time();
	s->tokens += (double)(now - s->refilled_us) * config.msg_rate / G_USEC_PER_SEC;
	s->refilled_us = now;
	if (s->tokens > config.msg_burst)
		s->tokens = config.msg_burst;
	if (s->tokens < 1.0)
		return FALSE;
	s->tokens -= 1.0;
	return TRUE;
}

/* Closes the connection from the next writeable callback, with a close frame
 * the client gets to read: returning an error here, with the client's data still
 * unread in the socket, would make the kernel answer with a reset instead. */
static void tpw_ws_close_soon(
	struct lws *wsi, struct tpw_ws_session *s, enum lws_close_status code, const char *reason)
{
	s->closing = code;
	s->closing_reason = reason;
	g_byte_array_free(s->rx, TRUE);
	s->rx = g_byte_array_new();
	lws_callback_on_writable(wsi);
}

static int tpw_ws_receive(struct lws *wsi, struct tpw_ws_session *s, const void *in, size_t len)
{
	if (s->closing != 0)
		return 0; /* ignored until the close frame is out */
	if (lws_is_first_fragment(wsi))
		g_byte_array_set_size(s->rx, 0);
	if (len > config.max_message_size || s->rx->len > config.max_message_size - len) {
		JANUS_LOG(LOG_WARN, "[tpaasweb] %s: message larger than %zu bytes, closing\n",
			s->peer, config.max_message_size);
		tpw_ws_close_soon(wsi, s, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
		return 0;
	}
	if (len > 0)
		g_byte_array_append(s->rx, in, (guint)len);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
		return 0;
	if (!tpw_ws_rate_ok(s)) {
		JANUS_LOG(LOG_WARN, "[tpaasweb] %s: more than %u messages/s (burst %u), closing\n",
			s->peer, config.msg_rate, config.msg_burst);
		tpw_ws_close_soon(wsi, s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "message rate");
		return 0;
	}

	json_error_t error;
	json_t *root = json_loadb((const char *)s->rx->data, s->rx->len, 0, &error);
	if (root == NULL)
		JANUS_LOG(LOG_WARN, "[tpaasweb] %s: not JSON (%s), %u bytes\n", s->peer, error.text,
			s->rx->len);
	if (s->rx->len > TPW_WS_RX_KEEP) {
		g_byte_array_free(s->rx, TRUE);
		s->rx = g_byte_array_new();
	} else {
		g_byte_array_set_size(s->rx, 0);
	}
	tpw_ws_touch(wsi);
	/* Janus tells plugins nothing about who sent a request: the edge stamps the peer address
	 * into the body under a key no client can know, and deletes any "_peer..." a client put
	 * there (vmr_peer.h).  Every verb and spelling: the core takes "MESSAGE" as "message", and
	 * only plugin messages carry a body.  The Admin API is trusted and not stamped. */
	if (!s->admin && json_is_object(root))
		vmr_peer_stamp(json_object_get(root, "body"), s->peer);
	/* The core owns root (NULL on a parse error: it answers with error). */
	config.gateway->incoming_request(config.plugin, s->ts, NULL, s->admin, root, &error);
	return 0;
}

static int tpw_ws_writeable(struct lws *wsi, struct tpw_ws_session *s)
{
	if (s->closing != 0) {
		lws_close_reason(wsi, s->closing, (unsigned char *)s->closing_reason,
			strlen(s->closing_reason));
		return -ESHUTDOWN;
	}
	if (g_atomic_int_get(&s->overflow)) {
		lws_close_reason(
			wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"not reading", 11);
		return -ENOBUFS;
	}
	/* lws allows a single lws_write() per writeable callback. */
	struct tpw_ws_frame *f = g_async_queue_try_pop(s->outq);
	if (f == NULL)
		return 0;
	int n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
	size_t len = f->len;
	g_free(f);
	if (n < 0 || (size_t)n < len) {
		JANUS_LOG(LOG_WARN, "[tpaasweb] %s: write failed, closing\n", s->peer);
		return -EIO;
	}
	if (g_async_queue_length(s->outq) > 0)
		lws_callback_on_writable(wsi);
	return 0;
}

/* A header value fit for a log line: printable ASCII only. */
static void tpw_ws_printable(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

/* May this upgrade's Origin connect?  RFC 6455 §10.2: the Origin header is how a server
 * tells which page a browser's WebSocket comes from. */
static gboolean tpw_ws_origin_ok(struct lws *wsi, gboolean admin, const char *peer)
{
	char origin[256], host[256];
	int olen = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
	if (olen <= 0)
		return TRUE; /* not a browser */
	gboolean ok = FALSE;
	if (olen < (int)sizeof(origin)
		&& lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) > 0) {
		char *lower = g_ascii_strdown(origin, -1);
		if (admin) {
			ok = FALSE; /* no web page talks to the Admin API */
		} else if (config.allowed_origins == NULL) {
			/* same origin: scheme://<the Host header> */
			const char *sep = strstr(lower, "://");
			int hlen = lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST);
			ok = sep != NULL && hlen > 0 && g_ascii_strcasecmp(sep + 3, host) == 0;
		} else {
			for (char **o = config.allowed_origins; *o != NULL && !ok; o++)
				ok = strcmp(*o, "*") == 0 || strcmp(*o, lower) == 0;
		}
		/* Several nodes: a page served by any live node may connect here (vmr_cluster.h). */
		if (!ok && !admin && vmr_cluster_origin_is_node(lower))
			ok = TRUE;
		g_free(lower);
	} else {
		g_strlcpy(origin, "(too long)", sizeof(origin));
	}
	if (!ok) {
		tpw_ws_printable(origin);
		JANUS_LOG(LOG_WARN, "[tpaasweb] %s: WebSocket from origin %s refused%s\n", peer,
			origin, admin ? " (Admin API)" : "");
	}
	return ok;
}

/* LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: 0 lets the upgrade go on. */
static int tpw_ws_filter(struct lws *wsi)
{
	char peer[64];
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	if ((unsigned int)g_atomic_int_get(&connections) >= config.max_connections) {
		JANUS_LOG(LOG_WARN, "[tpaasweb] %s: %u WebSocket connections, refusing another\n",
			peer, config.max_connections);
		return -EBUSY;
	}
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(per_ip, peer));
	if (config.max_connections_per_ip > 0 && n >= config.max_connections_per_ip) {
		JANUS_LOG(LOG_WARN,
			"[tpaasweb] %s: %u WebSocket connections from this address, refusing "
			"another\n",
			peer, n);
		return -EBUSY;
	}
	const struct lws_protocols *proto = lws_get_protocol(wsi);
	gboolean admin = proto != NULL && proto->id == TPW_WS_ADMIN_PROTOCOL_ID;
	return tpw_ws_origin_ok(wsi, admin, peer) ? 0 : -EACCES;
}

int tpw_ws_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct tpw_ws_pss *pss = user;
	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return tpw_ws_filter(wsi);
	case LWS_CALLBACK_ESTABLISHED: return tpw_ws_open(wsi, pss);
	case LWS_CALLBACK_RECEIVE:
		if (pss == NULL || pss->session == NULL)
			return -EINVAL;
		return tpw_ws_receive(wsi, pss->session, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss == NULL || pss->session == NULL)
			return -EINVAL;
		return tpw_ws_writeable(wsi, pss->session);
	case LWS_CALLBACK_CLOSED:
		if (pss != NULL)
			tpw_ws_closed(pss);
		return 0;
	default: return 0;
	}
}
