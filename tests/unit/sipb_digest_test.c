/*
 * sipb_digest_test.c - digest authentication of the SIP registrar (sipb_digest.c).
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "sipb_digest.h"

/* RFC 2617 §3.5's worked example. */
static const char *const rfc2617[] = {
	"username=\"Mufasa\"", "realm=\"testrealm@host.com\"", "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
	"uri=\"/dir/index.html\"", "qop=auth", "nc=00000001", "cnonce=\"0a4f113b\"",
	"response=\"6629fae49393a05397450978507c4ef1\"", "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", NULL,
};

static void test_rfc2617_example(void) {
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

static void test_without_qop_and_bad_params(void) {
	sipb_digest_creds c;
	char ha1[33], resp[33];
	sipb_digest_ha1("alice", "example.org", "secret-pw", ha1);
	const char *const p[] = { "username=\"alice\"", "realm=\"example.org\"", "nonce=\"abc\"", "uri=\"sip:example.org\"", NULL };
	g_assert_cmpint(sipb_digest_creds_parse(p, &c), ==, 0);
	sipb_digest_response(ha1, "REGISTER", &c, resp);
	g_strlcpy(c.response, resp, sizeof(c.response));
	g_assert_cmpint(sipb_digest_verify(ha1, "REGISTER", &c), ==, 0);
	g_strlcpy(c.algorithm, "SHA-256", sizeof(c.algorithm));
	g_assert_cmpint(sipb_digest_verify(ha1, "REGISTER", &c), ==, -EINVAL);
	c.algorithm[0] = '\0';
	g_strlcpy(c.qop, "auth", sizeof(c.qop));   /* qop without nc/cnonce */
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

static void test_nonce(void) {
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

int main(int argc, char **argv) {
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/digest/rfc2617-example", test_rfc2617_example);
	g_test_add_func("/sipb/digest/no-qop-and-bad-params", test_without_qop_and_bad_params);
	g_test_add_func("/sipb/digest/nonce", test_nonce);
	return g_test_run();
}
