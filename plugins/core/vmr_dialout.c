/*
 * vmr_dialout.c - see vmr_dialout.h. Lives in libtpaas_vmr_core so both plugins share the
 * one handler (one copy of this state per process).
 */
#include "vmr_dialout.h"

#include <errno.h>
#include <glib.h>

static GMutex lock;
static vmr_dialout_fn handler;
static void *handler_opaque;
static GHashTable *last_ring; /* account id (gint64 *) -> monotonic µs of its last ring */

void vmr_dialout_set_handler(vmr_dialout_fn fn, void *opaque)
{
	g_mutex_lock(&lock);
	handler = fn;
	handler_opaque = opaque;
	g_mutex_unlock(&lock);
}

int vmr_dialout_request(int64_t account_id, const char *username, const char *room_address)
{
	int64_t now = g_get_monotonic_time();
	g_mutex_lock(&lock);
	vmr_dialout_fn fn = handler;
	void *opaque = handler_opaque;
	if (fn == NULL) {
		g_mutex_unlock(&lock);
		return -ENOTSUP;
	}
	if (last_ring == NULL)
		last_ring = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	/* One entry per account that ever rang (bounded by the accounts with devices); taken
	 * before the handler runs, so two guests at once ring once. */
	int64_t *last = g_hash_table_lookup(last_ring, &account_id);
	if (last != NULL && now - *last < (int64_t)VMR_DIALOUT_MIN_INTERVAL_S * G_USEC_PER_SEC) {
		g_mutex_unlock(&lock);
		return -EALREADY;
	}
	int64_t before = last != NULL ? *last : 0;
	if (last == NULL) {
		gint64 *k = g_new(gint64, 1);
		*k = account_id;
		last = g_new(int64_t, 1);
		g_hash_table_insert(last_ring, k, last);
	}
	*last = now;
	g_mutex_unlock(&lock);
	int rc = fn(opaque, account_id, username, room_address);
	if (rc != 0) {
		/* nothing rang: the next guest may try again */
		g_mutex_lock(&lock);
		int64_t *mine = g_hash_table_lookup(last_ring, &account_id);
		if (mine != NULL && *mine == now)
			*mine = before;
		g_mutex_unlock(&lock);
	}
	return rc;
}
