/*
 * sipb_call.c - one SIP call of the bridge, as a state machine on the UA's loop thread:
 * dial-in by room address (PIN if the room has one), the lobby (meeting number, then PIN),
 * dial-out into a room, SDP offer/answer and re-INVITE (hold/resume/codec change), DTMF from
 * SIP INFO and from the media (RFC 4733), key frame requests by SIP INFO picture_fast_update
 * (RFC 5168) both ways, admission control (503 past the node's budget), media timeout, the
 * call log, and hang-up from either side. Joining puts the caller's media into the room's MCU (vmr_rooms registry,
 * shared with browsers).
 *
 * Threads: everything on the UA's loop thread; media events are re-posted onto it by call
 * id, so a call that is already gone simply ignores them. Fields that sipb_ua_status reads
 * change under ua->lock.
 * Ownership: ua->calls owns calls; call_destroy (on nua_callstate_terminated) frees
 * the media (which leaves the room), unregisters the caller from the room (vmr_rooms),
 * releases the room and logs the end.
 */
#include "sipb_ua_priv.h"
#include "vmr_event_log.h"
#include "vmr_metrics.h"
#include "vmr_admission.h"
#include "sipb_media_control.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

/* A room's PIN is 4 digits, a meeting number 6 (vmr_store's CHECKs): the IVR takes either at its
 * last digit, '#' is optional. */
#define SIPB_PIN_DIGITS            4
#define SIPB_MEETING_NUMBER_DIGITS 6

struct sipb_media_ref {
	sipb_ua *ua;
	uint64_t id;
};

const char *sipb_call_state_name(sipb_call_state s)
{
	switch (s) {
	case SIPB_CALL_LOBBY: return "lobby";
	case SIPB_CALL_PIN: return "pin";
	case SIPB_CALL_IN_ROOM: return "in-room";
	case SIPB_CALL_RINGING: return "ringing";
	case SIPB_CALL_ENDING: return "ending";
	case SIPB_CALL_WAITING: return "waiting";
	}
	return "?";
}

static const char *via_name(vmr_call_via v)
{
	return v == VMR_CALL_LOBBY ? "lobby" : v == VMR_CALL_DIALOUT ? "dial-out" : "address";
}

/* One operator event line about the call (vmr_event_log.h). */
static void call_oplog(const sipb_call *call, const char *kind, const char *cause)
{
	vmr_event ev = { .kind = kind,
		.room = call->room_address,
		.participant = call->member.id,
		.via = "sip",
		.source = call->source,
		.name = call->caller,
		.cause = cause };
	vmr_event_log(&ev);
}

json_t *sipb_call_json(const sipb_call *call)
{
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer((json_int_t)call->member.id));
	json_object_set_new(j, "state", json_string(sipb_call_state_name(call->state)));
	json_object_set_new(j, "direction", json_string(call->outgoing ? "out" : "in"));
	json_object_set_new(j, "via", json_string(via_name(call->via)));
	json_object_set_new(j, "caller", json_string(call->caller ? call->caller : ""));
	json_object_set_new(j, "source", json_string(call->source ? call->source : ""));
	json_object_set_new(j, "display", json_string(call->display ? call->display : ""));
	if (call->invitation_id)
		json_object_set_new(j, "invitation", json_integer(call->invitation_id));
	if (call->room_address)
		json_object_set_new(j, "room", json_string(call->room_address));
	if (call->sdp.audio >= 0) {
		json_object_set_new(j, "audio", json_string(call->sdp.m[call->sdp.audio].codec));
		/* SDES-SRTP on the audio (video follows it when srtp_required) */
		json_object_set_new(
			j, "srtp", json_boolean(call->sdp.m[call->sdp.audio].crypto[0]));
	}
	if (call->sdp.video >= 0)
		json_object_set_new(j, "video", json_string(call->sdp.m[call->sdp.video].codec));
	json_object_set_new(j, "started_at", json_integer(call->started_at));
	if (call->media != NULL && call->sdp.video >= 0) {
		mcu_participant_stats st;
		sipb_media_room_stats(call->media, &st);
		json_object_set_new(j, "video_frames_decoded",
			json_integer((json_int_t)st.video_frames_decoded));
		json_object_set_new(
			j, "video_frames_lost", json_integer((json_int_t)st.video_frames_lost));
		json_object_set_new(
			j, "keyframes_requested", json_integer((json_int_t)st.keyframes_requested));
		json_object_set_new(
			j, "video_packets_in", json_integer((json_int_t)st.video_packets_in));
		sipb_media_stats ms;
		sipb_media_get_stats(call->media, &ms);
		json_object_set_new(j, "rtp_in", json_integer((json_int_t)ms.rtp_in));
		json_object_set_new(j, "bad_packets", json_integer((json_int_t)ms.bad_packets));
	}
	return j;
}

static void set_state(sipb_call *call, sipb_call_state s)
{
	g_mutex_lock(&call->ua->lock);
	call->state = s;
	g_mutex_unlock(&call->ua->lock);
}

/* ---- media events, re-posted onto the loop -------------------------------------------- */

typedef struct media_msg {
	sipb_ua *ua;
	uint64_t id;
	int kind; /* 1 dtmf, 2 timeout, 3 a "wrong ..." prompt ended, 4 key frame wanted */
	char key;
} media_msg;

static gboolean media_msg_run(gpointer data)
{
	media_msg *m = data;
	g_mutex_lock(&m->ua->lock);
	sipb_call *call = g_hash_table_lookup(m->ua->calls, &m->id);
	g_mutex_unlock(&m->ua->lock);
	if (call == NULL)
		return G_SOURCE_REMOVE;
	if (m->kind == 1)
		sipb_call_key(call, m->key);
	else if (m->kind == 2)
		sipb_call_hangup(call, "media timeout");
	else if (m->kind == 4 && call->nh != NULL && call->state == SIPB_CALL_IN_ROOM)
		/* RFC 5168: the caller does no RTCP feedback; ask its encoder in the dialog. */
		nua_info(call->nh, SIPTAG_CONTENT_TYPE_STR(SIPB_MEDIA_CONTROL_TYPE),
			SIPTAG_PAYLOAD_STR(sipb_media_control_fast_update_body()), TAG_END());
	else if (m->kind == 3 && call->media != NULL)
		/* "That PIN is not correct" was said: ask again (the caller may already be typing). */
		sipb_media_play_prompt(
			call->media, m->key == 'n' ? "enter_number" : "enter_pin", 1);
	return G_SOURCE_REMOVE;
}

static void media_post(struct sipb_media_ref *ref, int kind, char key)
{
	media_msg *m = g_new0(media_msg, 1);
	m->ua = ref->ua;
	m->id = ref->id;
	m->kind = kind;
	m->key = key;
	g_main_context_invoke_full(ref->ua->ctx, G_PRIORITY_DEFAULT, media_msg_run, m, g_free);
}

static void on_media_dtmf(void *opaque, char digit)
{
	media_post(opaque, 1, digit);
}
static void on_media_timeout(void *opaque)
{
	media_post(opaque, 2, 0);
}
static void on_media_prompt_done(void *opaque, const char *prompt)
{
	if (prompt != NULL && strcmp(prompt, "wrong_pin") == 0)
		media_post(opaque, 3, 'p');
	else if (prompt != NULL && strcmp(prompt, "wrong_number") == 0)
		media_post(opaque, 3, 'n');
}

static void on_media_fast_update(void *opaque)
{
	media_post(opaque, 4, 0);
}

static int media_create(sipb_call *call)
{
	sipb_ua *ua = call->ua;
	call->media_ref = g_new0(struct sipb_media_ref, 1);
	call->media_ref->ua = ua;
	call->media_ref->id = call->member.id;
	sipb_media_config mc = {
		.local_ip = ua->cfg.media_ip,
		.rtp_port_min = ua->cfg.rtp_port_min,
		.rtp_port_max = ua->cfg.rtp_port_max,
		.media_timeout_s = ua->cfg.media_timeout_s,
		.prompt_dir = ua->cfg.prompt_dir,
		.display = call->display,
		.member_id =
			call->member.id, /* one id for the call, its media and its room events */
		/* an INVITE's SDP is unauthenticated: nothing goes out before the ACK */
		.wait_for_start = !call->outgoing,
	};
	sipb_media_events ev = {
		.opaque = call->media_ref,
		.dtmf = on_media_dtmf,
		.timeout = on_media_timeout,
		.prompt_done = on_media_prompt_done,
		.fast_update = on_media_fast_update,
	};
	return sipb_media_new(&mc, &ev, &call->media);
}

/* ---- life cycle ------------------------------------------------------------------------- */

static sipb_call *call_new(sipb_ua *ua, nua_handle_t *nh, int outgoing)
{
	sipb_call *call = g_new0(sipb_call, 1);
	call->member.id = vmr_rooms_new_id();
	call->member.is_sip = 1;
	call->ua = ua;
	call->nh = nh;
	call->outgoing = outgoing;
	call->started_at = g_get_real_time() / G_USEC_PER_SEC;
	call->sdp.audio = call->sdp.video = -1;
	call->sdp_session = ((unsigned long long)g_random_int() << 16)
		^ (unsigned long long)call->started_at;
	sipb_ivr_reset(&call->ivr);
	nua_handle_bind(nh, call);
	g_mutex_lock(&ua->lock);
	g_hash_table_insert(ua->calls, &call->member.id, call);
	g_mutex_unlock(&ua->lock);
	return call;
}

static void call_destroy(sipb_call *call)
{
	sipb_ua *ua = call->ua;
	if (call->ring_timer)
		g_source_destroy(g_main_context_find_source_by_id(ua->ctx, call->ring_timer));
	if (call->invitation_timer)
		g_source_destroy(g_main_context_find_source_by_id(ua->ctx, call->invitation_timer));
	g_mutex_lock(&ua->lock);
	g_hash_table_remove(ua->calls, &call->member.id);
	g_mutex_unlock(&ua->lock);
	sipb_call_hosts_gone(call);  /* out of vmr_hosts and the holding picture */
	sipb_call_content_end(call); /* the floor it held is released */
	if (call->media != NULL)
		sipb_media_free(call->media); /* leaves the room; no event after this returns */
	g_free(call->media_ref);
	if (call->room != NULL) {
		vmr_rooms_member_remove(
			call->room, call->member.id); /* the room's pages hear `left` */
		vmr_rooms_release(call->room);
		call_oplog(call, "leave", NULL);
	}
	const char *cause = call->cause ? call->cause : "ended";
	call_oplog(call, "call_end", cause);
	if (call->log_id > 0)
		vmr_store_call_end(
			ua->store, call->log_id, g_get_real_time() / G_USEC_PER_SEC, cause);
	vmr_log(VMR_LOG_INFO, "[sipbridge] call %" G_GUINT64_FORMAT " from %s (%s) ended: %s",
		call->member.id, call->caller ? call->caller : "?",
		call->source ? call->source : "?", cause);
	nua_handle_bind(call->nh, NULL);
	nua_handle_destroy(call->nh);
	g_free(call->caller);
	g_free(call->display);
	g_free(call->source);
	g_free(call->source_ip);
	g_free(call->client_ip);
	g_free(call->room_address);
	g_free(call->room_pin);
	g_free(call->room_host_pin);
	g_free(call->room_layout);
	g_free(call->cause);
	g_free(call->tls_contact);
	g_free(call);
}

static void set_cause(sipb_call *call, const char *cause)
{
	if (call->cause == NULL)
		call->cause = g_strdup(cause);
}

void sipb_call_hangup(sipb_call *call, const char *cause)
{
	if (call->state == SIPB_CALL_ENDING)
		return;
	set_cause(call, cause);
	int ringing = call->state == SIPB_CALL_RINGING;
	set_state(call, SIPB_CALL_ENDING);
	if (ringing)
		nua_cancel(call->nh, TAG_END());
	else
		nua_bye(call->nh, TAG_END());
}

static void set_room(sipb_call *call, const vmr_room *room, vmr_call_via via)
{
	g_mutex_lock(&call->ua->lock);
	g_free(call->room_address);
	call->room_address = g_strdup(room->address);
	call->via = via;
	g_mutex_unlock(&call->ua->lock);
	g_free(call->room_pin);
	call->room_pin = room->pin && room->pin[0] ? g_strdup(room->pin) : NULL;
	g_free(call->room_layout);
	call->room_layout = g_strdup(room->layout);
	g_free(call->room_host_pin);
	call->room_host_pin = room->host_pin && room->host_pin[0] ? g_strdup(room->host_pin) : NULL;
	call->room_wait_for_host = room->wait_for_host;
	call->room_end_after_min = room->end_after_host_min;
}

/* Is this call the room owner's own device? The dial-out call to it, or a call from the
 * address (ip:port) one of the owner's devices registered from or as its contact. Only
 * decides who is a guest (guest notification), never who gets in: a caller who fakes it
 * (its source address) only keeps the owner from hearing of it. */
typedef struct owner_match {
	const char *username;
	const char *source;
	int found;
} owner_match;

static void match_owner_binding(void *opaque, const char *username, const char *contact,
	const char *source, int64_t expires_at)
{
	(void)expires_at;
	owner_match *m = opaque;
	if (m->found || strcmp(username, m->username) != 0)
		return;
	if (source != NULL && !strcmp(source, m->source)) {
		m->found = 1;
		return;
	}
	/* sip:user@host:port;params -> host:port */
	const char *at = strchr(contact, '@');
	const char *host = at ? at + 1
			      : (g_str_has_prefix(contact, "sip:") ? contact + 4 : contact);
	size_t len = strcspn(host, ";>?");
	m->found = strlen(m->source) == len && !strncmp(host, m->source, len);
}

int sipb_call_is_owner(sipb_call *call)
{
	if (call->via == VMR_CALL_DIALOUT)
		return 1;
	/* Through a trusted proxy every caller shares its address: no telling, all are guests (at
	 * worst the owner's own phone rings the owner once more, as the rate limit allows). */
	if (call->source == NULL || call->source_ip == NULL
		|| sipb_ua_is_trusted_proxy(call->ua, call->source_ip))
		return 0;
	vmr_room room;
	if (vmr_store_room_get_by_address(call->ua->store, call->room_address, &room) != 0)
		return 0;
	vmr_account owner;
	int rc = room.owner_id ? vmr_store_account_get(call->ua->store, room.owner_id, &owner)
			       : -ENOENT;
	vmr_room_clear(&room);
	if (rc != 0)
		return 0;
	owner_match m = { .username = owner.username, .source = call->source };
	sipb_registrar_foreach(
		call->ua->registrar, g_get_real_time() / G_USEC_PER_SEC, match_owner_binding, &m);
	vmr_account_clear(&owner);
	return m.found;
}

void sipb_call_join_room(sipb_call *call)
{
	/* Answered already (lobby, PIN): past the node's budget the call ends with a BYE. */
	if (vmr_admission_check(call->room_address, NULL) < 0) {
		sipb_call_hangup(call, "the node is at its budget");
		return;
	}
	int err = 0;
	mcu_room *room = vmr_rooms_acquire_placed(call->room_address, call->room_layout, &err);
	if (room == NULL && err == -EREMOTE) {
		if (sipb_call_refer_elsewhere(call) < 0)
			sipb_call_hangup(call, "the room is on another node");
		return;
	}
	if (room == NULL) {
		sipb_call_hangup(call, "room failed to start");
		return;
	}
	int rc = sipb_media_join(call->media, room);
	if (rc < 0) {
		vmr_rooms_release(room);
		sipb_call_hangup(call, "media failed to join the room");
		return;
	}
	call->room = room;
	sipb_call_content_sync(call); /* its BFCP client hears who presents */
	/* the room's pages hear `joined`; the owner hears `guest_joined` when the caller is a guest */
	vmr_member_role role = {
		.is_sip = 1, .is_owner = call->is_owner, .invitation_id = call->invitation_id
	};
	vmr_rooms_member_add_as(room, call->member.id, call->display, &role);
	vmr_metrics_inc(VMR_METRIC_JOINS_SIP);
	call_oplog(call, "join", NULL);
	set_state(call, SIPB_CALL_IN_ROOM);
	sipb_call_hosts_joined(call);
	if (call->log_id > 0)
		vmr_store_call_set_room(
			call->ua->store, call->log_id, call->room_address, call->via);
	vmr_log(VMR_LOG_INFO, "[sipbridge] call %" G_GUINT64_FORMAT " from %s joined room %s (%s)",
		call->member.id, call->caller, call->room_address, via_name(call->via));
}

static void ask_pin_or_join(sipb_call *call)
{
	if (call->room_pin != NULL) {
		sipb_ivr_reset(&call->ivr);
		sipb_ivr_set_length(&call->ivr, SIPB_PIN_DIGITS);
		set_state(call, SIPB_CALL_PIN);
		sipb_media_play_prompt(call->media, "enter_pin", 1);
	} else {
		sipb_call_hosts_enter(call);
	}
}

/* ---- the IVR ------------------------------------------------------------------------------- */

static int pin_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

static void lobby_entry(sipb_call *call, const char *entry)
{
	sipb_ua *ua = call->ua;
	char key[80];
	g_snprintf(key, sizeof(key), "src:%s", call->client_ip);
	int64_t now = g_get_monotonic_time();
	if (vmr_ratelimit_check(ua->lobby_failures, key, now, NULL) == -EBUSY) {
		sipb_call_hangup(call, "too many attempts");
		return;
	}
	vmr_room room;
	int ok = strlen(entry) == SIPB_MEETING_NUMBER_DIGITS
		&& vmr_store_room_get_by_number(ua->store, atoi(entry), &room) == 0;
	if (!ok) {
		vmr_ratelimit_failure(ua->lobby_failures, key, now);
		vmr_log(VMR_LOG_WARN,
			"[sipbridge] call %" G_GUINT64_FORMAT " from %s: wrong meeting number",
			call->member.id, call->source);
		if (sipb_ivr_wrong(&call->ivr))
			sipb_call_hangup(call, "wrong meeting number");
		else
			sipb_media_play_prompt(call->media, "wrong_number", 0);
		return;
	}
	vmr_ratelimit_success(ua->lobby_failures, key);
	set_room(call, &room, VMR_CALL_LOBBY);
	vmr_room_clear(&room);
	ask_pin_or_join(call);
}

/* A caller let in by an invitation's code leaves when the invitation is revoked or deleted,
 * like a browser that came with its link. The store is asked (not told by the VMR plugin) so
 * that a revocation on another node of a shared database counts too. */
#define SIPB_INVITATION_CHECK_S 2

static gboolean invitation_check(gpointer data)
{
	sipb_call *call = data;
	vmr_invitation inv;
	int rc = vmr_store_invitation_get(call->ua->store, call->invitation_id, &inv);
	int active = rc == 0 && inv.state == VMR_INVITATION_ACTIVE;
	if (rc == 0)
		vmr_invitation_clear(&inv);
	if (active || (rc != 0 && rc != -ENOENT))
		return G_SOURCE_CONTINUE; /* a store hiccup is no revocation */
	call->invitation_timer = 0;
	vmr_log(VMR_LOG_INFO,
		"[sipbridge] call %" G_GUINT64_FORMAT ": invitation %" G_GINT64_FORMAT
		" revoked, the caller leaves %s",
		call->member.id, call->invitation_id, call->room_address);
	sipb_call_hangup(call, "invitation revoked");
	return G_SOURCE_REMOVE;
}

/* An invitation's keypad code in place of the PIN (vmr_invitations.c). Called for each entry
 * at the PIN prompt after the guard's check; returns 1 when it took the entry: the first 4
 * digits of an active code of this room (collection goes on to the code's end or '#'; no
 * verdict yet, so nothing is counted), or a longer entry, which is a code or wrong (counted
 * as a wrong PIN). A 4-digit entry is the PIN's business (0). The code is looked up at each
 * entry, so a revoked or deleted invitation's code stops working at once. */
static int code_entry(
	sipb_call *call, const char *entry, vmr_pinguard *guard, const char *src, int64_t now)
{
	size_t len = strlen(entry);
	if (len == SIPB_PIN_DIGITS && !call->ivr.extended
		&& vmr_store_invitation_code_prefix(call->ua->store, call->room_address, entry)
			== 1) {
		sipb_ivr_extend(&call->ivr, VMR_INVITATION_CODE_DIGITS);
		return 1;
	}
	if (len <= SIPB_PIN_DIGITS)
		return 0;
	vmr_invitation inv;
	if (vmr_store_invitation_get_by_code(call->ua->store, call->room_address, entry, &inv)
		== 0) {
		vmr_store_invitation_touch(
			call->ua->store, inv.id, g_get_real_time() / G_USEC_PER_SEC);
		g_mutex_lock(&call->ua->lock); /* sipb_ua_status reads them */
		call->invitation_id = inv.id;
		g_free(call->display);
		call->display = g_strdup(inv.guest_name);
		g_mutex_unlock(&call->ua->lock);
		sipb_media_set_display(call->media, inv.guest_name);
		vmr_log(VMR_LOG_INFO,
			"[sipbridge] call %" G_GUINT64_FORMAT
			" from %s: the code of invitation %" G_GINT64_FORMAT " (%s) for %s",
			call->member.id, call->source, inv.id, inv.guest_name, call->room_address);
		vmr_invitation_clear(&inv);
		sipb_media_stop_prompt(call->media);
		call->by_host_pin = 0;       /* an invitation gives the guest role (vmr_hosts.h) */
		sipb_call_hosts_enter(call); /* in, or held while waiting for a host or knocking */
		if (call->state == SIPB_CALL_IN_ROOM || call->state == SIPB_CALL_WAITING) {
			GSource *t = g_timeout_source_new_seconds(SIPB_INVITATION_CHECK_S);
			g_source_set_callback(t, invitation_check, call, NULL);
			call->invitation_timer = g_source_attach(t, call->ua->ctx);
			g_source_unref(t);
		}
		return 1;
	}
	vmr_pinguard_failure(guard, call->room_address, src, now);
	vmr_log(VMR_LOG_WARN, "[sipbridge] call %" G_GUINT64_FORMAT " from %s: wrong code for %s",
		call->member.id, call->source, call->room_address);
	if (sipb_ivr_wrong(&call->ivr))
		sipb_call_hangup(call, "wrong pin");
	else
		sipb_media_play_prompt(call->media, "wrong_pin", 0);
	return 1;
}

static void pin_entry(sipb_call *call, const char *entry)
{
	/* One guard for every PIN of the process (vmr_pinguard.h), keyed like a browser's join
	 * ("ip:<address>"), so wrong PINs by phone and by browser from one address count
	 * together, and a room locked by either is locked for both. */
	vmr_pinguard *guard = vmr_pinguard_shared();
	char src[80];
	g_snprintf(src, sizeof(src), "ip:%s", call->client_ip);
	int64_t now = g_get_monotonic_time();
	if (vmr_pinguard_check(guard, call->room_address, src, now, NULL, NULL) == -EBUSY) {
		sipb_call_hangup(call, "too many attempts");
		return;
	}
	if (code_entry(call, entry, guard, src, now))
		return;
	/* The PIN typed decides the role: the host PIN makes a host (vmr_hosts.h). */
	int host = call->room_host_pin != NULL && pin_equal(entry, call->room_host_pin);
	if (host || pin_equal(entry, call->room_pin)) {
		sipb_media_stop_prompt(call->media);
		call->by_host_pin = host;
		sipb_call_hosts_enter(call);
		return;
	}
	vmr_pinguard_failure(guard, call->room_address, src, now);
	call_oplog(call, "pin_failure", "wrong PIN");
	vmr_log(VMR_LOG_WARN, "[sipbridge] call %" G_GUINT64_FORMAT " from %s: wrong PIN for %s",
		call->member.id, call->source, call->room_address);
	if (sipb_ivr_wrong(&call->ivr))
		sipb_call_hangup(call, "wrong pin");
	else
		sipb_media_play_prompt(call->media, "wrong_pin", 0);
}

void sipb_call_key(sipb_call *call, char key)
{
	const char *entry = NULL;
	if (call->state == SIPB_CALL_IN_ROOM) {
		sipb_call_hosts_key(call, key); /* the keypad: never PIN entry */
		return;
	}
	if (call->state != SIPB_CALL_LOBBY && call->state != SIPB_CALL_PIN)
		return; /* waiting, ringing, ending: keys mean nothing */
	if (!sipb_ivr_key(&call->ivr, key, &entry))
		return;
	if (call->state == SIPB_CALL_LOBBY)
		lobby_entry(call, entry);
	else
		pin_entry(call, entry);
}

/* ---- SDP ------------------------------------------------------------------------------------ */

static char *make_answer(sipb_call *call)
{
	sipb_sdp_local local = {
		.ip = call->ua->cfg.media_ip,
		.audio_port = sipb_media_local_port(call->media, 0),
		.video_port = call->sdp.video >= 0 ? sipb_media_local_port(call->media, 1) : 0,
		.audio_crypto = sipb_media_local_crypto(call->media, 0),
		.video_crypto = sipb_media_local_crypto(call->media, 1),
		.session_id = call->sdp_session,
		.version = ++call->sdp_version,
	};
	sipb_call_content_answer(call, &local);
	return sipb_sdp_answer(&call->sdp, &local);
}

/* Our offer for a delayed-offer INVITE or re-INVITE (no SDP in it): every codec we do, and
 * the slides and BFCP lines when the call can share content (sipb_call_content_offer: a
 * re-INVITE's keeps the BFCP stream it has); reoffer: the session so far keeps its m-lines'
 * places (RFC 3264 §8). */
static char *make_offer(sipb_call *call, int reoffer)
{
	sipb_sdp_local local = {
		.ip = call->ua->cfg.media_ip,
		.audio_port = sipb_media_local_port(call->media, 0),
		.video_port = sipb_media_local_port(call->media, 1),
		.audio_crypto = call->srtp_required ? sipb_media_offer_crypto(call->media, 0)
						    : NULL,
		.video_crypto = call->srtp_required ? sipb_media_offer_crypto(call->media, 1)
						    : NULL,
		.session_id = call->sdp_session,
		.version = ++call->sdp_version,
		.prev = reoffer ? &call->sdp : NULL,
	};
	sipb_call_content_offer(call, &local);
	return sipb_sdp_offer(&local);
}

/* What a request carries (RFC 3261 §8.2.3, §20.15): no body, SDP labelled as such, or a body
 * we do not take (another type, or no Content-Type at all: never guessed to be SDP). */
typedef enum {
	BODY_NONE,
	BODY_SDP,
	BODY_OTHER
} body_kind;

static body_kind body_of(const sip_t *sip)
{
	if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_len == 0)
		return BODY_NONE;
	const sip_content_type_t *ct = sip->sip_content_type;
	return ct != NULL && ct->c_type != NULL
			&& !g_ascii_strcasecmp(ct->c_type, "application/sdp")
		? BODY_SDP
		: BODY_OTHER;
}

static void respond_415(nua_handle_t *nh)
{
	nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, SIPTAG_ACCEPT_STR("application/sdp"), TAG_END());
}

/* Negotiates an offer (or the answer to our offer) and hands the streams to the media.
 * 0, or the SIP status to answer with. */
static int apply_sdp(sipb_call *call, const sip_t *sip)
{
	if (body_of(sip) != BODY_SDP)
		return 488;
	sipb_sdp_result r;
	/* the answer to our offer with content: its lines are where we put them */
	int rc = call->content_offered
		? sipb_sdp_negotiate_answer(sip->sip_payload->pl_data, sip->sip_payload->pl_len,
			call->offer_slides_mline, call->offer_bfcp_mline, &r)
		: sipb_sdp_negotiate(sip->sip_payload->pl_data, sip->sip_payload->pl_len, &r);
	if (rc < 0)
		return 488;
	if (call->srtp_required) {
		/* SRTP on TLS calls: no plain audio; plain video is declined (port 0). */
		if (r.m[r.audio].crypto[0] == '\0') {
			vmr_log(VMR_LOG_WARN,
				"[sipbridge] call %" G_GUINT64_FORMAT
				" from %s: plain RTP on a TLS call, SRTP is required "
				"(sip_tls_require_srtp): 488",
				call->member.id, call->source);
			return 488;
		}
		if (r.video >= 0 && r.m[r.video].crypto[0] == '\0') {
			r.m[r.video].accepted = 0;
			r.video = -1;
		}
	}
	sipb_media_stream a, v;
	sipb_sdp_to_stream(&r.m[r.audio], &a);
	sipb_sdp_to_stream(r.video >= 0 ? &r.m[r.video] : NULL, &v);
	rc = sipb_media_set_streams(call->media, &a, r.video >= 0 ? &v : NULL);
	if (rc < 0)
		return 488;
	sipb_call_content_negotiated(call, sip->sip_payload->pl_data, sip->sip_payload->pl_len, &r);
	g_mutex_lock(&call->ua->lock);
	call->sdp = r;
	g_mutex_unlock(&call->ua->lock);
	sipb_media_hold(call->media, sipb_sdp_is_hold(&r));
	return 0;
}

/* An answered incoming call goes on: to the room (or its PIN) when it was dialled by address,
 * else to the lobby's meeting number. */
static void call_proceed(sipb_call *call)
{
	if (call->room_address != NULL) {
		ask_pin_or_join(call);
	} else {
		set_state(call, SIPB_CALL_LOBBY);
		sipb_ivr_set_length(&call->ivr, SIPB_MEETING_NUMBER_DIGITS);
		sipb_media_play_prompt(call->media, "enter_number", 1);
	}
}

/* The ACK of a 200 that carried our offer: the answer must be in it (RFC 3261 §13.2.1); else
 * there is no session to speak of, and the call ends with a BYE. 0 when it was taken. */
static int answer_from_ack(sipb_call *call, const sip_t *sip)
{
	int first = call->answer_in_ack == 1;
	call->answer_in_ack = 0;
	const char *why = body_of(sip) == BODY_NONE ? "no SDP answer in the ACK"
		: apply_sdp(call, sip) != 0         ? "no acceptable SDP answer in the ACK"
						    : NULL;
	if (why != NULL) {
		vmr_log(VMR_LOG_WARN,
			"[sipbridge] call %" G_GUINT64_FORMAT " from %s: %s to our offer (%s): BYE",
			call->member.id, call->source, why, first ? "delayed offer" : "re-INVITE");
		sipb_call_hangup(call, why);
		return -EPROTO;
	}
	if (first)
		call_proceed(call);
	return 0;
}

/* ---- incoming calls ---------------------------------------------------------------------- */

static char *lower(const char *s)
{
	return s ? g_ascii_strdown(s, -1) : NULL;
}

/* Did the request come over TLS? Its top Via names the transport of the last hop, the one it
 * reached us on; a sips: Request-URI asks for TLS all the way (RFC 3261 §26.2.2). A caller
 * who lies in its Via only changes what its own call requires. */
int sipb_call_came_over_tls(const sip_t *sip)
{
	if (sip == NULL)
		return 0;
	if (sip->sip_request && sip->sip_request->rq_url->url_type == url_sips)
		return 1;
	return sip->sip_via && sip->sip_via->v_protocol
		&& !g_ascii_strcasecmp(sip->sip_via->v_protocol, "SIP/2.0/TLS");
}

static void respond_and_drop(nua_handle_t *nh, int status, const char *phrase)
{
	nua_respond(nh, status, phrase, TAG_END());
	nua_handle_destroy(nh);
}

void sipb_call_incoming(
	sipb_ua *ua, nua_handle_t *nh, const sip_t *sip, const char *source_ip, int source_port)
{
	if (ua->shutting_down) {
		respond_and_drop(nh, SIP_503_SERVICE_UNAVAILABLE);
		return;
	}
	/* Each call costs four sockets, an eventfd and a thread, and anyone may INVITE: cap the
	 * calls per source address (486, as a busy phone) and in all (503 with Retry-After,
	 * RFC 3261 §21.5.4), before anything is allocated. */
	char client_ip[64];
	sipb_ua_client_ip(ua, sip, source_ip, client_ip, sizeof(client_ip));
	guint total = 0, mine = 0;
	g_mutex_lock(&ua->lock);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const sipb_call *c = v;
		total++;
		if (!c->outgoing && c->client_ip != NULL && !strcmp(c->client_ip, client_ip))
			mine++;
	}
	g_mutex_unlock(&ua->lock);
	if (total >= (guint)ua->cfg.max_calls) {
		vmr_log(VMR_LOG_WARN,
			"[sipbridge] INVITE from %s refused: %u calls, the limit (503)", source_ip,
			total);
		nua_respond(
			nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR("30"), TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	/* (a trusted proxy's calls count by the caller's address it names, if it names one) */
	if (mine >= (guint)ua->cfg.max_calls_per_source
		&& (strcmp(client_ip, source_ip) != 0
			|| !sipb_ua_is_trusted_proxy(ua, source_ip))) {
		vmr_log(VMR_LOG_WARN,
			"[sipbridge] INVITE from %s refused: %u calls from that address, the limit "
			"(486)",
			source_ip, mine);
		respond_and_drop(nh, SIP_486_BUSY_HERE);
		return;
	}
	const url_t *ru = sip && sip->sip_request ? sip->sip_request->rq_url : NULL;
	if (ru == NULL) {
		respond_and_drop(nh, SIP_400_BAD_REQUEST);
		return;
	}
	body_kind body = body_of(sip);
	if (body == BODY_OTHER) {
		vmr_log(VMR_LOG_WARN,
			"[sipbridge] INVITE from %s with a body that is not application/sdp: 415",
			source_ip);
		respond_415(nh);
		nua_handle_destroy(nh);
		return;
	}
	char *user = lower(ru->url_user);
	int lobby = user == NULL || user[0] == '\0'
		|| (ua->cfg.lobby_user && !strcmp(user, ua->cfg.lobby_user));
	vmr_room room;
	memset(&room, 0, sizeof(room));
	int found = 0;
	if (!lobby) {
		found = vmr_room_name_is_valid(user) || g_str_has_suffix(user, ".join")
			? vmr_store_room_get_by_address(ua->store, user, &room) == 0
			: 0;
		if (!found && strlen(user) == 6 && strspn(user, "0123456789") == 6)
			found = vmr_store_room_get_by_number(ua->store, atoi(user), &room) == 0;
	}
	if (!lobby && !found) {
		vmr_log(VMR_LOG_WARN, "[sipbridge] INVITE from %s to unknown room %s: 404",
			source_ip, user);
		g_free(user);
		respond_and_drop(nh, SIP_404_NOT_FOUND);
		return;
	}
	g_free(user);
	int retry_after_s = 0;
	if (found && vmr_admission_check(room.address, &retry_after_s) < 0) {
		/* The node is at its budget: the rooms running keep their quality (RFC 3261 §21.5.4). */
		char retry[16];
		g_snprintf(retry, sizeof(retry), "%d", retry_after_s);
		vmr_log(VMR_LOG_WARN,
			"[sipbridge] INVITE from %s to room %s refused: the node is at its budget "
			"(503)",
			source_ip, room.address);
		vmr_room_clear(&room);
		nua_respond(
			nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR(retry), TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	if (lobby) {
		char key[80];
		g_snprintf(key, sizeof(key), "src:%s", client_ip);
		if (vmr_ratelimit_check(ua->lobby_failures, key, g_get_monotonic_time(), NULL)
			== -EBUSY) {
			respond_and_drop(nh, 403, "Too many attempts");
			return;
		}
	}
	sipb_call *call = call_new(ua, nh, 0);
	call->srtp_required = ua->cfg.tls_require_srtp && sipb_call_came_over_tls(sip);
	if (sipb_call_came_over_tls(sip) && ru->url_type != url_sips && ua->cfg.tls_port > 0) {
		int v6 = strchr(ua->cfg.ip, ':') != NULL;
		call->tls_contact = g_strdup_printf("<sip:%s%s%s:%d;transport=tls>", v6 ? "[" : "",
			ua->cfg.ip, v6 ? "]" : "", ua->cfg.tls_port);
	}
	call->source_ip = g_strdup(source_ip);
	call->client_ip = g_strdup(client_ip);
	call->allows_refer = sipb_call_allows_refer(sip);
	call->source = g_strdup_printf("%s:%d", source_ip, source_port);
	if (sip->sip_from != NULL) {
		char *u = url_as_string(NULL, sip->sip_from->a_url);
		call->caller = g_strdup(u);
		su_free(NULL, u);
		const char *dn = sip->sip_from->a_display;
		call->display = dn && dn[0] && g_utf8_validate(dn, -1, NULL)
			? g_strndup(dn, 64)
			: g_strdup(sip->sip_from->a_url->url_user ? sip->sip_from->a_url->url_user
								  : source_ip);
		/* a quoted display name arrives with its quotes */
		if (call->display[0] == '"') {
			char *d = g_strndup(call->display + 1,
				strlen(call->display) > 1 ? strlen(call->display) - 2 : 0);
			g_free(call->display);
			call->display = d;
		}
	} else {
		call->caller = g_strdup("?");
		call->display = g_strdup(source_ip);
	}
	if (!g_utf8_validate(call->caller, -1, NULL) || strlen(call->caller) > 255
		|| strpbrk(call->caller, "\r\n")) {
		g_free(call->caller);
		call->caller = g_strdup("?");
	}
	if (found) {
		set_room(call, &room, VMR_CALL_ADDRESS);
		vmr_room_clear(&room);
	} else {
		call->via = VMR_CALL_LOBBY;
	}
	int status = media_create(call) < 0 ? 500 : body == BODY_NONE ? 0 : apply_sdp(call, sip);
	if (status != 0) {
		set_cause(call, status == 488 ? "no acceptable media" : "media failed");
		set_state(call, SIPB_CALL_ENDING);
		nua_respond(nh, status,
			status == 488 ? "Not Acceptable Here" : "Server Internal Error", TAG_END());
		return; /* the handle terminates: call_destroy */
	}
	/* No SDP: a delayed offer (RFC 3261 §13.2.1, Cisco CUCM's default). Our offer goes in
	 * the 200; the call goes on when the ACK brings the answer. */
	char *sdp = body == BODY_NONE ? make_offer(call, 0) : make_answer(call);
	nua_respond(nh, SIP_200_OK, NUTAG_MEDIA_ENABLE(0),
		TAG_IF(call->tls_contact != NULL, SIPTAG_CONTACT_STR(call->tls_contact)),
		SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	g_free(sdp);
	vmr_store_call_start(ua->store, call->caller, call->source, call->room_address, call->via,
		call->started_at, &call->log_id);
	vmr_metrics_inc(VMR_METRIC_SIP_CALLS);
	call_oplog(call, "call_setup", "answered");
	vmr_log(VMR_LOG_INFO, "[sipbridge] call %" G_GUINT64_FORMAT " from %s (%s) answered: %s%s",
		call->member.id, call->caller, call->source, found ? call->room_address : "lobby",
		body == BODY_NONE ? " (delayed offer)" : "");
	if (body == BODY_NONE)
		call->answer_in_ack = 1;
	else
		call_proceed(call);
}

static void reinvite(sipb_call *call, const sip_t *sip)
{
	if (call->state == SIPB_CALL_ENDING) {
		nua_respond(call->nh, SIP_481_NO_TRANSACTION, TAG_END());
		return;
	}
	body_kind body = body_of(sip);
	if (body == BODY_OTHER) {
		respond_415(call->nh); /* the session stays as it was */
		return;
	}
	if (body == BODY_NONE) {
		/* A re-INVITE without SDP asks for our offer (RFC 3261 §14.2); the answer comes in
		 * the ACK. */
		char *offer = make_offer(call, 1);
		nua_respond(call->nh, SIP_200_OK, NUTAG_MEDIA_ENABLE(0),
			SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(offer),
			TAG_END());
		g_free(offer);
		call->answer_in_ack = 2;
		return;
	}
	int status = apply_sdp(call, sip);
	if (status != 0) {
		/* RFC 3261 §14.2: a failed re-INVITE leaves the session as it was */
		nua_respond(call->nh, status, "Not Acceptable Here", TAG_END());
		return;
	}
	char *answer = make_answer(call);
	nua_respond(call->nh, SIP_200_OK, NUTAG_MEDIA_ENABLE(0),
		SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(answer), TAG_END());
	g_free(answer);
}

/* ---- dial-out ------------------------------------------------------------------------------- */

static gboolean ring_timeout(gpointer data)
{
	sipb_call *call = data;
	call->ring_timer = 0;
	if (call->state == SIPB_CALL_RINGING)
		sipb_call_hangup(call, "no answer");
	return G_SOURCE_REMOVE;
}

int sipb_call_dialout(sipb_ua *ua, const char *contact, const char *username, const vmr_room *room,
	uint64_t fork_id)
{
	char *from = g_strdup_printf("<sip:%s@%s>", room->address, ua->cfg.domain);
	char *to = g_strdup_printf("<sip:%s@%s>", username, ua->cfg.domain);
	/* Several nodes: devices register through Kamailio, so they are called through it too
	 * (a preloaded Route, RFC 3261 §8.1.2; docs/scale-out.md rule 2): a phone that takes
	 * calls only from its proxy takes this one, and the dialog is Kamailio's like any other. */
	char *route = ua->cfg.cluster_proxy ? g_strdup_printf("<sip:%s;lr>", ua->cfg.cluster_proxy)
					    : NULL;
	nua_handle_t *nh = nua_handle(ua->nua, NULL, NUTAG_URL(contact), SIPTAG_TO_STR(to),
		SIPTAG_FROM_STR(from), TAG_IF(route != NULL, NUTAG_INITIAL_ROUTE_STR(route)),
		TAG_END());
	g_free(from);
	g_free(to);
	g_free(route);
	if (nh == NULL)
		return -EINVAL;
	sipb_call *call = call_new(ua, nh, 1);
	call->fork_id = fork_id;
	call->caller = g_strdup(contact);
	call->display = g_strdup(username);
	call->source = g_strdup(contact);
	call->source_ip = g_strdup("");
	call->client_ip = g_strdup("");
	set_room(call, room, VMR_CALL_DIALOUT);
	set_state(call, SIPB_CALL_RINGING);
	if (media_create(call) < 0) {
		call_destroy(call);
		return -EIO;
	}
	sipb_sdp_local local = {
		.ip = ua->cfg.media_ip,
		.audio_port = sipb_media_local_port(call->media, 0),
		.video_port = sipb_media_local_port(call->media, 1),
		.session_id = call->sdp_session,
		.version = ++call->sdp_version,
	};
	sipb_call_content_offer(call, &local);
	char *offer = sipb_sdp_offer(&local);
	nua_invite(nh, NUTAG_MEDIA_ENABLE(0), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		SIPTAG_PAYLOAD_STR(offer), TAG_END());
	g_free(offer);
	vmr_store_call_start(ua->store, call->caller, call->source, call->room_address,
		VMR_CALL_DIALOUT, call->started_at, &call->log_id);
	call_oplog(call, "call_setup", "dialling");
	/* on the UA's own context (g_timeout_add would use the global default one) */
	GSource *t = g_timeout_source_new_seconds((guint)ua->cfg.dialout_ring_s);
	g_source_set_callback(t, ring_timeout, call, NULL);
	call->ring_timer = g_source_attach(t, ua->ctx);
	g_source_unref(t);
	vmr_log(VMR_LOG_INFO, "[sipbridge] dialling %s (%s) into room %s", contact, username,
		room->address);
	return 0;
}

/* One device of a forked dial-out answered: the others stop ringing, with a CANCEL that says
 * why (RFC 3326 Reason, cause 200: phones then log no missed call). */
static void cancel_fork_siblings(sipb_call *winner)
{
	sipb_ua *ua = winner->ua;
	GList *losers = NULL;
	g_mutex_lock(&ua->lock);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		sipb_call *c = v;
		if (c != winner && c->outgoing && c->fork_id == winner->fork_id
			&& c->state == SIPB_CALL_RINGING)
			losers = g_list_prepend(losers, c);
	}
	g_mutex_unlock(&ua->lock);
	for (GList *l = losers; l != NULL; l = l->next) {
		sipb_call *c = l->data;
		vmr_log(VMR_LOG_INFO,
			"[sipbridge] dial-out to %s answered by %s: cancelling the call to %s",
			c->display, winner->caller, c->caller);
		set_cause(c, "answered elsewhere");
		set_state(c, SIPB_CALL_ENDING);
		nua_cancel(c->nh,
			SIPTAG_REASON_STR("SIP;cause=200;text=\"Call completed elsewhere\""),
			TAG_END());
	}
	g_list_free(losers);
}

static void outgoing_answered(sipb_call *call, int status, const sip_t *sip)
{
	if (status < 200 || call->state != SIPB_CALL_RINGING)
		return;
	if (call->ring_timer) {
		g_source_destroy(g_main_context_find_source_by_id(call->ua->ctx, call->ring_timer));
		call->ring_timer = 0;
	}
	if (status >= 300) {
		char cause[48];
		g_snprintf(cause, sizeof(cause), "declined %d", status);
		set_cause(call, cause);
		set_state(call, SIPB_CALL_ENDING);
		return; /* nua terminates the handle */
	}
	/* The device answered: it has the call, whatever its SDP (a 2xx is an answered phone). */
	if (call->fork_id != 0)
		cancel_fork_siblings(call);
	if (apply_sdp(call, sip) != 0) {
		sipb_call_hangup(call, "no acceptable media");
		return;
	}
	sipb_call_hosts_enter(call); /* (the owner's own device: a host) */
}

/* ---- events --------------------------------------------------------------------------------- */

void sipb_call_event(sipb_call *call, nua_event_t event, int status, const char *phrase,
	const sip_t *sip, tagi_t tags[])
{
	(void)phrase;
	switch (event) {
	case nua_i_invite: reinvite(call, sip); break;
	case nua_r_invite:
		if (call->outgoing)
			outgoing_answered(call, status, sip);
		break;
	case nua_i_ack:
		if (call->answer_in_ack && answer_from_ack(call, sip) < 0)
			break;
		/* The caller got our 200 at the address it signalled from: media may flow now (to
		 * the SDP address when it is that host; behind a trusted proxy, the caller's own
		 * address the proxy named, sipb_ua_client_ip). */
		if (call->media != NULL && !call->outgoing)
			sipb_media_start(call->media, call->client_ip);
		break;
	case nua_i_info: {
		if (sip == NULL || sip->sip_payload == NULL || sip->sip_content_type == NULL)
			break;
		if (sipb_media_control_is_fast_update(sip->sip_content_type->c_type,
			    sip->sip_payload->pl_data, sip->sip_payload->pl_len)) {
			if (call->media != NULL)
				sipb_media_keyframe_request(call->media);
			break;
		}
		char key = sipb_ivr_key_from_info(sip->sip_content_type->c_type,
			sip->sip_payload->pl_data, sip->sip_payload->pl_len);
		if (key)
			sipb_call_key(call, key);
		break;
	}
	case nua_r_refer: sipb_call_refer_answered(call, status); break;
	case nua_i_bye:
		set_cause(call, "bye from caller");
		set_state(call, SIPB_CALL_ENDING);
		break;
	case nua_i_cancel:
		set_cause(call, "cancelled by caller");
		set_state(call, SIPB_CALL_ENDING);
		break;
	case nua_i_state: {
		int cs = nua_callstate_init;
		tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
		if (cs == nua_callstate_terminated)
			call_destroy(call);
		break;
	}
	default: break;
	}
}
