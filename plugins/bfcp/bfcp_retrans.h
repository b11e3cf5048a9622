/*
 * bfcp_retrans.h - BFCP over an unreliable transport (UDP, RFC 8855 §6.2 and §8.3): the
 * reliability state of one server-side peer, with no sockets and no clock of its own (the
 * caller passes the time in milliseconds and does the sending), so it can be tested and fuzzed
 * without a network.
 *
 * Rules it keeps (version 2 messages only; version 1 runs over TCP and passes through):
 * 1. What we initiate (R bit clear, transaction id not 0: FloorStatus, FloorRequestStatus
 *    notifications) is remembered byte for byte and sent again with the same transaction id
 *    after T1, then 2*T1, 4*T1 (BFCP_RETRANS_T1_MS, doubling) until the peer answers with the
 *    same transaction id (FloorStatusAck, FloorRequestStatusAck, Error, or any message with
 *    the R bit); BFCP_RETRANS_MAX_TX transmissions in all, then the transaction is dropped
 *    after a last wait of T1 * 2^(MAX_TX-1). A newer FloorStatus of the same floor, or
 *    FloorRequestStatus of the same floor request, ends the older one (it would only repeat
 *    stale news, and arrive after the newer one).
 * 2. What we answer (R bit set) to the request taken last is kept for BFCP_RETRANS_T2_MS; a
 *    request with the same transaction id and primitive arriving in that time is a
 *    retransmission: bfcp_retrans_receive hands back the same bytes and the caller must not
 *    act on the request again.
 * 3. Bounded: at most BFCP_RETRANS_MAX_PENDING messages wait for their ack and
 *    BFCP_RETRANS_MAX_CACHED responses are kept; when full, the oldest goes. Acks naming no
 *    pending transaction change nothing. Nothing grows with the input.
 *
 * A server answers every request a client initiates with a response, so it sends no Ack
 * messages of its own (FloorStatusAck and FloorRequestStatusAck are the client's job).
 *
 * Transitions of a pending message: bfcp_retrans_sent (queued, 1 transmission) ->
 * bfcp_retrans_poll (due: sent again, or dropped after the last wait) -> bfcp_retrans_receive
 * (acked: dropped); bfcp_retrans_sent of a newer one of the same key (superseded: dropped).
 *
 * Threading: none inside; plain data for the caller's thread. Ownership: the caller owns the
 * struct (bfcp_retrans_free); it keeps copies of the bytes it is given. No Janus headers.
 */
#ifndef TPAAS_BFCP_RETRANS_H
#define TPAAS_BFCP_RETRANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFCP_RETRANS_T1_MS       500   /* RFC 8855 §8.3.1: the first retransmission timer */
#define BFCP_RETRANS_T2_MS       10000 /* RFC 8855 §8.3.2: how long responses are kept */
#define BFCP_RETRANS_MAX_TX      4     /* transmissions of one message: the first + 3 */
#define BFCP_RETRANS_MAX_PENDING 16
#define BFCP_RETRANS_MAX_CACHED  8

typedef struct bfcp_retrans bfcp_retrans;

typedef enum {
	BFCP_RETRANS_TAKE,   /* a new message: give it to the floor logic */
	BFCP_RETRANS_ACK,    /* it answered one of our pending messages: nothing more to do */
	BFCP_RETRANS_STRAY,  /* an answer to nothing pending (late, duplicate or forged): drop */
	BFCP_RETRANS_REPEAT, /* a retransmitted request: send *again, do not act on it again */
} bfcp_retrans_verdict;

typedef struct {
	uint64_t retransmitted, acked, stray, gave_up, superseded, evicted, repeated;
} bfcp_retrans_stats;

bfcp_retrans *bfcp_retrans_new(void);
void bfcp_retrans_free(bfcp_retrans *r);

/* A message of len bytes from the peer at now_ms. On BFCP_RETRANS_REPEAT, *again and
 * *again_len are the response to send again (borrowed until the next call on r). */
bfcp_retrans_verdict bfcp_retrans_receive(bfcp_retrans *r, const uint8_t *buf, size_t len,
	int64_t now_ms, const uint8_t **again, size_t *again_len);

/* A message we send to the peer at now_ms (called for each, before or after sending it):
 * ours to retransmit until acked, a response to keep, or nothing to remember. */
void bfcp_retrans_sent(bfcp_retrans *r, const uint8_t *buf, size_t len, int64_t now_ms);

/* Sends again (through send) every pending message due at now_ms, drops those whose last
 * wait ended and the responses older than T2. */
void bfcp_retrans_poll(bfcp_retrans *r, int64_t now_ms,
	void (*send)(void *opaque, const uint8_t *buf, size_t len), void *opaque);

/* When bfcp_retrans_poll is due next: true and *due_ms, or false when nothing waits. */
bool bfcp_retrans_next_due(const bfcp_retrans *r, int64_t *due_ms);

/* How many messages wait for their ack, and how many responses are kept. */
size_t bfcp_retrans_pending(const bfcp_retrans *r);
size_t bfcp_retrans_cached(const bfcp_retrans *r);
void bfcp_retrans_get_stats(const bfcp_retrans *r, bfcp_retrans_stats *out);

#endif
