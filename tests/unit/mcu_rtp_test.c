/*
 * mcu_rtp_test.c - unit tests of the RTP header parser/writer, the Opus payload check and
 * the audio jitter queue (plugins/mcu). Single-threaded, no network.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "mcu_rtp.h"
#include "mcu_opus_rtp.h"
#include "mcu_audio_jitter.h"

static size_t make_pkt(uint8_t *buf, uint8_t b0, size_t payload_len)
{
	memset(buf, 0, 12 + payload_len);
	buf[0] = b0;
	buf[1] = 0x80 | 111;
	buf[2] = 0x12;
	buf[3] = 0x34;
	buf[4] = 0xde;
	buf[5] = 0xad;
	buf[6] = 0xbe;
	buf[7] = 0xef;
	buf[8] = 1;
	buf[9] = 2;
	buf[10] = 3;
	buf[11] = 4;
	for (size_t i = 0; i < payload_len; i++)
		buf[12 + i] = (uint8_t)(0xa0 + i);
	return 12 + payload_len;
}

static void test_parse_valid(void)
{
	uint8_t buf[64];
	size_t len = make_pkt(buf, 0x80, 5);
	mcu_rtp_header h;
	const uint8_t *pl;
	size_t plen;
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, 0);
	g_assert_true(h.marker);
	g_assert_cmpuint(h.pt, ==, 111);
	g_assert_cmpuint(h.seq, ==, 0x1234);
	g_assert_cmpuint(h.ts, ==, 0xdeadbeef);
	g_assert_cmpuint(h.ssrc, ==, 0x01020304);
	g_assert_true(pl == buf + 12);
	g_assert_cmpuint(plen, ==, 5);
}

static void test_parse_rejects_short(void)
{
	uint8_t buf[64];
	size_t len = make_pkt(buf, 0x80, 1);
	mcu_rtp_header h;
	const uint8_t *pl;
	size_t plen;
	for (size_t l = 0; l < len; l++)
		g_assert_cmpint(mcu_rtp_parse(buf, l, &h, &pl, &plen), ==, -EPROTO);
	g_assert_cmpint(mcu_rtp_parse(NULL, 20, &h, &pl, &plen), ==, -EPROTO);
}

static void test_parse_rejects_bad_version(void)
{
	uint8_t buf[64];
	mcu_rtp_header h;
	const uint8_t *pl;
	size_t plen;
	for (uint8_t v = 0; v < 4; v++) {
		size_t len = make_pkt(buf, (uint8_t)(v << 6), 4);
		g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, v == 2 ? 0 : -EPROTO);
	}
}

static void test_parse_csrc(void)
{
	uint8_t buf[128];
	mcu_rtp_header h;
	const uint8_t *pl;
	size_t plen;
	/* 2 CSRCs (8 bytes) + 3 payload bytes. */
	size_t len = make_pkt(buf, 0x82, 11);
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, 0);
	g_assert_cmpuint(h.csrc_count, ==, 2);
	g_assert_true(pl == buf + 20);
	g_assert_cmpuint(plen, ==, 3);
	/* 15 CSRCs claim 60 bytes the packet does not have. */
	len = make_pkt(buf, 0x8f, 20);
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
	/* CSRCs filling the packet exactly leave no payload. */
	len = make_pkt(buf, 0x82, 8);
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
}

static void test_parse_extension(void)
{
	uint8_t buf[128];
	mcu_rtp_header h;
	const uint8_t *pl;
	size_t plen;
	/* Extension header: profile 0xBEDE, 1 word, then 4 bytes, then 2 payload bytes. */
	size_t len = make_pkt(buf, 0x90, 10);
	buf[12] = 0xbe;
	buf[13] = 0xde;
	buf[14] = 0;
	buf[15] = 1;
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, 0);
	g_assert_true(h.extension);
	g_assert_true(pl == buf + 20);
	g_assert_cmpuint(plen, ==, 2);
	/* Length says 0xffff words. */
	buf[14] = 0xff;
	buf[15] = 0xff;
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
	/* Extension header itself truncated. */
	len = make_pkt(buf, 0x90, 3);
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
	/* Extension exactly to the end: no payload. */
	len = make_pkt(buf, 0x90, 8);
	buf[14] = 0;
	buf[15] = 1;
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
}

static void test_parse_padding(void)
{
	uint8_t buf[128];
	mcu_rtp_header h;
	const uint8_t *pl;
	size_t plen;
	size_t len = make_pkt(buf, 0xa0, 8);
	buf[len - 1] = 3;
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, 0);
	g_assert_cmpuint(plen, ==, 5);
	buf[len - 1] = 8; /* all payload is padding */
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
	buf[len - 1] = 200; /* beyond the buffer */
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
	buf[len - 1] = 0; /* zero padding count is invalid */
	g_assert_cmpint(mcu_rtp_parse(buf, len, &h, &pl, &plen), ==, -EPROTO);
}

static void test_write_roundtrip(void)
{
	uint8_t buf[16];
	g_assert_cmpint(mcu_rtp_write_header(buf, 11, false, 96, 1, 2, 3), ==, -ENOSPC);
	g_assert_cmpint(
		mcu_rtp_write_header(buf, sizeof(buf), true, 96, 65535, 0xfffffff0u, 0xcafebabeu),
		==, 0);
	buf[12] = 0x55;
	mcu_rtp_header h;
	const uint8_t *pl;
	size_t plen;
	g_assert_cmpint(mcu_rtp_parse(buf, 13, &h, &pl, &plen), ==, 0);
	g_assert_true(h.marker);
	g_assert_cmpuint(h.pt, ==, 96);
	g_assert_cmpuint(h.seq, ==, 65535);
	g_assert_cmpuint(h.ts, ==, 0xfffffff0u);
	g_assert_cmpuint(h.ssrc, ==, 0xcafebabeu);
	g_assert_cmpint(mcu_rtp_seq_diff(2, 65535), ==, 3);
	g_assert_cmpint(mcu_rtp_seq_diff(65535, 2), ==, -3);
}

static void test_parse_random_garbage(void)
{
	GRand *r = g_rand_new_with_seed(42);
	uint8_t buf[300];
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)g_rand_int_range(r, 0, sizeof(buf) + 1);
		/* Exact-size heap copy so ASan sees any overread. */
		uint8_t *p = g_malloc(len ? len : 1);
		for (size_t k = 0; k < len; k++)
			p[k] = (uint8_t)g_rand_int(r);
		if (len)
			p[0] = (uint8_t)((p[0] & 0x3f) | 0x80);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		if (mcu_rtp_parse(p, len, &h, &pl, &plen) == 0) {
			g_assert_true(pl > p && pl + plen <= p + len);
			g_assert_cmpuint(plen, >, 0);
			int n;
			(void)mcu_opus_rtp_check(pl, plen, &n);
		}
		g_free(p);
	}
	(void)buf;
	g_rand_free(r);
}

static void test_opus_check(void)
{
	int n = 0;
	uint8_t toc20ms = 0x78 | 0; /* config 15 (hybrid FB 20 ms), code 0 */
	uint8_t pkt[4] = { toc20ms, 1, 2, 3 };
	g_assert_cmpint(mcu_opus_rtp_check(pkt, 4, &n), ==, 0);
	g_assert_cmpint(n, ==, 960);
	g_assert_cmpint(mcu_opus_rtp_check(pkt, 0, &n), ==, -EPROTO);
	uint8_t code3[1] = { 0x03 }; /* code 3 needs a frame count byte */
	g_assert_cmpint(mcu_opus_rtp_check(code3, 1, &n), ==, -EPROTO);
	uint8_t big[MCU_OPUS_MAX_PACKET + 1] = { 0 };
	g_assert_cmpint(mcu_opus_rtp_check(big, sizeof(big), &n), ==, -EPROTO);
	uint8_t out[32];
	size_t olen = 0;
	g_assert_cmpint(
		mcu_opus_rtp_packetize(out, sizeof(out), 111, 7, 960, 9, pkt, 4, &olen), ==, 0);
	g_assert_cmpuint(olen, ==, 16);
	g_assert_cmpint(
		mcu_opus_rtp_packetize(out, 15, 111, 7, 960, 9, pkt, 4, &olen), ==, -ENOSPC);
}

static void put(mcu_audio_jitter *j, uint16_t seq)
{
	uint8_t b[2] = { (uint8_t)(seq >> 8), (uint8_t)seq };
	g_assert_cmpint(mcu_audio_jitter_put(j, seq, b, 2), ==, 0);
}

static int get(mcu_audio_jitter *j, uint16_t *seq)
{
	uint8_t out[MCU_OPUS_MAX_PACKET];
	size_t len = 0;
	int rc = mcu_audio_jitter_get(j, out, sizeof(out), &len);
	if (rc == 1) {
		g_assert_cmpuint(len, ==, 2);
		*seq = (uint16_t)((out[0] << 8) | out[1]);
	}
	return rc;
}

static void test_jitter_reorders_and_conceals(void)
{
	mcu_audio_jitter *j = g_new0(mcu_audio_jitter, 1);
	mcu_audio_jitter_init(j);
	uint16_t s = 0;
	put(j, 65535);
	g_assert_cmpint(get(j, &s), ==, -EAGAIN); /* prebuffering */
	put(j, 1);                                /* 0 is late */
	g_assert_cmpint(get(j, &s), ==, 1);
	g_assert_cmpuint(s, ==, 65535);
	put(j, 0); /* arrives before its turn: reordered into place */
	g_assert_cmpint(get(j, &s), ==, 1);
	g_assert_cmpuint(s, ==, 0);
	g_assert_cmpint(get(j, &s), ==, 1);
	g_assert_cmpuint(s, ==, 1);
	put(j, 3); /* 2 lost */
	put(j, 4);
	g_assert_cmpint(get(j, &s), ==, 0); /* conceal 2 */
	put(j, 2);                          /* too late now: dropped */
	g_assert_cmpint(get(j, &s), ==, 1);
	g_assert_cmpuint(s, ==, 3);
	put(j, 4); /* duplicate */
	g_assert_cmpint(get(j, &s), ==, 1);
	g_assert_cmpuint(s, ==, 4);
	g_assert_cmpint(get(j, &s), ==, -EAGAIN); /* underrun */
	g_free(j);
}

static void test_jitter_trims_delay(void)
{
	mcu_audio_jitter *j = g_new0(mcu_audio_jitter, 1);
	mcu_audio_jitter_init(j);
	for (uint16_t i = 100; i < 100 + 40; i++)
		put(j, i); /* more than the queue holds */
	uint16_t s = 0;
	g_assert_cmpint(get(j, &s), ==, 1);
	g_assert_cmpuint(j->n, <=, MCU_JITTER_MAX_DELAY);
	g_assert_cmpuint(s, >=, 100 + 40 - MCU_JITTER_MAX_DELAY - 1);
	g_free(j);
}

static void test_jitter_shrinks_after_burst(void)
{
	mcu_audio_jitter *j = g_new0(mcu_audio_jitter, 1);
	mcu_audio_jitter_init(j);
	uint16_t seq = 100, s = 0;
	/* A stall: six packets arrive at once, then one per tick as usual. */
	for (int i = 0; i < 6; i++)
		put(j, seq++);
	int played = 0;
	for (int tick = 0; tick < 150; tick++) {
		put(j, seq++);
		if (get(j, &s) == 1)
			played++;
	}
	/* Back to the prebuffer depth (+1 for the phase) instead of six packets of delay. */
	g_assert_cmpuint(j->n, <=, MCU_JITTER_PREBUFFER + 1);
	g_assert_cmpint(played, >=, 145);
	/* Steady state: no more drops. */
	uint16_t before = s;
	for (int tick = 0; tick < 100; tick++) {
		put(j, seq++);
		g_assert_cmpint(get(j, &s), ==, 1);
	}
	g_assert_cmpuint((uint16_t)(s - before), ==, 100);
	g_free(j);
}

/* RFC 6464 level in an RFC 8285 one-byte extension: found by id, bounded, never past the packet. */
static void test_audio_level_extension(void)
{
	uint8_t pkt[32] = { 0x90, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0xBE, 0xDE, 0,
		2,                     /* two words of elements */
		0x10, 0x55,            /* id 1, len 1: something else */
		0x00,                  /* padding */
		0x30, 0x80 | 42,       /* id 3, len 1: V bit + level 42 */
		0, 0, 0, 0xAA, 0xBB }; /* payload */
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 26, 3), ==, 42);
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 26, 1), ==, 0x55);
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 26, 5), ==, -1); /* absent */
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 18, 3), ==, -1); /* extension cut short */
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 26, 0), ==, -1); /* invalid id */
	pkt[0] = 0x80;                                            /* no X bit */
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 26, 3), ==, -1);
	pkt[0] = 0x90;
	pkt[15] = 200; /* length beyond the packet */
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 26, 3), ==, -1);
	pkt[15] = 2;
	pkt[16] = 0x1F; /* id 1 claims 16 bytes */
	g_assert_cmpint(mcu_rtp_audio_level(pkt, 26, 3), ==, -1);
	for (int i = 0; i < 5000; i++) { /* garbage stays in bounds */
		uint8_t junk[40];
		for (size_t k = 0; k < sizeof(junk); k++)
			junk[k] = (uint8_t)g_random_int();
		junk[0] = 0x90;
		int lvl = mcu_rtp_audio_level(
			junk, g_random_int_range(0, 41), 1 + (int)g_random_int_range(0, 14));
		g_assert_cmpint(lvl, <=, 127);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/rtp/parse-valid", test_parse_valid);
	g_test_add_func("/mcu/rtp/parse-rejects-short", test_parse_rejects_short);
	g_test_add_func("/mcu/rtp/parse-rejects-bad-version", test_parse_rejects_bad_version);
	g_test_add_func("/mcu/rtp/parse-csrc-bounded", test_parse_csrc);
	g_test_add_func("/mcu/rtp/parse-extension-bounded", test_parse_extension);
	g_test_add_func("/mcu/rtp/parse-padding-bounded", test_parse_padding);
	g_test_add_func("/mcu/rtp/write-parse-roundtrip", test_write_roundtrip);
	g_test_add_func("/mcu/rtp/parse-random-garbage-stays-in-bounds", test_parse_random_garbage);
	g_test_add_func("/mcu/opus-rtp/check-and-packetize", test_opus_check);
	g_test_add_func(
		"/mcu/jitter/reorders-and-conceals-loss", test_jitter_reorders_and_conceals);
	g_test_add_func("/mcu/jitter/trims-excess-delay", test_jitter_trims_delay);
	g_test_add_func("/mcu/jitter/shrinks-after-burst", test_jitter_shrinks_after_burst);
	g_test_add_func(
		"/mcu/rtp/audio-level-extension-parsed-and-bounded", test_audio_level_extension);
	return g_test_run();
}
