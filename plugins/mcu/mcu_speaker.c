/*
 * mcu_speaker.c - voice activity and active-speaker selection (see mcu_speaker.h).
 */
#include "mcu_speaker.h"

#include <math.h>
#include <string.h>

/* Smoothing of the energy used to compare speakers: ~300 ms at 20 ms frames. */
#define ENERGY_ALPHA 0.07

int mcu_talk_level_dbov(const int16_t *pcm, size_t n)
{
	if (!pcm || n == 0)
		return 127;
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += (double)pcm[i] * pcm[i];
	double rms = sqrt(e / (double)n) / 32768.0;
	if (rms <= 0)
		return 127;
	double db = -20.0 * log10(rms);
	if (db < 0)
		db = 0;
	return db > 127 ? 127 : (int)(db + 0.5);
}

int mcu_talk_update(mcu_talk *t, int64_t now_us, int level_dbov)
{
	if (level_dbov < 0)
		level_dbov = 0;
	if (level_dbov > 127)
		level_dbov = 127;
	bool voiced = level_dbov <= MCU_TALK_VOICE_DBOV;
	/* dBov back to linear energy, 0 dBov = 1. */
	double e = voiced ? pow(10.0, -level_dbov / 10.0) : 0.0;
	t->energy += ENERGY_ALPHA * (e - t->energy);
	if (voiced) {
		t->last_voice_us = now_us;
		if (!t->active) {
			t->active = true;
			t->active_since_us = now_us;
		}
	} else if (t->active && now_us - t->last_voice_us >= MCU_TALK_HANGOVER_US) {
		t->active = false;
	}
	/* 200 ms of voice (not of hangover) before the first event. */
	bool talking = t->active && t->last_voice_us - t->active_since_us >= MCU_TALK_MIN_US;
	if (!t->active)
		talking = false;
	else if (t->talking)
		talking = true; /* once talking, only the end of activity stops it */
	if (talking == t->talking)
		return 0;
	t->talking = talking;
	return MCU_TALK_CHANGED;
}

void mcu_speaker_sel_init(mcu_speaker_sel *s)
{
	memset(s, 0, sizeof(*s));
}

bool mcu_speaker_sel_update(mcu_speaker_sel *s, int64_t now_us, const mcu_speaker_cand *c, size_t n)
{
	uint32_t before = s->speaker;
	bool speaker_present = false;
	uint32_t loudest = 0;
	double best = 0;
	for (size_t i = 0; i < n; i++) {
		if (c[i].id == 0)
			continue;
		if (c[i].id == s->speaker)
			speaker_present = true;
		if (c[i].active && c[i].energy > best) {
			best = c[i].energy;
			loudest = c[i].id;
		}
	}
	if (!speaker_present)
		s->speaker = 0;
	if (loudest != s->dominant) {
		s->dominant = loudest;
		s->dominant_since_us = now_us;
	}
	if (s->dominant != 0 && s->dominant != s->speaker
		&& now_us - s->dominant_since_us >= MCU_SPEAKER_HOLD_US)
		s->speaker = s->dominant;
	return s->speaker != before;
}
