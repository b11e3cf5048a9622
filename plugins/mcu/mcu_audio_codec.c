/*
 * mcu_audio_codec.c - libopus wrappers (see mcu_audio_codec.h).
 */
#include "mcu_audio_codec.h"
#include "mcu_opus_rtp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <opus/opus.h>

#define FIXED_LOSS_PERCENT 5 /* without FEC, or with FEC before any report */

struct mcu_opus_enc {
	OpusEncoder *enc;
	int bitrate_bps; /* its own, without the FEC extra */
	bool fec;
	int loss; /* what libopus was told last: percent, or -1 for FIXED_LOSS_PERCENT */
};

struct mcu_opus_dec {
	OpusDecoder *dec;
};

int mcu_opus_enc_new(int bitrate_bps, mcu_opus_enc **out)
{
	if (!out || bitrate_bps < 6000 || bitrate_bps > 510000)
		return -EINVAL;
	mcu_opus_enc *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	int err = OPUS_OK;
	e->enc = opus_encoder_create(MCU_OPUS_CLOCK_HZ, 1, OPUS_APPLICATION_VOIP, &err);
	if (!e->enc || err != OPUS_OK) {
		free(e);
		return -ENOMEM;
	}
	e->bitrate_bps = bitrate_bps;
	e->fec = true;
	e->loss = -1;
	opus_encoder_ctl(e->enc, OPUS_SET_BITRATE(bitrate_bps));
	opus_encoder_ctl(e->enc, OPUS_SET_COMPLEXITY(5));
	opus_encoder_ctl(e->enc, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(e->enc, OPUS_SET_PACKET_LOSS_PERC(FIXED_LOSS_PERCENT));
	*out = e;
	return 0;
}

/* Tells libopus the loss (-1: the fixed one) and the bitrate that goes with it. */
static int apply_loss(mcu_opus_enc *e, int loss)
{
	if (loss == e->loss)
		return 0;
	int perc = loss < 0 ? FIXED_LOSS_PERCENT : loss;
	int bps = e->bitrate_bps + (loss > 0 ? MCU_OPUS_FEC_EXTRA_BPS : 0);
	if (opus_encoder_ctl(e->enc, OPUS_SET_PACKET_LOSS_PERC(perc)) != OPUS_OK
		|| opus_encoder_ctl(e->enc, OPUS_SET_BITRATE(bps)) != OPUS_OK)
		return -EINVAL;
	e->loss = loss;
	return 0;
}

int mcu_opus_enc_set_fec(mcu_opus_enc *e, bool on)
{
	if (!e || opus_encoder_ctl(e->enc, OPUS_SET_INBAND_FEC(on ? 1 : 0)) != OPUS_OK)
		return -EINVAL;
	e->fec = on;
	return on ? 0 : apply_loss(e, -1);
}

int mcu_opus_enc_set_expected_loss(mcu_opus_enc *e, int percent)
{
	if (!e || percent < -1 || percent > 100)
		return -EINVAL;
	if (!e->fec)
		return 0;
	return apply_loss(e, percent > 25 ? 25 : percent);
}

void mcu_opus_enc_free(mcu_opus_enc *e)
{
	if (!e)
		return;
	opus_encoder_destroy(e->enc);
	free(e);
}

int mcu_opus_enc_encode(
	mcu_opus_enc *e, const int16_t *pcm, uint8_t *out, size_t cap, size_t *out_len)
{
	if (!e || !pcm || !out || !out_len || cap == 0)
		return -EINVAL;
	opus_int32 max = cap > MCU_OPUS_MAX_PACKET ? MCU_OPUS_MAX_PACKET : (opus_int32)cap;
	opus_int32 n = opus_encode(e->enc, pcm, MCU_OPUS_FRAME_SAMPLES, out, max);
	if (n <= 0)
		return -EIO;
	*out_len = (size_t)n;
	return 0;
}

int mcu_opus_dec_new(mcu_opus_dec **out)
{
	if (!out)
		return -EINVAL;
	mcu_opus_dec *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	int err = OPUS_OK;
	d->dec = opus_decoder_create(MCU_OPUS_CLOCK_HZ, 1, &err);
	if (!d->dec || err != OPUS_OK) {
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void mcu_opus_dec_free(mcu_opus_dec *d)
{
	if (!d)
		return;
	opus_decoder_destroy(d->dec);
	free(d);
}

int mcu_opus_dec_decode(mcu_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm,
	int max_samples, int *samples)
{
	if (!d || !pcm || !samples || max_samples < MCU_OPUS_FRAME_SAMPLES)
		return -EINVAL;
	int n;
	if (!pkt) {
		/* Packet loss concealment: libopus extrapolates frame_size samples. */
		n = opus_decode(d->dec, NULL, 0, pcm, MCU_OPUS_FRAME_SAMPLES, 0);
	} else {
		if (len == 0 || len > MCU_OPUS_MAX_PACKET)
			return -EPROTO;
		n = opus_decode(d->dec, pkt, (opus_int32)len, pcm, max_samples, 0);
	}
	if (n <= 0)
		return -EPROTO;
	*samples = n;
	return 0;
}
