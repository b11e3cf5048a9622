/*
 * sipb_bfcp.h - BFCP (RFC 8855) for SIP room systems: the transport of each call's BFCP
 * stream (TCP/BFCP: our own listening socket per call, or a connection we open when the
 * peer is setup:passive; UDP/BFCP: a socket per call) and one floor control server per room
 * (plugins/bfcp's bfcp_floor), shared by the room's BFCP calls. A FloorRequest is granted at
 * once (taking the floor from anyone); the client's `floor` event tells the call to present
 * (or to stop). Who presents in the room is decided by the MCU: the call glue tells the hub
 * the MCU's presenter (sipb_bfcp_room_presenter) after every content change, from any
 * plugin, and the hub makes the floor agree, with FloorStatus to every BFCP client (a
 * presenter without BFCP, a browser, holds the floor as user SIPB_BFCP_OTHER_USER; when
 * another such presenter takes over, that user is granted the floor again: a FloorStatus with
 * a new floor request id).
 *
 * Bounded against hostile peers: messages above max_msg close the connection, a TCP
 * connection holding a partial message for idle_timeout_s is closed, at most max_conns
 * TCP connections and UDP sockets are open at once, at most SIPB_BFCP_OUT_MAX bytes wait
 * for a slow reader (then the connection is closed), connections and datagrams are taken only
 * from the call's signalling host when one is given. Decode errors are answered with the
 * Error message the library gives (never an Error to an Error).
 *
 * UDP/BFCP is made reliable as RFC 8855 §6.2 / §8.3 asks, per client by plugins/bfcp's
 * bfcp_retrans: what we initiate (FloorStatus, FloorRequestStatus notifications) is sent again,
 * same bytes and transaction id, after T1 = 500 ms, then 1 s, 2 s (4 transmissions, given up
 * 4 s after the last) until the client's FloorStatusAck / FloorRequestStatusAck (or Error)
 * with that transaction id; a newer FloorStatus of the floor replaces an unacked older one.
 * Our responses are kept for T2 = 10 s: a request retransmitted with the same transaction id
 * gets the same response again and is not acted on twice (no second grant). Caps per client:
 * 16 messages awaiting an ack, 8 responses kept (the oldest goes); acks naming nothing pending
 * are dropped; the retransmission timer (one GSource per client, only while something is
 * pending) is removed by sipb_bfcp_client_free. As server we send no Ack messages of our own
 * (every client message is a request we answer). No fragmentation: our messages (under 200
 * bytes) fit any path MTU, and fragmented input is answered with Error 10.
 *
 * Not done: BFCP over TLS/DTLS.
 *
 * Threads: everything on the GMainContext given to sipb_bfcp_hub_new (the UA's loop);
 * nothing here locks. Events are called on that thread, never after the client is freed.
 * Ownership: the caller owns the hub and each client (sipb_bfcp_client_free before
 * sipb_bfcp_hub_free).
 */
#ifndef TPAAS_SIPB_BFCP_H
#define TPAAS_SIPB_BFCP_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define SIPB_BFCP_FLOOR_ID   1      /* one floor per room: the slides */
#define SIPB_BFCP_OTHER_USER 0xffff /* the holder when a non-BFCP participant presents */
#define SIPB_BFCP_OUT_MAX    65536

typedef struct sipb_bfcp_hub sipb_bfcp_hub;
typedef struct sipb_bfcp_client sipb_bfcp_client;

typedef struct sipb_bfcp_limits {
	int max_conns;      /* default 256 */
	size_t max_msg;     /* default 8192 */
	int idle_timeout_s; /* a partial message older than this closes the connection; 10 */
} sipb_bfcp_limits;

typedef struct sipb_bfcp_client_events {
	void *opaque;
	/* The client got the floor (held 1: present) or lost it (0: stop presenting). */
	void (*floor)(void *opaque, int held);
} sipb_bfcp_client_events;

typedef struct sipb_bfcp_client_config {
	const char *room;      /* the room's address (copied): clients of one room share a floor */
	const char *local_ip;  /* to bind */
	int udp;               /* 1: UDP/BFCP, 0: TCP/BFCP */
	int we_connect;        /* TCP, the peer is setup:passive: we connect to remote_ip:port */
	const char *remote_ip; /* the SDP's address of the peer's BFCP line */
	int remote_port;
	const char *peer_host;     /* the signalling source's IP: the only host taken; NULL: any */
	const void *presenter_key; /* what sipb_bfcp_room_presenter names this call by */
	const char *display;       /* its name, told the others while it presents (copied) */
	/* Our offer (dial-out), TCP and listening only: the device's host is known from its
	 * answer. Connections are taken from any host meanwhile but held, unread: nothing they
	 * send is acted on and nothing is sent to them until sipb_bfcp_client_peer_known. One
	 * is held per host (the newest) and four at most, so a stranger connecting before or
	 * after the device does not push the device's connection out. */
	int await_peer;
} sipb_bfcp_client_config;

sipb_bfcp_hub *sipb_bfcp_hub_new(GMainContext *ctx, const sipb_bfcp_limits *limits);
void sipb_bfcp_hub_free(sipb_bfcp_hub *h);

/* The conference id of a room (stable, never 0): what our SDP answers put in a=confid. */
uint32_t sipb_bfcp_conference_id(const char *room);

/* Opens the client's socket (a user id of its own in the room). 0, -EMFILE (max_conns),
 * -EINVAL, or a socket error. */
int sipb_bfcp_client_new(sipb_bfcp_hub *h, const sipb_bfcp_client_config *cfg,
	const sipb_bfcp_client_events *ev, sipb_bfcp_client **out);
/* Leaves the room's floor (a floor it held is released: FloorStatus to the others) and
 * closes the sockets. No event is called from here. */
void sipb_bfcp_client_free(sipb_bfcp_client *c);
/* The answer to our offer named the device (a client made with await_peer; otherwise a
 * no-op): from now on a connection is taken only from `host` or `alt` (IP literals, either may
 * be NULL). The newest held connection from one of them is taken and what it sent meanwhile
 * is acted on now; the other held connections are closed. 0, or -EINVAL when neither is an address (no connection is taken
 * then: the caller drops the client). */
int sipb_bfcp_client_peer_known(sipb_bfcp_client *c, const char *host, const char *alt);
uint16_t sipb_bfcp_client_port(const sipb_bfcp_client *c);
uint16_t sipb_bfcp_client_user_id(const sipb_bfcp_client *c);
uint32_t sipb_bfcp_client_conference_id(const sipb_bfcp_client *c);
int sipb_bfcp_client_is_udp(const sipb_bfcp_client *c);
/* TCP, and we listen (the peer connects to us; else we connected to it). */
int sipb_bfcp_client_is_listening(const sipb_bfcp_client *c);
/* The client's BFCP connection is up (TCP connected, or a UDP datagram taken). */
int sipb_bfcp_client_connected(const sipb_bfcp_client *c);
/* UDP: how many of our messages wait for their ack and how many responses are kept for
 * retransmitted requests (both 0 over TCP). */
void sipb_bfcp_client_udp_backlog(const sipb_bfcp_client *c, size_t *pending, size_t *cached);

/* The MCU's presenter of the room is now `presenter` (a presenter_key of one of the room's
 * clients, another participant's, or NULL for none): the floor follows, with FloorStatus to
 * every client; a client that lost the floor hears `floor` 0 (a BFCP client that got it
 * already holds it). name: another participant's display name, told the clients with it. */
void sipb_bfcp_room_presenter(
	sipb_bfcp_hub *h, const char *room, const void *presenter, const char *name);
/* Who holds the room's floor: a user id, SIPB_BFCP_OTHER_USER, or 0. */
uint16_t sipb_bfcp_room_holder(sipb_bfcp_hub *h, const char *room);

typedef struct sipb_bfcp_stats {
	uint64_t msgs_in, msgs_out, errors_sent, bad_input, conns_refused, conns_closed;
	/* UDP: our messages sent again for want of an ack, dropped unacked after the last
	 * retransmission, and responses repeated for a retransmitted request */
	uint64_t udp_retransmits, udp_gave_up, udp_repeats;
} sipb_bfcp_stats;
void sipb_bfcp_hub_stats(sipb_bfcp_hub *h, sipb_bfcp_stats *out);

#endif
