/*
 * sipb_media_plan.c - the offer/answer half of a SIP call's media (see sipb_media_priv.h):
 * what the negotiated SDP (a sipb_media_stream per m-line, from sipb_sdp.c) means for one
 * stream. sipb_media_plan_stream checks it and turns it into a plan (codec, clock, peer
 * addresses, the peer's SDES key) without touching the stream; sipb_media_plan_apply then
 * sets the stream to the plan (SRTP contexts, source learning after a new peer address) and
 * says whether the MCU must be rejoined because a codec or payload type changed.
 *
 * Threads: whichever thread calls sipb_media_set_streams; sipb_media_plan_stream touches no
 * shared state, sipb_media_plan_apply runs with sipb_media's `lock` held.
 * Ownership: the plan owns nothing; the stream owns the SRTP contexts and crypto strings
 * the apply step creates (freed by the next apply or by sipb_media_free).
 */
#include "sipb_media_priv.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#include "mcu_audio_xcode.h"

static int codec_of(const sipb_media_stream *st, bool video, mcu_audio_codec_id *acodec,
	mcu_video_codec_id *vcodec, uint32_t *clock)
{
	if (!st->codec)
		return -EINVAL;
	if (video) {
		if (g_ascii_strcasecmp(st->codec, "VP8") == 0)
			*vcodec = MCU_VIDEO_VP8;
		else if (g_ascii_strcasecmp(st->codec, "H264") == 0
			&& (st->h264_packetization_mode == 0 || st->h264_packetization_mode == 1))
			*vcodec = MCU_VIDEO_H264;
		else
			return -ENOTSUP;
		*clock = 90000;
		return 0;
	}
	if (g_ascii_strcasecmp(st->codec, "PCMU") == 0)
		*acodec = MCU_AUDIO_PCMU;
	else if (g_ascii_strcasecmp(st->codec, "PCMA") == 0)
		*acodec = MCU_AUDIO_PCMA;
	else if (g_ascii_strcasecmp(st->codec, "opus") == 0)
		*acodec = MCU_AUDIO_OPUS;
	else if (g_ascii_strcasecmp(st->codec, "G722") == 0)
		*acodec = MCU_AUDIO_G722;
	else
		return -ENOTSUP;
	*clock = mcu_audio_clock_hz(*acodec);
	return 0;
}

int sipb_media_plan_stream(const sipb_media_stream *st, bool video, int family, sipb_media_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	if (!st || !st->enabled || st->remote_port == 0)
		return 0;
	if (st->payload_type < 0 || st->payload_type > 127 || st->dtmf_pt < 0 || st->dtmf_pt > 127
		|| st->remote_port < 0 || st->remote_port > 65534)
		return -EINVAL;
	int r = codec_of(st, video, &pl->acodec, &pl->vcodec, &pl->clock);
	if (r < 0)
		return r;
	if (sipb_addr_set(&pl->rtp, st->remote_ip, st->remote_port) < 0
		|| (int)pl->rtp.ss.ss_family != family)
		return -EINVAL;
	sipb_addr_with_port(&pl->rtcp, &pl->rtp, st->remote_port + 1);
	if (st->remote_crypto) {
		r = sipb_crypto_parse(st->remote_crypto, &pl->remote);
		if (r < 0)
			return r;
		pl->has_crypto = true;
	}
	pl->enabled = true;
	return 0;
}

int sipb_media_plan_apply(
	sipb_stream *s, const sipb_media_stream *st, const sipb_media_plan *pl, bool *rejoin)
{
	if (!pl->enabled) {
		*rejoin |= s->enabled;
		s->enabled = false;
		return 0;
	}
	if (!s->enabled || s->pt != st->payload_type || s->acodec != pl->acodec
		|| s->vcodec != pl->vcodec || s->h264_mode != st->h264_packetization_mode
		|| s->opus_fec != (st->opus_fec != 0))
		*rejoin = true;
	if (!s->enabled || !sipb_addr_equal(&s->sdp_rtp, &pl->rtp)) {
		/* A new peer address (re-INVITE): learn the source again, for a few seconds. */
		memset(&s->src_rtp, 0, sizeof(s->src_rtp));
		memset(&s->src_rtcp, 0, sizeof(s->src_rtcp));
		s->rtcp_muxed = false;
		s->learn_until_us = g_get_monotonic_time() + SIPB_MEDIA_LEARN_US;
	}
	s->sdp_rtp = pl->rtp;
	s->sdp_rtcp = pl->rtcp;
	s->pt = st->payload_type;
	s->dtmf_pt = st->dtmf_pt;
	s->clock_hz = pl->clock;
	s->acodec = pl->acodec;
	s->vcodec = pl->vcodec;
	s->h264_mode = st->h264_packetization_mode;
	s->opus_fec = st->opus_fec != 0;
	s->rtcp_fb = st->rtcp_fb;
	s->limits = st->video_limits;
	if ((s->rtcp_fb & SIPB_RTCP_FB_NACK) && s->hist == NULL)
		s->hist = g_new0(struct sipb_media_history, 1);
	else if (!(s->rtcp_fb & SIPB_RTCP_FB_NACK))
		g_clear_pointer(&s->hist, g_free);
	s->level_ext = st->audio_level_ext >= 1 && st->audio_level_ext <= 14 ? st->audio_level_ext
									     : 0;
	if (!pl->has_crypto) {
		sipb_srtp_free(s->tx);
		sipb_srtp_free(s->rx);
		s->tx = s->rx = NULL;
		g_clear_pointer(&s->remote_crypto, g_free);
		g_clear_pointer(&s->local_crypto, g_free);
	} else if (!s->remote_crypto || strcmp(s->remote_crypto, st->remote_crypto) != 0) {
		sipb_srtp *tx = NULL, *rx = NULL;
		sipb_crypto key = s->local_key;
		int r = 0;
		/* Keep our key across re-INVITEs unless the suite changed (RFC 4568 §7.1.4 allows
		 * either); the tag follows the peer's. */
		if (!s->local_crypto || key.suite != pl->remote.suite)
			r = sipb_crypto_generate(pl->remote.tag, pl->remote.suite, &key);
		key.tag = pl->remote.tag;
		if (r == 0)
			r = sipb_srtp_new(&key, true, &tx);
		if (r == 0)
			r = sipb_srtp_new(&pl->remote, false, &rx);
		if (r < 0) {
			sipb_srtp_free(tx);
			sipb_srtp_free(rx);
			return r;
		}
		sipb_srtp_free(s->tx);
		sipb_srtp_free(s->rx);
		s->tx = tx;
		s->rx = rx;
		s->local_key = key;
		g_free(s->local_crypto);
		s->local_crypto = sipb_crypto_format(&key);
		g_free(s->remote_crypto);
		s->remote_crypto = g_strdup(st->remote_crypto);
	}
	if (!s->enabled) {
		sipb_rtcp_rx_reset(&s->rxstats);
		sipb_dtmf_rx_init(&s->dtmf);
		s->next_rtcp_us = g_get_monotonic_time() + SIPB_MEDIA_RTCP_INTERVAL_US / 2;
	}
	s->enabled = true;
	return 0;
}
