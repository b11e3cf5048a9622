/*
 * sipb_sdp.h - SDP offer/answer for SIP endpoints (RFC 3264), pure: parses an offer (or the
 * answer to our own offer) with Sofia-SIP's SDP parser, picks one audio and one video codec
 * we can do, and writes the answer (or our offer for dial-out).
 *
 * Audio: opus/48000/2, G722/8000, PCMU/8000, PCMA/8000 (+ telephone-event, RFC 4733).
 * Video: VP8/90000, H264/90000 constrained baseline (profile_idc 0x42 with constraint_set1,
 * or no profile-level-id), packetization-mode 0 or 1. The offerer's order decides.
 * Video feedback (RFC 4585, 5104): the offer's a=rtcp-fb for the chosen format ("nack",
 * "nack pli", "ccm fir") is kept in rtcp_fb and the answer names only those.
 * Transport: RTP/AVP(F) and RTP/SAVP(F) with SDES (RFC 4568) AES_CM_128_HMAC_SHA1_80/_32;
 * an SAVP m-line without a usable a=crypto is rejected (port 0).
 *
 * Threads: any. Ownership: results live in fixed buffers; sipb_sdp_answer/_offer return
 * a g_malloc'ed string the caller g_free()s.
 */
#ifndef TPAAS_SIPB_SDP_H
#define TPAAS_SIPB_SDP_H

#include <stddef.h>
#include "sipb_media.h"

#define SIPB_SDP_MAX_MLINES 8

typedef enum sipb_sdp_dir {
	SIPB_SDP_INACTIVE = 0,
	SIPB_SDP_SENDONLY = 1,
	SIPB_SDP_RECVONLY = 2,
	SIPB_SDP_SENDRECV = 3,
} sipb_sdp_dir;

typedef struct sipb_sdp_mline {
	/* What a refused line is answered with: checked tokens only (see take_line) */
	char type[16];      /* "audio", "video", or another media type that is a plain name */
	char proto[24];     /* the offered proto when it is a plain name, e.g. "RTP/SAVP" */
	char first_fmt[16]; /* the first offered format when valid, else "0" (RTP) or "*" */
	int accepted;       /* we take this line (else answered with port 0) */
	int is_video;
	int port;
	char remote_ip[64];
	int pt, clock_rate, channels;
	char codec[8];  /* "PCMU", "PCMA", "G722", "opus", "VP8", "H264" */
	char fmtp[128]; /* the chosen format's fmtp (echoed for H.264) */
	int opus_fec;   /* Opus: the fmtp says useinbandfec=1 (RFC 7587 §6.1) */
	int dtmf_pt;    /* 0 when none */
	int h264_mode;
	char crypto[192]; /* the chosen a=crypto value ("1 AES_CM_... inline:..."), "" for RTP */
	int crypto_tag;
	sipb_sdp_dir dir; /* the offerer's direction */
	int rtcp_fb;      /* video: SIPB_RTCP_FB_* the SDP names for the chosen format (RFC 4585) */
	mcu_video_limits video_limits; /* video: b=AS/TIAS, level, max-fs, imageattr */
} sipb_sdp_mline;

typedef struct sipb_sdp_result {
	int n; /* m-lines, in order */
	sipb_sdp_mline m[SIPB_SDP_MAX_MLINES];
	int audio, video; /* index of the accepted audio / video line, -1 when none */
	/* Content sharing (sipb_sdp_content.h): the accepted video line marked a=content:slides
	 * (never the main `video`), and the m=application BFCP line (answered as the caller
	 * decides: sipb_sdp_local.bfcp_answer, else port 0); -1 when none. main_marked: the
	 * main video line said a=content:main (the answer says it too). */
	int slides, bfcp;
	int main_marked;
} sipb_sdp_result;

/* 0; -EPROTO when the SDP does not parse or an m= line cannot be answered as offered
 * (media type or proto not a plain name, or too long); -ENOTSUP when no audio line is acceptable. */
int sipb_sdp_negotiate(const char *sdp, size_t len, sipb_sdp_result *out);
/* The answer to our own offer: like sipb_sdp_negotiate, but the content lines are where our
 * offer put them (RFC 3264 §6: the answer keeps the offer's m= lines in order), whatever
 * a=content the answer says or leaves out: slides_mline for the slides video line (taken only
 * when it is an accepted video line), bfcp_mline for the BFCP line; -1 when we offered none. */
int sipb_sdp_negotiate_answer(
	const char *sdp, size_t len, int slides_mline, int bfcp_mline, sipb_sdp_result *out);
/* Hold: the peer sends nothing to us or wants nothing from us (sendonly/inactive, c=0.0.0.0). */
int sipb_sdp_is_hold(const sipb_sdp_result *r);
/* Fills a sipb_media_stream from a line (pointers into the line; enabled 0 for NULL). */
void sipb_sdp_to_stream(const sipb_sdp_mline *m, sipb_media_stream *out);

typedef struct sipb_sdp_local {
	const char *ip;
	int audio_port, video_port;              /* 0: not offered / rejected */
	const char *audio_crypto, *video_crypto; /* our a=crypto values, NULL for plain RTP */
	unsigned long long session_id, version;
	/* the slides line (port 0: refused, or not offered; a=label:<slides_label>) and the BFCP
	 * line's text from bfcp_sdp_write_answer (NULL: refused with port 0) */
	int slides_port;
	const char *slides_crypto;
	unsigned slides_label;
	const char *bfcp_answer;
	/* offers only: our BFCP line (bfcp_sdp_write_offer / _write_answer), written after the
	 * slides line; both or neither are offered (slides_port and bfcp_offer) */
	const char *bfcp_offer;
	/* offers only: the session so far when this is a re-offer (a re-INVITE without SDP):
	 * RFC 3264 §8 keeps its m-lines where they were, so ours take the places of the same
	 * kind (audio, main video, slides, BFCP), the others stay with port 0; a main video
	 * line when it never had a video line, and content lines it did not have, go after them
	 * (sipb_sdp_offer_places). NULL: a first offer. */
	const sipb_sdp_result *prev;
} sipb_sdp_local;

/* Where a first offer of ours puts its content lines: audio 0, video 1, slides 2, BFCP 3. */
#define SIPB_SDP_OFFER_SLIDES_MLINE 2
#define SIPB_SDP_OFFER_BFCP_MLINE   3

/* Where sipb_sdp_offer(local) puts the slides and BFCP lines; both -1 when it offers no
 * content (no video, slides_port or bfcp_offer, or no room for them within
 * SIPB_SDP_MAX_MLINES lines). */
void sipb_sdp_offer_places(const sipb_sdp_local *local, int *slides_mline, int *bfcp_mline);

char *sipb_sdp_answer(const sipb_sdp_result *r, const sipb_sdp_local *local);
/* Our offer (dial-out, delayed offer, re-offer: local->prev): every codec we do; RTP/SAVP with
 * our a=crypto on the lines whose crypto is given (sipb_media_offer_crypto), else plain
 * RTP/AVP. With a video port, slides_port and bfcp_offer: a slides video line with the main
 * line's codecs (a=content:slides, a=label:<slides_label>; the main one says a=content:main)
 * and the BFCP line after it. */
char *sipb_sdp_offer(const sipb_sdp_local *local);

#endif
