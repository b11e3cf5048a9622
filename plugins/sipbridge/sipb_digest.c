/*
 * sipb_digest.c - see sipb_digest.h.
 */
#include "sipb_digest.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

static void hmac_hex(const char *secret, const char *msg, char *out, size_t outlen) {
	char *h = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret), msg, -1);
	g_strlcpy(out, h, outlen);
	g_free(h);
}

void sipb_digest_nonce_make(const char *secret, int64_t now_s, char out[SIPB_DIGEST_NONCE_LEN + 1]) {
	char ts[17], mac[33];
	g_snprintf(ts, sizeof(ts), "%016" G_GINT64_MODIFIER "x", (guint64)now_s);
	hmac_hex(secret, ts, mac, sizeof(mac));
	g_snprintf(out, SIPB_DIGEST_NONCE_LEN + 1, "%s%s", ts, mac);
}

static int const_time_eq(const char *a, const char *b, size_t n) {
	unsigned char d = 0;
	for(size_t i = 0; i < n; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

int sipb_digest_nonce_check(const char *secret, const char *nonce, int64_t now_s, int max_age_s) {
	if(secret == NULL || nonce == NULL || strlen(nonce) != SIPB_DIGEST_NONCE_LEN)
		return -EINVAL;
	char ts[17], mac[33];
	memcpy(ts, nonce, 16);
	ts[16] = '\0';
	for(int i = 0; i < 16; i++)
		if(!g_ascii_isxdigit(ts[i]))
			return -EINVAL;
	hmac_hex(secret, ts, mac, sizeof(mac));
	if(!const_time_eq(mac, nonce + 16, 32))
		return -EINVAL;
	int64_t issued = (int64_t)g_ascii_strtoull(ts, NULL, 16);
	if(issued > now_s + 5 || now_s - issued > max_age_s)
		return -ETIMEDOUT;
	return 0;
}

static int copy_value(const char *v, char *dst, size_t dstlen) {
	size_t n = strlen(v);
	if(n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if(n >= dstlen)
		return -EINVAL;
	memcpy(dst, v, n);
	dst[n] = '\0';
	/* A quoted-string may hold escapes; none of our fields needs them, and a CR/LF or NUL
	 * in a value is never legitimate. */
	for(size_t i = 0; i < n; i++)
		if(dst[i] == '\r' || dst[i] == '\n')
			return -EINVAL;
	return 0;
}

int sipb_digest_creds_parse(const char *const *params, sipb_digest_creds *out) {
	memset(out, 0, sizeof(*out));
	if(params == NULL)
		return -EINVAL;
	static const struct { const char *name; size_t off, len; } fields[] = {
#define F(n) { #n, offsetof(sipb_digest_creds, n), sizeof(((sipb_digest_creds *)0)->n) }
		F(username), F(realm), F(nonce), F(uri), F(response), F(qop), F(nc), F(cnonce), F(algorithm),
#undef F
	};
	for(int i = 0; params[i] != NULL && i < 64; i++) {
		const char *eq = strchr(params[i], '=');
		if(eq == NULL)
			continue;
		size_t nl = (size_t)(eq - params[i]);
		for(size_t f = 0; f < G_N_ELEMENTS(fields); f++) {
			if(strlen(fields[f].name) == nl && g_ascii_strncasecmp(params[i], fields[f].name, nl) == 0) {
				if(copy_value(eq + 1, (char *)out + fields[f].off, fields[f].len) < 0)
					return -EINVAL;
				break;
			}
		}
	}
	return 0;
}

static void md5_hex(const char *s, char out[33]) {
	char *h = g_compute_checksum_for_string(G_CHECKSUM_MD5, s, -1);
	g_strlcpy(out, h, 33);
	g_free(h);
}

void sipb_digest_ha1(const char *username, const char *realm, const char *password, char out[33]) {
	char *a1 = g_strdup_printf("%s:%s:%s", username, realm, password);
	md5_hex(a1, out);
	memset(a1, 0, strlen(a1));
	g_free(a1);
}

void sipb_digest_response(const char *ha1, const char *method, const sipb_digest_creds *c, char out[33]) {
	char ha2[33];
	char *a2 = g_strdup_printf("%s:%s", method, c->uri);
	md5_hex(a2, ha2);
	g_free(a2);
	char *kd = c->qop[0]
		? g_strdup_printf("%s:%s:%s:%s:%s:%s", ha1, c->nonce, c->nc, c->cnonce, c->qop, ha2)
		: g_strdup_printf("%s:%s:%s", ha1, c->nonce, ha2);
	md5_hex(kd, out);
	g_free(kd);
}

int sipb_digest_verify(const char *ha1, const char *method, const sipb_digest_creds *c) {
	if(ha1 == NULL || method == NULL || c == NULL)
		return -EINVAL;
	if(c->algorithm[0] && g_ascii_strcasecmp(c->algorithm, "MD5") != 0)
		return -EINVAL;
	if(c->qop[0] && g_ascii_strcasecmp(c->qop, "auth") != 0)
		return -EINVAL;
	if(c->qop[0] && (c->nc[0] == '\0' || c->cnonce[0] == '\0'))
		return -EINVAL;
	if(strlen(c->response) != 32)
		return -EACCES;
	char expected[33];
	sipb_digest_response(ha1, method, c, expected);
	char given[33];
	for(int i = 0; i < 33; i++)
		given[i] = g_ascii_tolower(c->response[i]);
	return const_time_eq(expected, given, 32) ? 0 : -EACCES;
}
