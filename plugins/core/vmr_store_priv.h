/*
 * vmr_store_priv.h - what the store's record code (vmr_store_accounts.c, vmr_store_rooms.c)
 * and its two SQL drivers (vmr_store_sqlite.c, vmr_store_pg.c) share. Not installed, not
 * for the plugins.
 *
 * Design: the record code is written once, in the SQL subset both engines accept ("$1"
 * parameters, CAST(... AS ...), RETURNING), so both backends have the same semantics by
 * construction. A driver only runs one statement with typed parameters and hands back the
 * rows as text; it owns its schema (DDL and migrations differ per engine) and maps engine
 * errors to our codes.
 *
 * Threads: vmr_store.lock serializes every use of the driver's connection; a transaction
 * (vmr_store_txn_begin .. vmr_store_txn_end) holds it from BEGIN to COMMIT/ROLLBACK, so two
 * threads never interleave statements inside one transaction.
 */
#ifndef TPAAS_VMR_STORE_PRIV_H
#define TPAAS_VMR_STORE_PRIV_H

#include <errno.h>
#include <stdint.h>
#include <glib.h>

#include "vmr_store.h"

/* A driver's code for "UNIQUE(meeting_number) violated": the room code retries with another
 * random number. Never leaves the store (mapped to -EEXIST). */
#define VMR_STORE_ENUMBER (-EADDRINUSE)

typedef enum vmr_sql_type {
	VMR_SQL_NULL = 0,
	VMR_SQL_TEXT,
	VMR_SQL_INT,
} vmr_sql_type;

typedef struct vmr_sql_param {
	vmr_sql_type type;
	const char *text; /* borrowed; VMR_SQL_TEXT */
	int64_t i;        /* VMR_SQL_INT */
} vmr_sql_param;

/* A text parameter; NULL binds SQL NULL. */
#define VMR_SQL_T(s) ((vmr_sql_param){ (s) != NULL ? VMR_SQL_TEXT : VMR_SQL_NULL, (s), 0 })
#define VMR_SQL_I(v) ((vmr_sql_param){ VMR_SQL_INT, NULL, (int64_t)(v) })

/* The result of one statement. Cells are owned by the struct (vmr_sql_rows_clear). */
typedef struct vmr_sql_rows {
	int nrows, ncols;
	char **cells;    /* nrows * ncols, row-major; NULL for SQL NULL */
	int64_t changes; /* rows inserted/updated/deleted */
	char *error;     /* the engine's message when the statement failed, else NULL */
} vmr_sql_rows;

void vmr_sql_rows_clear(vmr_sql_rows *rows);
const char *vmr_sql_text(const vmr_sql_rows *rows, int row, int col);
int64_t vmr_sql_int(const vmr_sql_rows *rows, int row, int col);

typedef struct vmr_store_driver {
	const char *name; /* "sqlite", "postgresql" */
	void (*close)(vmr_store *store);
	/* BEGIN a write transaction (SQLite: BEGIN IMMEDIATE, so the write lock is taken up
	 * front and busy_timeout applies). */
	int (*begin)(vmr_store *store);
	int (*commit)(vmr_store *store);
	void (*rollback)(vmr_store *store);
	/* Runs one statement; rows may be NULL when no result is wanted. Returns 0, -EEXIST
	 * (unique), VMR_STORE_ENUMBER (unique meeting number), -ENOENT (foreign key: the
	 * referenced row is missing), -EINVAL (check / not-null / bad value) or -EIO. */
	int (*query)(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams,
		vmr_sql_rows *rows);
} vmr_store_driver;

/* Every driver's store struct starts with this. */
struct vmr_store {
	const vmr_store_driver *drv;
	GMutex lock;
};

/* A driver does not log: where an engine failure becomes -EIO it records the engine's text
 * here ("sqlite: ..." / "postgresql: ..."), for this thread, and vmr_store.c logs it once
 * through vmr_log (see vmr_store_last_error in vmr_store.h). A second text in the same
 * driver call is appended ("; "). */
void vmr_store_set_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Driver constructors: connect/open, migrate, and return a store with drv set (the caller
 * initializes the lock). */
int vmr_store_sqlite_open(const char *path, vmr_store **out);
int vmr_store_pg_open(const char *conninfo, vmr_store **out);

/* One statement under the lock, outside an explicit transaction (a single statement is
 * atomic in both engines). */
int vmr_store_exec(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams,
	vmr_sql_rows *rows);
/* One UPDATE/DELETE by key under the lock; -ENOENT when it touched no row. */
int vmr_store_exec_one(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams);
/* Takes the lock and BEGINs; on error the lock is released again. */
int vmr_store_txn_begin(vmr_store *store);
/* COMMITs when rc == 0, else ROLLs BACK; releases the lock. Returns rc, or -EIO when the
 * COMMIT failed. */
int vmr_store_txn_end(vmr_store *store, int rc);
/* Inside a transaction (lock held). */
int vmr_store_txn_query(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams,
	vmr_sql_rows *rows);

/* Now, in unix seconds. */
int64_t vmr_store_now(void);
/* A printable single-line string of 1..max bytes: valid UTF-8, no control characters. */
int vmr_store_text_is_valid(const char *s, size_t max);
/* 1 when s is min..max characters of lowercase hex. */
int vmr_store_hex_is_valid(const char *s, size_t min, size_t max);

#endif
