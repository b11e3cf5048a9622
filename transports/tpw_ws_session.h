/*
 * tpw_ws_session.h - one WebSocket connection of the tpaasweb transport.
 *
 * Each connection on the "janus-protocol" or "janus-admin-protocol" subprotocol
 * is one janus_transport_session.  Incoming text messages (possibly fragmented)
 * are reassembled, parsed and handed to the Janus core; outgoing messages are
 * queued per connection and written when lws says the socket is writeable.
 * A connection that sends more than max_message_size in one message is closed
 * with 1009; one that sends faster than its token bucket (msg_rate per second,
 * msg_burst at once) is closed with 1008.  Neither affects other connections.
 * An upgrade is refused when one address already holds max_connections_per_ip
 * connections (so no address can take all max_connections), and when the
 * browser's Origin header names a site not in allowed_origins: a hostile page
 * must not use its visitors' browsers (and their network position: a loopback
 * deployment) to reach us.  No Origin header means no browser, and passes; the
 * Admin API takes no connection that has an Origin at all.
 *
 * Threads: tpw_ws_callback() and tpw_ws_flush_pending() run on the lws service
 * thread only; tpw_ws_send() may be called from any Janus thread.  The service
 * thread is woken with lws_cancel_service() (see tpw_ws_set_context()).
 *
 * Ownership: the janus_transport_session owns the connection state (freed by
 * its p_free when the last reference goes).  The lws connection holds the
 * reference from janus_transport_session_create() until LWS_CALLBACK_CLOSED.
 */
#ifndef TPW_WS_SESSION_H
#define TPW_WS_SESSION_H

#include <stddef.h>
#include <libwebsockets.h>
#include <jansson.h>
#include <glib.h>

#include <transports/transport.h>

/* protocols[].id of the Admin API subprotocol (the Janus API one uses 0) */
#define TPW_WS_ADMIN_PROTOCOL_ID 1

struct tpw_ws_config {
	janus_transport *plugin;             /* borrowed, static */
	janus_transport_callbacks *gateway;  /* borrowed, Janus core */
	size_t max_message_size;             /* reassembled message limit, bytes */
	unsigned int max_connections;        /* WebSocket connections (both APIs) */
	unsigned int max_connections_per_ip; /* ...from one address */
	char **allowed_origins;              /* borrowed, NULL-terminated, lower case; NULL: same
	                                       origin as the Host header; "*": any */
	unsigned int idle_timeout_s;         /* close a silent connection; 0 = never */
	unsigned int msg_rate;  /* messages/s a connection may keep sending; 0 = no cap */
	unsigned int msg_burst; /* ...and how many it may send at once */
};

/* Per-connection lws user data (per_session_data_size of both WS protocols). */
struct tpw_ws_pss {
	struct tpw_ws_session *session;
};

/* Before the service thread starts: copies cfg. */
void tpw_ws_setup(const struct tpw_ws_config *cfg);

/* The context to wake from other threads; NULL once it is being destroyed
 * (after that tpw_ws_send() only queues and nothing is woken). */
void tpw_ws_set_context(struct lws_context *ctx);

/* lws protocol callback for both Janus subprotocols (service thread). */
int tpw_ws_callback(
	struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* Service thread, on LWS_CALLBACK_EVENT_WAIT_CANCELLED: asks lws for a
 * writeable callback on every connection that has queued output. */
void tpw_ws_flush_pending(void);

/* Queue a message for a connection (any thread).  Takes ownership of message.
 * Returns 0, -ENOTCONN if the connection is gone, -EINVAL (no message) or -ENOMEM (it can't
 * be encoded). */
int tpw_ws_send(janus_transport_session *ts, json_t *message);

/* Bookkeeping of the Janus sessions a connection carries (any thread). */
void tpw_ws_session_count(janus_transport_session *ts, int delta);

/* Number of open WebSocket connections (service thread; informative). */
unsigned int tpw_ws_connection_count(void);

#endif
