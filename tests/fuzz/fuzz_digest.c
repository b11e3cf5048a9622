/*
 * fuzz_digest.c - libFuzzer harness of the SIP registrar's digest authentication
 * (sipb_digest.c) with hostile Authorization headers.
 *
 * Input: first byte picks the mode, the rest is text.
 *   even: the text is an Authorization header value ("Digest username=...,..."): Sofia's
 *         sip_authorization_make() parses it, as sipb_ua.c does, and its au_params go on;
 *   odd:  the text split at '\n' is the parameter array itself (each an exact-size heap
 *         string), reaching what Sofia would not hand over.
 * The parameters then go through sipb_digest_creds_parse, the nonce check and the response
 * check, as sipb_registrar.c runs them.
 *
 * Checks: parsed fields are NUL-terminated inside their buffers and free of CR/LF; a nonce
 * we made is accepted and a changed one refused; verify gives 0, -EACCES or -EINVAL, and 0
 * only when the response equals the one we compute.
 */
#include "sipb_digest.h"
#include "fuzz_records.h"

#include <errno.h>
#include <glib.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-registrar-secret"
#define NOW    1700000000

static void field_ok(const char *f, size_t cap)
{
	const char *nul = memchr(f, '\0', cap);
	FUZZ_ASSERT(nul != NULL);
	FUZZ_ASSERT(strpbrk(f, "\r\n") == NULL);
}

static void check_params(const char *const *params)
{
	sipb_digest_creds c;
	memset(&c, 0x41, sizeof(c));
	int rc = sipb_digest_creds_parse(params, &c);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	if (rc < 0)
		return;
	field_ok(c.username, sizeof(c.username));
	field_ok(c.realm, sizeof(c.realm));
	field_ok(c.nonce, sizeof(c.nonce));
	field_ok(c.uri, sizeof(c.uri));
	field_ok(c.response, sizeof(c.response));
	field_ok(c.qop, sizeof(c.qop));
	field_ok(c.nc, sizeof(c.nc));
	field_ok(c.cnonce, sizeof(c.cnonce));
	field_ok(c.algorithm, sizeof(c.algorithm));

	int nrc = sipb_digest_nonce_check(SECRET, c.nonce, NOW, 300);
	FUZZ_ASSERT(nrc == 0 || nrc == -ETIMEDOUT || nrc == -EINVAL);
	if (nrc != -EINVAL)
		FUZZ_ASSERT(strlen(c.nonce) == SIPB_DIGEST_NONCE_LEN);

	char ha1[33];
	sipb_digest_ha1(c.username, c.realm, "correct horse", ha1);
	FUZZ_ASSERT(strlen(ha1) == 32);
	int vrc = sipb_digest_verify(ha1, "REGISTER", &c);
	FUZZ_ASSERT(vrc == 0 || vrc == -EACCES || vrc == -EINVAL);
	if (vrc == 0) {
		char expected[33];
		sipb_digest_response(ha1, "REGISTER", &c, expected);
		FUZZ_ASSERT(g_ascii_strcasecmp(expected, c.response) == 0);
	}
	/* The replay book takes any nonce/nc text: used, replayed or unreadable, never more. */
	static sipb_nonce_book *book;
	if (!book)
		book = sipb_nonce_book_new(64);
	int64_t issued = 0;
	if (sipb_digest_nonce_issued(c.nonce, &issued) == 0) {
		int brc = sipb_nonce_book_use(book, c.nonce, c.nc, issued, NOW, 300);
		FUZZ_ASSERT(brc == 0 || brc == -EALREADY || brc == -EINVAL);
		if (brc == 0)
			FUZZ_ASSERT(sipb_nonce_book_use(book, c.nonce, c.nc, issued, NOW, 300)
				== -EALREADY);
	}
	/* A client that knows the password always passes (when algorithm and qop are ours). */
	if (vrc != -EINVAL) {
		sipb_digest_response(ha1, "REGISTER", &c, c.response);
		FUZZ_ASSERT(sipb_digest_verify(ha1, "REGISTER", &c) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once) {
		once = 1;
		char nonce[SIPB_DIGEST_NONCE_LEN + 1];
		sipb_digest_nonce_make(SECRET, NOW - 10, nonce);
		FUZZ_ASSERT(sipb_digest_nonce_check(SECRET, nonce, NOW, 300) == 0);
		FUZZ_ASSERT(sipb_digest_nonce_check(SECRET, nonce, NOW + 1000, 300) == -ETIMEDOUT);
		nonce[20] ^= 1;
		FUZZ_ASSERT(sipb_digest_nonce_check(SECRET, nonce, NOW, 300) == -EINVAL);
	}
	if (size < 1 || size > 8192)
		return 0;
	size_t n = size - 1;
	const char *text = (const char *)data + 1;
	if ((data[0] & 1) == 0) {
		char *s = malloc(n + 1);
		if (!s)
			abort();
		memcpy(s, text, n);
		s[n] = '\0';
		su_home_t home[1] = { SU_HOME_INIT(home) };
		sip_authorization_t *au = sip_authorization_make(home, s);
		if (au != NULL && au->au_scheme != NULL && au->au_params != NULL)
			check_params((const char *const *)au->au_params);
		su_home_deinit(home);
		free(s);
		return 0;
	}
	char *params[80];
	size_t np = 0;
	for (size_t start = 0; start <= n && np < 79;) {
		const char *nl = memchr(text + start, '\n', n - start);
		size_t end = nl ? (size_t)(nl - text) : n;
		params[np] = malloc(end - start + 1);
		if (!params[np])
			abort();
		memcpy(params[np], text + start, end - start);
		params[np][end - start] = '\0';
		np++;
		start = end + 1;
	}
	params[np] = NULL;
	check_params((const char *const *)params);
	for (size_t i = 0; i < np; i++)
		free(params[i]);
	return 0;
}
