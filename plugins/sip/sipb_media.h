/*
 * sipb_media.h - the media side of one SIP call: an RTP/RTCP socket pair per stream (plain
 * RTP/AVP or SDES-SRTP RTP/SAVP), symmetric RTP, RFC 4733 DTMF detection, IVR prompts played
 * before the caller is in a room, and the caller's membership of an MCU room (what arrives is
 * fed to the room; what the room sends for this participant goes to the caller).
 *
 * No Janus and no SIP here: the SIP side (sipb_call.c) negotiates SDP and hands the result
 * over as sipb_media_stream values.
 *
 * Threads: sipb_media_* may be called from any thread (the bridge calls them from the Sofia
 * GLib loop). A sipb_media receives on one of a few media loop threads that all calls share
 * (sipb_media_loop.h); events are delivered on that thread, never while holding a lock
 * that sipb_media_* takes, and never after sipb_media_free() returned.
 * Ownership: sipb_media_new returns an object the caller owns and frees with
 * sipb_media_free (which leaves the room and closes the sockets). Strings in the config and
 * streams are copied.
 */
#ifndef TPAAS_SIPB_MEDIA_H
#define TPAAS_SIPB_MEDIA_H

#include <stdint.h>
#include "mcu_room.h"
#include "mcu_tiers.h"

typedef struct sipb_media sipb_media;

/* Zero-initialise it: callbacks left NULL are not called (more may be added). */
typedef struct sipb_media_events {
	void *opaque;
	/* One DTMF key press ('0'-'9', '*', '#', 'A'-'D'), once per press (RFC 4733 end of event). */
	void (*dtmf)(void *opaque, char digit);
	/* No RTP arrived for media_timeout_s (while not on hold). */
	void (*timeout)(void *opaque);
	/* A prompt played with sipb_media_play_prompt finished (not called for looped prompts). */
	void (*prompt_done)(void *opaque, const char *prompt);
	/* The room needs a key frame from the caller, who negotiated no RTCP feedback: send it a
	 * SIP INFO picture_fast_update (RFC 5168). Rate-limited by the room. May be NULL. */
	void (*fast_update)(void *opaque);
} sipb_media_events;

typedef struct sipb_media_config {
	const char *local_ip;           /* address to bind and to put in the SDP c= line */
	int rtp_port_min, rtp_port_max; /* even RTP ports from this range; RTCP = RTP + 1 */
	int media_timeout_s;            /* default 30 */
	const char *prompt_dir;         /* folder of the IVR prompts (see sipb_media_play_prompt) */
	const char *display;            /* the caller's name on the composed picture */
	uint64_t member_id;             /* its vmr_member id (the call's own id); 0: a random one */
	/* 1: send nothing (prompts, the room, RTCP) until sipb_media_start; for calls we answer,
	 * whose SDP came from an unauthenticated INVITE. 0: send as soon as streams are set. */
	int wait_for_start;
} sipb_media_config;

/* One negotiated m-line. */
typedef struct sipb_media_stream {
	int enabled;           /* 0: no such stream (or port 0 in the SDP) */
	const char *remote_ip; /* from c=; symmetric RTP: packets are taken from this address,
	                              * or from one other source latched in the first seconds
	                              * (NAT), never from anyone else (see sipb_media.c) */
	int remote_port;
	int payload_type;
	const char *codec; /* "PCMU", "PCMA", "G722", "opus", "VP8", "H264" */
	int clock_rate;
	int dtmf_pt;                 /* audio: telephone-event payload type, 0 when none */
	int h264_packetization_mode; /* video H.264: 0 or 1 */
	int audio_level_ext; /* audio: RFC 6464 header extension id (a=extmap), 0 when none */
	/* audio Opus: the peer can use in-band FEC (its fmtp said useinbandfec=1, RFC 7587
	 * §6.1), so what we send it carries FEC; 0 (the RFC's default): without */
	int opus_fec;
	/* SDES (RFC 4568): the peer's a=crypto value (e.g. "1 AES_CM_128_HMAC_SHA1_80 inline:...")
	 * or NULL for plain RTP. */
	const char *remote_crypto;
	/* video: the RTCP feedback negotiated (a=rtcp-fb, RFC 4585/5104), SIPB_RTCP_FB_* bits.
	 * With none, a key frame is asked for with both a PLI and a SIP INFO
	 * picture_fast_update (sipb_media_events.fast_update). */
	int rtcp_fb;
	/* video: what the peer's SDP allows it to receive (b=AS/TIAS, H.264 level, max-fs,
	 * imageattr): caps its bandwidth tier (mcu_tiers.h). */
	mcu_video_limits video_limits;
} sipb_media_stream;

#define SIPB_RTCP_FB_NACK 1 /* "nack": retransmissions (generic NACK, RFC 4585 §6.2.1) */
#define SIPB_RTCP_FB_PLI  2 /* "nack pli" */
#define SIPB_RTCP_FB_FIR  4 /* "ccm fir" (RFC 5104) */

/* "ccm tmmbr" (RFC 5104): its bandwidth tier follows its TMMBR */
#define SIPB_RTCP_FB_TMMBR 8
/* The key-frame feedback (without it: SIP INFO picture_fast_update) */
#define SIPB_RTCP_FB_KEYFRAME (SIPB_RTCP_FB_NACK | SIPB_RTCP_FB_PLI | SIPB_RTCP_FB_FIR)

int sipb_media_new(const sipb_media_config *cfg, const sipb_media_events *ev, sipb_media **out);
void sipb_media_free(sipb_media *m);

/* Our RTP port for the audio (is_video 0) or video stream; RTCP is that + 1. */
int sipb_media_local_port(sipb_media *m, int is_video);
/* Our a=crypto value for a stream when the peer offered SDES (same suite, fresh key); NULL
 * for plain RTP. Owned by m. */
const char *sipb_media_local_crypto(sipb_media *m, int is_video);
/* Applies the result of an offer/answer (first call or re-INVITE). video may be NULL.
 * Returns 0, or -EINVAL / -ENOTSUP for a codec or crypto suite we cannot do. */
int sipb_media_set_streams(
	sipb_media *m, const sipb_media_stream *audio, const sipb_media_stream *video);
/* Plays the named prompt ("<prompt_dir>/<name>.s16" — 16-bit mono 48 kHz raw PCM made at
 * build time from text with espeak-ng) to the caller, replacing any prompt playing; loop
 * repeats it. In a room (a keypad answer: "only a host can do that") the prompt takes the
 * room's audio's place until it ends. */
int sipb_media_play_prompt(sipb_media *m, const char *name, int loop);
void sipb_media_stop_prompt(sipb_media *m);
/* Joins the caller to the room (stops prompts). Returns 0 or a negative errno. */
int sipb_media_join(sipb_media *m, mcu_room *room);
/* The caller's name on the composed picture from now on (e.g. an invitation's guest name
 * after its code was entered); before sipb_media_join. display is copied. */
void sipb_media_set_display(sipb_media *m, const char *display);
/* Lets media out (wait_for_start): the signalling calls it when the peer has ACKed our
 * answer, so an INVITE from a forged source reflects nothing. peer_ip is the address the
 * SIP request came from: before the peer's first packet arrives, we send to the SDP address
 * only when its host is peer_ip; otherwise only to a latched source (an SDP c= naming
 * someone else's host gets nothing from us). NULL trusts the SDP address. Idempotent. */
int sipb_media_start(sipb_media *m, const char *peer_ip);
/* Hold (a=sendonly/inactive from the peer): stop sending, no media timeout. */
void sipb_media_hold(sipb_media *m, int on_hold);

typedef struct sipb_media_stats {
	uint64_t rtp_in, rtp_out, rtcp_in, rtcp_out, dtmf_events, bad_packets;
	uint64_t retransmitted; /* video packets sent again for a NACK */
} sipb_media_stats;
void sipb_media_get_stats(sipb_media *m, sipb_media_stats *out);

/* --- added by the media side (additive; the functions above are unchanged) --- */

/* Checks one a=crypto value of an offer without touching any call: 0 when set_streams
 * would take it, -ENOTSUP (suite, MKI, session parameters we lack) or -EINVAL. Lets the
 * signalling pick the first usable line of several. */
int sipb_media_crypto_check(const char *remote_crypto);
/* Leaves the room (the call stays up; e.g. moved back to the IVR). sipb_media_free does it
 * too. Prompts can be played again afterwards. */
void sipb_media_leave(sipb_media *m);
/* For an offer of ours with SDES (RTP/SAVP): our a=crypto value for a stream (0 audio, 1
 * video, SIPB_MEDIA_SLIDES; AES_CM_128_HMAC_SHA1_80, tag 1), made now when the stream has no
 * key yet and kept when the answer picks that suite. Owned by m; NULL when no key could be
 * made. */
const char *sipb_media_offer_crypto(sipb_media *m, int is_video);
/* The vmr_member id this call has in room events (sipb_media_config.member_id). */
uint64_t sipb_media_member_id(sipb_media *m);
/* The caller's MCU participant while in a room (a new reference), else NULL. */
mcu_participant *sipb_media_participant(sipb_media *m);
/* The caller asked for a key frame outside RTCP (SIP INFO picture_fast_update): the room's
 * encoder makes one (rate-limited, shared with everyone of its codec). No-op outside a room. */
void sipb_media_keyframe_request(sipb_media *m);
/* The caller's figures in the room (mcu_participant_stats: frames decoded and lost, key
 * frames asked for); zeros outside a room. */
void sipb_media_room_stats(sipb_media *m, mcu_participant_stats *out);

/* --- content sharing (issue #13): the slides video line (a=content:slides) --- */

/* io_send_rtp's stream number of the slides line (MCU_STREAM_CONTENT) and the is_video
 * value sipb_media_local_port / _local_crypto take for it. */
#define SIPB_MEDIA_SLIDES 2
/* Our RTP port of the slides line, its sockets opened on first use; 0 when none could be. */
int sipb_media_slides_port(sipb_media *m);
/* The slides line as negotiated (NULL or disabled: none); receive: the line takes the
 * room's content (the peer said sendrecv or recvonly). Call sipb_media_slides_port first.
 * 0, or -EINVAL / -ENOTSUP like sipb_media_set_streams. */
int sipb_media_set_slides(sipb_media *m, const sipb_media_stream *slides, int receive);
/* The caller presents (on 1: what arrives on the slides line becomes the room's content)
 * or stops. Kept across a rejoin. -ENOTCONN without a slides line. */
int sipb_media_present(sipb_media *m, int on);

#endif
