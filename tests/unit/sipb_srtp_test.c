/*
 * sipb_srtp_test.c - RFC 4568 a=crypto parse/produce and libsrtp2 protect -> unprotect
 * round trips for both suites (RTP and RTCP), with forged, replayed and wrong-key packets
 * rejected.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>
#include "sipb_srtp.h"

#define KEY40 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

static void test_parse(void)
{
	sipb_crypto c;
	g_assert_cmpint(sipb_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40, &c), ==, 0);
	g_assert_cmpuint(c.tag, ==, 1);
	g_assert_cmpint(c.suite, ==, SIPB_SRTP_AES_CM_128_HMAC_SHA1_80);
	g_assert_cmpint(c.key[0], ==, 'Y'); /* "WVNf" decodes to "YS_" */
	g_assert_cmpint(
		sipb_crypto_parse("2 AES_CM_128_HMAC_SHA1_32 inline:" KEY40 "|2^31", &c), ==, 0);
	g_assert_cmpuint(c.tag, ==, 2);
	g_assert_cmpint(c.suite, ==, SIPB_SRTP_AES_CM_128_HMAC_SHA1_32);
	g_assert_cmpint(
		sipb_crypto_parse("3 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 "|1048576\r\n", &c), ==,
		0);

	const char *bad[] = {
		"",
		"1",
		"1 AES_CM_128_HMAC_SHA1_80",
		"0 AES_CM_128_HMAC_SHA1_80 inline:" KEY40,
		"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY40,
		"x AES_CM_128_HMAC_SHA1_80 inline:" KEY40,
		"1 AES_CM_128_HMAC_SHA1_80 " KEY40,
		"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9Cn", /* short */
		"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVu!!", /* bad char */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 "|2^x",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 "|",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(sipb_crypto_parse(bad[i], &c), ==, -EINVAL);
	const char *unsupported[] = {
		"1 AES_256_CM_HMAC_SHA1_80 inline:" KEY40, "1 F8_128_HMAC_SHA1_80 inline:" KEY40,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 "|2^20|1:4",         /* MKI */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 ";inline:" KEY40,    /* two keys */
		"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY40 " UNENCRYPTED_SRTP", /* session param */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(unsupported); i++)
		g_assert_cmpint(sipb_crypto_parse(unsupported[i], &c), ==, -ENOTSUP);
	g_assert_cmpint(sipb_crypto_parse(NULL, &c), ==, -EINVAL);
}

static void test_produce(void)
{
	sipb_crypto a, b, back;
	g_assert_cmpint(sipb_crypto_generate(7, SIPB_SRTP_AES_CM_128_HMAC_SHA1_32, &a), ==, 0);
	g_assert_cmpint(sipb_crypto_generate(7, SIPB_SRTP_AES_CM_128_HMAC_SHA1_32, &b), ==, 0);
	g_assert_true(memcmp(a.key, b.key, sizeof(a.key)) != 0);
	char *s = sipb_crypto_format(&a);
	g_assert_true(g_str_has_prefix(s, "7 AES_CM_128_HMAC_SHA1_32 inline:"));
	g_assert_cmpuint(strlen(s), ==, strlen("7 AES_CM_128_HMAC_SHA1_32 inline:") + 40);
	g_assert_cmpint(sipb_crypto_parse(s, &back), ==, 0);
	g_assert_cmpuint(back.tag, ==, 7);
	g_assert_cmpint(back.suite, ==, a.suite);
	g_assert_cmpmem(back.key, sizeof(back.key), a.key, sizeof(a.key));
	g_free(s);
	g_assert_cmpint(
		sipb_crypto_generate(0, SIPB_SRTP_AES_CM_128_HMAC_SHA1_80, &a), ==, -EINVAL);
}

static size_t make_rtp(uint8_t *buf, uint16_t seq)
{
	memset(buf, 0, 12);
	buf[0] = 0x80;
	buf[1] = 0;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[8] = 0x12;
	buf[9] = 0x34;
	buf[10] = 0x56;
	buf[11] = 0x78;
	for (int i = 0; i < 160; i++)
		buf[12 + i] = (uint8_t)(i * 7 + seq);
	return 172;
}

static void round_trip(sipb_srtp_suite suite, size_t tag_len)
{
	sipb_crypto key, other;
	g_assert_cmpint(sipb_crypto_generate(1, suite, &key), ==, 0);
	g_assert_cmpint(sipb_crypto_generate(1, suite, &other), ==, 0);
	sipb_srtp *tx, *rx, *wrong;
	g_assert_cmpint(sipb_srtp_new(&key, true, &tx), ==, 0);
	g_assert_cmpint(sipb_srtp_new(&key, false, &rx), ==, 0);
	g_assert_cmpint(sipb_srtp_new(&other, false, &wrong), ==, 0);
	for (uint16_t seq = 100; seq < 110; seq++) {
		uint8_t plain[256], buf[256 + SIPB_SRTP_MAX_OVERHEAD], copy[sizeof(buf)];
		size_t len = make_rtp(plain, seq);
		memcpy(buf, plain, len);
		size_t plen = len;
		g_assert_cmpint(sipb_srtp_protect(tx, false, buf, &plen, sizeof(buf)), ==, 0);
		g_assert_cmpuint(plen, ==, len + tag_len);
		g_assert_true(memcmp(buf + 12, plain + 12, 160) != 0); /* encrypted */
		memcpy(copy, buf, plen);
		size_t clen = plen;
		g_assert_cmpint(sipb_srtp_unprotect(wrong, false, copy, &clen), ==, -EPROTO);
		memcpy(copy, buf, plen);
		clen = plen;
		copy[20] ^= 1; /* forged */
		g_assert_cmpint(sipb_srtp_unprotect(rx, false, copy, &clen), ==, -EPROTO);
		memcpy(copy, buf, plen);
		clen = plen;
		g_assert_cmpint(sipb_srtp_unprotect(rx, false, copy, &clen), ==, 0);
		g_assert_cmpmem(copy, clen, plain, len);
		clen = plen;
		memcpy(copy, buf, plen);
		g_assert_cmpint(
			sipb_srtp_unprotect(rx, false, copy, &clen), ==, -EPROTO); /* replay */
	}
	/* RTCP: RR with our SSRC; SRTCP keeps an 80-bit tag plus the 4-byte index. */
	uint8_t rr[8 + 4 + SIPB_SRTP_MAX_OVERHEAD] = { 0x80, 201, 0, 1, 1, 2, 3, 4 };
	size_t len = 8;
	g_assert_cmpint(sipb_srtp_protect(tx, true, rr, &len, sizeof(rr)), ==, 0);
	g_assert_cmpuint(len, ==, 8 + 4 + 10);
	g_assert_cmpint(sipb_srtp_unprotect(rx, true, rr, &len), ==, 0);
	g_assert_cmpuint(len, ==, 8);
	g_assert_cmpint(rr[1], ==, 201);
	/* Too short or no room. */
	uint8_t tiny[4] = { 0x80 };
	len = 4;
	g_assert_cmpint(sipb_srtp_unprotect(rx, false, tiny, &len), ==, -EPROTO);
	uint8_t small[20] = { 0x80 };
	len = 12;
	g_assert_cmpint(sipb_srtp_protect(tx, false, small, &len, sizeof(small)), ==, -ENOSPC);
	sipb_srtp_free(tx);
	sipb_srtp_free(rx);
	sipb_srtp_free(wrong);
}

static void test_round_trip_80(void)
{
	round_trip(SIPB_SRTP_AES_CM_128_HMAC_SHA1_80, 10);
}
static void test_round_trip_32(void)
{
	round_trip(SIPB_SRTP_AES_CM_128_HMAC_SHA1_32, 4);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/srtp/crypto-parse", test_parse);
	g_test_add_func("/sipb/srtp/crypto-produce", test_produce);
	g_test_add_func("/sipb/srtp/round-trip-80", test_round_trip_80);
	g_test_add_func("/sipb/srtp/round-trip-32", test_round_trip_32);
	return g_test_run();
}
