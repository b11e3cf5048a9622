/*
 * sipb_digest.h - HTTP digest authentication for SIP REGISTER (RFC 3261 §22, RFC 2617/7616
 * with MD5 and qop=auth): stateless nonces and response checking. Pure functions, no SIP
 * stack, no I/O: the registrar feeds in the Authorization header's parameters.
 *
 * Nonces are "<16 hex: issue time in s>" + "<16 hex: random>" + "<32 hex: HMAC-SHA256(secret,
 * time + random) prefix>", so forged or expired nonces are refused without a table, and no
 * two challenges share a nonce (the nonce book below tells their answers apart). Replays are not: a captured answer
 * stays valid for the nonce's lifetime (and digest does not cover the Contact). The nonce
 * book remembers, for every nonce answered correctly, the highest nonce-count (nc) used, so
 * each answer counts once (RFC 7616 §3.4/§5.5; as Kamailio's auth nonce_count and one-time
 * nonces do): a replay gets a fresh challenge with stale=true.
 *
 * Threads: any (the nonce book has a mutex). Ownership: sipb_digest_creds_parse copies into
 * fixed buffers (nothing to free); the book is freed with sipb_nonce_book_free.
 */
#ifndef TPAAS_SIPB_DIGEST_H
#define TPAAS_SIPB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SIPB_DIGEST_NONCE_LEN 64

typedef struct sipb_digest_creds {
	char username[64], realm[128], nonce[SIPB_DIGEST_NONCE_LEN + 1], uri[256], response[33];
	char qop[16], nc[9], cnonce[128], algorithm[16];
} sipb_digest_creds;

/* out gets SIPB_DIGEST_NONCE_LEN hex characters and a NUL. */
void sipb_digest_nonce_make(const char *secret, int64_t now_s, char out[SIPB_DIGEST_NONCE_LEN + 1]);
/* 0 when the nonce is ours and not older than max_age_s; -ETIMEDOUT when ours but expired
 * (the client may retry with a new one: stale=true); -EINVAL when not ours. */
int sipb_digest_nonce_check(const char *secret, const char *nonce, int64_t now_s, int max_age_s);

/* The issue time inside a nonce made by sipb_digest_nonce_make (unchecked: call
 * sipb_digest_nonce_check first). 0, or -EINVAL. */
int sipb_digest_nonce_issued(const char *nonce, int64_t *issued_s);

typedef struct sipb_nonce_book sipb_nonce_book;
/* Remembers up to max_nonces nonces (at least 16). */
sipb_nonce_book *sipb_nonce_book_new(size_t max_nonces);
void sipb_nonce_book_free(sipb_nonce_book *b);
/* Records a correct answer with nonce (issued at issued_s) and nc (8 hex digits as sent, or
 * "" without qop: then the nonce counts as used once). 0 when nc is above every nc used with
 * this nonce before; -EALREADY for a replay: nc not above (or the nonce was already used
 * without qop, or it is older than the book can vouch for after evicting at its cap);
 * -EINVAL for an unreadable nc. Nonces issued more than ttl_s before now_s (or more than
 * 60 s after it) are refused with -EALREADY and forgotten (they are expired anyway). */
int sipb_nonce_book_use(sipb_nonce_book *b, const char *nonce, const char *nc, int64_t issued_s,
	int64_t now_s, int ttl_s);

/* Reads the Digest parameters ("name=value" or name="value" strings, as Sofia's
 * msg_auth_t.au_params holds them; NULL-terminated). Missing ones are left empty; values
 * longer than the buffers make the whole call fail. 0 or -EINVAL. */
int sipb_digest_creds_parse(const char *const *params, sipb_digest_creds *out);

/* HA1 = MD5(username:realm:password) as 32 lowercase hex digits. */
void sipb_digest_ha1(const char *username, const char *realm, const char *password, char out[33]);
/* The expected response for creds with the given HA1 and request method (qop=auth or none). */
void sipb_digest_response(
	const char *ha1, const char *method, const sipb_digest_creds *c, char out[33]);
/* 0 when the response matches (constant-time compare), -EACCES otherwise; -EINVAL for an
 * unsupported algorithm or qop. */
int sipb_digest_verify(const char *ha1, const char *method, const sipb_digest_creds *c);

#endif
