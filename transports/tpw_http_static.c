/*
 * tpw_http_static.c - web client files over HTTP(S), with caching validators,
 * precompressed gzip variants and the security headers every answer carries.
 * See tpw_http_static.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <glib.h>
#include <debug.h>

#include "tpw_http_static.h"
#include "tpw_ws_session.h"

/* The client is pages talking WebSocket to this same origin. */
#define TPW_HTTP_CSP                                                                               \
	"default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; "                \
	"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "                           \
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* Longest request path we look at; a longer one is 404. */
#define TPW_HTTP_MAX_PATH 1024

#define TPW_HTTP_404_BODY                                                                          \
	"<!doctype html><html><head><meta charset=\"utf-8\"><title>Not found</title></head>"       \
	"<body><h1>Not found</h1><p>There is nothing at this address.</p></body></html>\n"

/* Types of what the client ships; any other suffix is refused (403). */
static const struct {
	const char *suffix;
	const char *type;
} tpw_mime[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".webp", "image/webp" },
	{ ".json", "application/json" },
	{ ".map", "application/json" },
	{ ".ico", "image/x-icon" },
	{ ".wasm", "application/wasm" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

/* Fixed routes to pages of web_root. */
static const struct {
	const char *path;
	const char *file;
} tpw_routes[] = {
	{ "/", "index.html" },
	{ "/join", "index.html" }, /* the join page without an invitation: room + PIN */
	{ "/manage", "manage.html" },
	{ "/favicon.ico",
		"favicon.svg" }, /* asked for by browsers and tools that ignore <link rel="icon"> */
};

static struct {
	char *web_root;
	char *vendor_root;
	unsigned int max_age_s;
	unsigned int hsts_max_age_s;
} config;

static char *tpw_http_root(const char *path)
{
	if (path == NULL || *path == '\0')
		return NULL;
	char *root = g_strdup(path);
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		root[--n] = '\0';
	return root;
}

void tpw_http_setup(const struct tpw_http_config *cfg)
{
	tpw_http_cleanup();
	config.web_root = tpw_http_root(cfg->web_root);
	config.vendor_root = tpw_http_root(cfg->vendor_root);
	config.max_age_s = cfg->max_age_s;
	config.hsts_max_age_s = cfg->hsts_max_age_s;
}

void tpw_http_cleanup(void)
{
	g_free(config.web_root);
	g_free(config.vendor_root);
	memset(&config, 0, sizeof(config));
}

static const char *tpw_http_mime(const char *path)
{
	for (size_t i = 0; i < G_N_ELEMENTS(tpw_mime); i++)
		if (g_str_has_suffix(path, tpw_mime[i].suffix))
			return tpw_mime[i].type;
	return NULL;
}

/* Every segment of rel ("a/b.js") is a plain, visible name. */
static gboolean tpw_http_path_is_safe(const char *rel)
{
	if (*rel == '\0')
		return FALSE;
	for (const char *seg = rel; seg != NULL;) {
		const char *slash = strchr(seg, '/');
		size_t n = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
		/* empty, ".", ".." and hidden names (".git", ".htaccess") */
		if (n == 0 || seg[0] == '.')
			return FALSE;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)seg[i] < 0x20 || seg[i] == '\\' || seg[i] == 0x7f)
				return FALSE;
		seg = slash != NULL ? slash + 1 : NULL;
	}
	return TRUE;
}

/* Request path -> file name (new string), or NULL for 404. */
static char *tpw_http_resolve(const char *uri)
{
	if (uri == NULL || uri[0] != '/' || strlen(uri) > TPW_HTTP_MAX_PATH)
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(tpw_routes); i++)
		if (strcmp(uri, tpw_routes[i].path) == 0)
			return config.web_root != NULL
				? g_build_filename(config.web_root, tpw_routes[i].file, NULL)
				: NULL;
	const char *root = config.web_root, *rel = uri + 1;
	if (g_str_has_prefix(uri, "/vendor/")) {
		root = config.vendor_root;
		rel = uri + strlen("/vendor/");
	}
	if (root == NULL)
		return NULL;
	char *file = g_str_has_suffix(rel, "/") ? g_strconcat(rel, "index.html", NULL)
						: g_strdup(rel);
	char *path = tpw_http_path_is_safe(file) ? g_build_filename(root, file, NULL) : NULL;
	g_free(file);
	return path;
}

/* Accept-Encoding lists gzip (or x-gzip) without q=0 (RFC 9110 §12.5.3). */
static gboolean tpw_http_accepts_gzip(struct lws *wsi)
{
	char ae[512];
	if (lws_hdr_copy(wsi, ae, sizeof(ae), WSI_TOKEN_HTTP_ACCEPT_ENCODING) <= 0)
		return FALSE;
	gboolean gzip = FALSE;
	gchar **items = g_strsplit(ae, ",", 32);
	for (gchar **it = items; *it != NULL && !gzip; it++) {
		gchar **parts = g_strsplit(*it, ";", 4);
		g_strstrip(parts[0]);
		if (g_ascii_strcasecmp(parts[0], "gzip") == 0
			|| g_ascii_strcasecmp(parts[0], "x-gzip") == 0) {
			gzip = TRUE;
			for (gchar **p = parts + 1; *p != NULL; p++) {
				g_strstrip(*p);
				if (g_ascii_strncasecmp(*p, "q=", 2) == 0
					&& g_ascii_strtod(*p + 2, NULL) <= 0.0)
					gzip = FALSE;
			}
		}
		g_strfreev(parts);
	}
	g_strfreev(items);
	return gzip;
}

/* RFC 9110 §5.6.7 IMF-fixdate, independent of the locale. */
static void tpw_http_date(time_t t, char *buf, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	gmtime_r(&t, &tm);
	g_snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int tpw_http_header(
	struct lws *wsi, const char *name, const char *value, unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
		(const unsigned char *)value, (int)strlen(value), p, end);
}

/* Headers on every answer, files and errors alike. */
static int tpw_http_security_headers(struct lws *wsi, unsigned char **p, unsigned char *end)
{
	if (tpw_http_header(wsi, "content-security-policy:", TPW_HTTP_CSP, p, end)
		|| tpw_http_header(wsi, "x-content-type-options:", "nosniff", p, end) ||
		/* page URLs carry meeting secrets: never send them as Referer */
		tpw_http_header(wsi, "referrer-policy:", "no-referrer", p, end))
		return -ENOSPC;
	if (config.hsts_max_age_s > 0 && lws_is_ssl(wsi)) {
		char hsts[32];
		g_snprintf(hsts, sizeof(hsts), "max-age=%u", config.hsts_max_age_s);
		if (tpw_http_header(wsi, "strict-transport-security:", hsts, p, end))
			return -ENOSPC;
	}
	return 0;
}

/* A complete answer without a file: status, optional HTML body, optional
 * extra headers (name/value pairs, NULL-terminated). */
static int tpw_http_reply(
	struct lws *wsi, unsigned int status, const char *body, const char *const *extra)
{
	unsigned char buf[LWS_PRE + 2048];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf);
	size_t body_len = body != NULL ? strlen(body) : 0;
	gboolean head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	int fail = lws_add_http_header_status(wsi, status, &p, end)
		|| tpw_http_security_headers(wsi, &p, end);
	if (!fail && body != NULL)
		fail = tpw_http_header(wsi, "content-type:", "text/html; charset=utf-8", &p, end)
			|| tpw_http_header(wsi, "cache-control:", "no-store", &p, end);
	/* 304 has no body and must not claim one (RFC 9110 §15.4.5) */
	if (!fail && status != HTTP_STATUS_NOT_MODIFIED)
		fail = lws_add_http_header_content_length(wsi, body_len, &p, end);
	for (size_t i = 0; !fail && extra != NULL && extra[i] != NULL; i += 2)
		fail = tpw_http_header(wsi, extra[i], extra[i + 1], &p, end);
	if (fail || lws_finalize_http_header(wsi, &p, end)) {
		JANUS_LOG(LOG_ERR, "[tpaasweb] no room for HTTP response headers\n");
		return -ENOSPC;
	}
	if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS) < 0)
		return -EIO;
	if (body_len > 0 && !head
		&& lws_write(wsi, (unsigned char *)body, body_len, LWS_WRITE_HTTP_FINAL) < 0)
		return -EIO;
	return lws_http_transaction_completed(wsi) ? -ESHUTDOWN : 0;
}

static int tpw_http_not_found(struct lws *wsi)
{
	return tpw_http_reply(wsi, HTTP_STATUS_NOT_FOUND, TPW_HTTP_404_BODY, NULL);
}

/* The client already has this version (RFC 9110 §13.1.2, §13.1.3). */
static gboolean tpw_http_not_modified(struct lws *wsi, const char *etag, const char *last_modified)
{
	char buf[512];
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH) > 0) {
		if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_IF_NONE_MATCH) <= 0)
			return FALSE;
		/* our tags are quoted and unique enough for a substring test */
		return strcmp(g_strstrip(buf), "*") == 0 || strstr(buf, etag) != NULL;
	}
	/* browsers echo Last-Modified verbatim: no date parsing needed */
	return lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_IF_MODIFIED_SINCE) > 0
		&& strcmp(g_strstrip(buf), last_modified) == 0;
}

/* Refusals go to the log with the peer address (the path is cut and made printable). */
static void tpw_http_log_refused(struct lws *wsi, unsigned int status, const char *uri)
{
	char peer[64] = "?";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	char *shown = g_strndup(uri ? uri : "", 80);
	for (char *c = shown; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	JANUS_LOG(LOG_WARN, "[tpaasweb] %s: HTTP %u for %s\n", peer, status, shown);
	g_free(shown);
}

static int tpw_http_serve(struct lws *wsi, const char *uri)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) == 0
		&& lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) == 0) {
		static const char *const allow[] = { "allow:", "GET, HEAD", "connection:", "close",
			NULL };
		tpw_http_log_refused(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, uri);
		tpw_http_reply(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL, allow);
		/* a request body may follow: don't try to read it as the next request */
		return -EOPNOTSUPP;
	}
	char *path = tpw_http_resolve(uri);
	struct stat st;
	if (path == NULL || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (path
			== NULL) /* refused outright (traversal, hidden file): worth a line; a plain 404 is not */
			tpw_http_log_refused(wsi, HTTP_STATUS_NOT_FOUND, uri);
		g_free(path);
		return tpw_http_not_found(wsi);
	}
	const char *mime = tpw_http_mime(path);
	if (mime == NULL) {
		g_free(path);
		tpw_http_log_refused(wsi, HTTP_STATUS_FORBIDDEN, uri);
		return tpw_http_reply(wsi, HTTP_STATUS_FORBIDDEN, NULL, NULL);
	}
	gboolean html = g_str_has_prefix(mime, "text/html");

	/* A precompressed copy, if it is at least as new as the file. */
	char *gz = g_strconcat(path, ".gz", NULL);
	struct stat gst;
	gboolean has_gz = stat(gz, &gst) == 0 && S_ISREG(gst.st_mode)
		&& gst.st_mtime >= st.st_mtime;
	gboolean send_gz = has_gz && tpw_http_accepts_gzip(wsi);
	const char *file = send_gz ? gz : path;
	const struct stat *fst = send_gz ? &gst : &st;

	char etag[96], last_modified[64], cache[64];
	g_snprintf(etag, sizeof(etag), "\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x%s\"",
		(gint64)fst->st_size,
		(gint64)fst->st_mtim.tv_sec * 1000000000 + fst->st_mtim.tv_nsec,
		send_gz ? "-gz" : "");
	tpw_http_date(st.st_mtime, last_modified, sizeof(last_modified));
	if (html || config.max_age_s == 0)
		g_strlcpy(cache, "no-cache", sizeof(cache));
	else
		g_snprintf(cache, sizeof(cache), "max-age=%u", config.max_age_s);

	int ret;
	if (tpw_http_not_modified(wsi, etag, last_modified)) {
		const char *const extra[] = { "etag:", etag, "cache-control:", cache,
			has_gz ? "vary:" : NULL, "accept-encoding", NULL };
		ret = tpw_http_reply(wsi, HTTP_STATUS_NOT_MODIFIED, NULL, extra);
	} else {
		unsigned char hdr[1536];
		unsigned char *p = hdr, *end = hdr + sizeof(hdr);
		if (tpw_http_security_headers(wsi, &p, end)
			|| tpw_http_header(wsi, "cache-control:", cache, &p, end)
			|| tpw_http_header(wsi, "etag:", etag, &p, end)
			|| tpw_http_header(wsi, "last-modified:", last_modified, &p, end)
			|| (has_gz && tpw_http_header(wsi, "vary:", "accept-encoding", &p, end))
			|| (send_gz
				&& tpw_http_header(wsi, "content-encoding:", "gzip", &p, end))) {
			JANUS_LOG(LOG_ERR, "[tpaasweb] no room for HTTP response headers\n");
			ret = -ENOSPC;
		} else {
			/* <0: close; >0: already sent in full; 0: lws streams the rest */
			int n = lws_serve_http_file(
				wsi, file, mime, (const char *)hdr, (int)(p - hdr));
			ret = n < 0                                            ? -EIO
				: n > 0 && lws_http_transaction_completed(wsi) ? -ESHUTDOWN
									       : 0;
		}
	}
	g_free(gz);
	g_free(path);
	return ret;
}

int tpw_http_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_HTTP: return tpw_http_serve(wsi, in);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* A WebSocket upgrade naming none of our subprotocols lands here. */
		return -EPERM;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED: tpw_ws_flush_pending(); return 0;
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
