/*
 * sipb_digest.c - see sipb_digest.h.
 */
#include "sipb_digest.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

static void hmac_hex(const char *secret, const char *msg, char *out, size_t outlen)
{
	char *h = g_compute_hmac_for_string(
		G_CHECKSUM_SHA256, (const guchar *)secret, strlen(secret), msg, -1);
	g_strlcpy(out, h, outlen);
	g_free(h);
}

void sipb_digest_nonce_make(const char *secret, int64_t now_s, char out[SIPB_DIGEST_NONCE_LEN + 1])
{
	char ts[33], mac[33];
	g_snprintf(ts, sizeof(ts), "%016" G_GINT64_MODIFIER "x%08x%08x", (guint64)now_s,
		g_random_int(), g_random_int());
	hmac_hex(secret, ts, mac, sizeof(mac));
	g_snprintf(out, SIPB_DIGEST_NONCE_LEN + 1, "%s%s", ts, mac);
}

static int const_time_eq(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

int sipb_digest_nonce_check(const char *secret, const char *nonce, int64_t now_s, int max_age_s)
{
	if (secret == NULL || nonce == NULL || strlen(nonce) != SIPB_DIGEST_NONCE_LEN)
		return -EINVAL;
	char ts[33], mac[33];
	memcpy(ts, nonce, 32);
	ts[32] = '\0';
	for (int i = 0; i < 32; i++)
		if (!g_ascii_isxdigit(ts[i]))
			return -EINVAL;
	hmac_hex(secret, ts, mac, sizeof(mac));
	if (!const_time_eq(mac, nonce + 32, 32))
		return -EINVAL;
	ts[16] = '\0';
	int64_t issued = (int64_t)g_ascii_strtoull(ts, NULL, 16);
	if (issued > now_s + 5 || now_s - issued > max_age_s)
		return -ETIMEDOUT;
	return 0;
}

int sipb_digest_nonce_issued(const char *nonce, int64_t *issued_s)
{
	if (nonce == NULL || strlen(nonce) < 16 || issued_s == NULL)
		return -EINVAL;
	char ts[17];
	memcpy(ts, nonce, 16);
	ts[16] = '\0';
	for (int i = 0; i < 16; i++)
		if (!g_ascii_isxdigit(ts[i]))
			return -EINVAL;
	*issued_s = (int64_t)g_ascii_strtoull(ts, NULL, 16);
	return 0;
}

typedef struct nonce_use {
	int64_t issued_s;
	guint64 nc; /* highest seen; G_MAXUINT64 once used without qop */
} nonce_use;

struct sipb_nonce_book {
	GMutex lock;
	GHashTable *used; /* nonce (owned) -> nonce_use (owned) */
	size_t max;
	int64_t horizon_s; /* nonces issued at or before this are refused (evicted) */
};

sipb_nonce_book *sipb_nonce_book_new(size_t max_nonces)
{
	sipb_nonce_book *b = g_new0(sipb_nonce_book, 1);
	g_mutex_init(&b->lock);
	b->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	b->max = max_nonces < 16 ? 16 : max_nonces;
	b->horizon_s = G_MININT64;
	return b;
}

void sipb_nonce_book_free(sipb_nonce_book *b)
{
	if (b == NULL)
		return;
	g_hash_table_destroy(b->used);
	g_mutex_clear(&b->lock);
	g_free(b);
}

/* Lock held: room for one more entry. Expired entries go first; when none has expired the
 * oldest is evicted and nothing issued up to its time is accepted any more (its replay
 * could no longer be recognised). */
static void book_make_room(sipb_nonce_book *b, int64_t now_s, int ttl_s)
{
	if (g_hash_table_size(b->used) < b->max)
		return;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, b->used);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (now_s - ((nonce_use *)v)->issued_s > ttl_s)
			g_hash_table_iter_remove(&it);
	while (g_hash_table_size(b->used) >= b->max) {
		int64_t t = G_MAXINT64;
		g_hash_table_iter_init(&it, b->used);
		while (g_hash_table_iter_next(&it, &k, &v))
			t = MIN(t, ((nonce_use *)v)->issued_s);
		b->horizon_s = MAX(b->horizon_s, t);
		/* everything issued in that second goes: the horizon refuses them anyway */
		g_hash_table_iter_init(&it, b->used);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (((nonce_use *)v)->issued_s <= b->horizon_s)
				g_hash_table_iter_remove(&it);
	}
}

int sipb_nonce_book_use(sipb_nonce_book *b, const char *nonce, const char *nc, int64_t issued_s,
	int64_t now_s, int ttl_s)
{
	if (b == NULL || nonce == NULL || nc == NULL)
		return -EINVAL;
	guint64 n = G_MAXUINT64;
	if (nc[0] != '\0') {
		if (strlen(nc) != 8 || strspn(nc, "0123456789abcdefABCDEF") != 8)
			return -EINVAL;
		n = g_ascii_strtoull(nc, NULL, 16);
		if (n == 0)
			return -EINVAL;
	}
	/* Only nonces of our lifetime window are vouched for (the caller checked the nonce; an
	 * out-of-window issue time here would also overflow the age arithmetic). */
	if (ttl_s < 0 || issued_s < now_s - ttl_s || issued_s > now_s + 60)
		return -EALREADY;
	int rc = 0;
	g_mutex_lock(&b->lock);
	nonce_use *u = g_hash_table_lookup(b->used, nonce);
	if (issued_s <= b->horizon_s) {
		rc = -EALREADY;
	} else if (u != NULL) {
		if (n == G_MAXUINT64 || u->nc == G_MAXUINT64 || n <= u->nc)
			rc = -EALREADY;
		else
			u->nc = n;
	} else {
		book_make_room(b, now_s, ttl_s);
		if (issued_s <= b->horizon_s) {
			rc = -EALREADY;
		} else {
			u = g_new0(nonce_use, 1);
			u->issued_s = issued_s;
			u->nc = n;
			g_hash_table_insert(b->used, g_strdup(nonce), u);
		}
	}
	g_mutex_unlock(&b->lock);
	return rc;
}

static int copy_value(const char *v, char *dst, size_t dstlen)
{
	size_t n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n >= dstlen)
		return -EINVAL;
	memcpy(dst, v, n);
	dst[n] = '\0';
	/* A quoted-string may hold escapes; none of our fields needs them, and a CR/LF or NUL
	 * in a value is never legitimate. */
	for (size_t i = 0; i < n; i++)
		if (dst[i] == '\r' || dst[i] == '\n')
			return -EINVAL;
	return 0;
}

int sipb_digest_creds_parse(const char *const *params, sipb_digest_creds *out)
{
	memset(out, 0, sizeof(*out));
	if (params == NULL)
		return -EINVAL;
	static const struct {
		const char *name;
		size_t off, len;
	} fields[] = {
#define F(n) { #n, offsetof(sipb_digest_creds, n), sizeof(((sipb_digest_creds *)0)->n) }
		F(username),
		F(realm),
		F(nonce),
		F(uri),
		F(response),
		F(qop),
		F(nc),
		F(cnonce),
		F(algorithm),
#undef F
	};
	for (int i = 0; params[i] != NULL && i < 64; i++) {
		const char *eq = strchr(params[i], '=');
		if (eq == NULL)
			continue;
		size_t nl = (size_t)(eq - params[i]);
		for (size_t f = 0; f < G_N_ELEMENTS(fields); f++) {
			if (strlen(fields[f].name) == nl
				&& g_ascii_strncasecmp(params[i], fields[f].name, nl) == 0) {
				if (copy_value(eq + 1, (char *)out + fields[f].off, fields[f].len)
					< 0)
					return -EINVAL;
				break;
			}
		}
	}
	return 0;
}

static void md5_hex(const char *s, char out[33])
{
	char *h = g_compute_checksum_for_string(G_CHECKSUM_MD5, s, -1);
	g_strlcpy(out, h, 33);
	g_free(h);
}

void sipb_digest_ha1(const char *username, const char *realm, const char *password, char out[33])
{
	char *a1 = g_strdup_printf("%s:%s:%s", username, realm, password);
	md5_hex(a1, out);
	memset(a1, 0, strlen(a1));
	g_free(a1);
}

void sipb_digest_response(
	const char *ha1, const char *method, const sipb_digest_creds *c, char out[33])
{
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

int sipb_digest_verify(const char *ha1, const char *method, const sipb_digest_creds *c)
{
	if (ha1 == NULL || method == NULL || c == NULL)
		return -EINVAL;
	if (c->algorithm[0] && g_ascii_strcasecmp(c->algorithm, "MD5") != 0)
		return -EINVAL;
	if (c->qop[0] && g_ascii_strcasecmp(c->qop, "auth") != 0)
		return -EINVAL;
	if (c->qop[0] && (c->nc[0] == '\0' || c->cnonce[0] == '\0'))
		return -EINVAL;
	if (strlen(c->response) != 32)
		return -EACCES;
	char expected[33];
	sipb_digest_response(ha1, method, c, expected);
	char given[33];
	for (int i = 0; i < 33; i++)
		given[i] = g_ascii_tolower(c->response[i]);
	return const_time_eq(expected, given, 32) ? 0 : -EACCES;
}
