/*
 * vmr_cluster_test.c - several nodes on one PostgreSQL store: two nodes racing to place the
 * same rooms never both win, a lapsed lease lets another node take a room, a room is released
 * when it empties, tpaas_route (what Kamailio asks) answers for a room address, a meeting
 * number, an unknown name and when every node is dead, locate answers the same for a room
 * that does not exist as for an unplaced one, SIP registrations written by one node are read
 * by another, and the runtime (vmr_cluster.h) places a room on its first acquire and releases
 * it on the last release.
 *
 * Needs TPAAS_TEST_PG_URI (tests/unit/pg-test-server.sh -- make check); each case runs in its
 * own schema, dropped afterwards. Without it the cases are skipped, except the SQLite one
 * (cluster mode refuses the SQLite store).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "sipb_registrar.h"
#include "vmr_cluster.h"
#include "vmr_cluster_store.h"
#include "vmr_rooms.h"
#include "vmr_store.h"

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Runs sql on an admin connection; returns how many rows it gave. */
static int pg_admin_exec(const char *sql)
{
	PGconn *conn = PQconnectdb(g_getenv("TPAAS_TEST_PG_URI"));
	if (PQstatus(conn) != CONNECTION_OK)
		g_error("cannot connect to TPAAS_TEST_PG_URI: %s", PQerrorMessage(conn));
	PQsetNoticeProcessor(conn, quiet_notices, NULL);
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		g_error("%s: %s", sql, PQresultErrorMessage(res));
	int rows = PQntuples(res);
	PQclear(res);
	PQfinish(conn);
	return rows;
}

typedef struct tenv {
	char *schema;
	char *uri;
} tenv;

/* NULL (case skipped) without PostgreSQL. */
static tenv *env_new(void)
{
	const char *base = g_getenv("TPAAS_TEST_PG_URI");
	if (base == NULL || base[0] == '\0') {
		g_test_skip("PostgreSQL not configured: set TPAAS_TEST_PG_URI, e.g. run "
			    "tests/unit/pg-test-server.sh -- make check");
		return NULL;
	}
	static int counter;
	tenv *e = g_new0(tenv, 1);
	e->schema = g_strdup_printf(
		"vmr_cluster_%d_%d", (int)getpid(), g_atomic_int_add(&counter, 1));
	char *sql = g_strdup_printf("CREATE SCHEMA %s", e->schema);
	pg_admin_exec(sql);
	g_free(sql);
	/* application_name: cut_off() ends this case's connections only, never those of a test
	 * running beside it on the same server (make -j2 check runs vmr_store_test alongside) */
	e->uri = g_strdup_printf("%s%soptions=-csearch_path%%3D%s&application_name=%s", base,
		strchr(base, '?') ? "&" : "?", e->schema, e->schema);
	return e;
}

/* Ends every server connection of this case's stores, as a server restart would (wait_ms:
 * how long pg_terminate_backend waits for each to be gone; 0 not at all). */
static void cut_off(const tenv *e, int wait_ms)
{
	char *sql = g_strdup_printf("SELECT pg_terminate_backend(pid, %d) FROM pg_stat_activity "
				    "WHERE pid <> pg_backend_pid() AND application_name = '%s'",
		wait_ms, e->schema);
	g_assert_cmpint(pg_admin_exec(sql), >=, 1); /* (the case's store is open) */
	g_free(sql);
}

static void env_free(tenv *e)
{
	char *sql = g_strdup_printf("DROP SCHEMA %s CASCADE", e->schema);
	pg_admin_exec(sql);
	g_free(sql);
	g_free(e->schema);
	g_free(e->uri);
	g_free(e);
}

/* A node's own connection to the shared store. */
static vmr_store *open_store(tenv *e)
{
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(e->uri, &st), ==, 0);
	return st;
}

static void node_alive(vmr_store *st, const char *id, double capacity, double load)
{
	char *sip = g_strdup_printf("sip:%s.test:5060", id);
	char *url = g_strdup_printf("https://%s.test:8443", id);
	vmr_cluster_node n = { .node_id = id,
		.sip_uri = sip,
		.public_url = url,
		.capacity = capacity,
		.lease_seconds = 60 };
	vmr_cluster_report r = { .load = load };
	g_assert_cmpint(vmr_cluster_store_heartbeat(st, &n, &r), ==, 0);
	g_free(sip);
	g_free(url);
}

static char *owner_of(vmr_store *st, const char *address)
{
	vmr_cluster_where w = { 0 };
	int rc = vmr_cluster_store_locate(st, address, &w);
	g_assert_cmpint(rc, ==, 0);
	char *id = g_strdup(w.node_id);
	vmr_cluster_where_clear(&w);
	return id;
}

/* ---- placement races ------------------------------------------------------------------ */

#define RACE_ROOMS 200

typedef struct racer {
	tenv *e;
	const char *node_id;
	GAsyncQueue *go;
	int won[RACE_ROOMS];
} racer;

static gpointer race_thread(gpointer data)
{
	racer *r = data;
	vmr_store *st = open_store(r->e);
	g_async_queue_pop(r->go);
	for (int i = 0; i < RACE_ROOMS; i++) {
		char address[32];
		g_snprintf(address, sizeof(address), "room-%d", i);
		vmr_cluster_where owner = { 0 };
		int rc = vmr_cluster_store_place(st, r->node_id, address, &owner);
		g_assert_true(rc == 0 || rc == -EREMOTE);
		if (rc == -EREMOTE)
			g_assert_cmpstr(owner.node_id, !=, r->node_id);
		r->won[i] = rc == 0;
		vmr_cluster_where_clear(&owner);
	}
	vmr_store_close(st);
	return NULL;
}

static void test_two_nodes_racing_place_each_room_once(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *st = open_store(e);
	node_alive(st, "n1", 2, 0);
	node_alive(st, "n2", 2, 0);
	racer a = { .e = e, .node_id = "n1", .go = g_async_queue_new() };
	racer b = { .e = e, .node_id = "n2", .go = g_async_queue_new() };
	GThread *ta = g_thread_new("n1", race_thread, &a);
	GThread *tb = g_thread_new("n2", race_thread, &b);
	g_async_queue_push(a.go, GINT_TO_POINTER(1));
	g_async_queue_push(b.go, GINT_TO_POINTER(1));
	g_thread_join(ta);
	g_thread_join(tb);
	for (int i = 0; i < RACE_ROOMS; i++) {
		g_assert_cmpint(a.won[i] + b.won[i], ==, 1);
		char address[32];
		g_snprintf(address, sizeof(address), "room-%d", i);
		char *owner = owner_of(st, address);
		g_assert_cmpstr(owner, ==, a.won[i] ? "n1" : "n2");
		g_free(owner);
	}
	/* Asking again answers the same: n1's rooms stay n1's. */
	vmr_cluster_where w = { 0 };
	for (int i = 0; i < RACE_ROOMS; i++) {
		char address[32];
		g_snprintf(address, sizeof(address), "room-%d", i);
		g_assert_cmpint(vmr_cluster_store_place(st, "n1", address, &w), ==,
			a.won[i] ? 0 : -EREMOTE);
		if (!a.won[i])
			g_assert_cmpstr(w.public_url, ==, "https://n2.test:8443");
		vmr_cluster_where_clear(&w);
	}
	g_async_queue_unref(a.go);
	g_async_queue_unref(b.go);
	vmr_store_close(st);
	env_free(e);
}

static void test_lapsed_lease_lets_another_node_take_the_room(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *st = open_store(e);
	node_alive(st, "n1", 2, 0);
	node_alive(st, "n2", 2, 0);
	g_assert_cmpint(vmr_cluster_store_place(st, "n1", "sales", NULL), ==, 0);
	vmr_cluster_where w = { 0 };
	g_assert_cmpint(vmr_cluster_store_place(st, "n2", "sales", &w), ==, -EREMOTE);
	g_assert_cmpstr(w.node_id, ==, "n1");
	vmr_cluster_where_clear(&w);
	/* n1 stops renewing its lease (killed): its room goes to the next node that asks. */
	g_assert_cmpint(vmr_cluster_store_expire(st, "n1"), ==, 0);
	g_assert_cmpint(vmr_cluster_store_place(st, "n2", "sales", NULL), ==, 0);
	char *owner = owner_of(st, "sales");
	g_assert_cmpstr(owner, ==, "n2");
	g_free(owner);
	/* n1 comes back: the room stays on n2. */
	node_alive(st, "n1", 2, 0);
	g_assert_cmpint(vmr_cluster_store_place(st, "n1", "sales", &w), ==, -EREMOTE);
	g_assert_cmpstr(w.node_id, ==, "n2");
	vmr_cluster_where_clear(&w);
	vmr_store_close(st);
	env_free(e);
}

static void test_release_frees_the_room_for_any_node(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *st = open_store(e);
	node_alive(st, "n1", 2, 0);
	node_alive(st, "n2", 2, 0);
	g_assert_cmpint(vmr_cluster_store_place(st, "n1", "sales", NULL), ==, 0);
	/* Another node cannot release what is not its own. */
	g_assert_cmpint(vmr_cluster_store_unplace(st, "n2", "sales"), ==, 0);
	GPtrArray *placed = NULL;
	g_assert_cmpint(vmr_cluster_store_placed_on(st, "n1", &placed), ==, 0);
	g_assert_cmpuint(placed->len, ==, 1);
	g_ptr_array_unref(placed);
	g_assert_cmpint(vmr_cluster_store_unplace(st, "n1", "sales"), ==, 0);
	g_assert_cmpint(vmr_cluster_store_placed_on(st, "n1", &placed), ==, 0);
	g_assert_cmpuint(placed->len, ==, 0);
	g_ptr_array_unref(placed);
	g_assert_cmpint(vmr_cluster_store_place(st, "n2", "sales", NULL), ==, 0);
	/* A clean stop leaves nothing of the node behind. */
	g_assert_cmpint(vmr_cluster_store_leave(st, "n2"), ==, 0);
	g_assert_cmpint(vmr_cluster_store_placed_on(st, "n2", &placed), ==, 0);
	g_assert_cmpuint(placed->len, ==, 0);
	g_ptr_array_unref(placed);
	GPtrArray *urls = NULL;
	g_assert_cmpint(vmr_cluster_store_live_urls(st, &urls), ==, 0);
	g_assert_cmpuint(urls->len, ==, 1);
	g_assert_cmpstr(urls->pdata[0], ==, "https://n1.test:8443");
	g_ptr_array_unref(urls);
	vmr_store_close(st);
	env_free(e);
}

static void assert_route(vmr_store *st, const char *user, const char *expected)
{
	char *uri = NULL;
	g_assert_cmpint(vmr_cluster_store_route(st, user, &uri), ==, 0);
	g_assert_cmpstr(uri, ==, expected);
	g_free(uri);
}

static void test_route_by_address_number_unknown_and_all_dead(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *st = open_store(e);
	assert_route(st, "anything", NULL); /* no node at all */
	vmr_room room;
	g_assert_cmpint(
		vmr_store_room_create(st, VMR_ROOM_ENTERPRISE, "sales", 0, NULL, "2x2", 0, &room),
		==, 0);
	char number[16];
	g_snprintf(number, sizeof(number), "%d", room.meeting_number);
	/* n2 has the most free capacity: unplaced rooms and unknown names go there. */
	node_alive(st, "n1", 2, 1.5);
	node_alive(st, "n2", 2, 0.5);
	assert_route(st, "sales", "sip:n2.test:5060");
	assert_route(st, number, "sip:n2.test:5060");
	assert_route(st, "no-such-room", "sip:n2.test:5060");
	assert_route(st, "999999x", "sip:n2.test:5060");
	assert_route(st, "", "sip:n2.test:5060");
	/* Placed on n1: by address and by meeting number, Kamailio sends it to n1. */
	g_assert_cmpint(vmr_cluster_store_place(st, "n1", "sales", NULL), ==, 0);
	assert_route(st, "sales", "sip:n1.test:5060");
	assert_route(st, "SALES", "sip:n1.test:5060");
	assert_route(st, number, "sip:n1.test:5060");
	assert_route(st, "no-such-room", "sip:n2.test:5060");
	/* locate answers a stranger's guess like an unplaced room: the best node. */
	vmr_cluster_where w = { 0 };
	g_assert_cmpint(vmr_cluster_store_locate(st, "no-such-room", &w), ==, 0);
	g_assert_cmpstr(w.public_url, ==, "https://n2.test:8443");
	vmr_cluster_where_clear(&w);
	g_assert_cmpint(vmr_cluster_store_locate(st, number, &w), ==, 0);
	g_assert_cmpstr(w.public_url, ==, "https://n1.test:8443");
	vmr_cluster_where_clear(&w);
	/* n1 dies: its room routes to the best live node. */
	g_assert_cmpint(vmr_cluster_store_expire(st, "n1"), ==, 0);
	assert_route(st, "sales", "sip:n2.test:5060");
	/* Everyone dead: NULL, and locate says so. */
	g_assert_cmpint(vmr_cluster_store_expire(st, "n2"), ==, 0);
	assert_route(st, "sales", NULL);
	assert_route(st, "no-such-room", NULL);
	g_assert_cmpint(vmr_cluster_store_locate(st, "sales", &w), ==, -ENOENT);
	vmr_room_clear(&room);
	vmr_store_close(st);
	env_free(e);
}

static void test_registrations_written_by_one_node_read_by_another(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *n1 = open_store(e), *n2 = open_store(e);
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	g_assert_cmpint(vmr_cluster_store_bind(n1, "n1", "alice", "sip:alice@10.0.0.5:5060",
				"10.0.0.5:5060", now + 300),
		==, 0);
	g_assert_cmpint(vmr_cluster_store_bind(n1, "n1", "alice", "sip:alice@10.0.0.6:5060",
				"10.0.0.6:5060", now + 300),
		==, 0);
	GPtrArray *b = NULL;
	g_assert_cmpint(vmr_cluster_store_bindings(n2, "alice", now, &b), ==, 0);
	g_assert_cmpuint(b->len, ==, 2);
	g_assert_cmpstr(((vmr_sip_binding *)b->pdata[0])->node_id, ==, "n1");
	g_ptr_array_unref(b);
	/* A refresh through another node moves the binding there. */
	g_assert_cmpint(vmr_cluster_store_bind(n2, "n2", "alice", "sip:alice@10.0.0.5:5060",
				"10.0.0.5:5060", now + 600),
		==, 0);
	g_assert_cmpint(vmr_cluster_store_bindings(n1, "alice", now, &b), ==, 0);
	g_assert_cmpuint(b->len, ==, 2);
	g_assert_cmpstr(((vmr_sip_binding *)b->pdata[0])->node_id, ==, "n2");
	g_assert_cmpstr(((vmr_sip_binding *)b->pdata[0])->contact, ==, "sip:alice@10.0.0.5:5060");
	g_ptr_array_unref(b);
	/* Expires: 0 removes one; expired ones are not handed out; "*" removes all. */
	g_assert_cmpint(vmr_cluster_store_bind(
				n2, "n2", "alice", "sip:alice@10.0.0.5:5060", "10.0.0.5:5060", 0),
		==, 0);
	g_assert_cmpint(vmr_cluster_store_bindings(n1, "alice", now + 301, &b), ==, 0);
	g_assert_cmpuint(b->len, ==, 0);
	g_ptr_array_unref(b);
	g_assert_cmpint(vmr_cluster_store_bindings(n1, "alice", now, &b), ==, 0);
	g_assert_cmpuint(b->len, ==, 1);
	g_ptr_array_unref(b);
	g_assert_cmpint(vmr_cluster_store_unbind_all(n2, "alice"), ==, 0);
	g_assert_cmpint(vmr_cluster_store_bindings(n1, "alice", now, &b), ==, 0);
	g_assert_cmpuint(b->len, ==, 0);
	g_ptr_array_unref(b);
	/* Hostile text is a parameter, never SQL. */
	g_assert_cmpint(vmr_cluster_store_bind(
				n1, "n1", "bob'); DROP TABLE rooms; --", "sip:x@y", "", now + 60),
		==, 0);
	vmr_store_close(n1);
	vmr_store_close(n2);
	env_free(e);
}

/* ---- the runtime ---------------------------------------------------------------------- */

static gboolean placed_here(vmr_store *st, const char *address)
{
	GPtrArray *placed = NULL;
	g_assert_cmpint(vmr_cluster_store_placed_on(st, "self", &placed), ==, 0);
	gboolean found = FALSE;
	for (guint i = 0; i < placed->len; i++)
		found = found || strcmp(placed->pdata[i], address) == 0;
	g_ptr_array_unref(placed);
	return found;
}

static void test_first_acquire_places_last_release_frees(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *mine = open_store(e), *other = open_store(e);
	vmr_cluster_config cfg = { .node_id = "self",
		.public_url = "https://self.test:8443/",
		.sip_uri = "sip:self.test:5060",
		.capacity = 2,
		.lease_seconds = 6 };
	g_assert_cmpint(vmr_cluster_start(mine, &cfg), ==, 0);
	g_assert_true(vmr_cluster_enabled());
	g_assert_cmpint(vmr_cluster_start(mine, &cfg), ==, -EALREADY);
	node_alive(other, "other", 2, 0);
	g_assert_cmpint(vmr_cluster_store_place(other, "other", "taken", NULL), ==, 0);
	/* A room living on another live node does not start here. */
	int err = 0;
	g_assert_null(vmr_rooms_acquire_placed("taken", NULL, &err));
	g_assert_cmpint(err, ==, -EREMOTE);
	vmr_cluster_where w = { 0 };
	g_assert_cmpint(vmr_cluster_locate("taken", &w), ==, 0);
	g_assert_cmpstr(w.public_url, ==, "https://other.test:8443");
	vmr_cluster_where_clear(&w);
	/* The first acquire places the room here; holders share it; the last release frees. */
	mcu_room *r1 = vmr_rooms_acquire_placed("sales", NULL, &err);
	g_assert_nonnull(r1);
	g_assert_cmpint(err, ==, 0);
	g_assert_true(placed_here(other, "sales"));
	mcu_room *r2 = vmr_rooms_acquire("sales", NULL);
	g_assert_true(r1 == r2);
	g_assert_cmpint(vmr_cluster_store_place(other, "other", "sales", &w), ==, -EREMOTE);
	g_assert_cmpstr(w.public_url, ==, "https://self.test:8443");
	vmr_cluster_where_clear(&w);
	vmr_rooms_release(r2);
	g_assert_true(placed_here(other, "sales"));
	vmr_rooms_release(r1);
	g_assert_false(placed_here(other, "sales"));
	/* The lease thread puts back a placement lost while the room runs, and drops one of
	 * a room not running here. */
	r1 = vmr_rooms_acquire("sales", NULL);
	g_assert_cmpint(vmr_cluster_store_unplace(other, "self", "sales"), ==, 0);
	g_assert_cmpint(vmr_cluster_store_place(other, "self", "ghost", NULL), ==, 0);
	g_assert_cmpint(vmr_cluster_heartbeat_now(), ==, 0);
	g_assert_true(placed_here(other, "sales"));
	g_assert_false(placed_here(other, "ghost"));
	/* Pages served by a live node may connect here; others may not. */
	g_assert_true(vmr_cluster_origin_is_node("https://other.test:8443"));
	g_assert_true(vmr_cluster_origin_is_node("https://self.test:8443"));
	g_assert_false(vmr_cluster_origin_is_node("https://evil.test:8443"));
	/* A clean stop leaves no lease and no placement behind; the room keeps running. */
	vmr_cluster_stop();
	g_assert_false(vmr_cluster_enabled());
	g_assert_false(placed_here(other, "sales"));
	GPtrArray *urls = NULL;
	g_assert_cmpint(vmr_cluster_store_live_urls(other, &urls), ==, 0);
	g_assert_cmpuint(urls->len, ==, 1);
	g_ptr_array_unref(urls);
	vmr_rooms_release(r1);
	vmr_store_close(mine);
	vmr_store_close(other);
	env_free(e);
}

static const vmr_cluster_config self_cfg = { .node_id = "self",
	.public_url = "https://self.test:8443",
	.sip_uri = "sip:self.test:5060",
	.capacity = 2,
	.lease_seconds = 6 };

/* PostgreSQL restarting (every connection cut): the running room keeps running, the node
 * reconnects by itself and its lease and placement are back. */
static void test_store_cut_off_rooms_keep_running_node_reconnects(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *mine = open_store(e);
	g_assert_cmpint(vmr_cluster_start(mine, &self_cfg), ==, 0);
	mcu_room *room = vmr_rooms_acquire("sales", NULL);
	g_assert_nonnull(room);
	cut_off(e, 0);
	/* The first renewal on the dead connection fails; a later one reconnects. */
	int rc = -EIO;
	for (int i = 0; i < 3 && rc != 0; i++)
		rc = vmr_cluster_heartbeat_now();
	g_assert_cmpint(rc, ==, 0);
	mcu_room *again = vmr_rooms_lookup("sales");
	g_assert_true(again == room);
	mcu_room_unref(again);
	vmr_store *other = open_store(e);
	g_assert_true(placed_here(other, "sales"));
	/* A new room starts while the store is cut off: here, placed once it is back. */
	vmr_store_close(other);
	cut_off(e, 0);
	mcu_room *fresh = vmr_rooms_acquire("fresh", NULL);
	g_assert_nonnull(fresh);
	rc = -EIO;
	for (int i = 0; i < 3 && rc != 0; i++)
		rc = vmr_cluster_heartbeat_now();
	g_assert_cmpint(rc, ==, 0);
	other = open_store(e);
	g_assert_true(placed_here(other, "fresh"));
	vmr_rooms_release(fresh);
	vmr_rooms_release(room);
	vmr_cluster_stop();
	vmr_store_close(other);
	vmr_store_close(mine);
	env_free(e);
}

/* PostgreSQL restarted while the node was idle (its connection closed by the server): the
 * very first statement after it runs on a new connection (a SIP caller's room lookup then
 * finds the room instead of answering 404). */
static void test_first_statement_after_server_closed_connection_succeeds(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *mine = open_store(e);
	g_assert_cmpint(vmr_cluster_start(mine, &self_cfg), ==, 0);
	g_assert_cmpint(vmr_cluster_heartbeat_now(), ==, 0);
	/* (with a timeout, pg_terminate_backend returns once the backend is gone) */
	cut_off(e, 5000);
	g_assert_cmpint(vmr_cluster_heartbeat_now(), ==, 0);
	vmr_cluster_stop();
	vmr_store_close(mine);
	env_free(e);
}

/* With the cluster on, a device registered through one node is dialled from any: a
 * registrar with nothing in memory finds it in the store. */
static void test_registrar_shares_bindings_through_the_store(void)
{
	tenv *e = env_new();
	if (e == NULL)
		return;
	vmr_store *mine = open_store(e);
	g_assert_cmpint(vmr_cluster_start(mine, &self_cfg), ==, 0);
	sipb_registrar *here = sipb_registrar_new(mine, "vmr.test");
	sipb_registrar *there = sipb_registrar_new(mine, "vmr.test");
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	const char *contact = "sip:alice@10.0.0.5:5060";
	g_assert_cmpint(
		sipb_registrar_bind(here, "alice", contact, "10.0.0.5:5060", 300, now), ==, 300);
	GPtrArray *c = sipb_registrar_contacts(there, "alice", now);
	g_assert_cmpuint(c->len, ==, 1);
	g_assert_cmpstr(c->pdata[0], ==, contact);
	g_ptr_array_unref(c);
	c = sipb_registrar_contacts(here, "alice", now); /* (memory and store: once) */
	g_assert_cmpuint(c->len, ==, 1);
	g_ptr_array_unref(c);
	g_assert_cmpint(
		sipb_registrar_bind(here, "alice", contact, "10.0.0.5:5060", 0, now), ==, 0);
	c = sipb_registrar_contacts(there, "alice", now);
	g_assert_cmpuint(c->len, ==, 0);
	g_ptr_array_unref(c);
	sipb_registrar_bind(here, "alice", contact, "10.0.0.5:5060", 300, now);
	sipb_registrar_unbind_all(here, "alice");
	c = sipb_registrar_contacts(there, "alice", now);
	g_assert_cmpuint(c->len, ==, 0);
	g_ptr_array_unref(c);
	sipb_registrar_free(here);
	sipb_registrar_free(there);
	vmr_cluster_stop();
	vmr_store_close(mine);
	env_free(e);
}

static void test_sqlite_store_has_no_cluster(void)
{
	char *dir = g_dir_make_tmp("vmr-cluster-XXXXXX", NULL);
	char *uri = g_strconcat("sqlite:", dir, "/vmr.sqlite", NULL);
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(uri, &st), ==, 0);
	vmr_cluster_config cfg = { .node_id = "self",
		.public_url = "https://self.test:8443",
		.sip_uri = "sip:self.test:5060",
		.lease_seconds = 6 };
	g_assert_cmpint(vmr_cluster_start(st, &cfg), ==, -ENOTSUP);
	g_assert_false(vmr_cluster_enabled());
	g_assert_cmpint(vmr_cluster_store_place(st, "self", "sales", NULL), ==, -ENOTSUP);
	vmr_store_close(st);
	const char *files[] = { "vmr.sqlite", "vmr.sqlite-wal", "vmr.sqlite-shm" };
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *f = g_build_filename(dir, files[i], NULL);
		g_unlink(f);
		g_free(f);
	}
	g_rmdir(dir);
	g_free(dir);
	g_free(uri);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/cluster/two-nodes-racing-place-each-room-once",
		test_two_nodes_racing_place_each_room_once);
	g_test_add_func("/vmr/cluster/lapsed-lease-lets-another-node-take-the-room",
		test_lapsed_lease_lets_another_node_take_the_room);
	g_test_add_func("/vmr/cluster/release-frees-the-room-for-any-node",
		test_release_frees_the_room_for_any_node);
	g_test_add_func("/vmr/cluster/route-by-address-number-unknown-and-all-dead",
		test_route_by_address_number_unknown_and_all_dead);
	g_test_add_func("/vmr/cluster/registrations-written-by-one-node-read-by-another",
		test_registrations_written_by_one_node_read_by_another);
	g_test_add_func("/vmr/cluster/first-acquire-places-last-release-frees",
		test_first_acquire_places_last_release_frees);
	g_test_add_func("/vmr/cluster/store-cut-off-rooms-keep-running-node-reconnects",
		test_store_cut_off_rooms_keep_running_node_reconnects);
	g_test_add_func("/vmr/cluster/first-statement-after-server-closed-connection-succeeds",
		test_first_statement_after_server_closed_connection_succeeds);
	g_test_add_func("/vmr/cluster/registrar-shares-bindings-through-the-store",
		test_registrar_shares_bindings_through_the_store);
	g_test_add_func(
		"/vmr/cluster/sqlite-store-has-no-cluster", test_sqlite_store_has_no_cluster);
	return g_test_run();
}
