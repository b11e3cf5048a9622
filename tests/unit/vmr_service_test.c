/*
 * vmr_service_test.c - the product logic behind janus.plugin.vmr (vmr_service.c), driven
 * through its public API as the plugin drives it: JSON requests parsed by vmr_request_parse,
 * one vmr_client per Janus handle, on a real SQLite store in a temp dir. Logins and their
 * lockouts (per user name and per source), sessions (logout, expiry, resume), who may join a
 * room (no PIN, PIN, the shared PIN guard, the owner, invitations), room settings and the SIP
 * password.
 *
 * The service reads the real clocks (monotonic for the rate limiters, wall-clock for
 * sessions): lock lengths are checked through the retry_after it reports, not by waiting,
 * and session expiry with a 1 s session lifetime and a 2.5 s sleep.
 *
 * One service is shared by the cases (argon2 hashing is slow under valgrind); each case uses
 * its own user names, room names and sources, and the PIN guard is the process's shared one
 * (vmr_pinguard_shared), so sources and rooms are never reused across cases.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>

#include "vmr_pinguard.h"
#include "vmr_service.h"
#include "vmr_store.h"

static char *tmpdir, *store_uri;
static vmr_service *svc;

#define PASSWORD "correct horse battery"

/* ---- helpers ---- */

/* Sends one request (JSON text) as the plugin does; returns the reply (json_decref). */
static json_t *call_fx(vmr_service *s, vmr_client *c, int admin, const char *text, vmr_effects *fx)
{
	json_error_t jerr;
	json_t *msg = json_loads(text, 0, &jerr);
	g_assert_nonnull(msg);
	vmr_request req;
	char reason[256];
	int rc = vmr_request_parse(msg, admin, &req, reason, sizeof(reason));
	if (rc != VMR_OK)
		g_error("request %s refused by the parser: %s", text, reason);
	json_t *reply = vmr_service_handle(s, c, &req, fx);
	json_decref(msg);
	g_assert_nonnull(reply);
	return reply;
}

static json_t *call(vmr_client *c, const char *text)
{
	return call_fx(svc, c, 0, text, NULL);
}

/* The reply's error_code, 0 for a success. */
static int code_of(json_t *reply)
{
	json_t *e = json_object_get(reply, "error_code");
	return e ? (int)json_integer_value(e) : 0;
}

/* Sends a request and returns only its error code (0: success). */
static int call_code(vmr_client *c, const char *text)
{
	json_t *r = call(c, text);
	int code = code_of(r);
	json_decref(r);
	return code;
}

static vmr_client client_from(const char *source)
{
	vmr_client c = { 0 };
	c.source = g_strdup(source);
	return c;
}

/* Creates an account (and its personal room, PIN optional) through the admin request. */
static void make_account(const char *user, const char *pin)
{
	vmr_client admin = client_from("admin");
	char *text = pin
		? g_strdup_printf(
			"{\"request\":\"create_account\",\"username\":\"%s\",\"password\":\"%s\","
			"\"email\":\"%s@example.org\",\"pin\":\"%s\"}",
			user, PASSWORD, user, pin)
		: g_strdup_printf(
			"{\"request\":\"create_account\",\"username\":\"%s\",\"password\":\"%s\","
			"\"email\":\"%s@example.org\"}",
			user, PASSWORD, user);
	json_t *r = call_fx(svc, &admin, 1, text, NULL);
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_cmpstr(json_string_value(json_object_get(r, "vmr")), ==, "account");
	json_decref(r);
	g_free(text);
	vmr_client_clear(&admin);
}

static json_t *login_reply(vmr_client *c, const char *user, const char *password)
{
	char *text = g_strdup_printf(
		"{\"request\":\"login\",\"username\":\"%s\",\"password\":\"%s\"}", user, password);
	json_t *r = call(c, text);
	g_free(text);
	return r;
}

static int login(vmr_client *c, const char *user, const char *password)
{
	json_t *r = login_reply(c, user, password);
	int code = code_of(r);
	json_decref(r);
	return code;
}

/* Asks to join; returns the code, the grant in *g (vmr_join_grant_clear) and the reason. */
static int join(vmr_client *c, const char *text, vmr_join_grant *g, const char **reason)
{
	json_t *msg = json_loads(text, 0, NULL);
	g_assert_nonnull(msg);
	vmr_request req;
	char why[256];
	g_assert_cmpint(vmr_request_parse(msg, 0, &req, why, sizeof(why)), ==, VMR_OK);
	const char *r = NULL;
	int code = vmr_service_authorize_join(svc, c, &req, g, &r);
	json_decref(msg);
	if (reason)
		*reason = code == VMR_OK ? NULL : r;
	return code;
}

static int join_code(vmr_client *c, const char *text)
{
	vmr_join_grant g;
	int code = join(c, text, &g, NULL);
	vmr_join_grant_clear(&g);
	return code;
}

/* ---- login ---- */

static void test_login_right_password_opens_a_session(void)
{
	make_account("lina", NULL);
	vmr_client c = client_from("10.1.0.1");
	g_assert_cmpint(call_code(&c, "{\"request\":\"get_room\"}"), ==, VMR_ERROR_NOT_LOGGED_IN);
	json_t *r = login_reply(&c, "lina", PASSWORD);
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_cmpstr(json_string_value(json_object_get(r, "vmr")), ==, "login");
	g_assert_cmpuint(strlen(json_string_value(json_object_get(r, "token"))), ==, 48);
	g_assert_cmpint(json_integer_value(json_object_get(r, "expires_at")), >,
		g_get_real_time() / G_USEC_PER_SEC);
	json_t *acc = json_object_get(r, "account");
	g_assert_cmpstr(json_string_value(json_object_get(acc, "username")), ==, "lina");
	g_assert_nonnull(json_string_value(json_object_get(acc, "sip_password")));
	g_assert_cmpstr(json_string_value(json_object_get(json_object_get(r, "room"), "address")),
		==, "lina.join");
	json_decref(r);
	g_assert_cmpint(c.account_id, >, 0);
	r = call(&c, "{\"request\":\"get_room\"}");
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_cmpstr(
		json_string_value(json_object_get(json_object_get(r, "room"), "sip_address")), ==,
		"lina.join@vmr.test");
	json_decref(r);
	vmr_client_clear(&c);
}

static void test_wrong_password_and_unknown_user_get_the_same_answer(void)
{
	make_account("marek", NULL);
	vmr_client c = client_from("10.2.0.1");
	json_t *wrong = login_reply(&c, "marek", "not the password");
	json_t *unknown = login_reply(&c, "nobody-here", PASSWORD);
	g_assert_cmpint(code_of(wrong), ==, VMR_ERROR_LOGIN_FAILED);
	g_assert_true(json_equal(wrong, unknown));
	g_assert_cmpint(c.account_id, ==, 0);
	g_assert_null(c.token_hash);
	json_decref(wrong);
	json_decref(unknown);
	vmr_client_clear(&c);
}

static void test_five_wrong_passwords_lock_the_user_from_every_source(void)
{
	make_account("nadia", NULL);
	for (int i = 0; i < 5; i++) {
		char *src = g_strdup_printf("10.3.0.%d", i + 1);
		vmr_client c = client_from(src);
		g_assert_cmpint(login(&c, "nadia", "guess"), ==, VMR_ERROR_LOGIN_FAILED);
		vmr_client_clear(&c);
		g_free(src);
	}
	/* The right password from a fresh source: still locked, for about the base lock (60 s). */
	vmr_client c = client_from("10.3.1.1");
	json_t *r = login_reply(&c, "nadia", PASSWORD);
	g_assert_cmpint(code_of(r), ==, VMR_ERROR_TOO_MANY_ATTEMPTS);
	json_int_t retry = json_integer_value(json_object_get(r, "retry_after"));
	g_assert_cmpint(retry, >=, 50);
	g_assert_cmpint(retry, <=, 60);
	json_decref(r);
	g_assert_cmpint(c.account_id, ==, 0);
	/* Another user from that source is not affected. */
	make_account("nadia2", NULL);
	g_assert_cmpint(login(&c, "nadia2", PASSWORD), ==, 0);
	vmr_client_clear(&c);
}

static void test_five_wrong_passwords_lock_the_source_for_every_user(void)
{
	make_account("oskar", NULL);
	vmr_client bad = client_from("10.4.0.1");
	for (int i = 0; i < 5; i++) {
		char *user = g_strdup_printf("guess%d", i); /* unknown names count too */
		g_assert_cmpint(login(&bad, user, "guess"), ==, VMR_ERROR_LOGIN_FAILED);
		g_free(user);
	}
	json_t *r = login_reply(&bad, "oskar", PASSWORD);
	g_assert_cmpint(code_of(r), ==, VMR_ERROR_TOO_MANY_ATTEMPTS);
	g_assert_cmpint(json_integer_value(json_object_get(r, "retry_after")), >=, 50);
	json_decref(r);
	vmr_client good = client_from("10.4.0.2");
	g_assert_cmpint(login(&good, "oskar", PASSWORD), ==, 0);
	vmr_client_clear(&bad);
	vmr_client_clear(&good);
}

static void test_a_right_password_clears_the_user_count(void)
{
	make_account("petra", NULL);
	vmr_client a = client_from("10.5.0.1"), b = client_from("10.5.0.2"),
		   c = client_from("10.5.0.3");
	for (int i = 0; i < 4; i++)
		g_assert_cmpint(login(&a, "petra", "guess"), ==, VMR_ERROR_LOGIN_FAILED);
	g_assert_cmpint(login(&c, "petra", PASSWORD), ==, 0);
	for (int i = 0; i < 4; i++)
		g_assert_cmpint(login(&b, "petra", "guess"), ==, VMR_ERROR_LOGIN_FAILED);
	g_assert_cmpint(login(&c, "petra", PASSWORD), ==, 0);
	vmr_client_clear(&a);
	vmr_client_clear(&b);
	vmr_client_clear(&c);
}

/* ---- sessions ---- */

static void test_logout_ends_the_session_for_every_client_holding_it(void)
{
	make_account("quinn", NULL);
	vmr_client a = client_from("10.6.0.1"), b = client_from("10.6.0.2");
	json_t *r = login_reply(&a, "quinn", PASSWORD);
	char *text = g_strdup_printf("{\"request\":\"resume\",\"token\":\"%s\"}",
		json_string_value(json_object_get(r, "token")));
	json_decref(r);
	/* A second handle resumes the session with the token. */
	r = call(&b, text);
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_null(json_object_get(r, "token"));
	g_assert_cmpstr(
		json_string_value(json_object_get(json_object_get(r, "account"), "username")), ==,
		"quinn");
	json_decref(r);
	g_assert_cmpint(b.account_id, ==, a.account_id);
	g_assert_cmpint(call_code(&b, "{\"request\":\"get_room\"}"), ==, 0);
	g_assert_cmpint(call_code(&a, "{\"request\":\"logout\"}"), ==, 0);
	g_assert_cmpint(a.account_id, ==, 0);
	g_assert_cmpint(call_code(&a, "{\"request\":\"get_room\"}"), ==, VMR_ERROR_NOT_LOGGED_IN);
	/* The other handle still has the account id, but the session is gone. */
	g_assert_cmpint(call_code(&b, "{\"request\":\"get_room\"}"), ==, VMR_ERROR_NOT_LOGGED_IN);
	g_assert_cmpint(b.account_id, ==, 0);
	g_assert_cmpint(call_code(&b, text), ==, VMR_ERROR_NOT_LOGGED_IN);
	g_free(text);
	vmr_client_clear(&a);
	vmr_client_clear(&b);
}

static void test_resume_with_an_unknown_token_is_refused(void)
{
	vmr_client c = client_from("10.7.0.1");
	g_assert_cmpint(call_code(&c,
				"{\"request\":\"resume\",\"token\":"
				"\"00112233445566778899aabbccddeeff0011223344556677\"}"),
		==, VMR_ERROR_NOT_LOGGED_IN);
	g_assert_cmpint(c.account_id, ==, 0);
	vmr_client_clear(&c);
}

static void test_a_session_expires_after_its_lifetime(void)
{
	/* A second service on the same database, with sessions of 1 s. */
	vmr_store *store = NULL;
	g_assert_cmpint(vmr_store_open(store_uri, &store), ==, 0);
	vmr_service_config cfg = { .domain = "vmr.test", .session_ttl_s = 1 };
	vmr_service *shortlived = NULL;
	g_assert_cmpint(vmr_service_new(store, &cfg, &shortlived), ==, 0);
	make_account("rosa", NULL);
	vmr_client c = client_from("10.8.0.1");
	json_t *r = call_fx(shortlived, &c, 0,
		"{\"request\":\"login\",\"username\":\"rosa\",\"password\":\"" PASSWORD "\"}",
		NULL);
	g_assert_cmpint(code_of(r), ==, 0);
	int64_t expires = json_integer_value(json_object_get(r, "expires_at"));
	g_assert_cmpint(expires - g_get_real_time() / G_USEC_PER_SEC, <=, 1);
	char *resume = g_strdup_printf("{\"request\":\"resume\",\"token\":\"%s\"}",
		json_string_value(json_object_get(r, "token")));
	json_decref(r);
	g_usleep(2500 * 1000);
	r = call_fx(shortlived, &c, 0, "{\"request\":\"get_room\"}", NULL);
	g_assert_cmpint(code_of(r), ==, VMR_ERROR_NOT_LOGGED_IN);
	json_decref(r);
	vmr_client other = client_from("10.8.0.2");
	r = call_fx(shortlived, &other, 0, resume, NULL);
	g_assert_cmpint(code_of(r), ==, VMR_ERROR_NOT_LOGGED_IN);
	json_decref(r);
	g_free(resume);
	vmr_client_clear(&c);
	vmr_client_clear(&other);
	vmr_service_free(shortlived);
}

static void test_requests_of_a_logged_in_user_need_a_login(void)
{
	vmr_client c = client_from("10.9.0.1");
	g_assert_cmpint(call_code(&c, "{\"request\":\"get_room\"}"), ==, VMR_ERROR_NOT_LOGGED_IN);
	g_assert_cmpint(call_code(&c, "{\"request\":\"update_room\",\"pin\":\"1234\"}"), ==,
		VMR_ERROR_NOT_LOGGED_IN);
	g_assert_cmpint(call_code(&c, "{\"request\":\"invite\",\"email\":\"x@example.org\"}"), ==,
		VMR_ERROR_NOT_LOGGED_IN);
	g_assert_cmpint(
		call_code(&c, "{\"request\":\"new_sip_password\"}"), ==, VMR_ERROR_NOT_LOGGED_IN);
	g_assert_cmpint(
		call_code(&c, "{\"request\":\"list_invitations\"}"), ==, VMR_ERROR_NOT_LOGGED_IN);
	/* A made-up account id without a session does not help. */
	c.account_id = 1;
	g_assert_cmpint(call_code(&c, "{\"request\":\"get_room\"}"), ==, VMR_ERROR_NOT_LOGGED_IN);
	vmr_client_clear(&c);
}

/* ---- joining by room address ---- */

static void test_a_room_without_pin_lets_anyone_in(void)
{
	make_account("sven", NULL);
	vmr_client c = client_from("10.10.0.1");
	vmr_join_grant g;
	g_assert_cmpint(
		join(&c, "{\"request\":\"join\",\"room\":\"sven.join\"}", &g, NULL), ==, VMR_OK);
	g_assert_cmpstr(g.room.address, ==, "sven.join");
	g_assert_false(g.is_owner);
	g_assert_cmpint(g.invitation_id, ==, 0);
	vmr_join_grant_clear(&g);
	vmr_client_clear(&c);
}

static void test_right_pin_joins_and_wrong_pin_looks_like_a_missing_room(void)
{
	make_account("tilda", "2468");
	vmr_client c = client_from("10.11.0.1");
	vmr_join_grant g;
	const char *reason_wrong = NULL, *reason_missing = NULL, *reason_none = NULL;
	int wrong = join(&c, "{\"request\":\"join\",\"room\":\"tilda.join\",\"pin\":\"1111\"}", &g,
		&reason_wrong);
	vmr_join_grant_clear(&g);
	int missing = join(&c,
		"{\"request\":\"join\",\"room\":\"no-such-room.join\",\"pin\":\"1111\"}", &g,
		&reason_missing);
	vmr_join_grant_clear(&g);
	int none = join(&c, "{\"request\":\"join\",\"room\":\"tilda.join\"}", &g, &reason_none);
	vmr_join_grant_clear(&g);
	g_assert_cmpint(wrong, ==, VMR_ERROR_NO_SUCH_ROOM);
	g_assert_cmpint(missing, ==, wrong);
	g_assert_cmpint(none, ==, wrong);
	g_assert_cmpstr(reason_missing, ==, reason_wrong);
	g_assert_cmpstr(reason_none, ==, reason_wrong);
	g_assert_cmpint(join(&c, "{\"request\":\"join\",\"room\":\"tilda.join\",\"pin\":\"2468\"}",
				&g, NULL),
		==, VMR_OK);
	g_assert_cmpstr(g.room.address, ==, "tilda.join");
	g_assert_false(g.is_owner);
	vmr_join_grant_clear(&g);
	vmr_client_clear(&c);
}

/* The PIN typed decides the role: the host PIN makes a host, the guest PIN a guest, the owner
 * is always a host; the two PINs must differ; a room with only a host PIN lets guests in
 * without one, and a wrong PIN there still counts as a guess. */
static void test_the_pin_typed_decides_the_role(void)
{
	make_account("hedda", "2468");
	vmr_client owner = client_from("10.40.0.9");
	g_assert_cmpint(login(&owner, "hedda", PASSWORD), ==, 0);
	g_assert_cmpint(call_code(&owner, "{\"request\":\"update_room\",\"host_pin\":\"2468\"}"),
		==, VMR_ERROR_INVALID_ELEMENT);
	g_assert_cmpint(call_code(&owner,
				"{\"request\":\"update_room\",\"host_pin\":\"1357\","
				"\"wait_for_host\":true,\"end_after_host_min\":3}"),
		==, 0);
	g_assert_cmpint(call_code(&owner, "{\"request\":\"update_room\",\"pin\":\"1357\"}"), ==,
		VMR_ERROR_INVALID_ELEMENT);
	json_t *r = call(&owner, "{\"request\":\"get_room\"}");
	json_t *room = json_object_get(r, "room");
	g_assert_cmpstr(json_string_value(json_object_get(room, "host_pin")), ==, "1357");
	g_assert_cmpstr(json_string_value(json_object_get(room, "pin")), ==, "2468");
	g_assert_true(json_is_true(json_object_get(room, "wait_for_host")));
	g_assert_cmpint(json_integer_value(json_object_get(room, "end_after_host_min")), ==, 3);
	json_decref(r);
	vmr_client c = client_from("10.40.0.1");
	vmr_join_grant g;
	g_assert_cmpint(join(&c, "{\"request\":\"join\",\"room\":\"hedda.join\",\"pin\":\"1357\"}",
				&g, NULL),
		==, VMR_OK);
	g_assert_true(g.is_host);
	g_assert_false(g.is_owner);
	g_assert_true(g.room.wait_for_host);
	vmr_join_grant_clear(&g);
	g_assert_cmpint(join(&c, "{\"request\":\"join\",\"room\":\"hedda.join\",\"pin\":\"2468\"}",
				&g, NULL),
		==, VMR_OK);
	g_assert_false(g.is_host);
	vmr_join_grant_clear(&g);
	g_assert_cmpint(join(&owner, "{\"request\":\"join\",\"room\":\"hedda.join\"}", &g, NULL),
		==, VMR_OK);
	g_assert_true(g.is_host);
	g_assert_true(g.is_owner);
	vmr_join_grant_clear(&g);
	g_assert_cmpint(join_code(&c, "{\"request\":\"join\",\"room\":\"hedda.join\"}"), ==,
		VMR_ERROR_NO_SUCH_ROOM);
	/* Only a host PIN: guests need none, a PIN typed must be the host PIN. */
	g_assert_cmpint(call_code(&owner, "{\"request\":\"update_room\",\"pin\":\"\"}"), ==, 0);
	vmr_client d = client_from("10.40.0.2");
	g_assert_cmpint(
		join(&d, "{\"request\":\"join\",\"room\":\"hedda.join\"}", &g, NULL), ==, VMR_OK);
	g_assert_false(g.is_host);
	vmr_join_grant_clear(&g);
	g_assert_cmpint(
		join_code(&d, "{\"request\":\"join\",\"room\":\"hedda.join\",\"pin\":\"0000\"}"),
		==, VMR_ERROR_NO_SUCH_ROOM);
	g_assert_cmpint(join(&d, "{\"request\":\"join\",\"room\":\"hedda.join\",\"pin\":\"1357\"}",
				&g, NULL),
		==, VMR_OK);
	g_assert_true(g.is_host);
	vmr_join_grant_clear(&g);
	vmr_client_clear(&c);
	vmr_client_clear(&d);
	vmr_client_clear(&owner);
}

static void test_five_wrong_pins_lock_the_source_in_every_room(void)
{
	make_account("ursula", "1357");
	make_account("ursula2", NULL);
	vmr_client c = client_from("10.12.0.1");
	/* Guesses at a missing room count as much as wrong PINs. */
	for (int i = 0; i < 3; i++)
		g_assert_cmpint(
			join_code(&c,
				"{\"request\":\"join\",\"room\":\"ursula.join\",\"pin\":\"0000\"}"),
			==, VMR_ERROR_NO_SUCH_ROOM);
	for (int i = 0; i < 2; i++)
		g_assert_cmpint(join_code(&c,
					"{\"request\":\"join\",\"room\":\"not-ursula.join\","
					"\"pin\":\"0000\"}"),
			==, VMR_ERROR_NO_SUCH_ROOM);
	vmr_join_grant g;
	const char *reason = NULL;
	g_assert_cmpint(join(&c, "{\"request\":\"join\",\"room\":\"ursula.join\",\"pin\":\"1357\"}",
				&g, &reason),
		==, VMR_ERROR_TOO_MANY_ATTEMPTS);
	g_assert_cmpint(g.retry_after_s, >=, 50);
	g_assert_cmpint(g.retry_after_s, <=, 60);
	g_assert_null(g.room.address);
	vmr_join_grant_clear(&g);
	/* Rooms without a PIN need no PIN entry and stay open to the source. */
	g_assert_cmpint(
		join_code(&c, "{\"request\":\"join\",\"room\":\"ursula2.join\"}"), ==, VMR_OK);
	/* Another source is not affected. */
	vmr_client d = client_from("10.12.0.2");
	g_assert_cmpint(
		join_code(&d, "{\"request\":\"join\",\"room\":\"ursula.join\",\"pin\":\"1357\"}"),
		==, VMR_OK);
	vmr_client_clear(&c);
	vmr_client_clear(&d);
}

static void test_the_pin_guard_is_the_shared_one(void)
{
	/* Wrong PINs a phone keyed in, reported as the SIP bridge reports them (sipb_call.c:
	 * "ip:<address>", the key the VMR plugin gives a browser's client), lock the browser's
	 * join from that address too; a browser elsewhere still gets in. */
	make_account("vera", "8642");
	vmr_client c = client_from("ip:10.13.0.1"), other = client_from("ip:10.13.0.2");
	int64_t now = g_get_monotonic_time();
	for (int i = 0; i < 5; i++)
		vmr_pinguard_failure(vmr_pinguard_shared(), "vera.join", "ip:10.13.0.1", now);
	g_assert_cmpint(
		join_code(&c, "{\"request\":\"join\",\"room\":\"vera.join\",\"pin\":\"8642\"}"), ==,
		VMR_ERROR_TOO_MANY_ATTEMPTS);
	g_assert_cmpint(
		join_code(&other, "{\"request\":\"join\",\"room\":\"vera.join\",\"pin\":\"8642\"}"),
		==, VMR_OK);
	vmr_client_clear(&c);
	vmr_client_clear(&other);
}

static void test_twenty_wrong_pins_lock_the_room_but_not_its_owner(void)
{
	make_account("wanda", "9753");
	for (int i = 0; i < 20; i++) {
		char *src = g_strdup_printf("10.14.1.%d", i + 1);
		vmr_client c = client_from(src);
		g_assert_cmpint(
			join_code(&c,
				"{\"request\":\"join\",\"room\":\"wanda.join\",\"pin\":\"0000\"}"),
			==, VMR_ERROR_NO_SUCH_ROOM);
		vmr_client_clear(&c);
		g_free(src);
	}
	vmr_client guest = client_from("10.14.2.1");
	vmr_join_grant g;
	g_assert_cmpint(
		join(&guest, "{\"request\":\"join\",\"room\":\"wanda.join\",\"pin\":\"9753\"}", &g,
			NULL),
		==, VMR_ERROR_TOO_MANY_ATTEMPTS);
	g_assert_cmpint(g.retry_after_s, >, 60); /* the room's lock: 10 min */
	vmr_join_grant_clear(&g);
	vmr_client owner = client_from("10.14.2.2");
	g_assert_cmpint(login(&owner, "wanda", PASSWORD), ==, 0);
	g_assert_cmpint(join(&owner, "{\"request\":\"join\",\"room\":\"wanda.join\"}", &g, NULL),
		==, VMR_OK);
	g_assert_true(g.is_owner);
	vmr_join_grant_clear(&g);
	vmr_client_clear(&guest);
	vmr_client_clear(&owner);
}

static void test_the_owner_skips_the_pin_only_with_a_live_session(void)
{
	make_account("xenia", "1212");
	vmr_client a = client_from("10.15.0.1"), b = client_from("10.15.0.2");
	vmr_join_grant g;
	/* Not logged in: the owner is a guest like any other. */
	g_assert_cmpint(join_code(&a, "{\"request\":\"join\",\"room\":\"xenia.join\"}"), ==,
		VMR_ERROR_NO_SUCH_ROOM);
	json_t *r = login_reply(&a, "xenia", PASSWORD);
	char *resume = g_strdup_printf("{\"request\":\"resume\",\"token\":\"%s\"}",
		json_string_value(json_object_get(r, "token")));
	json_decref(r);
	g_assert_cmpint(
		join(&a, "{\"request\":\"join\",\"room\":\"xenia.join\"}", &g, NULL), ==, VMR_OK);
	g_assert_true(g.is_owner);
	vmr_join_grant_clear(&g);
	/* The session ends on another handle: this one keeps its account id, but no longer owns. */
	g_assert_cmpint(call_code(&b, resume), ==, 0);
	g_assert_cmpint(call_code(&b, "{\"request\":\"logout\"}"), ==, 0);
	g_assert_cmpint(a.account_id, >, 0);
	g_assert_cmpint(join_code(&a, "{\"request\":\"join\",\"room\":\"xenia.join\"}"), ==,
		VMR_ERROR_NO_SUCH_ROOM);
	g_assert_cmpint(join(&a, "{\"request\":\"join\",\"room\":\"xenia.join\",\"pin\":\"1212\"}",
				&g, NULL),
		==, VMR_OK);
	g_assert_false(g.is_owner);
	vmr_join_grant_clear(&g);
	/* Another account's live session does not own this room. */
	make_account("xenia2", NULL);
	vmr_client c = client_from("10.15.0.3");
	g_assert_cmpint(login(&c, "xenia2", PASSWORD), ==, 0);
	g_assert_cmpint(join_code(&c, "{\"request\":\"join\",\"room\":\"xenia.join\"}"), ==,
		VMR_ERROR_NO_SUCH_ROOM);
	g_free(resume);
	vmr_client_clear(&a);
	vmr_client_clear(&b);
	vmr_client_clear(&c);
}

/* ---- invitations ---- */

typedef struct invitation {
	int64_t id;
	char *secret;
} invitation;

/* Invites email as the logged-in client c; returns the invitation's id and secret (from its url). */
static invitation invite(vmr_client *c, const char *email, const char *name)
{
	char *text = name
		? g_strdup_printf(
			"{\"request\":\"invite\",\"email\":\"%s\",\"name\":\"%s\"}", email, name)
		: g_strdup_printf("{\"request\":\"invite\",\"email\":\"%s\"}", email);
	json_t *r = call(c, text);
	g_free(text);
	g_assert_cmpint(code_of(r), ==, 0);
	json_t *inv = json_object_get(r, "invitation");
	g_assert_cmpstr(json_string_value(json_object_get(inv, "state")), ==, "active");
	/* No SMTP server configured: stored, and the owner is told the mail did not go out. */
	g_assert_cmpstr(json_string_value(json_object_get(inv, "mail_status")), ==,
		"failed: no SMTP server configured");
	invitation out = { 0 };
	out.id = json_integer_value(json_object_get(inv, "id"));
	const char *url = json_string_value(json_object_get(inv, "url"));
	g_assert_true(g_str_has_prefix(url, "https://vmr.test/?id="));
	const char *s = strstr(url, "&secret=");
	g_assert_nonnull(s);
	s += strlen("&secret=");
	const char *end = strchr(s, '&');
	out.secret = g_strndup(s, end ? (gsize)(end - s) : strlen(s));
	g_assert_cmpuint(strlen(out.secret), >=, 32);
	json_decref(r);
	return out;
}

static void test_an_invitation_lets_its_guest_in_without_the_pin(void)
{
	make_account("yusuf", "4321");
	vmr_client owner = client_from("10.16.0.1");
	g_assert_cmpint(login(&owner, "yusuf", PASSWORD), ==, 0);
	invitation inv = invite(&owner, "maria.lopez@example.org", NULL);
	vmr_client guest = client_from("10.16.0.2");
	char *text = g_strdup_printf("{\"request\":\"invitation_info\",\"id\":%" G_GINT64_FORMAT
				     ",\"secret\":\"%s\"}",
		inv.id, inv.secret);
	json_t *r = call(&guest, text);
	g_free(text);
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_cmpstr(json_string_value(json_object_get(r, "guest_name")), ==, "maria.lopez");
	g_assert_cmpstr(json_string_value(json_object_get(r, "room")), ==, "yusuf");
	g_assert_cmpstr(json_string_value(json_object_get(r, "owner")), ==, "yusuf");
	json_decref(r);
	text = g_strdup_printf("{\"request\":\"join\",\"id\":%" G_GINT64_FORMAT
			       ",\"secret\":\"%s\"}",
		inv.id, inv.secret);
	vmr_join_grant g;
	g_assert_cmpint(join(&guest, text, &g, NULL), ==, VMR_OK);
	g_assert_cmpstr(g.room.address, ==, "yusuf.join");
	g_assert_cmpint(g.invitation_id, ==, inv.id);
	g_assert_cmpstr(g.guest_name, ==, "maria.lopez");
	g_assert_false(g.is_owner);
	vmr_join_grant_clear(&g);
	g_free(text);
	/* The list shows it, now used. */
	r = call(&owner, "{\"request\":\"list_invitations\"}");
	json_t *list = json_object_get(r, "invitations");
	g_assert_cmpuint(json_array_size(list), ==, 1);
	g_assert_cmpint(
		json_integer_value(json_object_get(json_array_get(list, 0), "id")), ==, inv.id);
	g_assert_true(json_is_integer(json_object_get(json_array_get(list, 0), "last_used_at")));
	json_decref(r);
	g_free(inv.secret);
	vmr_client_clear(&owner);
	vmr_client_clear(&guest);
}

static void test_a_wrong_secret_looks_like_an_unknown_invitation(void)
{
	make_account("zora", NULL);
	vmr_client owner = client_from("10.17.0.1");
	g_assert_cmpint(login(&owner, "zora", PASSWORD), ==, 0);
	invitation inv = invite(&owner, "guest@example.org", "Guest One");
	vmr_client guest = client_from("10.17.0.2");
	char *wrong_text = g_strdup_printf(
		"{\"request\":\"invitation_info\",\"id\":%" G_GINT64_FORMAT ",\"secret\":\"%s\"}",
		inv.id, "0123456789abcdef0123456789abcdef");
	char *unknown_text = g_strdup_printf(
		"{\"request\":\"invitation_info\",\"id\":%" G_GINT64_FORMAT ",\"secret\":\"%s\"}",
		inv.id + 100000, inv.secret);
	json_t *wrong = call(&guest, wrong_text), *unknown = call(&guest, unknown_text);
	g_assert_cmpint(code_of(wrong), ==, VMR_ERROR_INVALID_INVITATION);
	g_assert_true(json_equal(wrong, unknown));
	json_decref(wrong);
	json_decref(unknown);
	g_free(wrong_text);
	g_free(unknown_text);
	const char *r1 = NULL, *r2 = NULL;
	vmr_join_grant g;
	char *t1 = g_strdup_printf("{\"request\":\"join\",\"id\":%" G_GINT64_FORMAT
				   ",\"secret\":\"%s\"}",
		inv.id, "ffff");
	char *t2 = g_strdup_printf("{\"request\":\"join\",\"id\":%" G_GINT64_FORMAT
				   ",\"secret\":\"%s\"}",
		inv.id + 100000, inv.secret);
	int c1 = join(&guest, t1, &g, &r1);
	vmr_join_grant_clear(&g);
	int c2 = join(&guest, t2, &g, &r2);
	vmr_join_grant_clear(&g);
	g_assert_cmpint(c1, ==, VMR_ERROR_INVALID_INVITATION);
	g_assert_cmpint(c2, ==, c1);
	g_assert_cmpstr(r1, ==, r2);
	g_free(t1);
	g_free(t2);
	g_free(inv.secret);
	vmr_client_clear(&owner);
	vmr_client_clear(&guest);
}

static void test_five_bad_invitations_lock_the_source(void)
{
	make_account("anton", NULL);
	vmr_client owner = client_from("10.18.0.1");
	g_assert_cmpint(login(&owner, "anton", PASSWORD), ==, 0);
	invitation inv = invite(&owner, "guest@example.org", NULL);
	vmr_client guest = client_from("10.18.0.2");
	for (int i = 0; i < 5; i++)
		g_assert_cmpint(call_code(&guest,
					"{\"request\":\"invitation_info\",\"id\":999999,\"secret\":"
					"\"abcd\"}"),
			==, VMR_ERROR_INVALID_INVITATION);
	char *text = g_strdup_printf("{\"request\":\"join\",\"id\":%" G_GINT64_FORMAT
				     ",\"secret\":\"%s\"}",
		inv.id, inv.secret);
	vmr_join_grant g;
	g_assert_cmpint(join(&guest, text, &g, NULL), ==, VMR_ERROR_TOO_MANY_ATTEMPTS);
	g_assert_cmpint(g.retry_after_s, >=, 50);
	vmr_join_grant_clear(&g);
	vmr_client other = client_from("10.18.0.3");
	g_assert_cmpint(join_code(&other, text), ==, VMR_OK);
	g_free(text);
	g_free(inv.secret);
	vmr_client_clear(&owner);
	vmr_client_clear(&guest);
	vmr_client_clear(&other);
}

/* The keypad code the reply gives the owner for invitation id (list_invitations). */
static char *code_of_invitation(vmr_client *owner, int64_t id)
{
	json_t *r = call(owner, "{\"request\":\"list_invitations\"}");
	json_t *list = json_object_get(r, "invitations");
	char *code = NULL;
	for (size_t i = 0; i < json_array_size(list); i++)
		if (json_integer_value(json_object_get(json_array_get(list, i), "id")) == id)
			code = g_strdup(json_string_value(
				json_object_get(json_array_get(list, i), "code")));
	json_decref(r);
	return code;
}

/* Each invitation gets a keypad code of its own: 10 random digits, not starting with the room's
 * PIN, shown to the owner; the store finds the invitation by it in its room only, and not any
 * more once it is revoked or deleted. */
static void test_each_invitation_gets_its_own_keypad_code(void)
{
	make_account("kasimir", "2580");
	make_account("lotte", NULL);
	vmr_client owner = client_from("10.23.0.1");
	g_assert_cmpint(login(&owner, "kasimir", PASSWORD), ==, 0);
	vmr_store *st = vmr_service_store(svc);
	invitation inv[20];
	char *codes[20];
	for (int i = 0; i < 20; i++) {
		char email[64];
		g_snprintf(email, sizeof(email), "guest%d@example.org", i);
		inv[i] = invite(&owner, email, i == 0 ? "Maria Lopez" : NULL);
		codes[i] = code_of_invitation(&owner, inv[i].id);
		g_assert_nonnull(codes[i]);
		g_assert_cmpuint(strlen(codes[i]), ==, VMR_INVITATION_CODE_DIGITS);
		g_assert_cmpuint(strspn(codes[i], "0123456789"), ==, VMR_INVITATION_CODE_DIGITS);
		g_assert_false(g_str_has_prefix(codes[i], "2580"));
		for (int k = 0; k < i; k++)
			g_assert_cmpstr(codes[k], !=, codes[i]);
	}
	vmr_invitation got;
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "kasimir.join", codes[0], &got), ==, 0);
	g_assert_cmpint(got.id, ==, inv[0].id);
	g_assert_cmpstr(got.guest_name, ==, "Maria Lopez");
	vmr_invitation_clear(&got);
	/* another room's address, a code one digit off, a malformed code */
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "lotte.join", codes[0], &got), ==, -ENOENT);
	char *off = g_strdup(codes[0]);
	off[9] = off[9] == '9' ? '0' : (char)(off[9] + 1);
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "kasimir.join", off, &got), ==, -ENOENT);
	g_free(off);
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "kasimir.join", "12'--", &got), ==, -EINVAL);
	char prefix[5];
	g_strlcpy(prefix, codes[0], sizeof(prefix));
	g_assert_cmpint(vmr_store_invitation_code_prefix(st, "kasimir.join", prefix), ==, 1);
	g_assert_cmpint(vmr_store_invitation_code_prefix(st, "lotte.join", prefix), ==, 0);
	/* revoked: gone at once; deleted: too */
	char *revoke = g_strdup_printf(
		"{\"request\":\"revoke_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv[0].id);
	g_assert_cmpint(call_code(&owner, revoke), ==, 0);
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "kasimir.join", codes[0], &got), ==, -ENOENT);
	gboolean other_shares_prefix = FALSE;
	for (int i = 1; i < 20; i++)
		other_shares_prefix = other_shares_prefix || g_str_has_prefix(codes[i], prefix);
	g_assert_cmpint(vmr_store_invitation_code_prefix(st, "kasimir.join", prefix), ==,
		other_shares_prefix ? 1 : 0);
	char *del = g_strdup_printf(
		"{\"request\":\"delete_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv[1].id);
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "kasimir.join", codes[1], &got), ==, 0);
	vmr_invitation_clear(&got);
	g_assert_cmpint(call_code(&owner, del), ==, 0);
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "kasimir.join", codes[1], &got), ==, -ENOENT);
	g_free(revoke);
	g_free(del);
	for (int i = 0; i < 20; i++) {
		g_free(codes[i]);
		g_free(inv[i].secret);
	}
	vmr_client_clear(&owner);
}

static void test_a_revoked_invitation_no_longer_opens_the_room(void)
{
	make_account("bruno", "5555");
	vmr_client owner = client_from("10.19.0.1"), guest = client_from("10.19.0.3");
	g_assert_cmpint(login(&owner, "bruno", PASSWORD), ==, 0);
	invitation inv = invite(&owner, "guest@example.org", NULL);
	char *revoke = g_strdup_printf(
		"{\"request\":\"revoke_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv.id);
	char *del = g_strdup_printf(
		"{\"request\":\"delete_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv.id);
	char *join_text = g_strdup_printf("{\"request\":\"join\",\"id\":%" G_GINT64_FORMAT
					  ",\"secret\":\"%s\"}",
		inv.id, inv.secret);
	g_assert_cmpint(join_code(&guest, join_text), ==, VMR_OK);
	vmr_effects fx;
	json_t *r = call_fx(svc, &owner, 0, revoke, &fx);
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_cmpstr(json_string_value(json_object_get(r, "vmr")), ==, "revoked");
	g_assert_cmpint(fx.revoked_invitation, ==, inv.id);
	json_decref(r);
	g_assert_cmpint(join_code(&guest, join_text), ==, VMR_ERROR_INVALID_INVITATION);
	r = call(&owner, "{\"request\":\"list_invitations\"}");
	g_assert_cmpstr(json_string_value(json_object_get(
				json_array_get(json_object_get(r, "invitations"), 0), "state")),
		==, "revoked");
	json_decref(r);
	r = call_fx(svc, &owner, 0, del, &fx);
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_cmpstr(json_string_value(json_object_get(r, "vmr")), ==, "deleted");
	g_assert_cmpint(fx.revoked_invitation, ==, inv.id);
	json_decref(r);
	r = call(&owner, "{\"request\":\"list_invitations\"}");
	g_assert_cmpuint(json_array_size(json_object_get(r, "invitations")), ==, 0);
	json_decref(r);
	g_assert_cmpint(call_code(&owner, del), ==, VMR_ERROR_NOT_FOUND);
	g_free(revoke);
	g_free(del);
	g_free(join_text);
	g_free(inv.secret);
	vmr_client_clear(&owner);
	vmr_client_clear(&guest);
}

/* BUG (found by this case under ASan and valgrind, not fixed here): vmr_service.c's
 * owned_invitation leaks the room record (name and address strings) on every revoke or
 * delete of an invitation of someone else's room; any logged-in user can repeat that at will. */
static void test_someone_elses_invitation_is_as_if_it_did_not_exist(void)
{
	make_account("gustav", NULL);
	make_account("gustav2", NULL);
	vmr_client owner = client_from("10.24.0.1"), stranger = client_from("10.24.0.2"),
		   guest = client_from("10.24.0.3");
	g_assert_cmpint(login(&owner, "gustav", PASSWORD), ==, 0);
	g_assert_cmpint(login(&stranger, "gustav2", PASSWORD), ==, 0);
	invitation inv = invite(&owner, "guest@example.org", NULL);
	char *revoke = g_strdup_printf(
		"{\"request\":\"revoke_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv.id);
	char *del = g_strdup_printf(
		"{\"request\":\"delete_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv.id);
	char *unknown = g_strdup_printf(
		"{\"request\":\"delete_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv.id + 100000);
	json_t *r1 = call(&stranger, revoke), *r2 = call(&stranger, del),
	       *r3 = call(&stranger, unknown);
	g_assert_cmpint(code_of(r1), ==, VMR_ERROR_NOT_FOUND);
	g_assert_cmpint(code_of(r2), ==, VMR_ERROR_NOT_FOUND);
	g_assert_true(json_equal(r2, r3));
	json_decref(r1);
	json_decref(r2);
	json_decref(r3);
	/* The invitation still works. */
	char *join_text = g_strdup_printf("{\"request\":\"join\",\"id\":%" G_GINT64_FORMAT
					  ",\"secret\":\"%s\"}",
		inv.id, inv.secret);
	g_assert_cmpint(join_code(&guest, join_text), ==, VMR_OK);
	g_free(join_text);
	g_free(revoke);
	g_free(del);
	g_free(unknown);
	g_free(inv.secret);
	vmr_client_clear(&owner);
	vmr_client_clear(&stranger);
	vmr_client_clear(&guest);
}

static void test_deleting_an_invitation_closes_it_too(void)
{
	make_account("carla", NULL);
	vmr_client owner = client_from("10.20.0.1"), guest = client_from("10.20.0.2");
	g_assert_cmpint(login(&owner, "carla", PASSWORD), ==, 0);
	invitation inv = invite(&owner, "guest@example.org", NULL);
	char *del = g_strdup_printf(
		"{\"request\":\"delete_invitation\",\"id\":%" G_GINT64_FORMAT "}", inv.id);
	char *join_text = g_strdup_printf("{\"request\":\"join\",\"id\":%" G_GINT64_FORMAT
					  ",\"secret\":\"%s\"}",
		inv.id, inv.secret);
	g_assert_cmpint(call_code(&owner, del), ==, 0);
	g_assert_cmpint(join_code(&guest, join_text), ==, VMR_ERROR_INVALID_INVITATION);
	g_free(del);
	g_free(join_text);
	g_free(inv.secret);
	vmr_client_clear(&owner);
	vmr_client_clear(&guest);
}

static void test_invite_refuses_a_bad_email(void)
{
	make_account("dora", NULL);
	vmr_client owner = client_from("10.21.0.1");
	g_assert_cmpint(login(&owner, "dora", PASSWORD), ==, 0);
	g_assert_cmpint(call_code(&owner, "{\"request\":\"invite\",\"email\":\"not-an-address\"}"),
		==, VMR_ERROR_INVALID_ELEMENT);
	g_assert_cmpint(
		call_code(&owner,
			"{\"request\":\"invite\",\"email\":\"a@example.org, b@example.org\"}"),
		==, VMR_ERROR_INVALID_ELEMENT);
	g_assert_cmpint(call_code(&owner,
				"{\"request\":\"invite\",\"email\":\"a@example.org\\r\\nBcc: "
				"b@example.org\"}"),
		==, VMR_ERROR_INVALID_ELEMENT);
	json_t *r = call(&owner, "{\"request\":\"list_invitations\"}");
	g_assert_cmpuint(json_array_size(json_object_get(r, "invitations")), ==, 0);
	json_decref(r);
	vmr_client_clear(&owner);
}

/* ---- room settings and SIP password ---- */

static void test_update_room_validates_and_changes_the_room(void)
{
	make_account("emil", "1111");
	vmr_client owner = client_from("10.22.0.1");
	g_assert_cmpint(login(&owner, "emil", PASSWORD), ==, 0);
	static const char *const bad[] = {
		"{\"request\":\"update_room\",\"name\":\"Emil!\"}",
		"{\"request\":\"update_room\",\"name\":\"ab\"}",
		"{\"request\":\"update_room\",\"pin\":\"123\"}",
		"{\"request\":\"update_room\",\"pin\":\"12345\"}",
		"{\"request\":\"update_room\",\"pin\":\"12a4\"}",
		"{\"request\":\"update_room\",\"layout\":\"4x4\"}",
		"{\"request\":\"update_room\",\"name\":\"fine-name\",\"pin\":\"12\"}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		vmr_effects fx;
		json_t *r = call_fx(svc, &owner, 0, bad[i], &fx);
		g_assert_cmpint(code_of(r), ==, VMR_ERROR_INVALID_ELEMENT);
		g_assert_cmpint(fx.room_changed, ==, 0);
		json_decref(r);
	}
	/* Nothing changed: still the old name and PIN. */
	json_t *r = call(&owner, "{\"request\":\"get_room\"}");
	json_t *room = json_object_get(r, "room");
	g_assert_cmpstr(json_string_value(json_object_get(room, "name")), ==, "emil");
	g_assert_cmpstr(json_string_value(json_object_get(room, "pin")), ==, "1111");
	int64_t id = json_integer_value(json_object_get(room, "id"));
	json_decref(r);
	vmr_effects fx;
	r = call_fx(svc, &owner, 0,
		"{\"request\":\"update_room\",\"name\":\"emils-room\",\"pin\":\"2222\",\"layout\":"
		"\"2x2\"}",
		&fx);
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_cmpint(fx.room_changed, ==, id);
	room = json_object_get(r, "room");
	g_assert_cmpstr(json_string_value(json_object_get(room, "name")), ==, "emils-room");
	g_assert_cmpstr(json_string_value(json_object_get(room, "pin")), ==, "2222");
	g_assert_cmpstr(json_string_value(json_object_get(room, "layout")), ==, "2x2");
	/* A personal room's address follows its name. */
	g_assert_cmpstr(json_string_value(json_object_get(room, "address")), ==, "emils-room.join");
	json_decref(r);
	vmr_client guest = client_from("10.22.0.2");
	g_assert_cmpint(
		join_code(&guest,
			"{\"request\":\"join\",\"room\":\"emils-room.join\",\"pin\":\"1111\"}"),
		==, VMR_ERROR_NO_SUCH_ROOM);
	g_assert_cmpint(
		join_code(&guest, "{\"request\":\"join\",\"room\":\"emil.join\",\"pin\":\"2222\"}"),
		==, VMR_ERROR_NO_SUCH_ROOM);
	g_assert_cmpint(
		join_code(&guest,
			"{\"request\":\"join\",\"room\":\"emils-room.join\",\"pin\":\"2222\"}"),
		==, VMR_OK);
	/* An empty PIN removes it. */
	r = call(&owner, "{\"request\":\"update_room\",\"pin\":\"\"}");
	g_assert_cmpint(code_of(r), ==, 0);
	g_assert_true(json_is_null(json_object_get(json_object_get(r, "room"), "pin")));
	json_decref(r);
	g_assert_cmpint(join_code(&guest, "{\"request\":\"join\",\"room\":\"emils-room.join\"}"),
		==, VMR_OK);
	vmr_client_clear(&owner);
	vmr_client_clear(&guest);
}

static void test_new_sip_password_replaces_the_old_one(void)
{
	make_account("frida", NULL);
	vmr_client owner = client_from("10.23.0.1");
	json_t *r = login_reply(&owner, "frida", PASSWORD);
	char *old = g_strdup(
		json_string_value(json_object_get(json_object_get(r, "account"), "sip_password")));
	json_decref(r);
	g_assert_cmpuint(strlen(old), ==, 32);
	r = call(&owner, "{\"request\":\"new_sip_password\"}");
	g_assert_cmpint(code_of(r), ==, 0);
	const char *pw = json_string_value(json_object_get(r, "sip_password"));
	g_assert_nonnull(pw);
	g_assert_cmpuint(strlen(pw), ==, 32);
	for (const char *p = pw; *p; p++)
		g_assert_true(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p));
	g_assert_cmpstr(pw, !=, old);
	vmr_account acc;
	g_assert_cmpint(
		vmr_store_account_get_by_username(vmr_service_store(svc), "frida", &acc), ==, 0);
	g_assert_cmpstr(acc.sip_password, ==, pw);
	vmr_account_clear(&acc);
	json_decref(r);
	g_free(old);
	vmr_client_clear(&owner);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("vmr-service-XXXXXX", NULL);
	g_assert_nonnull(tmpdir);
	char *path = g_build_filename(tmpdir, "vmr.sqlite", NULL);
	store_uri = g_strconcat("sqlite:", path, NULL);
	vmr_store *store = NULL;
	g_assert_cmpint(vmr_store_open(store_uri, &store), ==, 0);
	vmr_service_config cfg = {
		.domain = "vmr.test", .public_url = "https://vmr.test", .dial_ip = "192.0.2.10"
	};
	g_assert_cmpint(vmr_service_new(store, &cfg, &svc), ==, 0);

	g_test_add_func("/vmr/service/login/right-password-opens-a-session",
		test_login_right_password_opens_a_session);
	g_test_add_func("/vmr/service/login/wrong-password-and-unknown-user-get-the-same-answer",
		test_wrong_password_and_unknown_user_get_the_same_answer);
	g_test_add_func("/vmr/service/login/five-wrong-passwords-lock-the-user-from-every-source",
		test_five_wrong_passwords_lock_the_user_from_every_source);
	g_test_add_func("/vmr/service/login/five-wrong-passwords-lock-the-source-for-every-user",
		test_five_wrong_passwords_lock_the_source_for_every_user);
	g_test_add_func("/vmr/service/login/a-right-password-clears-the-user-count",
		test_a_right_password_clears_the_user_count);
	g_test_add_func("/vmr/service/session/logout-ends-it-for-every-client-holding-it",
		test_logout_ends_the_session_for_every_client_holding_it);
	g_test_add_func("/vmr/service/session/resume-with-an-unknown-token-is-refused",
		test_resume_with_an_unknown_token_is_refused);
	g_test_add_func("/vmr/service/session/expires-after-its-lifetime",
		test_a_session_expires_after_its_lifetime);
	g_test_add_func("/vmr/service/session/owner-requests-need-a-login",
		test_requests_of_a_logged_in_user_need_a_login);
	g_test_add_func("/vmr/service/join/a-room-without-pin-lets-anyone-in",
		test_a_room_without_pin_lets_anyone_in);
	g_test_add_func("/vmr/service/join/right-pin-joins-and-wrong-pin-looks-like-a-missing-room",
		test_right_pin_joins_and_wrong_pin_looks_like_a_missing_room);
	g_test_add_func("/vmr/service/join/the-pin-typed-decides-the-role",
		test_the_pin_typed_decides_the_role);
	g_test_add_func("/vmr/service/join/five-wrong-pins-lock-the-source-in-every-room",
		test_five_wrong_pins_lock_the_source_in_every_room);
	g_test_add_func("/vmr/service/join/the-pin-guard-is-the-shared-one",
		test_the_pin_guard_is_the_shared_one);
	g_test_add_func("/vmr/service/join/twenty-wrong-pins-lock-the-room-but-not-its-owner",
		test_twenty_wrong_pins_lock_the_room_but_not_its_owner);
	g_test_add_func("/vmr/service/join/the-owner-skips-the-pin-only-with-a-live-session",
		test_the_owner_skips_the_pin_only_with_a_live_session);
	g_test_add_func("/vmr/service/invitation/lets-its-guest-in-without-the-pin",
		test_an_invitation_lets_its_guest_in_without_the_pin);
	g_test_add_func("/vmr/service/invitation/a-wrong-secret-looks-like-an-unknown-id",
		test_a_wrong_secret_looks_like_an_unknown_invitation);
	g_test_add_func("/vmr/service/invitation/five-bad-ones-lock-the-source",
		test_five_bad_invitations_lock_the_source);
	g_test_add_func("/vmr/service/invitation/each-gets-its-own-keypad-code-found-until-revoked",
		test_each_invitation_gets_its_own_keypad_code);
	g_test_add_func("/vmr/service/invitation/revoked-no-longer-opens-the-room",
		test_a_revoked_invitation_no_longer_opens_the_room);
	g_test_add_func("/vmr/service/invitation/someone-elses-is-as-if-it-did-not-exist",
		test_someone_elses_invitation_is_as_if_it_did_not_exist);
	g_test_add_func("/vmr/service/invitation/deleted-no-longer-opens-the-room",
		test_deleting_an_invitation_closes_it_too);
	g_test_add_func(
		"/vmr/service/invitation/a-bad-email-is-refused", test_invite_refuses_a_bad_email);
	g_test_add_func("/vmr/service/room/update-validates-and-changes-the-room",
		test_update_room_validates_and_changes_the_room);
	g_test_add_func("/vmr/service/sip-password/new-one-replaces-the-old",
		test_new_sip_password_replaces_the_old_one);
	int rc = g_test_run();

	vmr_service_free(svc);
	char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(path);
	g_rmdir(tmpdir);
	g_free(wal);
	g_free(shm);
	g_free(path);
	g_free(store_uri);
	g_free(tmpdir);
	return rc;
}
