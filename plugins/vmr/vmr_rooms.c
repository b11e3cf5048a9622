/*
 * vmr_rooms.c - see vmr_rooms.h. One copy of this state per process (libtpaas_vmr_core).
 */
#include "vmr_rooms.h"

#include <errno.h>
#include <glib.h>

static GMutex lock;
static GHashTable *running;          /* address -> mcu_room* (one reference) */
static mcu_room_config defaults;
static gboolean have_defaults;
static void (*started_hook)(void *opaque, const char *address, mcu_room *room);
static void *started_opaque;

static void ensure_table(void) {
	if(running == NULL)
		running = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)mcu_room_unref);
	if(!have_defaults) {
		mcu_room_config_defaults(&defaults);
		have_defaults = TRUE;
	}
}

void vmr_rooms_set_defaults(const mcu_room_config *cfg) {
	g_mutex_lock(&lock);
	ensure_table();
	defaults = *cfg;
	g_mutex_unlock(&lock);
}

void vmr_rooms_get_defaults(mcu_room_config *cfg) {
	g_mutex_lock(&lock);
	ensure_table();
	*cfg = defaults;
	g_mutex_unlock(&lock);
}

void vmr_rooms_set_started_hook(void (*hook)(void *opaque, const char *address, mcu_room *room), void *opaque) {
	g_mutex_lock(&lock);
	started_hook = hook;
	started_opaque = opaque;
	g_mutex_unlock(&lock);
}

mcu_room *vmr_rooms_acquire(const char *address, const char *layout) {
	if(address == NULL)
		return NULL;
	g_mutex_lock(&lock);
	ensure_table();
	mcu_room *room = g_hash_table_lookup(running, address);
	gboolean started = FALSE;
	if(room == NULL) {
		mcu_room_config cfg = defaults;
		mcu_layout_kind kind;
		if(layout != NULL && mcu_layout_kind_from_string(layout, &kind) == 0)
			cfg.layout = kind;
		room = mcu_room_new(address, &cfg);
		if(room != NULL) {
			g_hash_table_insert(running, g_strdup(address), room);
			started = TRUE;
		}
	}
	if(room != NULL)
		mcu_room_ref(room);
	void (*hook)(void *, const char *, mcu_room *) = started ? started_hook : NULL;
	void *opaque = started_opaque;
	g_mutex_unlock(&lock);
	if(hook != NULL)
		hook(opaque, address, room);
	return room;
}

mcu_room *vmr_rooms_lookup(const char *address) {
	g_mutex_lock(&lock);
	ensure_table();
	mcu_room *room = address ? g_hash_table_lookup(running, address) : NULL;
	if(room != NULL)
		mcu_room_ref(room);
	g_mutex_unlock(&lock);
	return room;
}

void vmr_rooms_release_if_empty(const char *address) {
	mcu_room *stopped = NULL;
	g_mutex_lock(&lock);
	ensure_table();
	mcu_room *room = address ? g_hash_table_lookup(running, address) : NULL;
	if(room != NULL && mcu_room_count(room) == 0) {
		/* Steal it so the MCU threads are joined outside our lock. */
		gpointer key = NULL;
		g_hash_table_steal_extended(running, address, &key, (gpointer *)&stopped);
		g_free(key);
	}
	g_mutex_unlock(&lock);
	if(stopped != NULL)
		mcu_room_unref(stopped);
}

int vmr_rooms_set_layout(const char *address, const char *layout) {
	mcu_layout_kind kind;
	if(layout == NULL || mcu_layout_kind_from_string(layout, &kind) != 0)
		return -EINVAL;
	mcu_room *room = vmr_rooms_lookup(address);
	if(room == NULL)
		return 0;
	int rc = mcu_room_set_layout(room, kind);
	mcu_room_unref(room);
	return rc;
}

void vmr_rooms_clear(void) {
	g_mutex_lock(&lock);
	GHashTable *old = running;
	running = NULL;
	g_mutex_unlock(&lock);
	if(old != NULL)
		g_hash_table_destroy(old);
}

void vmr_rooms_foreach(void (*fn)(void *opaque, const char *address, mcu_room *room), void *opaque) {
	g_mutex_lock(&lock);
	ensure_table();
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, running);
	while(g_hash_table_iter_next(&it, &key, &value))
		fn(opaque, key, value);
	g_mutex_unlock(&lock);
}
