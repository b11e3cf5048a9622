/*
 * http_static.h - static files of the web client, served by lws's own mount
 * machinery (LWSMPRO_FILE) on the same port as the Janus WebSocket API.
 *
 * "/" maps to web_root (index.html by default), "/vendor/" to vendor_root
 * (Debian's libjs-* folder: janus-gateway/janus.js).  lws decodes %xx and
 * collapses "/../" before matching a mount, so a request can't leave a root;
 * a directory is answered with its index.html or 404 (no listing), and a file
 * whose type is not in the table below is refused (403).
 *
 * Threads: tpw_http_mounts_build()/free() on the Janus init/destroy thread,
 * tpw_http_callback() on the lws service thread.  The mounts own copies of the
 * root paths and must outlive the lws context.
 */
#ifndef TPW_HTTP_STATIC_H
#define TPW_HTTP_STATIC_H

#include <stddef.h>
#include <libwebsockets.h>

/* Name of protocols[0], the one the mounts and plain HTTP requests use. */
#define TPW_HTTP_PROTOCOL "http"

/* Returns the mount list for the vhost (NULL when both roots are NULL/empty).
 * Either root may be NULL to skip that mount.  Free with tpw_http_mounts_free(). */
const struct lws_http_mount *tpw_http_mounts_build(const char *web_root, const char *vendor_root);
void tpw_http_mounts_free(void);

/* protocols[0] callback: security headers, 404 for unmatched paths, refuses
 * WebSocket upgrades without a Janus subprotocol, and flushes pending writes
 * when the service is woken by lws_cancel_service(). */
int tpw_http_callback(struct lws *wsi, enum lws_callback_reasons reason,
		void *user, void *in, size_t len);

#endif
