/*
 * http_static.c - web client files over HTTP through lws mounts, plus the
 * response headers every served file carries.  See http_static.h.
 */
#include <string.h>

#include <glib.h>
#include <debug.h>

#include "http_static.h"
#include "ws_session.h"

/* The client is one page talking WebSocket to this same origin. */
#define TPW_HTTP_CSP \
	"default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; " \
	"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'"

/* Explicit types for what the client ships; lws only knows a few itself and
 * refuses (403) any suffix that is in neither list. */
static const struct lws_protocol_vhost_options tpw_mime[] = {
	{ &tpw_mime[1], NULL, ".html", "text/html; charset=utf-8" },
	{ &tpw_mime[2], NULL, ".js", "text/javascript; charset=utf-8" },
	{ &tpw_mime[3], NULL, ".mjs", "text/javascript; charset=utf-8" },
	{ &tpw_mime[4], NULL, ".css", "text/css; charset=utf-8" },
	{ &tpw_mime[5], NULL, ".svg", "image/svg+xml" },
	{ &tpw_mime[6], NULL, ".png", "image/png" },
	{ &tpw_mime[7], NULL, ".json", "application/json" },
	{ &tpw_mime[8], NULL, ".map", "application/json" },
	{ &tpw_mime[9], NULL, ".ico", "image/x-icon" },
	{ &tpw_mime[10], NULL, ".wasm", "application/wasm" },
	{ &tpw_mime[11], NULL, ".woff2", "font/woff2" },
	{ NULL, NULL, ".txt", "text/plain; charset=utf-8" },
};

static struct lws_http_mount mounts[2];
static char *roots[2];

static void tpw_http_mount_init(struct lws_http_mount *m, const char *mountpoint, char *origin) {
	memset(m, 0, sizeof(*m));
	m->mountpoint = mountpoint;
	m->mountpoint_len = (unsigned char)strlen(mountpoint);
	m->origin = origin;
	m->def = "index.html";
	/* Binds the request to protocols[0] so LWS_CALLBACK_ADD_HEADERS reaches us. */
	m->protocol = TPW_HTTP_PROTOCOL;
	m->origin_protocol = LWSMPRO_FILE;
	m->extra_mimetypes = tpw_mime;
}

static char *tpw_http_root(const char *path) {
	if(path == NULL || *path == '\0')
		return NULL;
	char *root = g_strdup(path);
	/* lws joins origin and URI with '/': drop trailing slashes ("/" stays). */
	size_t n = strlen(root);
	while(n > 1 && root[n - 1] == '/')
		root[--n] = '\0';
	return root;
}

const struct lws_http_mount *tpw_http_mounts_build(const char *web_root, const char *vendor_root) {
	tpw_http_mounts_free();
	roots[0] = tpw_http_root(vendor_root);
	roots[1] = tpw_http_root(web_root);
	const struct lws_http_mount *head = NULL;
	/* lws picks the longest matching mountpoint, order only links them. */
	if(roots[1] != NULL) {
		tpw_http_mount_init(&mounts[1], "/", roots[1]);
		head = &mounts[1];
	}
	if(roots[0] != NULL) {
		tpw_http_mount_init(&mounts[0], "/vendor", roots[0]);
		mounts[0].mount_next = head;
		head = &mounts[0];
	}
	return head;
}

void tpw_http_mounts_free(void) {
	for(size_t i = 0; i < G_N_ELEMENTS(roots); i++) {
		g_free(roots[i]);
		roots[i] = NULL;
	}
	memset(mounts, 0, sizeof(mounts));
}

static int tpw_http_add_header(struct lws *wsi, struct lws_process_html_args *args,
		const char *name, const char *value) {
	unsigned char *p = (unsigned char *)args->p;
	unsigned char *end = p + args->max_len;
	if(lws_add_http_header_by_name(wsi, (const unsigned char *)name,
			(const unsigned char *)value, (int)strlen(value), &p, end))
		return -1;
	args->max_len -= (int)(p - (unsigned char *)args->p);
	args->p = (char *)p;
	return 0;
}

/* Called by lws for every file a mount serves, before the headers are sent. */
static int tpw_http_add_headers(struct lws *wsi, struct lws_process_html_args *args) {
	/* "no-cache": files keep their names across upgrades, so the browser must
	 * revalidate (lws answers If-None-Match from its ETag).  Supplying it here
	 * also stops lws from adding its default "no-store". */
	if(tpw_http_add_header(wsi, args, "cache-control:", "no-cache") ||
			tpw_http_add_header(wsi, args, "content-security-policy:", TPW_HTTP_CSP) ||
			tpw_http_add_header(wsi, args, "x-content-type-options:", "nosniff") ||
			/* the page URL carries the meeting secret: never send it as Referer */
			tpw_http_add_header(wsi, args, "referrer-policy:", "no-referrer")) {
		JANUS_LOG(LOG_ERR, "[tpaasweb] no room for HTTP response headers\n");
		return -1;
	}
	return 0;
}

int tpw_http_callback(struct lws *wsi, enum lws_callback_reasons reason,
		void *user, void *in, size_t len) {
	switch(reason) {
		case LWS_CALLBACK_HTTP:
			/* No mount matched, or the file doesn't exist under it. */
			if(lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
				return -1;
			return lws_http_transaction_completed(wsi) ? -1 : 0;
		case LWS_CALLBACK_ADD_HEADERS:
			return tpw_http_add_headers(wsi, in);
		case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
			/* A WebSocket upgrade naming none of our subprotocols lands here. */
			return -1;
		case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
			tpw_ws_flush_pending();
			return 0;
		default:
			return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
