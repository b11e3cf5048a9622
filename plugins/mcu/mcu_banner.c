/*
 * mcu_banner.c - the join/leave banner on the composed picture and the chime for participants
 * that asked for cues (see mcu_banner.h).
 *
 * State: room->banner_text / banner_start_us (what to draw, from when, on the room's clock) and
 * room->cue_pending (a chime asked for) are written by mcu_room_announce on any thread and read
 * by the video and audio threads, all under banner_lock, a leaf lock of this module (held for
 * a copy, never around drawing, encoding or another lock). The chime in progress (cue_dir,
 * cue_pos) belongs to the audio thread: it starts the pending chime at its next tick and plays
 * it sample by sample, so the notes are whole and without clicks however late a tick runs.
 */
#include "mcu_room_priv.h"
#include "mcu_font.h"

#include <math.h>
#include <string.h>

static GMutex banner_lock; /* static storage: needs no init */

#define CUE_RATE         48000
#define CUE_NOTE_SAMPLES ((int)((int64_t)MCU_CUE_NOTE_US * CUE_RATE / G_USEC_PER_SEC))
#define CUE_FADE_SAMPLES (CUE_RATE / 200) /* 5 ms raised-cosine edges: no click */

/* The banner's colours: light letters on a dark blue band. */
#define BANNER_Y    70
#define BANNER_U    160
#define BANNER_V    100
#define BANNER_LUMA 235

void mcu_participant_set_cues(mcu_participant *p, bool on)
{
	if (p)
		g_atomic_int_set(&p->cues, on ? 1 : 0);
}

void mcu_room_announce(mcu_room *room, const char *display, bool joined)
{
	if (!room)
		return;
	/* Who would see it: a join counts the joiner, a leave has already removed the leaver. */
	unsigned others = mcu_room_count(room);
	if (joined ? others < 2 : others < 1)
		return;
	const char *name = display && *display ? display : "Someone";
	const char *what = joined ? " joined" : " left";
	char text[MCU_BANNER_TEXT];
	/* the name, cut at a character boundary so that the verb always fits */
	size_t room_for_name = sizeof(text) - strlen(what) - 1;
	if (!g_utf8_validate(name, -1, NULL))
		name = "Someone";
	const char *end = name;
	while (*end) {
		const char *next = g_utf8_next_char(end);
		if ((size_t)(next - name) > room_for_name)
			break;
		end = next;
	}
	g_snprintf(text, sizeof(text), "%.*s%s", (int)(end - name), name, what);
	gint64 now = mcu_room_now(room);
	g_mutex_lock(&banner_lock);
	memcpy(room->banner_text, text, sizeof(text));
	room->banner_start_us = now ? now : 1;
	room->cue_pending = joined ? 1 : -1;
	g_mutex_unlock(&banner_lock);
}

void mcu_banner_draw(mcu_room *room, mcu_image *canvas)
{
	char text[MCU_BANNER_TEXT];
	gint64 now = mcu_room_now(room);
	g_mutex_lock(&banner_lock);
	gint64 start = room->banner_start_us;
	bool shown = start != 0 && now >= start && now - start < MCU_BANNER_US;
	if (shown)
		memcpy(text, room->banner_text, sizeof(text));
	g_mutex_unlock(&banner_lock);
	if (!shown)
		return;
	/* 360p: letters 2 dots per font dot, 720p: 4; the band sits at the top, centred. */
	int scale = MAX(1, canvas->height / 180);
	int pad = 3 * scale;
	int band_h = (MCU_FONT_CELL_H * scale + 2 * pad + 1) & ~1;
	int tw = mcu_font_text_width(text, scale);
	int band_w = MIN(canvas->width, (tw + 4 * pad + 1) & ~1);
	mcu_rect band = { ((canvas->width - band_w) / 2) & ~1, (scale * 2) & ~1, band_w, band_h };
	if (band.y + band.h > canvas->height)
		return;
	mcu_image_fill_rect(canvas, &band, BANNER_Y, BANNER_U, BANNER_V);
	mcu_rect clip = { band.x + pad, band.y, band.w - 2 * pad, band.h };
	mcu_font_draw(canvas, &clip, band.x + 2 * pad, band.y + pad, scale, text, BANNER_LUMA);
}

bool mcu_banner_cue_tick(mcu_room *room, int16_t *frame)
{
	g_mutex_lock(&banner_lock);
	int pending = room->cue_pending;
	room->cue_pending = 0;
	g_mutex_unlock(&banner_lock);
	if (pending) {
		room->cue_dir = pending; /* a new chime replaces one still playing */
		room->cue_pos = 0;
	}
	if (room->cue_dir == 0)
		return false;
	const int total = 2 * CUE_NOTE_SAMPLES;
	for (int i = 0; i < MCU_MIX_FRAME; i++) {
		int t = room->cue_pos + i;
		double v = 0;
		if (t < total) {
			bool first = t < CUE_NOTE_SAMPLES;
			bool low = first == (room->cue_dir > 0); /* rising: low then high */
			int k = first ? t : t - CUE_NOTE_SAMPLES;
			double env = 1.0;
			if (k < CUE_FADE_SAMPLES)
				env = 0.5 - 0.5 * cos(M_PI * k / CUE_FADE_SAMPLES);
			else if (k > CUE_NOTE_SAMPLES - CUE_FADE_SAMPLES)
				env = 0.5
					- 0.5
						* cos(M_PI * (CUE_NOTE_SAMPLES - k)
							/ CUE_FADE_SAMPLES);
			double hz = low ? MCU_CUE_LOW_HZ : MCU_CUE_HIGH_HZ;
			v = MCU_CUE_AMPLITUDE * env * sin(2 * M_PI * hz * k / CUE_RATE);
		}
		frame[i] = (int16_t)lrint(v);
	}
	room->cue_pos += MCU_MIX_FRAME;
	if (room->cue_pos >= total)
		room->cue_dir = 0;
	return true;
}
