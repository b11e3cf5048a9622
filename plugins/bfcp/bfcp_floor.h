/*
 * bfcp_floor.h - the BFCP floor control server of one conference (RFC 8855): one floor per
 * content stream (floor id), clients known by user id. A FloorRequest is granted at once and
 * takes the floor from any current holder (whose request becomes Revoked); FloorRelease
 * releases; a client leaving releases. Every change produces the messages to send: a
 * FloorRequestStatus to the requester (and to a holder who lost the floor) and a FloorStatus
 * to every BFCP client. They come back as encoded buffers addressed to a user id in a
 * bfcp_outbox: the transport (TCP connection, UDP socket) is the caller's job.
 *
 * Clients added with version 0 are not BFCP clients (a browser presenting through the VMR
 * plugin): they can hold a floor (bfcp_floor_take / bfcp_floor_drop) and receive nothing.
 *
 * Version 1 clients (TCP) get server-initiated messages with transaction id 0; version 2
 * clients (UDP) get a non-zero one of the server's (retransmission until the Ack, and
 * answering a retransmitted request again without acting on it, are bfcp_retrans's job in the
 * caller's transport; answering Hello on a new connection before a user id is known too).
 *
 * Threading: none inside; a bfcp_floor_server is plain data: the caller's lock protects it.
 * Ownership: the caller owns the server (bfcp_floor_server_free) and the outbox
 * (bfcp_outbox_clear frees the buffers in it). No Janus headers.
 */
#ifndef TPAAS_BFCP_FLOOR_H
#define TPAAS_BFCP_FLOOR_H

#include "bfcp_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFCP_FLOOR_MAX_CLIENTS 256
#define BFCP_FLOOR_MAX_FLOORS  16
#define BFCP_FLOOR_NAME_MAX    64 /* bytes of a client's display name */

typedef struct {
	uint16_t user_id;
	uint8_t *data;
	size_t len;
} bfcp_out_msg;

typedef struct {
	bfcp_out_msg *v;
	size_t n;
} bfcp_outbox;

void bfcp_outbox_clear(bfcp_outbox *o);

typedef struct bfcp_floor_server bfcp_floor_server;

bfcp_floor_server *bfcp_floor_server_new(uint32_t conference_id);
void bfcp_floor_server_free(bfcp_floor_server *s);

/* A floor (content stream). false when it exists already, is 0 or there are too many. */
bool bfcp_floor_add(bfcp_floor_server *s, uint16_t floor_id);
/* A client: version 1 (TCP), 2 (UDP) or 0 (not a BFCP client). false for user id 0, a known
 * user id, or too many. */
bool bfcp_floor_client_add(bfcp_floor_server *s, uint16_t user_id, uint8_t version);
/* The name the others are told for user_id while it holds a floor (USER-DISPLAY-NAME in its
 * BENEFICIARY-INFORMATION, RFC 8855 §5.2.13): made valid UTF-8, control characters turned to
 * spaces, cut at BFCP_FLOOR_NAME_MAX bytes on a character boundary; NULL or "" for none.
 * false for an unknown user. */
bool bfcp_floor_client_set_name(bfcp_floor_server *s, uint16_t user_id, const char *name);
/* The client leaves: a floor it holds is released (FloorStatus to the others). */
void bfcp_floor_client_remove(bfcp_floor_server *s, uint16_t user_id, bfcp_outbox *out);

/* Who holds the floor: a user id, or 0. */
uint16_t bfcp_floor_holder(const bfcp_floor_server *s, uint16_t floor_id);

/*
 * One message received from the client user_id (as the transport knows it: the header's user
 * id must match). Answers go into out: errors as Error messages, Hello with HelloAck,
 * FloorRequest / FloorRelease / FloorRequestQuery with FloorRequestStatus, FloorQuery with
 * FloorStatus, Goodbye with GoodbyeAck (and the client leaves). Returns false when the message
 * was refused (an Error is in out when one is due).
 */
bool bfcp_floor_receive(
	bfcp_floor_server *s, uint16_t user_id, const uint8_t *buf, size_t len, bfcp_outbox *out);

/* A holder that is not a BFCP client (or one on its behalf) takes / drops the floor. */
bool bfcp_floor_take(bfcp_floor_server *s, uint16_t user_id, uint16_t floor_id, bfcp_outbox *out);
bool bfcp_floor_drop(bfcp_floor_server *s, uint16_t user_id, uint16_t floor_id, bfcp_outbox *out);

#endif
