/*
 * tpw_http_admin.h - plain HTTP on the Admin API's own listener (loopback by default, never
 * the public port): what a monitoring system and a load balancer read.
 *
 * Routes (GET or HEAD; anything else 405, any other path 404):
 *   /metrics  the Prometheus text format (version 0.0.4) of vmr_metrics_render()
 *   /healthz  200 "ok" when every health check passes (the store answers, the SIP user agent
 *             listens), else 503; the body lists each check, one a line
 *   /turn     only with turn_rest_key set: the TURN REST answer (username, password, ttl,
 *             uris) Janus's own turn_rest_api fetches; the key must come as ?key=... (or
 *             api=...), else 403
 * No WebSocket upgrade is refused here: the Admin API's own subprotocol uses this listener.
 *
 * Threads: tpw_admin_setup/_cleanup on the Janus init/destroy thread (before the lws context /
 * after it is gone); tpw_admin_http_callback on the lws service thread.
 */
#ifndef TPW_HTTP_ADMIN_H
#define TPW_HTTP_ADMIN_H

#include <stddef.h>
#include <libwebsockets.h>

/* turn_rest_key: NULL or "" serves no /turn (copied). */
void tpw_admin_setup(const char *turn_rest_key);
void tpw_admin_cleanup(void);

int tpw_admin_http_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

#endif
