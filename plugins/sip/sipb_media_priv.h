/*
 * sipb_media_priv.h - what sipb_media.c (sockets, loop thread, MCU io) and
 * sipb_media_plan.c (the SDP offer/answer outcome turned into stream settings) share.
 * Not installed, not for the plugin.
 *
 * Threads and ownership: see sipb_media.c; a sipb_stream lives inside its sipb_media and
 * is guarded by that media's `lock`.
 */
#ifndef TPAAS_SIPB_MEDIA_PRIV_H
#define TPAAS_SIPB_MEDIA_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "mcu_room.h"
#include "sipb_media.h"
#include "sipb_dtmf.h"
#include "sipb_rtcp.h"
#include "sipb_rtp_socket.h"
#include "sipb_srtp.h"
#include "vmr_media_quality.h"

#define SIPB_MEDIA_RTCP_INTERVAL_US 5000000
#define SIPB_MEDIA_LEARN_US         3000000 /* how long an unknown source may still be learned */

/* One m-line's state. Guarded by sipb_media's `lock`. */
typedef struct sipb_stream {
	sipb_rtp_socket sock;
	bool enabled;
	int pt, dtmf_pt;
	uint32_t clock_hz;
	vmr_rr_state rr_in, rr_out;  /* loss and jitter for the metrics (vmr_media_quality.h) */
	mcu_audio_codec_id acodec;   /* audio only */
	mcu_video_codec_id vcodec;   /* video only */
	int h264_mode;               /* video H.264: packetization-mode 0 or 1 */
	int level_ext;               /* audio: RFC 6464 extension id, 0 when none */
	bool opus_fec;               /* audio Opus: send in-band FEC (sipb_media_stream) */
	sipb_addr sdp_rtp, sdp_rtcp; /* from the SDP (len 0: none / 0.0.0.0) */
	sipb_addr src_rtp, src_rtcp; /* latched sources (symmetric RTP) */
	bool rtcp_muxed;             /* the peer sent RTCP to our RTP port */
	int64_t learn_until_us;      /* before this, a source not in the SDP may be latched */
	char *remote_crypto;         /* as given, to spot a change */
	sipb_crypto local_key;
	char *local_crypto; /* NULL: plain RTP */
	sipb_srtp *tx, *rx;
	sipb_rtcp_rx rxstats;
	uint32_t local_ssrc, sent_ssrc; /* sent_ssrc: of the last packet we sent, 0: none */
	int64_t next_rtcp_us;
	sipb_dtmf_rx dtmf;
	uint32_t dtmf_ssrc; /* of the telephone-events dtmf is tracking */
	int rtcp_fb;        /* video: SIPB_RTCP_FB_* negotiated */
	uint8_t fir_seq;    /* RFC 5104 §4.3.1.1: one more per new FIR */

	/* video: the SDP's limits, for the bandwidth tier; a TMMBR to acknowledge (TMMBN) */
	mcu_video_limits limits;
	bool tmmbn_pending;
	uint32_t tmmbn_owner, tmmbn_fci;
	/* video with "nack" negotiated: the last SIPB_MEDIA_HISTORY packets as they went out
	 * (after SRTP), by RTP sequence number, for retransmission (each at most once, so a
	 * forged NACK stream cannot make us send more than twice the picture); NULL otherwise. */
	struct sipb_media_history *hist;
} sipb_stream;

#define SIPB_MEDIA_HISTORY      128
#define SIPB_MEDIA_HISTORY_SLOT 1536

struct sipb_media_history {
	uint16_t seq[SIPB_MEDIA_HISTORY];
	uint16_t len[SIPB_MEDIA_HISTORY]; /* 0: empty */
	bool resent[SIPB_MEDIA_HISTORY];  /* sent again once already: never twice */
	uint8_t pkt[SIPB_MEDIA_HISTORY][SIPB_MEDIA_HISTORY_SLOT];
};

/* What one negotiated m-line asks for, checked but not yet applied. */
typedef struct sipb_media_plan {
	bool enabled;
	mcu_audio_codec_id acodec;
	mcu_video_codec_id vcodec;
	uint32_t clock;
	sipb_addr rtp, rtcp;
	bool has_crypto;
	sipb_crypto remote;
} sipb_media_plan;

/* Checks st (NULL, disabled or port 0: a disabled plan) and fills *pl; family is the
 * address family of the stream's socket, which the peer's address must match. Returns 0,
 * -EINVAL (a bad payload type, port or address), -ENOTSUP (a codec we don't take) or the
 * SDES key's parse error. Touches no stream. */
int sipb_media_plan_stream(
	const sipb_media_stream *st, bool video, int family, sipb_media_plan *pl);

/* Applies a plan to a stream (`lock` held); sets *rejoin when the MCU must be rejoined.
 * Returns 0 or a negative errno (SRTP setup). */
int sipb_media_plan_apply(
	sipb_stream *s, const sipb_media_stream *st, const sipb_media_plan *pl, bool *rejoin);

#endif
