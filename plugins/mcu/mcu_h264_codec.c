/*
 * mcu_h264_codec.c - libavcodec H.264 decoder and libx264 encoder (see mcu_h264_codec.h).
 *
 * Encoder tuning: x264 preset "superfast" with one reference frame and no sub-partitions,
 * tune "zerolatency" (no lookahead, no B-frames, no frame threads). On the busy 720p mosaic
 * of `make bench-encoders` (2026-12-02, this 2-core machine) that is 5.7 ms of CPU per
 * frame against 11.0 ms with "veryfast", for 0.8 dB less luma PSNR at the same bitrate, and
 * half of our VP8 encode of the same picture. Profile "baseline" (x264 writes it as
 * constrained baseline: no CABAC, no B-frames, constraint_set1), level 3.1 up to
 * 1280x720@30 and higher only for larger canvases, ABR with a half-second VBV for a
 * near-constant rate, an IDR at most 3 s apart and on demand (forced-idr). libavcodec opens
 * libx264 without global headers, so x264 repeats SPS and PPS in front of every IDR.
 * slice-max-size keeps every NAL unit within one packet (packetization-mode 0 works; mode 1
 * then needs FU-A only as a fallback).
 *
 * libavcodec logs through a process-wide callback; hostile H.264 from a participant would
 * flood stderr (Janus's log) with decoder complaints, so the first decoder or encoder
 * created lowers the global level to AV_LOG_FATAL. Nothing else in our processes uses
 * libavcodec.
 */
#include "mcu_h264_codec.h"
#include "mcu_h264_rtp.h"
#include "mcu_h264_sps.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>

#define ENC_PRESET "superfast"

struct mcu_h264_dec {
	AVCodecContext *ctx;
	AVPacket *pkt;
	AVFrame *frame;
};

struct mcu_h264_enc {
	AVCodecContext *ctx;
	AVPacket *pkt;
	AVFrame *frame;
	int width, height;
	int64_t pts;
	uint8_t *out;
	size_t out_cap;
};

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void quiet_libav(void)
{
	av_log_set_level(AV_LOG_FATAL);
}

int mcu_h264_dec_new(mcu_h264_dec **out)
{
	if (!out)
		return -EINVAL;
	pthread_once(&log_once, quiet_libav);
	const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
	if (!codec)
		return -ENOENT;
	mcu_h264_dec *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ctx = avcodec_alloc_context3(codec);
	d->pkt = av_packet_alloc();
	d->frame = av_frame_alloc();
	if (!d->ctx || !d->pkt || !d->frame) {
		mcu_h264_dec_free(d);
		return -ENOMEM;
	}
	d->ctx->thread_count = 1;
	d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
	/* A second line of defence behind our SPS check (libavcodec's own size check). */
	d->ctx->max_pixels = (int64_t)MCU_IMAGE_MAX_DIM * MCU_IMAGE_MAX_DIM;
	if (avcodec_open2(d->ctx, codec, NULL) < 0) {
		mcu_h264_dec_free(d);
		return -EIO;
	}
	*out = d;
	return 0;
}

void mcu_h264_dec_free(mcu_h264_dec *d)
{
	if (!d)
		return;
	avcodec_free_context(&d->ctx);
	av_packet_free(&d->pkt);
	av_frame_free(&d->frame);
	free(d);
}

int mcu_h264_dec_decode(mcu_h264_dec *d, const uint8_t *au, size_t len, mcu_image *view)
{
	if (!d || !au || !view || len == 0 || len > MCU_H264_MAX_FRAME)
		return -EINVAL;
	/* Refuse absurd picture sizes before libavcodec allocates for them. */
	size_t pos = 0;
	const uint8_t *nal;
	size_t nlen;
	while (mcu_h264_annexb_next(au, len, &pos, &nal, &nlen)) {
		if ((nal[0] & 0x1f) != MCU_H264_NAL_SPS)
			continue;
		mcu_h264_sps sps;
		if (mcu_h264_sps_parse(nal, nlen, &sps) < 0 || sps.width > MCU_IMAGE_MAX_DIM
			|| sps.height > MCU_IMAGE_MAX_DIM)
			return -EPROTO;
	}
	av_frame_unref(d->frame);
	/* The packet borrows au: libavcodec copies non-refcounted input it must keep. */
	d->pkt->data = (uint8_t *)au;
	d->pkt->size = (int)len;
	int rc = avcodec_send_packet(d->ctx, d->pkt);
	d->pkt->data = NULL;
	d->pkt->size = 0;
	if (rc < 0 && rc != AVERROR(EAGAIN))
		return -EPROTO;
	bool got = false;
	/* Low delay, no B-frames: at most one picture per access unit; drain any anyway and
	 * keep the last. */
	for (;;) {
		AVFrame *f = got ? av_frame_alloc() : d->frame;
		if (!f)
			return -ENOMEM;
		rc = avcodec_receive_frame(d->ctx, f);
		if (rc < 0) {
			if (f != d->frame)
				av_frame_free(&f);
			break;
		}
		if (f != d->frame) {
			av_frame_unref(d->frame);
			av_frame_move_ref(d->frame, f);
			av_frame_free(&f);
		}
		got = true;
	}
	if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF)
		return -EPROTO;
	if (!got)
		return -EAGAIN;
	AVFrame *f = d->frame;
	if ((f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags)
		return -EPROTO;
	if ((f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P) || f->width < 2
		|| f->height < 2 || f->width > MCU_IMAGE_MAX_DIM || f->height > MCU_IMAGE_MAX_DIM)
		return -EPROTO;
	memset(view, 0, sizeof(*view));
	/* Odd cropped sizes: our pictures are even (chroma planes of exactly half). */
	view->width = f->width & ~1;
	view->height = f->height & ~1;
	for (int p = 0; p < 3; p++) {
		view->planes[p] = f->data[p];
		view->strides[p] = f->linesize[p];
	}
	return 0;
}

/* Annex A, Table A-1: the lowest level, 3.1 at least, whose frame size and macroblock rate
 * cover the canvas. */
static const char *enc_level(int width, int height, int fps)
{
	static const struct {
		const char *name;
		long max_fs, max_mbps;
	} levels[] = {
		{ "3.1", 3600, 108000 },
		{ "3.2", 5120, 216000 },
		{ "4", 8192, 245760 },
		{ "4.2", 8704, 522240 },
		{ "5", 22080, 589824 },
		{ "5.1", 36864, 983040 },
		{ "5.2", 36864, 2073600 },
	};
	long fs = (long)((width + 15) / 16) * ((height + 15) / 16);
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (fs <= levels[i].max_fs && fs * fps <= levels[i].max_mbps)
			return levels[i].name;
	return "5.2";
}

int mcu_h264_enc_new(int width, int height, int fps, int kbps, mcu_h264_enc **out)
{
	if (!out || width < 16 || height < 16 || (width & 1) || (height & 1)
		|| width > MCU_IMAGE_MAX_DIM || height > MCU_IMAGE_MAX_DIM || fps < 1 || fps > 60
		|| kbps < 50 || kbps > 20000)
		return -EINVAL;
	pthread_once(&log_once, quiet_libav);
	const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
	if (!codec)
		return -ENOENT;
	mcu_h264_enc *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ctx = avcodec_alloc_context3(codec);
	e->pkt = av_packet_alloc();
	e->frame = av_frame_alloc();
	if (!e->ctx || !e->pkt || !e->frame) {
		mcu_h264_enc_free(e);
		return -ENOMEM;
	}
	AVCodecContext *c = e->ctx;
	c->width = width;
	c->height = height;
	c->pix_fmt = AV_PIX_FMT_YUV420P;
	c->time_base = (AVRational){ 1, fps };
	c->framerate = (AVRational){ fps, 1 };
	c->bit_rate = (int64_t)kbps * 1000;
	c->rc_max_rate = c->bit_rate;
	c->rc_buffer_size = (int)(c->bit_rate / 2);
	c->gop_size = fps * 3;
	c->max_b_frames = 0;
	c->thread_count = 1;
	c->flags |= AV_CODEC_FLAG_LOW_DELAY;
	char params[160];
	snprintf(params, sizeof(params),
		"slice-max-size=%d:repeat-headers=1:annexb=1:scenecut=0:sliced-threads=0:aud=0:ref="
		"1:"
		"partitions=none",
		MCU_H264_SLICE_MAX);
	AVDictionary *opts = NULL;
	av_dict_set(&opts, "preset", ENC_PRESET, 0);
	av_dict_set(&opts, "tune", "zerolatency", 0);
	av_dict_set(&opts, "profile", "baseline", 0);
	av_dict_set(&opts, "level", enc_level(width, height, fps), 0);
	av_dict_set(&opts, "forced-idr", "1", 0);
	av_dict_set(&opts, "x264-params", params, 0);
	int rc = avcodec_open2(c, codec, &opts);
	av_dict_free(&opts);
	if (rc < 0) {
		mcu_h264_enc_free(e);
		return -EIO;
	}
	e->width = width;
	e->height = height;
	*out = e;
	return 0;
}

void mcu_h264_enc_free(mcu_h264_enc *e)
{
	if (!e)
		return;
	avcodec_free_context(&e->ctx);
	av_packet_free(&e->pkt);
	av_frame_free(&e->frame);
	free(e->out);
	free(e);
}

int mcu_h264_enc_encode(mcu_h264_enc *e, const mcu_image *img, bool force_keyframe,
	const uint8_t **data, size_t *len, bool *keyframe)
{
	if (!e || !img || !data || !len || !keyframe || !img->planes[0] || img->width != e->width
		|| img->height != e->height)
		return -EINVAL;
	AVFrame *f = e->frame;
	av_frame_unref(f);
	f->format = AV_PIX_FMT_YUV420P;
	f->width = img->width;
	f->height = img->height;
	for (int p = 0; p < 3; p++) {
		f->data[p] = img->planes[p];
		f->linesize[p] = img->strides[p];
	}
	f->pts = e->pts++;
	f->pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
	int rc = avcodec_send_frame(e->ctx, f);
	/* The frame only borrowed our planes (libavcodec copied them). */
	memset(f->data, 0, sizeof(f->data));
	if (rc < 0)
		return -EIO;
	size_t total = 0;
	bool key = false;
	while ((rc = avcodec_receive_packet(e->ctx, e->pkt)) == 0) {
		size_t sz = (size_t)e->pkt->size;
		if (total + sz > e->out_cap) {
			uint8_t *nb = realloc(e->out, total + sz);
			if (!nb) {
				av_packet_unref(e->pkt);
				return -ENOMEM;
			}
			e->out = nb;
			e->out_cap = total + sz;
		}
		memcpy(e->out + total, e->pkt->data, sz);
		total += sz;
		if (e->pkt->flags & AV_PKT_FLAG_KEY)
			key = true;
		av_packet_unref(e->pkt);
	}
	if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF)
		return -EIO;
	*data = e->out;
	*len = total;
	*keyframe = key;
	return 0;
}
