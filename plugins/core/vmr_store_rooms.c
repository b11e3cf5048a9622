/*
 * vmr_store_rooms.c - rooms and their invitations, in SQL both drivers run (see
 * vmr_store_priv.h). Every field is validated before any statement runs.
 *
 * Meeting numbers: a random 6-digit number, inserted optimistically; the UNIQUE constraint
 * is the arbiter (two gateway nodes may pick the same number at once), and a collision on
 * a number we picked is retried with another one.
 *
 * Threads: any (the store's lock serializes the connection).
 */
#include "vmr_store_priv.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#define ROOM_COLUMNS                                                                               \
	"id, kind, name, address, owner_id, pin, layout, meeting_number, receive_call, "           \
	"created_at, "                                                                             \
	"host_pin, wait_for_host, end_after_host_min"
#define INVITATION_COLUMNS                                                                         \
	"id, room_id, email, guest_name, secret, state, created_at, last_used_at, mail_status, "   \
	"guest_code"

/* Personal rooms live at <name>.join, so an enterprise room may not take a ".join" address
 * (it would squat the personal room of a future account). */
static char *room_address(vmr_room_kind kind, const char *name)
{
	if (!vmr_room_name_is_valid(name))
		return NULL;
	if (kind == VMR_ROOM_PERSONAL)
		return g_strconcat(name, ".join", NULL);
	if (kind == VMR_ROOM_ENTERPRISE && !g_str_has_suffix(name, ".join"))
		return g_strdup(name);
	return NULL;
}

static void room_free(vmr_room *room)
{
	vmr_room_clear(room);
	g_free(room);
}

static void room_from_row(const vmr_sql_rows *rows, int r, vmr_room *out)
{
	out->id = vmr_sql_int(rows, r, 0);
	out->kind = (vmr_room_kind)vmr_sql_int(rows, r, 1);
	out->name = g_strdup(vmr_sql_text(rows, r, 2));
	out->address = g_strdup(vmr_sql_text(rows, r, 3));
	out->owner_id = vmr_sql_int(rows, r, 4);
	out->pin = g_strdup(vmr_sql_text(rows, r, 5));
	out->layout = g_strdup(vmr_sql_text(rows, r, 6));
	out->meeting_number = (int)vmr_sql_int(rows, r, 7);
	out->receive_call = vmr_sql_int(rows, r, 8) != 0;
	out->created_at = vmr_sql_int(rows, r, 9);
	out->host_pin = g_strdup(vmr_sql_text(rows, r, 10));
	out->wait_for_host = vmr_sql_int(rows, r, 11) != 0;
	out->end_after_host_min = (int)vmr_sql_int(rows, r, 12);
}

int vmr_store_room_create(vmr_store *store, vmr_room_kind kind, const char *name, int64_t owner_id,
	const char *pin, const char *layout, int meeting_number, vmr_room *out)
{
	if (layout == NULL)
		layout = "1+7";
	if (store == NULL || !vmr_room_pin_is_valid(pin) || !vmr_room_layout_is_valid(layout)
		|| owner_id < 0 || (kind == VMR_ROOM_PERSONAL && owner_id == 0)
		|| (meeting_number != 0 && (meeting_number < 100000 || meeting_number > 999999)))
		return -EINVAL;
	char *address = room_address(kind, name);
	if (address == NULL)
		return -EINVAL;
	if (pin != NULL && pin[0] == '\0')
		pin = NULL;
	int64_t now = vmr_store_now();
	int rc = -EEXIST;
	/* 900000 numbers: even with half of them taken, 64 tries all colliding is ~1e-19. */
	for (int attempt = 0; attempt < 64; attempt++) {
		int number = meeting_number ? meeting_number : g_random_int_range(100000, 1000000);
		vmr_sql_param p[] = {
			VMR_SQL_I(kind),
			VMR_SQL_T(name),
			VMR_SQL_T(address),
			owner_id ? VMR_SQL_I(owner_id) : VMR_SQL_T(NULL),
			VMR_SQL_T(pin),
			VMR_SQL_T(layout),
			VMR_SQL_I(number),
			VMR_SQL_I(now),
		};
		vmr_sql_rows rows = { 0 };
		rc = vmr_store_exec(store,
			"INSERT INTO rooms (kind, name, address, owner_id, pin, layout, "
			"meeting_number, receive_call, created_at) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
			p, G_N_ELEMENTS(p), &rows);
		if (rc == 0 && rows.nrows != 1)
			rc = -EIO;
		if (rc == 0 && out != NULL) {
			memset(out, 0, sizeof(*out));
			out->id = vmr_sql_int(&rows, 0, 0);
			out->kind = kind;
			out->name = g_strdup(name);
			out->address = g_strdup(address);
			out->owner_id = owner_id;
			out->pin = g_strdup(pin);
			out->layout = g_strdup(layout);
			out->meeting_number = number;
			out->receive_call = 0;
			out->created_at = now;
		}
		vmr_sql_rows_clear(&rows);
		if (rc != VMR_STORE_ENUMBER || meeting_number != 0)
			break;
	}
	g_free(address);
	return rc == VMR_STORE_ENUMBER ? -EEXIST : rc;
}

static int room_get(vmr_store *store, const char *where, vmr_sql_param key, vmr_room *out)
{
	if (store == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	char *sql = g_strconcat("SELECT " ROOM_COLUMNS " FROM rooms WHERE ", where, NULL);
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store, sql, &key, 1, &rows);
	g_free(sql);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0)
		room_from_row(&rows, 0, out);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_store_room_get(vmr_store *store, int64_t id, vmr_room *out)
{
	return room_get(store, "id = $1", VMR_SQL_I(id), out);
}

int vmr_store_room_get_by_address(vmr_store *store, const char *address, vmr_room *out)
{
	if (address == NULL)
		return -EINVAL;
	return room_get(store, "address = $1", VMR_SQL_T(address), out);
}

int vmr_store_room_get_by_number(vmr_store *store, int meeting_number, vmr_room *out)
{
	return room_get(store, "meeting_number = $1", VMR_SQL_I(meeting_number), out);
}

int vmr_store_room_get_personal(vmr_store *store, int64_t owner_id, vmr_room *out)
{
	return room_get(store, "owner_id = $1 AND kind = 1", VMR_SQL_I(owner_id), out);
}

GPtrArray *vmr_store_room_list_by_owner(vmr_store *store, int64_t owner_id)
{
	if (store == NULL)
		return NULL;
	vmr_sql_param p[] = { VMR_SQL_I(owner_id) };
	vmr_sql_rows rows = { 0 };
	if (vmr_store_exec(store,
		    "SELECT " ROOM_COLUMNS " FROM rooms WHERE owner_id = $1 ORDER BY kind, id", p,
		    G_N_ELEMENTS(p), &rows)
		< 0) {
		vmr_sql_rows_clear(&rows);
		return NULL;
	}
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)room_free);
	for (int r = 0; r < rows.nrows; r++) {
		vmr_room *room = g_new0(vmr_room, 1);
		room_from_row(&rows, r, room);
		g_ptr_array_add(list, room);
	}
	vmr_sql_rows_clear(&rows);
	return list;
}

int vmr_store_room_update(vmr_store *store, int64_t id, const char *name, const char *pin,
	const char *layout, int receive_call)
{
	if (store == NULL || (name != NULL && !vmr_room_name_is_valid(name))
		|| (pin != NULL && !vmr_room_pin_is_valid(pin))
		|| (layout != NULL && !vmr_room_layout_is_valid(layout)) || receive_call > 1)
		return -EINVAL;
	int rc = vmr_store_txn_begin(store);
	if (rc < 0)
		return rc;
	/* The address depends on the kind; read it in the same transaction as the update. */
	vmr_sql_param key[] = { VMR_SQL_I(id) };
	vmr_sql_rows rows = { 0 };
	rc = vmr_store_txn_query(store, "SELECT kind FROM rooms WHERE id = $1", key, 1, &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	char *address = NULL;
	if (rc == 0 && name != NULL
		&& (address = room_address((vmr_room_kind)vmr_sql_int(&rows, 0, 0), name)) == NULL)
		rc = -EINVAL;
	vmr_sql_rows_clear(&rows);
	if (rc == 0) {
		/* One statement: a taken address fails it whole, so the PIN and layout stay too. */
		vmr_sql_param p[] = {
			VMR_SQL_I(id),
			VMR_SQL_T(name),
			VMR_SQL_T(address),
			VMR_SQL_I(pin != NULL),
			VMR_SQL_T(pin != NULL && pin[0] != '\0' ? pin : NULL),
			VMR_SQL_T(layout),
			VMR_SQL_I(receive_call),
		};
		rc = vmr_store_txn_query(store,
			"UPDATE rooms SET name = COALESCE(CAST($2 AS TEXT), name), "
			"address = COALESCE(CAST($3 AS TEXT), address), "
			"pin = CASE WHEN CAST($4 AS INTEGER) = 1 THEN CAST($5 AS TEXT) ELSE pin "
			"END, "
			"layout = COALESCE(CAST($6 AS TEXT), layout), "
			"receive_call = CASE WHEN CAST($7 AS INTEGER) < 0 THEN receive_call ELSE "
			"CAST($7 AS INTEGER) END "
			"WHERE id = $1",
			p, G_N_ELEMENTS(p), NULL);
	}
	g_free(address);
	return vmr_store_txn_end(store, rc == VMR_STORE_ENUMBER ? -EEXIST : rc);
}

int vmr_store_room_delete(vmr_store *store, int64_t id)
{
	if (store == NULL)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_I(id) };
	return vmr_store_exec_one(store, "DELETE FROM rooms WHERE id = $1", p, G_N_ELEMENTS(p));
}

/* ---- invitations -------------------------------------------------------------------------- */

static int mail_status_is_valid(const char *status)
{
	if (status == NULL)
		return 0;
	if (strcmp(status, "queued") == 0 || strcmp(status, "sent") == 0)
		return 1;
	return g_str_has_prefix(status, "failed: ") && vmr_store_text_is_valid(status, 256);
}

static void invitation_free(vmr_invitation *inv)
{
	vmr_invitation_clear(inv);
	g_free(inv);
}

static void invitation_from_row(const vmr_sql_rows *rows, int r, vmr_invitation *out)
{
	out->id = vmr_sql_int(rows, r, 0);
	out->room_id = vmr_sql_int(rows, r, 1);
	out->email = g_strdup(vmr_sql_text(rows, r, 2));
	out->guest_name = g_strdup(vmr_sql_text(rows, r, 3));
	out->secret = g_strdup(vmr_sql_text(rows, r, 4));
	out->state = (vmr_invitation_state)vmr_sql_int(rows, r, 5);
	out->created_at = vmr_sql_int(rows, r, 6);
	out->last_used_at = vmr_sql_int(rows, r, 7);
	out->mail_status = g_strdup(vmr_sql_text(rows, r, 8));
	out->guest_code = g_strdup(vmr_sql_text(rows, r, 9));
}

int vmr_invitation_code_is_valid(const char *code)
{
	if (code == NULL)
		return 0;
	size_t n = strspn(code, "0123456789");
	return code[n] == '\0' && n >= VMR_INVITATION_CODE_MIN && n <= VMR_INVITATION_CODE_MAX;
}

int vmr_store_invitation_create(vmr_store *store, int64_t room_id, const char *email,
	const char *guest_name, const char *secret, vmr_invitation *out)
{
	return vmr_store_invitation_create_coded(
		store, room_id, email, guest_name, secret, NULL, out);
}

int vmr_store_invitation_create_coded(vmr_store *store, int64_t room_id, const char *email,
	const char *guest_name, const char *secret, const char *guest_code, vmr_invitation *out)
{
	/* >= 64 bits of randomness: at least 16 hex digits. */
	if (store == NULL || room_id <= 0 || !vmr_email_is_valid(email)
		|| !vmr_store_text_is_valid(guest_name, 64)
		|| !vmr_store_hex_is_valid(secret, 16, 128)
		|| (guest_code != NULL && !vmr_invitation_code_is_valid(guest_code)))
		return -EINVAL;
	int64_t now = vmr_store_now();
	vmr_sql_param p[] = {
		VMR_SQL_I(room_id),
		VMR_SQL_T(email),
		VMR_SQL_T(guest_name),
		VMR_SQL_T(secret),
		VMR_SQL_I(now),
		VMR_SQL_T(guest_code),
	};
	vmr_sql_rows rows = { 0 };
	/* A missing room is a foreign key failure: -ENOENT. */
	int rc = vmr_store_exec(store,
		"INSERT INTO invitations (room_id, email, guest_name, secret, state, created_at, "
		"last_used_at, mail_status, guest_code) "
		"VALUES ($1, $2, $3, $4, 1, $5, 0, 'queued', $6) RETURNING id",
		p, G_N_ELEMENTS(p), &rows);
	if (rc == 0 && rows.nrows != 1)
		rc = -EIO;
	if (rc == 0 && out != NULL) {
		memset(out, 0, sizeof(*out));
		out->id = vmr_sql_int(&rows, 0, 0);
		out->room_id = room_id;
		out->email = g_strdup(email);
		out->guest_name = g_strdup(guest_name);
		out->secret = g_strdup(secret);
		out->state = VMR_INVITATION_ACTIVE;
		out->created_at = now;
		out->last_used_at = 0;
		out->mail_status = g_strdup("queued");
		out->guest_code = g_strdup(guest_code);
	}
	vmr_sql_rows_clear(&rows);
	return rc == VMR_STORE_ENUMBER ? -EEXIST : rc;
}

int vmr_store_invitation_get(vmr_store *store, int64_t id, vmr_invitation *out)
{
	if (store == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	vmr_sql_param p[] = { VMR_SQL_I(id) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"SELECT " INVITATION_COLUMNS " FROM invitations WHERE id = $1", p, G_N_ELEMENTS(p),
		&rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0)
		invitation_from_row(&rows, 0, out);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_store_invitation_get_by_code(
	vmr_store *store, const char *room_address, const char *code, vmr_invitation *out)
{
	if (store == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (room_address == NULL || !vmr_invitation_code_is_valid(code))
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(room_address), VMR_SQL_T(code) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"SELECT " INVITATION_COLUMNS
		" FROM invitations WHERE state = 1 AND guest_code = $2 "
		"AND room_id = (SELECT id FROM rooms WHERE address = $1)",
		p, G_N_ELEMENTS(p), &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0)
		invitation_from_row(&rows, 0, out);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_store_invitation_code_prefix(vmr_store *store, const char *room_address, const char *prefix)
{
	size_t n = prefix ? strspn(prefix, "0123456789") : 0;
	if (store == NULL || room_address == NULL || n == 0 || prefix[n] != '\0'
		|| n > VMR_INVITATION_CODE_MAX)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(room_address), VMR_SQL_T(prefix), VMR_SQL_I(n) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"SELECT 1 FROM invitations WHERE state = 1 AND guest_code IS NOT NULL "
		"AND substr(guest_code, 1, CAST($3 AS INTEGER)) = $2 "
		"AND room_id = (SELECT id FROM rooms WHERE address = $1) LIMIT 1",
		p, G_N_ELEMENTS(p), &rows);
	int found = rc == 0 ? rows.nrows > 0 : rc;
	vmr_sql_rows_clear(&rows);
	return found;
}

GPtrArray *vmr_store_invitation_list(vmr_store *store, int64_t room_id)
{
	if (store == NULL)
		return NULL;
	vmr_sql_param p[] = { VMR_SQL_I(room_id) };
	vmr_sql_rows rows = { 0 };
	if (vmr_store_exec(store,
		    "SELECT " INVITATION_COLUMNS " FROM invitations WHERE room_id = $1 "
		    "ORDER BY created_at DESC, id DESC",
		    p, G_N_ELEMENTS(p), &rows)
		< 0) {
		vmr_sql_rows_clear(&rows);
		return NULL;
	}
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)invitation_free);
	for (int r = 0; r < rows.nrows; r++) {
		vmr_invitation *inv = g_new0(vmr_invitation, 1);
		invitation_from_row(&rows, r, inv);
		g_ptr_array_add(list, inv);
	}
	vmr_sql_rows_clear(&rows);
	return list;
}

int vmr_store_invitation_set_state(vmr_store *store, int64_t id, vmr_invitation_state state)
{
	if (store == NULL || (state != VMR_INVITATION_ACTIVE && state != VMR_INVITATION_REVOKED))
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_I(state), VMR_SQL_I(id) };
	return vmr_store_exec_one(
		store, "UPDATE invitations SET state = $1 WHERE id = $2", p, G_N_ELEMENTS(p));
}

int vmr_store_invitation_set_mail_status(vmr_store *store, int64_t id, const char *status)
{
	if (store == NULL || !mail_status_is_valid(status))
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(status), VMR_SQL_I(id) };
	return vmr_store_exec_one(
		store, "UPDATE invitations SET mail_status = $1 WHERE id = $2", p, G_N_ELEMENTS(p));
}

int vmr_store_invitation_touch(vmr_store *store, int64_t id, int64_t now)
{
	if (store == NULL || now <= 0)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_I(now), VMR_SQL_I(id) };
	return vmr_store_exec_one(store, "UPDATE invitations SET last_used_at = $1 WHERE id = $2",
		p, G_N_ELEMENTS(p));
}

int vmr_store_invitation_delete(vmr_store *store, int64_t id)
{
	if (store == NULL)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_I(id) };
	return vmr_store_exec_one(
		store, "DELETE FROM invitations WHERE id = $1", p, G_N_ELEMENTS(p));
}
