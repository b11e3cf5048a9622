/*
 * sipb_digest.h - HTTP digest authentication for SIP REGISTER (RFC 3261 §22, RFC 2617/7616
 * with MD5 and qop=auth): stateless nonces and response checking. Pure functions, no SIP
 * stack, no I/O: the registrar feeds in the Authorization header's parameters.
 *
 * Nonces are "<16 hex: issue time in s>" + "<32 hex: HMAC-SHA256(secret, time) prefix>", so
 * the registrar keeps no nonce table and still refuses forged or expired nonces.
 *
 * Threads: any. Ownership: sipb_digest_creds_parse copies into fixed buffers (nothing to free).
 */
#ifndef TPAAS_SIPB_DIGEST_H
#define TPAAS_SIPB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SIPB_DIGEST_NONCE_LEN 48

typedef struct sipb_digest_creds {
	char username[64], realm[128], nonce[SIPB_DIGEST_NONCE_LEN + 1], uri[256], response[33];
	char qop[16], nc[9], cnonce[128], algorithm[16];
} sipb_digest_creds;

/* out gets SIPB_DIGEST_NONCE_LEN hex characters and a NUL. */
void sipb_digest_nonce_make(const char *secret, int64_t now_s, char out[SIPB_DIGEST_NONCE_LEN + 1]);
/* 0 when the nonce is ours and not older than max_age_s; -ETIMEDOUT when ours but expired
 * (the client may retry with a new one: stale=true); -EINVAL when not ours. */
int sipb_digest_nonce_check(const char *secret, const char *nonce, int64_t now_s, int max_age_s);

/* Reads the Digest parameters ("name=value" or name="value" strings, as Sofia's
 * msg_auth_t.au_params holds them; NULL-terminated). Missing ones are left empty; values
 * longer than the buffers make the whole call fail. 0 or -EINVAL. */
int sipb_digest_creds_parse(const char *const *params, sipb_digest_creds *out);

/* HA1 = MD5(username:realm:password) as 32 lowercase hex digits. */
void sipb_digest_ha1(const char *username, const char *realm, const char *password, char out[33]);
/* The expected response for creds with the given HA1 and request method (qop=auth or none). */
void sipb_digest_response(const char *ha1, const char *method, const sipb_digest_creds *c, char out[33]);
/* 0 when the response matches (constant-time compare), -EACCES otherwise; -EINVAL for an
 * unsupported algorithm or qop. */
int sipb_digest_verify(const char *ha1, const char *method, const sipb_digest_creds *c);

#endif
