/*
 * tpw_http_admin.c - /metrics, /healthz and /turn on the admin listener.  See tpw_http_admin.h.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include <debug.h>

#include "tpw_http_admin.h"
#include "vmr_metrics.h"
#include "vmr_turn.h"

static char *turn_key;

void tpw_admin_setup(const char *turn_rest_key)
{
	tpw_admin_cleanup();
	turn_key = turn_rest_key && *turn_rest_key ? g_strdup(turn_rest_key) : NULL;
}

void tpw_admin_cleanup(void)
{
	if (turn_key != NULL)
		memset(turn_key, 0, strlen(turn_key));
	g_free(turn_key);
	turn_key = NULL;
}

static int admin_reply(struct lws *wsi, unsigned int status, const char *type, const char *body)
{
	unsigned char buf[LWS_PRE + 1024];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf);
	size_t len = body ? strlen(body) : 0;
	gboolean head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	if (lws_add_http_header_status(wsi, status, &p, end)
		|| lws_add_http_header_by_name(wsi, (const unsigned char *)"content-type:",
			(const unsigned char *)type, (int)strlen(type), &p, end)
		|| lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
			(const unsigned char *)"no-store", 8, &p, end)
		|| lws_add_http_header_content_length(wsi, len, &p, end)
		|| lws_finalize_http_header(wsi, &p, end))
		return -ENOSPC;
	if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS) < 0)
		return -EIO;
	if (len > 0 && !head) {
		/* lws_write wants LWS_PRE bytes of room before the data */
		unsigned char *out = g_malloc(LWS_PRE + len);
		memcpy(out + LWS_PRE, body, len);
		int n = lws_write(wsi, out + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
		g_free(out);
		if (n < 0)
			return -EIO;
	}
	return lws_http_transaction_completed(wsi) ? -ESHUTDOWN : 0;
}

/* The query argument name=value, if given (new string). */
static char *query_arg(struct lws *wsi, const char *name)
{
	char arg[256];
	size_t n = strlen(name);
	for (int i = 0;
		lws_hdr_copy_fragment(wsi, arg, sizeof(arg), WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		if (strncmp(arg, name, n) == 0 && arg[n] == '=')
			return g_strdup(arg + n + 1);
	}
	return NULL;
}

static gboolean key_ok(const char *given)
{
	if (turn_key == NULL || given == NULL || strlen(given) != strlen(turn_key))
		return FALSE;
	return CRYPTO_memcmp(given, turn_key, strlen(turn_key)) == 0;
}

static int serve_turn(struct lws *wsi)
{
	char *given = query_arg(wsi, "key");
	if (given == NULL)
		given = query_arg(wsi, "api");
	gboolean ok = key_ok(given);
	g_free(given);
	if (!ok) {
		char peer[64] = "?";
		lws_get_peer_simple(wsi, peer, sizeof(peer));
		JANUS_LOG(LOG_WARN, "[tpaasweb] %s: /turn without the right key (403)\n", peer);
		return admin_reply(wsi, HTTP_STATUS_FORBIDDEN, "text/plain", "forbidden\n");
	}
	json_t *j = vmr_turn_rest_response("janus");
	if (j == NULL)
		return admin_reply(wsi, HTTP_STATUS_NOT_FOUND, "text/plain", "TURN is off\n");
	char *body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	int rc = admin_reply(wsi, HTTP_STATUS_OK, "application/json", body);
	free(body);
	return rc;
}

static int admin_serve(struct lws *wsi, const char *uri)
{
	gboolean get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0
		|| lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	/* Janus's turn_rest_api POSTs by default (turn_rest_api_method sets GET): make-conf
	 * sets GET, and POST bodies are not read here. */
	if (!get) {
		admin_reply(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
		return -EOPNOTSUPP;
	}
	if (uri != NULL && strcmp(uri, "/metrics") == 0) {
		char *text = vmr_metrics_render();
		int rc = admin_reply(
			wsi, HTTP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", text);
		g_free(text);
		return rc;
	}
	if (uri != NULL && strcmp(uri, "/healthz") == 0) {
		char *text = NULL;
		gboolean ok = vmr_metrics_health(&text);
		char *body = g_strdup_printf("%s\n%s", ok ? "ok" : "unhealthy", text);
		int rc = admin_reply(wsi, ok ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE,
			"text/plain; charset=utf-8", body);
		g_free(body);
		g_free(text);
		return rc;
	}
	if (uri != NULL && strcmp(uri, "/turn") == 0 && turn_key != NULL)
		return serve_turn(wsi);
	return admin_reply(wsi, HTTP_STATUS_NOT_FOUND, "text/plain", "not found\n");
}

int tpw_admin_http_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_HTTP: return admin_serve(wsi, in);
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* The main vhost's protocols[0] flushes the WebSocket queues. */
		return 0;
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
