/*
 * mcu_g722.c - G.722 through libavcodec (see mcu_g722.h).
 *
 * Why libavcodec and not libspandsp: the MCU links libavcodec anyway (H.264), FFmpeg's
 * G.722 passes the ITU test vectors in its FATE suite, and spandsp would be one more
 * library to install and keep up with for two small functions. The encoder runs without
 * trellis search (the default), a few µs per 20 ms frame.
 */
#include "mcu_g722.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>

struct mcu_g722_enc {
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
};

struct mcu_g722_dec {
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
};

static AVCodecContext *open_ctx(const AVCodec *codec)
{
	AVCodecContext *c = avcodec_alloc_context3(codec);
	if (!c)
		return NULL;
	c->sample_rate = MCU_G722_RATE_HZ;
	c->sample_fmt = AV_SAMPLE_FMT_S16;
	c->bit_rate = 64000;
	c->frame_size = MCU_G722_FRAME_SAMPLES;
	av_channel_layout_default(&c->ch_layout, 1);
	if (avcodec_open2(c, codec, NULL) < 0) {
		avcodec_free_context(&c);
		return NULL;
	}
	return c;
}

int mcu_g722_enc_new(mcu_g722_enc **out)
{
	if (!out)
		return -EINVAL;
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_ADPCM_G722);
	if (!codec)
		return -ENOENT;
	mcu_g722_enc *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ctx = open_ctx(codec);
	e->frame = av_frame_alloc();
	e->pkt = av_packet_alloc();
	if (!e->ctx || !e->frame || !e->pkt || e->ctx->frame_size != MCU_G722_FRAME_SAMPLES) {
		mcu_g722_enc_free(e);
		return -EIO;
	}
	*out = e;
	return 0;
}

void mcu_g722_enc_free(mcu_g722_enc *e)
{
	if (!e)
		return;
	avcodec_free_context(&e->ctx);
	av_frame_free(&e->frame);
	av_packet_free(&e->pkt);
	free(e);
}

int mcu_g722_enc_encode(
	mcu_g722_enc *e, const int16_t *pcm, uint8_t *out, size_t cap, size_t *out_len)
{
	if (!e || !pcm || !out || !out_len || cap < MCU_G722_FRAME_BYTES)
		return -EINVAL;
	AVFrame *f = e->frame;
	av_frame_unref(f);
	f->format = AV_SAMPLE_FMT_S16;
	f->sample_rate = MCU_G722_RATE_HZ;
	f->nb_samples = MCU_G722_FRAME_SAMPLES;
	av_channel_layout_default(&f->ch_layout, 1);
	f->data[0] = (uint8_t *)pcm; /* borrowed: libavcodec copies non-refcounted input */
	f->linesize[0] = MCU_G722_FRAME_SAMPLES * (int)sizeof(int16_t);
	f->extended_data = f->data;
	int rc = avcodec_send_frame(e->ctx, f);
	f->data[0] = NULL;
	if (rc < 0)
		return -EIO;
	rc = avcodec_receive_packet(e->ctx, e->pkt);
	if (rc < 0)
		return -EIO;
	size_t n = (size_t)e->pkt->size;
	if (n > cap) {
		av_packet_unref(e->pkt);
		return -EIO;
	}
	memcpy(out, e->pkt->data, n);
	av_packet_unref(e->pkt);
	*out_len = n;
	return 0;
}

int mcu_g722_dec_new(mcu_g722_dec **out)
{
	if (!out)
		return -EINVAL;
	const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_ADPCM_G722);
	if (!codec)
		return -ENOENT;
	mcu_g722_dec *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ctx = open_ctx(codec);
	d->frame = av_frame_alloc();
	d->pkt = av_packet_alloc();
	if (!d->ctx || !d->frame || !d->pkt) {
		mcu_g722_dec_free(d);
		return -EIO;
	}
	*out = d;
	return 0;
}

void mcu_g722_dec_free(mcu_g722_dec *d)
{
	if (!d)
		return;
	avcodec_free_context(&d->ctx);
	av_frame_free(&d->frame);
	av_packet_free(&d->pkt);
	free(d);
}

int mcu_g722_dec_decode(
	mcu_g722_dec *d, const uint8_t *in, size_t len, int16_t *pcm, int max, int *samples)
{
	if (!d || !in || !pcm || !samples || len == 0 || len > INT32_MAX / 2)
		return -EINVAL;
	if ((int)len * 2 > max)
		return -EPROTO;
	d->pkt->data = (uint8_t *)in;
	d->pkt->size = (int)len;
	int rc = avcodec_send_packet(d->ctx, d->pkt);
	d->pkt->data = NULL;
	d->pkt->size = 0;
	if (rc < 0)
		return -EPROTO;
	int n = 0;
	while (avcodec_receive_frame(d->ctx, d->frame) == 0) {
		int got = d->frame->nb_samples;
		if (d->frame->format == AV_SAMPLE_FMT_S16 && got > 0 && got <= max - n) {
			memcpy(pcm + n, d->frame->data[0], (size_t)got * sizeof(int16_t));
			n += got;
		}
		av_frame_unref(d->frame);
	}
	if (n == 0)
		return -EPROTO;
	*samples = n;
	return 0;
}
