/*
 * mcu_h264_codec.h - H.264 through libavcodec: a decoder of Annex B access units giving
 * I420 pictures (FFmpeg's native h264 decoder, one thread, low delay), and a realtime
 * constrained-baseline encoder of I420 pictures (libx264 through libavcodec: tune
 * zerolatency, no B-frames, SPS/PPS repeated before every IDR, slices of at most
 * MCU_H264_SLICE_MAX bytes so that every NAL unit fits one RTP packet in
 * packetization-mode 0; IDR on demand).
 *
 * Threads: a decoder or encoder is used by one thread at a time.
 * Ownership: *_new gives the object to the caller, *_free releases it. Pictures and access
 * units returned by decode/encode are borrowed and valid until the next call on the same
 * object.
 */
#ifndef TPAAS_MCU_H264_CODEC_H
#define TPAAS_MCU_H264_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mcu_image.h"

/* x264 limits slices to this (its estimate includes the NAL header); the room packetizes
 * with 1200-byte payloads, so this leaves x264's estimate some slack. */
#define MCU_H264_SLICE_MAX 1100

typedef struct mcu_h264_dec mcu_h264_dec;
typedef struct mcu_h264_enc mcu_h264_enc;

int mcu_h264_dec_new(mcu_h264_dec **out);
void mcu_h264_dec_free(mcu_h264_dec *d);
/* Decodes one complete Annex B access unit. An SPS announcing a picture larger than
 * MCU_IMAGE_MAX_DIM in either direction is refused before the decoder sees it. On success
 * *view borrows the decoder's picture. Returns 0, -EPROTO (corrupt, undecodable, a picture
 * with errors, not 4:2:0 8 bit) or -EAGAIN (no picture produced). */
int mcu_h264_dec_decode(mcu_h264_dec *d, const uint8_t *au, size_t len, mcu_image *view);

/* width/height even (16..MCU_IMAGE_MAX_DIM), fps 1..60, kbps 50..20000.
 * Returns 0, -EINVAL, -ENOENT (libavcodec has no libx264 encoder) or -EIO. */
int mcu_h264_enc_new(int width, int height, int fps, int kbps, mcu_h264_enc **out);
void mcu_h264_enc_free(mcu_h264_enc *e);
/* Encodes img (the encoder's size). *data and *len get the Annex B access unit (len 0 when
 * none came out), *keyframe whether it is an IDR (then it starts with SPS and PPS).
 * force_keyframe makes this picture an IDR. Returns 0, -EINVAL or -EIO. */
int mcu_h264_enc_encode(mcu_h264_enc *e, const mcu_image *img, bool force_keyframe,
	const uint8_t **data, size_t *len, bool *keyframe);

#endif
