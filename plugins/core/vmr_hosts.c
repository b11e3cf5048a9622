/*
 * vmr_hosts.c - see vmr_hosts.h. One copy of this state per process (libtpaas_vmr_core).
 *
 * This file: the table of rooms and members, arrival and departure; the timer thread
 * (started at the first room with a deadline) ends meetings whose last host left
 * end_after_host_min ago; it sleeps on `timer_cond` under hosts_lock. The other files and
 * the locks: vmr_hosts_priv.h.
 */
#include "vmr_hosts_priv.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#include "vmr_rooms.h"

GMutex hosts_lock;
static GHashTable *rooms; /* address -> hroom* */
static GThread *timer_thread;
static GCond timer_cond;
static gboolean timer_stop;
static gint64 minute_us = 60 * G_USEC_PER_SEC; /* under hosts_lock */

/* ---- rooms and members (lock held) ------------------------------------------------------- */

static void member_free(hmember *m)
{
	if (m->part)
		mcu_participant_unref(m->part);
	if (m->ops.unref)
		m->ops.unref(m->ops.opaque);
	g_free(m->display);
	g_free(m->how);
	g_free(m);
}

hroom *hosts_room_get(const char *address, gboolean create)
{
	if (rooms == NULL)
		rooms = g_hash_table_new(g_str_hash, g_str_equal);
	hroom *r = address ? g_hash_table_lookup(rooms, address) : NULL;
	if (r == NULL && create && address != NULL) {
		r = g_new0(hroom, 1);
		r->address = g_strdup(address);
		g_queue_init(&r->members);
		g_hash_table_insert(rooms, r->address, r);
	}
	return r;
}

/* Frees a room nobody is in or waiting at (lock held). The members' unref runs here, under
 * the lock: vmr_hosts_leave passes the last member out instead (see there). */
static void room_drop_if_empty(hroom *r)
{
	if (r->members.length > 0)
		return;
	g_hash_table_remove(rooms, r->address);
	if (r->room)
		mcu_room_unref(r->room);
	g_free(r->address);
	g_free(r);
}

hmember *hosts_member_find(hroom *r, uint64_t id)
{
	for (GList *l = r ? r->members.head : NULL; l; l = l->next)
		if (((hmember *)l->data)->id == id)
			return l->data;
	return NULL;
}

static unsigned hosts_in(hroom *r)
{
	unsigned n = 0;
	for (GList *l = r->members.head; l; l = l->next) {
		hmember *m = l->data;
		n += m->role == VMR_ROLE_HOST && m->held == VMR_HOSTS_ENTER;
	}
	return n;
}

void hosts_member_apply_mute(hmember *m)
{
	if (m->part)
		mcu_participant_set_muted(m->part, m->host_muted || m->self_muted);
}

json_t *hosts_member_json(const hmember *m)
{
	return json_pack("{sIssss}", "id", (json_int_t)m->id, "display", m->display, "how", m->how);
}

/* Everyone's mute state changed: tells the room (and the participant). */
void hosts_push_mute(batch *b, hroom *r, hmember *m)
{
	json_t *v = json_pack("{sIsbsb}", "id", (json_int_t)m->id, "muted",
		m->host_muted || m->self_muted, "by_host", m->host_muted);
	hosts_push_event(b, r, VMR_TO_ALL, 0, hosts_event_new("muted", v));
}

/* Lets one held participant in (lock held). */
void hosts_let_in(batch *b, hmember *m)
{
	m->held = VMR_HOSTS_ENTER;
	hosts_push_ops(b, JOB_DECIDED, m, 1, NULL);
}

/* A held participant is refused: it leaves the table (lock held; frees m). */
void hosts_turn_away(batch *b, hroom *r, hmember *m)
{
	hosts_push_ops(b, JOB_DECIDED, m, 0, NULL);
	g_queue_remove(&r->members, m);
	member_free(m);
}

/* The timer thread: ends meetings whose last host left long enough ago. */
gboolean hosts_end_room_locked(batch *b, hroom *r, const hmember *by);

static gpointer timer_main(gpointer data)
{
	(void)data;
	g_mutex_lock(&hosts_lock);
	while (!timer_stop) {
		gint64 now = g_get_monotonic_time(), next = G_MAXINT64;
		batch b = G_QUEUE_INIT;
		GHashTableIter it;
		gpointer value;
		GPtrArray *due = g_ptr_array_new();
		g_hash_table_iter_init(
			&it, rooms ? rooms : (rooms = g_hash_table_new(g_str_hash, g_str_equal)));
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			hroom *r = value;
			if (r->end_at && r->end_at <= now)
				g_ptr_array_add(due, r);
			else if (r->end_at && r->end_at < next)
				next = r->end_at;
		}
		for (guint i = 0; i < due->len; i++) {
			hroom *r = g_ptr_array_index(due, i);
			r->end_at = 0;
			hosts_push_action(&b, r, NULL, "end (no host left)", NULL);
			hosts_end_room_locked(&b, r, NULL);
		}
		g_ptr_array_free(due, TRUE);
		if (b.length > 0) {
			g_mutex_unlock(&hosts_lock);
			hosts_batch_run(&b);
			g_mutex_lock(&hosts_lock);
			continue;
		}
		if (next == G_MAXINT64)
			g_cond_wait(&timer_cond, &hosts_lock);
		else
			g_cond_wait_until(&timer_cond, &hosts_lock, next);
	}
	g_mutex_unlock(&hosts_lock);
	return NULL;
}

static void timer_kick(void)
{
	if (timer_thread == NULL) {
		timer_stop = FALSE;
		timer_thread = g_thread_new("vmr-hosts", timer_main, NULL);
	}
	g_cond_signal(&timer_cond);
}

/* ---- arrival and departure --------------------------------------------------------------- */

static hmember *member_new(const vmr_hosts_who *who, const vmr_hosts_ops *ops)
{
	hmember *m = g_new0(hmember, 1);
	m->id = who->id;
	m->display = g_strdup(who->display ? who->display : "");
	m->how = g_strdup(who->how ? who->how : "page");
	m->role = who->role == VMR_ROLE_HOST ? VMR_ROLE_HOST : VMR_ROLE_GUEST;
	if (ops) {
		m->ops = *ops;
		if (m->ops.ref)
			m->ops.ref(m->ops.opaque);
	}
	return m;
}

vmr_hosts_arrival vmr_hosts_arrive(const char *address, const vmr_hosts_settings *settings,
	const vmr_hosts_who *who, const vmr_hosts_ops *ops)
{
	if (address == NULL || who == NULL || who->role == VMR_ROLE_HOST)
		return VMR_HOSTS_ENTER;
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r = hosts_room_get(address, TRUE);
	if (settings)
		r->settings = *settings;
	vmr_hosts_arrival a = r->locked                         ? VMR_HOSTS_KNOCK
		: r->settings.wait_for_host && hosts_in(r) == 0 ? VMR_HOSTS_WAIT_HOST
								: VMR_HOSTS_ENTER;
	if (a != VMR_HOSTS_ENTER && hosts_member_find(r, who->id) == NULL) {
		unsigned held = 0;
		for (GList *l = r->members.head; l; l = l->next)
			held += ((hmember *)l->data)->held != VMR_HOSTS_ENTER;
		if (held >= VMR_HOSTS_MAX_HELD)
			a = VMR_HOSTS_FULL;
	}
	if (a == VMR_HOSTS_FULL) {
		room_drop_if_empty(r);
	} else if (a != VMR_HOSTS_ENTER) {
		hmember *m = hosts_member_find(r, who->id);
		if (m == NULL) {
			m = member_new(who, ops);
			g_queue_push_tail(&r->members, m);
		}
		m->held = a;
		if (a == VMR_HOSTS_KNOCK)
			hosts_push_event(&b, r, VMR_TO_HOSTS, 0,
				hosts_event_new("knock", hosts_member_json(m)));
	} else {
		room_drop_if_empty(r);
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return a;
}

int vmr_hosts_joined(const char *address, const vmr_hosts_who *who,
	const vmr_hosts_settings *settings, mcu_room *room, mcu_participant *part,
	const vmr_hosts_ops *ops)
{
	if (address == NULL || who == NULL || part == NULL)
		return -EINVAL;
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r = hosts_room_get(address, TRUE);
	if (settings)
		r->settings = *settings;
	hmember *m = hosts_member_find(r, who->id);
	if (m == NULL) {
		m = member_new(who, ops);
		g_queue_push_tail(&r->members, m);
	}
	m->held = VMR_HOSTS_ENTER;
	if (m->part == NULL)
		m->part = mcu_participant_ref(part);
	hosts_member_apply_mute(m); /* (a host may have muted it while it was on its way in) */
	if (r->room == NULL && room)
		r->room = mcu_room_ref(room);
	if (m->role == VMR_ROLE_HOST) {
		r->end_at = 0;
		/* The first host lets everyone waiting for a host in (not those knocking). */
		for (GList *l = r->members.head; l; l = l->next) {
			hmember *w = l->data;
			if (w->held == VMR_HOSTS_WAIT_HOST)
				hosts_let_in(&b, w);
		}
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return 0;
}

void vmr_hosts_leave(const char *address, uint64_t id)
{
	batch b = G_QUEUE_INIT;
	hmember *gone = NULL;
	g_mutex_lock(&hosts_lock);
	hroom *r = hosts_room_get(address, FALSE);
	hmember *m = hosts_member_find(r, id);
	if (m != NULL) {
		gboolean was_host = m->role == VMR_ROLE_HOST && m->held == VMR_HOSTS_ENTER;
		g_queue_remove(&r->members, m);
		gone = m;
		if (r->spotlight == id) {
			r->spotlight = 0;
			hosts_push_event(
				&b, r, VMR_TO_ALL, 0, hosts_event_new("spotlight", json_null()));
		}
		if (m->held == VMR_HOSTS_KNOCK)
			hosts_push_event(&b, r, VMR_TO_HOSTS, 0,
				hosts_event_new(
					"knock_gone", json_pack("{sI}", "id", (json_int_t)id)));
		if (was_host && hosts_in(r) == 0 && r->settings.end_after_host_min > 0) {
			gboolean anyone = FALSE;
			for (GList *l = r->members.head; l; l = l->next)
				anyone = anyone || ((hmember *)l->data)->held == VMR_HOSTS_ENTER;
			if (anyone) {
				r->end_at = g_get_monotonic_time()
					+ (gint64)r->settings.end_after_host_min * minute_us;
				timer_kick();
			}
		}
		room_drop_if_empty(r);
	}
	g_mutex_unlock(&hosts_lock);
	if (gone)
		member_free(gone); /* (its unref outside the lock) */
	hosts_batch_run(&b);
}

void vmr_hosts_rename(const char *old_address, const char *new_address)
{
	if (old_address == NULL || new_address == NULL)
		return;
	g_mutex_lock(&hosts_lock);
	hroom *r = hosts_room_get(old_address, FALSE);
	if (r && !hosts_room_get(new_address, FALSE)) {
		g_hash_table_remove(rooms, r->address);
		g_free(r->address);
		r->address = g_strdup(new_address);
		g_hash_table_insert(rooms, r->address, r);
	}
	g_mutex_unlock(&hosts_lock);
}

int vmr_hosts_is_host(const char *address, uint64_t id)
{
	g_mutex_lock(&hosts_lock);
	hmember *m = hosts_member_find(hosts_room_get(address, FALSE), id);
	int is = m && m->role == VMR_ROLE_HOST && m->held == VMR_HOSTS_ENTER;
	g_mutex_unlock(&hosts_lock);
	return is;
}

json_t *vmr_hosts_state(const char *address, uint64_t for_id)
{
	json_t *j = json_object();
	g_mutex_lock(&hosts_lock);
	hroom *r = hosts_room_get(address, FALSE);
	hmember *me = hosts_member_find(r, for_id);
	json_object_set_new(j, "locked", json_boolean(r && r->locked));
	json_object_set_new(j, "spotlight",
		r && r->spotlight ? json_integer((json_int_t)r->spotlight) : json_null());
	json_t *muted = json_array();
	json_t *waiting = json_array();
	for (GList *l = r ? r->members.head : NULL; l; l = l->next) {
		hmember *m = l->data;
		if (m->held == VMR_HOSTS_ENTER && (m->host_muted || m->self_muted))
			json_array_append_new(muted,
				json_pack("{sIsb}", "id", (json_int_t)m->id, "by_host",
					m->host_muted));
		if (m->held == VMR_HOSTS_KNOCK)
			json_array_append_new(waiting, hosts_member_json(m));
	}
	json_object_set_new(j, "muted", muted);
	if (me && me->role == VMR_ROLE_HOST)
		json_object_set_new(j, "knocking", waiting);
	else
		json_decref(waiting);
	g_mutex_unlock(&hosts_lock);
	return j;
}

/* ---- host actions ------------------------------------------------------------------------ */

void vmr_hosts_set_minute_us(int64_t usec)
{
	g_mutex_lock(&hosts_lock);
	minute_us = usec > 0 ? usec : 60 * G_USEC_PER_SEC;
	g_mutex_unlock(&hosts_lock);
}

void vmr_hosts_clear(void)
{
	g_mutex_lock(&hosts_lock);
	GThread *t = timer_thread;
	timer_thread = NULL;
	timer_stop = TRUE;
	g_cond_signal(&timer_cond);
	g_mutex_unlock(&hosts_lock);
	if (t)
		g_thread_join(t);
	GQueue gone = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	if (rooms) {
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, rooms);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			hroom *r = value;
			hmember *m;
			while ((m = g_queue_pop_head(&r->members)) != NULL)
				g_queue_push_tail(&gone, m);
			if (r->room)
				mcu_room_unref(r->room);
			g_free(r->address);
			g_free(r);
		}
		g_hash_table_destroy(rooms);
		rooms = NULL;
	}
	g_mutex_unlock(&hosts_lock);
	hmember *m;
	while ((m = g_queue_pop_head(&gone)) != NULL)
		member_free(m);
}
