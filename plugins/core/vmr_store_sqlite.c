/*
 * vmr_store_sqlite.c - the SQLite driver of vmr_store (the embedded default): one
 * connection opened SQLITE_OPEN_FULLMUTEX, in WAL mode with foreign keys on and
 * synchronous=FULL, so a write that returned 0 survives a power cut. The schema version
 * is PRAGMA user_version; migrations run forward in one BEGIN IMMEDIATE transaction, which
 * also makes several processes opening a new file at once migrate it exactly once.
 *
 * Threads: the store's lock (vmr_store_priv.h) serializes the connection; FULLMUTEX is a
 * second line of defence. Several processes may share the file (busy_timeout).
 */
#include "vmr_store_priv.h"

#include <errno.h>
#include <string.h>
#include <sqlite3.h>
#include <glib.h>

#if SQLITE_VERSION_NUMBER < 3035000
#error "vmr_store needs SQLite >= 3.35 (RETURNING)"
#endif

typedef struct sqlite_store {
	vmr_store base;
	sqlite3 *db;
} sqlite_store;

/* Entry i moves the schema from version i to i+1. Never edit a shipped entry: add one.
 * Version 1 is the rooms-only store of 0.1.0, migrated by version 2. */
static const char *const migrations[] = {
	"CREATE TABLE rooms ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  pin TEXT,"
	"  layout TEXT NOT NULL DEFAULT '1+7',"
	"  meeting_number INTEGER NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))"
	");",

	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  username TEXT NOT NULL CONSTRAINT accounts_username_key UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  email TEXT,"
	"  password_hash TEXT NOT NULL,"
	"  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
	"  expires_at INTEGER NOT NULL"
	");"
	"CREATE INDEX sessions_account ON sessions(account_id);"
	"CREATE INDEX sessions_expires ON sessions(expires_at);"
	"ALTER TABLE rooms RENAME TO rooms_v1;"
	"CREATE TABLE rooms ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
	"  name TEXT NOT NULL,"
	"  address TEXT NOT NULL CONSTRAINT rooms_address_key UNIQUE,"
	"  owner_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,"
	"  pin TEXT CHECK (pin IS NULL OR length(pin) = 4),"
	"  layout TEXT NOT NULL,"
	"  meeting_number INTEGER NOT NULL CONSTRAINT rooms_meeting_number_key UNIQUE"
	"    CHECK (meeting_number BETWEEN 100000 AND 999999),"
	"  receive_call INTEGER NOT NULL DEFAULT 0 CHECK (receive_call IN (0, 1)),"
	"  created_at INTEGER NOT NULL,"
	"  CHECK (kind = 2 OR owner_id IS NOT NULL)"
	");"
	/* The 0.1.0 rooms had no owner: they become enterprise rooms at their old name. */
	"INSERT INTO rooms (id, kind, name, address, owner_id, pin, layout, meeting_number, "
	"receive_call, created_at)"
	"  SELECT id, 2, name, name, NULL, NULLIF(pin, ''), layout, meeting_number, 0, "
	"CAST(created_at AS INTEGER)"
	"  FROM rooms_v1;"
	"DROP TABLE rooms_v1;"
	"CREATE UNIQUE INDEX rooms_personal ON rooms(owner_id) WHERE kind = 1;"
	"CREATE INDEX rooms_owner ON rooms(owner_id);"
	"CREATE TABLE invitations ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
	"  email TEXT NOT NULL,"
	"  guest_name TEXT NOT NULL,"
	"  secret TEXT NOT NULL CONSTRAINT invitations_secret_key UNIQUE,"
	"  state INTEGER NOT NULL CHECK (state IN (1, 2)),"
	"  created_at INTEGER NOT NULL,"
	"  last_used_at INTEGER NOT NULL DEFAULT 0,"
	"  mail_status TEXT NOT NULL"
	");"
	"CREATE INDEX invitations_room ON invitations(room_id);",

	/* 3: SIP digest credentials and the SIP call log. */
	"ALTER TABLE accounts ADD COLUMN sip_ha1 TEXT;"
	"CREATE TABLE calls ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  caller TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  room_address TEXT,"
	"  via INTEGER NOT NULL CHECK (via IN (1, 2, 3)),"
	"  started_at INTEGER NOT NULL,"
	"  ended_at INTEGER NOT NULL DEFAULT 0,"
	"  cause TEXT"
	");"
	"CREATE INDEX calls_room ON calls(room_address);",

	/* 4: SIP registers with a password of its own that the service generates (128 bits, shown
	 * to the owner), not the web password: its HA1, which a stolen store gives away at MD5
	 * speed, is dropped, and every account gets a SIP password here (SQLite's randomness is
	 * seeded from the OS); its owner finds it on the management page. */
	"ALTER TABLE accounts ADD COLUMN sip_password TEXT;"
	"UPDATE accounts SET sip_ha1 = NULL, sip_password = lower(hex(randomblob(16)));",

	/* 5: hosts and guests (vmr_hosts.h): a host PIN next to the room PIN (which becomes the
	 * guest PIN, so a room with only its old PIN behaves as before), guests waiting for a
	 * host, the meeting ending N minutes after the last host left (0: it goes on), and the
	 * log of what hosts did in each room. */
	"ALTER TABLE rooms ADD COLUMN host_pin TEXT CHECK (host_pin IS NULL OR length(host_pin) = "
	"4);"
	"ALTER TABLE rooms ADD COLUMN wait_for_host INTEGER NOT NULL DEFAULT 0"
	"  CHECK (wait_for_host IN (0, 1));"
	"ALTER TABLE rooms ADD COLUMN end_after_host_min INTEGER NOT NULL DEFAULT 0"
	"  CHECK (end_after_host_min BETWEEN 0 AND 1440);"
	"CREATE TABLE host_actions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  room_address TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT,"
	"  at INTEGER NOT NULL"
	");"
	"CREATE INDEX host_actions_room ON host_actions(room_address);",

	/* 6: each invitation's keypad code (digits a SIP caller enters instead of the room's PIN),
	 * unique within its room; invitations made before have none (their mail had none). */
	"ALTER TABLE invitations ADD COLUMN guest_code TEXT;"
	"CREATE UNIQUE INDEX invitations_room_code ON invitations(room_id, guest_code);",

	/* 7: several nodes (see vmr_store_pg.c, migration 6). Cluster mode needs PostgreSQL
	 * (leases are timed by the database server's clock, tpaas_route is a PostgreSQL
	 * function for Kamailio); the tables exist here too so both schemas stay one. */
	"CREATE TABLE cluster_nodes ("
	"  node_id TEXT PRIMARY KEY,"
	"  sip_uri TEXT NOT NULL,"
	"  public_url TEXT NOT NULL,"
	"  lease_until TEXT NOT NULL,"
	"  rooms INTEGER NOT NULL DEFAULT 0,"
	"  participants INTEGER NOT NULL DEFAULT 0,"
	"  load REAL NOT NULL DEFAULT 0,"
	"  capacity REAL NOT NULL DEFAULT 1.0"
	");"
	"CREATE TABLE room_placement ("
	"  room_address TEXT PRIMARY KEY,"
	"  node_id TEXT NOT NULL,"
	"  placed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
	");"
	"CREATE INDEX room_placement_node ON room_placement(node_id);"
	"CREATE TABLE sip_registrations ("
	"  username TEXT NOT NULL,"
	"  contact TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  node_id TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  PRIMARY KEY (username, contact)"
	");"
	"CREATE INDEX sip_registrations_expires ON sip_registrations(expires_at);",
};

static int map_error(sqlite3 *db, int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		/* "UNIQUE constraint failed: rooms.meeting_number" */
		return strstr(sqlite3_errmsg(db), "meeting_number") ? VMR_STORE_ENUMBER : -EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY: return -ENOENT;
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH: return -EINVAL;
	default: vmr_store_set_error("sqlite: %s (%d)", sqlite3_errmsg(db), rc); return -EIO;
	}
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : map_error(db, rc);
}

static int sqlite_query(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams,
	vmr_sql_rows *rows)
{
	sqlite3 *db = ((sqlite_store *)store)->db;
	sqlite3_stmt *st = NULL;
	if (rows != NULL)
		memset(rows, 0, sizeof(*rows));
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map_error(db, rc);
	/* The shared SQL uses "$N" (PostgreSQL's syntax); SQLite treats "$N" as a named
	 * parameter, numbered by first appearance, so bind by name. */
	for (int i = 0; i < nparams; i++) {
		char name[16];
		g_snprintf(name, sizeof(name), "$%d", i + 1);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue;
		if (params[i].type == VMR_SQL_INT)
			sqlite3_bind_int64(st, idx, params[i].i);
		else if (params[i].type == VMR_SQL_TEXT)
			sqlite3_bind_text(st, idx, params[i].text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, idx);
	}
	int ncols = sqlite3_column_count(st);
	GPtrArray *cells = g_ptr_array_new();
	int nrows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < ncols; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			g_ptr_array_add(cells, t ? g_strdup((const char *)t) : NULL);
		}
		nrows++;
	}
	int ret = rc == SQLITE_DONE ? 0 : map_error(db, rc);
	if (rows != NULL && ret == 0) {
		rows->nrows = nrows;
		rows->ncols = ncols;
		rows->cells = (char **)g_ptr_array_free(cells, FALSE);
		cells = NULL;
		rows->changes = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes(db);
	} else if (rows != NULL) {
		rows->error = g_strdup(sqlite3_errmsg(db));
	}
	if (cells != NULL) {
		g_ptr_array_set_free_func(cells, g_free);
		g_ptr_array_free(cells, TRUE);
	}
	sqlite3_finalize(st);
	return ret;
}

static int sqlite_begin(vmr_store *store)
{
	return exec_sql(((sqlite_store *)store)->db, "BEGIN IMMEDIATE");
}

static int sqlite_commit(vmr_store *store)
{
	return exec_sql(((sqlite_store *)store)->db, "COMMIT");
}

static void sqlite_rollback(vmr_store *store)
{
	sqlite3 *db = ((sqlite_store *)store)->db;
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static void sqlite_close(vmr_store *store)
{
	sqlite_store *s = (sqlite_store *)store;
	sqlite3_close(s->db);
	g_free(s);
}

static const vmr_store_driver sqlite_driver = {
	.name = "sqlite",
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.query = sqlite_query,
};

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	int ret = (rc == SQLITE_ROW) ? 0 : map_error(db, rc);
	sqlite3_finalize(st);
	return ret;
}

static int migrate(sqlite3 *db)
{
	const int target = (int)G_N_ELEMENTS(migrations);
	int version = 0;
	int rc = pragma_int(db, "PRAGMA user_version", &version);
	if (rc < 0)
		return rc;
	if (version > target)
		return -EPROTO; /* written by a newer release: refuse rather than corrupt */
	if (version == target)
		return 0;
	if ((rc = exec_sql(db, "BEGIN IMMEDIATE")) < 0)
		return rc;
	/* Another process may have migrated between our read and our write lock. */
	rc = pragma_int(db, "PRAGMA user_version", &version);
	if (rc == 0 && version > target)
		rc = -EPROTO;
	for (int v = version; rc == 0 && v < target; v++)
		rc = exec_sql(db, migrations[v]);
	if (rc == 0 && version < target) {
		char pragma[64];
		g_snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", target);
		rc = exec_sql(db, pragma);
	}
	if (rc == 0)
		rc = exec_sql(db, "COMMIT");
	if (rc < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc == -EPROTO ? rc : -EIO;
	}
	return 0;
}

int vmr_store_sqlite_open(const char *path, vmr_store **out)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		if (db != NULL)
			vmr_store_set_error("sqlite: %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 10000);
	int rc = exec_sql(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
	int fk = 0;
	if (rc == 0)
		rc = pragma_int(db, "PRAGMA foreign_keys", &fk);
	if (rc == 0 && fk != 1)
		rc = -EIO; /* built without foreign keys: cascades would silently not happen */
	if (rc == 0) {
		/* Returns the mode in effect; anything but "wal" (e.g. :memory:) is refused, since
		 * the durability and concurrency promises rest on it. */
		rc = -EIO;
		/* Switching a fresh file to WAL takes a lock that the busy handler does not wait
		 * for: when several processes open a new store at once, retry for a while. */
		for (int attempt = 0; attempt < 250 && rc != 0; attempt++) {
			sqlite3_stmt *st = NULL;
			int step = SQLITE_ERROR;
			if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL)
				== SQLITE_OK)
				step = sqlite3_step(st);
			if (step == SQLITE_ROW
				&& g_ascii_strcasecmp(
					   (const char *)sqlite3_column_text(st, 0), "wal")
					== 0)
				rc = 0;
			sqlite3_finalize(st);
			int busy = (step & 0xff) == SQLITE_BUSY || (step & 0xff) == SQLITE_LOCKED;
			if (rc != 0 && !busy)
				break;
			if (rc != 0)
				g_usleep(20000);
		}
	}
	if (rc == 0)
		rc = migrate(db);
	if (rc < 0) {
		sqlite3_close(db);
		return rc == -EPROTO ? rc : -EIO;
	}
	sqlite_store *s = g_new0(sqlite_store, 1);
	s->base.drv = &sqlite_driver;
	s->db = db;
	*out = &s->base;
	return 0;
}
