/*
 * vmr_store_accounts.c - device accounts and login sessions, in SQL both drivers run
 * (see vmr_store_priv.h). Every field is validated here, before any statement runs, so an
 * invalid call stores nothing on either backend.
 *
 * Threads: any (the store's lock serializes the connection).
 */
#include "vmr_store_priv.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#define ACCOUNT_COLUMNS                                                                            \
	"id, username, display_name, email, password_hash, is_admin, created_at, sip_password"

static int password_hash_is_valid(const char *hash)
{
	/* An encoded hash ("$argon2id$v=19$m=...") is printable ASCII. */
	if (!vmr_store_text_is_valid(hash, 255))
		return 0;
	for (const char *p = hash; *p; p++)
		if (*p <= ' ' || *p > '~')
			return 0;
	return 1;
}

static void account_from_row(const vmr_sql_rows *rows, int r, vmr_account *out)
{
	out->id = vmr_sql_int(rows, r, 0);
	out->username = g_strdup(vmr_sql_text(rows, r, 1));
	out->display_name = g_strdup(vmr_sql_text(rows, r, 2));
	out->email = g_strdup(vmr_sql_text(rows, r, 3));
	out->password_hash = g_strdup(vmr_sql_text(rows, r, 4));
	out->is_admin = vmr_sql_int(rows, r, 5) != 0;
	out->created_at = vmr_sql_int(rows, r, 6);
	out->sip_password = g_strdup(vmr_sql_text(rows, r, 7));
}

int vmr_store_account_create(vmr_store *store, const char *username, const char *display_name,
	const char *email, const char *password_hash, int is_admin, int64_t *id_out)
{
	if (store == NULL || !vmr_account_username_is_valid(username)
		|| !vmr_store_text_is_valid(display_name, 128)
		|| (email != NULL && !vmr_email_is_valid(email))
		|| !password_hash_is_valid(password_hash))
		return -EINVAL;
	vmr_sql_param p[] = {
		VMR_SQL_T(username),
		VMR_SQL_T(display_name),
		VMR_SQL_T(email),
		VMR_SQL_T(password_hash),
		VMR_SQL_I(is_admin ? 1 : 0),
		VMR_SQL_I(vmr_store_now()),
	};
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"INSERT INTO accounts (username, display_name, email, password_hash, is_admin, "
		"created_at) "
		"VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		p, G_N_ELEMENTS(p), &rows);
	if (rc == 0 && rows.nrows != 1)
		rc = -EIO;
	if (rc == 0 && id_out != NULL)
		*id_out = vmr_sql_int(&rows, 0, 0);
	vmr_sql_rows_clear(&rows);
	return rc == VMR_STORE_ENUMBER ? -EEXIST : rc;
}

static int account_get(vmr_store *store, const char *sql, vmr_sql_param key, vmr_account *out)
{
	memset(out, 0, sizeof(*out));
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store, sql, &key, 1, &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0)
		account_from_row(&rows, 0, out);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_store_account_get(vmr_store *store, int64_t id, vmr_account *out)
{
	if (store == NULL || out == NULL)
		return -EINVAL;
	return account_get(store, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = $1",
		VMR_SQL_I(id), out);
}

int vmr_store_account_get_by_username(vmr_store *store, const char *username, vmr_account *out)
{
	if (store == NULL || username == NULL || out == NULL)
		return -EINVAL;
	return account_get(store, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE username = $1",
		VMR_SQL_T(username), out);
}

int vmr_store_account_set_password(vmr_store *store, int64_t id, const char *password_hash)
{
	if (store == NULL || !password_hash_is_valid(password_hash))
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(password_hash), VMR_SQL_I(id) };
	return vmr_store_exec_one(
		store, "UPDATE accounts SET password_hash = $1 WHERE id = $2", p, G_N_ELEMENTS(p));
}

int vmr_store_account_set_sip_password(vmr_store *store, int64_t id, const char *sip_password)
{
	if (store == NULL
		|| (sip_password != NULL && !vmr_store_hex_is_valid(sip_password, 24, 64)))
		return -EINVAL;
	/* sip_ha1 (the HA1 of the web password, before schema 4) stays NULL for good. */
	vmr_sql_param p[] = { VMR_SQL_T(sip_password), VMR_SQL_I(id) };
	return vmr_store_exec_one(store,
		"UPDATE accounts SET sip_password = $1, sip_ha1 = NULL WHERE id = $2", p,
		G_N_ELEMENTS(p));
}

int vmr_store_account_delete(vmr_store *store, int64_t id)
{
	if (store == NULL)
		return -EINVAL;
	/* Sessions, rooms and the rooms' invitations go with it (ON DELETE CASCADE). */
	vmr_sql_param p[] = { VMR_SQL_I(id) };
	return vmr_store_exec_one(store, "DELETE FROM accounts WHERE id = $1", p, G_N_ELEMENTS(p));
}

/* ---- sessions ---------------------------------------------------------------------------- */

int vmr_store_session_create(
	vmr_store *store, const char *token_hash, int64_t account_id, int64_t expires_at)
{
	if (store == NULL || !vmr_store_hex_is_valid(token_hash, 64, 64) || account_id <= 0
		|| expires_at <= 0)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(token_hash), VMR_SQL_I(account_id), VMR_SQL_I(expires_at) };
	/* A missing account is a foreign key failure: -ENOENT. */
	return vmr_store_exec(store,
		"INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)", p,
		G_N_ELEMENTS(p), NULL);
}

int vmr_store_session_get(
	vmr_store *store, const char *token_hash, int64_t now, int64_t *account_id_out)
{
	if (store == NULL || token_hash == NULL)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(token_hash), VMR_SQL_I(now) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"SELECT account_id FROM sessions WHERE token_hash = $1 AND expires_at > $2", p,
		G_N_ELEMENTS(p), &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0 && account_id_out != NULL)
		*account_id_out = vmr_sql_int(&rows, 0, 0);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_store_session_delete(vmr_store *store, const char *token_hash)
{
	if (store == NULL || token_hash == NULL)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(token_hash) };
	return vmr_store_exec_one(
		store, "DELETE FROM sessions WHERE token_hash = $1", p, G_N_ELEMENTS(p));
}

int vmr_store_session_purge_expired(vmr_store *store, int64_t now)
{
	if (store == NULL)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_I(now) };
	return vmr_store_exec(
		store, "DELETE FROM sessions WHERE expires_at <= $1", p, G_N_ELEMENTS(p), NULL);
}

/* ---- SIP call log ------------------------------------------------------------------------ */

#define CALL_COLUMNS "id, caller, source, room_address, via, started_at, ended_at, cause"

void vmr_call_clear(vmr_call *call)
{
	if (call == NULL)
		return;
	g_free(call->caller);
	g_free(call->source);
	g_free(call->room_address);
	g_free(call->cause);
	memset(call, 0, sizeof(*call));
}

static int call_via_is_valid(vmr_call_via via)
{
	return via == VMR_CALL_ADDRESS || via == VMR_CALL_LOBBY || via == VMR_CALL_DIALOUT;
}

int vmr_store_call_start(vmr_store *store, const char *caller, const char *source,
	const char *room_address, vmr_call_via via, int64_t started_at, int64_t *id_out)
{
	/* Caller and source come from the network: bounded, printable, one line. */
	if (store == NULL || !vmr_store_text_is_valid(caller, 255)
		|| !vmr_store_text_is_valid(source, 64)
		|| (room_address != NULL && !vmr_store_text_is_valid(room_address, 64))
		|| !call_via_is_valid(via) || started_at <= 0)
		return -EINVAL;
	vmr_sql_param p[] = {
		VMR_SQL_T(caller),
		VMR_SQL_T(source),
		VMR_SQL_T(room_address),
		VMR_SQL_I(via),
		VMR_SQL_I(started_at),
	};
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"INSERT INTO calls (caller, source, room_address, via, started_at) VALUES ($1, $2, "
		"$3, $4, $5) RETURNING id",
		p, G_N_ELEMENTS(p), &rows);
	if (rc == 0 && rows.nrows != 1)
		rc = -EIO;
	if (rc == 0 && id_out != NULL)
		*id_out = vmr_sql_int(&rows, 0, 0);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_store_call_set_room(
	vmr_store *store, int64_t id, const char *room_address, vmr_call_via via)
{
	if (store == NULL || !vmr_store_text_is_valid(room_address, 64) || !call_via_is_valid(via))
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(room_address), VMR_SQL_I(via), VMR_SQL_I(id) };
	return vmr_store_exec_one(store,
		"UPDATE calls SET room_address = $1, via = $2 WHERE id = $3", p, G_N_ELEMENTS(p));
}

int vmr_store_call_end(vmr_store *store, int64_t id, int64_t ended_at, const char *cause)
{
	if (store == NULL || !vmr_store_text_is_valid(cause, 128) || ended_at <= 0)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_I(ended_at), VMR_SQL_T(cause), VMR_SQL_I(id) };
	return vmr_store_exec_one(store, "UPDATE calls SET ended_at = $1, cause = $2 WHERE id = $3",
		p, G_N_ELEMENTS(p));
}

static void call_free(gpointer data)
{
	vmr_call_clear(data);
	g_free(data);
}

GPtrArray *vmr_store_call_list(vmr_store *store, int limit)
{
	if (store == NULL || limit <= 0)
		return NULL;
	vmr_sql_param p[] = { VMR_SQL_I(limit) };
	vmr_sql_rows rows = { 0 };
	if (vmr_store_exec(store, "SELECT " CALL_COLUMNS " FROM calls ORDER BY id DESC LIMIT $1", p,
		    G_N_ELEMENTS(p), &rows)
		!= 0) {
		vmr_sql_rows_clear(&rows);
		return NULL;
	}
	GPtrArray *list = g_ptr_array_new_with_free_func(call_free);
	for (int r = 0; r < rows.nrows; r++) {
		vmr_call *c = g_new0(vmr_call, 1);
		c->id = vmr_sql_int(&rows, r, 0);
		c->caller = g_strdup(vmr_sql_text(&rows, r, 1));
		c->source = g_strdup(vmr_sql_text(&rows, r, 2));
		c->room_address = g_strdup(vmr_sql_text(&rows, r, 3));
		c->via = (vmr_call_via)vmr_sql_int(&rows, r, 4);
		c->started_at = vmr_sql_int(&rows, r, 5);
		c->ended_at = vmr_sql_int(&rows, r, 6);
		c->cause = g_strdup(vmr_sql_text(&rows, r, 7));
		g_ptr_array_add(list, c);
	}
	vmr_sql_rows_clear(&rows);
	return list;
}
