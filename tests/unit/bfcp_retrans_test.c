/*
 * bfcp_retrans_test.c - BFCP over UDP made reliable (plugins/bfcp/bfcp_retrans.c) on a fake
 * clock: our message is sent again at T1, 2*T1, 4*T1 with the same bytes and dropped after the
 * last wait; an ack ends it; a newer FloorStatus of the floor replaces an older one; a
 * retransmitted request gets the kept response until T2; the caps hold under floods; version 1
 * (TCP) passes through untouched.
 */
#include "bfcp_retrans.h"

#include <glib.h>
#include <string.h>

#include "bfcp_msg.h"

#define CONF 77
#define USER 5

static GByteArray *pack(
	uint8_t version, uint8_t prim, bool responder, uint16_t tid, uint8_t attr, uint16_t value)
{
	bfcp_msg m;
	bfcp_msg_init(&m, version, prim, CONF, tid, USER);
	m.responder = responder;
	if (attr == BFCP_A_FLOOR_REQUEST_INFORMATION) {
		bfcp_attr *g = bfcp_attrs_add_group(&m.attrs, attr, value);
		bfcp_attrs children = { 0 };
		bfcp_attr *ors = bfcp_attrs_add_group(
			&children, BFCP_A_OVERALL_REQUEST_STATUS, value);
		bfcp_attrs_add_request_status(&ors->children, BFCP_STATUS_RELEASED, 0);
		g->children = children;
	} else if (attr != 0)
		bfcp_attrs_add_u16(&m.attrs, attr, value);
	uint8_t *buf;
	size_t len;
	g_assert_true(bfcp_msg_pack(&m, &buf, &len));
	bfcp_msg_clear(&m);
	GByteArray *b = g_byte_array_new();
	g_byte_array_append(b, buf, (guint)len);
	g_free(buf);
	return b;
}

typedef struct {
	int n;
	GByteArray *last;
} sent_log;

static void on_send(void *opaque, const uint8_t *buf, size_t len)
{
	sent_log *l = opaque;
	l->n++;
	g_byte_array_set_size(l->last, 0);
	g_byte_array_append(l->last, buf, (guint)len);
}

static bfcp_retrans_verdict receive(bfcp_retrans *r, const GByteArray *b, int64_t now)
{
	const uint8_t *again;
	size_t again_len;
	return bfcp_retrans_receive(r, b->data, b->len, now, &again, &again_len);
}

static void test_sent_again_at_t1_doubling_then_dropped(void)
{
	bfcp_retrans *r = bfcp_retrans_new();
	sent_log log = { 0, g_byte_array_new() };
	GByteArray *fs = pack(2, BFCP_FLOOR_STATUS, false, 9, BFCP_A_FLOOR_ID, 1);
	bfcp_retrans_sent(r, fs->data, fs->len, 1000);
	int64_t due;
	g_assert_true(bfcp_retrans_next_due(r, &due));
	g_assert_cmpint(due, ==, 1000 + BFCP_RETRANS_T1_MS);
	bfcp_retrans_poll(r, 1499, on_send, &log);
	g_assert_cmpint(log.n, ==, 0);
	int64_t expect_at[] = { 1500, 2500, 4500 };
	for (int i = 0; i < 3; i++) {
		g_assert_true(bfcp_retrans_next_due(r, &due));
		g_assert_cmpint(due, ==, expect_at[i]);
		bfcp_retrans_poll(r, due, on_send, &log);
		g_assert_cmpint(log.n, ==, i + 1);
		g_assert_cmpmem(log.last->data, log.last->len, fs->data, fs->len);
	}
	/* four transmissions in all: after the last wait (4 s) it is given up */
	g_assert_true(bfcp_retrans_next_due(r, &due));
	g_assert_cmpint(due, ==, 8500);
	bfcp_retrans_poll(r, 8500, on_send, &log);
	g_assert_cmpint(log.n, ==, 3);
	g_assert_false(bfcp_retrans_next_due(r, &due));
	bfcp_retrans_stats st;
	bfcp_retrans_get_stats(r, &st);
	g_assert_cmpuint(st.retransmitted, ==, 3);
	g_assert_cmpuint(st.gave_up, ==, 1);
	g_byte_array_unref(fs);
	g_byte_array_unref(log.last);
	bfcp_retrans_free(r);
}

static void test_ack_ends_it_and_a_wrong_ack_does_not(void)
{
	bfcp_retrans *r = bfcp_retrans_new();
	GByteArray *fs = pack(2, BFCP_FLOOR_STATUS, false, 9, BFCP_A_FLOOR_ID, 1);
	bfcp_retrans_sent(r, fs->data, fs->len, 0);
	/* the right primitive with another tid, the other ack with this tid: nothing */
	GByteArray *wrong_tid = pack(2, BFCP_FLOOR_STATUS_ACK, true, 10, 0, 0);
	GByteArray *wrong_kind = pack(2, BFCP_FLOOR_REQUEST_STATUS_ACK, true, 9, 0, 0);
	g_assert_cmpint(receive(r, wrong_tid, 10), ==, BFCP_RETRANS_STRAY);
	g_assert_cmpint(receive(r, wrong_kind, 10), ==, BFCP_RETRANS_STRAY);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 1);
	GByteArray *ack = pack(2, BFCP_FLOOR_STATUS_ACK, true, 9, 0, 0);
	g_assert_cmpint(receive(r, ack, 20), ==, BFCP_RETRANS_ACK);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 0);
	/* a duplicate of the ack answers nothing any more */
	g_assert_cmpint(receive(r, ack, 30), ==, BFCP_RETRANS_STRAY);
	/* an Error with the tid ends a transaction too */
	bfcp_retrans_sent(r, fs->data, fs->len, 40);
	GByteArray *err = pack(2, BFCP_ERROR, true, 9, 0, 0);
	g_assert_cmpint(receive(r, err, 50), ==, BFCP_RETRANS_ACK);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 0);
	g_byte_array_unref(fs);
	g_byte_array_unref(wrong_tid);
	g_byte_array_unref(wrong_kind);
	g_byte_array_unref(ack);
	g_byte_array_unref(err);
	bfcp_retrans_free(r);
}

static void test_newer_floor_status_replaces_the_older(void)
{
	bfcp_retrans *r = bfcp_retrans_new();
	GByteArray *old = pack(2, BFCP_FLOOR_STATUS, false, 1, BFCP_A_FLOOR_ID, 1);
	GByteArray *other_floor = pack(2, BFCP_FLOOR_STATUS, false, 2, BFCP_A_FLOOR_ID, 2);
	GByteArray *nw = pack(2, BFCP_FLOOR_STATUS, false, 3, BFCP_A_FLOOR_ID, 1);
	GByteArray *frs_a = pack(
		2, BFCP_FLOOR_REQUEST_STATUS, false, 4, BFCP_A_FLOOR_REQUEST_INFORMATION, 100);
	GByteArray *frs_b = pack(
		2, BFCP_FLOOR_REQUEST_STATUS, false, 5, BFCP_A_FLOOR_REQUEST_INFORMATION, 101);
	bfcp_retrans_sent(r, old->data, old->len, 0);
	bfcp_retrans_sent(r, other_floor->data, other_floor->len, 0);
	bfcp_retrans_sent(r, frs_a->data, frs_a->len, 0);
	bfcp_retrans_sent(r, frs_b->data, frs_b->len, 0);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 4);
	bfcp_retrans_sent(r, nw->data, nw->len, 100);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 4); /* old went, new came */
	sent_log log = { 0, g_byte_array_new() };
	GByteArray *ack_old = pack(2, BFCP_FLOOR_STATUS_ACK, true, 1, 0, 0);
	g_assert_cmpint(receive(r, ack_old, 200), ==, BFCP_RETRANS_STRAY);
	/* only the new one is sent again on floor 1 */
	bfcp_retrans_poll(r, 600, on_send, &log);
	g_assert_cmpint(log.n, ==, 4);
	bfcp_retrans_stats st;
	bfcp_retrans_get_stats(r, &st);
	g_assert_cmpuint(st.superseded, ==, 1);
	g_byte_array_unref(old);
	g_byte_array_unref(other_floor);
	g_byte_array_unref(nw);
	g_byte_array_unref(frs_a);
	g_byte_array_unref(frs_b);
	g_byte_array_unref(ack_old);
	g_byte_array_unref(log.last);
	bfcp_retrans_free(r);
}

static void test_retransmitted_request_gets_the_kept_response_until_t2(void)
{
	bfcp_retrans *r = bfcp_retrans_new();
	GByteArray *req = pack(2, BFCP_FLOOR_REQUEST, false, 30, BFCP_A_FLOOR_ID, 1);
	GByteArray *resp = pack(
		2, BFCP_FLOOR_REQUEST_STATUS, true, 30, BFCP_A_FLOOR_REQUEST_INFORMATION, 7);
	g_assert_cmpint(receive(r, req, 0), ==, BFCP_RETRANS_TAKE);
	bfcp_retrans_sent(r, resp->data, resp->len, 0);
	g_assert_cmpuint(bfcp_retrans_cached(r), ==, 1);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 0); /* responses are not retransmitted */
	const uint8_t *again;
	size_t again_len;
	g_assert_cmpint(bfcp_retrans_receive(r, req->data, req->len, 5000, &again, &again_len), ==,
		BFCP_RETRANS_REPEAT);
	g_assert_cmpmem(again, again_len, resp->data, resp->len);
	/* another primitive with the same tid is a new request */
	GByteArray *hello = pack(2, BFCP_HELLO, false, 30, 0, 0);
	g_assert_cmpint(receive(r, hello, 6000), ==, BFCP_RETRANS_TAKE);
	/* after T2 the request is a new one again */
	g_assert_cmpint(receive(r, req, BFCP_RETRANS_T2_MS), ==, BFCP_RETRANS_TAKE);
	g_assert_cmpuint(bfcp_retrans_cached(r), ==, 0);
	/* a response to nothing taken (not the last request's tid) is not kept */
	GByteArray *stray = pack(2, BFCP_HELLO_ACK, true, 31, 0, 0);
	bfcp_retrans_sent(r, stray->data, stray->len, BFCP_RETRANS_T2_MS);
	g_assert_cmpuint(bfcp_retrans_cached(r), ==, 0);
	g_byte_array_unref(req);
	g_byte_array_unref(resp);
	g_byte_array_unref(hello);
	g_byte_array_unref(stray);
	bfcp_retrans_free(r);
}

static void test_caps_hold_under_floods(void)
{
	bfcp_retrans *r = bfcp_retrans_new();
	for (uint16_t i = 1; i <= 1000; i++) {
		GByteArray *frs = pack(2, BFCP_FLOOR_REQUEST_STATUS, false, i,
			BFCP_A_FLOOR_REQUEST_INFORMATION, i);
		bfcp_retrans_sent(r, frs->data, frs->len, i);
		g_byte_array_unref(frs);
		GByteArray *req = pack(2, BFCP_FLOOR_REQUEST, false, i, BFCP_A_FLOOR_ID, 1);
		g_assert_cmpint(receive(r, req, i), ==, BFCP_RETRANS_TAKE);
		g_byte_array_unref(req);
		GByteArray *resp = pack(2, BFCP_FLOOR_REQUEST_STATUS, true, i, 0, 0);
		bfcp_retrans_sent(r, resp->data, resp->len, i);
		g_byte_array_unref(resp);
		GByteArray *ack = pack(2, BFCP_FLOOR_STATUS_ACK, true, (uint16_t)(i + 5000), 0, 0);
		g_assert_cmpint(receive(r, ack, i), ==, BFCP_RETRANS_STRAY);
		g_byte_array_unref(ack);
		g_assert_cmpuint(bfcp_retrans_pending(r), <=, BFCP_RETRANS_MAX_PENDING);
		g_assert_cmpuint(bfcp_retrans_cached(r), <=, BFCP_RETRANS_MAX_CACHED);
	}
	/* the newest stay */
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, BFCP_RETRANS_MAX_PENDING);
	GByteArray *ack = pack(2, BFCP_FLOOR_REQUEST_STATUS_ACK, true, 1000, 0, 0);
	g_assert_cmpint(receive(r, ack, 1001), ==, BFCP_RETRANS_ACK);
	g_byte_array_unref(ack);
	bfcp_retrans_stats st;
	bfcp_retrans_get_stats(r, &st);
	g_assert_cmpuint(st.stray, ==, 1000);
	g_assert_cmpuint(st.evicted, >=, 1000 - BFCP_RETRANS_MAX_PENDING);
	bfcp_retrans_free(r);
}

static void test_version_1_and_short_input_pass_through(void)
{
	bfcp_retrans *r = bfcp_retrans_new();
	GByteArray *v1 = pack(1, BFCP_FLOOR_STATUS, false, 0, BFCP_A_FLOOR_ID, 1);
	bfcp_retrans_sent(r, v1->data, v1->len, 0);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 0);
	g_assert_cmpint(receive(r, v1, 0), ==, BFCP_RETRANS_TAKE);
	uint8_t junk[5] = { 0x40, 1, 0, 0, 0 };
	const uint8_t *again;
	size_t again_len;
	g_assert_cmpint(bfcp_retrans_receive(r, junk, sizeof(junk), 0, &again, &again_len), ==,
		BFCP_RETRANS_TAKE);
	bfcp_retrans_sent(r, junk, sizeof(junk), 0);
	/* server-initiated over UDP always has a tid: 0 is not kept */
	GByteArray *tid0 = pack(2, BFCP_FLOOR_STATUS, false, 0, BFCP_A_FLOOR_ID, 1);
	bfcp_retrans_sent(r, tid0->data, tid0->len, 0);
	g_assert_cmpuint(bfcp_retrans_pending(r), ==, 0);
	g_byte_array_unref(v1);
	g_byte_array_unref(tid0);
	bfcp_retrans_free(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bfcp/retrans/sent-again-at-t1-doubling-then-dropped",
		test_sent_again_at_t1_doubling_then_dropped);
	g_test_add_func("/bfcp/retrans/an-ack-ends-it-a-wrong-ack-does-not",
		test_ack_ends_it_and_a_wrong_ack_does_not);
	g_test_add_func("/bfcp/retrans/a-newer-floor-status-replaces-the-older",
		test_newer_floor_status_replaces_the_older);
	g_test_add_func("/bfcp/retrans/a-retransmitted-request-gets-the-kept-response-until-t2",
		test_retransmitted_request_gets_the_kept_response_until_t2);
	g_test_add_func("/bfcp/retrans/caps-hold-under-floods", test_caps_hold_under_floods);
	g_test_add_func("/bfcp/retrans/version-1-and-short-input-pass-through",
		test_version_1_and_short_input_pass_through);
	return g_test_run();
}
