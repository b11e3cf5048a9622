/*
 * vmr_hosts.c - see vmr_hosts.h. One copy of this state per process (libtpaas_vmr_core).
 *
 * Locks: `lock` guards the table and every room in it; `listener_lock` (reader-writer) is
 * held for reading while the listener runs. Never both at once. Work decided under `lock`
 * (callbacks of participants, events, log rows) is collected in a `batch` and carried out
 * after `lock` is released, in the order it was decided.
 * The timer thread (started at the first room with a deadline) ends meetings whose last host
 * left end_after_host_min ago; it sleeps on `timer_cond` under `lock`.
 */
#include "vmr_hosts.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#include "vmr_rooms.h"

typedef struct hmember {
	uint64_t id;
	char *display;
	char *how;
	vmr_role role;
	mcu_participant *part;  /* NULL while held */
	vmr_hosts_arrival held; /* VMR_HOSTS_ENTER once joined */
	int host_muted, self_muted;
	vmr_hosts_ops ops;
} hmember;

typedef struct hroom {
	char *address;
	mcu_room *room; /* a reference while anyone has joined */
	GQueue members; /* hmember*, in arrival order (held ones too) */
	int locked;
	vmr_hosts_settings settings;
	uint64_t spotlight;
	gint64 end_at; /* monotonic µs when the meeting ends (last host left), 0 none */
} hroom;

/* Work to do once `lock` is released. */
typedef enum job_kind {
	JOB_DECIDED,
	JOB_REMOVED,
	JOB_TOLD,
	JOB_EVENT,
	JOB_LOG
} job_kind;
typedef struct job {
	job_kind kind;
	vmr_hosts_ops ops; /* JOB_DECIDED/REMOVED/TOLD: a ref is held */
	int arg;
	char *text; /* reason / what; JOB_LOG: action */
	char *address;
	vmr_hosts_audience audience;
	uint64_t to;
	json_t *event;
	char *actor, *target; /* JOB_LOG */
} job;
typedef GQueue batch;

static GMutex lock;
static GHashTable *rooms; /* address -> hroom* */
static GRWLock listener_lock;
static vmr_hosts_listener listener;
static vmr_store *log_store; /* under lock */
static GThread *timer_thread;
static GCond timer_cond;
static gboolean timer_stop;
static gint64 minute_us = 60 * G_USEC_PER_SEC; /* under lock */

static const char *const layouts[] = { "speaker", "1+7", "2x2", "3x3" };

void vmr_hosts_set_listener(const vmr_hosts_listener *l)
{
	g_rw_lock_writer_lock(&listener_lock);
	if (l != NULL)
		listener = *l;
	else
		memset(&listener, 0, sizeof(listener));
	g_rw_lock_writer_unlock(&listener_lock);
}

void vmr_hosts_set_store(vmr_store *store)
{
	g_mutex_lock(&lock);
	log_store = store;
	g_mutex_unlock(&lock);
}

/* ---- batches ----------------------------------------------------------------------------- */

static void push_ops(batch *b, job_kind kind, const hmember *m, int arg, const char *text)
{
	job *j = g_new0(job, 1);
	j->kind = kind;
	j->ops = m->ops;
	j->arg = arg;
	j->text = g_strdup(text);
	if (j->ops.ref)
		j->ops.ref(j->ops.opaque);
	g_queue_push_tail(b, j);
}

/* Steals event. */
static void push_event(
	batch *b, const hroom *r, vmr_hosts_audience audience, uint64_t to, json_t *event)
{
	job *j = g_new0(job, 1);
	j->kind = JOB_EVENT;
	j->address = g_strdup(r->address);
	j->audience = audience;
	j->to = to;
	j->event = event;
	g_queue_push_tail(b, j);
}

/* {"vmr":"event", key: value} (steals value). */
static json_t *event_new(const char *key, json_t *value)
{
	json_t *e = json_object();
	json_object_set_new(e, "vmr", json_string("event"));
	json_object_set_new(e, key, value);
	return e;
}

static char *actor_name(const hmember *m)
{
	return m ? g_strdup_printf("%s (%s)", m->display, m->how) : g_strdup("the room");
}

/* A host action: logged, and every host hears it (the actor too: its other pages). */
static void push_action(
	batch *b, const hroom *r, const hmember *by, const char *action, const hmember *target)
{
	job *j = g_new0(job, 1);
	j->kind = JOB_LOG;
	j->address = g_strdup(r->address);
	j->actor = actor_name(by);
	j->text = g_strdup(action);
	j->target = target ? g_strdup_printf("%s (%s)", target->display, target->how) : NULL;
	g_queue_push_tail(b, j);
	json_t *a = json_object();
	json_object_set_new(a, "by", json_string(j->actor));
	json_object_set_new(a, "by_id", json_integer(by ? (json_int_t)by->id : 0));
	json_object_set_new(a, "action", json_string(action));
	if (target) {
		json_object_set_new(a, "target", json_string(j->target));
		json_object_set_new(a, "target_id", json_integer((json_int_t)target->id));
	}
	json_object_set_new(
		a, "at", json_integer((json_int_t)(g_get_real_time() / G_USEC_PER_SEC)));
	push_event(b, r, VMR_TO_HOSTS, 0, event_new("host_action", a));
}

static void job_free(job *j)
{
	g_free(j->text);
	g_free(j->address);
	g_free(j->actor);
	g_free(j->target);
	if (j->event)
		json_decref(j->event);
	g_free(j);
}

/* Carries out a batch (no lock held). */
static void batch_run(batch *b)
{
	job *j;
	while ((j = g_queue_pop_head(b)) != NULL) {
		switch (j->kind) {
		case JOB_DECIDED:
			if (j->ops.decided)
				j->ops.decided(j->ops.opaque, j->arg);
			break;
		case JOB_REMOVED:
			if (j->ops.removed)
				j->ops.removed(j->ops.opaque, j->text);
			break;
		case JOB_TOLD:
			if (j->ops.told)
				j->ops.told(j->ops.opaque, j->text);
			break;
		case JOB_EVENT:
			g_rw_lock_reader_lock(&listener_lock);
			if (listener.event)
				listener.event(
					listener.opaque, j->address, j->audience, j->to, j->event);
			g_rw_lock_reader_unlock(&listener_lock);
			break;
		case JOB_LOG: {
			g_mutex_lock(&lock);
			vmr_store *store = log_store;
			g_mutex_unlock(&lock);
			/* (the store outlives the plugins' use of this module: set_store(NULL) first) */
			if (store)
				vmr_store_host_action_add(store, j->address, j->actor, j->text,
					j->target, g_get_real_time() / G_USEC_PER_SEC);
			break;
		}
		}
		if (j->kind == JOB_DECIDED || j->kind == JOB_REMOVED || j->kind == JOB_TOLD) {
			if (j->ops.unref)
				j->ops.unref(j->ops.opaque);
		}
		job_free(j);
	}
}

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

static hroom *room_get(const char *address, gboolean create)
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

static hmember *member_find(hroom *r, uint64_t id)
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

static void member_apply_mute(hmember *m)
{
	if (m->part)
		mcu_participant_set_muted(m->part, m->host_muted || m->self_muted);
}

static json_t *member_json(const hmember *m)
{
	return json_pack("{sIssss}", "id", (json_int_t)m->id, "display", m->display, "how", m->how);
}

/* Everyone's mute state changed: tells the room (and the participant). */
static void push_mute(batch *b, hroom *r, hmember *m)
{
	json_t *v = json_pack("{sIsbsb}", "id", (json_int_t)m->id, "muted",
		m->host_muted || m->self_muted, "by_host", m->host_muted);
	push_event(b, r, VMR_TO_ALL, 0, event_new("muted", v));
}

/* Lets one held participant in (lock held). */
static void let_in(batch *b, hmember *m)
{
	m->held = VMR_HOSTS_ENTER;
	push_ops(b, JOB_DECIDED, m, 1, NULL);
}

/* A held participant is refused: it leaves the table (lock held; frees m). */
static void turn_away(batch *b, hroom *r, hmember *m)
{
	push_ops(b, JOB_DECIDED, m, 0, NULL);
	g_queue_remove(&r->members, m);
	member_free(m);
}

/* The timer thread: ends meetings whose last host left long enough ago. */
static gboolean end_room_locked(batch *b, hroom *r, const hmember *by);

static gpointer timer_main(gpointer data)
{
	(void)data;
	g_mutex_lock(&lock);
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
			push_action(&b, r, NULL, "end (no host left)", NULL);
			end_room_locked(&b, r, NULL);
		}
		g_ptr_array_free(due, TRUE);
		if (b.length > 0) {
			g_mutex_unlock(&lock);
			batch_run(&b);
			g_mutex_lock(&lock);
			continue;
		}
		if (next == G_MAXINT64)
			g_cond_wait(&timer_cond, &lock);
		else
			g_cond_wait_until(&timer_cond, &lock, next);
	}
	g_mutex_unlock(&lock);
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
	g_mutex_lock(&lock);
	hroom *r = room_get(address, TRUE);
	if (settings)
		r->settings = *settings;
	vmr_hosts_arrival a = r->locked                         ? VMR_HOSTS_KNOCK
		: r->settings.wait_for_host && hosts_in(r) == 0 ? VMR_HOSTS_WAIT_HOST
								: VMR_HOSTS_ENTER;
	if (a != VMR_HOSTS_ENTER && member_find(r, who->id) == NULL) {
		unsigned held = 0;
		for (GList *l = r->members.head; l; l = l->next)
			held += ((hmember *)l->data)->held != VMR_HOSTS_ENTER;
		if (held >= VMR_HOSTS_MAX_HELD)
			a = VMR_HOSTS_FULL;
	}
	if (a == VMR_HOSTS_FULL) {
		room_drop_if_empty(r);
	} else if (a != VMR_HOSTS_ENTER) {
		hmember *m = member_find(r, who->id);
		if (m == NULL) {
			m = member_new(who, ops);
			g_queue_push_tail(&r->members, m);
		}
		m->held = a;
		if (a == VMR_HOSTS_KNOCK)
			push_event(&b, r, VMR_TO_HOSTS, 0, event_new("knock", member_json(m)));
	} else {
		room_drop_if_empty(r);
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return a;
}

int vmr_hosts_joined(const char *address, const vmr_hosts_who *who,
	const vmr_hosts_settings *settings, mcu_room *room, mcu_participant *part,
	const vmr_hosts_ops *ops)
{
	if (address == NULL || who == NULL || part == NULL)
		return -EINVAL;
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r = room_get(address, TRUE);
	if (settings)
		r->settings = *settings;
	hmember *m = member_find(r, who->id);
	if (m == NULL) {
		m = member_new(who, ops);
		g_queue_push_tail(&r->members, m);
	}
	m->held = VMR_HOSTS_ENTER;
	if (m->part == NULL)
		m->part = mcu_participant_ref(part);
	member_apply_mute(m); /* (a host may have muted it while it was on its way in) */
	if (r->room == NULL && room)
		r->room = mcu_room_ref(room);
	if (m->role == VMR_ROLE_HOST) {
		r->end_at = 0;
		/* The first host lets everyone waiting for a host in (not those knocking). */
		for (GList *l = r->members.head; l; l = l->next) {
			hmember *w = l->data;
			if (w->held == VMR_HOSTS_WAIT_HOST)
				let_in(&b, w);
		}
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return 0;
}

void vmr_hosts_leave(const char *address, uint64_t id)
{
	batch b = G_QUEUE_INIT;
	hmember *gone = NULL;
	g_mutex_lock(&lock);
	hroom *r = room_get(address, FALSE);
	hmember *m = member_find(r, id);
	if (m != NULL) {
		gboolean was_host = m->role == VMR_ROLE_HOST && m->held == VMR_HOSTS_ENTER;
		g_queue_remove(&r->members, m);
		gone = m;
		if (r->spotlight == id) {
			r->spotlight = 0;
			push_event(&b, r, VMR_TO_ALL, 0, event_new("spotlight", json_null()));
		}
		if (m->held == VMR_HOSTS_KNOCK)
			push_event(&b, r, VMR_TO_HOSTS, 0,
				event_new("knock_gone", json_pack("{sI}", "id", (json_int_t)id)));
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
	g_mutex_unlock(&lock);
	if (gone)
		member_free(gone); /* (its unref outside the lock) */
	batch_run(&b);
}

void vmr_hosts_rename(const char *old_address, const char *new_address)
{
	if (old_address == NULL || new_address == NULL)
		return;
	g_mutex_lock(&lock);
	hroom *r = room_get(old_address, FALSE);
	if (r && !room_get(new_address, FALSE)) {
		g_hash_table_remove(rooms, r->address);
		g_free(r->address);
		r->address = g_strdup(new_address);
		g_hash_table_insert(rooms, r->address, r);
	}
	g_mutex_unlock(&lock);
}

int vmr_hosts_is_host(const char *address, uint64_t id)
{
	g_mutex_lock(&lock);
	hmember *m = member_find(room_get(address, FALSE), id);
	int is = m && m->role == VMR_ROLE_HOST && m->held == VMR_HOSTS_ENTER;
	g_mutex_unlock(&lock);
	return is;
}

json_t *vmr_hosts_state(const char *address, uint64_t for_id)
{
	json_t *j = json_object();
	g_mutex_lock(&lock);
	hroom *r = room_get(address, FALSE);
	hmember *me = member_find(r, for_id);
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
			json_array_append_new(waiting, member_json(m));
	}
	json_object_set_new(j, "muted", muted);
	if (me && me->role == VMR_ROLE_HOST)
		json_object_set_new(j, "knocking", waiting);
	else
		json_decref(waiting);
	g_mutex_unlock(&lock);
	return j;
}

/* ---- host actions ------------------------------------------------------------------------ */

/* The acting host (lock held): 0 with *r and *by, or -ENOENT / -EPERM. */
static int host_of(const char *address, uint64_t by_id, hroom **r, hmember **by)
{
	*r = room_get(address, FALSE);
	*by = member_find(*r, by_id);
	if (*r == NULL || *by == NULL)
		return -ENOENT;
	if ((*by)->role != VMR_ROLE_HOST || (*by)->held != VMR_HOSTS_ENTER)
		return -EPERM;
	return 0;
}

/* A guest pressed a host key: told it is not allowed (lock held). */
static void push_not_allowed(batch *b, const char *address, uint64_t by_id)
{
	hmember *m = member_find(room_get(address, FALSE), by_id);
	if (m)
		push_ops(b, JOB_TOLD, m, 0, "not_allowed");
}

static int set_locked_locked(batch *b, hroom *r, hmember *by, int locked)
{
	if (r->locked == (locked != 0))
		return 0;
	r->locked = locked != 0;
	push_action(b, r, by, locked ? "lock" : "unlock", NULL);
	push_event(b, r, VMR_TO_ALL, 0, event_new("locked", json_boolean(r->locked)));
	push_ops(b, JOB_TOLD, by, 0, locked ? "locked" : "unlocked");
	if (!locked)
		for (GList *l = r->members.head; l; l = l->next) {
			hmember *w = l->data;
			/* Unlocking lets everyone knocking in, unless the room waits for a host */
			if (w->held == VMR_HOSTS_KNOCK)
				let_in(b, w);
		}
	return 0;
}

int vmr_hosts_set_locked(const char *address, uint64_t by_id, int locked)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	if (rc == 0)
		rc = set_locked_locked(&b, r, by, locked);
	else if (rc == -EPERM)
		push_not_allowed(&b, address, by_id);
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

int vmr_hosts_toggle_locked(const char *address, uint64_t by_id, int *locked_out)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	if (rc == 0) {
		rc = set_locked_locked(&b, r, by, !r->locked);
		if (locked_out)
			*locked_out = r->locked;
	} else if (rc == -EPERM) {
		push_not_allowed(&b, address, by_id);
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

int vmr_hosts_decide(const char *address, uint64_t by_id, uint64_t id, int admit)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 ? member_find(r, id) : NULL;
	if (rc == 0 && (m == NULL || m->held == VMR_HOSTS_ENTER))
		rc = -ENOENT; /* (already decided by another host, or gone) */
	if (rc == 0) {
		push_action(&b, r, by, admit ? "admit" : "refuse", m);
		push_event(&b, r, VMR_TO_HOSTS, 0,
			event_new("knock_gone",
				json_pack("{sIsb}", "id", (json_int_t)id, "admitted", admit != 0)));
		if (admit)
			let_in(&b, m);
		else
			turn_away(&b, r, m);
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

static void mute_locked(batch *b, hroom *r, hmember *m, int muted)
{
	if (m->host_muted == (muted != 0))
		return;
	m->host_muted = muted != 0;
	member_apply_mute(m);
	push_ops(b, JOB_TOLD, m, 0, muted ? "muted_by_host" : "unmuted_by_host");
	push_mute(b, r, m);
}

int vmr_hosts_mute(const char *address, uint64_t by_id, uint64_t id, int muted)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 ? member_find(r, id) : NULL;
	if (rc == 0 && (m == NULL || m->held != VMR_HOSTS_ENTER))
		rc = -ENOENT;
	if (rc == 0) {
		push_action(&b, r, by, muted ? "mute" : "unmute", m);
		mute_locked(&b, r, m, muted);
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

static int mute_guests(const char *address, uint64_t by_id, int muted, int toggle, int *out)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	if (rc == 0) {
		if (toggle) {
			muted = 0;
			for (GList *l = r->members.head; l; l = l->next) {
				hmember *m = l->data;
				if (m->role == VMR_ROLE_GUEST && m->held == VMR_HOSTS_ENTER
					&& !m->host_muted)
					muted = 1;
			}
		}
		push_action(&b, r, by, muted ? "mute guests" : "unmute guests", NULL);
		for (GList *l = r->members.head; l; l = l->next) {
			hmember *m = l->data;
			if (m->role == VMR_ROLE_GUEST && m->held == VMR_HOSTS_ENTER)
				mute_locked(&b, r, m, muted);
		}
		push_ops(&b, JOB_TOLD, by, 0, muted ? "guests_muted" : "guests_unmuted");
		if (out)
			*out = muted;
	} else if (rc == -EPERM) {
		push_not_allowed(&b, address, by_id);
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

int vmr_hosts_mute_guests(const char *address, uint64_t by, int muted)
{
	return mute_guests(address, by, muted, 0, NULL);
}

int vmr_hosts_toggle_mute_guests(const char *address, uint64_t by, int *muted_out)
{
	return mute_guests(address, by, 0, 1, muted_out);
}

int vmr_hosts_remove(const char *address, uint64_t by_id, uint64_t id)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 ? member_find(r, id) : NULL;
	if (rc == 0 && m == NULL)
		rc = -ENOENT;
	if (rc == 0) {
		push_action(&b, r, by, "remove", m);
		if (m->held != VMR_HOSTS_ENTER) {
			turn_away(&b, r, m);
		} else {
			push_ops(&b, JOB_REMOVED, m, 0, "removed by a host");
			/* it stays a member until its plugin calls vmr_hosts_leave */
		}
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

int vmr_hosts_spotlight(const char *address, uint64_t by_id, uint64_t id)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 && id ? member_find(r, id) : NULL;
	if (rc == 0 && id && (m == NULL || m->part == NULL))
		rc = -ENOENT;
	if (rc == 0 && r->room) {
		r->spotlight = id;
		mcu_room_set_spotlight(r->room, m ? m->part : NULL);
		push_action(&b, r, by, id ? "spotlight" : "spotlight off", m);
		push_event(&b, r, VMR_TO_ALL, 0,
			event_new("spotlight", id ? json_integer((json_int_t)id) : json_null()));
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

int vmr_hosts_layout(
	const char *address, uint64_t by_id, const char *layout, const char **layout_out)
{
	mcu_layout_kind kind;
	if (layout != NULL && mcu_layout_kind_from_string(layout, &kind) != 0)
		return -EINVAL;
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	if (rc == 0 && r->room == NULL)
		rc = -ENOENT;
	if (rc == 0) {
		if (layout == NULL) {
			const char *now = mcu_layout_kind_name(mcu_room_layout(r->room));
			size_t i = 0;
			while (i < G_N_ELEMENTS(layouts) && now && strcmp(layouts[i], now) != 0)
				i++;
			layout = layouts[(i + 1) % G_N_ELEMENTS(layouts)];
			mcu_layout_kind_from_string(layout, &kind);
		}
		mcu_room_set_layout(r->room, kind);
		layout = mcu_layout_kind_name(kind);
		if (layout_out)
			*layout_out = layout;
		push_action(&b, r, by, "layout", NULL);
		json_t *e = event_new("layout", json_string(layout));
		json_object_set_new(e, "room", json_string(r->address));
		push_event(&b, r, VMR_TO_ALL, 0, e);
		push_ops(&b, JOB_TOLD, by, 0, "layout");
	} else if (rc == -EPERM) {
		push_not_allowed(&b, address, by_id);
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

/* Everyone out (lock held): joined ones removed, held ones turned away. */
static gboolean end_room_locked(batch *b, hroom *r, const hmember *by)
{
	(void)by;
	push_event(b, r, VMR_TO_ALL, 0, event_new("ended", json_true()));
	GList *l = r->members.head;
	while (l) {
		GList *next = l->next;
		hmember *m = l->data;
		if (m->held != VMR_HOSTS_ENTER)
			turn_away(b, r, m);
		else
			push_ops(b, JOB_REMOVED, m, 0, "the meeting was ended");
		l = next;
	}
	r->end_at = 0;
	return TRUE;
}

int vmr_hosts_end(const char *address, uint64_t by_id)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	if (rc == 0) {
		push_action(&b, r, by, "end", NULL);
		end_room_locked(&b, r, by);
	} else if (rc == -EPERM) {
		push_not_allowed(&b, address, by_id);
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

/* ---- own actions ------------------------------------------------------------------------- */

static int self_mute(const char *address, uint64_t id, int muted, int toggle, int *out)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r = room_get(address, FALSE);
	hmember *m = member_find(r, id);
	int rc = m && m->held == VMR_HOSTS_ENTER ? 0 : -ENOENT;
	if (rc == 0) {
		if (toggle)
			muted = !(m->self_muted || m->host_muted);
		if (!muted && m->host_muted) {
			rc = -EPERM; /* a host's mute is the host's to lift */
			push_ops(&b, JOB_TOLD, m, 0, "not_allowed");
		} else {
			m->self_muted = muted != 0;
			member_apply_mute(m);
			push_ops(&b, JOB_TOLD, m, 0, muted ? "muted" : "unmuted");
			push_mute(&b, r, m);
		}
		if (out)
			*out = m->self_muted || m->host_muted;
	}
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

int vmr_hosts_self_mute(const char *address, uint64_t id, int muted)
{
	return self_mute(address, id, muted, 0, NULL);
}

int vmr_hosts_toggle_self_mute(const char *address, uint64_t id, int *muted_out)
{
	return self_mute(address, id, 0, 1, muted_out);
}

int vmr_hosts_ask_to_speak(const char *address, uint64_t id)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&lock);
	hroom *r = room_get(address, FALSE);
	hmember *m = member_find(r, id);
	int rc = m && m->held == VMR_HOSTS_ENTER ? 0 : -ENOENT;
	if (rc == 0)
		push_event(&b, r, VMR_TO_HOSTS, 0, event_new("hand", member_json(m)));
	g_mutex_unlock(&lock);
	batch_run(&b);
	return rc;
}

void vmr_hosts_set_minute_us(int64_t usec)
{
	g_mutex_lock(&lock);
	minute_us = usec > 0 ? usec : 60 * G_USEC_PER_SEC;
	g_mutex_unlock(&lock);
}

/* ---- the holding picture ----------------------------------------------------------------- */

typedef struct holding {
	mcu_room *room; /* borrowed: every user holds it (vmr_rooms_acquire) */
	mcu_participant *placard;
	unsigned users;
} holding;

static GMutex holding_lock;  /* leaf; never held into the MCU's blocking calls */
static GHashTable *holdings; /* mcu_room* -> holding* */

static void placard_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	(void)opaque;
	(void)is_video;
	(void)pkt;
	(void)len;
}

static void placard_keyframe(void *opaque)
{
	(void)opaque;
}

mcu_room *vmr_hosts_holding_acquire(const char *address, const char *text)
{
	if (address == NULL)
		return NULL;
	char *name = g_strconcat(address, "+waiting", NULL);
	mcu_room *room = vmr_rooms_acquire(name, "speaker");
	g_free(name);
	if (room == NULL)
		return NULL;
	g_mutex_lock(&holding_lock);
	if (holdings == NULL)
		holdings = g_hash_table_new(NULL, NULL);
	holding *h = g_hash_table_lookup(holdings, room);
	if (h == NULL) {
		h = g_new0(holding, 1);
		h->room = room;
		mcu_participant_opts o;
		mcu_participant_opts_defaults(&o);
		o.display = text ? text : "Waiting for the host";
		o.video_codec = MCU_VIDEO_NONE;
		mcu_participant_io io = { .send_rtp = placard_send,
			.request_keyframe = placard_keyframe };
		h->placard = mcu_room_join(room, &o, &io);
		mcu_participant_set_muted(h->placard, true);
		g_hash_table_insert(holdings, room, h);
	}
	h->users++;
	g_mutex_unlock(&holding_lock);
	return room;
}

void vmr_hosts_holding_release(mcu_room *room)
{
	if (room == NULL)
		return;
	holding *gone = NULL;
	g_mutex_lock(&holding_lock);
	holding *h = holdings ? g_hash_table_lookup(holdings, room) : NULL;
	if (h != NULL && --h->users == 0) {
		g_hash_table_remove(holdings, room);
		gone = h;
	}
	g_mutex_unlock(&holding_lock);
	if (gone != NULL) {
		if (gone->placard) {
			mcu_room_leave(gone->room, gone->placard);
			mcu_participant_unref(gone->placard);
		}
		g_free(gone);
	}
	vmr_rooms_release(room); /* (each acquire's hold: the last one stops the room) */
}

void vmr_hosts_clear(void)
{
	g_mutex_lock(&lock);
	GThread *t = timer_thread;
	timer_thread = NULL;
	timer_stop = TRUE;
	g_cond_signal(&timer_cond);
	g_mutex_unlock(&lock);
	if (t)
		g_thread_join(t);
	GQueue gone = G_QUEUE_INIT;
	g_mutex_lock(&lock);
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
	g_mutex_unlock(&lock);
	hmember *m;
	while ((m = g_queue_pop_head(&gone)) != NULL)
		member_free(m);
}
