/*
 * tpw_http_static.h - static files of the web client, served on the same port
 * (and origin) as the Janus WebSocket API.
 *
 * Routes: "/" is web_root/index.html, "/join" web_root/index.html (its room + PIN form), "/manage"
 * web_root/manage.html, "/vendor/..." vendor_root (Debian's libjs-* folder:
 * janus-gateway/janus.js), anything else a file under web_root.  A path ending
 * in "/" means its index.html; directories are never listed.  Every path
 * segment must be a plain name: "", ".", ".." and hidden names (".git") are
 * answered 404, so a request can't leave a root (lws also decodes %xx and
 * collapses "/../" first).  A file whose suffix is not in the type table is
 * refused (403).  Only GET and HEAD are served (405 otherwise).
 *
 * Caching: HTML is "no-cache" (always revalidated: files keep their names
 * across upgrades), other files get a short max-age; all carry an ETag and
 * Last-Modified, and a matching If-None-Match / If-Modified-Since gets 304.
 * Compression: when the client accepts gzip and "<file>.gz" exists and is not
 * older than the file, the .gz is sent with Content-Encoding: gzip.
 * Every answer (errors too) carries a strict Content-Security-Policy,
 * nosniff, no-referrer and, on TLS, Strict-Transport-Security if configured.
 *
 * Threads: tpw_http_setup()/tpw_http_cleanup() on the Janus init/destroy
 * thread, before the lws context exists / after it is gone;
 * tpw_http_callback() on the lws service thread.
 */
#ifndef TPW_HTTP_STATIC_H
#define TPW_HTTP_STATIC_H

#include <stddef.h>
#include <libwebsockets.h>

/* Name of protocols[0], the one plain HTTP requests use. */
#define TPW_HTTP_PROTOCOL "http"

struct tpw_http_config {
	const char *web_root;        /* NULL/"": no web client (borrowed, copied) */
	const char *vendor_root;     /* NULL/"": no /vendor/ (borrowed, copied) */
	unsigned int max_age_s;      /* max-age of non-HTML files; 0 = no-cache */
	unsigned int hsts_max_age_s; /* Strict-Transport-Security max-age; 0 = none */
};

/* Copies cfg (and its strings) for the callback. */
void tpw_http_setup(const struct tpw_http_config *cfg);
void tpw_http_cleanup(void);

/* protocols[0] callback: serves files, refuses WebSocket upgrades without a
 * Janus subprotocol, and flushes pending WebSocket writes when the service is
 * woken by lws_cancel_service(). */
int tpw_http_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

#endif
