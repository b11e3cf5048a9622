/*
 * mcu_simulcast.c - simulcast inputs (mcu_simulcast.h): per participant, which layer is
 * decoded, the switch at a key frame of the layer the tile wants, and the figures.
 *
 * The layered packets of the decoded layer go down the participant's ordinary input path
 * (mcu_room_video_incoming: assemble, decode, store pre-scaled); the others are looked at
 * for a key frame start only. On a switch the assembler starts afresh (the new layer has its
 * own sequence numbers) and the decoder takes the key frame as a new stream.
 *
 * Threads and locks: sim->lock serializes the layered input of one participant (Janus calls
 * it from one thread per handle anyway) and guards every field; it is taken before vin_lock
 * and frame_lock, never inside them. The composer publishes the tile in p->v_tile (atomic).
 */
#include "mcu_simulcast.h"
#include "mcu_h264_sps.h"
#include "mcu_layout.h"
#include "mcu_room_priv.h"

#include <string.h>

#define SIM_STALE_US 1000000 /* a layer without packets for this long has stopped */

typedef struct sim_layer {
	gint64 last_pkt_us; /* 0: never */
	gint64 last_pli_us;
	int width, height; /* from its last key frame, 0 unknown */
	uint64_t packets, decoded;
} sim_layer;

struct mcu_simulcast {
	GMutex lock;
	mcu_layer_keyframe_fn kf_fn;
	int cur, target;
	int dec_w, dec_h;
	uint64_t switches, kf_requests;
	sim_layer layer[MCU_SIMULCAST_LAYERS];
};

static mcu_simulcast *sim_get(mcu_participant *p)
{
	mcu_simulcast *s = g_atomic_pointer_get(&p->sim);
	if (s)
		return s;
	s = g_new0(mcu_simulcast, 1);
	g_mutex_init(&s->lock);
	s->cur = s->target = -1;
	if (!g_atomic_pointer_compare_and_exchange(&p->sim, NULL, s)) {
		mcu_simulcast_free(s); /* another thread was first */
		s = g_atomic_pointer_get(&p->sim);
	}
	return s;
}

void mcu_simulcast_free(mcu_simulcast *s)
{
	if (!s)
		return;
	g_mutex_clear(&s->lock);
	g_free(s);
}

/* --- key frames ----------------------------------------------------------------------- */

/* True when the payload starts a key frame of p's codec; *w, *h get its picture size when
 * the packet carries it (0 otherwise). */
static bool vp8_key_start(const uint8_t *pl, size_t len, int *w, int *h)
{
	mcu_vp8_desc d;
	if (mcu_vp8_desc_parse(pl, len, &d) < 0 || !d.start || d.partition_id != 0)
		return false;
	const uint8_t *f = pl + d.len;
	size_t n = len - d.len;
	if (!mcu_vp8_is_keyframe(f, n))
		return false;
	if (n >= 10) { /* RFC 6386 §9.1: 14-bit width and height after the start code */
		*w = (f[6] | f[7] << 8) & 0x3fff;
		*h = (f[8] | f[9] << 8) & 0x3fff;
	}
	return true;
}

/* H.264: an access unit that starts with a sequence parameter set (alone or first in a
 * STAP-A), as senders put in front of every IDR. */
static bool h264_key_start(const uint8_t *pl, size_t len, int *w, int *h)
{
	if (len < 1)
		return false;
	const uint8_t *nal = pl;
	size_t nlen = len;
	if ((pl[0] & 0x1f) == MCU_H264_STAP_A) {
		if (len < 4)
			return false;
		nlen = (size_t)pl[1] << 8 | pl[2];
		nal = pl + 3;
		if (nlen > len - 3)
			return false;
	}
	if (nlen < 1 || (nal[0] & 0x1f) != MCU_H264_NAL_SPS)
		return false;
	mcu_h264_sps sps;
	if (mcu_h264_sps_parse(nal, nlen, &sps) == 0) {
		*w = sps.width;
		*h = sps.height;
	}
	return true;
}

/* --- the choice ----------------------------------------------------------------------- */

static bool layer_active(const sim_layer *l, gint64 now)
{
	return l->last_pkt_us && now - l->last_pkt_us < SIM_STALE_US;
}

/* A layer fills the tile when the picture drawn from it (aspect kept) is at most
 * 100/FILL_PCT times its own size. */
static bool layer_fills(const sim_layer *l, int tile_w, int tile_h)
{
	if (l->width <= 0 || l->height <= 0)
		return false;
	mcu_rect cell = { 0, 0, tile_w, tile_h }, r;
	if (mcu_layout_fit(&cell, l->width, l->height, &r) < 0)
		return false;
	return (int64_t)l->width * 100 >= (int64_t)r.w * MCU_SIMULCAST_FILL_PCT
		&& (int64_t)l->height * 100 >= (int64_t)r.h * MCU_SIMULCAST_FILL_PCT;
}

static int layer_area(const sim_layer *l)
{
	return l->width * l->height;
}

/* The layer the tile wants: the smallest active one that fills it, else the largest active
 * one; with no tile known yet, the one decoded now. -1 when no layer is active. */
static int sim_choose(const mcu_simulcast *s, gint tile, gint64 now)
{
	int best = -1, largest = -1;
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++) {
		const sim_layer *l = &s->layer[i];
		if (!layer_active(l, now))
			continue;
		/* Larger area wins; unknown sizes rank by number (0 the smallest). */
		if (largest < 0 || layer_area(l) >= layer_area(&s->layer[largest]))
			largest = i;
		if (tile > 0 && layer_fills(l, tile >> 16, tile & 0xffff)
			&& (best < 0 || layer_area(l) < layer_area(&s->layer[best])))
			best = i;
	}
	if (tile <= 0 && s->cur >= 0 && layer_active(&s->layer[s->cur], now))
		return s->cur;
	return best >= 0 ? best : largest;
}

/* The new layer has its own sequence numbers: a fresh assembler, and no decode until its
 * key frame (which is the packet about to be pushed). */
static void sim_restart_input(mcu_participant *p)
{
	g_mutex_lock(&p->vin_lock);
	if (p->vcodec == MCU_VIDEO_VP8) {
		mcu_vp8_assembler *a;
		if (mcu_vp8_assembler_new(&a) == 0) {
			mcu_vp8_assembler_free(p->vasm);
			p->vasm = a;
		}
	} else if (p->vcodec == MCU_VIDEO_H264) {
		mcu_h264_assembler *a;
		if (mcu_h264_assembler_new(&a) == 0) {
			mcu_h264_assembler_free(p->hasm);
			p->hasm = a;
		}
	}
	p->vwait_key = true;
	g_mutex_unlock(&p->vin_lock);
}

static void sim_request_key(mcu_participant *p, mcu_simulcast *s, int layer, gint64 now)
{
	sim_layer *l = &s->layer[layer];
	if (now - l->last_pli_us < MCU_KEYFRAME_INTERVAL_US)
		return;
	l->last_pli_us = now;
	g_rec_mutex_lock(&p->lock);
	if (!g_atomic_int_get(&p->left)) {
		s->kf_requests++;
		MCU_STAT_INC(p, keyframes_requested, 1);
		if (s->kf_fn)
			s->kf_fn(p->io.opaque, layer);
		else if (p->io.request_keyframe)
			p->io.request_keyframe(p->io.opaque);
	}
	g_rec_mutex_unlock(&p->lock);
}

/* --- input ---------------------------------------------------------------------------- */

void mcu_participant_incoming_rtp_layer(
	mcu_participant *p, int layer, const uint8_t *buf, size_t len)
{
	if (!p || g_atomic_int_get(&p->left))
		return;
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	gint64 now;
	if (layer < 0 || layer >= MCU_SIMULCAST_LAYERS || !buf
		|| mcu_rtp_parse(buf, len, &h, &payload, &plen) < 0) {
		MCU_STAT_INC(p, bad_packets_in, 1);
		return;
	}
	if (!mcu_participant_arrival_us(p, &now))
		return; /* left meanwhile */
	if (p->vcodec != MCU_VIDEO_VP8 && p->vcodec != MCU_VIDEO_H264) {
		mcu_room_video_incoming(p, &h, payload, plen, now); /* counts it as bad */
		return;
	}
	mcu_simulcast *s = sim_get(p);
	g_mutex_lock(&s->lock);
	sim_layer *l = &s->layer[layer];
	l->packets++;
	l->last_pkt_us = now;
	int w = 0, kh = 0;
	bool key = p->vcodec == MCU_VIDEO_VP8 ? vp8_key_start(payload, plen, &w, &kh)
					      : h264_key_start(payload, plen, &w, &kh);
	if (key && w > 0 && kh > 0) {
		l->width = w;
		l->height = kh;
	}
	s->target = sim_choose(s, g_atomic_int_get(&p->v_tile), now);
	bool cur_gone = s->cur < 0 || !layer_active(&s->layer[s->cur], now);
	if (layer != s->cur && key && (layer == s->target || cur_gone)) {
		/* The key frame of the wanted layer (or of any, while none is decoded): switch. */
		if (s->cur >= 0)
			s->switches++;
		s->cur = layer;
		sim_restart_input(p);
	}
	if (layer == s->cur) {
		uint64_t before = MCU_ATOMIC_LOAD64(&p->stats.video_frames_decoded);
		mcu_room_video_incoming(p, &h, payload, plen, now);
		uint64_t done = MCU_ATOMIC_LOAD64(&p->stats.video_frames_decoded) - before;
		if (done) {
			l->decoded += done;
			g_mutex_lock(&p->frame_lock);
			s->dec_w = p->src_w;
			s->dec_h = p->src_h;
			g_mutex_unlock(&p->frame_lock);
		}
	}
	/* Not there yet: ask the sender for the wanted layer's key frame (not while the
	 * participant is off screen and not decoded at all). */
	if (s->target >= 0 && s->target != s->cur && g_atomic_int_get(&p->v_want) != 0)
		sim_request_key(p, s, s->target, now);
	g_mutex_unlock(&s->lock);
}

void mcu_participant_set_layer_keyframe(mcu_participant *p, mcu_layer_keyframe_fn fn)
{
	if (!p)
		return;
	mcu_simulcast *s = sim_get(p);
	g_mutex_lock(&s->lock);
	s->kf_fn = fn;
	g_mutex_unlock(&s->lock);
}

void mcu_participant_get_simulcast_stats(mcu_participant *p, mcu_simulcast_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	out->layer = out->target = -1;
	mcu_simulcast *s = p ? g_atomic_pointer_get(&p->sim) : NULL;
	if (!s)
		return;
	g_mutex_lock(&s->lock);
	out->layer = s->cur;
	out->target = s->target;
	out->width = s->dec_w;
	out->height = s->dec_h;
	out->switches = s->switches;
	out->keyframes_requested = s->kf_requests;
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++) {
		const sim_layer *l = &s->layer[i];
		out->layers_seen += l->packets ? 1 : 0;
		out->packets_in[i] = l->packets;
		out->frames_decoded[i] = l->decoded;
		out->layer_width[i] = l->width;
		out->layer_height[i] = l->height;
	}
	g_mutex_unlock(&s->lock);
}
