/*
 * vmr_plugin_content.h - content sharing (a presentation) for browsers and apps in
 * janus.plugin.vmr: the second video stream on the participant's PeerConnection (its own
 * m-line, picked by `a=content:slides` or else the second VP8 video m-line), the requests
 * `present`, `stop_presenting` and `receive_content`, content RTP/RTCP by m-line index, and
 * the room's `content` events (who presents, and `floor_lost` to a presenter taken over).
 * The MCU decides who presents (mcu_content.h); the room registry tells us (vmr_rooms.h).
 *
 * Threads: the SDP helpers and requests run on the worker thread; vmr_content_incoming_* on
 * Janus's loop threads (session mutex held, as for the people streams); the io callbacks on
 * the MCU's threads; vmr_content_room_changed on the MCU's audio thread. The per-session state
 * (vmr_content_state, inside vmr_session) is atomics only, so any thread may read it.
 */
#ifndef TPAAS_VMR_PLUGIN_CONTENT_H
#define TPAAS_VMR_PLUGIN_CONTENT_H

#include <stdint.h>
#include <glib.h>
#include "sdp-utils.h"

struct vmr_session;
struct vmr_message;
struct vmr_request;

/* What one SDP answer negotiated for the content stream. */
typedef struct vmr_content_sdp {
	int mindex;          /* the content m-line's index, -1 when none */
	int pt;              /* its VP8 payload type */
	int client_sends;    /* the client may send on it (present) */
	int client_receives; /* the client may receive on it (receive_content) */
	int video_mindex;    /* the people video m-line's index, -1 when none */
} vmr_content_sdp;

/* A session's content state: all atomics. */
typedef struct vmr_content_state {
	volatile gint mindex;       /* content m-line index, -1 when none */
	volatile gint video_mindex; /* people video m-line index, -1 when not known */
	volatile gint pt;
	volatile gint client_sends, client_receives;
	volatile gint presenting; /* we made it present and no later change took it away */
	volatile gint receiving;  /* it receives the content on its content m-line */
} vmr_content_state;

void vmr_content_state_init(vmr_content_state *c);

/* Answering an offer: the index of the offer's content m-line (a=content:slides, else the
 * second video m-line offering VP8, not disabled), -1 when none. */
int vmr_content_pick_mline(janus_sdp *offer);
/* Answers the content m-line m of offer into answer (VP8, the direction mirrored) and fills
 * *out (mindex, pt, directions). */
void vmr_content_answer_mline(
	janus_sdp *offer, janus_sdp *answer, janus_sdp_mline *m, vmr_content_sdp *out);

/* After an answer was sent (join, configure, present, receive_content): the session's
 * content stream is what c says; a presentation or content reception the new SDP no longer
 * allows stops. Worker thread. */
void vmr_content_negotiated(struct vmr_session *s, const vmr_content_sdp *c);
/* The session leaves its room: forgets presenting and receiving (the MCU's leave stops them). */
void vmr_content_left(struct vmr_session *s);

/* Requests present / stop_presenting / receive_content: 1 when req was one (answered). */
int vmr_content_handle_request(struct vmr_message *msg, const struct vmr_request *req);

/* Media from Janus for a session in a room (its mutex held): 1 when the packet belongs to the
 * content m-line (and was handled), else 0. */
int vmr_content_incoming_rtp(struct vmr_session *s, int mindex, const uint8_t *buf, size_t len);
int vmr_content_incoming_rtcp(struct vmr_session *s, int mindex, char *buf, int len);
/* The mindex to send the people video on (-1: let Janus pick the first video m-line). */
int vmr_content_video_mindex(struct vmr_session *s);

/* MCU io: content RTP to this participant (MCU_STREAM_CONTENT), and a keyframe request for
 * what it presents. */
void vmr_content_io_send(struct vmr_session *s, const uint8_t *pkt, size_t len);
void vmr_content_io_request_keyframe(void *opaque);

/* vmr_rooms listener `content`: tells the room's pages, and the presenter taken over. */
void vmr_content_room_changed(void *opaque, const char *address, uint64_t presenter_id);
/* The room's presenter as a JSON value ({"id","display"} or null) for the join answer. */
json_t *vmr_content_presenter_json(const char *address);

#endif
