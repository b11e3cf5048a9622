/*
 * vmr_store_hosts.c - a room's host settings (host PIN, waiting for the host, ending after
 * the last host left) and the room's log of host actions, in SQL both drivers run (see
 * vmr_store_priv.h). Every field is validated before any statement runs.
 *
 * Threads: any (the store's lock serializes the connection).
 */
#include "vmr_store_priv.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

int vmr_store_room_set_hosts(vmr_store *store, int64_t id, const char *host_pin, int wait_for_host,
	int end_after_host_min)
{
	if (store == NULL || (host_pin != NULL && !vmr_room_pin_is_valid(host_pin))
		|| wait_for_host > 1 || end_after_host_min > 1440)
		return -EINVAL;
	int rc = vmr_store_txn_begin(store);
	if (rc < 0)
		return rc;
	/* The guest PIN is read in the same transaction: the two PINs never end up equal. */
	vmr_sql_param key[] = { VMR_SQL_I(id) };
	vmr_sql_rows rows = { 0 };
	rc = vmr_store_txn_query(store, "SELECT pin FROM rooms WHERE id = $1", key, 1, &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0 && host_pin != NULL && host_pin[0] != '\0' && vmr_sql_text(&rows, 0, 0) != NULL
		&& strcmp(vmr_sql_text(&rows, 0, 0), host_pin) == 0)
		rc = -EINVAL;
	vmr_sql_rows_clear(&rows);
	if (rc == 0) {
		vmr_sql_param p[] = {
			VMR_SQL_I(id),
			VMR_SQL_I(host_pin != NULL),
			VMR_SQL_T(host_pin != NULL && host_pin[0] != '\0' ? host_pin : NULL),
			VMR_SQL_I(wait_for_host),
			VMR_SQL_I(end_after_host_min),
		};
		rc = vmr_store_txn_query(store,
			"UPDATE rooms SET "
			"host_pin = CASE WHEN CAST($2 AS INTEGER) = 1 THEN CAST($3 AS TEXT) "
			"ELSE host_pin END, "
			"wait_for_host = CASE WHEN CAST($4 AS INTEGER) < 0 THEN wait_for_host "
			"ELSE CAST($4 AS INTEGER) END, "
			"end_after_host_min = CASE WHEN CAST($5 AS INTEGER) < 0 THEN "
			"end_after_host_min ELSE CAST($5 AS INTEGER) END "
			"WHERE id = $1",
			p, G_N_ELEMENTS(p), NULL);
	}
	return vmr_store_txn_end(store, rc);
}

void vmr_host_action_clear(vmr_host_action *a)
{
	if (a == NULL)
		return;
	g_free(a->room_address);
	g_free(a->actor);
	g_free(a->action);
	g_free(a->target);
	memset(a, 0, sizeof(*a));
}

static void host_action_free(gpointer data)
{
	vmr_host_action_clear(data);
	g_free(data);
}

int vmr_store_host_action_add(vmr_store *store, const char *room_address, const char *actor,
	const char *action, const char *target, int64_t at)
{
	if (store == NULL || !vmr_store_text_is_valid(room_address, 64)
		|| !vmr_store_text_is_valid(actor, 512) || !vmr_store_text_is_valid(action, 64)
		|| (target != NULL && !vmr_store_text_is_valid(target, 512)))
		return -EINVAL;
	vmr_sql_param p[] = {
		VMR_SQL_T(room_address),
		VMR_SQL_T(actor),
		VMR_SQL_T(action),
		VMR_SQL_T(target),
		VMR_SQL_I(at),
	};
	return vmr_store_exec(store,
		"INSERT INTO host_actions (room_address, actor, action, target, at) "
		"VALUES ($1, $2, $3, $4, $5)",
		p, G_N_ELEMENTS(p), NULL);
}

GPtrArray *vmr_store_host_action_list(vmr_store *store, const char *room_address, int limit)
{
	if (store == NULL || room_address == NULL || limit <= 0)
		return NULL;
	vmr_sql_param p[] = { VMR_SQL_T(room_address), VMR_SQL_I(limit) };
	vmr_sql_rows rows = { 0 };
	if (vmr_store_exec(store,
		    "SELECT id, room_address, actor, action, target, at FROM host_actions "
		    "WHERE room_address = $1 ORDER BY id DESC LIMIT $2",
		    p, G_N_ELEMENTS(p), &rows)
		!= 0) {
		vmr_sql_rows_clear(&rows);
		return NULL;
	}
	GPtrArray *list = g_ptr_array_new_with_free_func(host_action_free);
	for (int r = 0; r < rows.nrows; r++) {
		vmr_host_action *a = g_new0(vmr_host_action, 1);
		a->id = vmr_sql_int(&rows, r, 0);
		a->room_address = g_strdup(vmr_sql_text(&rows, r, 1));
		a->actor = g_strdup(vmr_sql_text(&rows, r, 2));
		a->action = g_strdup(vmr_sql_text(&rows, r, 3));
		a->target = g_strdup(vmr_sql_text(&rows, r, 4));
		a->at = vmr_sql_int(&rows, r, 5);
		g_ptr_array_add(list, a);
	}
	vmr_sql_rows_clear(&rows);
	return list;
}
