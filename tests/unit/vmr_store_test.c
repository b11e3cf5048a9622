/*
 * vmr_store_test.c - the store keeps accounts, sessions, rooms and invitations across
 * reopen, validates every field before writing, refuses duplicates without changing
 * anything, cascades deletes, never hands out a meeting number twice, refuses a newer
 * schema, loses no write under concurrent writers, and a login stores a fresh password hash
 * in place of an outdated one.
 *
 * Every case runs twice: /vmr/store/sqlite/... on a file in a temp dir, and
 * /vmr/store/postgresql/... when TPAAS_TEST_PG_URI names a database (each case gets its own
 * schema, dropped afterwards); without it the PostgreSQL cases are skipped.
 * tests/unit/pg-test-server.sh -- ./vmr_store_test starts a throw-away server.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "vmr_auth.h"
#include "vmr_service.h"
#include "vmr_store.h"

typedef enum {
	BACKEND_SQLITE,
	BACKEND_PG
} backend;
static const backend sqlite_backend = BACKEND_SQLITE, pg_backend = BACKEND_PG;

typedef struct tenv {
	backend be;
	char *dir;    /* SQLite: the temp dir holding the file */
	char *uri;    /* what vmr_store_open gets */
	char *schema; /* PostgreSQL: this case's schema */
} tenv;

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *pg_admin(void)
{
	PGconn *conn = PQconnectdb(g_getenv("TPAAS_TEST_PG_URI"));
	if (PQstatus(conn) != CONNECTION_OK)
		g_error("cannot connect to TPAAS_TEST_PG_URI: %s", PQerrorMessage(conn));
	PQsetNoticeProcessor(conn, quiet_notices, NULL); /* "drop cascades to ..." */
	return conn;
}

static void pg_admin_exec(const char *sql)
{
	PGconn *conn = pg_admin();
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		g_error("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
}

/* NULL (and the case skipped) when the backend is not available. */
static tenv *env_new(gconstpointer data)
{
	tenv *e = g_new0(tenv, 1);
	e->be = *(const backend *)data;
	if (e->be == BACKEND_SQLITE) {
		e->dir = g_dir_make_tmp("vmr-store-XXXXXX", NULL);
		g_assert_nonnull(e->dir);
		char *path = g_build_filename(e->dir, "vmr.sqlite", NULL);
		e->uri = g_strconcat("sqlite:", path, NULL);
		g_free(path);
		return e;
	}
	const char *base = g_getenv("TPAAS_TEST_PG_URI");
	if (base == NULL || base[0] == '\0') {
		g_test_skip("PostgreSQL not configured: set TPAAS_TEST_PG_URI, e.g. run "
			    "tests/unit/pg-test-server.sh -- make check");
		g_free(e);
		return NULL;
	}
	static int counter;
	e->schema = g_strdup_printf("vmr_test_%d_%d", (int)getpid(), g_atomic_int_add(&counter, 1));
	char *sql = g_strdup_printf("CREATE SCHEMA %s", e->schema);
	pg_admin_exec(sql);
	g_free(sql);
	e->uri = g_strdup_printf(
		"%s%soptions=-csearch_path%%3D%s", base, strchr(base, '?') ? "&" : "?", e->schema);
	return e;
}

static void env_free(tenv *e)
{
	if (e->be == BACKEND_SQLITE) {
		const char *files[] = { "vmr.sqlite", "vmr.sqlite-wal", "vmr.sqlite-shm" };
		for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
			char *f = g_build_filename(e->dir, files[i], NULL);
			g_unlink(f);
			g_free(f);
		}
		g_rmdir(e->dir);
	} else {
		char *sql = g_strdup_printf("DROP SCHEMA %s CASCADE", e->schema);
		pg_admin_exec(sql);
		g_free(sql);
	}
	g_free(e->dir);
	g_free(e->uri);
	g_free(e->schema);
	g_free(e);
}

static vmr_store *env_open(tenv *e)
{
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(e->uri, &st), ==, 0);
	g_assert_cmpstr(
		vmr_store_backend(st), ==, e->be == BACKEND_SQLITE ? "sqlite" : "postgresql");
	return st;
}

static int64_t add_account(vmr_store *st, const char *username)
{
	int64_t id = 0;
	g_assert_cmpint(vmr_store_account_create(
				st, username, "Ana García", NULL, "$argon2id$v=19$x", 0, &id),
		==, 0);
	g_assert_cmpint(id, >, 0);
	return id;
}

static const char *token(char c)
{
	static char buf[8][65];
	static int next;
	char *t = buf[next++ % 8];
	memset(t, c, 64);
	t[64] = '\0';
	return t;
}

#define ENV_BEGIN()                                                                                \
	tenv *e = env_new(data);                                                                   \
	if (e == NULL)                                                                             \
		return;                                                                            \
	vmr_store *st = env_open(e)
#define ENV_END()                                                                                  \
	do {                                                                                       \
		vmr_store_close(st);                                                               \
		env_free(e);                                                                       \
	} while (0)

/* ---- persistence ------------------------------------------------------------------------ */

static void test_accounts_persist_across_reopen(gconstpointer data)
{
	ENV_BEGIN();
	int64_t id = 0;
	g_assert_cmpint(vmr_store_account_create(st, "alice", "Alice Ödön", "alice@example.org",
				"$argon2id$v=19$a", 1, &id),
		==, 0);
	vmr_store_close(st);
	st = env_open(e);
	vmr_account a;
	g_assert_cmpint(vmr_store_account_get(st, id, &a), ==, 0);
	g_assert_cmpstr(a.username, ==, "alice");
	g_assert_cmpstr(a.display_name, ==, "Alice Ödön");
	g_assert_cmpstr(a.email, ==, "alice@example.org");
	g_assert_cmpstr(a.password_hash, ==, "$argon2id$v=19$a");
	g_assert_cmpint(a.is_admin, ==, 1);
	g_assert_cmpint(a.created_at, >, 1600000000);
	vmr_account_clear(&a);
	g_assert_cmpint(vmr_store_account_set_password(st, id, "$argon2id$v=19$b"), ==, 0);
	vmr_store_close(st);
	st = env_open(e);
	g_assert_cmpint(vmr_store_account_get_by_username(st, "alice", &a), ==, 0);
	g_assert_cmpint(a.id, ==, id);
	g_assert_cmpstr(a.password_hash, ==, "$argon2id$v=19$b");
	vmr_account_clear(&a);
	ENV_END();
}

static void test_rooms_persist_across_reopen(gconstpointer data)
{
	ENV_BEGIN();
	int64_t alice = add_account(st, "alice");
	vmr_room r, sales;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "alice", alice, "1234", "2x2", 0, &r),
		==, 0);
	g_assert_cmpstr(r.address, ==, "alice.join");
	g_assert_cmpint(r.meeting_number, >=, 100000);
	g_assert_cmpint(r.meeting_number, <=, 999999);
	g_assert_cmpint(vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "sales", alice, NULL, NULL,
				424242, &sales),
		==, 0);
	g_assert_cmpstr(sales.address, ==, "sales");
	g_assert_cmpstr(sales.layout, ==, "1+7");
	g_assert_cmpint(vmr_store_room_update(st, r.id, NULL, NULL, NULL, 1), ==, 0);
	vmr_store_close(st);

	st = env_open(e);
	vmr_room g;
	g_assert_cmpint(vmr_store_room_get(st, r.id, &g), ==, 0);
	g_assert_cmpint(g.kind, ==, VMR_ROOM_PERSONAL);
	g_assert_cmpstr(g.name, ==, "alice");
	g_assert_cmpstr(g.address, ==, "alice.join");
	g_assert_cmpint(g.owner_id, ==, alice);
	g_assert_cmpstr(g.pin, ==, "1234");
	g_assert_cmpstr(g.layout, ==, "2x2");
	g_assert_cmpint(g.meeting_number, ==, r.meeting_number);
	g_assert_cmpint(g.receive_call, ==, 1);
	g_assert_cmpint(g.created_at, ==, r.created_at);
	vmr_room_clear(&g);
	g_assert_cmpint(vmr_store_room_get_by_address(st, "alice.join", &g), ==, 0);
	g_assert_cmpint(g.id, ==, r.id);
	vmr_room_clear(&g);
	g_assert_cmpint(vmr_store_room_get_by_number(st, 424242, &g), ==, 0);
	g_assert_cmpint(g.id, ==, sales.id);
	g_assert_cmpint(g.kind, ==, VMR_ROOM_ENTERPRISE);
	g_assert_null(g.pin);
	vmr_room_clear(&g);
	g_assert_cmpint(vmr_store_room_get_personal(st, alice, &g), ==, 0);
	g_assert_cmpint(g.id, ==, r.id);
	vmr_room_clear(&g);
	GPtrArray *list = vmr_store_room_list_by_owner(st, alice);
	g_assert_nonnull(list);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpint(((vmr_room *)list->pdata[0])->kind, ==, VMR_ROOM_PERSONAL);
	g_assert_cmpstr(((vmr_room *)list->pdata[1])->address, ==, "sales");
	g_ptr_array_unref(list);
	vmr_room_clear(&r);
	vmr_room_clear(&sales);
	ENV_END();
}

static void test_invitations_persist_across_reopen(gconstpointer data)
{
	ENV_BEGIN();
	vmr_room room;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "board", 0, NULL, NULL, 0, &room),
		==, 0);
	g_assert_cmpint(room.owner_id, ==, 0);
	vmr_invitation a, b;
	g_assert_cmpint(vmr_store_invitation_create(
				st, room.id, "maria@example.org", "maria", "0123456789abcdef", &a),
		==, 0);
	g_assert_cmpint(vmr_store_invitation_create(
				st, room.id, "li@example.org", "li", "fedcba9876543210", &b),
		==, 0);
	g_assert_cmpint(a.id, >, 0);
	g_assert_cmpint(b.id, >, a.id);
	g_assert_cmpint(a.state, ==, VMR_INVITATION_ACTIVE);
	g_assert_cmpstr(a.mail_status, ==, "queued");
	vmr_store_close(st);

	st = env_open(e);
	vmr_invitation g;
	g_assert_cmpint(vmr_store_invitation_get(st, a.id, &g), ==, 0);
	g_assert_cmpint(g.room_id, ==, room.id);
	g_assert_cmpstr(g.email, ==, "maria@example.org");
	g_assert_cmpstr(g.guest_name, ==, "maria");
	g_assert_cmpstr(g.secret, ==, "0123456789abcdef");
	g_assert_cmpint(g.state, ==, VMR_INVITATION_ACTIVE);
	g_assert_cmpint(g.created_at, ==, a.created_at);
	g_assert_cmpint(g.last_used_at, ==, 0);
	g_assert_cmpstr(g.mail_status, ==, "queued");
	vmr_invitation_clear(&g);
	GPtrArray *list = vmr_store_invitation_list(st, room.id);
	g_assert_nonnull(list);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpint(((vmr_invitation *)list->pdata[0])->id, ==, b.id); /* newest first */
	g_assert_cmpint(((vmr_invitation *)list->pdata[1])->id, ==, a.id);
	g_ptr_array_unref(list);
	vmr_invitation_clear(&a);
	vmr_invitation_clear(&b);
	vmr_room_clear(&room);
	ENV_END();
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_missing_is_enoent(gconstpointer data)
{
	ENV_BEGIN();
	vmr_account a;
	vmr_room r;
	vmr_invitation inv;
	int64_t id = 0;
	g_assert_cmpint(vmr_store_account_get(st, 999, &a), ==, -ENOENT);
	g_assert_cmpint(vmr_store_account_get_by_username(st, "nobody", &a), ==, -ENOENT);
	g_assert_cmpint(vmr_store_account_set_password(st, 999, "$x$y"), ==, -ENOENT);
	g_assert_cmpint(vmr_store_account_delete(st, 999), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_create(st, token('a'), 999, 2000000000), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_get(st, token('a'), 0, &id), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_delete(st, token('a')), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get(st, 999, &r), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get_by_address(st, "nobody.join", &r), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get_by_number(st, 123456, &r), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get_personal(st, 999, &r), ==, -ENOENT);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "ghost", 999, NULL, NULL, 0, NULL), ==,
		-ENOENT);
	g_assert_cmpint(vmr_store_room_update(st, 999, "other", NULL, NULL, -1), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_delete(st, 999), ==, -ENOENT);
	GPtrArray *list = vmr_store_room_list_by_owner(st, 999);
	g_assert_nonnull(list);
	g_assert_cmpuint(list->len, ==, 0);
	g_ptr_array_unref(list);
	g_assert_cmpint(vmr_store_invitation_create(
				st, 999, "a@example.org", "a", "0123456789abcdef", NULL),
		==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_get(st, 999, &inv), ==, -ENOENT);
	g_assert_cmpint(
		vmr_store_invitation_set_state(st, 999, VMR_INVITATION_REVOKED), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_set_mail_status(st, 999, "sent"), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_touch(st, 999, 1700000000), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_delete(st, 999), ==, -ENOENT);
	ENV_END();
}

static void test_duplicates_refused_nothing_changed(gconstpointer data)
{
	ENV_BEGIN();
	int64_t alice = add_account(st, "alice");
	g_assert_cmpint(vmr_store_account_create(st, "alice", "Mallory", NULL, "$x$other", 1, NULL),
		==, -EEXIST);
	vmr_account a;
	g_assert_cmpint(vmr_store_account_get_by_username(st, "alice", &a), ==, 0);
	g_assert_cmpint(a.id, ==, alice);
	g_assert_cmpstr(a.display_name, ==, "Ana García");
	g_assert_cmpint(a.is_admin, ==, 0);
	vmr_account_clear(&a);

	vmr_room r;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "alice", alice, "1111", NULL, 0, &r),
		==, 0);
	/* One personal room per account, and addresses are unique. */
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "alice2", alice, NULL, NULL, 0, NULL),
		==, -EEXIST);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "team", 0, NULL, NULL, 555555, NULL),
		==, 0);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "team", 0, "2222", NULL, 0, NULL),
		==, -EEXIST);
	g_assert_cmpint(vmr_store_room_create(
				st, VMR_ROOM_ENTERPRISE, "other", 0, NULL, NULL, 555555, NULL),
		==, -EEXIST);
	g_assert_cmpint(vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "other", 0, NULL, NULL,
				r.meeting_number, NULL),
		==, -EEXIST);
	/* The enterprise room "alice" does not collide with alice's personal "alice.join". */
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "alice", 0, NULL, NULL, 0, NULL), ==,
		0);
	vmr_room g;
	g_assert_cmpint(vmr_store_room_get_by_address(st, "other", &g), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get_by_address(st, "team", &g), ==, 0);
	g_assert_null(g.pin);
	g_assert_cmpint(g.meeting_number, ==, 555555);
	vmr_room_clear(&g);
	GPtrArray *list = vmr_store_room_list_by_owner(st, alice);
	g_assert_cmpuint(list->len, ==, 1);
	g_ptr_array_unref(list);

	g_assert_cmpint(vmr_store_session_create(st, token('b'), alice, 2000000000), ==, 0);
	g_assert_cmpint(vmr_store_session_create(st, token('b'), alice, 2100000000), ==, -EEXIST);

	vmr_invitation inv;
	g_assert_cmpint(vmr_store_invitation_create(
				st, r.id, "a@example.org", "a", "00112233445566778899", &inv),
		==, 0);
	g_assert_cmpint(vmr_store_invitation_create(
				st, r.id, "b@example.org", "b", "00112233445566778899", NULL),
		==, -EEXIST);
	list = vmr_store_invitation_list(st, r.id);
	g_assert_cmpuint(list->len, ==, 1);
	g_ptr_array_unref(list);
	vmr_invitation_clear(&inv);
	vmr_room_clear(&r);
	ENV_END();
}

static void test_invalid_fields_refused_nothing_stored(gconstpointer data)
{
	ENV_BEGIN();
	char long_name[40], long_text[300], long_email[300];
	memset(long_name, 'a', 33);
	long_name[33] = '\0';
	memset(long_text, 'x', 299);
	long_text[299] = '\0';
	memset(long_email, 'a', 250);
	memcpy(long_email + 250, "@b.cd", 6);
	const char *bad_names[] = { "ab", "Upper", "x'; DROP TABLE accounts;--", "with space",
		"tab\tx", long_name, "", NULL };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_names); i++) {
		g_assert_cmpint(
			vmr_store_account_create(st, bad_names[i], "X", NULL, "$x$y", 0, NULL), ==,
			-EINVAL);
		g_assert_cmpint(vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, bad_names[i], 0,
					NULL, NULL, 0, NULL),
			==, -EINVAL);
	}
	const char *bad_emails[] = { "a@example.org\r\nBcc: x@evil.org", "a@example.org\n",
		"no-at-sign", "a@@b.org", "a b@example.org", "a@b@c.org", "@example.org", "a@",
		"a@nodot", "a@.example.org", "a@example..org", "<a@example.org>", "a,b@example.org",
		long_email, "" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_emails); i++)
		g_assert_cmpint(vmr_store_account_create(
					st, "carol", "Carol", bad_emails[i], "$x$y", 0, NULL),
			==, -EINVAL);
	const char *bad_texts[] = { "", "Carol\r\nX-Injected: 1", "tab\there", long_text,
		"\xff\xfe", NULL };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_texts); i++)
		g_assert_cmpint(
			vmr_store_account_create(st, "carol", bad_texts[i], NULL, "$x$y", 0, NULL),
			==, -EINVAL);
	const char *bad_hashes[] = { "", "has space", "line\nbreak", long_text, NULL };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_hashes); i++)
		g_assert_cmpint(vmr_store_account_create(
					st, "carol", "Carol", NULL, bad_hashes[i], 0, NULL),
			==, -EINVAL);
	vmr_account a;
	g_assert_cmpint(vmr_store_account_get_by_username(st, "carol", &a), ==, -ENOENT);

	int64_t dave = add_account(st, "dave");
	g_assert_cmpint(vmr_store_account_set_password(st, dave, "bad\r\nhash"), ==, -EINVAL);
	g_assert_cmpint(vmr_store_account_get(st, dave, &a), ==, 0);
	g_assert_cmpstr(a.password_hash, ==, "$argon2id$v=19$x");
	vmr_account_clear(&a);

	const char *bad_pins[] = { "12a4", "12345", "123", " 123", "١٢٣٤" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_pins); i++)
		g_assert_cmpint(vmr_store_room_create(st, VMR_ROOM_PERSONAL, "dave", dave,
					bad_pins[i], NULL, 0, NULL),
			==, -EINVAL);
	const char *bad_layouts[] = { "4x4", "", "2X2", "speaker " };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_layouts); i++)
		g_assert_cmpint(vmr_store_room_create(st, VMR_ROOM_PERSONAL, "dave", dave, NULL,
					bad_layouts[i], 0, NULL),
			==, -EINVAL);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "dave", dave, NULL, NULL, 99999, NULL),
		==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(
				st, VMR_ROOM_PERSONAL, "dave", dave, NULL, NULL, 1000000, NULL),
		==, -EINVAL);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "dave", 0, NULL, NULL, 0, NULL), ==,
		-EINVAL);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "dave", -1, NULL, NULL, 0, NULL), ==,
		-EINVAL);
	g_assert_cmpint(
		vmr_store_room_create(st, (vmr_room_kind)3, "dave", dave, NULL, NULL, 0, NULL), ==,
		-EINVAL);
	/* An enterprise room may not squat a personal address. */
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "erin.join", 0, NULL, NULL, 0, NULL),
		==, -EINVAL);
	GPtrArray *list = vmr_store_room_list_by_owner(st, dave);
	g_assert_cmpuint(list->len, ==, 0);
	g_ptr_array_unref(list);
	vmr_room r;
	g_assert_cmpint(vmr_store_room_get_by_address(st, "erin.join", &r), ==, -ENOENT);

	/* Boundaries that are valid. */
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "dave", dave, "", "speaker", 0, &r),
		==, 0);
	g_assert_null(r.pin);

	const char *bad_secrets[] = { "0123456789abcde", "0123456789ABCDEF", "0123456789abcdeg", "",
		NULL };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_secrets); i++)
		g_assert_cmpint(vmr_store_invitation_create(
					st, r.id, "m@example.org", "m", bad_secrets[i], NULL),
			==, -EINVAL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_emails); i++)
		g_assert_cmpint(vmr_store_invitation_create(
					st, r.id, bad_emails[i], "m", "0123456789abcdef", NULL),
			==, -EINVAL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_texts); i++)
		g_assert_cmpint(vmr_store_invitation_create(st, r.id, "m@example.org", bad_texts[i],
					"0123456789abcdef", NULL),
			==, -EINVAL);
	list = vmr_store_invitation_list(st, r.id);
	g_assert_cmpuint(list->len, ==, 0);
	g_ptr_array_unref(list);

	vmr_invitation inv;
	g_assert_cmpint(vmr_store_invitation_create(
				st, r.id, "m@example.org", "m", "0123456789abcdef", &inv),
		==, 0);
	g_assert_cmpint(
		vmr_store_invitation_set_state(st, inv.id, (vmr_invitation_state)3), ==, -EINVAL);
	g_assert_cmpint(vmr_store_invitation_set_mail_status(st, inv.id, "bogus"), ==, -EINVAL);
	g_assert_cmpint(
		vmr_store_invitation_set_mail_status(st, inv.id, "failed: a\r\nb"), ==, -EINVAL);
	g_assert_cmpint(vmr_store_invitation_set_mail_status(st, inv.id, NULL), ==, -EINVAL);
	vmr_invitation g;
	g_assert_cmpint(vmr_store_invitation_get(st, inv.id, &g), ==, 0);
	g_assert_cmpint(g.state, ==, VMR_INVITATION_ACTIVE);
	g_assert_cmpstr(g.mail_status, ==, "queued");
	vmr_invitation_clear(&g);

	g_assert_cmpint(vmr_store_session_create(st, "abc", dave, 2000000000), ==, -EINVAL);
	g_assert_cmpint(
		vmr_store_session_create(st, "'; DELETE FROM sessions;--", dave, 2000000000), ==,
		-EINVAL);
	char upper[65];
	memset(upper, 'A', 64);
	upper[64] = '\0';
	g_assert_cmpint(vmr_store_session_create(st, upper, dave, 2000000000), ==, -EINVAL);
	int64_t owner = 0;
	g_assert_cmpint(vmr_store_session_get(st, upper, 0, &owner), ==, -ENOENT);

	/* Validators themselves. */
	g_assert_true(vmr_email_is_valid("first.last+tag@mail.example.org"));
	g_assert_true(vmr_room_pin_is_valid(NULL));
	g_assert_true(vmr_room_pin_is_valid("0420"));
	g_assert_false(vmr_room_layout_is_valid(NULL));
	g_assert_true(vmr_account_username_is_valid("a.b-c"));
	vmr_invitation_clear(&inv);
	vmr_room_clear(&r);
	ENV_END();
}

static void test_room_update_is_all_or_nothing(gconstpointer data)
{
	ENV_BEGIN();
	int64_t alice = add_account(st, "alice"), bob = add_account(st, "bob");
	vmr_room ra, rb, g;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "alice", alice, NULL, NULL, 0, &ra),
		==, 0);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "bob", bob, "1234", "2x2", 0, &rb), ==,
		0);
	/* Taken address: PIN, layout and receive_call must not change either. */
	g_assert_cmpint(vmr_store_room_update(st, rb.id, "alice", "9999", "3x3", 1), ==, -EEXIST);
	/* Invalid field: nothing changes, not even the valid name. */
	g_assert_cmpint(vmr_store_room_update(st, rb.id, "robert", "9999", "4x4", 1), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_update(st, rb.id, "robert", "99", NULL, -1), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_update(st, rb.id, "Robert", NULL, NULL, -1), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_get(st, rb.id, &g), ==, 0);
	g_assert_cmpstr(g.name, ==, "bob");
	g_assert_cmpstr(g.address, ==, "bob.join");
	g_assert_cmpstr(g.pin, ==, "1234");
	g_assert_cmpstr(g.layout, ==, "2x2");
	g_assert_cmpint(g.receive_call, ==, 0);
	vmr_room_clear(&g);

	/* NULL / -1 leave fields alone; "" removes the PIN; a rename moves the address. */
	g_assert_cmpint(vmr_store_room_update(st, rb.id, NULL, NULL, "speaker", -1), ==, 0);
	g_assert_cmpint(vmr_store_room_update(st, rb.id, "robert", "", NULL, 1), ==, 0);
	g_assert_cmpint(vmr_store_room_get(st, rb.id, &g), ==, 0);
	g_assert_cmpstr(g.name, ==, "robert");
	g_assert_cmpstr(g.address, ==, "robert.join");
	g_assert_null(g.pin);
	g_assert_cmpstr(g.layout, ==, "speaker");
	g_assert_cmpint(g.receive_call, ==, 1);
	g_assert_cmpint(g.meeting_number, ==, rb.meeting_number);
	vmr_room_clear(&g);
	g_assert_cmpint(vmr_store_room_get_by_address(st, "bob.join", &g), ==, -ENOENT);
	/* The freed address can be taken again. */
	g_assert_cmpint(vmr_store_room_update(st, ra.id, "bob", "4321", NULL, -1), ==, 0);
	g_assert_cmpint(vmr_store_room_get_by_address(st, "bob.join", &g), ==, 0);
	g_assert_cmpint(g.id, ==, ra.id);
	g_assert_cmpstr(g.pin, ==, "4321");
	vmr_room_clear(&g);

	vmr_room ent;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "sales", 0, NULL, NULL, 0, &ent), ==,
		0);
	g_assert_cmpint(
		vmr_store_room_update(st, ent.id, "sales.join", NULL, NULL, -1), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_update(st, ent.id, "bob", NULL, NULL, -1), ==,
		0); /* "bob" != "bob.join" */
	g_assert_cmpint(vmr_store_room_get_by_address(st, "bob", &g), ==, 0);
	vmr_room_clear(&g);
	vmr_room_clear(&ent);
	vmr_room_clear(&ra);
	vmr_room_clear(&rb);
	ENV_END();
}

static void test_sessions_expire(gconstpointer data)
{
	ENV_BEGIN();
	int64_t alice = add_account(st, "alice");
	int64_t who = 0;
	g_assert_cmpint(vmr_store_session_create(st, token('1'), alice, 1000), ==, 0);
	g_assert_cmpint(vmr_store_session_create(st, token('2'), alice, 5000), ==, 0);
	g_assert_cmpint(vmr_store_session_get(st, token('1'), 999, &who), ==, 0);
	g_assert_cmpint(who, ==, alice);
	g_assert_cmpint(vmr_store_session_get(st, token('1'), 1000, &who), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_get(st, token('1'), 4000, &who), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_purge_expired(st, 1000), ==, 0);
	/* Purged: gone even for a clock that went back. */
	g_assert_cmpint(vmr_store_session_get(st, token('1'), 0, &who), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_get(st, token('2'), 1000, &who), ==, 0);
	g_assert_cmpint(vmr_store_session_delete(st, token('2')), ==, 0);
	g_assert_cmpint(vmr_store_session_get(st, token('2'), 1000, &who), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_delete(st, token('2')), ==, -ENOENT);
	ENV_END();
}

static void test_account_delete_cascades(gconstpointer data)
{
	ENV_BEGIN();
	int64_t alice = add_account(st, "alice"), bob = add_account(st, "bob");
	vmr_room ra, re, rb, g;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "alice", alice, NULL, NULL, 0, &ra),
		==, 0);
	g_assert_cmpint(vmr_store_room_create(
				st, VMR_ROOM_ENTERPRISE, "alices-team", alice, NULL, NULL, 0, &re),
		==, 0);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "bob", bob, NULL, NULL, 0, &rb), ==,
		0);
	vmr_invitation ia, ib, gi;
	g_assert_cmpint(vmr_store_invitation_create(
				st, ra.id, "x@example.org", "x", "aaaaaaaaaaaaaaaa", &ia),
		==, 0);
	g_assert_cmpint(vmr_store_invitation_create(
				st, rb.id, "y@example.org", "y", "bbbbbbbbbbbbbbbb", &ib),
		==, 0);
	g_assert_cmpint(vmr_store_session_create(st, token('a'), alice, 2000000000), ==, 0);
	g_assert_cmpint(vmr_store_session_create(st, token('b'), bob, 2000000000), ==, 0);

	g_assert_cmpint(vmr_store_account_delete(st, alice), ==, 0);
	vmr_account a;
	int64_t who;
	g_assert_cmpint(vmr_store_account_get(st, alice, &a), ==, -ENOENT);
	g_assert_cmpint(vmr_store_session_get(st, token('a'), 0, &who), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get(st, ra.id, &g), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get(st, re.id, &g), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get_personal(st, alice, &g), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_get(st, ia.id, &gi), ==, -ENOENT);
	/* Bob is untouched. */
	g_assert_cmpint(vmr_store_session_get(st, token('b'), 0, &who), ==, 0);
	g_assert_cmpint(who, ==, bob);
	g_assert_cmpint(vmr_store_room_get(st, rb.id, &g), ==, 0);
	vmr_room_clear(&g);
	g_assert_cmpint(vmr_store_invitation_get(st, ib.id, &gi), ==, 0);
	vmr_invitation_clear(&gi);
	/* The username is free again, with a fresh id. */
	int64_t again = add_account(st, "alice");
	g_assert_cmpint(again, !=, alice);
	vmr_invitation_clear(&ia);
	vmr_invitation_clear(&ib);
	vmr_room_clear(&ra);
	vmr_room_clear(&re);
	vmr_room_clear(&rb);
	ENV_END();
}

static void test_invitation_lifecycle(gconstpointer data)
{
	ENV_BEGIN();
	vmr_room room, g;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "board", 0, "1234", NULL, 0, &room),
		==, 0);
	vmr_invitation a, b, gi;
	g_assert_cmpint(vmr_store_invitation_create(
				st, room.id, "maria@example.org", "maria", "1111111111111111", &a),
		==, 0);
	g_assert_cmpint(vmr_store_invitation_create(
				st, room.id, "li@example.org", "li", "2222222222222222", &b),
		==, 0);

	g_assert_cmpint(vmr_store_invitation_touch(st, a.id, 1700000000), ==, 0);
	g_assert_cmpint(vmr_store_invitation_set_mail_status(st, a.id, "sent"), ==, 0);
	g_assert_cmpint(vmr_store_invitation_set_state(st, a.id, VMR_INVITATION_REVOKED), ==, 0);
	g_assert_cmpint(vmr_store_invitation_get(st, a.id, &gi), ==, 0);
	g_assert_cmpint(gi.last_used_at, ==, 1700000000);
	g_assert_cmpstr(gi.mail_status, ==, "sent");
	g_assert_cmpint(gi.state, ==, VMR_INVITATION_REVOKED);
	vmr_invitation_clear(&gi);
	g_assert_cmpint(
		vmr_store_invitation_set_mail_status(st, b.id, "failed: 550 mailbox unavailable"),
		==, 0);
	g_assert_cmpint(vmr_store_invitation_get(st, b.id, &gi), ==, 0);
	g_assert_cmpstr(gi.mail_status, ==, "failed: 550 mailbox unavailable");
	g_assert_cmpint(gi.state, ==, VMR_INVITATION_ACTIVE); /* the other one is untouched */
	g_assert_cmpint(gi.last_used_at, ==, 0);
	vmr_invitation_clear(&gi);
	g_assert_cmpint(vmr_store_invitation_set_state(st, a.id, VMR_INVITATION_ACTIVE), ==, 0);

	g_assert_cmpint(vmr_store_invitation_delete(st, a.id), ==, 0);
	g_assert_cmpint(vmr_store_invitation_get(st, a.id, &gi), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_delete(st, a.id), ==, -ENOENT);
	GPtrArray *list = vmr_store_invitation_list(st, room.id);
	g_assert_cmpuint(list->len, ==, 1);
	g_ptr_array_unref(list);
	/* A new invitation never reuses the deleted one's id (old links stay dead). */
	vmr_invitation c;
	g_assert_cmpint(vmr_store_invitation_create(
				st, room.id, "z@example.org", "z", "3333333333333333", &c),
		==, 0);
	g_assert_cmpint(c.id, >, b.id);
	/* Deleting the room takes its invitations along. */
	g_assert_cmpint(vmr_store_room_delete(st, room.id), ==, 0);
	g_assert_cmpint(vmr_store_room_get(st, room.id, &g), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_get(st, b.id, &gi), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_get(st, c.id, &gi), ==, -ENOENT);
	vmr_invitation_clear(&a);
	vmr_invitation_clear(&b);
	vmr_invitation_clear(&c);
	vmr_room_clear(&room);
	ENV_END();
}

static void test_many_rooms_get_distinct_numbers(gconstpointer data)
{
	ENV_BEGIN();
	GHashTable *seen = g_hash_table_new(NULL, NULL);
	for (int i = 0; i < 300; i++) {
		char name[32];
		g_snprintf(name, sizeof(name), "room-%03d", i);
		vmr_room r;
		g_assert_cmpint(
			vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, name, 0, NULL, NULL, 0, &r),
			==, 0);
		g_assert_cmpint(r.meeting_number, >=, 100000);
		g_assert_cmpint(r.meeting_number, <=, 999999);
		g_assert_false(g_hash_table_contains(seen, GINT_TO_POINTER(r.meeting_number)));
		g_hash_table_add(seen, GINT_TO_POINTER(r.meeting_number));
		vmr_room_clear(&r);
	}
	g_hash_table_destroy(seen);
	/* Force a collision: the same seed picks the same first number, so the second room
	 * must be retried onto another one (this exercises the backend's "which UNIQUE
	 * failed" mapping, not just the luck of a sparse number space). */
	vmr_room a, b;
	g_random_set_seed(42);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "seeded-a", 0, NULL, NULL, 0, &a),
		==, 0);
	g_random_set_seed(42);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "seeded-b", 0, NULL, NULL, 0, &b),
		==, 0);
	g_assert_cmpint(a.meeting_number, !=, b.meeting_number);
	vmr_room_clear(&a);
	vmr_room_clear(&b);
	ENV_END();
}

static void test_newer_schema_is_refused(gconstpointer data)
{
	ENV_BEGIN();
	int64_t alice = add_account(st, "alice");
	vmr_store_close(st);
	/* Pretend a newer release wrote the store: we must refuse it and leave it alone. */
	if (e->be == BACKEND_SQLITE) {
		sqlite3 *db = NULL;
		g_assert_cmpint(sqlite3_open(e->uri + strlen("sqlite:"), &db), ==, SQLITE_OK);
		g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==,
			SQLITE_OK);
		sqlite3_close(db);
	} else {
		char *sql = g_strdup_printf("UPDATE %s.schema_version SET version = 99", e->schema);
		pg_admin_exec(sql);
		g_free(sql);
	}
	st = NULL;
	g_assert_cmpint(vmr_store_open(e->uri, &st), ==, -EPROTO);
	g_assert_null(st);
	if (e->be == BACKEND_SQLITE) {
		sqlite3 *db = NULL;
		sqlite3_stmt *q = NULL;
		g_assert_cmpint(sqlite3_open(e->uri + strlen("sqlite:"), &db), ==, SQLITE_OK);
		g_assert_cmpint(
			sqlite3_prepare_v2(db, "SELECT id FROM accounts WHERE username = 'alice'",
				-1, &q, NULL),
			==, SQLITE_OK);
		g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
		g_assert_cmpint(sqlite3_column_int64(q, 0), ==, alice);
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	env_free(e);
}

/* A bare path means SQLite; a mistyped or unreachable URI is an error, not a new file. */
static void test_open_by_uri(gconstpointer data)
{
	tenv *e = env_new(data);
	vmr_store *st = NULL;
	const char *path = e->uri + strlen("sqlite:");
	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	g_assert_cmpstr(vmr_store_backend(st), ==, "sqlite");
	add_account(st, "alice");
	vmr_store_close(st);
	st = env_open(e); /* the same file through "sqlite:" */
	vmr_account a;
	g_assert_cmpint(vmr_store_account_get_by_username(st, "alice", &a), ==, 0);
	vmr_account_clear(&a);
	vmr_store_close(st);
	vmr_store *none = NULL;
	g_assert_cmpint(vmr_store_open(NULL, &none), ==, -EINVAL);
	g_assert_cmpint(vmr_store_open("", &none), ==, -EINVAL);
	g_assert_cmpint(vmr_store_open("sqlite:", &none), ==, -EINVAL);
	g_assert_cmpint(vmr_store_open("postgresql:/typo", &none), ==, -EINVAL);
	g_assert_cmpint(vmr_store_open("postgresql:///x?host=/nonexistent-dir", &none), ==, -EIO);
	g_assert_null(none);
	env_free(e);
}

/* A store written by 0.1.0 (rooms only, user_version 1) opens, its rooms kept. */
static void test_v1_store_is_migrated(gconstpointer data)
{
	tenv *e = env_new(data);
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open(e->uri + strlen("sqlite:"), &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db,
				"CREATE TABLE rooms (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
				"UNIQUE, pin TEXT,"
				" layout TEXT NOT NULL DEFAULT '1+7', meeting_number INTEGER NOT "
				"NULL UNIQUE,"
				" created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')));"
				"INSERT INTO rooms (name, pin, layout, meeting_number) VALUES "
				"('demo', '0420', '2x2', 654321);"
				"PRAGMA user_version = 1;",
				NULL, NULL, NULL),
		==, SQLITE_OK);
	sqlite3_close(db);
	vmr_store *st = env_open(e);
	vmr_room r;
	g_assert_cmpint(vmr_store_room_get_by_number(st, 654321, &r), ==, 0);
	g_assert_cmpint(r.kind, ==, VMR_ROOM_ENTERPRISE);
	g_assert_cmpstr(r.address, ==, "demo");
	g_assert_cmpstr(r.pin, ==, "0420");
	g_assert_cmpstr(r.layout, ==, "2x2");
	g_assert_cmpint(r.owner_id, ==, 0);
	g_assert_cmpint(r.created_at, >, 1600000000);
	vmr_room_clear(&r);
	add_account(st, "alice");
	ENV_END();
}

static gboolean is_hex32(const char *s)
{
	return s != NULL && strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

/* A store of schema 3 kept the HA1 of each account's web password for SIP: migrated, that HA1 is
 * gone and every account has a SIP password of its own (128 random bits, none alike). */
static void test_v3_store_drops_web_password_ha1(gconstpointer data)
{
	tenv *e = env_new(data);
	vmr_store *st = env_open(e);
	add_account(st, "alice");
	add_account(st, "bob");
	vmr_store_close(st);
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open(e->uri + strlen("sqlite:"), &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db,
				"ALTER TABLE accounts DROP COLUMN sip_password;"
				"DROP INDEX invitations_room_code;" /* what later versions add */
				"ALTER TABLE invitations DROP COLUMN guest_code;"
				/* (and what version 5 added) */
				"ALTER TABLE rooms DROP COLUMN host_pin;"
				"ALTER TABLE rooms DROP COLUMN wait_for_host;"
				"ALTER TABLE rooms DROP COLUMN end_after_host_min;"
				"DROP TABLE host_actions;"
				/* (and what version 7 added) */
				"DROP TABLE cluster_nodes;"
				"DROP TABLE room_placement;"
				"DROP TABLE sip_registrations;"
				"UPDATE accounts SET sip_ha1 = '0123456789abcdef0123456789abcdef';"
				"PRAGMA user_version = 3;",
				NULL, NULL, NULL),
		==, SQLITE_OK);
	sqlite3_close(db);
	st = env_open(e);
	vmr_account a, b;
	g_assert_cmpint(vmr_store_account_get_by_username(st, "alice", &a), ==, 0);
	g_assert_cmpint(vmr_store_account_get_by_username(st, "bob", &b), ==, 0);
	g_assert_true(is_hex32(a.sip_password));
	g_assert_true(is_hex32(b.sip_password));
	g_assert_cmpstr(a.sip_password, !=, b.sip_password);
	vmr_account_clear(&a);
	vmr_account_clear(&b);
	vmr_store_close(st);
	g_assert_cmpint(sqlite3_open(e->uri + strlen("sqlite:"), &db), ==, SQLITE_OK);
	sqlite3_stmt *q = NULL;
	g_assert_cmpint(
		sqlite3_prepare_v2(db, "SELECT count(*) FROM accounts WHERE sip_ha1 IS NOT NULL",
			-1, &q, NULL),
		==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
	g_assert_cmpint(sqlite3_column_int(q, 0), ==, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	env_free(e);
}

/* A room's host settings: a host PIN next to the guest PIN (never the same), waiting for the
 * host, ending after the last host left; a room of before (only its PIN) keeps it as the guest
 * PIN and has no host PIN. */
static void test_room_host_settings(gconstpointer data)
{
	tenv *e = env_new(data);
	if (e == NULL)
		return;
	vmr_store *st = env_open(e);
	int64_t owner = add_account(st, "hana");
	vmr_room room;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_PERSONAL, "hana", owner, "1234", NULL, 0, &room),
		==, 0);
	int64_t id = room.id;
	vmr_room_clear(&room);
	g_assert_cmpint(vmr_store_room_get(st, id, &room), ==, 0);
	g_assert_null(room.host_pin);
	g_assert_cmpint(room.wait_for_host, ==, 0);
	g_assert_cmpint(room.end_after_host_min, ==, 0);
	vmr_room_clear(&room);
	g_assert_cmpint(vmr_store_room_set_hosts(st, id, "1234", -1, -1), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_set_hosts(st, id, "12a4", -1, -1), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_set_hosts(st, id, NULL, -1, 1441), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_set_hosts(st, id + 1000, "9876", -1, -1), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_set_hosts(st, id, "9876", 1, 5), ==, 0);
	vmr_store_close(st);
	st = env_open(e);
	g_assert_cmpint(vmr_store_room_get(st, id, &room), ==, 0);
	g_assert_cmpstr(room.pin, ==, "1234");
	g_assert_cmpstr(room.host_pin, ==, "9876");
	g_assert_cmpint(room.wait_for_host, ==, 1);
	g_assert_cmpint(room.end_after_host_min, ==, 5);
	vmr_room_clear(&room);
	g_assert_cmpint(vmr_store_room_set_hosts(st, id, "", 0, -1), ==, 0);
	g_assert_cmpint(vmr_store_room_get(st, id, &room), ==, 0);
	g_assert_null(room.host_pin);
	g_assert_cmpint(room.wait_for_host, ==, 0);
	g_assert_cmpint(room.end_after_host_min, ==, 5);
	vmr_room_clear(&room);
	vmr_store_close(st);
	env_free(e);
}

/* ---- concurrency -------------------------------------------------------------------------- */

#define WRITERS 4
#define WRITES  25

typedef struct writer {
	tenv *env;
	vmr_store *shared; /* NULL: open a connection of its own */
	int index;
	int64_t common_room;
} writer;

static gpointer writer_run(gpointer arg)
{
	writer *w = arg;
	vmr_store *st = w->shared;
	if (st == NULL)
		g_assert_cmpint(vmr_store_open(w->env->uri, &st), ==, 0);
	for (int j = 0; j < WRITES; j++) {
		char name[32], secret[33], email[64];
		g_snprintf(name, sizeof(name), "u-%d-%d", w->index, j);
		g_snprintf(secret, sizeof(secret), "%08x%08x", w->index + 1, j + 1);
		g_snprintf(email, sizeof(email), "%s@example.org", name);
		int64_t id = add_account(st, name);
		vmr_room r;
		g_assert_cmpint(
			vmr_store_room_create(st, VMR_ROOM_PERSONAL, name, id, NULL, NULL, 0, &r),
			==, 0);
		g_assert_cmpint(vmr_store_room_update(st, r.id, NULL, "1234", "3x3", 1), ==, 0);
		g_assert_cmpint(
			vmr_store_invitation_create(st, w->common_room, email, name, secret, NULL),
			==, 0);
		vmr_room_clear(&r);
	}
	if (w->shared == NULL)
		vmr_store_close(st);
	return NULL;
}

static void run_writers(gconstpointer data, gboolean shared)
{
	ENV_BEGIN();
	vmr_room common;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "common", 0, NULL, NULL, 0, &common),
		==, 0);
	writer w[WRITERS];
	GThread *t[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (writer){ e, shared ? st : NULL, i, common.id };
		t[i] = g_thread_new("writer", writer_run, &w[i]);
	}
	for (int i = 0; i < WRITERS; i++)
		g_thread_join(t[i]);
	GHashTable *numbers = g_hash_table_new(NULL, NULL);
	for (int i = 0; i < WRITERS; i++) {
		for (int j = 0; j < WRITES; j++) {
			char address[40];
			g_snprintf(address, sizeof(address), "u-%d-%d.join", i, j);
			vmr_room r;
			g_assert_cmpint(vmr_store_room_get_by_address(st, address, &r), ==, 0);
			g_assert_cmpstr(r.pin, ==, "1234");
			g_assert_cmpstr(r.layout, ==, "3x3");
			g_assert_cmpint(r.receive_call, ==, 1);
			g_assert_false(
				g_hash_table_contains(numbers, GINT_TO_POINTER(r.meeting_number)));
			g_hash_table_add(numbers, GINT_TO_POINTER(r.meeting_number));
			vmr_room_clear(&r);
		}
	}
	g_hash_table_destroy(numbers);
	GPtrArray *list = vmr_store_invitation_list(st, common.id);
	g_assert_cmpuint(list->len, ==, WRITERS * WRITES);
	g_ptr_array_unref(list);
	vmr_room_clear(&common);
	ENV_END();
}

static void test_concurrent_writers_shared_store(gconstpointer data)
{
	run_writers(data, TRUE);
}

static void test_concurrent_writers_own_connections(gconstpointer data)
{
	run_writers(data, FALSE);
}

typedef struct opener {
	const char *uri;
	int rc;
} opener;

static gpointer opener_run(gpointer arg)
{
	opener *o = arg;
	vmr_store *st = NULL;
	o->rc = vmr_store_open(o->uri, &st);
	if (o->rc == 0)
		vmr_store_close(st);
	return NULL;
}

/* Several gateway nodes starting at once on an empty store: one migrates, all open. */
static void test_concurrent_open_migrates_once(gconstpointer data)
{
	tenv *e = env_new(data);
	if (e == NULL)
		return;
	opener o[WRITERS];
	GThread *t[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		o[i] = (opener){ e->uri, 1 };
		t[i] = g_thread_new("opener", opener_run, &o[i]);
	}
	for (int i = 0; i < WRITERS; i++) {
		g_thread_join(t[i]);
		g_assert_cmpint(o[i].rc, ==, 0);
	}
	vmr_store *st = env_open(e);
	add_account(st, "alice");
	ENV_END();
}

/* ---- SIP: the SIP password and the call log ------------------------------------------------ */

static void test_sip_password_and_call_log(gconstpointer data)
{
	ENV_BEGIN();
	int64_t alice = add_account(st, "alice");
	vmr_account a;
	g_assert_cmpint(vmr_store_account_get(st, alice, &a), ==, 0);
	g_assert_null(a.sip_password);
	vmr_account_clear(&a);
	g_assert_cmpint(vmr_store_account_set_sip_password(st, alice, "not hex at all, not at all"),
		==, -EINVAL);
	g_assert_cmpint(vmr_store_account_set_sip_password(st, alice, "0123456789abcdef"), ==,
		-EINVAL); /* < 96 bits */
	g_assert_cmpint(vmr_store_account_set_sip_password(
				st, alice + 1000, "0123456789abcdef0123456789abcdef"),
		==, -ENOENT);
	g_assert_cmpint(
		vmr_store_account_set_sip_password(st, alice, "0123456789abcdef0123456789abcdef"),
		==, 0);
	vmr_store_close(st);
	st = env_open(e);
	g_assert_cmpint(vmr_store_account_get_by_username(st, "alice", &a), ==, 0);
	g_assert_cmpstr(a.sip_password, ==, "0123456789abcdef0123456789abcdef");
	vmr_account_clear(&a);

	int64_t c1 = 0, c2 = 0;
	g_assert_cmpint(vmr_store_call_start(st, "sip:bob@192.0.2.7", "192.0.2.7:5060",
				"alice.join", VMR_CALL_ADDRESS, 1700000000, &c1),
		==, 0);
	g_assert_cmpint(vmr_store_call_start(st, "sip:x@192.0.2.8", "192.0.2.8:5060", NULL,
				VMR_CALL_LOBBY, 1700000010, &c2),
		==, 0);
	g_assert_cmpint(vmr_store_call_start(
				st, "bad\nline", "192.0.2.8:5060", NULL, VMR_CALL_LOBBY, 1, NULL),
		==, -EINVAL);
	g_assert_cmpint(vmr_store_call_start(st, "sip:x@y", "192.0.2.8:5060", NULL, 9, 1, NULL), ==,
		-EINVAL);
	g_assert_cmpint(vmr_store_call_set_room(st, c2, "sales", VMR_CALL_LOBBY), ==, 0);
	g_assert_cmpint(vmr_store_call_end(st, c1, 1700000100, "bye from caller"), ==, 0);
	g_assert_cmpint(vmr_store_call_end(st, c2 + 100, 1700000100, "x"), ==, -ENOENT);
	vmr_store_close(st);
	st = env_open(e);
	GPtrArray *calls = vmr_store_call_list(st, 10);
	g_assert_nonnull(calls);
	g_assert_cmpint(calls->len, ==, 2);
	vmr_call *n = calls->pdata[0], *o = calls->pdata[1];
	g_assert_cmpint(n->id, ==, c2);
	g_assert_cmpstr(n->room_address, ==, "sales");
	g_assert_cmpint(n->via, ==, VMR_CALL_LOBBY);
	g_assert_cmpint(n->ended_at, ==, 0);
	g_assert_null(n->cause);
	g_assert_cmpstr(o->caller, ==, "sip:bob@192.0.2.7");
	g_assert_cmpstr(o->source, ==, "192.0.2.7:5060");
	g_assert_cmpstr(o->room_address, ==, "alice.join");
	g_assert_cmpint(o->started_at, ==, 1700000000);
	g_assert_cmpint(o->ended_at, ==, 1700000100);
	g_assert_cmpstr(o->cause, ==, "bye from caller");
	g_ptr_array_unref(calls);
	ENV_END();
}

/* ---- password hashes kept current ------------------------------------------------------- */

static int service_login(vmr_service *svc, const char *username, const char *password)
{
	json_t *msg = json_pack(
		"{ssssss}", "request", "login", "username", username, "password", password);
	vmr_request req;
	char reason[128];
	g_assert_cmpint(vmr_request_parse(msg, 0, &req, reason, sizeof(reason)), ==, 0);
	vmr_client client = { 0 };
	client.source = g_strdup("test-client");
	vmr_effects fx = { 0 };
	json_t *reply = vmr_service_handle(svc, &client, &req, &fx);
	int code = (int)json_integer_value(json_object_get(reply, "error_code"));
	json_decref(reply);
	json_decref(msg);
	vmr_client_clear(&client);
	return code;
}

static void test_login_rehashes_outdated_password_hash(gconstpointer data)
{
	ENV_BEGIN();
	/* A hash made with other limits than vmr_password_hash uses (an older default). */
	char old_hash[crypto_pwhash_STRBYTES];
	g_assert_cmpint(crypto_pwhash_str_alg(old_hash, "old secret", strlen("old secret"),
				crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
				crypto_pwhash_ALG_ARGON2ID13),
		==, 0);
	g_assert_cmpint(vmr_password_needs_rehash(old_hash), ==, 1);
	int64_t id = 0;
	g_assert_cmpint(vmr_store_account_create(st, "ana", "Ana", NULL, old_hash, 0, &id), ==, 0);
	vmr_service_config cfg = { 0 };
	vmr_service *svc = NULL;
	g_assert_cmpint(vmr_service_new(st, &cfg, &svc), ==, 0);

	g_assert_cmpint(service_login(svc, "ana", "old secret"), ==, 0);
	vmr_account acc;
	g_assert_cmpint(vmr_store_account_get(vmr_service_store(svc), id, &acc), ==, 0);
	g_assert_cmpstr(acc.password_hash, !=, old_hash);
	g_assert_cmpint(vmr_password_needs_rehash(acc.password_hash), ==, 0);
	g_assert_cmpint(vmr_password_verify(acc.password_hash, "old secret"), ==, 0);
	char *kept = g_strdup(acc.password_hash);
	vmr_account_clear(&acc);

	/* The password still works, and a current hash is left as it is. */
	g_assert_cmpint(service_login(svc, "ana", "old secret"), ==, 0);
	g_assert_cmpint(vmr_store_account_get(vmr_service_store(svc), id, &acc), ==, 0);
	g_assert_cmpstr(acc.password_hash, ==, kept);
	vmr_account_clear(&acc);
	g_free(kept);
	g_assert_cmpint(service_login(svc, "ana", "wrong"), !=, 0);
	vmr_service_free(svc); /* closes the store */
	env_free(e);
}

/* Keypad codes: kept across a reopen, unique within a room (another room may have the same
 * one), digits only, 8..12 of them; only an active invitation is found by its code. */
static void test_invitation_codes_unique_per_room(gconstpointer data)
{
	ENV_BEGIN();
	vmr_room r1, r2;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "codes-a", 0, "1234", NULL, 0, &r1),
		==, 0);
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "codes-b", 0, NULL, NULL, 0, &r2),
		==, 0);
	vmr_invitation a, b;
	g_assert_cmpint(vmr_store_invitation_create_coded(st, r1.id, "a@example.org", "Ana",
				"0123456789abcdef", "7315048296", &a),
		==, 0);
	g_assert_cmpstr(a.guest_code, ==, "7315048296");
	g_assert_cmpint(vmr_store_invitation_create_coded(st, r1.id, "b@example.org", "Bo",
				"0123456789abcde0", "7315048296", NULL),
		==, -EEXIST);
	g_assert_cmpint(vmr_store_invitation_create_coded(st, r2.id, "b@example.org", "Bo",
				"0123456789abcde1", "7315048296", &b),
		==, 0);
	const char *bad[] = { "1234567", "1234567890123", "12345a78", "", " 12345678", "12345678\n",
		"١٢٣٤٥٦٧٨" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(vmr_store_invitation_create_coded(st, r2.id, "c@example.org", "C",
					"0123456789abcde2", bad[i], NULL),
			==, -EINVAL);
	/* the old call makes an invitation without a code */
	vmr_invitation n;
	g_assert_cmpint(vmr_store_invitation_create(
				st, r1.id, "n@example.org", "N", "0123456789abcde3", &n),
		==, 0);
	g_assert_null(n.guest_code);
	vmr_store_close(st);
	st = env_open(e);
	vmr_invitation g;
	g_assert_cmpint(vmr_store_invitation_get_by_code(st, "codes-a", "7315048296", &g), ==, 0);
	g_assert_cmpint(g.id, ==, a.id);
	g_assert_cmpstr(g.guest_code, ==, "7315048296");
	vmr_invitation_clear(&g);
	g_assert_cmpint(vmr_store_invitation_get_by_code(st, "codes-b", "7315048296", &g), ==, 0);
	g_assert_cmpint(g.id, ==, b.id);
	vmr_invitation_clear(&g);
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "codes-c", "7315048296", &g), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_code_prefix(st, "codes-a", "7315"), ==, 1);
	g_assert_cmpint(vmr_store_invitation_code_prefix(st, "codes-a", "7316"), ==, 0);
	g_assert_cmpint(vmr_store_invitation_code_prefix(st, "codes-a", "73'1"), ==, -EINVAL);
	g_assert_cmpint(vmr_store_invitation_get(st, n.id, &g), ==, 0);
	g_assert_null(g.guest_code);
	vmr_invitation_clear(&g);
	g_assert_cmpint(vmr_store_invitation_set_state(st, a.id, VMR_INVITATION_REVOKED), ==, 0);
	g_assert_cmpint(
		vmr_store_invitation_get_by_code(st, "codes-a", "7315048296", &g), ==, -ENOENT);
	g_assert_cmpint(vmr_store_invitation_code_prefix(st, "codes-a", "7315"), ==, 0);
	vmr_invitation_clear(&a);
	vmr_invitation_clear(&b);
	vmr_invitation_clear(&n);
	vmr_room_clear(&r1);
	vmr_room_clear(&r2);
	ENV_END();
}

static void add_test(const char *name, GTestDataFunc fn, gboolean sqlite_only)
{
	char *path = g_strdup_printf("/vmr/store/sqlite/%s", name);
	g_test_add_data_func(path, &sqlite_backend, fn);
	g_free(path);
	if (sqlite_only)
		return;
	path = g_strdup_printf("/vmr/store/postgresql/%s", name);
	g_test_add_data_func(path, &pg_backend, fn);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	add_test("accounts-persist-across-reopen", test_accounts_persist_across_reopen, FALSE);
	add_test("rooms-persist-across-reopen", test_rooms_persist_across_reopen, FALSE);
	add_test(
		"invitations-persist-across-reopen", test_invitations_persist_across_reopen, FALSE);
	add_test("missing-is-enoent", test_missing_is_enoent, FALSE);
	add_test("duplicates-refused-nothing-changed", test_duplicates_refused_nothing_changed,
		FALSE);
	add_test("invalid-fields-refused-nothing-stored",
		test_invalid_fields_refused_nothing_stored, FALSE);
	add_test("room-update-is-all-or-nothing", test_room_update_is_all_or_nothing, FALSE);
	add_test("sessions-expire", test_sessions_expire, FALSE);
	add_test("account-delete-cascades", test_account_delete_cascades, FALSE);
	add_test("invitation-revoke-delete-touch-mail-status", test_invitation_lifecycle, FALSE);
	add_test("invitation-codes-unique-per-room", test_invitation_codes_unique_per_room, FALSE);
	add_test("300-rooms-get-distinct-meeting-numbers", test_many_rooms_get_distinct_numbers,
		FALSE);
	add_test("newer-schema-is-refused", test_newer_schema_is_refused, FALSE);
	add_test("open-by-uri", test_open_by_uri, TRUE);
	add_test("v1-store-is-migrated", test_v1_store_is_migrated, TRUE);
	add_test("concurrent-open-migrates-once", test_concurrent_open_migrates_once, FALSE);
	add_test("concurrent-writers-shared-store", test_concurrent_writers_shared_store, FALSE);
	add_test("concurrent-writers-own-connections", test_concurrent_writers_own_connections,
		FALSE);
	add_test("sip-password-and-call-log", test_sip_password_and_call_log, FALSE);
	add_test("v3-store-drops-web-password-ha1", test_v3_store_drops_web_password_ha1, TRUE);
	add_test("room-host-settings", test_room_host_settings, FALSE);
	add_test("login-rehashes-outdated-password-hash",
		test_login_rehashes_outdated_password_hash, FALSE);
	return g_test_run();
}
