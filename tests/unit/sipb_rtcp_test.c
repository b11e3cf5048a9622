/*
 * sipb_rtcp_test.c - our RR/SDES/PLI compound parses back; loss and sequence figures of
 * the report block; PLI, FIR and SR found in a peer's compound; malformed compounds rejected.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>
#include "sipb_rtcp.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_build(void)
{
	sipb_rtcp_rx r;
	sipb_rtcp_rx_reset(&r);
	uint8_t buf[512];
	size_t len;
	sipb_rtcp_info info;
	/* Nothing received: an empty RR + SDES, and no PLI (no one to ask). */
	g_assert_cmpint(
		sipb_rtcp_build(&r, 0xaabbccdd, "sipb-x", true, 0, buf, sizeof(buf), &len), ==, 0);
	g_assert_cmpint(sipb_rtcp_parse(buf, len, &info), ==, 0);
	g_assert_cmpuint(info.packets, ==, 2);
	g_assert_false(info.keyframe_request);
	g_assert_cmpint(buf[1], ==, 201);
	g_assert_cmpuint(get32(buf + 4), ==, 0xaabbccdd);
	/* seq 65530..65545 across the wrap, 65533 and 2 missing. */
	int64_t t = 1000000;
	for (uint32_t s = 65530; s < 65546; s++, t += 20000)
		if (s != 65533 && s != 65538)
			sipb_rtcp_rx_packet(&r, 0x1234, (uint16_t)s, s * 160, 8000, t);
	g_assert_cmpint(sipb_rtcp_build(&r, 1, "c", true, t, buf, sizeof(buf), &len), ==, 0);
	g_assert_cmpint(sipb_rtcp_parse(buf, len, &info), ==, 0);
	g_assert_cmpuint(info.packets, ==, 3);
	g_assert_true(info.keyframe_request);
	g_assert_cmpint(buf[0] & 0x1f, ==, 1);
	const uint8_t *rb = buf + 8;
	g_assert_cmpuint(get32(rb), ==, 0x1234);
	g_assert_cmpuint(get32(rb + 4) & 0xffffff, ==, 2);       /* cumulative lost */
	g_assert_cmpuint(get32(rb + 4) >> 24, ==, 2 * 256 / 16); /* fraction lost */
	g_assert_cmpuint(get32(rb + 8), ==, 65536 + 9);          /* extended highest seq */
	g_assert_cmpuint(get32(rb + 12), <, 5);                  /* no jitter: perfect pacing */
	/* A too-small buffer. */
	g_assert_cmpint(sipb_rtcp_build(&r, 1, "c", true, t, buf, 20, &len), ==, -ENOSPC);
}

static void test_parse_peer(void)
{
	/* SR (28 bytes) + FIR (20 bytes) */
	uint8_t c[48] = { 0x80, 200, 0, 6, 0, 0, 0, 9, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88 };
	uint8_t *fir = c + 28;
	fir[0] = 0x84;
	fir[1] = 206;
	fir[3] = 4;
	sipb_rtcp_info info;
	g_assert_cmpint(sipb_rtcp_parse(c, sizeof(c), &info), ==, 0);
	g_assert_true(info.has_sr);
	g_assert_cmpuint(info.sr_ssrc, ==, 9);
	g_assert_cmpuint(info.sr_ntp_mid, ==, 0x33445566);
	g_assert_true(info.keyframe_request);
	/* Malformed: wrong version, length beyond the buffer, trailing bytes. */
	c[0] = 0x40;
	g_assert_cmpint(sipb_rtcp_parse(c, sizeof(c), &info), ==, -EPROTO);
	c[0] = 0x80;
	c[3] = 20;
	g_assert_cmpint(sipb_rtcp_parse(c, sizeof(c), &info), ==, -EPROTO);
	c[3] = 6;
	g_assert_cmpint(sipb_rtcp_parse(c, sizeof(c) - 2, &info), ==, -EPROTO);
	g_assert_cmpint(sipb_rtcp_parse(c, 3, &info), ==, -EPROTO);
	GRand *rnd = g_rand_new_with_seed(7);
	for (int i = 0; i < 20000; i++) {
		uint8_t b[64];
		size_t n = (size_t)g_rand_int_range(rnd, 0, 65);
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)g_rand_int(rnd);
		(void)sipb_rtcp_parse(b, n, &info);
	}
	g_rand_free(rnd);
}

/* A room system on a poor link sends TMMBR (RFC 5104): its bound is read (mantissa << exp,
 * 256 kbit/s here) and our TMMBN echoes the tuple; an absurd exponent is "no limit". */
static void test_tmmbr_read_and_tmmbn_echoes_it(void)
{
	/* 256000 = 125 << 11; overhead 40 */
	uint32_t fci = 11u << 26 | 125u << 9 | 40u;
	uint8_t c[20] = { 0x83, 205, 0, 4, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0x12, 0x34 };
	c[16] = (uint8_t)(fci >> 24);
	c[17] = (uint8_t)(fci >> 16);
	c[18] = (uint8_t)(fci >> 8);
	c[19] = (uint8_t)fci;
	sipb_rtcp_info info;
	g_assert_cmpint(sipb_rtcp_parse(c, sizeof(c), &info), ==, 0);
	g_assert_true(info.has_tmmbr);
	g_assert_cmpuint(info.tmmbr_bps, ==, 256000);
	g_assert_cmpuint(info.tmmbr_sender, ==, 7);
	g_assert_false(info.keyframe_request);
	uint8_t out[64];
	size_t len = 0;
	g_assert_cmpint(sipb_rtcp_append_tmmbn(
				99, info.tmmbr_sender, info.tmmbr_fci, out, sizeof(out), &len),
		==, 0);
	g_assert_cmpuint(len, ==, 20);
	g_assert_cmpuint(out[0], ==, 0x84); /* V=2, FMT 4: TMMBN */
	g_assert_cmpuint(out[1], ==, 205);
	g_assert_cmpuint(get32(out + 4), ==, 99);
	g_assert_cmpuint(get32(out + 12), ==, 7);
	g_assert_cmpuint(get32(out + 16), ==, fci);
	g_assert_cmpint(sipb_rtcp_append_tmmbn(99, 7, fci, out, 30, &len), ==, -ENOSPC);
	c[16] = 0xfc; /* exponent 63 */
	g_assert_cmpint(sipb_rtcp_parse(c, sizeof(c), &info), ==, 0);
	g_assert_cmpuint(info.tmmbr_bps, ==, UINT64_MAX);
	/* Too short for its FCI: not a TMMBR. */
	c[3] = 3;
	g_assert_cmpint(sipb_rtcp_parse(c, 16, &info), ==, 0);
	g_assert_false(info.has_tmmbr);
}

/* A sender's timestamp jump of exactly 2^31 (transit difference INT32_MIN) once made the
 * jitter negative and its report undefined (tests/fuzz/fuzz_rtcp). */
static void test_jitter_survives_hostile_timestamps(void)
{
	sipb_rtcp_rx r;
	sipb_rtcp_rx_reset(&r);
	uint8_t buf[512];
	size_t len;
	sipb_rtcp_rx_packet(&r, 0x99, 1, 0, 8000, 1000000);
	sipb_rtcp_rx_packet(&r, 0x99, 2, 0x80000000u, 8000, 1000000);
	sipb_rtcp_rx_packet(&r, 0x99, 3, 0, 8000, 1000000);
	g_assert_cmpint(sipb_rtcp_build(&r, 1, "c", false, 1000000, buf, sizeof(buf), &len), ==, 0);
	uint32_t jitter = get32(buf + 8 + 12);
	g_assert_cmpuint(jitter, >, 0); /* large, but a number a receiver can read */
	g_assert_cmpuint(jitter, <=, 0x80000000u);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/rtcp/build", test_build);
	g_test_add_func("/sipb/rtcp/parse-peer", test_parse_peer);
	g_test_add_func(
		"/sipb/rtcp/tmmbr-read-and-tmmbn-echoes-it", test_tmmbr_read_and_tmmbn_echoes_it);
	g_test_add_func("/sipb/rtcp/jitter-survives-hostile-timestamps",
		test_jitter_survives_hostile_timestamps);
	return g_test_run();
}
