/*
 * mcu_g722.h - ITU-T G.722 (64 kbit/s, 16 kHz audio) through libavcodec's adpcm_g722.
 * RTP carries it with an 8 kHz clock (RFC 3551 §4.5.2: the clock rate was registered
 * wrongly as 8000 and kept for compatibility): 20 ms = 320 samples = 160 bytes = a
 * timestamp step of 160.
 *
 * Threads: an encoder or decoder is used by one thread at a time (the room's audio thread).
 * Ownership: *_new gives the caller the object; *_free releases it.
 */
#ifndef TPAAS_MCU_G722_H
#define TPAAS_MCU_G722_H

#include <stddef.h>
#include <stdint.h>

#define MCU_G722_RATE_HZ       16000 /* audio sample rate */
#define MCU_G722_CLOCK_HZ      8000  /* RTP clock */
#define MCU_G722_FRAME_SAMPLES 320   /* 20 ms at 16 kHz */
#define MCU_G722_FRAME_BYTES   160   /* 20 ms at 64 kbit/s */

typedef struct mcu_g722_enc mcu_g722_enc;
typedef struct mcu_g722_dec mcu_g722_dec;

/* Returns 0, -ENOENT (libavcodec without G.722), -ENOMEM or -EIO. */
int mcu_g722_enc_new(mcu_g722_enc **out);
void mcu_g722_enc_free(mcu_g722_enc *e);
/* Encodes MCU_G722_FRAME_SAMPLES 16 kHz samples into MCU_G722_FRAME_BYTES bytes.
 * Returns 0, -EINVAL or -EIO. */
int mcu_g722_enc_encode(
	mcu_g722_enc *e, const int16_t *pcm, uint8_t *out, size_t cap, size_t *out_len);

int mcu_g722_dec_new(mcu_g722_dec **out);
void mcu_g722_dec_free(mcu_g722_dec *d);
/* Decodes len bytes (two 16 kHz samples per byte) into pcm (room for max samples);
 * *samples gets the count. Returns 0, -EINVAL or -EPROTO. */
int mcu_g722_dec_decode(
	mcu_g722_dec *d, const uint8_t *in, size_t len, int16_t *pcm, int max, int *samples);

#endif
