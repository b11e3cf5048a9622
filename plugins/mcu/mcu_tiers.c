/*
 * mcu_tiers.c - bandwidth tiers (mcu_tiers.h): which tier each receiver gets, and the
 * pictures and encoders of the lower tiers. Threads and ownership as in mcu_tiers_priv.h:
 * setters are atomics; everything else runs on the room's video thread.
 */
#include "mcu_room_priv.h"

#include <string.h>

#define TIER_MEDIUM_LINES 360
#define TIER_LOW_LINES    180
#define TIER_MEDIUM_KBPS  600
#define TIER_LOW_KBPS     250
#define TIER_UP_MARGIN    125     /* percent of the higher tier's bitrate to go up */
#define TIER_UP_HOLD_US   4000000 /* estimate above it this long, and since the last move */

static const char *const tier_names[MCU_VIDEO_TIERS] = { "high", "medium", "low" };

const char *mcu_video_tier_name(int tier)
{
	return tier >= 0 && tier < MCU_VIDEO_TIERS ? tier_names[tier] : NULL;
}

int mcu_h264_level_max_fs(int level_idc)
{
	switch (level_idc) {
	case 9: /* level 1b in some profiles' notation */
	case 10: return 99;
	case 11:
	case 12:
	case 13:
	case 20: return 396;
	case 21: return 792;
	case 22:
	case 30: return 1620;
	case 31: return 3600;
	case 32: return 5120;
	case 40:
	case 41: return 8192;
	case 42: return 8704;
	case 50: return 22080;
	case 51:
	case 52: return 36864;
	default: return 0;
	}
}

void mcu_participant_set_bandwidth(mcu_participant *p, int kbps)
{
	if (p)
		g_atomic_int_set(&p->tiers.bw_kbps, kbps > 0 ? kbps : 0);
}

void mcu_participant_set_video_limits(mcu_participant *p, const mcu_video_limits *lim)
{
	if (!p)
		return;
	mcu_video_limits l = { 0 };
	if (lim)
		l = *lim;
	g_atomic_int_set(&p->tiers.max_kbps, MAX(l.max_kbps, 0));
	int fs = mcu_h264_level_max_fs(l.h264_level_idc);
	if (l.max_fs > fs)
		fs = l.max_fs;
	g_atomic_int_set(&p->tiers.max_fs, fs);
	g_atomic_int_set(&p->tiers.max_w, MAX(l.max_width, 0));
	g_atomic_int_set(&p->tiers.max_h, MAX(l.max_height, 0));
}

/* A tier `lines` high with the room's aspect ratio (even sizes), never above the room's. */
static void tier_size(const mcu_room *room, int lines, int *w, int *h)
{
	if (room->cfg.height <= lines) {
		*w = room->cfg.width;
		*h = room->cfg.height;
		return;
	}
	*h = lines;
	*w = MAX(16, (int)(((gint64)room->cfg.width * lines / room->cfg.height + 1) & ~1));
}

void mcu_tiers_room_init(mcu_room *room)
{
	mcu_room_tiers *t = &room->tiers;
	memset(t, 0, sizeof(*t));
	t->width[0] = room->cfg.width;
	t->height[0] = room->cfg.height;
	t->kbps[0] = room->cfg.video_kbps;
	tier_size(room, TIER_MEDIUM_LINES, &t->width[1], &t->height[1]);
	tier_size(room, TIER_LOW_LINES, &t->width[2], &t->height[2]);
	t->kbps[1] = MIN(TIER_MEDIUM_KBPS, t->kbps[0]);
	t->kbps[2] = MIN(TIER_LOW_KBPS, t->kbps[1]);
	for (int pi = 0; pi < MCU_PICS; pi++)
		for (int i = 1; i < MCU_VIDEO_TIERS; i++) {
			mcu_room_pic *e = &t->enc[pi][i];
			e->picture_id = (uint16_t)(g_random_int() & 0x7fff);
			for (int c = 0; c < MCU_TIER_CODECS; c++)
				e->last_kf_us[c] = room->start_us - MCU_KEYFRAME_INTERVAL_US;
		}
}

static void tier_free_vp8(mcu_room_pic *e)
{
	mcu_vp8_enc_free(e->venc);
	e->venc = NULL;
}

static void tier_free_h264(mcu_room_pic *e)
{
	mcu_h264_enc_free(e->henc);
	e->henc = NULL;
}

void mcu_tiers_room_clear(mcu_room *room)
{
	for (int pi = 0; pi < MCU_PICS; pi++)
		for (int i = 1; i < MCU_VIDEO_TIERS; i++) {
			mcu_room_pic *e = &room->tiers.enc[pi][i];
			tier_free_vp8(e);
			tier_free_h264(e);
			mcu_image_release(&e->canvas);
		}
}

int mcu_tiers_of(mcu_participant *p)
{
	return g_atomic_int_get(&p->tiers.tier);
}

void mcu_tiers_target(mcu_room *room, int pic, int tier, mcu_tier_target *out)
{
	mcu_room_tiers *t = &room->tiers;
	out->pic = pic;
	out->tier = tier;
	out->width = t->width[tier];
	out->height = t->height[tier];
	out->kbps = t->kbps[tier];
	out->enc = tier == 0 ? &room->pic[pic] : &t->enc[pic][tier];
}

void mcu_tiers_force_key(mcu_room *room, int pic, int tier, int c)
{
	mcu_tier_target tg;
	mcu_tiers_target(room, pic, tier, &tg);
	g_atomic_int_set(&tg.enc->kf_force[c], 1);
}

void mcu_tiers_keyframe_request(mcu_room *room, mcu_participant *p)
{
	if (p->vcodec >= MCU_TIER_CODECS)
		return;
	mcu_tier_target tg;
	mcu_tiers_target(room, g_atomic_int_get(&p->v_pic), mcu_tiers_of(p), &tg);
	g_atomic_int_set(&tg.enc->kf_requested[p->vcodec], 1);
}

/* The best (lowest) tier the receiver's SDP limits allow. */
static int tier_cap(const mcu_room_tiers *t, mcu_participant *p)
{
	int kbps = g_atomic_int_get(&p->tiers.max_kbps), fs = g_atomic_int_get(&p->tiers.max_fs);
	int mw = g_atomic_int_get(&p->tiers.max_w), mh = g_atomic_int_get(&p->tiers.max_h);
	for (int i = 0; i < MCU_VIDEO_TIERS - 1; i++) {
		int mbs = ((t->width[i] + 15) / 16) * ((t->height[i] + 15) / 16);
		if ((!kbps || t->kbps[i] <= kbps) && (!fs || mbs <= fs)
			&& (!mw || t->width[i] <= mw) && (!mh || t->height[i] <= mh))
			return i;
	}
	return MCU_VIDEO_TIERS - 1;
}

/* The best tier whose bitrate fits the estimate (0 unknown: any). */
static int tier_for_kbps(const mcu_room_tiers *t, int kbps)
{
	for (int i = 0; kbps > 0 && i < MCU_VIDEO_TIERS - 1; i++)
		if (t->kbps[i] <= kbps)
			return i;
	return kbps > 0 ? MCU_VIDEO_TIERS - 1 : 0;
}

/* The receiver's tier for this tick (video thread). */
static int tier_decide(const mcu_room_tiers *t, mcu_participant *p, gint64 now)
{
	mcu_part_tiers *s = &p->tiers;
	int cur = g_atomic_int_get(&s->tier);
	int cap = tier_cap(t, p);
	int bw = g_atomic_int_get(&s->bw_kbps);
	int fit = MAX(tier_for_kbps(t, bw), cap);
	if (fit > cur || cur < cap) {
		s->above_since_us = 0;
		return fit > cur ? fit : cap; /* down at once: the link or the limits say so */
	}
	if (fit == cur) {
		s->above_since_us = 0;
		return cur;
	}
	/* fit < cur: going up, one tier at a time, with a margin and a hold. */
	if (bw > 0 && (gint64)bw * 100 < (gint64)t->kbps[cur - 1] * TIER_UP_MARGIN) {
		s->above_since_us = 0;
		return cur;
	}
	if (!s->above_since_us)
		s->above_since_us = now;
	if (now - s->above_since_us < TIER_UP_HOLD_US || now - s->changed_us < TIER_UP_HOLD_US)
		return cur;
	s->above_since_us = 0;
	return cur - 1;
}

unsigned mcu_tiers_prepare(mcu_room *room, GPtrArray *parts, const bool any[MCU_PICS], gint64 now)
{
	mcu_room_tiers *t = &room->tiers;
	unsigned used = 0;
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		if (p->vcodec >= MCU_TIER_CODECS)
			continue;
		int pi = g_atomic_int_get(&p->v_pic);
		int cur = g_atomic_int_get(&p->tiers.tier);
		int next = tier_decide(t, p, now);
		if (next != cur) {
			g_atomic_int_set(&p->tiers.tier, next);
			p->tiers.changed_us = now;
			p->v_started = false; /* starts again with the new tier's key frame */
			mcu_tiers_force_key(room, pi, next, p->vcodec);
		}
		MCU_ATOMIC_STORE64(&p->stats.video_tier, (uint64_t)next);
		MCU_ATOMIC_STORE64(&p->stats.video_width, (uint64_t)t->width[next]);
		MCU_ATOMIC_STORE64(&p->stats.video_height, (uint64_t)t->height[next]);
		if (any[pi])
			used |= MCU_TIER_BIT(pi, p->vcodec, next);
	}
	for (int pi = 0; pi < MCU_PICS; pi++)
		for (int i = 0; i < MCU_VIDEO_TIERS; i++) {
			mcu_tier_target tg;
			mcu_tiers_target(room, pi, i, &tg);
			mcu_room_pic *e = tg.enc;
			unsigned both = MCU_TIER_BIT(pi, MCU_VIDEO_VP8, i)
				| MCU_TIER_BIT(pi, MCU_VIDEO_H264, i);
			bool vp8 = used & MCU_TIER_BIT(pi, MCU_VIDEO_VP8, i);
			bool h264 = used & MCU_TIER_BIT(pi, MCU_VIDEO_H264, i);
			if (!vp8 && !(pi == MCU_PIC_PEOPLE && i == 0))
				tier_free_vp8(
					e); /* the people picture's high tier lives with the room */
			if (!h264) {
				tier_free_h264(e); /* a new one starts with an IDR */
				if (i > 0)
					e->henc_failed = false;
			}
			if (i == 0)
				continue; /* the picture itself, composed */
			if (!vp8 && !h264) {
				mcu_image_release(&e->canvas);
				continue;
			}
			mcu_rect all = { 0, 0, tg.width, tg.height };
			if (mcu_image_alloc(&e->canvas, tg.width, tg.height) < 0
				|| mcu_image_draw_scaled(&e->canvas, &all, &room->pic[pi].canvas)
					< 0)
				used &= ~both;
		}
	return used;
}
