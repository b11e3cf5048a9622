/*
 * sipb_registrar.h - the registrar of device accounts: digest authentication of REGISTER
 * against the account store (HA1 = MD5(username:realm:the account's SIP password), realm = the
 * SIP domain; the SIP password is the service-generated one, never the web password), wrong
 * credentials rate-limited per source address and per user name, and the binding table (several contacts per
 * account, each with its own expiry; Expires: 0 or "*" removes). Bindings live in memory
 * (devices re-register; a restart loses them until they do). With several nodes
 * (vmr_cluster.h on) every binding is also written to the shared store's sip_registrations,
 * and sipb_registrar_contacts adds the contacts registered through other nodes: the node
 * where a room runs dials an owner's device at its registered contact (which the REGISTER
 * check keeps at the registering address, or was vouched for by a trusted proxy), through
 * Kamailio when cluster_proxy is set (sipb_call_dialout).
 *
 * No SIP stack here: sipb_ua.c hands over the parsed parts of the request.
 *
 * Every correct answer counts once (nonce + nc are remembered): a replayed REGISTER gets a
 * fresh challenge with stale=true.
 *
 * Threads: every function may be called from any thread (one mutex; the store is
 * thread-safe). Ownership: the registrar borrows the store; strings handed in are copied;
 * sipb_registrar_contacts returns a new GPtrArray of g_strdup'ed URIs (g_ptr_array_unref).
 */
#ifndef TPAAS_SIPB_REGISTRAR_H
#define TPAAS_SIPB_REGISTRAR_H

#include <stdint.h>
#include <glib.h>
#include "vmr_store.h"

#define SIPB_REG_MAX_CONTACTS 10
#define SIPB_REG_MIN_EXPIRES  60
#define SIPB_REG_MAX_EXPIRES  3600
#define SIPB_REG_NONCE_TTL    300
#define SIPB_REG_NONCES_MAX   20000 /* used nonces remembered (see sipb_nonce_book_use) */

typedef struct sipb_registrar sipb_registrar;

sipb_registrar *sipb_registrar_new(vmr_store *store, const char *realm);
void sipb_registrar_free(sipb_registrar *reg);

typedef enum sipb_reg_verdict {
	SIPB_REG_OK = 0,
	SIPB_REG_CHALLENGE, /* 401 with a fresh challenge (stale says whether the nonce expired) */
	SIPB_REG_FORBIDDEN, /* 403: wrong credentials, unknown account or user mismatch */
	SIPB_REG_LOCKED, /* 403 too: too many failures from this source or for this user, retry_after_s */
	SIPB_REG_BAD, /* 400: unreadable credentials */
} sipb_reg_verdict;

typedef struct sipb_reg_auth {
	int64_t account_id;
	int stale;
	int replay; /* CHALLENGE because the answer had been used before */
	int retry_after_s;
} sipb_reg_auth;

/* Decides on a REGISTER for `username` (the To user) from source_ip (the address failures
 * count against: the device's own behind a trusted proxy, sipb_ua_client_ip). au_params: the
 * Authorization header's Digest parameters (NULL when there was none). now_us: monotonic,
 * for the rate limiter. */
sipb_reg_verdict sipb_registrar_authenticate(sipb_registrar *reg, const char *username,
	const char *method, const char *const *au_params, const char *source_ip, int64_t now_s,
	int64_t now_us, sipb_reg_auth *out);
/* A WWW-Authenticate value (g_free). */
char *sipb_registrar_challenge(sipb_registrar *reg, int64_t now_s, int stale);

/* Adds, refreshes (expires > 0) or removes (expires 0) one binding. expires is clamped to
 * SIPB_REG_MIN/MAX_EXPIRES; returns the expiry granted, 0 for a removal, or -ENOSPC when the
 * account has SIPB_REG_MAX_CONTACTS other bindings. */
int sipb_registrar_bind(sipb_registrar *reg, const char *username, const char *contact_uri,
	const char *source, int expires, int64_t now_s);
/* Reads an Expires value (the header or a Contact's expires parameter: delta-seconds, RFC 3261
 * §20.19 and §25.1, 1*DIGIT). Values past INT_MAX (4294967296, or 2^31 that an int cast would
 * make negative) saturate at INT_MAX, which sipb_registrar_bind caps to the maximum. 0, or
 * -EINVAL for anything else ("-1", "", "12abc", NULL): the REGISTER is a 400 and no binding
 * changes. */
int sipb_registrar_expires_parse(const char *s, int *out);
/* Removes every binding of username ("Contact: *"). */
void sipb_registrar_unbind_all(sipb_registrar *reg, const char *username);
/* The account's live contacts as "<uri>;expires=N", comma-separated (g_free), or NULL. */
char *sipb_registrar_contact_header(sipb_registrar *reg, const char *username, int64_t now_s);
/* The account's live contact URIs (new array; may be empty). */
GPtrArray *sipb_registrar_contacts(sipb_registrar *reg, const char *username, int64_t now_s);
/* Calls fn for every live binding (under the lock: fn must not call back). */
void sipb_registrar_foreach(sipb_registrar *reg, int64_t now_s,
	void (*fn)(void *opaque, const char *username, const char *contact, const char *source,
		int64_t expires_at),
	void *opaque);

#endif
