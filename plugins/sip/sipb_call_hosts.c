/*
 * sipb_call_hosts.c - hosts and guests for SIP callers: the call's side of vmr_hosts
 * (libtpaas_vmr_core, where the rules are). A caller is a host when it is the room owner's
 * own device (dial-in from a registered device, or our dial-out) or typed the host PIN. A guest
 * that must wait (for a host, or knocking on a locked room) is put in the holding picture
 * ("Waiting for the host", vmr_hosts_holding_acquire), hears a short prompt, then quiet, and
 * joins the room when a host lets it in. In the room the keypad works ('*' then a digit):
 *   *5 mute/unmute all guests (host)   *6 mute/unmute yourself   *7 lock/unlock (host)
 *   *8 next layout (host)   *0 end the meeting for all (host)   *1 say these keys
 * Only digits after a '*' count, and only in the room: the PIN's digits (and its '#') never
 * reach the keypad, and keypad digits never reach PIN entry (sipb_call_key).
 *
 * Threads: everything on the UA's loop thread; vmr_hosts' callbacks (from any thread) are
 * re-posted onto it by call id, so a call that is gone ignores them.
 * Ownership: the call owns one reference of its sipb_hosts_ref; vmr_hosts holds others while
 * the call is a member or is delivering a callback.
 */
#include "sipb_ua_priv.h"

#include <errno.h>
#include <string.h>

#include "vmr_hosts.h"

struct sipb_hosts_ref {
	gint refs;
	sipb_ua *ua;
	uint64_t id;
};

static void ref_ref(void *opaque)
{
	g_atomic_int_inc(&((struct sipb_hosts_ref *)opaque)->refs);
}

static void ref_unref(void *opaque)
{
	struct sipb_hosts_ref *r = opaque;
	if (g_atomic_int_dec_and_test(&r->refs))
		g_free(r);
}

/* ---- vmr_hosts' callbacks, re-posted onto the loop ------------------------------------- */

typedef enum {
	MSG_DECIDED,
	MSG_REMOVED,
	MSG_TOLD
} msg_kind;

typedef struct hosts_msg {
	sipb_ua *ua;
	uint64_t id;
	msg_kind kind;
	int admitted;
	char *text;
} hosts_msg;

static void hosts_msg_free(gpointer data)
{
	hosts_msg *m = data;
	g_free(m->text);
	g_free(m);
}

/* What a caller hears for each thing vmr_hosts tells it (a prompt name, NULL for nothing). */
static const char *told_prompt(const char *what)
{
	static const char *const known[] = { "not_allowed", "muted_by_host", "unmuted_by_host",
		"muted", "unmuted", "locked", "unlocked", "guests_muted", "guests_unmuted" };
	for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
		if (strcmp(what, known[i]) == 0)
			return known[i];
	return NULL;
}

static void leave_holding(sipb_call *call)
{
	if (call->hold_room == NULL)
		return;
	sipb_media_leave(call->media);
	vmr_hosts_holding_release(call->hold_room);
	call->hold_room = NULL;
}

static gboolean hosts_msg_run(gpointer data)
{
	hosts_msg *m = data;
	g_mutex_lock(&m->ua->lock);
	sipb_call *call = g_hash_table_lookup(m->ua->calls, &m->id);
	g_mutex_unlock(&m->ua->lock);
	if (call == NULL || call->state == SIPB_CALL_ENDING)
		return G_SOURCE_REMOVE;
	switch (m->kind) {
	case MSG_DECIDED:
		if (call->state != SIPB_CALL_WAITING)
			break;
		leave_holding(call);
		if (m->admitted) {
			vmr_log(VMR_LOG_INFO, "[sipbridge] call %" G_GUINT64_FORMAT " let into %s",
				call->member.id, call->room_address);
			sipb_call_join_room(call);
		} else {
			sipb_call_hangup(call, "refused by a host");
		}
		break;
	case MSG_REMOVED:
		if (call->state == SIPB_CALL_IN_ROOM)
			sipb_call_hangup(call, m->text);
		break;
	case MSG_TOLD: {
		const char *prompt = told_prompt(m->text);
		if (prompt != NULL && call->media != NULL)
			sipb_media_play_prompt(call->media, prompt, 0);
		break;
	}
	}
	return G_SOURCE_REMOVE;
}

static void post(void *opaque, msg_kind kind, int admitted, const char *text)
{
	struct sipb_hosts_ref *r = opaque;
	hosts_msg *m = g_new0(hosts_msg, 1);
	m->ua = r->ua;
	m->id = r->id;
	m->kind = kind;
	m->admitted = admitted;
	m->text = g_strdup(text);
	g_main_context_invoke_full(
		r->ua->ctx, G_PRIORITY_DEFAULT, hosts_msg_run, m, hosts_msg_free);
}

static void on_decided(void *opaque, int admitted)
{
	post(opaque, MSG_DECIDED, admitted, NULL);
}

static void on_removed(void *opaque, const char *reason)
{
	post(opaque, MSG_REMOVED, 0, reason);
}

static void on_told(void *opaque, const char *what)
{
	post(opaque, MSG_TOLD, 0, what);
}

/* ---- the call's side --------------------------------------------------------------------- */

static void call_ops(sipb_call *call, vmr_hosts_ops *ops)
{
	if (call->hosts_ref == NULL) {
		call->hosts_ref = g_new0(struct sipb_hosts_ref, 1);
		call->hosts_ref->refs = 1; /* the call's */
		call->hosts_ref->ua = call->ua;
		call->hosts_ref->id = call->member.id;
	}
	*ops = (vmr_hosts_ops){ .opaque = call->hosts_ref,
		.ref = ref_ref,
		.unref = ref_unref,
		.decided = on_decided,
		.removed = on_removed,
		.told = on_told };
}

static void call_who(sipb_call *call, vmr_hosts_who *who, char *how, size_t len)
{
	g_snprintf(how, len, "SIP %s", call->caller ? call->caller : "?");
	*who = (vmr_hosts_who){ .id = call->member.id,
		.display = call->display,
		.how = how,
		.role = call->is_owner || call->by_host_pin ? VMR_ROLE_HOST : VMR_ROLE_GUEST };
}

void sipb_call_hosts_enter(sipb_call *call)
{
	call->is_owner = sipb_call_is_owner(call);
	vmr_hosts_settings settings = { .wait_for_host = call->room_wait_for_host,
		.end_after_host_min = call->room_end_after_min };
	vmr_hosts_who who;
	char how[300];
	call_who(call, &who, how, sizeof(how));
	vmr_hosts_ops ops;
	call_ops(call, &ops);
	vmr_hosts_arrival a = vmr_hosts_arrive(call->room_address, &settings, &who, &ops);
	if (a == VMR_HOSTS_ENTER) {
		sipb_call_join_room(call);
		return;
	}
	if (a == VMR_HOSTS_FULL) {
		sipb_call_hangup(call, "too many waiting");
		return;
	}
	/* Held: the holding picture, a short prompt, then quiet, until a host decides. */
	call->hold_room = vmr_hosts_holding_acquire(call->room_address, "Waiting for the host");
	if (call->hold_room != NULL && sipb_media_join(call->media, call->hold_room) == 0) {
		mcu_participant *p = sipb_media_participant(call->media);
		mcu_participant_set_muted(p, true); /* (the placard stays on the picture) */
		mcu_participant_unref(p);
	}
	g_mutex_lock(&call->ua->lock);
	call->state = SIPB_CALL_WAITING;
	g_mutex_unlock(&call->ua->lock);
	sipb_media_play_prompt(
		call->media, a == VMR_HOSTS_KNOCK ? "room_locked" : "wait_for_host", 0);
	vmr_log(VMR_LOG_INFO, "[sipbridge] call %" G_GUINT64_FORMAT " from %s waits at %s: %s",
		call->member.id, call->caller, call->room_address,
		a == VMR_HOSTS_KNOCK ? "locked, knocking" : "waiting for a host");
}

void sipb_call_hosts_joined(sipb_call *call)
{
	mcu_participant *p = sipb_media_participant(call->media);
	if (p == NULL)
		return;
	vmr_hosts_who who;
	char how[300];
	call_who(call, &who, how, sizeof(how));
	vmr_hosts_ops ops;
	call_ops(call, &ops);
	call->keypad_star = 0;
	vmr_hosts_settings settings = { .wait_for_host = call->room_wait_for_host,
		.end_after_host_min = call->room_end_after_min };
	vmr_hosts_joined(call->room_address, &who, &settings, call->room, p, &ops);
	mcu_participant_unref(p);
}

void sipb_call_hosts_key(sipb_call *call, char key)
{
	if (key == '*') {
		call->keypad_star = 1;
		return;
	}
	if (!call->keypad_star)
		return; /* a digit without '*' (the '#' after a PIN, say) means nothing */
	call->keypad_star = 0;
	const char *room = call->room_address;
	uint64_t id = call->member.id;
	int rc = 0;
	switch (key) {
	case '5': rc = vmr_hosts_toggle_mute_guests(room, id, NULL); break;
	case '6': rc = vmr_hosts_toggle_self_mute(room, id, NULL); break;
	case '7': rc = vmr_hosts_toggle_locked(room, id, NULL); break;
	case '8': rc = vmr_hosts_layout(room, id, NULL, NULL); break;
	case '0': rc = vmr_hosts_end(room, id); break;
	case '1': sipb_media_play_prompt(call->media, "keypad", 0); return;
	default: return;
	}
	vmr_log(rc == 0 ? VMR_LOG_INFO : VMR_LOG_WARN,
		"[sipbridge] call %" G_GUINT64_FORMAT " in %s pressed *%c: %s", id, room, key,
		rc == 0                ? "done"
			: rc == -EPERM ? "refused, not a host"
				       : g_strerror(-rc));
}

void sipb_call_hosts_gone(sipb_call *call)
{
	if (call->room_address != NULL && call->hosts_ref != NULL)
		vmr_hosts_leave(call->room_address, call->member.id);
	leave_holding(call);
	if (call->hosts_ref != NULL)
		ref_unref(call->hosts_ref);
	call->hosts_ref = NULL;
}
