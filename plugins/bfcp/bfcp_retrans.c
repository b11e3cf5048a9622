/*
 * bfcp_retrans.c - reliability of BFCP over UDP for one peer (see bfcp_retrans.h).
 *
 * Threading: none. Ownership: the struct owns copies of the messages it remembers.
 */
#include "bfcp_retrans.h"

#include <glib.h>
#include <string.h>

#include "bfcp_msg.h"

typedef struct {
	uint8_t *data; /* NULL: a free slot */
	size_t len;
	uint16_t tid;
	uint8_t primitive;
	uint16_t key; /* the floor id (FloorStatus) or floor request id (FloorRequestStatus) */
	int tx;       /* transmissions so far */
	int64_t due_ms;
	uint64_t seq; /* age: the lowest is the oldest */
} pending_msg;

typedef struct {
	uint8_t *data; /* NULL: a free slot */
	size_t len;
	uint16_t tid;
	uint8_t request; /* the primitive of the request it answered */
	int64_t expires_ms;
	uint64_t seq;
} cached_resp;

struct bfcp_retrans {
	pending_msg pending[BFCP_RETRANS_MAX_PENDING];
	cached_resp cached[BFCP_RETRANS_MAX_CACHED];
	uint64_t seq;
	bool have_request; /* the request taken last, whose response is to be kept */
	uint16_t request_tid;
	uint8_t request_primitive;
	bfcp_retrans_stats st;
};

/* The common header fields this layer needs (RFC 8855 §5.1). */
typedef struct {
	uint8_t version;
	bool responder;
	uint8_t primitive;
	uint16_t tid;
} header;

static bool peek(const uint8_t *buf, size_t len, header *h)
{
	if (buf == NULL || len < BFCP_HEADER_LEN)
		return false;
	h->version = buf[0] >> 5;
	h->responder = (buf[0] & 0x10) != 0;
	h->primitive = buf[1];
	h->tid = (uint16_t)(buf[8] << 8 | buf[9]);
	return h->version == 2;
}

bfcp_retrans *bfcp_retrans_new(void)
{
	return g_new0(bfcp_retrans, 1);
}

static void pending_drop(pending_msg *p)
{
	g_free(p->data);
	memset(p, 0, sizeof(*p));
}

static void cached_drop(cached_resp *c)
{
	g_free(c->data);
	memset(c, 0, sizeof(*c));
}

void bfcp_retrans_free(bfcp_retrans *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < BFCP_RETRANS_MAX_PENDING; i++)
		pending_drop(&r->pending[i]);
	for (size_t i = 0; i < BFCP_RETRANS_MAX_CACHED; i++)
		cached_drop(&r->cached[i]);
	g_free(r);
}

/* The answer primitive that completes a pending one; 0 when any pending primitive fits. */
static uint8_t answered_primitive(uint8_t answer)
{
	switch (answer) {
	case BFCP_FLOOR_STATUS_ACK: return BFCP_FLOOR_STATUS;
	case BFCP_FLOOR_REQUEST_STATUS_ACK: return BFCP_FLOOR_REQUEST_STATUS;
	case BFCP_GOODBYE_ACK: return BFCP_GOODBYE;
	default: return 0;
	}
}

static bool is_answer(const header *h)
{
	return h->responder || h->primitive == BFCP_ERROR || answered_primitive(h->primitive) != 0;
}

bfcp_retrans_verdict bfcp_retrans_receive(bfcp_retrans *r, const uint8_t *buf, size_t len,
	int64_t now_ms, const uint8_t **again, size_t *again_len)
{
	header h;
	*again = NULL;
	*again_len = 0;
	r->have_request = false;
	if (!peek(buf, len, &h))
		return BFCP_RETRANS_TAKE; /* the floor logic answers what it cannot take */
	if (is_answer(&h)) {
		uint8_t want = answered_primitive(h.primitive);
		for (size_t i = 0; i < BFCP_RETRANS_MAX_PENDING; i++) {
			pending_msg *p = &r->pending[i];
			if (p->data != NULL && p->tid == h.tid
				&& (want == 0 || want == p->primitive)) {
				pending_drop(p);
				r->st.acked++;
				return BFCP_RETRANS_ACK;
			}
		}
		r->st.stray++;
		return BFCP_RETRANS_STRAY;
	}
	for (size_t i = 0; i < BFCP_RETRANS_MAX_CACHED; i++) {
		cached_resp *c = &r->cached[i];
		if (c->data == NULL)
			continue;
		if (c->expires_ms <= now_ms) {
			cached_drop(c);
			continue;
		}
		if (c->tid == h.tid && c->request == h.primitive) {
			r->st.repeated++;
			*again = c->data;
			*again_len = c->len;
			return BFCP_RETRANS_REPEAT;
		}
	}
	r->have_request = true;
	r->request_tid = h.tid;
	r->request_primitive = h.primitive;
	return BFCP_RETRANS_TAKE;
}

/* What a newer message of ours makes stale: the floor of a FloorStatus, the floor request of a
 * FloorRequestStatus (our own bytes, so parsing them is cheap and safe). */
static uint16_t supersede_key(const uint8_t *buf, size_t len, uint8_t primitive)
{
	if (primitive != BFCP_FLOOR_STATUS && primitive != BFCP_FLOOR_REQUEST_STATUS)
		return 0;
	bfcp_msg m;
	bfcp_decode_error err;
	if (!bfcp_msg_parse(buf, len, &m, &err))
		return 0;
	const bfcp_attr *a = bfcp_attrs_first(&m.attrs,
		primitive == BFCP_FLOOR_STATUS ? BFCP_A_FLOOR_ID
					       : BFCP_A_FLOOR_REQUEST_INFORMATION);
	uint16_t key = a != NULL ? a->u16 : 0;
	bfcp_msg_clear(&m);
	return key;
}

static void keep_response(
	bfcp_retrans *r, const uint8_t *buf, size_t len, uint16_t tid, int64_t now_ms)
{
	cached_resp *slot = NULL;
	for (size_t i = 0; i < BFCP_RETRANS_MAX_CACHED; i++) {
		cached_resp *c = &r->cached[i];
		if (c->data != NULL && (c->expires_ms <= now_ms || c->tid == tid))
			cached_drop(c);
		if (c->data == NULL && slot == NULL)
			slot = c;
	}
	if (slot == NULL) {
		slot = &r->cached[0];
		for (size_t i = 1; i < BFCP_RETRANS_MAX_CACHED; i++)
			if (r->cached[i].seq < slot->seq)
				slot = &r->cached[i];
		cached_drop(slot);
		r->st.evicted++;
	}
	*slot = (cached_resp){ .data = g_memdup2(buf, len),
		.len = len,
		.tid = tid,
		.request = r->request_primitive,
		.expires_ms = now_ms + BFCP_RETRANS_T2_MS,
		.seq = ++r->seq };
}

static void keep_pending(
	bfcp_retrans *r, const uint8_t *buf, size_t len, const header *h, int64_t now_ms)
{
	uint16_t key = supersede_key(buf, len, h->primitive);
	pending_msg *slot = NULL;
	for (size_t i = 0; i < BFCP_RETRANS_MAX_PENDING; i++) {
		pending_msg *p = &r->pending[i];
		if (p->data != NULL && key != 0 && p->primitive == h->primitive && p->key == key) {
			pending_drop(p);
			r->st.superseded++;
		}
		if (p->data == NULL && slot == NULL)
			slot = p;
	}
	if (slot == NULL) {
		slot = &r->pending[0];
		for (size_t i = 1; i < BFCP_RETRANS_MAX_PENDING; i++)
			if (r->pending[i].seq < slot->seq)
				slot = &r->pending[i];
		pending_drop(slot);
		r->st.evicted++;
	}
	*slot = (pending_msg){ .data = g_memdup2(buf, len),
		.len = len,
		.tid = h->tid,
		.primitive = h->primitive,
		.key = key,
		.tx = 1,
		.due_ms = now_ms + BFCP_RETRANS_T1_MS,
		.seq = ++r->seq };
}

void bfcp_retrans_sent(bfcp_retrans *r, const uint8_t *buf, size_t len, int64_t now_ms)
{
	header h;
	if (!peek(buf, len, &h))
		return;
	if (h.responder) {
		/* only the response to the request just taken: one per request */
		if (r->have_request && h.tid == r->request_tid)
			keep_response(r, buf, len, h.tid, now_ms);
	} else if (h.tid != 0)
		keep_pending(r, buf, len, &h, now_ms);
}

void bfcp_retrans_poll(bfcp_retrans *r, int64_t now_ms,
	void (*send)(void *opaque, const uint8_t *buf, size_t len), void *opaque)
{
	for (size_t i = 0; i < BFCP_RETRANS_MAX_PENDING; i++) {
		pending_msg *p = &r->pending[i];
		if (p->data == NULL || p->due_ms > now_ms)
			continue;
		if (p->tx >= BFCP_RETRANS_MAX_TX) {
			pending_drop(p);
			r->st.gave_up++;
			continue;
		}
		/* the next wait doubles: T1, 2*T1, 4*T1, ... (RFC 8855 §8.3.1) */
		p->due_ms = now_ms + ((int64_t)BFCP_RETRANS_T1_MS << p->tx);
		p->tx++;
		r->st.retransmitted++;
		send(opaque, p->data, p->len);
	}
	for (size_t i = 0; i < BFCP_RETRANS_MAX_CACHED; i++)
		if (r->cached[i].data != NULL && r->cached[i].expires_ms <= now_ms)
			cached_drop(&r->cached[i]);
}

bool bfcp_retrans_next_due(const bfcp_retrans *r, int64_t *due_ms)
{
	bool any = false;
	for (size_t i = 0; i < BFCP_RETRANS_MAX_PENDING; i++) {
		const pending_msg *p = &r->pending[i];
		if (p->data != NULL && (!any || p->due_ms < *due_ms)) {
			*due_ms = p->due_ms;
			any = true;
		}
	}
	return any;
}

size_t bfcp_retrans_pending(const bfcp_retrans *r)
{
	size_t n = 0;
	for (size_t i = 0; i < BFCP_RETRANS_MAX_PENDING; i++)
		n += r->pending[i].data != NULL;
	return n;
}

size_t bfcp_retrans_cached(const bfcp_retrans *r)
{
	size_t n = 0;
	for (size_t i = 0; i < BFCP_RETRANS_MAX_CACHED; i++)
		n += r->cached[i].data != NULL;
	return n;
}

void bfcp_retrans_get_stats(const bfcp_retrans *r, bfcp_retrans_stats *out)
{
	*out = r->st;
}
