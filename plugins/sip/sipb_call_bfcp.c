/*
 * sipb_call_bfcp.c - content sharing of a SIP call (issue #13): the offer's slides video line
 * (a=content:slides) goes to the call's media as a third stream, its BFCP line
 * (m=application TCP/BFCP or UDP/BFCP, RFC 8856) gets a client of the room's floor
 * (sipb_bfcp.c) and our answer as the floor control server; a granted FloorRequest makes the
 * call present, losing the floor stops it; every content change in the room is told to the
 * room's BFCP clients (the rooms' content listener, vmr_rooms).
 *
 * When we offer (dial-out, a delayed offer's 200): sipb_call_content_offer opens a listening
 * client (TCP/BFCP, setup:passive) and the slides port first; the answer (RFC 3264: lines in our
 * order) accepts them (bfcp_sdp_answer_accepted) or not, and the call goes on without content
 * then, as before. From there on it is the same client and plumbing as when they offered.
 * On a dial-out the device's host is not known before its answer: a connection to our port is
 * held until then (nothing it sends is acted on) and kept only when it comes from the host we
 * called or the one the answer names (sipb_bfcp_client_peer_known).
 *
 * BFCP needs the room (its conference id): a call from the lobby, whose room is not known
 * when the INVITE is answered, gets the BFCP line refused (port 0); a re-INVITE once it is in
 * the room can add it. TCP/TLS/BFCP and UDP/TLS/BFCP are refused with a log line.
 *
 * Threads: the UA's loop thread (calls, the hub); the content listener runs on room threads
 * and only posts the room's address to the loop.
 * Ownership: the call owns its client and answer text (freed by sipb_call_content_end); the
 * UA owns the hub (sipb_call_content_start / _stop).
 */
#include "sipb_ua_priv.h"
#include "sipb_media_content.h"
#include "bfcp_sdp.h"

#include <errno.h>
#include <string.h>

#define SLIDES_LABEL 3 /* a=label of our slides line, named by a=floorid mstrm: */

static void on_floor(void *opaque, int held)
{
	sipb_call *call = opaque;
	if (!call->media)
		return;
	int r = sipb_media_present(call->media, held);
	vmr_log(r < 0 ? VMR_LOG_WARN : VMR_LOG_INFO,
		"[sipbridge] call %" G_GUINT64_FORMAT " (BFCP user %u) %s presenting%s",
		call->member.id, sipb_bfcp_client_user_id(call->bfcp), held ? "is" : "stopped",
		r < 0 ? " (no content: the MCU or the slides line cannot)" : "");
}

static void drop_client(sipb_call *call)
{
	sipb_bfcp_client *c = call->bfcp;
	call->bfcp = NULL;
	sipb_bfcp_client_free(c);
}

/* The slides line: to the media, or refused in r. */
static void slides_negotiated(sipb_call *call, sipb_sdp_result *r)
{
	sipb_sdp_mline *l = r->slides >= 0 ? &r->m[r->slides] : NULL;
	if (l && call->srtp_required && l->crypto[0] == '\0')
		l = NULL; /* plain video on a TLS call: declined, like the main video */
	if (l && call->slides_port == 0)
		call->slides_port = sipb_media_slides_port(call->media);
	sipb_media_stream st;
	sipb_sdp_to_stream(l && call->slides_port ? l : NULL, &st);
	int receive = l && (l->dir == SIPB_SDP_SENDRECV || l->dir == SIPB_SDP_RECVONLY);
	if (sipb_media_set_slides(call->media, &st, receive) < 0 || !st.enabled) {
		if (r->slides >= 0)
			r->m[r->slides].accepted = 0;
		r->slides = -1;
		sipb_media_set_slides(call->media, NULL, 0);
	}
}

/* The host of a SIP URI when it is an IP literal (brackets taken off), else "". */
static void contact_ip(const char *uri, char *buf, size_t len)
{
	buf[0] = '\0';
	if (uri == NULL)
		return;
	su_home_t home[1] = { SU_HOME_INIT(home) };
	url_t *u = url_make(home, uri[0] == '<' ? uri + 1 : uri);
	const char *h = u ? u->url_host : NULL;
	if (h) {
		g_strlcpy(buf, h[0] == '[' ? h + 1 : h, len);
		char *end = strchr(buf, ']');
		if (end)
			*end = '\0';
	}
	su_home_deinit(home);
}

/* The answer to our offer with content (call->content_offered): the listening client stays
 * when the answer took both the slides and the BFCP line as we offered them. */
static void answer_negotiated(sipb_call *call, const char *sdp, size_t len, sipb_sdp_result *r)
{
	call->content_offered = 0;
	g_clear_pointer(&call->bfcp_offer, g_free);
	slides_negotiated(call, r);
	bfcp_sdp_offer ans;
	const char *why = NULL;
	if (!bfcp_sdp_parse(sdp, len, &ans))
		why = "not usable";
	else if (bfcp_sdp_answer_accepted(&ans, call->offer_bfcp_mline,
			 (bfcp_sdp_proto)call->offer_bfcp_proto,
			 (bfcp_sdp_setup)call->offer_bfcp_setup, &why)
		&& r->slides < 0)
		why = "the slides line was refused";
	if (why) {
		vmr_log(VMR_LOG_INFO,
			"[sipbridge] call %" G_GUINT64_FORMAT
			": no content sharing, our BFCP offer was not taken: %s",
			call->member.id, why);
		drop_client(call);
		return;
	}
	/* Dial-out: the device is the host we called (its registered contact, which matched
	 * where it registered from) or the one its answer names (through a proxy). */
	char contact_host[64] = "";
	if (call->outgoing)
		contact_ip(call->caller, contact_host, sizeof(contact_host));
	const sipb_sdp_mline *a = r->audio >= 0 ? &r->m[r->audio] : NULL;
	if (sipb_bfcp_client_peer_known(call->bfcp, contact_host[0] ? contact_host : NULL,
		    a && a->remote_ip[0] ? a->remote_ip : NULL)
		< 0) {
		vmr_log(VMR_LOG_INFO,
			"[sipbridge] call %" G_GUINT64_FORMAT
			": no content sharing, the answer names no host for BFCP",
			call->member.id);
		drop_client(call);
		return;
	}
	int udp = sipb_bfcp_client_is_udp(call->bfcp);
	vmr_log(VMR_LOG_INFO,
		"[sipbridge] call %" G_GUINT64_FORMAT
		": BFCP over %s as offered, %s on %u, user %u, slides yes",
		call->member.id, udp ? "UDP" : "TCP",
		udp ? "datagrams"
		    : (sipb_bfcp_client_is_listening(call->bfcp) ? "we listen" : "we connected"),
		sipb_bfcp_client_port(call->bfcp), sipb_bfcp_client_user_id(call->bfcp));
}

void sipb_call_content_offer(sipb_call *call, sipb_sdp_local *local)
{
	call->content_offered = 0;
	g_clear_pointer(&call->bfcp_offer, g_free);
	if (call->room_address == NULL || call->ua->bfcp == NULL || call->media == NULL
		|| local->video_port <= 0)
		return;
	/* A re-offer adds content only where the session had a BFCP line (taken, or refused
	 * in the lobby): an endpoint that never offered one gets no new lines. */
	if (local->prev != NULL && local->prev->bfcp < 0)
		return;
	/* SRTP required (a TLS call): the slides line is RTP/SAVP with a key of its own */
	const char *slides_crypto = call->srtp_required
		? sipb_media_offer_crypto(call->media, SIPB_MEDIA_SLIDES)
		: NULL;
	if (call->srtp_required && slides_crypto == NULL)
		return;
	if (call->slides_port == 0)
		call->slides_port = sipb_media_slides_port(call->media);
	if (call->slides_port <= 0)
		return;
	if (call->bfcp == NULL) {
		sipb_bfcp_client_config cfg = {
			.room = call->room_address,
			.local_ip = call->ua->cfg.media_ip,
			/* dial-out: the device's address is known only from its answer; behind a
			 * trusted proxy the caller's own address, not the proxy's */
			.peer_host = call->client_ip && call->client_ip[0] ? call->client_ip : NULL,
			.presenter_key = call->media,
			.display = call->display,
			.await_peer = 1, /* (when there is no peer_host: until the answer) */
		};
		sipb_bfcp_client_events ev = { .opaque = call, .floor = on_floor };
		int rc = sipb_bfcp_client_new(call->ua->bfcp, &cfg, &ev, &call->bfcp);
		if (rc < 0) {
			vmr_log(VMR_LOG_WARN,
				"[sipbridge] call %" G_GUINT64_FORMAT
				": no BFCP in our offer: no TCP socket (%s)",
				call->member.id, g_strerror(-rc));
			return;
		}
	}
	/* A BFCP stream the call has keeps its transport, roles and connection (a re-INVITE
	 * without SDP); a new one: TCP, we listen (bfcp_sdp_write_offer's line). */
	int udp = sipb_bfcp_client_is_udp(call->bfcp);
	bfcp_sdp_answer line = {
		.port = sipb_bfcp_client_port(call->bfcp),
		.proto = udp ? BFCP_PROTO_UDP : BFCP_PROTO_TCP,
		.setup = udp                                        ? BFCP_SETUP_NONE
			: sipb_bfcp_client_is_listening(call->bfcp) ? BFCP_SETUP_PASSIVE
								    : BFCP_SETUP_ACTIVE,
		.confid = sipb_bfcp_client_conference_id(call->bfcp),
		.userid = sipb_bfcp_client_user_id(call->bfcp),
		.floor_id = SIPB_BFCP_FLOOR_ID,
		.slides_label = SLIDES_LABEL,
		.bfcpver = udp ? 2 : 1,
		.existing = !udp && sipb_bfcp_client_connected(call->bfcp),
	};
	call->bfcp_offer = bfcp_sdp_write_answer(&line);
	if (call->bfcp_offer == NULL) {
		drop_client(call);
		return;
	}
	local->slides_port = call->slides_port;
	local->slides_crypto = slides_crypto;
	local->slides_label = SLIDES_LABEL;
	local->bfcp_offer = call->bfcp_offer;
	sipb_sdp_offer_places(local, &call->offer_slides_mline, &call->offer_bfcp_mline);
	if (call->offer_bfcp_mline < 0) { /* no room for the lines: offered without content */
		local->slides_port = 0;
		local->bfcp_offer = NULL;
		g_clear_pointer(&call->bfcp_offer, g_free);
		return;
	}
	call->offer_bfcp_proto = line.proto;
	call->offer_bfcp_setup = line.setup;
	call->content_offered = 1;
}

void sipb_call_content_negotiated(sipb_call *call, const char *sdp, size_t len, sipb_sdp_result *r)
{
	if (call->content_offered) {
		answer_negotiated(call, sdp, len, r);
		return;
	}
	slides_negotiated(call, r);
	g_clear_pointer(&call->bfcp_answer, g_free);
	if (r->bfcp < 0) {
		drop_client(call); /* a re-INVITE without it: the floor is left */
		return;
	}
	bfcp_sdp_offer o;
	bfcp_sdp_answer ans;
	const char *why = NULL;
	if (!bfcp_sdp_parse(sdp, len, &o) || !o.present) {
		why = "not usable";
	} else if (call->room_address == NULL) {
		why = "the room is not known yet (lobby); a re-INVITE in the room can add it";
	} else if (!bfcp_sdp_choose(&o, 9, sipb_bfcp_conference_id(call->room_address), 1,
			   SIPB_BFCP_FLOOR_ID, SLIDES_LABEL, &ans, &why)) {
		/* why says it (TLS, holdconn, a peer that is no client) */
	}
	if (why) {
		vmr_log(VMR_LOG_WARN,
			"[sipbridge] call %" G_GUINT64_FORMAT " from %s: BFCP line refused: %s",
			call->member.id, call->source ? call->source : "?", why);
		drop_client(call);
		return;
	}
	int udp = o.proto == BFCP_PROTO_UDP;
	int we_connect = ans.setup == BFCP_SETUP_ACTIVE;
	/* a re-INVITE that keeps the same kind of BFCP stream keeps its connection */
	if (call->bfcp && (sipb_bfcp_client_is_udp(call->bfcp) != udp || we_connect))
		drop_client(call);
	if (!call->bfcp) {
		const sipb_sdp_mline *a = r->audio >= 0 ? &r->m[r->audio] : NULL;
		sipb_bfcp_client_config cfg = {
			.room = call->room_address,
			.local_ip = call->ua->cfg.media_ip,
			.udp = udp,
			.we_connect = we_connect,
			.remote_ip = a ? a->remote_ip : NULL,
			.remote_port = o.port,
			.peer_host = call->client_ip, /* behind a trusted proxy: the caller's own */
			.presenter_key = call->media,
			.display = call->display,
		};
		sipb_bfcp_client_events ev = { .opaque = call, .floor = on_floor };
		int rc = sipb_bfcp_client_new(call->ua->bfcp, &cfg, &ev, &call->bfcp);
		if (rc < 0) {
			vmr_log(VMR_LOG_WARN,
				"[sipbridge] call %" G_GUINT64_FORMAT
				": BFCP line refused: no %s socket (%s)",
				call->member.id, udp ? "UDP" : "TCP", g_strerror(-rc));
			return;
		}
	}
	bfcp_sdp_choose(&o, sipb_bfcp_client_port(call->bfcp),
		sipb_bfcp_client_conference_id(call->bfcp), sipb_bfcp_client_user_id(call->bfcp),
		SIPB_BFCP_FLOOR_ID, SLIDES_LABEL, &ans, &why);
	call->bfcp_answer = bfcp_sdp_write_answer(&ans);
	vmr_log(VMR_LOG_INFO,
		"[sipbridge] call %" G_GUINT64_FORMAT ": BFCP over %s, %s, user %u, slides %s",
		call->member.id, udp ? "UDP" : "TCP",
		udp ? "datagrams" : (we_connect ? "we connect" : "we listen"),
		sipb_bfcp_client_user_id(call->bfcp), r->slides >= 0 ? "yes" : "no");
}

void sipb_call_content_answer(sipb_call *call, sipb_sdp_local *local)
{
	local->slides_port = call->sdp.slides >= 0 ? call->slides_port : 0;
	local->slides_crypto = sipb_media_local_crypto(call->media, SIPB_MEDIA_SLIDES);
	local->slides_label = SLIDES_LABEL;
	local->bfcp_answer = call->bfcp_answer;
}

void sipb_call_content_sync(sipb_call *call)
{
	if (call->room == NULL || call->room_address == NULL || call->ua->bfcp == NULL)
		return;
	char *name = sipb_media_content_presenter_name(call->room);
	sipb_bfcp_room_presenter(
		call->ua->bfcp, call->room_address, sipb_media_content_presenter(call->room), name);
	g_free(name);
}

void sipb_call_content_end(sipb_call *call)
{
	drop_client(call);
	g_clear_pointer(&call->bfcp_answer, g_free);
	g_clear_pointer(&call->bfcp_offer, g_free);
	call->content_offered = 0;
}

/* --- the rooms' content listener -------------------------------------------------------- */

typedef struct {
	sipb_ua *ua;
	char *address;
} content_job;

static void content_job_free(gpointer p)
{
	content_job *j = p;
	g_free(j->address);
	g_free(j);
}

/* On the loop: any call of that room that is in it knows the MCU's presenter. */
static gboolean content_on_loop(gpointer data)
{
	content_job *j = data;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, j->ua->calls);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		sipb_call *call = v;
		if (call->room && call->room_address && !strcmp(call->room_address, j->address)) {
			sipb_call_content_sync(call);
			break;
		}
	}
	return G_SOURCE_REMOVE;
}

static void on_content(void *opaque, const char *address, uint64_t presenter_id)
{
	(void)presenter_id; /* the MCU's presenter is read on the loop: never a stale one */
	sipb_ua *ua = opaque;
	content_job *j = g_new0(content_job, 1);
	j->ua = ua;
	j->address = g_strdup(address);
	/* always later, never inside the caller: a present() on the loop itself tells us too */
	GSource *src = g_idle_source_new();
	g_source_set_callback(src, content_on_loop, j, content_job_free);
	g_source_attach(src, ua->ctx);
	g_source_unref(src);
}

void sipb_call_content_start(sipb_ua *ua)
{
	ua->bfcp = sipb_bfcp_hub_new(ua->ctx, NULL);
	vmr_rooms_content_listener l = { .opaque = ua, .content = on_content };
	vmr_rooms_set_content_listener(&l);
}

/* After the loop thread ended: the calls' clients that are left, then the hub. */
void sipb_call_content_stop(sipb_ua *ua)
{
	vmr_rooms_set_content_listener(NULL);
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, NULL, &v))
		sipb_call_content_end(v);
	sipb_bfcp_hub_free(ua->bfcp);
	ua->bfcp = NULL;
}
