/*
 * vmr_store.c - SQLite implementation of vmr_store.h (see there for threading/ownership).
 */
#include "vmr_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <glib.h>

struct vmr_store {
	sqlite3 *db;
};

/* Each entry moves the schema from version i to i+1. Never edit a shipped entry: add one. */
static const char *const migrations[] = {
	"CREATE TABLE rooms ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  pin TEXT,"
	"  layout TEXT NOT NULL DEFAULT '1+7',"
	"  meeting_number INTEGER NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))"
	");",
};

static int exec_sql(sqlite3 *db, const char *sql) {
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int migrate(sqlite3 *db) {
	sqlite3_stmt *st = NULL;
	int version = 0;
	if(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if(sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	int target = (int)G_N_ELEMENTS(migrations);
	if(version > target)
		return -EPROTO;   /* written by a newer release: refuse rather than corrupt */
	for(int v = version; v < target; v++) {
		char pragma[64];
		g_snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if(exec_sql(db, "BEGIN IMMEDIATE") < 0)
			return -EIO;
		if(exec_sql(db, migrations[v]) < 0 || exec_sql(db, pragma) < 0) {
			exec_sql(db, "ROLLBACK");
			return -EIO;
		}
		if(exec_sql(db, "COMMIT") < 0)
			return -EIO;
	}
	return 0;
}

int vmr_store_open(const char *path, vmr_store **out) {
	if(path == NULL || out == NULL)
		return -EINVAL;
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
	if(sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, 5000);
	int rc = exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;");
	if(rc == 0)
		rc = migrate(db);
	if(rc < 0) {
		sqlite3_close(db);
		return rc;
	}
	vmr_store *s = g_new0(vmr_store, 1);
	s->db = db;
	*out = s;
	return 0;
}

void vmr_store_close(vmr_store *store) {
	if(store == NULL)
		return;
	sqlite3_close(store->db);
	g_free(store);
}

int vmr_room_name_is_valid(const char *name) {
	if(name == NULL)
		return 0;
	size_t n = strlen(name);
	if(n < 3 || n > 32)
		return 0;
	for(size_t i = 0; i < n; i++) {
		char c = name[i];
		if(!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int vmr_room_pin_is_valid(const char *pin) {
	if(pin == NULL || pin[0] == '\0')
		return 1;
	if(strlen(pin) != 4)
		return 0;
	for(int i = 0; i < 4; i++)
		if(pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

int vmr_room_layout_is_valid(const char *layout) {
	static const char *const layouts[] = { "speaker", "1+7", "2x2", "3x3" };
	if(layout == NULL)
		return 0;
	for(size_t i = 0; i < G_N_ELEMENTS(layouts); i++)
		if(strcmp(layout, layouts[i]) == 0)
			return 1;
	return 0;
}

void vmr_room_clear(vmr_room *room) {
	if(room == NULL)
		return;
	g_free(room->name);
	g_free(room->pin);
	g_free(room->layout);
	memset(room, 0, sizeof(*room));
}

static char *column_dup(sqlite3_stmt *st, int col) {
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? g_strdup((const char *)t) : NULL;
}

#define ROOM_COLUMNS "id, name, pin, layout, meeting_number"

static int room_from_row(sqlite3_stmt *st, vmr_room *out) {
	int rc = sqlite3_step(st);
	if(rc == SQLITE_DONE)
		return -ENOENT;
	if(rc != SQLITE_ROW)
		return -EIO;
	out->id = sqlite3_column_int64(st, 0);
	out->name = column_dup(st, 1);
	out->pin = column_dup(st, 2);
	out->layout = column_dup(st, 3);
	out->meeting_number = sqlite3_column_int(st, 4);
	return 0;
}

int vmr_store_room_get(vmr_store *store, const char *name, vmr_room *out) {
	if(store == NULL || name == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = NULL;
	if(sqlite3_prepare_v2(store->db, "SELECT " ROOM_COLUMNS " FROM rooms WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	int rc = room_from_row(st, out);
	sqlite3_finalize(st);
	return rc;
}

int vmr_store_room_get_by_number(vmr_store *store, int meeting_number, vmr_room *out) {
	if(store == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = NULL;
	if(sqlite3_prepare_v2(store->db, "SELECT " ROOM_COLUMNS " FROM rooms WHERE meeting_number = ?1", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int(st, 1, meeting_number);
	int rc = room_from_row(st, out);
	sqlite3_finalize(st);
	return rc;
}

int vmr_store_room_create(vmr_store *store, const char *name, const char *pin,
		const char *layout, int meeting_number, vmr_room *out) {
	if(store == NULL || !vmr_room_name_is_valid(name) || !vmr_room_pin_is_valid(pin))
		return -EINVAL;
	if(layout == NULL)
		layout = "1+7";
	if(!vmr_room_layout_is_valid(layout))
		return -EINVAL;
	if(meeting_number != 0 && (meeting_number < 100000 || meeting_number > 999999))
		return -EINVAL;
	sqlite3_stmt *st = NULL;
	if(sqlite3_prepare_v2(store->db,
			"INSERT INTO rooms (name, pin, layout, meeting_number) VALUES (?1, ?2, ?3, ?4)",
			-1, &st, NULL) != SQLITE_OK)
		return -EIO;
	int rc = -EIO;
	/* A random number collides rarely; retry a few times before giving up. */
	for(int attempt = 0; attempt < 32; attempt++) {
		int number = meeting_number ? meeting_number : (int)g_random_int_range(100000, 1000000);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		if(pin && pin[0])
			sqlite3_bind_text(st, 2, pin, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, layout, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, number);
		int step = sqlite3_step(st);
		if(step == SQLITE_DONE) {
			if(out) {
				memset(out, 0, sizeof(*out));
				out->id = sqlite3_last_insert_rowid(store->db);
				out->name = g_strdup(name);
				out->pin = (pin && pin[0]) ? g_strdup(pin) : NULL;
				out->layout = g_strdup(layout);
				out->meeting_number = number;
			}
			rc = 0;
			break;
		}
		if(sqlite3_extended_errcode(store->db) != SQLITE_CONSTRAINT_UNIQUE) {
			rc = -EIO;
			break;
		}
		/* Name taken: no retry helps. Number taken: retry only if we picked it. */
		vmr_room existing;
		if(vmr_store_room_get(store, name, &existing) == 0) {
			vmr_room_clear(&existing);
			rc = -EEXIST;
			break;
		}
		if(meeting_number != 0) {
			rc = -EEXIST;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc;
}
