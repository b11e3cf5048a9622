/*
 * fuzz_bfcp.c - libFuzzer harness of BFCP content sharing (plugins/bfcp): the RFC 8855 message
 * parser, the floor control server fed with what parsed, and the RFC 8856 SDP attributes.
 *
 * Input: the first byte chooses. Even: a stream of records (fuzz_records.h), each one BFCP
 * message from the client named by its flag byte (four clients: two over TCP, one over UDP,
 * one browser without BFCP that takes or drops the floor when the flag's top bit is set, and
 * the 0x40 bit makes a client leave and come back; the UDP client's messages go through its
 * bfcp_retrans, whose clock the bits 0x0c move on by 0-2.1 s a record). Odd: the rest is an
 * SDP offer.
 *
 * Checks: a message that parses packs, and what it packs parses and packs to the same bytes;
 * an Error reply parses as an Error; every message the floor server sends parses, is addressed
 * in its header to the client it goes to, and the floor holder is a client or nobody; what
 * bfcp_retrans sends again is one of our server-initiated UDP messages, what it repeats is a
 * response with the request's transaction id, and it stays within its caps; an SDP
 * answer holds only the characters our writer prints (no echoed text); nothing crashes, leaks
 * or reads past an input.
 */
#include "bfcp_floor.h"
#include "bfcp_msg.h"
#include "bfcp_retrans.h"
#include "bfcp_sdp.h"
#include "fuzz_records.h"

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const uint8_t *buf, size_t len)
{
	bfcp_msg m;
	bfcp_decode_error e;
	if (!bfcp_msg_parse(buf, len, &m, &e)) {
		FUZZ_ASSERT(m.attrs.n == 0);
		size_t rl = 0;
		uint8_t *reply = bfcp_error_reply(&e, 1, &rl);
		if (reply != NULL) {
			bfcp_msg em;
			bfcp_decode_error e2;
			FUZZ_ASSERT(bfcp_msg_parse(reply, rl, &em, &e2));
			FUZZ_ASSERT(em.primitive == BFCP_ERROR);
			FUZZ_ASSERT(bfcp_attrs_first(&em.attrs, BFCP_A_ERROR_CODE) != NULL);
			bfcp_msg_clear(&em);
			g_free(reply);
		}
		return;
	}
	uint8_t *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	FUZZ_ASSERT(bfcp_msg_pack(&m, &a, &al));
	bfcp_msg m2;
	FUZZ_ASSERT(bfcp_msg_parse(a, al, &m2, &e));
	FUZZ_ASSERT(bfcp_msg_pack(&m2, &b, &bl));
	FUZZ_ASSERT(al == bl && memcmp(a, b, al) == 0);
	bfcp_msg_clear(&m);
	bfcp_msg_clear(&m2);
	g_free(a);
	g_free(b);
}

static const uint8_t versions[4] = { 1, 1, 2, 0 };

#define UDP_USER 3

static void check_outbox(bfcp_floor_server *s, bfcp_outbox *out, bfcp_retrans *rt, int64_t now)
{
	for (size_t i = 0; i < out->n; i++) {
		bfcp_msg m;
		bfcp_decode_error e;
		FUZZ_ASSERT(bfcp_msg_parse(out->v[i].data, out->v[i].len, &m, &e));
		FUZZ_ASSERT(m.user_id == out->v[i].user_id);
		FUZZ_ASSERT(out->v[i].user_id >= 1 && out->v[i].user_id <= 3);
		FUZZ_ASSERT(m.version == versions[out->v[i].user_id - 1]);
		bfcp_msg_clear(&m);
		if (out->v[i].user_id == UDP_USER)
			bfcp_retrans_sent(rt, out->v[i].data, out->v[i].len, now);
	}
	FUZZ_ASSERT(bfcp_retrans_pending(rt) <= BFCP_RETRANS_MAX_PENDING);
	FUZZ_ASSERT(bfcp_retrans_cached(rt) <= BFCP_RETRANS_MAX_CACHED);
	bfcp_outbox_clear(out);
	uint16_t h = bfcp_floor_holder(s, 1);
	FUZZ_ASSERT(h <= 4);
}

/* What bfcp_retrans sends again: one of our UDP messages that waits for its ack. */
static void check_resent(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	bfcp_msg m;
	bfcp_decode_error e;
	FUZZ_ASSERT(bfcp_msg_parse(buf, len, &m, &e));
	FUZZ_ASSERT(m.version == 2 && !m.responder && m.transaction_id != 0);
	FUZZ_ASSERT(m.user_id == UDP_USER);
	bfcp_msg_clear(&m);
}

/* The UDP client's message through its reliability layer: true when the floor takes it. */
static bool udp_receive(bfcp_retrans *rt, const uint8_t *msg, size_t len, int64_t now)
{
	const uint8_t *again;
	size_t again_len;
	bfcp_retrans_verdict v = bfcp_retrans_receive(rt, msg, len, now, &again, &again_len);
	if (v != BFCP_RETRANS_REPEAT)
		return v == BFCP_RETRANS_TAKE;
	bfcp_msg m;
	bfcp_decode_error e;
	FUZZ_ASSERT(len >= BFCP_HEADER_LEN);
	FUZZ_ASSERT(bfcp_msg_parse(again, again_len, &m, &e));
	FUZZ_ASSERT(m.responder && m.transaction_id == (uint16_t)(msg[8] << 8 | msg[9]));
	bfcp_msg_clear(&m);
	return false;
}

static void run_messages(const uint8_t *data, size_t size)
{
	bfcp_retrans *rt = bfcp_retrans_new();
	int64_t now = 0;
	bfcp_floor_server *s = bfcp_floor_server_new(1);
	bfcp_floor_add(s, 1);
	bfcp_floor_add(s, 2);
	for (uint16_t u = 1; u <= 4; u++)
		bfcp_floor_client_add(s, u, versions[u - 1]);
	fuzz_reader r;
	fuzz_reader_init(&r, data, size);
	uint8_t flags, *msg;
	size_t len;
	bfcp_outbox out = { 0 };
	while (fuzz_record_next(&r, &flags, &msg, &len)) {
		uint16_t user = (uint16_t)(1 + (flags & 3));
		check_message(msg, len);
		now += ((flags >> 2) & 3) * 700;
		bfcp_retrans_poll(rt, now, check_resent, NULL);
		if (flags & 0x40) {
			bfcp_floor_client_remove(s, user, &out);
			check_outbox(s, &out, rt, now);
			bfcp_floor_client_add(s, user, versions[user - 1]);
		}
		if (flags & 0x80) {
			if (flags & 0x20)
				bfcp_floor_drop(s, 4, (flags & 0x10) ? 2 : 1, &out);
			else
				bfcp_floor_take(s, 4, (flags & 0x10) ? 2 : 1, &out);
		} else if (user != UDP_USER || udp_receive(rt, msg, len, now))
			bfcp_floor_receive(s, user, msg, len, &out);
		check_outbox(s, &out, rt, now);
		free(msg);
	}
	bfcp_floor_server_free(s);
	bfcp_retrans_free(rt);
}

static void run_sdp(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1); /* exact size, not NUL-terminated */
	FUZZ_ASSERT(text != NULL);
	memcpy(text, data, size);
	bfcp_sdp_offer o;
	bfcp_sdp_parse(text, size, &o);
	free(text);
	FUZZ_ASSERT(o.n_floors <= BFCP_SDP_MAX_FLOORS && o.n_videos <= BFCP_SDP_MAX_VIDEOS);
	int sl = bfcp_sdp_slides_video(&o);
	FUZZ_ASSERT(sl < (int)o.n_videos);
	for (size_t i = 0; i < o.n_videos; i++)
		FUZZ_ASSERT(strlen(o.videos[i].label) <= BFCP_SDP_LABEL_MAX);
	bfcp_sdp_answer a;
	if (!bfcp_sdp_choose(&o, 40000, 99, 2, 1, 3, &a, NULL))
		return;
	char *ans = bfcp_sdp_write_answer(&a);
	FUZZ_ASSERT(ans != NULL);
	for (const char *p = ans; *p; p++)
		FUZZ_ASSERT(g_ascii_isalnum(*p) || strchr(" :=/*-\r\n", *p) != NULL);
	g_free(ans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		run_sdp(data + 1, size - 1);
	else
		run_messages(data + 1, size - 1);
	return 0;
}
