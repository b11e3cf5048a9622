/*
 * tpw_http_redirect.h - the optional plain-HTTP listener of the tpaasweb transport
 * when it runs TLS: every request gets "301 Moved Permanently" to
 * https://<host of the request>:<https port><path>[?query]; WebSocket upgrades
 * are refused.
 *
 * Threads: tpw_redirect_setup() before the lws context exists (Janus init
 * thread); tpw_redirect_callback() on the lws service thread.
 */
#ifndef TPW_HTTP_REDIRECT_H
#define TPW_HTTP_REDIRECT_H

#include <stddef.h>
#include <libwebsockets.h>

/* Port the Location points at (443 is left out of the URL). */
void tpw_redirect_setup(int https_port);

/* protocols[0] callback of the redirect vhost. */
int tpw_redirect_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

#endif
