/*
 * mcu_audio_xcode.h - codec-neutral audio for the mixer: a decoder turns one RTP payload of
 * the participant's codec (Opus 48 kHz, G.711 µ-law/A-law 8 kHz, or G.722 16 kHz) into
 * 48 kHz mono PCM, an encoder turns one 20 ms frame of 48 kHz mono PCM into one RTP
 * payload. G.711 and G.722 are resampled with speexdsp (6x and 3x up on the way in, down
 * on the way out).
 *
 * Threads: a decoder or encoder is used by one thread at a time (the room's audio thread).
 * Ownership: *_new gives the object to the caller; *_free releases it.
 */
#ifndef TPAAS_MCU_AUDIO_XCODE_H
#define TPAAS_MCU_AUDIO_XCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcu_room.h" /* mcu_audio_codec_id */

#define MCU_MIX_RATE_HZ 48000
#define MCU_MIX_FRAME   960 /* 20 ms at 48 kHz */
#define MCU_G711_MAX_PAYLOAD                                                                       \
	960 /* 120 ms (G.711 and G.722): the mixer's input buffer
                                      * holds that much */

typedef struct mcu_adec mcu_adec;
typedef struct mcu_aenc mcu_aenc;

/* Checks an RTP payload of the codec. Returns 0 or -EPROTO. */
int mcu_audio_payload_check(mcu_audio_codec_id codec, const uint8_t *payload, size_t len);
/* RTP clock of the codec (48000, or 8000 for G.711 and G.722) and timestamp step of one
 * 20 ms frame. */
uint32_t mcu_audio_clock_hz(mcu_audio_codec_id codec);
uint32_t mcu_audio_frame_ts(mcu_audio_codec_id codec);

int mcu_adec_new(mcu_audio_codec_id codec, mcu_adec **out);
void mcu_adec_free(mcu_adec *d);
/* Decodes one payload (pkt NULL: conceal one 20 ms frame; G.711 conceals with a fading
 * copy of the last frame) into pcm (room for max 48 kHz samples); *samples gets the count.
 * Returns 0, -EINVAL or -EPROTO. */
int mcu_adec_decode(
	mcu_adec *d, const uint8_t *pkt, size_t len, int16_t *pcm, int max, int *samples);

/* bitrate_bps is used by Opus only. An Opus encoder starts with in-band FEC on. */
int mcu_aenc_new(mcu_audio_codec_id codec, int bitrate_bps, mcu_aenc **out);
void mcu_aenc_free(mcu_aenc *e);
/* Opus: in-band FEC on or off (mcu_opus_enc_set_fec); G.711 and G.722 have none: a no-op.
 * Returns 0 or -EINVAL. */
int mcu_aenc_set_fec(mcu_aenc *e, bool on);
/* Opus with FEC: the loss its receivers report (mcu_opus_enc_set_expected_loss); otherwise
 * a no-op. Returns 0 or -EINVAL. */
int mcu_aenc_set_expected_loss(mcu_aenc *e, int percent);
/* Encodes MCU_MIX_FRAME samples. Returns 0, -EINVAL or -EIO. */
int mcu_aenc_encode(mcu_aenc *e, const int16_t *pcm, uint8_t *out, size_t cap, size_t *out_len);

#endif
