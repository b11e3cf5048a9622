/*
 * sipb_prompt.h - one IVR prompt being played: the file "<dir>/<name>.s16" (16-bit
 * little-endian mono PCM at 48 kHz, made at build time by espeak-ng from text) cut into
 * 20 ms frames and encoded with the call's codec (the MCU's encoders: Opus, or G.711 after
 * resampling to 8 kHz). The pacing (one frame every 20 ms) and the RTP header are the
 * caller's (sipb_media).
 *
 * Threads: a prompt is used by one thread at a time (under sipb_media's lock).
 * Ownership: sipb_prompt_new gives the caller the prompt; sipb_prompt_free releases it.
 */
#ifndef TPAAS_SIPB_PROMPT_H
#define TPAAS_SIPB_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mcu_room.h"

#define SIPB_PROMPT_MAX_BYTES (16u * 1024 * 1024) /* ~2.9 minutes */

typedef struct sipb_prompt sipb_prompt;

/* name: [A-Za-z0-9_-]{1,64} (never a path). Returns 0, -EINVAL (bad name), -ENOENT (no
 * file), -EFBIG, -EIO (unreadable, empty) or -ENOMEM. */
int sipb_prompt_new(
	const char *dir, const char *name, mcu_audio_codec_id codec, bool loop, sipb_prompt **out);
void sipb_prompt_free(sipb_prompt *p);
const char *sipb_prompt_name(const sipb_prompt *p);
/* Encodes the next 20 ms frame (the last one padded with silence; a looped prompt starts
 * over). Returns 1 with a payload in out, 0 when a non-looped prompt has ended, or a
 * negative errno. */
int sipb_prompt_next(sipb_prompt *p, uint8_t *out, size_t cap, size_t *len);

#endif
