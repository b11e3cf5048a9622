/*
 * mcu_audio_codec.h - Opus encoder/decoder wrappers for the mixer: 48 kHz mono PCM.
 * The decoder accepts mono or stereo packets (libopus downmixes to the one channel we ask
 * for) and conceals a lost packet when given none.
 *
 * Threads: an encoder or decoder is used by one thread at a time (the room's audio thread).
 * Ownership: *_new gives the caller the object; *_free releases it.
 */
#ifndef TPAAS_MCU_AUDIO_CODEC_H
#define TPAAS_MCU_AUDIO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mcu_opus_enc mcu_opus_enc;
typedef struct mcu_opus_dec mcu_opus_dec;

/* bitrate_bps: target bitrate, e.g. 32000. The encoder starts with in-band FEC on.
 * Returns 0 or a negative errno. */
int mcu_opus_enc_new(int bitrate_bps, mcu_opus_enc **out);
void mcu_opus_enc_free(mcu_opus_enc *e);
/* In-band FEC (SILK LBRR, RFC 6716 §2.1.7) on or off, from the next frame on. It costs
 * encoder CPU and takes bits from the primary encoding, and only a receiver that said
 * useinbandfec=1 (RFC 7587 §6.1) uses it. Returns 0 or -EINVAL. */
int mcu_opus_enc_set_fec(mcu_opus_enc *e, bool on);
/* The loss the receivers of this encoder report (percent, 0-100; RTCP reception reports),
 * for an encoder with FEC on: libopus codes FEC (LBRR) only with a packet loss percentage
 * above 0, and at 32 kbit/s full band not below 10 % loss. So from 1 % on the encoder is told
 * the loss (at most 25, libopus's cap) and runs FEC_EXTRA_BPS above its bitrate, which pays
 * for the redundancy; at 0 it is back at its own bitrate with no redundancy. Without FEC the
 * encoder keeps its fixed 5 % (a little more robust prediction), and so does one whose
 * receivers sent no report yet (percent -1). Cheap when nothing changed. Returns 0 or
 * -EINVAL. */
#define MCU_OPUS_FEC_EXTRA_BPS 8000
int mcu_opus_enc_set_expected_loss(mcu_opus_enc *e, int percent);
/* Encodes one 20 ms frame (MCU_OPUS_FRAME_SAMPLES mono samples). *out_len gets the packet
 * size. Returns 0, -EINVAL or -EIO. */
int mcu_opus_enc_encode(
	mcu_opus_enc *e, const int16_t *pcm, uint8_t *out, size_t cap, size_t *out_len);

int mcu_opus_dec_new(mcu_opus_dec **out);
void mcu_opus_dec_free(mcu_opus_dec *d);
/* Decodes one packet into pcm (room for max_samples mono samples); *samples gets the count.
 * pkt == NULL conceals one lost 20 ms frame. Returns 0, -EINVAL or -EPROTO. */
int mcu_opus_dec_decode(mcu_opus_dec *d, const uint8_t *pkt, size_t len, int16_t *pcm,
	int max_samples, int *samples);

#endif
