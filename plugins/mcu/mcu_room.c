/*
 * mcu_room.c - room and participant life cycle, joining and leaving, incoming RTP and
 * statistics. The mixing lives in mcu_room_audio.c, the composing in mcu_room_video.c;
 * mcu_room_priv.h describes the locks.
 *
 * Life cycle: the room's last reference stops and joins its two threads, then detaches the
 * participants still joined (no callbacks after that). The participant holds only a weak
 * pointer to its room, guarded by p->lock and cleared on leave or room destruction, so
 * there is no reference cycle. Do not drop a room's last reference from an io callback
 * (the callback runs on a room thread, which cannot join itself).
 */
#include "mcu_room_priv.h"
#include "mcu_opus_rtp.h"

#include <errno.h>
#include <string.h>

void mcu_room_config_defaults(mcu_room_config *cfg)
{
	if (!cfg)
		return;
	cfg->width = 1280;
	cfg->height = 720;
	cfg->fps = 30;
	cfg->video_kbps = 1500;
	cfg->audio_kbps = 32;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

mcu_room *mcu_room_new(const char *name, const mcu_room_config *cfg)
{
	mcu_room *room = g_new0(mcu_room, 1);
	room->refcount = 1;
	room->name = g_strdup(name ? name : "");
	if (cfg)
		room->cfg = *cfg;
	else
		mcu_room_config_defaults(&room->cfg);
	room->cfg.width = clamp(room->cfg.width, 16, 3840) & ~1;
	room->cfg.height = clamp(room->cfg.height, 16, 2160) & ~1;
	room->cfg.fps = clamp(room->cfg.fps, 1, 60);
	room->cfg.video_kbps = clamp(room->cfg.video_kbps, 50, 20000);
	room->cfg.audio_kbps = clamp(room->cfg.audio_kbps, 6, 510);
	g_mutex_init(&room->lock);
	g_mutex_init(&room->tick_lock);
	g_cond_init(&room->tick_cond);
	room->parts = g_ptr_array_new();
	room->picture_id = (uint16_t)(g_random_int() & 0x7fff);
	room->start_us = g_get_monotonic_time();
	room->last_kf_us = room->start_us - MCU_KEYFRAME_INTERVAL_US;
	if (mcu_vp8_enc_new(room->cfg.width, room->cfg.height, room->cfg.fps,
			room->cfg.video_kbps, &room->venc) < 0 ||
			mcu_image_alloc(&room->canvas, room->cfg.width, room->cfg.height) < 0)
		goto fail;
	room->audio_thread = g_thread_try_new("mcu-audio", mcu_room_audio_thread, room, NULL);
	if (!room->audio_thread)
		goto fail;
	room->video_thread = g_thread_try_new("mcu-video", mcu_room_video_thread, room, NULL);
	if (!room->video_thread)
		goto fail;
	return room;
fail:
	mcu_room_unref(room);
	return NULL;
}

mcu_room *mcu_room_ref(mcu_room *room)
{
	if (room)
		g_atomic_int_inc(&room->refcount);
	return room;
}

static void participant_detach(mcu_participant *p)
{
	g_rec_mutex_lock(&p->lock);
	g_atomic_int_set(&p->left, 1);
	p->room = NULL;
	g_rec_mutex_unlock(&p->lock);
}

void mcu_room_unref(mcu_room *room)
{
	if (!room || !g_atomic_int_dec_and_test(&room->refcount))
		return;
	g_mutex_lock(&room->tick_lock);
	room->stop = true;
	g_cond_broadcast(&room->tick_cond);
	g_mutex_unlock(&room->tick_lock);
	if (room->audio_thread)
		g_thread_join(room->audio_thread);
	if (room->video_thread)
		g_thread_join(room->video_thread);
	for (guint i = 0; i < room->parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(room->parts, i);
		participant_detach(p);
		mcu_participant_unref(p);
	}
	g_ptr_array_free(room->parts, TRUE);
	mcu_vp8_enc_free(room->venc);
	mcu_image_release(&room->canvas);
	g_cond_clear(&room->tick_cond);
	g_mutex_clear(&room->tick_lock);
	g_mutex_clear(&room->lock);
	g_free(room->name);
	g_free(room);
}

const char *mcu_room_name(const mcu_room *room)
{
	return room ? room->name : NULL;
}

unsigned mcu_room_count(mcu_room *room)
{
	if (!room)
		return 0;
	g_mutex_lock(&room->lock);
	unsigned n = room->parts->len;
	g_mutex_unlock(&room->lock);
	return n;
}

void mcu_room_video_size(const mcu_room *room, int *width, int *height)
{
	if (width)
		*width = room ? room->cfg.width : 0;
	if (height)
		*height = room ? room->cfg.height : 0;
}

GPtrArray *mcu_room_parts_snapshot(mcu_room *room)
{
	g_mutex_lock(&room->lock);
	GPtrArray *copy = g_ptr_array_sized_new(room->parts->len);
	for (guint i = 0; i < room->parts->len; i++)
		g_ptr_array_add(copy, mcu_participant_ref(g_ptr_array_index(room->parts, i)));
	g_mutex_unlock(&room->lock);
	return copy;
}

void mcu_room_parts_free(GPtrArray *parts)
{
	for (guint i = 0; i < parts->len; i++)
		mcu_participant_unref(g_ptr_array_index(parts, i));
	g_ptr_array_free(parts, TRUE);
}

bool mcu_room_wait_until(mcu_room *room, gint64 deadline_us)
{
	g_mutex_lock(&room->tick_lock);
	/* g_cond_wait_until() takes an absolute CLOCK_MONOTONIC time: no drift, no early
	 * return on spurious wake-ups thanks to the loop. */
	while (!room->stop && g_get_monotonic_time() < deadline_us)
		g_cond_wait_until(&room->tick_cond, &room->tick_lock, deadline_us);
	bool running = !room->stop;
	g_mutex_unlock(&room->tick_lock);
	return running;
}

static void participant_free(mcu_participant *p)
{
	mcu_opus_dec_free(p->adec);
	mcu_opus_enc_free(p->aenc);
	mcu_vp8_assembler_free(p->vasm);
	mcu_vp8_dec_free(p->vdec);
	mcu_image_release(&p->frame);
	g_rec_mutex_clear(&p->lock);
	g_mutex_clear(&p->audio_lock);
	g_mutex_clear(&p->vin_lock);
	g_mutex_clear(&p->frame_lock);
	g_free(p->display);
	g_free(p);
}

mcu_participant *mcu_room_join(mcu_room *room, const char *display,
	const mcu_participant_io *io, uint8_t audio_pt, uint8_t video_pt)
{
	if (!room || !io)
		return NULL;
	mcu_participant *p = g_new0(mcu_participant, 1);
	p->refcount = 1;
	p->display = g_strdup(display ? display : "");
	p->io = *io;
	p->audio_pt = audio_pt & 0x7f;
	p->video_pt = video_pt & 0x7f;
	g_rec_mutex_init(&p->lock);
	g_mutex_init(&p->audio_lock);
	g_mutex_init(&p->vin_lock);
	g_mutex_init(&p->frame_lock);
	mcu_audio_jitter_init(&p->jitter);
	p->vwait_key = true;
	p->last_pli_us = g_get_monotonic_time() - MCU_KEYFRAME_INTERVAL_US;
	/* Random SSRCs, sequence numbers and timestamps (RFC 3550 §5.1). */
	p->a_ssrc = g_random_int();
	p->a_seq = (uint16_t)g_random_int();
	p->a_ts = g_random_int();
	p->v_ssrc = g_random_int();
	p->v_seq = (uint16_t)g_random_int();
	p->v_ts_offset = g_random_int();
	if (mcu_opus_dec_new(&p->adec) < 0 ||
			mcu_opus_enc_new(room->cfg.audio_kbps * 1000, &p->aenc) < 0 ||
			mcu_vp8_assembler_new(&p->vasm) < 0 || mcu_vp8_dec_new(&p->vdec) < 0) {
		participant_free(p);
		return NULL;
	}
	p->room = room;
	g_mutex_lock(&room->lock);
	g_ptr_array_add(room->parts, mcu_participant_ref(p));
	g_mutex_unlock(&room->lock);
	g_atomic_int_set(&room->kf_force, 1);
	return p;
}

void mcu_room_leave(mcu_room *room, mcu_participant *p)
{
	if (!room || !p)
		return;
	g_mutex_lock(&room->lock);
	gboolean found = g_ptr_array_remove(room->parts, p);
	g_mutex_unlock(&room->lock);
	if (!found)
		return;
	/* Waits for a callback in progress on another thread, then blocks new ones. */
	participant_detach(p);
	mcu_participant_unref(p);
}

mcu_participant *mcu_participant_ref(mcu_participant *p)
{
	if (p)
		g_atomic_int_inc(&p->refcount);
	return p;
}

void mcu_participant_unref(mcu_participant *p)
{
	if (p && g_atomic_int_dec_and_test(&p->refcount))
		participant_free(p);
}

void mcu_participant_incoming_rtp(mcu_participant *p, int is_video, const uint8_t *buf, size_t len)
{
	if (!p)
		return;
	if (g_atomic_int_get(&p->left))
		return;
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	if (!buf || mcu_rtp_parse(buf, len, &h, &payload, &plen) < 0) {
		MCU_STAT_INC(p, bad_packets_in, 1);
		return;
	}
	if (is_video) {
		mcu_room_video_incoming(p, &h, payload, plen);
		return;
	}
	if (mcu_opus_rtp_check(payload, plen, NULL) < 0) {
		MCU_STAT_INC(p, bad_packets_in, 1);
		return;
	}
	MCU_STAT_INC(p, audio_packets_in, 1);
	g_mutex_lock(&p->audio_lock);
	mcu_audio_jitter_put(&p->jitter, h.seq, payload, plen);
	g_mutex_unlock(&p->audio_lock);
}

void mcu_participant_keyframe_request(mcu_participant *p)
{
	if (!p)
		return;
	/* p->lock keeps the room alive: its destruction detaches us under this lock. */
	g_rec_mutex_lock(&p->lock);
	if (p->room)
		g_atomic_int_set(&p->room->kf_requested, 1);
	g_rec_mutex_unlock(&p->lock);
}

void mcu_participant_get_stats(mcu_participant *p, mcu_participant_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!p)
		return;
#define LOAD(f) out->f = __atomic_load_n(&p->stats.f, __ATOMIC_RELAXED)
	LOAD(audio_packets_in);
	LOAD(video_packets_in);
	LOAD(bad_packets_in);
	LOAD(audio_frames_decoded);
	LOAD(video_frames_decoded);
	LOAD(video_frames_lost);
	LOAD(audio_packets_out);
	LOAD(video_packets_out);
	LOAD(keyframes_requested);
#undef LOAD
}
