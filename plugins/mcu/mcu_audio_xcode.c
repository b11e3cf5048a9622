/*
 * mcu_audio_xcode.c - codec-neutral decode/encode for the mixer (see mcu_audio_xcode.h).
 *
 * The speexdsp resamplers keep their filter state across calls, so a participant's G.711
 * stream must always go through the same decoder (and an outgoing stream through the same
 * encoder): the room keeps one per stream. G.722 goes the same way at 16 kHz (3x), through
 * libavcodec's codec (mcu_g722.h).
 */
#include "mcu_audio_xcode.h"
#include "mcu_audio_codec.h"
#include "mcu_g711.h"
#include "mcu_g722.h"
#include "mcu_opus_rtp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <speex/speex_resampler.h>

#define RESAMPLER_QUALITY 3 /* speexdsp's VoIP setting: ~1 µs per 20 ms frame here */
#define G711_PLC_FRAMES   3 /* fading copies of the last frame before silence */

struct mcu_adec {
	mcu_audio_codec_id codec;
	mcu_opus_dec *opus;
	mcu_g722_dec *g722;
	SpeexResamplerState *up;
	int16_t last[MCU_MIX_FRAME];
	int plc_n;
};

struct mcu_aenc {
	mcu_audio_codec_id codec;
	mcu_opus_enc *opus;
	mcu_g722_enc *g722;
	SpeexResamplerState *down;
};

static bool is_g711(mcu_audio_codec_id c)
{
	return c == MCU_AUDIO_PCMU || c == MCU_AUDIO_PCMA;
}

static bool is_valid(mcu_audio_codec_id c)
{
	return c == MCU_AUDIO_OPUS || is_g711(c) || c == MCU_AUDIO_G722;
}

/* Sample rate of the codec's audio (not its RTP clock: G.722 differs). */
static spx_uint32_t codec_rate(mcu_audio_codec_id c)
{
	return c == MCU_AUDIO_G722 ? MCU_G722_RATE_HZ
		: is_g711(c)       ? MCU_G711_CLOCK_HZ
				   : MCU_MIX_RATE_HZ;
}

int mcu_audio_payload_check(mcu_audio_codec_id codec, const uint8_t *payload, size_t len)
{
	if (codec == MCU_AUDIO_OPUS)
		return mcu_opus_rtp_check(payload, len, NULL);
	if (is_g711(codec) || codec == MCU_AUDIO_G722)
		return payload && len > 0 && len <= MCU_G711_MAX_PAYLOAD ? 0 : -EPROTO;
	return -EPROTO;
}

uint32_t mcu_audio_clock_hz(mcu_audio_codec_id codec)
{
	if (codec == MCU_AUDIO_G722)
		return MCU_G722_CLOCK_HZ; /* RFC 3551 §4.5.2 */
	return is_g711(codec) ? MCU_G711_CLOCK_HZ : MCU_OPUS_CLOCK_HZ;
}

uint32_t mcu_audio_frame_ts(mcu_audio_codec_id codec)
{
	return codec == MCU_AUDIO_G722 ? MCU_G722_CLOCK_HZ / 50
		: is_g711(codec)       ? MCU_G711_FRAME_SAMPLES
				       : MCU_OPUS_FRAME_SAMPLES;
}

int mcu_adec_new(mcu_audio_codec_id codec, mcu_adec **out)
{
	if (!out || !is_valid(codec))
		return -EINVAL;
	mcu_adec *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->codec = codec;
	int err = 0;
	if (codec == MCU_AUDIO_OPUS)
		err = mcu_opus_dec_new(&d->opus);
	else {
		d->up = speex_resampler_init(
			1, codec_rate(codec), MCU_MIX_RATE_HZ, RESAMPLER_QUALITY, &err);
		err = d->up ? 0 : -ENOMEM;
		if (err == 0 && codec == MCU_AUDIO_G722)
			err = mcu_g722_dec_new(&d->g722);
	}
	if (err < 0) {
		mcu_adec_free(d);
		return err;
	}
	*out = d;
	return 0;
}

void mcu_adec_free(mcu_adec *d)
{
	if (!d)
		return;
	mcu_opus_dec_free(d->opus);
	mcu_g722_dec_free(d->g722);
	if (d->up)
		speex_resampler_destroy(d->up);
	free(d);
}

int mcu_adec_decode(
	mcu_adec *d, const uint8_t *pkt, size_t len, int16_t *pcm, int max, int *samples)
{
	if (!d || !pcm || !samples || max < MCU_MIX_FRAME)
		return -EINVAL;
	if (d->codec == MCU_AUDIO_OPUS)
		return mcu_opus_dec_decode(d->opus, pkt, len, pcm, max, samples);
	if (!pkt) {
		/* No codec PLC in G.711 or G.722 (Appendix I is overkill here): repeat the last frame,
		 * 6 dB quieter each time, then silence. */
		for (int i = 0; i < MCU_MIX_FRAME; i++) {
			d->last[i] = d->plc_n < G711_PLC_FRAMES ? (int16_t)(d->last[i] / 2) : 0;
			pcm[i] = d->last[i];
		}
		d->plc_n++;
		*samples = MCU_MIX_FRAME;
		return 0;
	}
	/* Either way one byte is 1/8000 s: 6 samples at 48 kHz. */
	if (mcu_audio_payload_check(d->codec, pkt, len) < 0 || (int)len * 6 > max)
		return -EPROTO;
	int16_t narrow[MCU_G711_MAX_PAYLOAD * 2];
	int n_in = (int)len;
	if (d->codec == MCU_AUDIO_G722) {
		if (mcu_g722_dec_decode(d->g722, pkt, len, narrow,
			    (int)(sizeof(narrow) / sizeof(narrow[0])), &n_in)
			< 0)
			return -EPROTO;
	} else {
		mcu_g711_decode(d->codec == MCU_AUDIO_PCMA, pkt, narrow, len);
	}
	spx_uint32_t in_len = (spx_uint32_t)n_in, out_len = (spx_uint32_t)max;
	speex_resampler_process_int(d->up, 0, narrow, &in_len, pcm, &out_len);
	*samples = (int)out_len;
	if (out_len >= MCU_MIX_FRAME)
		memcpy(d->last, pcm + out_len - MCU_MIX_FRAME, sizeof(d->last));
	d->plc_n = 0;
	return out_len > 0 ? 0 : -EPROTO;
}

int mcu_aenc_new(mcu_audio_codec_id codec, int bitrate_bps, mcu_aenc **out)
{
	if (!out || !is_valid(codec))
		return -EINVAL;
	mcu_aenc *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->codec = codec;
	int err = 0;
	if (codec == MCU_AUDIO_OPUS)
		err = mcu_opus_enc_new(bitrate_bps, &e->opus);
	else {
		e->down = speex_resampler_init(
			1, MCU_MIX_RATE_HZ, codec_rate(codec), RESAMPLER_QUALITY, &err);
		err = e->down ? 0 : -ENOMEM;
		if (err == 0 && codec == MCU_AUDIO_G722)
			err = mcu_g722_enc_new(&e->g722);
	}
	if (err < 0) {
		mcu_aenc_free(e);
		return err;
	}
	*out = e;
	return 0;
}

int mcu_aenc_set_fec(mcu_aenc *e, bool on)
{
	if (!e)
		return -EINVAL;
	return e->codec == MCU_AUDIO_OPUS ? mcu_opus_enc_set_fec(e->opus, on) : 0;
}

int mcu_aenc_set_expected_loss(mcu_aenc *e, int percent)
{
	if (!e)
		return -EINVAL;
	return e->codec == MCU_AUDIO_OPUS ? mcu_opus_enc_set_expected_loss(e->opus, percent) : 0;
}

void mcu_aenc_free(mcu_aenc *e)
{
	if (!e)
		return;
	mcu_opus_enc_free(e->opus);
	mcu_g722_enc_free(e->g722);
	if (e->down)
		speex_resampler_destroy(e->down);
	free(e);
}

int mcu_aenc_encode(mcu_aenc *e, const int16_t *pcm, uint8_t *out, size_t cap, size_t *out_len)
{
	if (!e || !pcm || !out || !out_len)
		return -EINVAL;
	if (e->codec == MCU_AUDIO_OPUS)
		return mcu_opus_enc_encode(e->opus, pcm, out, cap, out_len);
	if (cap < MCU_G711_FRAME_SAMPLES)
		return -EINVAL;
	int16_t narrow[MCU_G722_FRAME_SAMPLES];
	spx_uint32_t want = e->codec == MCU_AUDIO_G722 ? MCU_G722_FRAME_SAMPLES
						       : MCU_G711_FRAME_SAMPLES;
	spx_uint32_t in_len = MCU_MIX_FRAME, out_n = want;
	speex_resampler_process_int(e->down, 0, pcm, &in_len, narrow, &out_n);
	/* A 6:1 (3:1) ratio gives 160 (320) samples for 960; pad defensively so the packet is
	 * 20 ms. */
	for (spx_uint32_t i = out_n; i < want; i++)
		narrow[i] = 0;
	if (e->codec == MCU_AUDIO_G722)
		return mcu_g722_enc_encode(e->g722, narrow, out, cap, out_len) < 0 ? -EIO : 0;
	mcu_g711_encode(e->codec == MCU_AUDIO_PCMA, narrow, out, MCU_G711_FRAME_SAMPLES);
	*out_len = MCU_G711_FRAME_SAMPLES;
	return 0;
}
