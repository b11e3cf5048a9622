/*
 * tpw_http_redirect.c - plain HTTP to HTTPS redirects.  See tpw_http_redirect.h.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "tpw_http_redirect.h"

/* Longest Location we build; a longer request gets 414. */
#define TPW_REDIRECT_MAX_URL 2048

static int https_port = 443;

void tpw_redirect_setup(int port)
{
	https_port = port;
}

/* Host header without its port, if it is a plain name, IPv4 or [IPv6]. */
static gboolean tpw_redirect_host(const char *host, GString *out)
{
	size_t n;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (close == NULL)
			return FALSE;
		n = (size_t)(close - host) + 1;
		for (size_t i = 1; i + 1 < n; i++)
			if (!g_ascii_isxdigit(host[i]) && host[i] != ':' && host[i] != '.')
				return FALSE;
	} else {
		n = strcspn(host, ":");
		for (size_t i = 0; i < n; i++)
			if (!g_ascii_isalnum(host[i]) && host[i] != '.' && host[i] != '-')
				return FALSE;
	}
	if (n == 0)
		return FALSE;
	g_string_append_len(out, host, (gssize)n);
	return TRUE;
}

/* lws hands us the path and query decoded: encode them again (RFC 3986 §3.3, §3.4). */
static void tpw_redirect_encode(GString *out, const char *s, const char *keep)
{
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if (g_ascii_isalnum(*c) || strchr("-._~!$'()*,;:@/", *c) != NULL
			|| (keep != NULL && strchr(keep, *c) != NULL))
			g_string_append_c(out, (char)*c);
		else
			g_string_append_printf(out, "%%%02X", *c);
	}
}

static int tpw_redirect_status(struct lws *wsi, unsigned int status)
{
	if (lws_return_http_status(wsi, status, NULL))
		return -EIO;
	return lws_http_transaction_completed(wsi) ? -ESHUTDOWN : 0;
}

static int tpw_redirect_http(struct lws *wsi, const char *uri)
{
	char host[256];
	if (uri == NULL || uri[0] != '/'
		|| lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		return tpw_redirect_status(wsi, HTTP_STATUS_BAD_REQUEST);
	GString *url = g_string_new("https://");
	if (!tpw_redirect_host(host, url)) {
		g_string_free(url, TRUE);
		return tpw_redirect_status(wsi, HTTP_STATUS_BAD_REQUEST);
	}
	if (https_port != 443)
		g_string_append_printf(url, ":%d", https_port);
	tpw_redirect_encode(url, uri, NULL);
	/* lws splits the query at '&' into fragments of "name=value". */
	char arg[1024];
	for (int i = 0;
		lws_hdr_copy_fragment(wsi, arg, sizeof(arg), WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		g_string_append_c(url, i == 0 ? '?' : '&');
		char *eq = strchr(arg, '=');
		if (eq != NULL) {
			*eq = '\0';
			tpw_redirect_encode(url, arg, NULL);
			g_string_append_c(url, '=');
			tpw_redirect_encode(url, eq + 1, "=");
		} else {
			tpw_redirect_encode(url, arg, NULL);
		}
		if (url->len > TPW_REDIRECT_MAX_URL)
			break;
	}
	if (url->len > TPW_REDIRECT_MAX_URL) {
		g_string_free(url, TRUE);
		return tpw_redirect_status(wsi, HTTP_STATUS_REQ_URI_TOO_LONG);
	}
	unsigned char buf[LWS_PRE + TPW_REDIRECT_MAX_URL + 512];
	unsigned char *p = buf + LWS_PRE, *end = buf + sizeof(buf);
	int n = lws_http_redirect(wsi, HTTP_STATUS_MOVED_PERMANENTLY,
		(const unsigned char *)url->str, (int)url->len, &p, end);
	g_string_free(url, TRUE);
	if (n < 0)
		return -EIO;
	return lws_http_transaction_completed(wsi) ? -ESHUTDOWN : 0;
}

int tpw_redirect_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_HTTP: return tpw_redirect_http(wsi, in);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* No WebSocket on the plain port: the page must come over https. */
		return -EPERM;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* The main vhost's protocols[0] flushes the WebSocket queues. */
		return 0;
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
