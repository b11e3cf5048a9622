/*
 * sipb_digest_test.c - digest authentication of the SIP registrar (sipb_digest.c).
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "sipb_digest.h"

/* RFC 2617 §3.5's worked example. */
static const char *const rfc2617[] = {
	"username=\"Mufasa\"",
	"realm=\"testrealm@host.com\"",
	"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
	"uri=\"/dir/index.html\"",
	"qop=auth",
	"nc=00000001",
	"cnonce=\"0a4f113b\"",
	"response=\"6629fae49393a05397450978507c4ef1\"",
	"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
	NULL,
};

static void test_rfc2617_example(void)
{
	sipb_digest_creds c;
	g_assert_cmpint(sipb_digest_creds_parse(rfc2617, &c), ==, 0);
	g_assert_cmpstr(c.username, ==, "Mufasa");
	g_assert_cmpstr(c.cnonce, ==, "0a4f113b");
	char ha1[33];
	sipb_digest_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", ha1);
	g_assert_cmpint(sipb_digest_verify(ha1, "GET", &c), ==, 0);
	g_assert_cmpint(sipb_digest_verify(ha1, "POST", &c), ==, -EACCES);
	sipb_digest_ha1("Mufasa", "testrealm@host.com", "circle of life", ha1);
	g_assert_cmpint(sipb_digest_verify(ha1, "GET", &c), ==, -EACCES);
}

static void test_without_qop_and_bad_params(void)
{
	sipb_digest_creds c;
	char ha1[33], resp[33];
	sipb_digest_ha1("alice", "example.org", "secret-pw", ha1);
	const char *const p[] = { "username=\"alice\"", "realm=\"example.org\"", "nonce=\"abc\"",
		"uri=\"sip:example.org\"", NULL };
	g_assert_cmpint(sipb_digest_creds_parse(p, &c), ==, 0);
	sipb_digest_response(ha1, "REGISTER", &c, resp);
	g_strlcpy(c.response, resp, sizeof(c.response));
	g_assert_cmpint(sipb_digest_verify(ha1, "REGISTER", &c), ==, 0);
	g_strlcpy(c.algorithm, "SHA-256", sizeof(c.algorithm));
	g_assert_cmpint(sipb_digest_verify(ha1, "REGISTER", &c), ==, -EINVAL);
	c.algorithm[0] = '\0';
	g_strlcpy(c.qop, "auth", sizeof(c.qop)); /* qop without nc/cnonce */
	g_assert_cmpint(sipb_digest_verify(ha1, "REGISTER", &c), ==, -EINVAL);
	char longv[400];
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	char *big = g_strdup_printf("uri=%s", longv);
	const char *const q[] = { big, NULL };
	g_assert_cmpint(sipb_digest_creds_parse(q, &c), ==, -EINVAL);
	g_free(big);
	const char *const crlf[] = { "username=\"a\r\nb\"", NULL };
	g_assert_cmpint(sipb_digest_creds_parse(crlf, &c), ==, -EINVAL);
	g_assert_cmpint(sipb_digest_creds_parse(NULL, &c), ==, -EINVAL);
}

static void test_nonce(void)
{
	char n[SIPB_DIGEST_NONCE_LEN + 1];
	sipb_digest_nonce_make("s3cret", 1700000000, n);
	g_assert_cmpuint(strlen(n), ==, SIPB_DIGEST_NONCE_LEN);
	g_assert_cmpint(sipb_digest_nonce_check("s3cret", n, 1700000000, 300), ==, 0);
	g_assert_cmpint(sipb_digest_nonce_check("s3cret", n, 1700000300, 300), ==, 0);
	g_assert_cmpint(sipb_digest_nonce_check("s3cret", n, 1700000301, 300), ==, -ETIMEDOUT);
	g_assert_cmpint(sipb_digest_nonce_check("other", n, 1700000000, 300), ==, -EINVAL);
	n[20] = n[20] == '0' ? '1' : '0';
	g_assert_cmpint(sipb_digest_nonce_check("s3cret", n, 1700000000, 300), ==, -EINVAL);
	g_assert_cmpint(sipb_digest_nonce_check("s3cret", "short", 1700000000, 300), ==, -EINVAL);
	g_assert_cmpint(sipb_digest_nonce_check("s3cret", NULL, 1700000000, 300), ==, -EINVAL);
}

/* A correct answer counts once: the same nc again (a replay, perhaps with another Contact)
 * is refused, a higher nc (the client's next request) is taken; without qop a nonce serves
 * once; expired entries are forgotten; at the cap, older nonces are refused, not forgotten. */
static void test_nonce_book_refuses_replays(void)
{
	sipb_nonce_book *b = sipb_nonce_book_new(16);
	char n[SIPB_DIGEST_NONCE_LEN + 1];
	sipb_digest_nonce_make("s3cret", 1700000000, n);
	int64_t issued = 0;
	g_assert_cmpint(sipb_digest_nonce_issued(n, &issued), ==, 0);
	g_assert_cmpint(issued, ==, 1700000000);
	g_assert_cmpint(sipb_nonce_book_use(b, n, "00000001", issued, 1700000001, 300), ==, 0);
	g_assert_cmpint(
		sipb_nonce_book_use(b, n, "00000001", issued, 1700000002, 300), ==, -EALREADY);
	g_assert_cmpint(sipb_nonce_book_use(b, n, "00000002", issued, 1700000003, 300), ==, 0);
	g_assert_cmpint(
		sipb_nonce_book_use(b, n, "00000002", issued, 1700000004, 300), ==, -EALREADY);
	g_assert_cmpint(
		sipb_nonce_book_use(b, n, "00000001", issued, 1700000004, 300), ==, -EALREADY);
	g_assert_cmpint(sipb_nonce_book_use(b, n, "", issued, 1700000004, 300), ==, -EALREADY);
	g_assert_cmpint(sipb_nonce_book_use(b, n, "zz", issued, 1700000004, 300), ==, -EINVAL);
	g_assert_cmpint(
		sipb_nonce_book_use(b, n, "00000000", issued, 1700000004, 300), ==, -EINVAL);
	/* without qop: once */
	char m[SIPB_DIGEST_NONCE_LEN + 1];
	sipb_digest_nonce_make("s3cret", 1700000010, m);
	g_assert_cmpint(sipb_nonce_book_use(b, m, "", 1700000010, 1700000011, 300), ==, 0);
	g_assert_cmpint(sipb_nonce_book_use(b, m, "", 1700000010, 1700000012, 300), ==, -EALREADY);
	g_assert_cmpint(
		sipb_nonce_book_use(b, m, "00000005", 1700000010, 1700000012, 300), ==, -EALREADY);
	/* fill the book with fresh nonces: the oldest are evicted, and refused from then on */
	for (int i = 0; i < 40; i++) {
		char k[SIPB_DIGEST_NONCE_LEN + 1];
		sipb_digest_nonce_make("s3cret", 1700000100 + i, k);
		g_assert_cmpint(
			sipb_nonce_book_use(b, k, "00000001", 1700000100 + i, 1700000200, 300), ==,
			0);
	}
	g_assert_cmpint(
		sipb_nonce_book_use(b, n, "00000009", issued, 1700000200, 300), ==, -EALREADY);
	char fresh[SIPB_DIGEST_NONCE_LEN + 1];
	sipb_digest_nonce_make("s3cret", 1700000199, fresh);
	g_assert_cmpint(
		sipb_nonce_book_use(b, fresh, "00000001", 1700000199, 1700000200, 300), ==, 0);
	g_assert_cmpint(sipb_nonce_book_use(b, fresh, "00000001", 1700000199, 1700000200, 300), ==,
		-EALREADY);
	/* outside the nonce lifetime (or from the far future): never vouched for */
	char old[SIPB_DIGEST_NONCE_LEN + 1];
	sipb_digest_nonce_make("s3cret", 1699999800, old);
	g_assert_cmpint(sipb_nonce_book_use(b, old, "00000001", 1699999800, 1700000200, 300), ==,
		-EALREADY);
	g_assert_cmpint(sipb_nonce_book_use(b, old, "00000001", G_MAXINT64, 1700000200, 300), ==,
		-EALREADY);
	g_assert_cmpint(sipb_nonce_book_use(b, old, "00000001", G_MININT64, 1700000200, 300), ==,
		-EALREADY);
	sipb_nonce_book_free(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/digest/rfc2617-example", test_rfc2617_example);
	g_test_add_func("/sipb/digest/no-qop-and-bad-params", test_without_qop_and_bad_params);
	g_test_add_func("/sipb/digest/nonce", test_nonce);
	g_test_add_func("/sipb/digest/nonce-book-refuses-replays", test_nonce_book_refuses_replays);
	return g_test_run();
}
