/*
 * mcu_video_codec.h - libvpx VP8 wrappers: a decoder giving I420 pictures and a realtime
 * encoder (error resilient, one thread, key frame on demand) taking I420 pictures.
 *
 * Threads: a decoder or encoder is used by one thread at a time.
 * Ownership: *_new gives the object to the caller, *_free releases it. Pictures and frames
 * returned by decode/encode are borrowed and valid until the next call on the same object.
 */
#ifndef TPAAS_MCU_VIDEO_CODEC_H
#define TPAAS_MCU_VIDEO_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mcu_image.h"

typedef struct mcu_vp8_dec mcu_vp8_dec;
typedef struct mcu_vp8_enc mcu_vp8_enc;

int mcu_vp8_dec_new(mcu_vp8_dec **out);
void mcu_vp8_dec_free(mcu_vp8_dec *d);
/* Decodes one complete VP8 frame. On success *view borrows the decoder's picture.
 * Returns 0, -EPROTO (corrupt or undecodable frame) or -EAGAIN (no picture produced). */
int mcu_vp8_dec_decode(mcu_vp8_dec *d, const uint8_t *frame, size_t len, mcu_image *view);

/* width/height even, fps 1..60, kbps 50..20000. Returns 0 or a negative errno. */
int mcu_vp8_enc_new(int width, int height, int fps, int kbps, mcu_vp8_enc **out);
void mcu_vp8_enc_free(mcu_vp8_enc *e);
/* Encodes img (must have the encoder's size). *data and *len get the compressed frame (len 0
 * when the rate control dropped it), *keyframe whether it is a key frame.
 * Returns 0, -EINVAL or -EIO. */
int mcu_vp8_enc_encode(mcu_vp8_enc *e, const mcu_image *img, bool force_keyframe,
	const uint8_t **data, size_t *len, bool *keyframe);

#endif
