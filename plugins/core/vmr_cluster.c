/*
 * vmr_cluster.c - the lease thread, the rooms registry's placement hook and the cached list
 * of live nodes' URLs (see vmr_cluster.h). State: one static cluster, guarded by `lock`
 * (never held across a store call: the store has its own lock, and a store call may block
 * while PostgreSQL restarts).
 */
#include "vmr_cluster.h"
#include "vmr_admission.h"
#include "vmr_log.h"
#include "vmr_rooms.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static GMutex lock;
static GCond wake;
static struct {
	gboolean on, stopping;
	vmr_store *store;
	char *node_id, *public_url, *sip_uri;
	double capacity;
	int lease_seconds;
	GThread *thread;
	GHashTable *pending;  /* address -> count: placements being made (not yet running) */
	GPtrArray *live_urls; /* public URLs of the live nodes, refreshed by every lease */
	gboolean store_down;  /* the last lease failed (logged once per outage) */
	int hooks_running;    /* placement hooks between hook_enter and hook_leave */
} cl;

/* The placement hooks may run on any thread while vmr_cluster_stop runs: stop waits for them
 * (and refuses new ones) before the node's strings and the store go. */
static gboolean hook_enter(void)
{
	g_mutex_lock(&lock);
	gboolean ok = cl.on && !cl.stopping;
	if (ok)
		cl.hooks_running++;
	g_mutex_unlock(&lock);
	return ok;
}

static void hook_leave(void)
{
	g_mutex_lock(&lock);
	if (--cl.hooks_running == 0)
		g_cond_broadcast(&wake);
	g_mutex_unlock(&lock);
}

static vmr_cluster_node self_node(void)
{
	vmr_cluster_node n = { .node_id = cl.node_id,
		.sip_uri = cl.sip_uri,
		.public_url = cl.public_url,
		.capacity = cl.capacity,
		.lease_seconds = cl.lease_seconds };
	return n;
}

/* ---- placement hook (any thread that acquires or releases a room) ----------------------- */

static void pending_add(const char *address, int delta)
{
	g_mutex_lock(&lock);
	if (cl.pending != NULL) {
		int n = GPOINTER_TO_INT(g_hash_table_lookup(cl.pending, address)) + delta;
		if (n > 0)
			g_hash_table_insert(cl.pending, g_strdup(address), GINT_TO_POINTER(n));
		else
			g_hash_table_remove(cl.pending, address);
	}
	g_mutex_unlock(&lock);
}

static int on_place(void *opaque, const char *address)
{
	(void)opaque;
	if (!hook_enter())
		return 0;
	pending_add(address, 1);
	vmr_cluster_where owner = { 0 };
	int rc = vmr_cluster_store_place(cl.store, cl.node_id, address, &owner);
	pending_add(address, -1);
	if (rc == -EREMOTE) {
		vmr_log(VMR_LOG_INFO, "[cluster] room %s runs on node %s (%s)", address,
			owner.node_id, owner.public_url);
	} else if (rc < 0) {
		/* Availability first: the room starts here; the lease thread places it later. */
		vmr_log(VMR_LOG_WARN,
			"[cluster] cannot place room %s (%s): starting it here unplaced", address,
			g_strerror(-rc));
		rc = 0;
	}
	vmr_cluster_where_clear(&owner);
	hook_leave();
	return rc;
}

static void on_released(void *opaque, const char *address)
{
	(void)opaque;
	if (!hook_enter())
		return;
	int rc = vmr_cluster_store_unplace(cl.store, cl.node_id, address);
	if (rc < 0)
		vmr_log(VMR_LOG_WARN,
			"[cluster] cannot release room %s (%s): the lease thread will", address,
			g_strerror(-rc));
	hook_leave();
}

/* ---- the lease thread ------------------------------------------------------------------- */

static void collect_running(void *opaque, const char *address, mcu_room *room)
{
	(void)room;
	g_ptr_array_add(opaque, g_strdup(address));
}

static gboolean in_array(GPtrArray *a, const char *s)
{
	for (guint i = 0; a != NULL && i < a->len; i++)
		if (strcmp(a->pdata[i], s) == 0)
			return TRUE;
	return FALSE;
}

/* Placements follow the running rooms (see vmr_cluster.h). */
static void reconcile(void)
{
	GPtrArray *running = g_ptr_array_new_with_free_func(g_free);
	vmr_rooms_foreach(collect_running, running);
	GPtrArray *placed = NULL;
	if (vmr_cluster_store_placed_on(cl.store, cl.node_id, &placed) < 0) {
		g_ptr_array_unref(running);
		return;
	}
	for (guint i = 0; i < running->len; i++) {
		const char *address = running->pdata[i];
		if (in_array(placed, address))
			continue;
		vmr_cluster_where owner = { 0 };
		if (vmr_cluster_store_place(cl.store, cl.node_id, address, &owner) == -EREMOTE)
			vmr_log(VMR_LOG_WARN,
				"[cluster] room %s runs here and on node %s (placed there while "
				"this "
				"node was cut off from the store)",
				address, owner.node_id);
		vmr_cluster_where_clear(&owner);
	}
	for (guint i = 0; i < placed->len; i++) {
		const char *address = placed->pdata[i];
		if (in_array(running, address))
			continue;
		g_mutex_lock(&lock);
		gboolean pending = cl.pending && g_hash_table_contains(cl.pending, address);
		g_mutex_unlock(&lock);
		/* (a room being started right now is placed but not running yet) */
		mcu_room *room = pending ? NULL : vmr_rooms_lookup(address);
		if (!pending && room == NULL)
			vmr_cluster_store_unplace(cl.store, cl.node_id, address);
		if (room != NULL)
			mcu_room_unref(room);
	}
	g_ptr_array_unref(placed);
	g_ptr_array_unref(running);
}

static int heartbeat(void)
{
	vmr_node_load l;
	vmr_admission_measure(NULL, &l);
	vmr_cluster_report r = { .rooms = l.rooms, .participants = l.participants, .load = l.load };
	/* A node whose budget would refuse a new room (its participants, or its cores) has no
	 * free capacity, however little CPU it measures: placement ranks it last. */
	vmr_admission_budget b;
	vmr_admission_get_budget(&b);
	if (vmr_admission_decide(&b, &l) < 0 && r.load < cl.capacity)
		r.load = cl.capacity;
	vmr_cluster_node n = self_node();
	int rc = vmr_cluster_store_heartbeat(cl.store, &n, &r);
	GPtrArray *urls = NULL;
	if (rc == 0)
		rc = vmr_cluster_store_live_urls(cl.store, &urls);
	g_mutex_lock(&lock);
	gboolean was_down = cl.store_down;
	cl.store_down = rc < 0;
	if (urls != NULL) {
		if (cl.live_urls != NULL)
			g_ptr_array_unref(cl.live_urls);
		cl.live_urls = urls;
	}
	g_mutex_unlock(&lock);
	if (rc < 0 && !was_down)
		vmr_log(VMR_LOG_ERR,
			"[cluster] cannot renew the lease of node %s (%s): rooms keep running, "
			"retrying",
			cl.node_id, g_strerror(-rc));
	if (rc == 0 && was_down)
		vmr_log(VMR_LOG_INFO, "[cluster] the store is back: lease of node %s renewed",
			cl.node_id);
	if (rc == 0)
		reconcile();
	return rc;
}

static gpointer lease_thread(gpointer data)
{
	(void)data;
	gint64 period = (gint64)cl.lease_seconds * G_TIME_SPAN_SECOND / 3;
	g_mutex_lock(&lock);
	while (!cl.stopping) {
		gint64 until = g_get_monotonic_time() + period;
		while (!cl.stopping && g_cond_wait_until(&wake, &lock, until))
			;
		if (cl.stopping)
			break;
		g_mutex_unlock(&lock);
		heartbeat();
		g_mutex_lock(&lock);
	}
	g_mutex_unlock(&lock);
	return NULL;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static void forget(void)
{
	g_mutex_lock(&lock);
	cl.on = FALSE;
	g_clear_pointer(&cl.pending, g_hash_table_destroy);
	g_clear_pointer(&cl.node_id, g_free);
	g_clear_pointer(&cl.public_url, g_free);
	g_clear_pointer(&cl.sip_uri, g_free);
	g_clear_pointer(&cl.live_urls, g_ptr_array_unref);
	cl.store = NULL;
	g_mutex_unlock(&lock);
}

int vmr_cluster_start(vmr_store *store, const vmr_cluster_config *cfg)
{
	if (store == NULL || cfg == NULL)
		return -EINVAL;
	if (g_strcmp0(vmr_store_backend(store), "postgresql") != 0)
		return -ENOTSUP;
	if (cfg->public_url == NULL || cfg->public_url[0] == '\0' || cfg->sip_uri == NULL
		|| cfg->sip_uri[0] == '\0')
		return -EINVAL;
	g_mutex_lock(&lock);
	if (cl.on) {
		g_mutex_unlock(&lock);
		return -EALREADY;
	}
	cl.store = store;
	cl.node_id = cfg->node_id && cfg->node_id[0] ? g_strdup(cfg->node_id)
						     : g_strdup(g_get_host_name());
	cl.public_url = g_strdup(cfg->public_url);
	g_strchomp(cl.public_url);
	size_t n = strlen(cl.public_url);
	if (n > 0 && cl.public_url[n - 1] == '/')
		cl.public_url[n - 1] = '\0';
	cl.sip_uri = g_strdup(cfg->sip_uri);
	cl.lease_seconds = cfg->lease_seconds > 0 ? cfg->lease_seconds : VMR_CLUSTER_LEASE_DEFAULT;
	cl.capacity = cfg->capacity;
	if (cl.capacity <= 0) {
		vmr_admission_budget b;
		vmr_admission_get_budget(&b);
		cl.capacity = b.max_load > 0 ? b.max_load : (double)g_get_num_processors();
	}
	cl.pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	cl.stopping = FALSE;
	cl.store_down = FALSE;
	g_mutex_unlock(&lock);
	int rc = heartbeat();
	GThread *t = NULL;
	if (rc == 0) {
		GError *error = NULL;
		t = g_thread_try_new("vmr cluster", lease_thread, NULL, &error);
		if (t == NULL) {
			g_error_free(error);
			vmr_cluster_store_leave(store, cl.node_id);
			rc = -ENOMEM;
		}
	}
	if (rc < 0) {
		forget();
		return rc;
	}
	g_mutex_lock(&lock);
	cl.thread = t;
	cl.on = TRUE;
	g_mutex_unlock(&lock);
	vmr_rooms_placement p = { .place = on_place, .released = on_released };
	vmr_rooms_set_placement(&p);
	vmr_log(VMR_LOG_INFO,
		"[cluster] node %s in the cluster: %s, %s, capacity %.2f cores, lease %d s",
		cl.node_id, cl.public_url, cl.sip_uri, cl.capacity, cl.lease_seconds);
	return 0;
}

void vmr_cluster_stop(void)
{
	g_mutex_lock(&lock);
	if (!cl.on) {
		g_mutex_unlock(&lock);
		return;
	}
	cl.stopping = TRUE;
	g_cond_broadcast(&wake);
	GThread *t = cl.thread;
	cl.thread = NULL;
	g_mutex_unlock(&lock);
	vmr_rooms_set_placement(NULL);
	g_thread_join(t);
	g_mutex_lock(&lock);
	while (cl.hooks_running > 0)
		g_cond_wait(&wake, &lock);
	g_mutex_unlock(&lock);
	int rc = vmr_cluster_store_leave(cl.store, cl.node_id);
	if (rc < 0)
		vmr_log(VMR_LOG_WARN, "[cluster] node %s left without deleting its lease (%s)",
			cl.node_id, g_strerror(-rc));
	forget();
}

gboolean vmr_cluster_enabled(void)
{
	g_mutex_lock(&lock);
	gboolean on = cl.on;
	g_mutex_unlock(&lock);
	return on;
}

char *vmr_cluster_node_id(void)
{
	g_mutex_lock(&lock);
	char *id = cl.on ? g_strdup(cl.node_id) : NULL;
	g_mutex_unlock(&lock);
	return id;
}

int vmr_cluster_heartbeat_now(void)
{
	return vmr_cluster_enabled() ? heartbeat() : -ENOTSUP;
}

int vmr_cluster_locate(const char *key, vmr_cluster_where *out)
{
	if (!vmr_cluster_enabled())
		return -ENOTSUP;
	return vmr_cluster_store_locate(cl.store, key, out);
}

int vmr_cluster_elsewhere(const char *address, vmr_cluster_where *out)
{
	if (!vmr_cluster_enabled())
		return -ENOTSUP;
	mcu_room *room = vmr_rooms_lookup(address);
	if (room != NULL) {
		mcu_room_unref(room);
		return -ENOENT;
	}
	int rc = vmr_cluster_store_owner(cl.store, address, out);
	if (rc == 0 && g_strcmp0(out->node_id, cl.node_id) == 0) {
		vmr_cluster_where_clear(out);
		rc = -ENOENT;
	}
	return rc;
}

gboolean vmr_cluster_origin_is_node(const char *origin)
{
	if (origin == NULL)
		return FALSE;
	g_mutex_lock(&lock);
	gboolean ok = FALSE;
	for (guint i = 0; cl.on && cl.live_urls != NULL && i < cl.live_urls->len && !ok; i++)
		ok = g_ascii_strcasecmp(cl.live_urls->pdata[i], origin) == 0;
	g_mutex_unlock(&lock);
	return ok;
}

GPtrArray *vmr_cluster_live_urls(void)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_mutex_lock(&lock);
	for (guint i = 0; cl.on && cl.live_urls != NULL && i < cl.live_urls->len; i++)
		g_ptr_array_add(out, g_strdup(cl.live_urls->pdata[i]));
	g_mutex_unlock(&lock);
	return out;
}

int vmr_cluster_bind(
	const char *username, const char *contact, const char *source, int64_t expires_at)
{
	if (!vmr_cluster_enabled())
		return -ENOTSUP;
	return vmr_cluster_store_bind(cl.store, cl.node_id, username, contact, source, expires_at);
}

int vmr_cluster_unbind_all(const char *username)
{
	if (!vmr_cluster_enabled())
		return -ENOTSUP;
	return vmr_cluster_store_unbind_all(cl.store, username);
}

GPtrArray *vmr_cluster_bindings(const char *username, int64_t now_s)
{
	GPtrArray *out = NULL;
	if (!vmr_cluster_enabled()
		|| vmr_cluster_store_bindings(cl.store, username, now_s, &out) < 0)
		return NULL;
	return out;
}
