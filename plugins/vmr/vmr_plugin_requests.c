/*
 * vmr_plugin_requests.c - what janus.plugin.vmr's worker thread does with each request: the
 * SDP answer and the MCU join, room and account management through vmr_service, and the
 * notifications that follow (joined/left, guest_joined to the owner, revoked guests removed,
 * layout changes). Runs on the worker thread only (and vmr_mail_result on the mailer's).
 */
#include <errno.h>
#include <string.h>

#include "debug.h"
#include "sdp-utils.h"
#include "rtp.h"

#include "mcu_opus_rtp.h"
#include "vmr_admission.h"
#include "vmr_dialout.h"
#include "vmr_metrics.h"
#include "vmr_plugin_ops.h"
#include "vmr_turn.h"
#include "vmr_plugin_priv.h"
#include "vmr_store.h"

/* Whether the offer's Opus format on m-line `index` says useinbandfec=1 (RFC 7587 §6.1):
 * browsers do, and then the mix they get carries in-band FEC. */
static bool offer_opus_fec(janus_sdp *offer, int index)
{
	int pt = janus_sdp_get_codec_pt(offer, index, "opus");
	return pt > 0 && mcu_opus_fmtp_inband_fec(janus_sdp_get_fmtp(offer, index, pt));
}

/* Builds our answer to a browser's offer: Opus audio and VP8 video, send and receive, a
 * content stream (vmr_plugin_content.h) when offered, everything else rejected. Returns the
 * answer SDP text (g_free) or NULL with *reason; *content says what the content stream is;
 * sc: the camera's simulcast layers (vmr_simulcast.h); *opus_fec: the browser can use Opus
 * in-band FEC. */
static char *answer_offer(const char *offer_sdp, int *audio_pt, bool *opus_fec, int *video_pt,
	const vmr_simulcast *sc, vmr_content_sdp *content, int *code, const char **reason)
{
	*opus_fec = false;
	memset(content, 0, sizeof(*content));
	content->mindex = content->video_mindex = -1;
	char error[256] = "";
	janus_sdp *offer = janus_sdp_parse(offer_sdp, error, sizeof(error));
	if (offer == NULL) {
		*code = VMR_ERROR_INVALID_SDP;
		*reason = "invalid SDP offer";
		JANUS_LOG(LOG_WARN, "[vmr] invalid SDP offer: %s\n", error);
		return NULL;
	}
	janus_sdp *answer = janus_sdp_generate_answer(offer);
	gboolean have_audio = FALSE, have_video = FALSE;
	int content_index = vmr_content_pick_mline(offer);
	for (GList *l = offer->m_lines; l; l = l->next) {
		janus_sdp_mline *m = l->data;
		if (m->index == content_index) {
			vmr_content_answer_mline(offer, answer, m, content);
		} else if (m->type == JANUS_SDP_AUDIO && !have_audio
			&& janus_sdp_get_codec_pt(offer, m->index, "opus") > 0) {
			have_audio = TRUE;
			*opus_fec = offer_opus_fec(offer, m->index);
			janus_sdp_generate_answer_mline(offer, answer, m, JANUS_SDP_OA_MLINE,
				JANUS_SDP_AUDIO, JANUS_SDP_OA_CODEC, "opus", JANUS_SDP_OA_DIRECTION,
				JANUS_SDP_SENDRECV,
				/* RFC 6464: the browser tells us each packet's level, we need not decode to know */
				JANUS_SDP_OA_ACCEPT_EXTMAP, JANUS_RTP_EXTMAP_AUDIO_LEVEL,
				JANUS_SDP_OA_DONE);
		} else if (m->type == JANUS_SDP_VIDEO && !have_video
			&& janus_sdp_get_codec_pt(offer, m->index, "vp8") > 0) {
			have_video = TRUE;
			content->video_mindex = m->index;
			/* Simulcast (vmr_simulcast.h): the rid and mid extensions tell the layers apart. */
			if (sc->layers > 0)
				janus_sdp_generate_answer_mline(offer, answer, m,
					JANUS_SDP_OA_MLINE, JANUS_SDP_VIDEO, JANUS_SDP_OA_CODEC,
					"vp8", JANUS_SDP_OA_DIRECTION, JANUS_SDP_SENDRECV,
					JANUS_SDP_OA_ACCEPT_EXTMAP, JANUS_RTP_EXTMAP_MID,
					JANUS_SDP_OA_ACCEPT_EXTMAP, JANUS_RTP_EXTMAP_RID,
					JANUS_SDP_OA_ACCEPT_EXTMAP, JANUS_RTP_EXTMAP_REPAIRED_RID,
					/* the core's feedback lets the browser's bandwidth estimate grow
					 * to where it sends the larger layers */
					JANUS_SDP_OA_ACCEPT_EXTMAP,
					JANUS_RTP_EXTMAP_TRANSPORT_WIDE_CC, JANUS_SDP_OA_DONE);
			else
				janus_sdp_generate_answer_mline(offer, answer, m,
					JANUS_SDP_OA_MLINE, JANUS_SDP_VIDEO, JANUS_SDP_OA_CODEC,
					"vp8", JANUS_SDP_OA_DIRECTION, JANUS_SDP_SENDRECV,
					JANUS_SDP_OA_DONE);
		} else {
			janus_sdp_generate_answer_mline(offer, answer, m, JANUS_SDP_OA_MLINE,
				m->type, JANUS_SDP_OA_ENABLED, FALSE, JANUS_SDP_OA_DONE);
		}
	}
	char *text = NULL;
	if (!have_audio && !have_video) {
		*code = VMR_ERROR_UNSUPPORTED_MEDIA;
		*reason = "the offer has neither Opus audio nor VP8 video";
	} else {
		*audio_pt = have_audio ? janus_sdp_get_codec_pt(answer, -1, "opus") : 0;
		*video_pt = have_video ? janus_sdp_get_codec_pt(answer, -1, "vp8") : 0;
		text = janus_sdp_write(answer);
	}
	janus_sdp_destroy(offer);
	janus_sdp_destroy(answer);
	return text;
}

static void reply_error_retry(vmr_message *msg, int code, const char *reason, int retry_after_s)
{
	json_t *event = vmr_error_json(code, reason);
	if (code == VMR_ERROR_TOO_MANY_ATTEMPTS || code == VMR_ERROR_NODE_FULL)
		json_object_set_new(event, "retry_after", json_integer(retry_after_s));
	vmr_gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
	/* The core has taken the refused offer: reset the PeerConnection so that the client can
	 * try again (say, with the right PIN) on the same handle. */
	if (msg->jsep != NULL) {
		janus_mutex_lock(&msg->session->mutex);
		gboolean in_room = msg->session->room != NULL;
		janus_mutex_unlock(&msg->session->mutex);
		if (!in_room)
			vmr_gateway->close_pc(msg->session->handle);
	}
}

static void reply_error(vmr_message *msg, int code, const char *reason)
{
	reply_error_retry(msg, code, reason, 0);
}

/* Worker thread (a session's client is the worker's): sends `event` (borrowed) to every
 * handle whose login as `account_id` is still live (not logged out elsewhere, not expired;
 * the cached account id alone is never trusted), except those in room `except_room` (NULL:
 * none excepted). Returns how many got it. */
static int notify_account(int64_t account_id, const char *except_room, json_t *event)
{
	session_filter f = { .account_id = account_id, .except_room = except_room };
	GList *targets = account_id ? sessions_matching(&f) : NULL;
	int n = 0;
	for (GList *l = targets; l; l = l->next) {
		vmr_session *s = l->data;
		if (!vmr_service_client_is(vmr_svc, &s->client, account_id))
			continue;
		vmr_gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
		n++;
	}
	sessions_release(targets);
	return n;
}

/* notify_account from any thread: queued for the worker. */
typedef struct account_note {
	int64_t account_id;
	json_t *event;
} account_note;

static void account_note_run(void *data)
{
	account_note *note = data;
	notify_account(note->account_id, NULL, note->event);
}

static void account_note_free(void *data)
{
	account_note *note = data;
	json_decref(note->event);
	g_free(note);
}

/* Steals event. */
static void notify_account_later(int64_t account_id, json_t *event)
{
	account_note *note = g_new0(account_note, 1);
	note->account_id = account_id;
	note->event = event;
	worker_run(account_note_run, note, account_note_free);
}

/* vmr_pinguard lock hook, on whichever thread entered the last wrong PIN (a vmr worker or
 * the SIP bridge's loop): PIN entry to a room was locked; log it and tell the owner's open
 * pages, which may share an invitation link meanwhile (the owner needs no PIN). */
void vmr_pin_locked(void *opaque, const char *address, int lock_s, unsigned failures)
{
	(void)opaque;
	if (!g_atomic_int_get(&vmr_initialized) || g_atomic_int_get(&vmr_stopping))
		return;
	JANUS_LOG(LOG_WARN, "[vmr] PIN entry to %s locked for %d s after %u wrong PINs\n", address,
		lock_s, failures);
	vmr_room room;
	if (vmr_store_room_get_by_address(vmr_service_store(vmr_svc), address, &room) != 0)
		return;
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "pin_locked",
		json_pack("{sssisi}", "room", address, "retry_after", lock_s, "failures",
			(int)failures));
	notify_account_later(room.owner_id, event);
	vmr_room_clear(&room);
}

/* Is the owner of a room in it right now (logged in, live)? Worker thread. */
static gboolean account_in_room(int64_t account_id, const char *address)
{
	session_filter f = { .account_id = account_id, .room = address };
	GList *found = account_id ? sessions_matching(&f) : NULL;
	gboolean in = FALSE;
	for (GList *l = found; l && !in; l = l->next)
		in = vmr_service_client_is(vmr_svc, &((vmr_session *)l->data)->client, account_id);
	sessions_release(found);
	return in;
}

/* Mailer thread: tell the owner's open pages how the invitation mail went. */
void vmr_mail_result(
	void *opaque, int64_t owner_id, int64_t invitation_id, int result, const char *error)
{
	(void)opaque;
	if (!g_atomic_int_get(&vmr_initialized) || g_atomic_int_get(&vmr_stopping))
		return;
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_t *m = json_object();
	json_object_set_new(m, "invitation", json_integer(invitation_id));
	json_object_set_new(m, "sent", json_boolean(result == 0));
	if (result != 0)
		json_object_set_new(m, "error", json_string(error ? error : "unknown error"));
	json_object_set_new(event, "mail", m);
	if (result != 0)
		JANUS_LOG(LOG_WARN, "[vmr] invitation %" SCNi64 " mail failed: %s\n", invitation_id,
			error ? error : "?");
	notify_account_later(owner_id, event);
}

/* A guest came in, of any kind (browser, SIP dial-in or lobby, plain RTP): the owner's open
 * web sessions hear of it at once and, with "receive a call" on, the SIP bridge calls the
 * owner's registered device into the room. Driven by the rooms registry (every participant
 * joins through it; the owner's own page or device is no guest and never comes here), run
 * on the worker. */
typedef struct guest_note {
	char *address;
	char *display;
	int is_sip;
	int64_t invitation_id;
} guest_note;

static void guest_note_free(void *data)
{
	guest_note *g = data;
	g_free(g->address);
	g_free(g->display);
	g_free(g);
}

static void guest_note_run(void *data)
{
	const guest_note *guest = data;
	vmr_room room;
	if (vmr_store_room_get_by_address(vmr_service_store(vmr_svc), guest->address, &room) != 0)
		return;
	if (room.owner_id == 0 || account_in_room(room.owner_id, room.address)) {
		vmr_room_clear(&room);
		return;
	}
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_t *g = json_object();
	json_object_set_new(g, "room", json_string(room.address));
	json_object_set_new(g, "display", json_string(guest->display));
	json_object_set_new(g, "how",
		json_string(guest->invitation_id ? "invitation"
				: room.pin       ? "pin"
						 : "room"));
	json_object_set_new(g, "sip", json_boolean(guest->is_sip));
	if (guest->invitation_id)
		json_object_set_new(g, "invitation", json_integer(guest->invitation_id));
	json_object_set_new(event, "guest_joined", g);
	int n = notify_account(room.owner_id, room.address, event);
	json_decref(event);
	JANUS_LOG(LOG_INFO, "[vmr] guest %s joined %s%s: told %d open session(s) of the owner\n",
		guest->display, room.address, guest->is_sip ? " by SIP" : "", n);
	if (room.receive_call) {
		vmr_account owner;
		if (vmr_store_account_get(vmr_service_store(vmr_svc), room.owner_id, &owner) == 0) {
			int rc = vmr_dialout_request(owner.id, owner.username, room.address);
			if (rc == 0)
				JANUS_LOG(LOG_INFO,
					"[vmr] asked the SIP bridge to call %s's device into %s\n",
					owner.username, room.address);
			else
				JANUS_LOG(LOG_WARN, "[vmr] cannot call %s's device into %s: %s\n",
					owner.username, room.address,
					rc == -ENOENT             ? "no registered device"
						: rc == -ENOTSUP  ? "no SIP bridge loaded"
						: rc == -EPERM    ? "not the owner's room"
						: rc == -EALREADY ? "rang it less than a minute ago"
								  : g_strerror(-rc));
			vmr_account_clear(&owner);
		}
	}
	vmr_room_clear(&room);
}

/* The rooms registry's guest_joined (vmr_rooms.h), on whichever thread added the guest. */
void vmr_guest_joined(void *opaque, const char *address, uint64_t id, const char *display,
	int is_sip, int64_t invitation_id)
{
	(void)opaque;
	(void)id;
	guest_note *g = g_new0(guest_note, 1);
	g->address = g_strdup(address);
	g->display = g_strdup(display);
	g->is_sip = is_sip;
	g->invitation_id = invitation_id;
	worker_run(guest_note_run, g, guest_note_free);
}

/* Removes from their room everyone who joined with a revoked/deleted invitation. */
static void kick_invitation(int64_t invitation_id)
{
	session_filter f = { .invitation_id = invitation_id };
	GList *targets = sessions_matching(&f);
	for (GList *l = targets; l; l = l->next) {
		vmr_session *s = l->data;
		json_t *event = json_pack("{sssssi}", "vmr", "event", "kicked",
			"invitation revoked", "error_code", VMR_ERROR_INVALID_INVITATION);
		vmr_gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
		json_decref(event);
		vmr_metrics_inc(VMR_METRIC_KICKED);
		vmr_ops_event(s, "kicked", s->room_name, "invitation revoked");
		vmr_session_leave(s);
		s->invitation_id = 0;
		vmr_gateway->close_pc(s->handle);
	}
	sessions_release(targets);
}

/* Join, step 1: the session is not in a room yet, brought an offer and may enter the room.
 * 0 with *grant filled and *sdp (borrowed from msg->jsep), or -1 after replying the error. */
static int join_authorize(
	vmr_message *msg, const vmr_request *req, vmr_join_grant *grant, const char **sdp)
{
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	gboolean joined = s->room != NULL;
	janus_mutex_unlock(&s->mutex);
	if (joined) {
		reply_error(msg, VMR_ERROR_ALREADY_JOINED, "already in a room");
		return -1;
	}
	const char *type = msg->jsep ? json_string_value(json_object_get(msg->jsep, "type")) : NULL;
	*sdp = msg->jsep ? json_string_value(json_object_get(msg->jsep, "sdp")) : NULL;
	if (type == NULL || strcmp(type, "offer") != 0 || *sdp == NULL) {
		reply_error(msg, VMR_ERROR_MISSING_ELEMENT, "join needs a JSEP offer");
		return -1;
	}
	const char *reason = NULL;
	int code = vmr_service_authorize_join(vmr_svc, &s->client, req, grant, &reason);
	if (code != VMR_OK) {
		JANUS_LOG(LOG_WARN, "[vmr] join refused for participant %" SCNu64 " (%s): %d %s\n",
			s->id, s->client.source, code, reason);
		if (code == VMR_ERROR_NO_SUCH_ROOM) /* a wrong PIN, or a room that isn't there */
			vmr_ops_event(s, "pin_failure", vmr_request_string(req, "room"), reason);
		reply_error_retry(msg, code, reason, grant->retry_after_s);
		return -1;
	}
	return 0;
}

/* Join, step 2: the room's MCU (started on first use) and our participant in it. VMR_OK with
 * *mroom (a vmr_rooms reference) and *part (the session holds one more reference, the io's),
 * or an error code with *reason. */
static int join_mcu(vmr_session *s, const vmr_join_grant *grant, const char *display, int audio_pt,
	bool opus_fec, int video_pt, mcu_room **mroom, mcu_participant **part, const char **reason)
{
	int err = 0;
	*mroom = vmr_rooms_acquire_placed(grant->room.address, grant->room.layout, &err);
	if (*mroom == NULL) {
		*reason = err == -EREMOTE ? "room is on another node"
					  : "cannot start the room's MCU";
		return err == -EREMOTE ? VMR_ERROR_ELSEWHERE : VMR_ERROR_INTERNAL;
	}
	janus_refcount_increase(&s->ref); /* the io's reference */
	mcu_participant_io io = { .opaque = s,
		.send_rtp = vmr_io_send_rtp,
		.request_keyframe = io_request_keyframe,
		.request_content_keyframe = vmr_content_io_request_keyframe };
	mcu_participant_opts opts;
	mcu_participant_opts_defaults(&opts);
	opts.display = display;
	opts.audio_codec = MCU_AUDIO_OPUS;
	opts.audio_pt = (uint8_t)audio_pt;
	opts.opus_fec = opus_fec;
	opts.video_pt = (uint8_t)video_pt;
	*part = mcu_room_join(*mroom, &opts, &io);
	if (*part == NULL) {
		janus_refcount_decrease(&s->ref);
		vmr_rooms_release(*mroom);
		*reason = "cannot join the room's MCU";
		return VMR_ERROR_INTERNAL;
	}
	JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " receives Opus %s in-band FEC\n", s->id,
		opus_fec ? "with" : "without");
	return VMR_OK;
}

/* Join, step 3: the room's members and the session learn of the participant. FALSE when the
 * session was detached meanwhile: then the participant has left again and is released. */
static gboolean join_attach(vmr_session *s, const vmr_join_grant *grant, const char *display,
	mcu_room *mroom, mcu_participant *part)
{
	const char *address = grant->room.address;
	/* The others in the room hear `joined` (we are not in their list yet: no echo to us). */
	vmr_member_role role = { .is_owner = grant->is_owner,
		.invitation_id = grant->invitation_id };
	vmr_rooms_member_add_as(
		mroom, s->id, display, &role); /* a guest: the owner hears guest_joined */
	janus_mutex_lock(&sessions_mutex);
	janus_mutex_lock(&s->mutex);
	/* Detached while we were joining (vmr_destroy_session marks first, under sessions_mutex):
	 * nobody would ever take this participant out again, so leave at once. */
	gboolean gone = g_atomic_int_get(&s->destroyed);
	if (!gone) {
		s->room = mroom;
		s->part = part;
		s->room_name = g_strdup(address);
		s->room_id = grant->room.id;
		s->invitation_id = grant->invitation_id;
		g_free(s->display);
		s->display = g_strdup(display);
	}
	janus_mutex_unlock(&s->mutex);
	janus_mutex_unlock(&sessions_mutex);
	if (gone) {
		mcu_room_leave(mroom, part);
		mcu_participant_unref(part);
		janus_refcount_decrease(&s->ref); /* the io's reference */
		vmr_rooms_member_remove(mroom, s->id);
		vmr_rooms_release(mroom);
		JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " detached while joining %s\n",
			s->id, address);
		return FALSE;
	}
	return TRUE;
}

/* TURN credentials for this participant (tag: its id, which coturn's log then shows), or NULL
 * when TURN is not configured. */
static json_t *turn_servers(const vmr_session *s)
{
	char tag[24];
	g_snprintf(tag, sizeof(tag), "%" G_GUINT64_FORMAT, s->id);
	return vmr_turn_ice_servers(tag);
}

/* Join, step 4: the `joined` event with the room's state, and our SDP answer. */
static void join_announce(vmr_session *s, const char *transaction, const vmr_join_grant *grant,
	const char *display, mcu_room *mroom, const char *answer, int audio_pt, int video_pt)
{
	const char *address = grant->room.address;
	int width = 0, height = 0;
	mcu_room_video_size(mroom, &width, &height);
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("joined"));
	json_object_set_new(event, "room", json_string(address));
	json_object_set_new(event, "room_name", json_string(grant->room.name));
	json_object_set_new(event, "layout", json_string(grant->room.layout));
	json_object_set_new(event, "id", json_integer((json_int_t)s->id));
	json_object_set_new(event, "display", json_string(display));
	json_t *video = json_object();
	json_object_set_new(video, "width", json_integer(width));
	json_object_set_new(video, "height", json_integer(height));
	json_object_set_new(event, "video", video);
	json_object_set_new(event, "participants", room_participants(address));
	uint64_t speaker = vmr_rooms_speaker(address);
	json_object_set_new(
		event, "speaker", speaker ? json_integer((json_int_t)speaker) : json_null());
	json_object_set_new(event, "content", vmr_content_presenter_json(address));
	json_t *ice = turn_servers(s);
	if (ice != NULL)
		json_object_set_new(event, "ice_servers", ice);
	json_object_set_new(event, "role", json_string(grant->is_host ? "host" : "guest"));
	json_object_set_new(event, "hosts", vmr_hosts_state(address, s->id));
	json_t *jsep = json_pack("{ssss}", "type", "answer", "sdp", answer);
	int ret = vmr_gateway->push_event(s->handle, &vmr_plugin, transaction, event, jsep);
	JANUS_LOG(LOG_INFO,
		"[vmr] %s (%" SCNu64 ") joined room %s (pt audio %d video %d): push_event %d\n",
		display, s->id, address, audio_pt, video_pt, ret);
	json_decref(event);
	json_decref(jsep);
}

/* A join held by vmr_hosts until a host lets it in (worker thread only). */
typedef struct vmr_pending_join {
	vmr_join_grant grant;
	char *display;
	char *how;
	char *offer;
	char *transaction;
} vmr_pending_join;

void vmr_pending_join_free(struct vmr_pending_join *p)
{
	if (p == NULL)
		return;
	vmr_join_grant_clear(&p->grant);
	g_free(p->display);
	g_free(p->how);
	g_free(p->offer);
	g_free(p->transaction);
	g_free(p);
}

/* How a participant came, as the hosts are told. */
static const char *join_how(const vmr_join_grant *grant, const vmr_request *req)
{
	const char *pin = vmr_request_string(req, "pin");
	return grant->invitation_id ? "link"
		: grant->is_owner   ? "owner"
		: grant->is_host    ? "host PIN"
		: pin && pin[0]     ? "PIN"
				    : "room address";
}

/* Join, steps 2-4, once the room may be entered: the MCU, the room's members, vmr_hosts, the
 * answer. An error is answered to transaction (and the offer refused: close_pc). */
static void join_enter(vmr_session *s, const char *transaction, const vmr_join_grant *grant,
	const char *display, const char *how, const char *offer)
{
	int audio_pt = 0, video_pt = 0, code = VMR_OK;
	bool opus_fec = false;
	const char *reason = NULL;
	mcu_room *mroom = NULL;
	mcu_participant *part = NULL;
	vmr_simulcast sc = s->sim_offer;
	vmr_content_sdp content;
	char *answer = answer_offer(
		offer, &audio_pt, &opus_fec, &video_pt, &sc, &content, &code, &reason);
	if (answer != NULL)
		code = join_mcu(
			s, grant, display, audio_pt, opus_fec, video_pt, &mroom, &part, &reason);
	if (code == VMR_OK && sc.layers > 0) {
		mcu_participant_set_layer_keyframe(part, vmr_simulcast_request_keyframe);
		JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " sends %d simulcast layers\n",
			s->id, sc.layers);
	}
	janus_mutex_lock(&s->mutex);
	s->sim = sc; /* before join_attach publishes s->part to the media path */
	janus_mutex_unlock(&s->mutex);
	if (code != VMR_OK) {
		json_t *event = vmr_error_json(code, reason);
		if (code == VMR_ERROR_ELSEWHERE)
			vmr_cluster_add_url(event, grant->room.address);
		vmr_gateway->push_event(s->handle, &vmr_plugin, transaction, event, NULL);
		json_decref(event);
		vmr_gateway->close_pc(s->handle);
	} else if (join_attach(s, grant, display, mroom, part)) {
		vmr_hosts_who who = { .id = s->id,
			.display = display,
			.how = how,
			.role = grant->is_host ? VMR_ROLE_HOST : VMR_ROLE_GUEST };
		vmr_hosts_ops ops;
		vmr_hosts_session_ops(s, &ops);
		vmr_hosts_settings settings = { .wait_for_host = grant->room.wait_for_host,
			.end_after_host_min = grant->room.end_after_host_min };
		vmr_hosts_joined(grant->room.address, &who, &settings, mroom, part, &ops);
		vmr_ops_joined(s, grant->room.address);
		vmr_content_negotiated(s, &content);
		join_announce(s, transaction, grant, display, mroom, answer, audio_pt, video_pt);
	}
	g_free(answer);
}

static void handle_join(vmr_message *msg, const vmr_request *req)
{
	vmr_session *s = msg->session;
	if (s->pending != NULL) {
		reply_error(msg, VMR_ERROR_ALREADY_JOINED, "already waiting to join a room");
		return;
	}
	vmr_join_grant grant;
	const char *sdp = NULL;
	s->kind = vmr_ops_kind(vmr_request_string(req, "client"));
	if (join_authorize(msg, req, &grant, &sdp) < 0)
		return;
	if (vmr_cluster_refuse_join(msg, grant.room.address)) {
		vmr_join_grant_clear(&grant);
		return;
	}
	/* Admission control: the rooms already running keep their quality. */
	int retry_after_s = 0;
	if (vmr_admission_check(grant.room.address, &retry_after_s) < 0) {
		JANUS_LOG(LOG_WARN,
			"[vmr] join of %s refused for participant %" SCNu64
			" (%s): the node is at its budget\n",
			grant.room.address, s->id, s->client.source);
		reply_error_retry(msg, VMR_ERROR_NODE_FULL, "this server is full, try again later",
			retry_after_s);
		vmr_join_grant_clear(&grant);
		return;
	}
	const char *display = vmr_request_string(req, "display");
	if (display == NULL)
		display = grant.guest_name ? grant.guest_name : "Guest";
	const char *how = join_how(&grant, req);
	vmr_simulcast_from_jsep(&s->sim_offer, msg->jsep); /* the core's reading of the offer */
	/* Hosts and guests (vmr_hosts.h): a guest may have to wait for a host, or knock. */
	vmr_hosts_settings settings = { .wait_for_host = grant.room.wait_for_host,
		.end_after_host_min = grant.room.end_after_host_min };
	vmr_hosts_who who = { .id = s->id,
		.display = display,
		.how = how,
		.role = grant.is_host ? VMR_ROLE_HOST : VMR_ROLE_GUEST };
	vmr_hosts_ops ops;
	vmr_hosts_session_ops(s, &ops);
	vmr_hosts_arrival arrival = vmr_hosts_arrive(grant.room.address, &settings, &who, &ops);
	if (arrival == VMR_HOSTS_ENTER) {
		join_enter(s, msg->transaction, &grant, display, how, sdp);
		vmr_join_grant_clear(&grant); /* (display may point into it) */
		return;
	}
	if (arrival == VMR_HOSTS_FULL) {
		JANUS_LOG(LOG_WARN,
			"[vmr] %s (%" SCNu64 ") turned away from %s: too many waiting\n", display,
			s->id, grant.room.address);
		reply_error(msg, VMR_ERROR_BUSY, "too many are waiting to join this room");
		vmr_join_grant_clear(&grant);
		return;
	}
	/* Held: the answer to this join comes when a host decides (vmr_join_decided, queued
	 * on this thread: it cannot overtake us). */
	vmr_pending_join *p = g_new0(vmr_pending_join, 1);
	p->display = g_strdup(display);
	p->how = g_strdup(how);
	p->offer = g_strdup(sdp);
	p->transaction = g_strdup(msg->transaction);
	p->grant = grant; /* (moved) */
	s->pending = p;
	janus_mutex_lock(&s->mutex);
	g_free(s->waiting_room);
	s->waiting_room = g_strdup(p->grant.room.address);
	janus_mutex_unlock(&s->mutex);
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "waiting",
		json_pack("{ssss}", "room", p->grant.room.address, "reason",
			arrival == VMR_HOSTS_KNOCK ? "locked" : "host"));
	vmr_gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
	json_decref(event);
	JANUS_LOG(LOG_INFO, "[vmr] %s (%" SCNu64 ") waits at room %s: %s\n", p->display, s->id,
		p->grant.room.address,
		arrival == VMR_HOSTS_KNOCK ? "locked, knocking" : "waiting for a host");
}

void vmr_join_decided(vmr_session *s, int admitted)
{
	vmr_pending_join *p = s->pending;
	if (p == NULL || g_atomic_int_get(&s->destroyed))
		return; /* (left meanwhile) */
	s->pending = NULL;
	janus_mutex_lock(&s->mutex);
	g_free(s->waiting_room);
	s->waiting_room = NULL;
	janus_mutex_unlock(&s->mutex);
	if (admitted) {
		JANUS_LOG(LOG_INFO, "[vmr] %s (%" SCNu64 ") let into room %s\n", p->display, s->id,
			p->grant.room.address);
		join_enter(s, p->transaction, &p->grant, p->display, p->how, p->offer);
	} else {
		JANUS_LOG(LOG_INFO, "[vmr] %s (%" SCNu64 ") turned away from room %s\n", p->display,
			s->id, p->grant.room.address);
		json_t *event = vmr_error_json(VMR_ERROR_REFUSED, "a host did not let you in");
		vmr_gateway->push_event(s->handle, &vmr_plugin, p->transaction, event, NULL);
		json_decref(event);
		vmr_gateway->close_pc(s->handle);
	}
	vmr_pending_join_free(p);
}

/* Applies what a management request changed to the running rooms. */
static void apply_effects(const vmr_effects *fx)
{
	if (fx->revoked_invitation)
		kick_invitation(fx->revoked_invitation);
	if (fx->room_changed) {
		vmr_room room;
		if (vmr_store_room_get(vmr_service_store(vmr_svc), fx->room_changed, &room) != 0)
			return;
		json_t *event = json_object();
		json_object_set_new(event, "vmr", json_string("event"));
		json_object_set_new(event, "room", json_string(room.address));
		json_object_set_new(event, "layout", json_string(room.layout));
		mcu_layout_kind kind = MCU_LAYOUT_1_7;
		mcu_layout_kind_from_string(room.layout, &kind);
		/* Renamed: the running room, whoever is in it, goes on under the new address (one
		 * room: new joins by the new address land in it, the old one leads nowhere). */
		if (fx->renamed_from[0]) {
			int rc = vmr_rooms_rename(fx->renamed_from, room.address);
			vmr_hosts_rename(fx->renamed_from, room.address);
			if (rc != 0 && rc != -ENOENT)
				JANUS_LOG(LOG_WARN,
					"[vmr] room %s renamed to %s, but its running room keeps "
					"the old address: %s\n",
					fx->renamed_from, room.address, g_strerror(-rc));
		}
		/* The running room itself, whoever is in it (SIP callers only, say). */
		vmr_rooms_set_layout(room.address, room.layout);
		/* Everyone in the room (by id: the address may just have changed) hears the new layout
		 * and, after a rename, is in the room under its new address. */
		session_filter f = { .room_id = room.id };
		GList *targets = sessions_matching(&f);
		for (GList *l = targets; l; l = l->next) {
			vmr_session *s = l->data;
			janus_mutex_lock(&s->mutex);
			if (s->room)
				mcu_room_set_layout(s->room, kind);
			janus_mutex_unlock(&s->mutex);
			if (fx->renamed_from[0]) {
				/* (room_name is read under sessions_mutex by the notification filters) */
				janus_mutex_lock(&sessions_mutex);
				janus_mutex_lock(&s->mutex);
				if (s->room_name && strcmp(s->room_name, fx->renamed_from) == 0) {
					g_free(s->room_name);
					s->room_name = g_strdup(room.address);
				}
				janus_mutex_unlock(&s->mutex);
				janus_mutex_unlock(&sessions_mutex);
			}
			vmr_gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
		}
		sessions_release(targets);
		json_decref(event);
		vmr_room_clear(&room);
	}
}

static void handle_leave(vmr_message *msg, const vmr_request *req)
{
	(void)req;
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	gboolean joined = s->room != NULL;
	janus_mutex_unlock(&s->mutex);
	if (!joined && s->pending == NULL) {
		reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
		return;
	}
	if (s->pending != NULL) { /* still waiting: gives up */
		vmr_hosts_session_gone(s);
		vmr_pending_join_free(s->pending);
		s->pending = NULL;
	}
	vmr_session_leave(s);
	s->invitation_id = 0;
	json_t *event = json_pack("{ssss}", "vmr", "event", "result", "left");
	vmr_gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
	vmr_gateway->close_pc(s->handle);
}

static void handle_list_participants(vmr_message *msg, const vmr_request *req)
{
	(void)req;
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	char *name = g_strdup(s->room_name);
	janus_mutex_unlock(&s->mutex);
	if (name == NULL) {
		reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
		return;
	}
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("participants"));
	json_object_set_new(event, "room", json_string(name));
	json_object_set_new(event, "participants", room_participants(name));
	vmr_gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
	g_free(name);
}

/* A new offer from a participant in the room, e.g. an ICE restart after a network drop:
 * answer it; the participant stays in the MCU room throughout. */
static void handle_configure(vmr_message *msg, const vmr_request *req)
{
	(void)req;
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	gboolean joined = s->room != NULL;
	janus_mutex_unlock(&s->mutex);
	const char *type = msg->jsep ? json_string_value(json_object_get(msg->jsep, "type")) : NULL;
	const char *sdp = msg->jsep ? json_string_value(json_object_get(msg->jsep, "sdp")) : NULL;
	if (!joined) {
		reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
		return;
	}
	if (type == NULL || strcmp(type, "offer") != 0 || sdp == NULL) {
		reply_error(msg, VMR_ERROR_MISSING_ELEMENT, "configure needs a JSEP offer");
		return;
	}
	json_t *jsep = NULL;
	if (vmr_answer_jsep(msg, &jsep) < 0)
		return;
	json_t *event = json_pack("{ssss}", "vmr", "event", "result", "ok");
	vmr_gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, jsep);
	json_decref(event);
	json_decref(jsep);
}

int vmr_answer_jsep(vmr_message *msg, json_t **answer_jsep)
{
	vmr_session *s = msg->session;
	const char *type = msg->jsep ? json_string_value(json_object_get(msg->jsep, "type")) : NULL;
	const char *sdp = msg->jsep ? json_string_value(json_object_get(msg->jsep, "sdp")) : NULL;
	if (type == NULL || strcmp(type, "offer") != 0 || sdp == NULL) {
		reply_error(msg, VMR_ERROR_MISSING_ELEMENT, "the JSEP must be an offer");
		return -1;
	}
	int audio_pt = 0, video_pt = 0, code = 0;
	bool opus_fec = false; /* fixed at join, as the payload types */
	const char *reason = NULL;
	vmr_simulcast sc;
	vmr_simulcast_from_jsep(&sc, msg->jsep);
	vmr_content_sdp content;
	char *answer = answer_offer(
		sdp, &audio_pt, &opus_fec, &video_pt, &sc, &content, &code, &reason);
	if (answer == NULL) {
		reply_error(msg, code, reason);
		return -1;
	}
	janus_mutex_lock(&s->mutex);
	/* The same layers again (an ICE restart): keep the SSRCs learnt, the browser no longer
	 * names them in every packet. */
	if (sc.layers != s->sim.layers || memcmp(sc.rid, s->sim.rid, sizeof(sc.rid)) != 0)
		s->sim = sc;
	janus_mutex_unlock(&s->mutex);
	vmr_content_negotiated(s, &content);
	*answer_jsep = json_pack("{ssss}", "type", "answer", "sdp", answer);
	JANUS_LOG(LOG_INFO,
		"[vmr] participant %" SCNu64 " renegotiated (content m-line %d: %s%s)\n", s->id,
		content.mindex, content.client_sends ? "sends " : "",
		content.client_receives ? "receives" : "");
	g_free(answer);
	return 0;
}

static void handle_keyframe(vmr_message *msg, const vmr_request *req)
{
	(void)req;
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	if (s->part)
		mcu_participant_keyframe_request(s->part);
	janus_mutex_unlock(&s->mutex);
	json_t *event = json_pack("{ssss}", "vmr", "event", "result", "ok");
	vmr_gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
}

/* The page or app asks for TURN credentials before it makes its offer (and again before they
 * expire). Without TURN configured the list is empty. */
static void handle_turn_credentials(vmr_message *msg, const vmr_request *req)
{
	(void)req;
	json_t *ice = turn_servers(msg->session);
	json_t *event = json_pack("{sssssosisb}", "vmr", "turn_credentials", "result", "ok",
		"ice_servers", ice ? ice : json_array(), "ttl", (int)vmr_turn_ttl(), "simulcast",
		g_atomic_int_get(&vmr_simulcast_enabled)); /* what the next offer should send */
	vmr_gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
}

/* Account and room management: the service decides, we apply the effects. */
static void handle_service(vmr_message *msg, const vmr_request *req)
{
	vmr_session *s = msg->session;
	vmr_effects fx;
	json_t *event = vmr_service_handle(vmr_svc, &s->client, req, &fx);
	json_t *ecode = json_object_get(event, "error_code");
	if (ecode
		!= NULL) /* refusals (wrong password, bad link, someone else's id...) go to the log with the source */
		JANUS_LOG(LOG_WARN, "[vmr] %s refused for participant %" SCNu64 " (%s): %d %s\n",
			req->name, s->id, s->client.source, (int)json_integer_value(ecode),
			json_string_value(json_object_get(event, "error")));
	vmr_gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
	apply_effects(&fx);
}

/* The requests handled here, in the plugin (media and the session's place in a room); every
 * other validated request goes to vmr_service through handle_service. */
static const struct {
	vmr_request_type type;
	void (*handle)(vmr_message *msg, const vmr_request *req);
} plugin_handlers[] = {
	{ VMR_REQ_JOIN, handle_join },
	{ VMR_REQ_LEAVE, handle_leave },
	{ VMR_REQ_LIST_PARTICIPANTS, handle_list_participants },
	{ VMR_REQ_CONFIGURE, handle_configure },
	{ VMR_REQ_KEYFRAME, handle_keyframe },
	{ VMR_REQ_TURN_CREDENTIALS, handle_turn_credentials },
	{ VMR_REQ_LOCATE, vmr_cluster_handle_locate },
};

/* Failures count per client address when we know it (else per handle). */
static void session_set_source(vmr_session *s, const char *peer)
{
	char *source = g_strdup_printf("ip:%s", peer);
	char *colon = strrchr(source + 3, ':');
	if (colon != NULL && strchr(source + 3, ':') == colon)
		*colon = '\0'; /* "1.2.3.4:5678" -> "1.2.3.4" (IPv6 keeps its colons) */
	g_free(s->client.source);
	s->client.source = source;
}

void vmr_handle_request(vmr_message *msg)
{
	vmr_session *s = msg->session;
	if (msg->peer != NULL)
		session_set_source(s, msg->peer);
	vmr_request req;
	char reason[128];
	int code = vmr_request_parse(msg->message, 0, &req, reason, sizeof(reason));
	if (code != VMR_OK) {
		JANUS_LOG(LOG_WARN, "[vmr] bad request from participant %" SCNu64 ": %d %s\n",
			s->id, code, reason);
		reply_error(msg, code, reason);
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(plugin_handlers); i++) {
		if (plugin_handlers[i].type == req.type) {
			plugin_handlers[i].handle(msg, &req);
			return;
		}
	}
	if (vmr_hosts_handle_request(msg, &req))
		return;
	if (vmr_content_handle_request(msg, &req))
		return;
	handle_service(msg, &req);
}
