/*
 * sipb_dtmf_test.c - RFC 4733 telephone-event parsing: one report per key press whatever
 * the retransmissions, lost end packets, late packets of older events, and garbage.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>
#include "sipb_dtmf.h"

static int feed(sipb_dtmf_rx *d, uint32_t ts, int event, bool end, uint16_t dur, GString *got)
{
	uint8_t pl[4];
	char out[2];
	sipb_dtmf_write(pl, event, end, 10, dur);
	int n = sipb_dtmf_rx_packet(d, ts, pl, sizeof(pl), out);
	for (int i = 0; i < n; i++)
		g_string_append_c(got, out[i]);
	return n;
}

/* A press as a phone sends it: 5 updates, then the end packet 3 times. */
static void press(sipb_dtmf_rx *d, uint32_t ts, int event, GString *got)
{
	for (int i = 1; i <= 5; i++)
		feed(d, ts, event, false, (uint16_t)(160 * i), got);
	for (int i = 0; i < 3; i++)
		feed(d, ts, event, true, 960, got);
}

static void test_presses(void)
{
	sipb_dtmf_rx d;
	sipb_dtmf_rx_init(&d);
	GString *got = g_string_new(NULL);
	press(&d, 1000, 1, got);
	press(&d, 3000, 1, got); /* the same key again is a new press */
	press(&d, 5000, 11, got);
	press(&d, 7000, 10, got);
	press(&d, 9000, 15, got);
	g_assert_cmpstr(got->str, ==, "11#*D");
	g_string_free(got, TRUE);
}

static void test_retransmitted_and_late(void)
{
	sipb_dtmf_rx d;
	sipb_dtmf_rx_init(&d);
	GString *got = g_string_new(NULL);
	press(&d, 1000, 5, got);
	/* Late end retransmissions after the next event began: not a new press. */
	feed(&d, 3000, 6, false, 160, got);
	feed(&d, 1000, 5, true, 960, got);
	feed(&d, 1000, 5, true, 960, got);
	feed(&d, 3000, 6, true, 480, got);
	feed(&d, 3000, 6, true, 480, got);
	g_assert_cmpstr(got->str, ==, "56");
	/* Timestamp wrap-around is a newer event, not an older one. */
	press(&d, 0x60000000u, 7, got);
	press(&d, 0xc0000000u, 8, got);
	press(&d, 0xfffffff0u, 9, got);
	press(&d, 0x00000100u, 0, got);
	g_assert_cmpstr(got->str, ==, "567890");
	g_string_free(got, TRUE);
}

static void test_lost_end(void)
{
	sipb_dtmf_rx d;
	sipb_dtmf_rx_init(&d);
	GString *got = g_string_new(NULL);
	for (int i = 1; i <= 5; i++)
		feed(&d, 1000, 2, false, (uint16_t)(160 * i), got);
	g_assert_cmpstr(got->str, ==, "");
	/* Every end packet of '2' was lost: reported when '3' starts, then '3' itself. */
	press(&d, 2000, 3, got);
	g_assert_cmpstr(got->str, ==, "23");
	/* An end-only event (the start was lost) still counts once. */
	feed(&d, 4000, 4, true, 800, got);
	feed(&d, 4000, 4, true, 800, got);
	g_assert_cmpstr(got->str, ==, "234");
	g_string_free(got, TRUE);
}

static void test_garbage(void)
{
	sipb_dtmf_rx d;
	sipb_dtmf_rx_init(&d);
	char out[2];
	uint8_t pl[8] = { 0 };
	g_assert_cmpint(sipb_dtmf_rx_packet(&d, 1, pl, 0, out), ==, -EPROTO);
	g_assert_cmpint(sipb_dtmf_rx_packet(&d, 1, pl, 3, out), ==, -EPROTO);
	g_assert_cmpint(sipb_dtmf_rx_packet(&d, 1, NULL, 4, out), ==, -EPROTO);
	/* Not keys: flash (16), tones (>= 32), 255. Ignored, no state change. */
	int others[] = { 16, 32, 100, 255 };
	for (size_t i = 0; i < G_N_ELEMENTS(others); i++) {
		sipb_dtmf_write(pl, others[i], true, 0, 800);
		g_assert_cmpint(sipb_dtmf_rx_packet(&d, 5, pl, 4, out), ==, 0);
	}
	g_assert_false(d.active);
	/* Longer payloads (extra bytes) parse from the first 4. */
	sipb_dtmf_write(pl, 9, true, 0, 800);
	g_assert_cmpint(sipb_dtmf_rx_packet(&d, 5, pl, 8, out), ==, 1);
	g_assert_cmpint(out[0], ==, '9');
	/* Random payloads: never more than 2 digits, always a key character. */
	GRand *rnd = g_rand_new_with_seed(42);
	for (int i = 0; i < 20000; i++) {
		uint8_t buf[16];
		size_t len = (size_t)g_rand_int_range(rnd, 0, 17);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)g_rand_int(rnd);
		int n = sipb_dtmf_rx_packet(&d, g_rand_int(rnd), buf, len, out);
		g_assert_cmpint(n, >=, len < 4 ? -EPROTO : 0);
		g_assert_cmpint(n, <=, 2);
		for (int k = 0; k < n; k++)
			g_assert_nonnull(strchr("0123456789*#ABCD", out[k]));
	}
	g_rand_free(rnd);
	for (int e = 0; e < 16; e++)
		g_assert_cmpint(sipb_dtmf_event_char(e), ==, "0123456789*#ABCD"[e]);
	g_assert_cmpint(sipb_dtmf_event_char(-1), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/dtmf/presses", test_presses);
	g_test_add_func("/sipb/dtmf/retransmitted-and-late", test_retransmitted_and_late);
	g_test_add_func("/sipb/dtmf/lost-end", test_lost_end);
	g_test_add_func("/sipb/dtmf/garbage", test_garbage);
	return g_test_run();
}
