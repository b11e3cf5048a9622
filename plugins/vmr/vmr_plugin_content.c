/*
 * vmr_plugin_content.c - content sharing for browsers and apps in janus.plugin.vmr; see
 * vmr_plugin_content.h for what and which threads.
 *
 * Locks: MCU content calls that may fire the room's content_changed event (present, stop,
 * receive) are made WITHOUT the session's mutex, holding a participant reference instead:
 * the event reaches vmr_content_room_changed, which takes sessions_mutex and then session
 * mutexes (the plugin's lock order).
 */
#include <string.h>

#include "debug.h"
#include "rtcp.h"

#include "mcu_content.h"
#include "vmr_plugin_priv.h"
#include "vmr_plugin_content.h"

void vmr_content_state_init(vmr_content_state *c)
{
	g_atomic_int_set(&c->mindex, -1);
	g_atomic_int_set(&c->video_mindex, -1);
	g_atomic_int_set(&c->pt, 0);
	g_atomic_int_set(&c->client_sends, 0);
	g_atomic_int_set(&c->client_receives, 0);
	g_atomic_int_set(&c->presenting, 0);
	g_atomic_int_set(&c->receiving, 0);
}

/* ---- SDP ---------------------------------------------------------------------------------- */

/* RFC 4796: a=content:<token>[,<token>...]; is "slides" one of them? */
static gboolean mline_is_slides(const janus_sdp_mline *m)
{
	for (GList *l = m->attributes; l; l = l->next) {
		const janus_sdp_attribute *a = l->data;
		if (a->name == NULL || a->value == NULL
			|| g_ascii_strcasecmp(a->name, "content") != 0)
			continue;
		gchar **tokens = g_strsplit(a->value, ",", 8);
		gboolean slides = FALSE;
		for (int i = 0; tokens[i] && !slides; i++)
			slides = g_ascii_strcasecmp(g_strstrip(tokens[i]), "slides") == 0;
		g_strfreev(tokens);
		if (slides)
			return TRUE;
	}
	return FALSE;
}

int vmr_content_pick_mline(janus_sdp *offer)
{
	int second = -1, videos = 0;
	for (GList *l = offer ? offer->m_lines : NULL; l; l = l->next) {
		janus_sdp_mline *m = l->data;
		if (m->type != JANUS_SDP_VIDEO || m->port == 0
			|| janus_sdp_get_codec_pt(offer, m->index, "vp8") <= 0)
			continue;
		if (mline_is_slides(m))
			return m->index; /* by the attribute, never by position, when there is one */
		if (++videos == 2)
			second = m->index;
	}
	return second;
}

void vmr_content_answer_mline(
	janus_sdp *offer, janus_sdp *answer, janus_sdp_mline *m, vmr_content_sdp *out)
{
	/* mirrored: what the client sends we receive, and the other way round */
	janus_sdp_mdirection dir = m->direction == JANUS_SDP_SENDONLY ? JANUS_SDP_RECVONLY
		: m->direction == JANUS_SDP_RECVONLY                  ? JANUS_SDP_SENDONLY
		: m->direction == JANUS_SDP_INACTIVE                  ? JANUS_SDP_INACTIVE
								      : JANUS_SDP_SENDRECV;
	janus_sdp_generate_answer_mline(offer, answer, m, JANUS_SDP_OA_MLINE, JANUS_SDP_VIDEO,
		JANUS_SDP_OA_CODEC, "vp8", JANUS_SDP_OA_DIRECTION, dir, JANUS_SDP_OA_DONE);
	janus_sdp_mline *am = janus_sdp_mline_find_by_index(answer, m->index);
	if (am != NULL) {
		janus_sdp_attribute_add_to_mline(
			am, janus_sdp_attribute_create("content", "slides"));
		dir = am->direction;
	}
	out->mindex = m->index;
	out->pt = janus_sdp_get_codec_pt(answer, m->index, "vp8");
	out->client_sends = out->pt > 0 && (dir == JANUS_SDP_RECVONLY || dir == JANUS_SDP_SENDRECV);
	out->client_receives = out->pt > 0
		&& (dir == JANUS_SDP_SENDONLY || dir == JANUS_SDP_SENDRECV);
}

/* ---- the session's participant ------------------------------------------------------------ */

/* A new reference to the session's MCU participant and, in *room (may be NULL), one to its
 * room; NULL (and *room NULL) when not in a room. */
static mcu_participant *session_part(vmr_session *s, mcu_room **room)
{
	janus_mutex_lock(&s->mutex);
	mcu_participant *p = s->part ? mcu_participant_ref(s->part) : NULL;
	mcu_room *r = s->room ? mcu_room_ref(s->room) : NULL;
	janus_mutex_unlock(&s->mutex);
	if (room != NULL)
		*room = r;
	else if (r != NULL)
		mcu_room_unref(r);
	return p;
}

static void start_receiving(vmr_session *s, mcu_participant *p)
{
	int pt = g_atomic_int_get(&s->content.pt);
	if (mcu_participant_receive_content(p, MCU_VIDEO_VP8, (uint8_t)pt, 0) == 0)
		g_atomic_int_set(&s->content.receiving, 1);
}

void vmr_content_negotiated(vmr_session *s, const vmr_content_sdp *c)
{
	vmr_content_state *st = &s->content;
	int old_pt = g_atomic_int_get(&st->pt);
	g_atomic_int_set(&st->video_mindex, c->video_mindex);
	g_atomic_int_set(&st->pt, c->mindex >= 0 ? c->pt : 0);
	g_atomic_int_set(&st->client_sends, c->mindex >= 0 && c->client_sends);
	g_atomic_int_set(&st->client_receives, c->mindex >= 0 && c->client_receives);
	g_atomic_int_set(&st->mindex, c->mindex);
	mcu_participant *p = session_part(s, NULL);
	if (p == NULL)
		return;
	if (g_atomic_int_get(&st->presenting)) {
		if (!g_atomic_int_get(&st->client_sends)) {
			g_atomic_int_set(&st->presenting, 0);
			mcu_participant_stop_presenting(p);
			JANUS_LOG(LOG_INFO,
				"[vmr] participant %" SCNu64
				" stopped presenting: its new offer has "
				"no content stream to send\n",
				s->id);
		} else if (old_pt != c->pt) {
			mcu_participant_present(p, MCU_VIDEO_VP8, (uint8_t)c->pt);
		}
	}
	if (g_atomic_int_get(&st->receiving)) {
		if (!g_atomic_int_get(&st->client_receives)) {
			g_atomic_int_set(&st->receiving, 0);
			mcu_participant_receive_content(p, MCU_VIDEO_NONE, 0, 0);
		} else if (old_pt != c->pt) {
			start_receiving(s, p);
		}
	}
	mcu_participant_unref(p);
}

void vmr_content_left(vmr_session *s)
{
	g_atomic_int_set(&s->content.presenting, 0);
	g_atomic_int_set(&s->content.receiving, 0);
}

/* ---- requests ----------------------------------------------------------------------------- */

/* Answers the request: {"vmr":"event","result":"ok", key: value} or an error, with jsep (the
 * answer to an offer that came with the request) either way. Steals value and jsep. */
static void reply(vmr_message *msg, int code, const char *reason, const char *key, json_t *value,
	json_t *jsep)
{
	json_t *event;
	if (code != VMR_OK) {
		event = vmr_error_json(code, reason);
		JANUS_LOG(LOG_WARN, "[vmr] %s refused for participant %" SCNu64 ": %d %s\n",
			json_string_value(json_object_get(msg->message, "request")),
			msg->session->id, code, reason);
	} else {
		event = json_pack("{ssss}", "vmr", "event", "result", "ok");
	}
	if (key != NULL)
		json_object_set_new(event, key, value);
	else if (value != NULL)
		json_decref(value);
	vmr_gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, jsep);
	json_decref(event);
	if (jsep != NULL)
		json_decref(jsep);
}

static void handle_present(vmr_message *msg, mcu_room *room, mcu_participant *p, json_t *jsep)
{
	vmr_session *s = msg->session;
	vmr_content_state *st = &s->content;
	if (!g_atomic_int_get(&st->client_sends)) {
		reply(msg, VMR_ERROR_NO_CONTENT_STREAM,
			"no content stream negotiated: offer a second video stream that you send "
			"(with present or configure)",
			NULL, NULL, jsep);
		return;
	}
	if (g_atomic_int_get(&st->presenting) && mcu_room_content_presenter(room) == s) {
		reply(msg, VMR_ERROR_CONTENT_STATE, "already presenting", NULL, NULL, jsep);
		return;
	}
	g_atomic_int_set(&st->presenting, 1); /* before: the content event may come at once */
	int rc = mcu_participant_present(p, MCU_VIDEO_VP8, (uint8_t)g_atomic_int_get(&st->pt));
	if (rc < 0) {
		g_atomic_int_set(&st->presenting, 0);
		reply(msg, VMR_ERROR_UNSUPPORTED_MEDIA, "cannot present this stream", NULL, NULL,
			jsep);
		return;
	}
	/* the room needs a keyframe of the content at once */
	vmr_content_io_request_keyframe(s);
	JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " presents (content m-line %d, pt %d)\n",
		s->id, g_atomic_int_get(&st->mindex), g_atomic_int_get(&st->pt));
	reply(msg, VMR_OK, NULL, "presenting", json_true(), jsep);
}

static void handle_stop(vmr_message *msg, mcu_room *room, mcu_participant *p, json_t *jsep)
{
	vmr_session *s = msg->session;
	if (!g_atomic_int_get(&s->content.presenting) || mcu_room_content_presenter(room) != s) {
		g_atomic_int_set(&s->content.presenting, 0);
		reply(msg, VMR_ERROR_CONTENT_STATE, "not presenting", NULL, NULL, jsep);
		return;
	}
	g_atomic_int_set(&s->content.presenting, 0);
	mcu_participant_stop_presenting(p);
	JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " stopped presenting\n", s->id);
	reply(msg, VMR_OK, NULL, "presenting", json_false(), jsep);
}

static void handle_receive(
	vmr_message *msg, const vmr_request *req, mcu_participant *p, json_t *jsep)
{
	vmr_session *s = msg->session;
	int enabled = vmr_request_bool(req, "enabled", 1);
	if (enabled && !g_atomic_int_get(&s->content.client_receives)) {
		reply(msg, VMR_ERROR_NO_CONTENT_STREAM,
			"no content stream negotiated: offer a second video stream that you "
			"receive "
			"(with receive_content or configure)",
			NULL, NULL, jsep);
		return;
	}
	if (enabled) {
		start_receiving(s, p);
	} else {
		g_atomic_int_set(&s->content.receiving, 0);
		mcu_participant_receive_content(p, MCU_VIDEO_NONE, 0, 0);
	}
	JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " %s the content as its own stream\n",
		s->id, enabled ? "receives" : "no longer receives");
	reply(msg, VMR_OK, NULL, "receiving_content",
		json_boolean(g_atomic_int_get(&s->content.receiving)), jsep);
}

int vmr_content_handle_request(vmr_message *msg, const vmr_request *req)
{
	if (req->type != VMR_REQ_PRESENT && req->type != VMR_REQ_STOP_PRESENTING
		&& req->type != VMR_REQ_RECEIVE_CONTENT)
		return 0;
	vmr_session *s = msg->session;
	mcu_room *room = NULL;
	mcu_participant *p = session_part(s, &room);
	if (p == NULL) {
		if (room != NULL)
			mcu_room_unref(room);
		reply(msg, VMR_ERROR_NOT_JOINED, "not in a room", NULL, NULL, NULL);
		return 1;
	}
	/* An offer may come with the request (the new content stream): answered first. */
	json_t *jsep = NULL;
	if (msg->jsep == NULL || vmr_answer_jsep(msg, &jsep) == 0) {
		if (req->type == VMR_REQ_PRESENT)
			handle_present(msg, room, p, jsep);
		else if (req->type == VMR_REQ_STOP_PRESENTING)
			handle_stop(msg, room, p, jsep);
		else
			handle_receive(msg, req, p, jsep);
	}
	mcu_participant_unref(p);
	mcu_room_unref(room);
	return 1;
}

/* ---- media -------------------------------------------------------------------------------- */

int vmr_content_incoming_rtp(vmr_session *s, int mindex, const uint8_t *buf, size_t len)
{
	if (mindex < 0 || mindex != g_atomic_int_get(&s->content.mindex))
		return 0;
	mcu_participant_incoming_content_rtp(s->part, buf, len);
	return 1;
}

int vmr_content_incoming_rtcp(vmr_session *s, int mindex, char *buf, int len)
{
	if (mindex < 0 || mindex != g_atomic_int_get(&s->content.mindex))
		return 0;
	if (janus_rtcp_has_pli(buf, len) || janus_rtcp_has_fir(buf, len))
		mcu_participant_content_keyframe_request(s->part);
	return 1;
}

int vmr_content_video_mindex(vmr_session *s)
{
	return g_atomic_int_get(&s->content.video_mindex);
}

void vmr_content_io_send(vmr_session *s, const uint8_t *pkt, size_t len)
{
	int mindex = g_atomic_int_get(&s->content.mindex);
	if (mindex < 0 || !g_atomic_int_get(&s->content.client_receives)
		|| !g_atomic_int_get(&s->media_up) || g_atomic_int_get(&s->destroyed) || len > 1500)
		return;
	char buf[1500];
	memcpy(buf, pkt, len);
	janus_plugin_rtp rtp;
	janus_plugin_rtp_reset(&rtp);
	rtp.mindex = mindex;
	rtp.video = TRUE;
	rtp.buffer = buf;
	rtp.length = (uint16_t)len;
	vmr_gateway->relay_rtp(s->handle, &rtp);
}

void vmr_content_io_request_keyframe(void *opaque)
{
	vmr_session *s = opaque;
	int mindex = g_atomic_int_get(&s->content.mindex);
	if (mindex >= 0 && g_atomic_int_get(&s->content.client_sends)
		&& g_atomic_int_get(&s->media_up) && !g_atomic_int_get(&s->destroyed))
		vmr_gateway->send_pli_stream(s->handle, mindex);
}

/* ---- room events -------------------------------------------------------------------------- */

typedef struct find_display {
	uint64_t id;
	char *display;
} find_display;

static void match_display(void *opaque, uint64_t id, const char *display, int is_sip)
{
	(void)is_sip;
	find_display *f = opaque;
	if (id == f->id && f->display == NULL)
		f->display = g_strdup(display);
}

/* {"id": id, "display": name} of a member of the room, or null for 0. New reference. */
static json_t *presenter_json(const char *address, uint64_t id)
{
	if (id == 0)
		return json_null();
	find_display f = { .id = id };
	vmr_rooms_members(address, match_display, &f);
	json_t *j = json_pack(
		"{sIss}", "id", (json_int_t)id, "display", f.display ? f.display : "");
	g_free(f.display);
	return j;
}

json_t *vmr_content_presenter_json(const char *address)
{
	return presenter_json(address, vmr_rooms_presenter(address));
}

void vmr_content_room_changed(void *opaque, const char *address, uint64_t presenter_id)
{
	(void)opaque;
	json_t *who = presenter_json(address, presenter_id);
	/* A presenter of ours that the room no longer shows was taken over (or stopped by the
	 * MCU): it hears that it lost the floor, and to whom. */
	session_filter f = { .room = address };
	GList *in_room = sessions_matching(&f);
	for (GList *l = in_room; l; l = l->next) {
		vmr_session *s = l->data;
		if (s->id == presenter_id || !g_atomic_int_get(&s->content.presenting))
			continue;
		janus_mutex_lock(&s->mutex);
		gboolean still = s->room != NULL && mcu_room_content_presenter(s->room) == s;
		janus_mutex_unlock(&s->mutex);
		if (still || !g_atomic_int_compare_and_exchange(&s->content.presenting, 1, 0))
			continue;
		json_t *event = json_pack("{ssssso}", "vmr", "event", "room", address, "floor_lost",
			json_pack("{sssO}", "reason", presenter_id ? "taken_over" : "stopped", "by",
				who));
		vmr_gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
		json_decref(event);
		JANUS_LOG(LOG_INFO,
			"[vmr] participant %" SCNu64 " lost the floor in %s to %" SCNu64 "\n",
			s->id, address, presenter_id);
	}
	sessions_release(in_room);
	if (presenter_id)
		JANUS_LOG(LOG_INFO, "[vmr] room %s: content from %" SCNu64 "\n", address,
			presenter_id);
	else
		JANUS_LOG(LOG_INFO, "[vmr] room %s: content ended\n", address);
	room_event(address, NULL, "content", who); /* steals who */
}
