/*
 * vmr_store_pg.c - the PostgreSQL driver of vmr_store (libpq), for several gateway nodes
 * sharing one database. Same tables, constraints and cascades as the SQLite driver; the
 * schema version lives in a one-row schema_version table, and migrations run in one
 * transaction under a transaction-scoped advisory lock, so nodes starting together
 * migrate exactly once and the others wait, then see the new version.
 *
 * Statements go through PQexecParams with text parameters (never string-built SQL).
 * Tables are unqualified: they land in the first schema of the connection's search_path
 * (set it with "options=-csearch_path%3D..." in the URI to share a database).
 *
 * Threads: the store's lock (vmr_store_priv.h) is the mutex around the connection. A
 * connection lost between transactions is re-established on next use.
 */
#include "vmr_store_priv.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <libpq-fe.h>
#include <glib.h>

/* pg_advisory_xact_lock key for migrations: "tpaasvmr" in ASCII. */
#define MIGRATION_LOCK_KEY "8390313176968097138"

/* The most parameters one statement of the record code binds. */
#define MAX_PARAMS 16

typedef struct pg_store {
	vmr_store base;
	PGconn *conn;
	gboolean in_txn;
} pg_store;

/* Entry i moves the schema from version i to i+1. Never edit a shipped entry: add one. */
static const char *const migrations[] = {
	"CREATE TABLE accounts ("
	"  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  username TEXT NOT NULL CONSTRAINT accounts_username_key UNIQUE,"
	"  display_name TEXT NOT NULL,"
	"  email TEXT,"
	"  password_hash TEXT NOT NULL,"
	"  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),"
	"  created_at BIGINT NOT NULL"
	");"
	"CREATE TABLE sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
	"  expires_at BIGINT NOT NULL"
	");"
	"CREATE INDEX sessions_account ON sessions(account_id);"
	"CREATE INDEX sessions_expires ON sessions(expires_at);"
	"CREATE TABLE rooms ("
	"  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
	"  name TEXT NOT NULL,"
	"  address TEXT NOT NULL CONSTRAINT rooms_address_key UNIQUE,"
	"  owner_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,"
	"  pin TEXT CHECK (pin IS NULL OR length(pin) = 4),"
	"  layout TEXT NOT NULL,"
	"  meeting_number INTEGER NOT NULL CONSTRAINT rooms_meeting_number_key UNIQUE"
	"    CHECK (meeting_number BETWEEN 100000 AND 999999),"
	"  receive_call INTEGER NOT NULL DEFAULT 0 CHECK (receive_call IN (0, 1)),"
	"  created_at BIGINT NOT NULL,"
	"  CHECK (kind = 2 OR owner_id IS NOT NULL)"
	");"
	"CREATE UNIQUE INDEX rooms_personal ON rooms(owner_id) WHERE kind = 1;"
	"CREATE INDEX rooms_owner ON rooms(owner_id);"
	"CREATE TABLE invitations ("
	"  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  room_id BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
	"  email TEXT NOT NULL,"
	"  guest_name TEXT NOT NULL,"
	"  secret TEXT NOT NULL CONSTRAINT invitations_secret_key UNIQUE,"
	"  state INTEGER NOT NULL CHECK (state IN (1, 2)),"
	"  created_at BIGINT NOT NULL,"
	"  last_used_at BIGINT NOT NULL DEFAULT 0,"
	"  mail_status TEXT NOT NULL"
	");"
	"CREATE INDEX invitations_room ON invitations(room_id);",

	/* 2: SIP digest credentials and the SIP call log. */
	"ALTER TABLE accounts ADD COLUMN sip_ha1 TEXT;"
	"CREATE TABLE calls ("
	"  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  caller TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  room_address TEXT,"
	"  via INTEGER NOT NULL CHECK (via IN (1, 2, 3)),"
	"  started_at BIGINT NOT NULL,"
	"  ended_at BIGINT NOT NULL DEFAULT 0,"
	"  cause TEXT"
	");"
	"CREATE INDEX calls_room ON calls(room_address);",

	/* 3: a SIP password of its own per account (see vmr_store_sqlite.c, migration 4);
	 * gen_random_uuid() draws from the server's strong random source (122 bits). */
	"ALTER TABLE accounts ADD COLUMN sip_password TEXT;"
	"UPDATE accounts SET sip_ha1 = NULL, sip_password = md5(gen_random_uuid()::text);",

	/* 4: hosts and guests (see vmr_store_sqlite.c, migration 5). */
	"ALTER TABLE rooms ADD COLUMN host_pin TEXT CHECK (host_pin IS NULL OR length(host_pin) = "
	"4);"
	"ALTER TABLE rooms ADD COLUMN wait_for_host INTEGER NOT NULL DEFAULT 0"
	"  CHECK (wait_for_host IN (0, 1));"
	"ALTER TABLE rooms ADD COLUMN end_after_host_min INTEGER NOT NULL DEFAULT 0"
	"  CHECK (end_after_host_min BETWEEN 0 AND 1440);"
	"CREATE TABLE host_actions ("
	"  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  room_address TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT,"
	"  at BIGINT NOT NULL"
	");"
	"CREATE INDEX host_actions_room ON host_actions(room_address);",

	/* 5: the invitations' keypad codes (see vmr_store_sqlite.c, migration 6) */
	"ALTER TABLE invitations ADD COLUMN guest_code TEXT;"
	"CREATE UNIQUE INDEX invitations_room_code ON invitations(room_id, guest_code);",

	/* 6: several nodes on this database (vmr_cluster.h, docs/scale-out.md): the nodes'
	 * leases and load, where each running room lives, the SIP registrations (any node can
	 * dial an owner's device), and tpaas_route(), what Kamailio asks for a Request-URI user
	 * part: the SIP URI of the live node of the room (address or meeting number), else of
	 * the live node with the most free capacity; NULL when no node is alive. */
	"CREATE TABLE cluster_nodes ("
	"  node_id TEXT PRIMARY KEY,"
	"  sip_uri TEXT NOT NULL,"
	"  public_url TEXT NOT NULL,"
	"  lease_until TIMESTAMPTZ NOT NULL,"
	"  rooms INTEGER NOT NULL DEFAULT 0,"
	"  participants INTEGER NOT NULL DEFAULT 0,"
	"  load DOUBLE PRECISION NOT NULL DEFAULT 0,"
	"  capacity DOUBLE PRECISION NOT NULL DEFAULT 1.0"
	");"
	"CREATE TABLE room_placement ("
	"  room_address TEXT PRIMARY KEY,"
	"  node_id TEXT NOT NULL,"
	"  placed_at TIMESTAMPTZ NOT NULL DEFAULT now()"
	");"
	"CREATE INDEX room_placement_node ON room_placement(node_id);"
	"CREATE TABLE sip_registrations ("
	"  username TEXT NOT NULL,"
	"  contact TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  node_id TEXT NOT NULL,"
	"  expires_at BIGINT NOT NULL,"
	"  PRIMARY KEY (username, contact)"
	");"
	"CREATE INDEX sip_registrations_expires ON sip_registrations(expires_at);"
	"CREATE FUNCTION tpaas_best_node() RETURNS TEXT LANGUAGE sql STABLE AS $$"
	"  SELECT node_id FROM cluster_nodes WHERE lease_until > now()"
	"  ORDER BY capacity - load DESC, rooms ASC, node_id ASC LIMIT 1"
	"$$;"
	"CREATE FUNCTION tpaas_room_key(user_part TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$"
	"  SELECT COALESCE((SELECT address FROM rooms WHERE meeting_number = CASE"
	"    WHEN user_part ~ '^[1-9][0-9]{5}$' THEN CAST(user_part AS INTEGER) END),"
	"    lower(user_part))"
	"$$;"
	"CREATE FUNCTION tpaas_route(user_part TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$"
	"  SELECT COALESCE("
	"    (SELECT n.sip_uri FROM room_placement p JOIN cluster_nodes n USING (node_id)"
	"      WHERE p.room_address = tpaas_room_key(user_part) AND n.lease_until > now()),"
	"    (SELECT sip_uri FROM cluster_nodes WHERE node_id = tpaas_best_node()))"
	"$$;",
};

static int map_error(const PGresult *res, PGconn *conn)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	if (state != NULL) {
		if (strcmp(state, "23505") == 0) /* unique_violation */
			return constraint && strstr(constraint, "meeting_number")
				? VMR_STORE_ENUMBER
				: -EEXIST;
		if (strcmp(state, "23503") == 0) /* foreign_key_violation */
			return -ENOENT;
		if (strcmp(state, "23502") == 0 || strcmp(state, "23514") == 0
			|| strncmp(state, "22", 2) == 0)
			return -EINVAL; /* not null, check, data exception (e.g. bad UTF-8) */
	}
	vmr_store_set_error(
		"postgresql: %s", res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	return -EIO;
}

/* A server that restarted has closed the idle connection: its goodbye (an error message) and
 * the end of the stream wait in the socket. Reading them (libpq's socket is non-blocking, and
 * poll does not wait) marks the connection bad before a statement is sent on it, so the
 * statement runs on a new connection instead of failing, and nothing is ever sent twice. */
static void notice_closed(pg_store *s)
{
	struct pollfd p = { .fd = PQsocket(s->conn), .events = POLLIN };
	for (int i = 0;
		i < 8 && PQstatus(s->conn) == CONNECTION_OK && p.fd >= 0 && poll(&p, 1, 0) == 1;
		i++)
		if (!PQconsumeInput(s->conn))
			break;
}

/* Re-establishes a lost connection; only between transactions. */
static int ensure_connected(pg_store *s)
{
	if (!s->in_txn)
		notice_closed(s);
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	if (s->in_txn)
		return -EIO;
	PQreset(s->conn);
	return PQstatus(s->conn) == CONNECTION_OK ? 0 : map_error(NULL, s->conn);
}

static int exec_command(pg_store *s, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK
		? 0
		: map_error(res, s->conn);
	PQclear(res);
	return rc;
}

static int pg_query(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams,
	vmr_sql_rows *rows)
{
	pg_store *s = (pg_store *)store;
	if (rows != NULL)
		memset(rows, 0, sizeof(*rows));
	int rc = ensure_connected(s);
	if (rc < 0)
		return rc;
	const char *values[MAX_PARAMS];
	char ints[MAX_PARAMS][24];
	if (nparams > MAX_PARAMS)
		return -EINVAL;
	for (int i = 0; i < nparams; i++) {
		if (params[i].type == VMR_SQL_INT) {
			g_snprintf(ints[i], sizeof(ints[i]), "%" G_GINT64_FORMAT, params[i].i);
			values[i] = ints[i];
		} else {
			values[i] = params[i].type == VMR_SQL_TEXT ? params[i].text : NULL;
		}
	}
	/* Text parameters, server-inferred types, text results. */
	PGresult *res = PQexecParams(s->conn, sql, nparams, NULL, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = map_error(res, s->conn);
		if (rows != NULL)
			rows->error = g_strdup(PQresultErrorMessage(res));
		PQclear(res);
		return rc;
	}
	if (rows != NULL) {
		rows->nrows = PQntuples(res);
		rows->ncols = PQnfields(res);
		rows->cells = g_new0(char *, (gsize)rows->nrows * rows->ncols + 1);
		for (int r = 0; r < rows->nrows; r++)
			for (int c = 0; c < rows->ncols; c++)
				if (!PQgetisnull(res, r, c))
					rows->cells[r * rows->ncols + c] = g_strdup(
						PQgetvalue(res, r, c));
		const char *changed = PQcmdTuples(res);
		rows->changes = changed[0] ? g_ascii_strtoll(changed, NULL, 10) : 0;
	}
	PQclear(res);
	return 0;
}

static int pg_begin(vmr_store *store)
{
	pg_store *s = (pg_store *)store;
	int rc = ensure_connected(s);
	if (rc == 0 && (rc = exec_command(s, "BEGIN")) == 0)
		s->in_txn = TRUE;
	return rc;
}

static int pg_commit(vmr_store *store)
{
	pg_store *s = (pg_store *)store;
	int rc = exec_command(s, "COMMIT");
	/* COMMIT of a failed transaction "succeeds" as a ROLLBACK: check what happened. */
	if (rc == 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		rc = -EIO;
	if (rc == 0)
		s->in_txn = FALSE;
	return rc;
}

static void pg_rollback(vmr_store *store)
{
	pg_store *s = (pg_store *)store;
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		exec_command(s, "ROLLBACK");
	s->in_txn = FALSE;
}

static void pg_close(vmr_store *store)
{
	pg_store *s = (pg_store *)store;
	PQfinish(s->conn);
	g_free(s);
}

static const vmr_store_driver pg_driver = {
	.name = "postgresql",
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.query = pg_query,
};

static int migrate(pg_store *s)
{
	const int target = (int)G_N_ELEMENTS(migrations);
	vmr_store *store = &s->base;
	int rc = pg_begin(store);
	if (rc < 0)
		return rc;
	/* Held until COMMIT/ROLLBACK: other nodes wait here, then find the table migrated. */
	rc = exec_command(s, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ")");
	if (rc == 0)
		rc = exec_command(
			s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	vmr_sql_rows rows = { 0 };
	if (rc == 0)
		rc = pg_query(store, "SELECT version FROM schema_version", NULL, 0, &rows);
	int version = 0;
	if (rc == 0 && rows.nrows == 0)
		rc = exec_command(s, "INSERT INTO schema_version (version) VALUES (0)");
	else if (rc == 0)
		version = (int)vmr_sql_int(&rows, 0, 0);
	vmr_sql_rows_clear(&rows);
	if (rc == 0 && version > target)
		rc = -EPROTO; /* written by a newer release: refuse rather than corrupt */
	for (int v = version; rc == 0 && v < target; v++)
		rc = exec_command(s, migrations[v]);
	if (rc == 0 && version < target) {
		vmr_sql_param p[] = { VMR_SQL_I(target) };
		rc = pg_query(store, "UPDATE schema_version SET version = $1", p, 1, NULL);
	}
	if (rc == 0)
		rc = pg_commit(store);
	if (rc < 0) {
		pg_rollback(store);
		return rc == -EPROTO ? rc : -EIO;
	}
	return 0;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* "relation already exists, skipping" and the like */
}

int vmr_store_pg_open(const char *conninfo, vmr_store **out)
{
	PGconn *conn = PQconnectdb(conninfo);
	if (conn == NULL)
		return -ENOMEM;
	if (PQstatus(conn) != CONNECTION_OK || PQsetClientEncoding(conn, "UTF8") != 0) {
		vmr_store_set_error("postgresql: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return -EIO;
	}
	PQsetNoticeProcessor(conn, quiet_notices, NULL);
	pg_store *s = g_new0(pg_store, 1);
	s->base.drv = &pg_driver;
	s->conn = conn;
	int rc = migrate(s);
	if (rc < 0) {
		pg_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
