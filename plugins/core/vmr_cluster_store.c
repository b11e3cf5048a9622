/*
 * vmr_cluster_store.c - the cluster's statements on the shared PostgreSQL store (see
 * vmr_cluster_store.h). Every statement is one atomic statement (no explicit transaction),
 * timed by the database server's clock so that nodes' clocks need not agree.
 */
#include "vmr_cluster_store.h"
#include "vmr_store_priv.h"

#include <errno.h>
#include <string.h>

static gboolean is_pg(vmr_store *store)
{
	return store != NULL && g_strcmp0(vmr_store_backend(store), "postgresql") == 0;
}

void vmr_cluster_where_clear(vmr_cluster_where *w)
{
	if (w == NULL)
		return;
	g_free(w->node_id);
	g_free(w->public_url);
	g_free(w->sip_uri);
	memset(w, 0, sizeof(*w));
}

static void where_from_row(const vmr_sql_rows *rows, vmr_cluster_where *out)
{
	if (out == NULL)
		return;
	vmr_cluster_where_clear(out);
	out->node_id = g_strdup(vmr_sql_text(rows, 0, 0));
	out->public_url = g_strdup(vmr_sql_text(rows, 0, 1));
	out->sip_uri = g_strdup(vmr_sql_text(rows, 0, 2));
}

int vmr_cluster_store_heartbeat(
	vmr_store *store, const vmr_cluster_node *self, const vmr_cluster_report *r)
{
	if (!is_pg(store))
		return -ENOTSUP;
	if (self == NULL || self->node_id == NULL || self->sip_uri == NULL
		|| self->public_url == NULL || r == NULL || self->lease_seconds < 1)
		return -EINVAL;
	char load[G_ASCII_DTOSTR_BUF_SIZE], capacity[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_dtostr(load, sizeof(load), r->load);
	g_ascii_dtostr(capacity, sizeof(capacity), self->capacity);
	vmr_sql_param p[] = { VMR_SQL_T(self->node_id), VMR_SQL_T(self->sip_uri),
		VMR_SQL_T(self->public_url), VMR_SQL_I(self->lease_seconds), VMR_SQL_I(r->rooms),
		VMR_SQL_I(r->participants), VMR_SQL_T(load), VMR_SQL_T(capacity) };
	return vmr_store_exec(store,
		"INSERT INTO cluster_nodes (node_id, sip_uri, public_url, lease_until, rooms, "
		"participants, load, capacity) VALUES ($1, $2, $3, "
		"now() + make_interval(secs => CAST($4 AS INTEGER)), CAST($5 AS INTEGER), "
		"CAST($6 AS INTEGER), CAST($7 AS DOUBLE PRECISION), CAST($8 AS DOUBLE PRECISION)) "
		"ON CONFLICT (node_id) DO UPDATE SET sip_uri = EXCLUDED.sip_uri, "
		"public_url = EXCLUDED.public_url, lease_until = EXCLUDED.lease_until, "
		"rooms = EXCLUDED.rooms, participants = EXCLUDED.participants, "
		"load = EXCLUDED.load, capacity = EXCLUDED.capacity",
		p, G_N_ELEMENTS(p), NULL);
}

int vmr_cluster_store_expire(vmr_store *store, const char *node_id)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(node_id) };
	return vmr_store_exec(store,
		"UPDATE cluster_nodes SET lease_until = now() - interval '1 second' "
		"WHERE node_id = $1",
		p, 1, NULL);
}

int vmr_cluster_store_leave(vmr_store *store, const char *node_id)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(node_id) };
	int rc = vmr_store_exec(store, "DELETE FROM room_placement WHERE node_id = $1", p, 1, NULL);
	int rc2 = vmr_store_exec(
		store, "DELETE FROM sip_registrations WHERE node_id = $1", p, 1, NULL);
	int rc3 = vmr_store_exec(store, "DELETE FROM cluster_nodes WHERE node_id = $1", p, 1, NULL);
	return rc < 0 ? rc : rc2 < 0 ? rc2 : rc3;
}

int vmr_cluster_store_owner(vmr_store *store, const char *address, vmr_cluster_where *owner)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(address) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"SELECT n.node_id, n.public_url, n.sip_uri FROM room_placement p "
		"JOIN cluster_nodes n USING (node_id) "
		"WHERE p.room_address = $1 AND n.lease_until > now()",
		p, 1, &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0)
		where_from_row(&rows, owner);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_cluster_store_place(
	vmr_store *store, const char *node_id, const char *address, vmr_cluster_where *owner)
{
	if (!is_pg(store))
		return -ENOTSUP;
	if (node_id == NULL || address == NULL)
		return -EINVAL;
	vmr_sql_param p[] = { VMR_SQL_T(address), VMR_SQL_T(node_id) };
	/* A few rounds: the owner seen refusing us may die or release before we read it. */
	for (int attempt = 0; attempt < 3; attempt++) {
		vmr_sql_rows rows = { 0 };
		int rc = vmr_store_exec(store,
			"INSERT INTO room_placement (room_address, node_id) VALUES ($1, $2) "
			"ON CONFLICT (room_address) DO UPDATE SET node_id = EXCLUDED.node_id, "
			"placed_at = CASE WHEN room_placement.node_id = EXCLUDED.node_id "
			"THEN room_placement.placed_at ELSE now() END "
			"WHERE room_placement.node_id = EXCLUDED.node_id OR NOT EXISTS ("
			"SELECT 1 FROM cluster_nodes n WHERE n.node_id = room_placement.node_id "
			"AND n.lease_until > now()) RETURNING node_id",
			p, 2, &rows);
		int placed = rc == 0 && rows.nrows == 1;
		vmr_sql_rows_clear(&rows);
		if (rc < 0)
			return rc;
		if (placed)
			return 0;
		rc = vmr_cluster_store_owner(store, address, owner);
		if (rc == 0)
			return -EREMOTE;
		if (rc != -ENOENT)
			return rc;
	}
	return -EIO;
}

int vmr_cluster_store_unplace(vmr_store *store, const char *node_id, const char *address)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(address), VMR_SQL_T(node_id) };
	return vmr_store_exec(store,
		"DELETE FROM room_placement WHERE room_address = $1 AND node_id = $2", p, 2, NULL);
}

static int text_column(
	vmr_store *store, const char *sql, const vmr_sql_param *p, int np, GPtrArray **out)
{
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store, sql, p, np, &rows);
	if (rc == 0) {
		*out = g_ptr_array_new_with_free_func(g_free);
		for (int i = 0; i < rows.nrows; i++)
			if (vmr_sql_text(&rows, i, 0) != NULL)
				g_ptr_array_add(*out, g_strdup(vmr_sql_text(&rows, i, 0)));
	}
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_cluster_store_placed_on(vmr_store *store, const char *node_id, GPtrArray **out)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(node_id) };
	return text_column(store,
		"SELECT room_address FROM room_placement WHERE node_id = $1 ORDER BY room_address",
		p, 1, out);
}

int vmr_cluster_store_locate(vmr_store *store, const char *key, vmr_cluster_where *out)
{
	if (!is_pg(store))
		return -ENOTSUP;
	/* The placed live node first, else the best live node (tpaas_best_node, as Kamailio);
	 * without a key only the best. */
	static const char *const best = "SELECT node_id, public_url, sip_uri FROM cluster_nodes"
					" WHERE node_id = tpaas_best_node()";
	static const char *const placed_or_best =
		"SELECT node_id, public_url, sip_uri FROM ("
		" SELECT n.node_id, n.public_url, n.sip_uri, 0 AS pref FROM room_placement p"
		" JOIN cluster_nodes n USING (node_id)"
		" WHERE p.room_address = tpaas_room_key($1) AND n.lease_until > now()"
		" UNION ALL"
		" SELECT node_id, public_url, sip_uri, 1 FROM cluster_nodes"
		" WHERE node_id = tpaas_best_node()) c ORDER BY pref LIMIT 1";
	vmr_sql_param p[] = { VMR_SQL_T(key) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store, key ? placed_or_best : best, p, key ? 1 : 0, &rows);
	if (rc == 0 && rows.nrows == 0)
		rc = -ENOENT;
	if (rc == 0)
		where_from_row(&rows, out);
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_cluster_store_live_urls(vmr_store *store, GPtrArray **out)
{
	if (!is_pg(store))
		return -ENOTSUP;
	return text_column(store,
		"SELECT public_url FROM cluster_nodes WHERE lease_until > now() ORDER BY node_id",
		NULL, 0, out);
}

int vmr_cluster_store_route(vmr_store *store, const char *user_part, char **sip_uri)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(user_part) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store, "SELECT tpaas_route($1)", p, 1, &rows);
	*sip_uri = rc == 0 && rows.nrows == 1 ? g_strdup(vmr_sql_text(&rows, 0, 0)) : NULL;
	vmr_sql_rows_clear(&rows);
	return rc;
}

/* ---- SIP registrations ------------------------------------------------------------------ */

void vmr_sip_binding_free(vmr_sip_binding *b)
{
	if (b == NULL)
		return;
	g_free(b->contact);
	g_free(b->source);
	g_free(b->node_id);
	g_free(b);
}

int vmr_cluster_store_bind(vmr_store *store, const char *node_id, const char *username,
	const char *contact, const char *source, int64_t expires_at)
{
	if (!is_pg(store))
		return -ENOTSUP;
	if (node_id == NULL || username == NULL || contact == NULL)
		return -EINVAL;
	if (expires_at <= vmr_store_now()) {
		vmr_sql_param p[] = { VMR_SQL_T(username), VMR_SQL_T(contact) };
		return vmr_store_exec(store,
			"DELETE FROM sip_registrations WHERE username = $1 AND contact = $2", p, 2,
			NULL);
	}
	vmr_sql_param p[] = { VMR_SQL_T(username), VMR_SQL_T(contact),
		VMR_SQL_T(source ? source : ""), VMR_SQL_T(node_id), VMR_SQL_I(expires_at) };
	return vmr_store_exec(store,
		"INSERT INTO sip_registrations (username, contact, source, node_id, expires_at) "
		"VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT)) ON CONFLICT (username, contact) DO "
		"UPDATE SET source = EXCLUDED.source, node_id = EXCLUDED.node_id, "
		"expires_at = EXCLUDED.expires_at",
		p, G_N_ELEMENTS(p), NULL);
}

int vmr_cluster_store_unbind_all(vmr_store *store, const char *username)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(username) };
	return vmr_store_exec(
		store, "DELETE FROM sip_registrations WHERE username = $1", p, 1, NULL);
}

int vmr_cluster_store_bindings(
	vmr_store *store, const char *username, int64_t now_s, GPtrArray **out)
{
	if (!is_pg(store))
		return -ENOTSUP;
	vmr_sql_param p[] = { VMR_SQL_T(username), VMR_SQL_I(now_s) };
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store,
		"SELECT contact, source, node_id, expires_at FROM sip_registrations "
		"WHERE username = $1 AND expires_at > CAST($2 AS BIGINT) ORDER BY expires_at DESC",
		p, 2, &rows);
	if (rc == 0) {
		*out = g_ptr_array_new_with_free_func((GDestroyNotify)vmr_sip_binding_free);
		for (int i = 0; i < rows.nrows; i++) {
			vmr_sip_binding *b = g_new0(vmr_sip_binding, 1);
			b->contact = g_strdup(vmr_sql_text(&rows, i, 0));
			b->source = g_strdup(vmr_sql_text(&rows, i, 1));
			b->node_id = g_strdup(vmr_sql_text(&rows, i, 2));
			b->expires_at = vmr_sql_int(&rows, i, 3);
			g_ptr_array_add(*out, b);
		}
	}
	vmr_sql_rows_clear(&rows);
	return rc;
}
