/*
 * mcu_speaker.h - who is talking and who is the active speaker, as pure functions of audio
 * levels and timestamps (no clock reads, no threads), so tests can drive them with made-up
 * times.
 *
 *  - Voice activity per participant (mcu_talk): a frame is voiced when its RFC 6464 level
 *    is at least as loud as MCU_TALK_VOICE_DBOV. `active` (in the mix) starts on the first
 *    voiced frame, so no syllable is clipped, and ends MCU_TALK_HANGOVER_US after the last
 *    voiced frame. `talking` (the event) needs MCU_TALK_MIN_US of activity first, so a
 *    cough or a click makes no event.
 *  - Active speaker (mcu_speaker_sel): the dominant participant is the loudest active one
 *    (smoothed energy). It becomes the speaker once it has been dominant without a break for
 *    MCU_SPEAKER_HOLD_US (1 s); short interjections never move the main pane, and two
 *    people taking turns faster than that cause no flapping. A speaker who leaves is
 *    dropped at once (speaker 0 = none).
 *
 * Threads: none of their own; the room's audio thread owns all states.
 * Ownership: plain structs owned by the caller.
 */
#ifndef TPAAS_MCU_SPEAKER_H
#define TPAAS_MCU_SPEAKER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MCU_TALK_VOICE_DBOV  50 /* -50 dBov or louder is voice */
#define MCU_TALK_HANGOVER_US 500000
#define MCU_TALK_MIN_US      200000
#define MCU_SPEAKER_HOLD_US  1000000

typedef struct mcu_talk {
	bool active;  /* in the mix */
	bool talking; /* what the events say */
	int64_t active_since_us;
	int64_t last_voice_us;
	double energy; /* smoothed linear energy, 0..1 */
} mcu_talk;

/* Result bits of mcu_talk_update. */
#define MCU_TALK_CHANGED 1 /* talking flipped */

/* One 20 ms frame at now_us with level_dbov (0 loudest .. 127 silent). Returns
 * MCU_TALK_CHANGED when `talking` flipped, else 0. */
int mcu_talk_update(mcu_talk *t, int64_t now_us, int level_dbov);

/* RFC 6464 level of 16-bit PCM: -dBov of its RMS, 0..127. */
int mcu_talk_level_dbov(const int16_t *pcm, size_t n);

typedef struct mcu_speaker_cand {
	uint32_t id; /* non-zero */
	bool active;
	double energy;
} mcu_speaker_cand;

typedef struct mcu_speaker_sel {
	uint32_t speaker; /* 0: none yet */
	uint32_t dominant;
	int64_t dominant_since_us;
} mcu_speaker_sel;

void mcu_speaker_sel_init(mcu_speaker_sel *s);
/* Feeds the candidates present at now_us (all participants of the room). Returns true
 * when s->speaker changed. */
bool mcu_speaker_sel_update(
	mcu_speaker_sel *s, int64_t now_us, const mcu_speaker_cand *c, size_t n);

#endif
