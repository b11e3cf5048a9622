/*
 * sipb_registrar.c - see sipb_registrar.h.
 */
#include "sipb_registrar.h"
#include "sipb_digest.h"
#include "vmr_auth.h"
#include "vmr_cluster.h"
#include "vmr_log.h"
#include "vmr_ratelimit.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

typedef struct binding {
	char *contact, *source;
	int64_t expires_at;
} binding;

struct sipb_registrar {
	vmr_store *store;
	char *realm;
	char secret[65];              /* for stateless nonces; new at every start */
	vmr_ratelimit *failures;      /* per source address */
	vmr_ratelimit *user_failures; /* per user name: guesses spread over many addresses */
	sipb_nonce_book *nonces;      /* answers already used (replays get stale=true) */
	GMutex lock;
	GHashTable *bindings; /* username -> GPtrArray of binding */
};

static void binding_free(gpointer p)
{
	binding *b = p;
	g_free(b->contact);
	g_free(b->source);
	g_free(b);
}

static void bindings_free(gpointer p)
{
	g_ptr_array_unref(p);
}

sipb_registrar *sipb_registrar_new(vmr_store *store, const char *realm)
{
	sipb_registrar *reg = g_new0(sipb_registrar, 1);
	reg->store = store;
	reg->realm = g_strdup(realm);
	/* From the kernel (libsodium): GLib's g_random is a Mersenne Twister whose state other
	 * outputs of the process could reveal, and this secret is all a nonce's validity rests on. */
	char *secret = vmr_random_hex(32);
	if (secret == NULL)
		g_error("sipb_registrar: no randomness from the kernel for the nonce secret");
	g_strlcpy(reg->secret, secret, sizeof(reg->secret));
	g_free(secret);
	/* 5 wrong answers lock the address for 10 s, doubling up to 10 min */
	reg->failures = vmr_ratelimit_new(5, 10 * G_USEC_PER_SEC, 600 * G_USEC_PER_SEC);
	/* the same per user name (a botnet has many addresses; an account has one password) */
	reg->user_failures = vmr_ratelimit_new(5, 10 * G_USEC_PER_SEC, 600 * G_USEC_PER_SEC);
	reg->nonces = sipb_nonce_book_new(SIPB_REG_NONCES_MAX);
	g_mutex_init(&reg->lock);
	reg->bindings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, bindings_free);
	return reg;
}

void sipb_registrar_free(sipb_registrar *reg)
{
	if (reg == NULL)
		return;
	g_hash_table_destroy(reg->bindings);
	g_mutex_clear(&reg->lock);
	vmr_ratelimit_free(reg->failures);
	vmr_ratelimit_free(reg->user_failures);
	sipb_nonce_book_free(reg->nonces);
	g_free(reg->realm);
	g_free(reg);
}

char *sipb_registrar_challenge(sipb_registrar *reg, int64_t now_s, int stale)
{
	char nonce[SIPB_DIGEST_NONCE_LEN + 1];
	sipb_digest_nonce_make(reg->secret, now_s, nonce);
	return g_strdup_printf("Digest realm=\"%s\", nonce=\"%s\", qop=\"auth\", algorithm=MD5%s",
		reg->realm, nonce, stale ? ", stale=true" : "");
}

/* The digest check itself; the caller does the rate limiting. */
static sipb_reg_verdict sipb_registrar_check(sipb_registrar *reg, const char *username,
	const char *method, const char *const *au_params, int64_t now_s, sipb_reg_auth *out)
{
	if (au_params == NULL)
		return SIPB_REG_CHALLENGE;
	sipb_digest_creds c;
	if (sipb_digest_creds_parse(au_params, &c) < 0)
		return SIPB_REG_BAD;
	int rc = sipb_digest_nonce_check(reg->secret, c.nonce, now_s, SIPB_REG_NONCE_TTL);
	if (rc == -ETIMEDOUT) {
		out->stale = 1;
		return SIPB_REG_CHALLENGE;
	}
	if (rc < 0 || strcmp(c.realm, reg->realm) != 0)
		return SIPB_REG_CHALLENGE; /* not our challenge: issue one */
	sipb_reg_verdict v = SIPB_REG_FORBIDDEN;
	vmr_account acc;
	if (username != NULL && strcmp(c.username, username) == 0
		&& vmr_store_account_get_by_username(reg->store, c.username, &acc) == 0) {
		/* HA1 of the account's own SIP password (never the web password), realm = our domain */
		char ha1[33];
		if (acc.sip_password != NULL) {
			sipb_digest_ha1(acc.username, reg->realm, acc.sip_password, ha1);
			if (sipb_digest_verify(ha1, method, &c) == 0) {
				v = SIPB_REG_OK;
				out->account_id = acc.id;
			}
			memset(ha1, 0, sizeof(ha1));
		}
		vmr_account_clear(&acc);
	}
	int64_t issued = 0;
	if (v == SIPB_REG_OK
		&& (sipb_digest_nonce_issued(c.nonce, &issued) < 0
			|| sipb_nonce_book_use(reg->nonces, c.nonce, c.qop[0] ? c.nc : "", issued,
				   now_s, SIPB_REG_NONCE_TTL)
				< 0)) {
		/* The right answer, but already used: a replay (the Contact is not covered by the
		 * digest, so a captured REGISTER could re-bind anywhere). A fresh challenge with
		 * stale=true lets a real client retry at once; no failure is counted. */
		memset(out, 0, sizeof(*out));
		out->stale = 1;
		out->replay = 1;
		return SIPB_REG_CHALLENGE;
	}
	return v;
}

sipb_reg_verdict sipb_registrar_authenticate(sipb_registrar *reg, const char *username,
	const char *method, const char *const *au_params, const char *source_ip, int64_t now_s,
	int64_t now_us, sipb_reg_auth *out)
{
	memset(out, 0, sizeof(*out));
	char key[80];
	g_snprintf(key, sizeof(key), "sip-reg:%s", source_ip ? source_ip : "?");
	char *ukey = g_strdup_printf("sip-user:%s", username ? username : "?");
	if (vmr_ratelimit_check(reg->failures, key, now_us, &out->retry_after_s) == -EBUSY
		|| vmr_ratelimit_check(reg->user_failures, ukey, now_us, &out->retry_after_s)
			== -EBUSY) {
		g_free(ukey);
		return SIPB_REG_LOCKED;
	}
	sipb_reg_verdict v = sipb_registrar_check(reg, username, method, au_params, now_s, out);
	if (v == SIPB_REG_OK) {
		vmr_ratelimit_success(reg->failures, key);
		vmr_ratelimit_success(reg->user_failures, ukey);
	} else if (v == SIPB_REG_FORBIDDEN) {
		vmr_ratelimit_failure(reg->failures, key, now_us);
		vmr_ratelimit_failure(reg->user_failures, ukey, now_us);
	}
	g_free(ukey);
	return v;
}

/* Drops expired bindings of one account; lock held. */
static GPtrArray *live_bindings(sipb_registrar *reg, const char *username, int64_t now_s)
{
	GPtrArray *list = g_hash_table_lookup(reg->bindings, username);
	if (list == NULL)
		return NULL;
	for (guint i = list->len; i > 0; i--) {
		binding *b = list->pdata[i - 1];
		if (b->expires_at <= now_s)
			g_ptr_array_remove_index(list, i - 1);
	}
	if (list->len == 0) {
		g_hash_table_remove(reg->bindings, username);
		return NULL;
	}
	return list;
}

int sipb_registrar_bind(sipb_registrar *reg, const char *username, const char *contact_uri,
	const char *source, int expires, int64_t now_s)
{
	if (username == NULL || contact_uri == NULL || expires < 0)
		return -EINVAL;
	if (expires > 0 && expires < SIPB_REG_MIN_EXPIRES)
		expires = SIPB_REG_MIN_EXPIRES;
	if (expires > SIPB_REG_MAX_EXPIRES)
		expires = SIPB_REG_MAX_EXPIRES;
	int rc = expires;
	g_mutex_lock(&reg->lock);
	GPtrArray *list = live_bindings(reg, username, now_s);
	binding *found = NULL;
	guint idx = 0;
	for (guint i = 0; list != NULL && i < list->len; i++) {
		binding *b = list->pdata[i];
		if (strcmp(b->contact, contact_uri) == 0) {
			found = b;
			idx = i;
		}
	}
	if (expires == 0) {
		if (found != NULL)
			g_ptr_array_remove_index(list, idx);
		if (list != NULL && list->len == 0)
			g_hash_table_remove(reg->bindings, username);
	} else if (found != NULL) {
		found->expires_at = now_s + expires;
		g_free(found->source);
		found->source = g_strdup(source);
	} else if (list != NULL && list->len >= SIPB_REG_MAX_CONTACTS) {
		rc = -ENOSPC;
	} else {
		if (list == NULL) {
			list = g_ptr_array_new_with_free_func(binding_free);
			g_hash_table_insert(reg->bindings, g_strdup(username), list);
		}
		binding *b = g_new0(binding, 1);
		b->contact = g_strdup(contact_uri);
		b->source = g_strdup(source);
		b->expires_at = now_s + expires;
		g_ptr_array_add(list, b);
	}
	g_mutex_unlock(&reg->lock);
	/* Several nodes: the binding goes to the shared store too, so any node can dial it. */
	if (rc >= 0 && vmr_cluster_enabled()
		&& vmr_cluster_bind(username, contact_uri, source, expires ? now_s + expires : 0)
			< 0)
		vmr_log(VMR_LOG_WARN, "[sipbridge] registration of %s not shared with the cluster",
			username);
	return rc;
}

int sipb_registrar_expires_parse(const char *s, int *out)
{
	if (s == NULL || *s == '\0')
		return -EINVAL;
	long long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v <= INT_MAX) /* stop growing once past the cap: no overflow on any length */
			v = v * 10 + (*s - '0');
	}
	*out = v > INT_MAX ? INT_MAX : (int)v;
	return 0;
}

void sipb_registrar_unbind_all(sipb_registrar *reg, const char *username)
{
	g_mutex_lock(&reg->lock);
	g_hash_table_remove(reg->bindings, username);
	g_mutex_unlock(&reg->lock);
	if (vmr_cluster_enabled())
		vmr_cluster_unbind_all(username);
}

char *sipb_registrar_contact_header(sipb_registrar *reg, const char *username, int64_t now_s)
{
	GString *s = NULL;
	g_mutex_lock(&reg->lock);
	GPtrArray *list = live_bindings(reg, username, now_s);
	for (guint i = 0; list != NULL && i < list->len; i++) {
		binding *b = list->pdata[i];
		if (s == NULL)
			s = g_string_new(NULL);
		else
			g_string_append(s, ", ");
		g_string_append_printf(
			s, "<%s>;expires=%d", b->contact, (int)(b->expires_at - now_s));
	}
	g_mutex_unlock(&reg->lock);
	return s ? g_string_free(s, FALSE) : NULL;
}

GPtrArray *sipb_registrar_contacts(sipb_registrar *reg, const char *username, int64_t now_s)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_mutex_lock(&reg->lock);
	GPtrArray *list = live_bindings(reg, username, now_s);
	for (guint i = 0; list != NULL && i < list->len; i++)
		g_ptr_array_add(out, g_strdup(((binding *)list->pdata[i])->contact));
	g_mutex_unlock(&reg->lock);
	/* Several nodes: also the contacts registered through the other nodes. */
	GPtrArray *shared = vmr_cluster_enabled() ? vmr_cluster_bindings(username, now_s) : NULL;
	for (guint i = 0; shared != NULL && i < shared->len; i++) {
		const char *contact = ((vmr_sip_binding *)shared->pdata[i])->contact;
		gboolean seen = FALSE;
		for (guint j = 0; j < out->len && !seen; j++)
			seen = strcmp(out->pdata[j], contact) == 0;
		if (!seen && out->len < SIPB_REG_MAX_CONTACTS)
			g_ptr_array_add(out, g_strdup(contact));
	}
	if (shared != NULL)
		g_ptr_array_unref(shared);
	return out;
}

void sipb_registrar_foreach(sipb_registrar *reg, int64_t now_s,
	void (*fn)(void *opaque, const char *username, const char *contact, const char *source,
		int64_t expires_at),
	void *opaque)
{
	g_mutex_lock(&reg->lock);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, reg->bindings);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		GPtrArray *list = v;
		for (guint i = 0; i < list->len; i++) {
			binding *b = list->pdata[i];
			if (b->expires_at > now_s)
				fn(opaque, k, b->contact, b->source, b->expires_at);
		}
	}
	g_mutex_unlock(&reg->lock);
}
