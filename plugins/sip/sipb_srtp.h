/*
 * sipb_srtp.h - SDES-SRTP (RFC 4568): the a=crypto attribute (parse the peer's, produce
 * ours with a fresh random key) and SRTP/SRTCP protection with libsrtp2 (RFC 3711).
 *
 * Suites: AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (RFC 4568 §6.2; with _32 the
 * SRTP tag is 32 bits and SRTCP keeps its 80-bit tag). Not supported (-ENOTSUP): MKI,
 * several keys in one attribute, session parameters (UNENCRYPTED_SRTP, KDR, ...).
 *
 * Threads: the crypto helpers are pure. A sipb_srtp context is used by one thread at a time
 * (libsrtp contexts are not thread-safe: the owner locks). srtp_init() runs once per process
 * (Janus calls it as well; a second call is harmless); srtp_shutdown() is never called
 * because Janus's own DTLS-SRTP shares the library.
 * Ownership: sipb_crypto is a plain value; sipb_crypto_format returns a g_malloc'd string;
 * sipb_srtp_new gives the caller a context it frees with sipb_srtp_free.
 */
#ifndef TPAAS_SIPB_SRTP_H
#define TPAAS_SIPB_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIPB_SRTP_KEY_LEN 30 /* 16-byte master key + 14-byte master salt */
#define SIPB_SRTP_MAX_OVERHEAD                                                                     \
	160 /* room after a packet for protect (libsrtp: SRTP_MAX_TRAILER_LEN + 4) */

typedef enum sipb_srtp_suite {
	SIPB_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
	SIPB_SRTP_AES_CM_128_HMAC_SHA1_32,
} sipb_srtp_suite;

typedef struct sipb_crypto {
	unsigned tag; /* 1..999999999 */
	sipb_srtp_suite suite;
	uint8_t key[SIPB_SRTP_KEY_LEN];
} sipb_crypto;

/* Parses an a=crypto value ("1 AES_CM_128_HMAC_SHA1_80 inline:<40 base64 chars>[|2^31]").
 * Returns 0, -EINVAL (malformed) or -ENOTSUP (suite, MKI or session parameter we lack). */
int sipb_crypto_parse(const char *value, sipb_crypto *out);
/* "<tag> <suite> inline:<key>" (g_malloc'd). */
char *sipb_crypto_format(const sipb_crypto *c);
/* A fresh random key (getrandom). Returns 0 or a negative errno. */
int sipb_crypto_generate(unsigned tag, sipb_srtp_suite suite, sipb_crypto *out);
const char *sipb_srtp_suite_name(sipb_srtp_suite suite);

typedef struct sipb_srtp sipb_srtp;

/* A context for our outgoing packets (outbound: any SSRC we send) or the peer's incoming
 * packets (inbound: any SSRC), keyed with c. Returns 0, -EINVAL or -EIO. */
int sipb_srtp_new(const sipb_crypto *c, bool outbound, sipb_srtp **out);
void sipb_srtp_free(sipb_srtp *s);
/* Protects in place: buf holds *len bytes and has room for cap (at least *len +
 * SIPB_SRTP_MAX_OVERHEAD). Returns 0, -ENOSPC or -EIO. */
int sipb_srtp_protect(sipb_srtp *s, bool is_rtcp, uint8_t *buf, size_t *len, size_t cap);
/* Authenticates and decrypts in place. Returns 0, or -EPROTO for a packet that fails
 * (forged, replayed, truncated). */
int sipb_srtp_unprotect(sipb_srtp *s, bool is_rtcp, uint8_t *buf, size_t *len);

#endif
