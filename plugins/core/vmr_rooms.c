/*
 * vmr_rooms.c - see vmr_rooms.h. One copy of this state per process (libtpaas_vmr_core).
 *
 * Locks: `lock` guards the table, each entry's holders and members; `listener_lock` (a
 * reader-writer lock) is held for reading while a listener callback runs, so that
 * vmr_rooms_set_listener can wait for callbacks in progress. Never both at once, and neither
 * while calling mcu_room_set_events or dropping a room's last reference (they wait for the
 * MCU's threads, which may be in a callback that takes one of them).
 */
#include "vmr_rooms.h"
#include "mcu_banner.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

typedef struct room_member {
	uint64_t id;
	char *display;
	int is_sip;
} room_member;

/* A running room. Freed only after mcu_room_set_events(room, NULL) has returned, since it is
 * the MCU events' opaque. */
typedef struct room_entry {
	char *address;         /* the current one (atomic: the audio thread reads it unlocked) */
	GSList *old_addresses; /* earlier ones (vmr_rooms_rename), freed with the entry */
	mcu_room *room;        /* the registry's reference */
	unsigned holders;      /* acquires not yet released */
	GQueue members;        /* room_member*, in joining order */
	gpointer speaker;      /* (guintptr) id on the main pane, 0 when none; atomic */
	gpointer presenter;    /* (guintptr) id of the presenter, 0 when none; atomic */
} room_entry;

static GMutex lock;
static GHashTable *running; /* address -> room_entry* */
static GHashTable *by_room; /* mcu_room* -> the same room_entry* */
static mcu_room_config defaults;
static gboolean have_defaults;
static GRWLock listener_lock;
static vmr_rooms_listener listener;                 /* guarded by listener_lock */
static vmr_rooms_content_listener content_listener; /* guarded by listener_lock */
static vmr_rooms_placement placement;               /* guarded by lock */

static void member_free(gpointer data)
{
	room_member *m = data;
	g_free(m->display);
	g_free(m);
}

/* Stops an entry taken out of the table (no lock held). */
static void entry_stop(room_entry *e)
{
	mcu_room_set_events(e->room, NULL);
	mcu_room_unref(e->room);
	g_queue_clear_full(&e->members, member_free);
	g_free(e->address);
	g_slist_free_full(e->old_addresses, g_free);
	g_free(e);
}

static void ensure_table(void)
{
	if (running == NULL)
		running = g_hash_table_new(g_str_hash, g_str_equal);
	if (by_room == NULL)
		by_room = g_hash_table_new(NULL, NULL);
	if (!have_defaults) {
		mcu_room_config_defaults(&defaults);
		have_defaults = TRUE;
	}
}

/* The entry of a room the caller holds (lock held), NULL when not (or no longer) running. */
static room_entry *entry_of(mcu_room *room)
{
	/* (by the room, not its MCU name: vmr_rooms_rename changes the address it runs under) */
	return by_room && room ? g_hash_table_lookup(by_room, room) : NULL;
}

uint64_t vmr_rooms_new_id(void)
{
	uint64_t id;
	do {
		id = (((uint64_t)g_random_int() << 32) | g_random_int())
			& ((UINT64_C(1) << 53) - 1);
	} while (id == 0);
	return id;
}

void vmr_rooms_set_defaults(const mcu_room_config *cfg)
{
	g_mutex_lock(&lock);
	ensure_table();
	defaults = *cfg;
	g_mutex_unlock(&lock);
}

void vmr_rooms_get_defaults(mcu_room_config *cfg)
{
	g_mutex_lock(&lock);
	ensure_table();
	*cfg = defaults;
	g_mutex_unlock(&lock);
}

void vmr_rooms_set_listener(const vmr_rooms_listener *l)
{
	g_rw_lock_writer_lock(&listener_lock);
	if (l != NULL)
		listener = *l;
	else
		memset(&listener, 0, sizeof(listener));
	g_rw_lock_writer_unlock(&listener_lock);
}

void vmr_rooms_set_content_listener(const vmr_rooms_content_listener *l)
{
	g_rw_lock_writer_lock(&listener_lock);
	if (l != NULL)
		content_listener = *l;
	else
		memset(&content_listener, 0, sizeof(content_listener));
	g_rw_lock_writer_unlock(&listener_lock);
}

/* ---- events ------------------------------------------------------------------------------ */

static void tell_joined(const char *address, uint64_t id, const char *display, int is_sip)
{
	g_rw_lock_reader_lock(&listener_lock);
	if (listener.joined)
		listener.joined(listener.opaque, address, id, display, is_sip);
	g_rw_lock_reader_unlock(&listener_lock);
}

static void tell_guest_joined(
	const char *address, uint64_t id, const char *display, const vmr_member_role *role)
{
	g_rw_lock_reader_lock(&listener_lock);
	if (listener.guest_joined)
		listener.guest_joined(listener.opaque, address, id, display, role->is_sip != 0,
			role->invitation_id);
	g_rw_lock_reader_unlock(&listener_lock);
}

static void tell_left(const char *address, uint64_t id)
{
	g_rw_lock_reader_lock(&listener_lock);
	if (listener.left)
		listener.left(listener.opaque, address, id);
	g_rw_lock_reader_unlock(&listener_lock);
}

/* MCU audio thread; the entry outlives the room's events (entry_stop). */
static void on_talking(void *opaque, void *participant_opaque, int is_talking)
{
	room_entry *e = opaque;
	const vmr_member *who = participant_opaque;
	g_rw_lock_reader_lock(&listener_lock);
	if (listener.talking)
		listener.talking(
			listener.opaque, g_atomic_pointer_get(&e->address), who->id, is_talking);
	g_rw_lock_reader_unlock(&listener_lock);
}

static void on_speaker(void *opaque, void *participant_opaque)
{
	room_entry *e = opaque;
	const vmr_member *who = participant_opaque;
	uint64_t id = who ? who->id : 0;
	g_atomic_pointer_set(&e->speaker, (gpointer)(guintptr)id);
	g_rw_lock_reader_lock(&listener_lock);
	if (listener.speaker)
		listener.speaker(listener.opaque, g_atomic_pointer_get(&e->address), id);
	g_rw_lock_reader_unlock(&listener_lock);
}

/* MCU audio thread (content_changed, mcu_content.h): the new presenter's io.opaque or NULL. */
static void on_content(void *opaque, void *presenter_opaque)
{
	room_entry *e = opaque;
	const vmr_member *who = presenter_opaque;
	uint64_t id = who ? who->id : 0;
	g_atomic_pointer_set(&e->presenter, (gpointer)(guintptr)id);
	const char *address = g_atomic_pointer_get(&e->address);
	g_rw_lock_reader_lock(&listener_lock);
	if (listener.content)
		listener.content(listener.opaque, address, id);
	if (content_listener.content)
		content_listener.content(content_listener.opaque, address, id);
	g_rw_lock_reader_unlock(&listener_lock);
}

/* ---- holders ----------------------------------------------------------------------------- */

void vmr_rooms_set_placement(const vmr_rooms_placement *p)
{
	g_mutex_lock(&lock);
	if (p != NULL)
		placement = *p;
	else
		memset(&placement, 0, sizeof(placement));
	g_mutex_unlock(&lock);
}

mcu_room *vmr_rooms_acquire(const char *address, const char *layout)
{
	return vmr_rooms_acquire_placed(address, layout, NULL);
}

mcu_room *vmr_rooms_acquire_placed(const char *address, const char *layout, int *err)
{
	int placed = 0;
	if (err != NULL)
		*err = -ENOMEM;
	if (address == NULL)
		return NULL;
	g_mutex_lock(&lock);
	ensure_table();
	room_entry *e = g_hash_table_lookup(running, address);
	if (e == NULL && placement.place != NULL) {
		/* Ask the cluster without the lock, then look again: another holder may have
		 * started the room meanwhile (then it was placed here already). */
		vmr_rooms_placement p = placement;
		g_mutex_unlock(&lock);
		placed = p.place(p.opaque, address);
		g_mutex_lock(&lock);
		e = g_hash_table_lookup(running, address);
		if (e == NULL && placed < 0) {
			g_mutex_unlock(&lock);
			if (err != NULL)
				*err = placed;
			return NULL;
		}
	}
	if (e == NULL) {
		mcu_room_config cfg = defaults;
		mcu_layout_kind kind;
		if (layout != NULL && mcu_layout_kind_from_string(layout, &kind) == 0)
			cfg.layout = kind;
		mcu_room *room = mcu_room_new(address, &cfg);
		if (room != NULL) {
			e = g_new0(room_entry, 1);
			e->address = g_strdup(address);
			e->room = room;
			g_queue_init(&e->members);
			/* A new room has nobody in it yet: no callback can be running. */
			mcu_room_events ev = { .opaque = e,
				.talking = on_talking,
				.speaker_changed = on_speaker,
				.content_changed = on_content };
			mcu_room_set_events(room, &ev);
			g_hash_table_insert(running, e->address, e);
			g_hash_table_insert(by_room, room, e);
		}
	}
	mcu_room *room = NULL;
	if (e != NULL) {
		e->holders++;
		room = mcu_room_ref(e->room);
		if (err != NULL)
			*err = 0;
	}
	g_mutex_unlock(&lock);
	return room;
}

void vmr_rooms_release(mcu_room *room)
{
	if (room == NULL)
		return;
	room_entry *stopped = NULL;
	g_mutex_lock(&lock);
	room_entry *e = entry_of(room);
	vmr_rooms_placement p = placement;
	if (e != NULL && e->holders > 0 && --e->holders == 0) {
		g_hash_table_remove(running, e->address);
		g_hash_table_remove(by_room, e->room);
		stopped = e;
	}
	g_mutex_unlock(&lock);
	char *address = stopped && p.released ? g_strdup(stopped->address) : NULL;
	if (stopped != NULL)
		entry_stop(stopped);
	mcu_room_unref(room);
	if (address != NULL)
		p.released(p.opaque, address);
	g_free(address);
}

mcu_room *vmr_rooms_lookup(const char *address)
{
	g_mutex_lock(&lock);
	ensure_table();
	room_entry *e = address ? g_hash_table_lookup(running, address) : NULL;
	mcu_room *room = e ? mcu_room_ref(e->room) : NULL;
	g_mutex_unlock(&lock);
	return room;
}

/* ---- members ----------------------------------------------------------------------------- */

static GList *member_link(room_entry *e, uint64_t id)
{
	for (GList *l = e->members.head; l; l = l->next)
		if (((room_member *)l->data)->id == id)
			return l;
	return NULL;
}

int vmr_rooms_member_add(mcu_room *room, uint64_t id, const char *display, int is_sip)
{
	vmr_member_role role = { .is_sip = is_sip };
	return vmr_rooms_member_add_as(room, id, display, &role);
}

int vmr_rooms_member_add_as(
	mcu_room *room, uint64_t id, const char *display, const vmr_member_role *role)
{
	int is_sip = role->is_sip;
	g_mutex_lock(&lock);
	room_entry *e = entry_of(room);
	int rc = e == NULL ? -ENOENT : member_link(e, id) ? -EEXIST : 0;
	char *address = NULL;
	if (rc == 0) {
		room_member *m = g_new0(room_member, 1);
		m->id = id;
		m->display = g_strdup(display ? display : "");
		m->is_sip = is_sip != 0;
		g_queue_push_tail(&e->members, m);
		address = g_strdup(e->address);
	}
	g_mutex_unlock(&lock);
	if (address != NULL) {
		mcu_room_announce(room, display, true); /* the banner and chime for room systems */
		tell_joined(address, id, display ? display : "", is_sip != 0);
		if (!role->is_owner)
			tell_guest_joined(address, id, display ? display : "", role);
	}
	g_free(address);
	return rc;
}

void vmr_rooms_member_remove(mcu_room *room, uint64_t id)
{
	g_mutex_lock(&lock);
	room_entry *e = entry_of(room);
	GList *l = e ? member_link(e, id) : NULL;
	char *address = NULL, *display = NULL;
	if (l != NULL) {
		display = g_strdup(((room_member *)l->data)->display);
		member_free(l->data);
		g_queue_delete_link(&e->members, l);
		address = g_strdup(e->address);
	}
	g_mutex_unlock(&lock);
	if (address != NULL) {
		mcu_room_announce(room, display, false);
		tell_left(address, id);
	}
	g_free(address);
	g_free(display);
}

unsigned vmr_rooms_members(const char *address,
	void (*fn)(void *opaque, uint64_t id, const char *display, int is_sip), void *opaque)
{
	unsigned n = 0;
	g_mutex_lock(&lock);
	ensure_table();
	room_entry *e = address ? g_hash_table_lookup(running, address) : NULL;
	for (GList *l = e ? e->members.head : NULL; l; l = l->next, n++) {
		room_member *m = l->data;
		if (fn)
			fn(opaque, m->id, m->display, m->is_sip);
	}
	g_mutex_unlock(&lock);
	return n;
}

uint64_t vmr_rooms_speaker(const char *address)
{
	g_mutex_lock(&lock);
	ensure_table();
	room_entry *e = address ? g_hash_table_lookup(running, address) : NULL;
	uint64_t id = e ? (uint64_t)(guintptr)g_atomic_pointer_get(&e->speaker) : 0;
	g_mutex_unlock(&lock);
	return id;
}

uint64_t vmr_rooms_presenter(const char *address)
{
	g_mutex_lock(&lock);
	ensure_table();
	room_entry *e = address ? g_hash_table_lookup(running, address) : NULL;
	uint64_t id = e ? (uint64_t)(guintptr)g_atomic_pointer_get(&e->presenter) : 0;
	g_mutex_unlock(&lock);
	return id;
}

/* ---- settings and admin ------------------------------------------------------------------ */

int vmr_rooms_set_layout(const char *address, const char *layout)
{
	mcu_layout_kind kind;
	if (layout == NULL || mcu_layout_kind_from_string(layout, &kind) != 0)
		return -EINVAL;
	mcu_room *room = vmr_rooms_lookup(address);
	if (room == NULL)
		return 0;
	int rc = mcu_room_set_layout(room, kind);
	mcu_room_unref(room);
	return rc;
}

int vmr_rooms_rename(const char *old_address, const char *new_address)
{
	if (old_address == NULL || new_address == NULL)
		return -EINVAL;
	if (strcmp(old_address, new_address) == 0)
		return 0;
	g_mutex_lock(&lock);
	ensure_table();
	room_entry *e = g_hash_table_lookup(running, old_address);
	int rc = e == NULL ? -ENOENT : g_hash_table_lookup(running, new_address) ? -EEXIST : 0;
	if (rc == 0) {
		g_hash_table_remove(running, e->address);
		/* kept: an audio-thread event may be telling the listener the old one right now */
		e->old_addresses = g_slist_prepend(e->old_addresses, e->address);
		g_atomic_pointer_set(&e->address, g_strdup(new_address));
		g_hash_table_insert(running, e->address, e);
	}
	g_mutex_unlock(&lock);
	return rc;
}

void vmr_rooms_clear(void)
{
	g_mutex_lock(&lock);
	GHashTable *old = running;
	running = NULL;
	if (by_room != NULL)
		g_hash_table_destroy(by_room);
	by_room = NULL;
	g_mutex_unlock(&lock);
	if (old == NULL)
		return;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, old);
	while (g_hash_table_iter_next(&it, NULL, &value))
		entry_stop(value);
	g_hash_table_destroy(old);
}

void vmr_rooms_foreach(void (*fn)(void *opaque, const char *address, mcu_room *room), void *opaque)
{
	g_mutex_lock(&lock);
	ensure_table();
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, running);
	while (g_hash_table_iter_next(&it, &key, &value))
		fn(opaque, key, ((room_entry *)value)->room);
	g_mutex_unlock(&lock);
}
