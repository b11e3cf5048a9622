/*
 * sipb_registrar_test.c - the SIP bridge's registrar (sipb_registrar.c) on a real SQLite
 * store: digest challenges and their answers (computed here by hand with GChecksum MD5, per
 * RFC 2617 with qop=auth), wrong answers counted and locked per source address and per user
 * name, replays and expired nonces answered with a stale challenge, and the binding table
 * (expiry clamping, expiry, removal, the cap on contacts per account).
 *
 * The registrar takes both clocks from the caller, so the cases play minutes in no time.
 * The check that a Contact names the REGISTER's own host is not here: it lives in sipb_ua.c
 * (contact_host_ok, on Sofia's url_t) and is covered by the integration tests.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "sipb_registrar.h"
#include "vmr_store.h"

#define REALM "vmr.test"
#define T0    1800000000                       /* wall clock, s */
#define US0   ((int64_t)5000 * G_USEC_PER_SEC) /* monotonic clock, us */

typedef struct fixture {
	char *dir, *path;
	vmr_store *store;
	sipb_registrar *reg;
	int64_t alice_id;
} fixture;

static const char *const ALICE_PW = "0123456789abcdef0123456789abcdef";

static void add_account(fixture *f, const char *user, const char *sip_password, int64_t *id_out)
{
	int64_t id = 0;
	g_assert_cmpint(
		vmr_store_account_create(f->store, user, user, NULL, "$argon2id$v=19$test", 0, &id),
		==, 0);
	if (sip_password)
		g_assert_cmpint(
			vmr_store_account_set_sip_password(f->store, id, sip_password), ==, 0);
	if (id_out)
		*id_out = id;
}

static void setup(fixture *f, gconstpointer data)
{
	(void)data;
	f->dir = g_dir_make_tmp("sipb-registrar-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->path = g_build_filename(f->dir, "vmr.sqlite", NULL);
	char *uri = g_strconcat("sqlite:", f->path, NULL);
	g_assert_cmpint(vmr_store_open(uri, &f->store), ==, 0);
	g_free(uri);
	add_account(f, "alice", ALICE_PW, &f->alice_id);
	add_account(f, "bob", "fedcba9876543210fedcba9876543210", NULL);
	add_account(f, "carol", NULL, NULL); /* no SIP password: cannot REGISTER */
	f->reg = sipb_registrar_new(f->store, REALM);
}

static void teardown(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_registrar_free(f->reg);
	vmr_store_close(f->store);
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		char *p = g_strconcat(f->path, suffixes[i], NULL);
		g_unlink(p);
		g_free(p);
	}
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

/* ---- a client that answers challenges ---- */

static char *md5_hex(const char *s)
{
	return g_compute_checksum_for_string(G_CHECKSUM_MD5, s, -1);
}

/* The nonce out of a WWW-Authenticate value (g_free). */
static char *nonce_of(const char *challenge)
{
	const char *n = strstr(challenge, "nonce=\"");
	g_assert_nonnull(n);
	n += strlen("nonce=\"");
	const char *end = strchr(n, '"');
	g_assert_nonnull(end);
	return g_strndup(n, end - n);
}

/* The Authorization parameters (as Sofia's au_params) of an answer to `nonce` by `user` with
 * `password` and nonce count nc. Free with g_strfreev. */
static char **answer(const char *user, const char *password, const char *nonce, unsigned nc)
{
	const char *uri = "sip:" REALM, *cnonce = "c0ffee42";
	char ncs[9];
	g_snprintf(ncs, sizeof(ncs), "%08x", nc);
	char *a1 = g_strdup_printf("%s:%s:%s", user, REALM, password);
	char *ha1 = md5_hex(a1);
	char *a2 = g_strdup_printf("REGISTER:%s", uri);
	char *ha2 = md5_hex(a2);
	char *kd = g_strdup_printf("%s:%s:%s:%s:auth:%s", ha1, nonce, ncs, cnonce, ha2);
	char *response = md5_hex(kd);
	char **p = g_new0(char *, 10);
	p[0] = g_strdup_printf("username=\"%s\"", user);
	p[1] = g_strdup("realm=\"" REALM "\"");
	p[2] = g_strdup_printf("nonce=\"%s\"", nonce);
	p[3] = g_strdup_printf("uri=\"%s\"", uri);
	p[4] = g_strdup_printf("response=\"%s\"", response);
	p[5] = g_strdup("algorithm=MD5");
	p[6] = g_strdup_printf("cnonce=\"%s\"", cnonce);
	p[7] = g_strdup("qop=auth");
	p[8] = g_strdup_printf("nc=%s", ncs);
	g_free(a1);
	g_free(ha1);
	g_free(a2);
	g_free(ha2);
	g_free(kd);
	g_free(response);
	return p;
}

/* One REGISTER of `to_user` answering a fresh challenge as `user`/`password`. */
static sipb_reg_verdict try_register(fixture *f, const char *to_user, const char *user,
	const char *password, const char *source, int64_t now_s, int64_t now_us, sipb_reg_auth *out)
{
	char *ch = sipb_registrar_challenge(f->reg, now_s, 0);
	char *nonce = nonce_of(ch);
	char **p = answer(user, password, nonce, 1);
	sipb_reg_verdict v = sipb_registrar_authenticate(
		f->reg, to_user, "REGISTER", (const char *const *)p, source, now_s, now_us, out);
	g_strfreev(p);
	g_free(nonce);
	g_free(ch);
	return v;
}

/* ---- authentication ---- */

static void test_no_credentials_get_a_challenge(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	g_assert_cmpint(sipb_registrar_authenticate(
				f->reg, "alice", "REGISTER", NULL, "192.0.2.1", T0, US0, &out),
		==, SIPB_REG_CHALLENGE);
	g_assert_false(out.stale);
	g_assert_cmpint(out.account_id, ==, 0);
	char *ch = sipb_registrar_challenge(f->reg, T0, 0);
	g_assert_true(g_str_has_prefix(ch, "Digest realm=\"" REALM "\", nonce=\""));
	g_assert_nonnull(strstr(ch, "qop=\"auth\""));
	g_assert_nonnull(strstr(ch, "algorithm=MD5"));
	g_assert_null(strstr(ch, "stale"));
	/* Every challenge has its own nonce. */
	char *ch2 = sipb_registrar_challenge(f->reg, T0, 1);
	char *n1 = nonce_of(ch), *n2 = nonce_of(ch2);
	g_assert_cmpstr(n1, !=, n2);
	g_assert_nonnull(strstr(ch2, "stale=true"));
	g_free(n1);
	g_free(n2);
	g_free(ch);
	g_free(ch2);
	/* Many requests without credentials lock nothing. */
	for (int i = 0; i < 20; i++)
		g_assert_cmpint(sipb_registrar_authenticate(f->reg, "alice", "REGISTER", NULL,
					"192.0.2.1", T0, US0, &out),
			==, SIPB_REG_CHALLENGE);
	g_assert_cmpint(try_register(f, "alice", "alice", ALICE_PW, "192.0.2.1", T0, US0, &out), ==,
		SIPB_REG_OK);
}

static void test_the_right_answer_is_accepted(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	g_assert_cmpint(try_register(f, "alice", "alice", ALICE_PW, "192.0.2.1", T0, US0, &out), ==,
		SIPB_REG_OK);
	g_assert_cmpint(out.account_id, ==, f->alice_id);
	g_assert_false(out.stale);
	g_assert_false(out.replay);
}

static void test_wrong_password_unknown_user_and_user_mismatch_are_forbidden(
	fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	g_assert_cmpint(try_register(f, "alice", "alice", "ffffffffffffffffffffffffffffffff",
				"192.0.2.1", T0, US0, &out),
		==, SIPB_REG_FORBIDDEN);
	g_assert_cmpint(out.account_id, ==, 0);
	g_assert_cmpint(try_register(f, "nobody", "nobody", ALICE_PW, "192.0.2.2", T0, US0, &out),
		==, SIPB_REG_FORBIDDEN);
	/* bob's right answer does not register alice's address */
	g_assert_cmpint(try_register(f, "alice", "bob", "fedcba9876543210fedcba9876543210",
				"192.0.2.3", T0, US0, &out),
		==, SIPB_REG_FORBIDDEN);
	/* an account without a SIP password cannot register with any password */
	g_assert_cmpint(try_register(f, "carol", "carol", "", "192.0.2.4", T0, US0, &out), ==,
		SIPB_REG_FORBIDDEN);
	g_assert_cmpint(try_register(f, "carol", "carol", "$argon2id$v=19$test", "192.0.2.4", T0,
				US0, &out),
		==, SIPB_REG_FORBIDDEN);
}

static void test_five_wrong_answers_lock_the_source(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	/* Different (unknown) user names, so only the source's count reaches 5. */
	for (int i = 0; i < 5; i++) {
		char *user = g_strdup_printf("guess%d", i);
		g_assert_cmpint(try_register(f, user, user, "x", "198.51.100.7", T0, US0 + i, &out),
			==, SIPB_REG_FORBIDDEN);
		g_free(user);
	}
	g_assert_cmpint(
		try_register(f, "alice", "alice", ALICE_PW, "198.51.100.7", T0, US0 + 10, &out), ==,
		SIPB_REG_LOCKED);
	g_assert_cmpint(out.retry_after_s, >=, 9);
	g_assert_cmpint(out.retry_after_s, <=, 10);
	g_assert_cmpint(out.account_id, ==, 0);
	/* Even without credentials: no challenge for a locked source. */
	g_assert_cmpint(sipb_registrar_authenticate(f->reg, "alice", "REGISTER", NULL,
				"198.51.100.7", T0, US0 + 10, &out),
		==, SIPB_REG_LOCKED);
	/* Another source is not affected. */
	g_assert_cmpint(
		try_register(f, "alice", "alice", ALICE_PW, "198.51.100.8", T0, US0 + 10, &out), ==,
		SIPB_REG_OK);
	/* After the lock (10 s) the source may try again; one more wrong answer locks it twice as long. */
	int64_t later = US0 + 11 * G_USEC_PER_SEC;
	g_assert_cmpint(try_register(f, "bob", "bob", "x", "198.51.100.7", T0 + 11, later, &out),
		==, SIPB_REG_FORBIDDEN);
	g_assert_cmpint(try_register(f, "alice", "alice", ALICE_PW, "198.51.100.7", T0 + 11,
				later + 1, &out),
		==, SIPB_REG_LOCKED);
	g_assert_cmpint(out.retry_after_s, >=, 19);
	g_assert_cmpint(out.retry_after_s, <=, 20);
}

static void test_five_wrong_answers_lock_the_user_from_every_source(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	for (int i = 0; i < 5; i++) {
		char *src = g_strdup_printf("203.0.113.%d", i + 1);
		g_assert_cmpint(try_register(f, "alice", "alice", "wrong", src, T0, US0 + i, &out),
			==, SIPB_REG_FORBIDDEN);
		g_free(src);
	}
	g_assert_cmpint(
		try_register(f, "alice", "alice", ALICE_PW, "203.0.113.100", T0, US0 + 10, &out),
		==, SIPB_REG_LOCKED);
	g_assert_cmpint(out.retry_after_s, >=, 9);
	/* Another user from one of those sources is not affected. */
	g_assert_cmpint(try_register(f, "bob", "bob", "fedcba9876543210fedcba9876543210",
				"203.0.113.1", T0, US0 + 10, &out),
		==, SIPB_REG_OK);
	/* Once the lock is over the right answer gets in and clears the count. */
	int64_t later = US0 + 11 * G_USEC_PER_SEC;
	g_assert_cmpint(
		try_register(f, "alice", "alice", ALICE_PW, "203.0.113.100", T0 + 11, later, &out),
		==, SIPB_REG_OK);
	for (int i = 0; i < 4; i++)
		g_assert_cmpint(try_register(f, "alice", "alice", "wrong", "203.0.113.50", T0 + 11,
					later + i, &out),
			==, SIPB_REG_FORBIDDEN);
	g_assert_cmpint(try_register(f, "alice", "alice", ALICE_PW, "203.0.113.100", T0 + 11,
				later + 10, &out),
		==, SIPB_REG_OK);
}

static void test_a_replayed_answer_gets_a_stale_challenge(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	char *ch = sipb_registrar_challenge(f->reg, T0, 0);
	char *nonce = nonce_of(ch);
	char **p1 = answer("alice", ALICE_PW, nonce, 1);
	g_assert_cmpint(sipb_registrar_authenticate(f->reg, "alice", "REGISTER",
				(const char *const *)p1, "192.0.2.1", T0, US0, &out),
		==, SIPB_REG_OK);
	/* The same answer again (a captured REGISTER), from anywhere: a fresh challenge, not counted. */
	for (int i = 0; i < 8; i++) {
		g_assert_cmpint(
			sipb_registrar_authenticate(f->reg, "alice", "REGISTER",
				(const char *const *)p1, "192.0.2.66", T0 + 1, US0 + i, &out),
			==, SIPB_REG_CHALLENGE);
		g_assert_true(out.stale);
		g_assert_true(out.replay);
		g_assert_cmpint(out.account_id, ==, 0);
	}
	/* The real client counts on with the same nonce: accepted; the source was never locked. */
	char **p2 = answer("alice", ALICE_PW, nonce, 2);
	g_assert_cmpint(sipb_registrar_authenticate(f->reg, "alice", "REGISTER",
				(const char *const *)p2, "192.0.2.66", T0 + 2, US0 + 10, &out),
		==, SIPB_REG_OK);
	/* A lower count than one already used is a replay too. */
	g_assert_cmpint(sipb_registrar_authenticate(f->reg, "alice", "REGISTER",
				(const char *const *)p1, "192.0.2.1", T0 + 3, US0 + 11, &out),
		==, SIPB_REG_CHALLENGE);
	g_assert_true(out.replay);
	g_strfreev(p1);
	g_strfreev(p2);
	g_free(nonce);
	g_free(ch);
}

static void test_an_expired_nonce_gets_a_stale_challenge(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	char *ch = sipb_registrar_challenge(f->reg, T0, 0);
	char *nonce = nonce_of(ch);
	char **p = answer("alice", ALICE_PW, nonce, 1);
	g_assert_cmpint(
		sipb_registrar_authenticate(f->reg, "alice", "REGISTER", (const char *const *)p,
			"192.0.2.1", T0 + SIPB_REG_NONCE_TTL + 1, US0, &out),
		==, SIPB_REG_CHALLENGE);
	g_assert_true(out.stale);
	g_assert_false(out.replay);
	g_strfreev(p);
	g_free(nonce);
	g_free(ch);
}

static void test_a_nonce_not_from_this_registrar_gets_a_plain_challenge(
	fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	/* Another registrar (another secret) made this nonce. */
	sipb_registrar *other = sipb_registrar_new(f->store, REALM);
	char *ch = sipb_registrar_challenge(other, T0, 0);
	char *nonce = nonce_of(ch);
	char **p = answer("alice", ALICE_PW, nonce, 1);
	g_assert_cmpint(sipb_registrar_authenticate(f->reg, "alice", "REGISTER",
				(const char *const *)p, "192.0.2.1", T0, US0, &out),
		==, SIPB_REG_CHALLENGE);
	g_assert_false(out.stale);
	g_assert_cmpint(out.account_id, ==, 0);
	g_strfreev(p);
	g_free(nonce);
	g_free(ch);
	sipb_registrar_free(other);
	/* A made-up nonce, too. */
	char **q = answer("alice", ALICE_PW, "00000000deadbeef", 1);
	g_assert_cmpint(sipb_registrar_authenticate(f->reg, "alice", "REGISTER",
				(const char *const *)q, "192.0.2.1", T0, US0, &out),
		==, SIPB_REG_CHALLENGE);
	g_strfreev(q);
}

static void test_unreadable_credentials_are_bad(fixture *f, gconstpointer data)
{
	(void)data;
	sipb_reg_auth out;
	char *big = g_strnfill(600, 'a');
	char *param = g_strdup_printf("username=\"%s\"", big);
	const char *const p[] = { param, NULL };
	g_assert_cmpint(sipb_registrar_authenticate(
				f->reg, "alice", "REGISTER", p, "192.0.2.1", T0, US0, &out),
		==, SIPB_REG_BAD);
	g_free(param);
	g_free(big);
}

/* ---- bindings ---- */

static void test_expiry_is_clamped_and_bindings_expire(fixture *f, gconstpointer data)
{
	(void)data;
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.1:5060",
				"192.0.2.1:5060", 10, T0),
		==, SIPB_REG_MIN_EXPIRES);
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.2:5060",
				"192.0.2.2:5060", 100000, T0),
		==, SIPB_REG_MAX_EXPIRES);
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.3:5060",
				"192.0.2.3:5060", 600, T0),
		==, 600);
	char *h = sipb_registrar_contact_header(f->reg, "alice", T0);
	g_assert_cmpstr(h, ==,
		"<sip:alice@192.0.2.1:5060>;expires=60, <sip:alice@192.0.2.2:5060>;expires=3600, "
		"<sip:alice@192.0.2.3:5060>;expires=600");
	g_free(h);
	GPtrArray *c = sipb_registrar_contacts(f->reg, "alice", T0 + SIPB_REG_MIN_EXPIRES);
	g_assert_cmpuint(c->len, ==, 2); /* the 60 s one is gone at its expiry */
	g_ptr_array_unref(c);
	c = sipb_registrar_contacts(f->reg, "alice", T0 + 600);
	g_assert_cmpuint(c->len, ==, 1);
	g_assert_cmpstr(c->pdata[0], ==, "sip:alice@192.0.2.2:5060");
	g_ptr_array_unref(c);
	c = sipb_registrar_contacts(f->reg, "alice", T0 + SIPB_REG_MAX_EXPIRES);
	g_assert_cmpuint(c->len, ==, 0);
	g_ptr_array_unref(c);
	g_assert_null(sipb_registrar_contact_header(f->reg, "alice", T0 + SIPB_REG_MAX_EXPIRES));
	g_assert_cmpint(
		sipb_registrar_bind(f->reg, "alice", "sip:x@192.0.2.1", "192.0.2.1:5060", -1, T0),
		==, -EINVAL);
}

/* Issue 18: an int cast made Expires 4294967296 a removal (0) and 2^31 negative. */
static void test_huge_expires_saturate_and_signs_are_refused(fixture *f, gconstpointer data)
{
	(void)data;
	int v = -7;
	g_assert_cmpint(sipb_registrar_expires_parse("600", &v), ==, 0);
	g_assert_cmpint(v, ==, 600);
	g_assert_cmpint(sipb_registrar_expires_parse("0", &v), ==, 0);
	g_assert_cmpint(v, ==, 0);
	const char *huge[] = { "4294967296", "2147483648", "2147483647",
		"99999999999999999999999999", "18446744073709551616" };
	for (size_t i = 0; i < G_N_ELEMENTS(huge); i++) {
		v = 0;
		g_assert_cmpint(sipb_registrar_expires_parse(huge[i], &v), ==, 0);
		g_assert_cmpint(v, ==, G_MAXINT);
		/* and the bind caps it: the binding stays, for the maximum */
		g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.1:5060",
					"192.0.2.1:5060", v, T0),
			==, SIPB_REG_MAX_EXPIRES);
	}
	const char *bad[] = { "-1", "", "12abc", "+5", " 5", "5 ", "0x10", "1e9" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		v = 42;
		g_assert_cmpint(sipb_registrar_expires_parse(bad[i], &v), ==, -EINVAL);
		g_assert_cmpint(v, ==, 42);
	}
	g_assert_cmpint(sipb_registrar_expires_parse(NULL, &v), ==, -EINVAL);
	GPtrArray *c = sipb_registrar_contacts(f->reg, "alice", T0 + SIPB_REG_MAX_EXPIRES - 1);
	g_assert_cmpuint(c->len, ==, 1);
	g_ptr_array_unref(c);
}

static void test_a_refresh_extends_the_same_binding(fixture *f, gconstpointer data)
{
	(void)data;
	g_assert_cmpint(sipb_registrar_bind(
				f->reg, "alice", "sip:alice@192.0.2.1", "192.0.2.1:5060", 120, T0),
		==, 120);
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.1",
				"192.0.2.1:5062", 120, T0 + 100),
		==, 120);
	char *h = sipb_registrar_contact_header(f->reg, "alice", T0 + 150);
	g_assert_cmpstr(h, ==, "<sip:alice@192.0.2.1>;expires=70");
	g_free(h);
}

typedef struct seen {
	GString *log;
} seen;

static void record(void *opaque, const char *username, const char *contact, const char *source,
	int64_t expires_at)
{
	seen *s = opaque;
	g_string_append_printf(s->log, "%s %s %s %" G_GINT64_FORMAT ";", username, contact, source,
		expires_at - T0);
}

static void test_expires_zero_and_star_unregister(fixture *f, gconstpointer data)
{
	(void)data;
	g_assert_cmpint(sipb_registrar_bind(
				f->reg, "alice", "sip:alice@192.0.2.1", "192.0.2.1:5060", 300, T0),
		==, 300);
	g_assert_cmpint(sipb_registrar_bind(
				f->reg, "alice", "sip:alice@192.0.2.9", "192.0.2.9:5060", 300, T0),
		==, 300);
	g_assert_cmpint(
		sipb_registrar_bind(f->reg, "bob", "sip:bob@192.0.2.5", "192.0.2.5:5060", 300, T0),
		==, 300);
	/* Expires: 0 removes that one contact. */
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.1",
				"192.0.2.1:5060", 0, T0 + 1),
		==, 0);
	GPtrArray *c = sipb_registrar_contacts(f->reg, "alice", T0 + 1);
	g_assert_cmpuint(c->len, ==, 1);
	g_assert_cmpstr(c->pdata[0], ==, "sip:alice@192.0.2.9");
	g_ptr_array_unref(c);
	/* Removing a contact that is not bound changes nothing. */
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.77",
				"192.0.2.77:5060", 0, T0 + 1),
		==, 0);
	seen s = { g_string_new(NULL) };
	sipb_registrar_foreach(f->reg, T0 + 1, record, &s);
	g_assert_true(strstr(s.log->str, "alice sip:alice@192.0.2.9 192.0.2.9:5060 300;") != NULL);
	g_assert_true(strstr(s.log->str, "bob sip:bob@192.0.2.5 192.0.2.5:5060 300;") != NULL);
	g_assert_null(strstr(s.log->str, "192.0.2.1"));
	g_string_free(s.log, TRUE);
	/* Contact: * removes all of alice's, none of bob's. */
	sipb_registrar_unbind_all(f->reg, "alice");
	c = sipb_registrar_contacts(f->reg, "alice", T0 + 1);
	g_assert_cmpuint(c->len, ==, 0);
	g_ptr_array_unref(c);
	c = sipb_registrar_contacts(f->reg, "bob", T0 + 1);
	g_assert_cmpuint(c->len, ==, 1);
	g_ptr_array_unref(c);
}

static void test_an_account_has_at_most_ten_contacts(fixture *f, gconstpointer data)
{
	(void)data;
	for (int i = 0; i < SIPB_REG_MAX_CONTACTS; i++) {
		char *uri = g_strdup_printf("sip:alice@192.0.2.1:%d", 5060 + i);
		g_assert_cmpint(
			sipb_registrar_bind(f->reg, "alice", uri, "192.0.2.1:5060", 300, T0), ==,
			300);
		g_free(uri);
	}
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.1:6000",
				"192.0.2.1:5060", 300, T0),
		==, -ENOSPC);
	/* Refreshing one that is there still works; another account is not affected. */
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.1:5060",
				"192.0.2.1:5060", 300, T0),
		==, 300);
	g_assert_cmpint(
		sipb_registrar_bind(f->reg, "bob", "sip:bob@192.0.2.5", "192.0.2.5:5060", 300, T0),
		==, 300);
	/* Expired ones make room. */
	g_assert_cmpint(sipb_registrar_bind(f->reg, "alice", "sip:alice@192.0.2.1:6000",
				"192.0.2.1:5060", 300, T0 + 300),
		==, 300);
	GPtrArray *c = sipb_registrar_contacts(f->reg, "alice", T0 + 300);
	g_assert_cmpuint(c->len, ==, 1);
	g_ptr_array_unref(c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/sipb/registrar/" path, fixture, NULL, setup, fn, teardown)
	ADD("auth/no-credentials-get-a-challenge", test_no_credentials_get_a_challenge);
	ADD("auth/the-right-answer-is-accepted", test_the_right_answer_is_accepted);
	ADD("auth/wrong-password-unknown-user-and-user-mismatch-are-forbidden",
		test_wrong_password_unknown_user_and_user_mismatch_are_forbidden);
	ADD("auth/five-wrong-answers-lock-the-source-with-backoff",
		test_five_wrong_answers_lock_the_source);
	ADD("auth/five-wrong-answers-lock-the-user-from-every-source",
		test_five_wrong_answers_lock_the_user_from_every_source);
	ADD("auth/a-replayed-answer-gets-a-stale-challenge-and-is-not-counted",
		test_a_replayed_answer_gets_a_stale_challenge);
	ADD("auth/an-expired-nonce-gets-a-stale-challenge",
		test_an_expired_nonce_gets_a_stale_challenge);
	ADD("auth/a-foreign-nonce-gets-a-plain-challenge",
		test_a_nonce_not_from_this_registrar_gets_a_plain_challenge);
	ADD("auth/unreadable-credentials-are-bad", test_unreadable_credentials_are_bad);
	ADD("bind/expiry-is-clamped-and-bindings-expire",
		test_expiry_is_clamped_and_bindings_expire);
	ADD("bind/huge-expires-saturate-and-signs-are-refused",
		test_huge_expires_saturate_and_signs_are_refused);
	ADD("bind/a-refresh-extends-the-same-binding", test_a_refresh_extends_the_same_binding);
	ADD("bind/expires-zero-and-star-unregister", test_expires_zero_and_star_unregister);
	ADD("bind/an-account-has-at-most-ten-contacts", test_an_account_has_at_most_ten_contacts);
	return g_test_run();
}
