/*
 * vmr_hosts_controls.c - what hosts do to a meeting (admit or refuse, lock, mute one or all
 * guests, remove, spotlight, layout, end it) and what participants do themselves (mute,
 * ask to speak). See vmr_hosts.h; locks as in vmr_hosts_priv.h.
 */
#include "vmr_hosts_priv.h"

#include <errno.h>
#include <string.h>

static const char *const layouts[] = { "speaker", "1+7", "2x2", "3x3" };

/* The acting host (lock held): 0 with *r and *by, or -ENOENT / -EPERM. */
static int host_of(const char *address, uint64_t by_id, hroom **r, hmember **by)
{
	*r = hosts_room_get(address, FALSE);
	*by = hosts_member_find(*r, by_id);
	if (*r == NULL || *by == NULL)
		return -ENOENT;
	if ((*by)->role != VMR_ROLE_HOST || (*by)->held != VMR_HOSTS_ENTER)
		return -EPERM;
	return 0;
}

/* A guest pressed a host key: told it is not allowed (lock held). */
static void push_not_allowed(batch *b, const char *address, uint64_t by_id)
{
	hmember *m = hosts_member_find(hosts_room_get(address, FALSE), by_id);
	if (m)
		hosts_push_ops(b, JOB_TOLD, m, 0, "not_allowed");
}

static int set_locked_locked(batch *b, hroom *r, hmember *by, int locked)
{
	if (r->locked == (locked != 0))
		return 0;
	r->locked = locked != 0;
	hosts_push_action(b, r, by, locked ? "lock" : "unlock", NULL);
	hosts_push_event(b, r, VMR_TO_ALL, 0, hosts_event_new("locked", json_boolean(r->locked)));
	hosts_push_ops(b, JOB_TOLD, by, 0, locked ? "locked" : "unlocked");
	if (!locked)
		for (GList *l = r->members.head; l; l = l->next) {
			hmember *w = l->data;
			/* Unlocking lets everyone knocking in, unless the room waits for a host */
			if (w->held == VMR_HOSTS_KNOCK)
				hosts_let_in(b, w);
		}
	return 0;
}

int vmr_hosts_set_locked(const char *address, uint64_t by_id, int locked)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	if (rc == 0)
		rc = set_locked_locked(&b, r, by, locked);
	else if (rc == -EPERM)
		push_not_allowed(&b, address, by_id);
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

int vmr_hosts_toggle_locked(const char *address, uint64_t by_id, int *locked_out)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
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
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

int vmr_hosts_decide(const char *address, uint64_t by_id, uint64_t id, int admit)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 ? hosts_member_find(r, id) : NULL;
	if (rc == 0 && (m == NULL || m->held == VMR_HOSTS_ENTER))
		rc = -ENOENT; /* (already decided by another host, or gone) */
	if (rc == 0) {
		hosts_push_action(&b, r, by, admit ? "admit" : "refuse", m);
		hosts_push_event(&b, r, VMR_TO_HOSTS, 0,
			hosts_event_new("knock_gone",
				json_pack("{sIsb}", "id", (json_int_t)id, "admitted", admit != 0)));
		if (admit)
			hosts_let_in(&b, m);
		else
			hosts_turn_away(&b, r, m);
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

static void mute_locked(batch *b, hroom *r, hmember *m, int muted)
{
	if (m->host_muted == (muted != 0))
		return;
	m->host_muted = muted != 0;
	hosts_member_apply_mute(m);
	hosts_push_ops(b, JOB_TOLD, m, 0, muted ? "muted_by_host" : "unmuted_by_host");
	hosts_push_mute(b, r, m);
}

int vmr_hosts_mute(const char *address, uint64_t by_id, uint64_t id, int muted)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 ? hosts_member_find(r, id) : NULL;
	if (rc == 0 && (m == NULL || m->held != VMR_HOSTS_ENTER))
		rc = -ENOENT;
	if (rc == 0) {
		hosts_push_action(&b, r, by, muted ? "mute" : "unmute", m);
		mute_locked(&b, r, m, muted);
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

static int mute_guests(const char *address, uint64_t by_id, int muted, int toggle, int *out)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
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
		hosts_push_action(&b, r, by, muted ? "mute guests" : "unmute guests", NULL);
		for (GList *l = r->members.head; l; l = l->next) {
			hmember *m = l->data;
			if (m->role == VMR_ROLE_GUEST && m->held == VMR_HOSTS_ENTER)
				mute_locked(&b, r, m, muted);
		}
		hosts_push_ops(&b, JOB_TOLD, by, 0, muted ? "guests_muted" : "guests_unmuted");
		if (out)
			*out = muted;
	} else if (rc == -EPERM) {
		push_not_allowed(&b, address, by_id);
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
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
	g_mutex_lock(&hosts_lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 ? hosts_member_find(r, id) : NULL;
	if (rc == 0 && m == NULL)
		rc = -ENOENT;
	if (rc == 0) {
		hosts_push_action(&b, r, by, "remove", m);
		if (m->held != VMR_HOSTS_ENTER) {
			hosts_turn_away(&b, r, m);
		} else {
			hosts_push_ops(&b, JOB_REMOVED, m, 0, "removed by a host");
			/* it stays a member until its plugin calls vmr_hosts_leave */
		}
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

int vmr_hosts_spotlight(const char *address, uint64_t by_id, uint64_t id)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	hmember *m = rc == 0 && id ? hosts_member_find(r, id) : NULL;
	if (rc == 0 && id && (m == NULL || m->part == NULL))
		rc = -ENOENT;
	if (rc == 0 && r->room) {
		r->spotlight = id;
		mcu_room_set_spotlight(r->room, m ? m->part : NULL);
		hosts_push_action(&b, r, by, id ? "spotlight" : "spotlight off", m);
		hosts_push_event(&b, r, VMR_TO_ALL, 0,
			hosts_event_new(
				"spotlight", id ? json_integer((json_int_t)id) : json_null()));
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

int vmr_hosts_layout(
	const char *address, uint64_t by_id, const char *layout, const char **layout_out)
{
	mcu_layout_kind kind;
	if (layout != NULL && mcu_layout_kind_from_string(layout, &kind) != 0)
		return -EINVAL;
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
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
		hosts_push_action(&b, r, by, "layout", NULL);
		json_t *e = hosts_event_new("layout", json_string(layout));
		json_object_set_new(e, "room", json_string(r->address));
		hosts_push_event(&b, r, VMR_TO_ALL, 0, e);
		hosts_push_ops(&b, JOB_TOLD, by, 0, "layout");
	} else if (rc == -EPERM) {
		push_not_allowed(&b, address, by_id);
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

/* Everyone out (lock held): joined ones removed, held ones turned away. */
gboolean hosts_end_room_locked(batch *b, hroom *r, const hmember *by)
{
	(void)by;
	hosts_push_event(b, r, VMR_TO_ALL, 0, hosts_event_new("ended", json_true()));
	GList *l = r->members.head;
	while (l) {
		GList *next = l->next;
		hmember *m = l->data;
		if (m->held != VMR_HOSTS_ENTER)
			hosts_turn_away(b, r, m);
		else
			hosts_push_ops(b, JOB_REMOVED, m, 0, "the meeting was ended");
		l = next;
	}
	r->end_at = 0;
	return TRUE;
}

int vmr_hosts_end(const char *address, uint64_t by_id)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r;
	hmember *by;
	int rc = host_of(address, by_id, &r, &by);
	if (rc == 0) {
		hosts_push_action(&b, r, by, "end", NULL);
		hosts_end_room_locked(&b, r, by);
	} else if (rc == -EPERM) {
		push_not_allowed(&b, address, by_id);
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}

/* ---- own actions ------------------------------------------------------------------------- */

static int self_mute(const char *address, uint64_t id, int muted, int toggle, int *out)
{
	batch b = G_QUEUE_INIT;
	g_mutex_lock(&hosts_lock);
	hroom *r = hosts_room_get(address, FALSE);
	hmember *m = hosts_member_find(r, id);
	int rc = m && m->held == VMR_HOSTS_ENTER ? 0 : -ENOENT;
	if (rc == 0) {
		if (toggle)
			muted = !(m->self_muted || m->host_muted);
		if (!muted && m->host_muted) {
			rc = -EPERM; /* a host's mute is the host's to lift */
			hosts_push_ops(&b, JOB_TOLD, m, 0, "not_allowed");
		} else {
			m->self_muted = muted != 0;
			hosts_member_apply_mute(m);
			hosts_push_ops(&b, JOB_TOLD, m, 0, muted ? "muted" : "unmuted");
			hosts_push_mute(&b, r, m);
		}
		if (out)
			*out = m->self_muted || m->host_muted;
	}
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
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
	g_mutex_lock(&hosts_lock);
	hroom *r = hosts_room_get(address, FALSE);
	hmember *m = hosts_member_find(r, id);
	int rc = m && m->held == VMR_HOSTS_ENTER ? 0 : -ENOENT;
	if (rc == 0)
		hosts_push_event(
			&b, r, VMR_TO_HOSTS, 0, hosts_event_new("hand", hosts_member_json(m)));
	g_mutex_unlock(&hosts_lock);
	hosts_batch_run(&b);
	return rc;
}
