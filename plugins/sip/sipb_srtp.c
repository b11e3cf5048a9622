/*
 * sipb_srtp.c - RFC 4568 a=crypto handling and libsrtp2 contexts. See sipb_srtp.h.
 */
#include "sipb_srtp.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <glib.h>
#include <srtp2/srtp.h>

struct sipb_srtp {
	srtp_t ctx;
};

static const struct {
	const char *name;
	sipb_srtp_suite suite;
} suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", SIPB_SRTP_AES_CM_128_HMAC_SHA1_80 },
	{ "AES_CM_128_HMAC_SHA1_32", SIPB_SRTP_AES_CM_128_HMAC_SHA1_32 },
};

const char *sipb_srtp_suite_name(sipb_srtp_suite suite)
{
	for (size_t i = 0; i < G_N_ELEMENTS(suites); i++)
		if (suites[i].suite == suite)
			return suites[i].name;
	return NULL;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isdigit(s[i]))
			return false;
	return true;
}

static bool is_b64(char c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/';
}

int sipb_crypto_parse(const char *value, sipb_crypto *out)
{
	if (!value || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	const char *p = value;
	while (*p == ' ')
		p++;
	/* RFC 4568 §9.1: tag = 1*9DIGIT */
	size_t n = strspn(p, "0123456789");
	if (n == 0 || n > 9 || p[n] != ' ')
		return -EINVAL;
	out->tag = (unsigned)strtoul(p, NULL, 10);
	if (out->tag == 0)
		return -EINVAL;
	p += n;
	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	if (n == 0)
		return -EINVAL;
	bool known = false;
	for (size_t i = 0; i < G_N_ELEMENTS(suites); i++)
		if (strlen(suites[i].name) == n && strncmp(p, suites[i].name, n) == 0) {
			out->suite = suites[i].suite;
			known = true;
		}
	if (!known)
		return -ENOTSUP;
	p += n;
	while (*p == ' ')
		p++;
	if (g_ascii_strncasecmp(p, "inline:", 7) != 0)
		return -EINVAL;
	p += 7;
	/* 30 bytes of key and salt are exactly 40 base64 characters, no padding. */
	char b64[41];
	for (int i = 0; i < 40; i++)
		if (!is_b64(p[i]))
			return -EINVAL;
	memcpy(b64, p, 40);
	b64[40] = '\0';
	p += 40;
	gsize klen = 0;
	guchar *key = g_base64_decode(b64, &klen);
	if (!key || klen != SIPB_SRTP_KEY_LEN) {
		g_free(key);
		return -EINVAL;
	}
	memcpy(out->key, key, SIPB_SRTP_KEY_LEN);
	g_free(key);
	/* Optional "|lifetime" and "|MKI:length" (§9.1), then ';' for another key. */
	while (*p == '|') {
		p++;
		n = strcspn(p, "|; \r\n");
		if (memchr(p, ':', n))
			return -ENOTSUP; /* MKI */
		if (n > 2 && p[0] == '2' && p[1] == '^') {
			if (!all_digits(p + 2, n - 2))
				return -EINVAL;
		} else if (!all_digits(p, n)) {
			return -EINVAL;
		}
		p += n;
	}
	if (*p == ';')
		return -ENOTSUP; /* several master keys */
	while (*p == ' ')
		p++;
	if (*p == '\r' || *p == '\n')
		p += strspn(p, "\r\n");
	if (*p != '\0')
		return -ENOTSUP; /* session parameters */
	return 0;
}

char *sipb_crypto_format(const sipb_crypto *c)
{
	const char *name = c ? sipb_srtp_suite_name(c->suite) : NULL;
	if (!name)
		return NULL;
	gchar *b64 = g_base64_encode(c->key, SIPB_SRTP_KEY_LEN);
	char *s = g_strdup_printf("%u %s inline:%s", c->tag, name, b64);
	g_free(b64);
	return s;
}

int sipb_crypto_generate(unsigned tag, sipb_srtp_suite suite, sipb_crypto *out)
{
	if (!out || !sipb_srtp_suite_name(suite) || tag == 0 || tag > 999999999)
		return -EINVAL;
	out->tag = tag;
	out->suite = suite;
	size_t got = 0;
	while (got < SIPB_SRTP_KEY_LEN) {
		ssize_t r = getrandom(out->key + got, SIPB_SRTP_KEY_LEN - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}

G_STATIC_ASSERT(SIPB_SRTP_MAX_OVERHEAD >= SRTP_MAX_TRAILER_LEN + 4);

static gsize srtp_ready;
static int srtp_init_status;

static int srtp_once(void)
{
	if (g_once_init_enter(&srtp_ready)) {
		/* Inside janus, libsrtp2 (one copy per process) was initialised by Janus already,
		 * and a second srtp_init fails with bad_param (its debug module is loaded twice)
		 * although the kernel is ready: that is no reason to refuse every SRTP call. */
		srtp_err_status_t st = srtp_init();
		srtp_init_status = st == srtp_err_status_ok || st == srtp_err_status_bad_param
			? 0
			: -EIO;
		g_once_init_leave(&srtp_ready, 1);
	}
	return srtp_init_status;
}

int sipb_srtp_new(const sipb_crypto *c, bool outbound, sipb_srtp **out)
{
	if (!c || !out || !sipb_srtp_suite_name(c->suite))
		return -EINVAL;
	*out = NULL;
	if (srtp_once() < 0)
		return -EIO;
	srtp_policy_t policy;
	memset(&policy, 0, sizeof(policy));
	if (c->suite == SIPB_SRTP_AES_CM_128_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
	else
		srtp_crypto_policy_set_rtp_default(&policy.rtp);
	/* RFC 4568 §6.2.2 / RFC 3711 §5.2: SRTCP always uses the 80-bit tag. */
	srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
	policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	uint8_t key[SIPB_SRTP_KEY_LEN];
	memcpy(key, c->key, sizeof(key));
	policy.key = key;
	policy.window_size = 128;
	policy.allow_repeat_tx = 0;
	policy.next = NULL;
	sipb_srtp *s = g_new0(sipb_srtp, 1);
	srtp_err_status_t st = srtp_create(&s->ctx, &policy);
	memset(key, 0, sizeof(key));
	if (st != srtp_err_status_ok) {
		g_free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void sipb_srtp_free(sipb_srtp *s)
{
	if (!s)
		return;
	srtp_dealloc(s->ctx);
	g_free(s);
}

int sipb_srtp_protect(sipb_srtp *s, bool is_rtcp, uint8_t *buf, size_t *len, size_t cap)
{
	if (!s || !buf || !len || *len > INT_MAX - SIPB_SRTP_MAX_OVERHEAD)
		return -EINVAL;
	if (cap < *len + SIPB_SRTP_MAX_OVERHEAD)
		return -ENOSPC;
	int l = (int)*len;
	srtp_err_status_t st = is_rtcp ? srtp_protect_rtcp(s->ctx, buf, &l)
				       : srtp_protect(s->ctx, buf, &l);
	if (st != srtp_err_status_ok)
		return -EIO;
	*len = (size_t)l;
	return 0;
}

int sipb_srtp_unprotect(sipb_srtp *s, bool is_rtcp, uint8_t *buf, size_t *len)
{
	if (!s || !buf || !len || *len > INT_MAX)
		return -EINVAL;
	/* libsrtp reads the fixed header before checking: never hand it less. */
	if (*len < (is_rtcp ? 8u : 12u))
		return -EPROTO;
	int l = (int)*len;
	srtp_err_status_t st = is_rtcp ? srtp_unprotect_rtcp(s->ctx, buf, &l)
				       : srtp_unprotect(s->ctx, buf, &l);
	if (st != srtp_err_status_ok)
		return -EPROTO;
	*len = (size_t)l;
	return 0;
}
