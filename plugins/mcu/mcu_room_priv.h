/*
 * mcu_room_priv.h - the room's and participant's insides, shared by mcu_room.c (life cycle,
 * join/leave, input), mcu_room_audio.c (20 ms mixer thread) and mcu_room_video.c (composer
 * thread and the incoming video path). Not installed, not for the plugins.
 *
 * Locks (never two of them nested except where noted):
 *  - room->lock: the participant list. Threads copy it (with references) and let go.
 *  - p->lock (recursive): p->left, p->room and every io callback of p. mcu_room_leave()
 *    takes it to set left, so once leave returns no callback can be running or start.
 *    It is recursive so that a callback may call mcu_room_leave() on its own participant.
 *  - p->audio_lock: the jitter queue (input thread puts, audio thread gets).
 *  - p->vin_lock: the assembler and decoder (the participant's input thread).
 *  - p->frame_lock: the latest decoded picture (input thread writes, video thread reads).
 *  - room->tick_lock + tick_cond: stop flag and the threads' timed waits.
 * Fields marked "audio thread" / "video thread" are only touched by that thread.
 */
#ifndef TPAAS_MCU_ROOM_PRIV_H
#define TPAAS_MCU_ROOM_PRIV_H

#include <glib.h>

#include "mcu_room.h"
#include "mcu_audio_jitter.h"
#include "mcu_audio_codec.h"
#include "mcu_image.h"
#include "mcu_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_vp8_rtp.h"

#define MCU_KEYFRAME_INTERVAL_US 500000   /* rate limit of key frames, both directions */
#define MCU_VIDEO_MAX_PAYLOAD 1200
#define MCU_AUDIO_PLC_FRAMES 3            /* concealed frames before an idle sender is silent */

#define MCU_STAT_INC(p, field, n) __atomic_add_fetch(&(p)->stats.field, (n), __ATOMIC_RELAXED)

struct mcu_participant {
	gint refcount;
	char *display;
	mcu_participant_io io;
	uint8_t audio_pt, video_pt;

	GRecMutex lock;
	gint left;                 /* atomic read outside the lock, written under it */
	mcu_room *room;            /* weak; NULL once left or the room is gone */

	mcu_participant_stats stats; /* atomic counters */

	GMutex audio_lock;
	mcu_audio_jitter jitter;

	/* audio thread */
	mcu_opus_dec *adec;
	mcu_opus_enc *aenc;
	int16_t pcm[MCU_OPUS_MAX_SAMPLES + MCU_OPUS_FRAME_SAMPLES];
	int pcm_n;
	int plc_left;
	uint32_t a_ssrc;
	uint16_t a_seq;
	uint32_t a_ts;

	GMutex vin_lock;
	mcu_vp8_assembler *vasm;
	mcu_vp8_dec *vdec;
	bool vwait_key;            /* drop frames until a key frame (after loss or at start) */
	gint64 last_pli_us;

	GMutex frame_lock;
	mcu_image frame;
	bool has_frame;

	/* video thread */
	uint32_t v_ssrc;
	uint16_t v_seq;
	uint32_t v_ts_offset;
	bool v_started;            /* got a key frame already */
};

struct mcu_room {
	gint refcount;
	char *name;
	mcu_room_config cfg;

	GMutex lock;
	GPtrArray *parts;          /* strong references, join order */

	GMutex tick_lock;
	GCond tick_cond;
	bool stop;
	GThread *audio_thread, *video_thread;

	gint kf_force;             /* atomic: a participant joined, key frame now */
	gint kf_requested;         /* atomic: a receiver asked, key frame when allowed */

	/* video thread */
	mcu_vp8_enc *venc;
	mcu_image canvas;
	uint16_t picture_id;
	gint64 start_us;
	gint64 last_kf_us;
};

/* Copies the participant list with a reference on each; free with mcu_room_parts_free. */
GPtrArray *mcu_room_parts_snapshot(mcu_room *room);
void mcu_room_parts_free(GPtrArray *parts);
/* Waits until the absolute monotonic time deadline_us or until the room stops.
 * Returns false when the room is stopping. */
bool mcu_room_wait_until(mcu_room *room, gint64 deadline_us);

gpointer mcu_room_audio_thread(gpointer room);
gpointer mcu_room_video_thread(gpointer room);
/* The participant's incoming video path: assemble, decode, keep the picture, ask for PLI. */
void mcu_room_video_incoming(mcu_participant *p, const mcu_rtp_header *h,
	const uint8_t *payload, size_t len);

#endif
