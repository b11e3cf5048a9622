/*
 * mcu_room.c - room and participant life cycle, joining and leaving, incoming RTP and
 * statistics, event delivery. The mixing lives in mcu_room_audio.c, the composing in
 * mcu_room_video.c; mcu_room_priv.h describes the locks.
 *
 * Life cycle: the room's last reference stops and joins its two threads, then detaches the
 * participants still joined (no callbacks after that). The participant holds only a weak
 * pointer to its room, guarded by p->lock and cleared on leave or room destruction, so
 * there is no reference cycle. Do not drop a room's last reference from an io callback
 * (the callback runs on a room thread, which cannot join itself).
 */
#include "mcu_room_priv.h"
#include "mcu_opus_rtp.h"
#include "mcu_content_priv.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static const char *const layout_names[] = {
	[MCU_LAYOUT_1_7] = "1+7",
	[MCU_LAYOUT_SPEAKER] = "speaker",
	[MCU_LAYOUT_2X2] = "2x2",
	[MCU_LAYOUT_3X3] = "3x3",
};

int mcu_layout_kind_from_string(const char *s, mcu_layout_kind *out)
{
	if (!s || !out)
		return -EINVAL;
	for (size_t i = 0; i < G_N_ELEMENTS(layout_names); i++) {
		if (strcmp(s, layout_names[i]) == 0) {
			*out = (mcu_layout_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *mcu_layout_kind_name(mcu_layout_kind kind)
{
	if ((unsigned)kind >= G_N_ELEMENTS(layout_names))
		return NULL;
	return layout_names[kind];
}

void mcu_room_config_defaults(mcu_room_config *cfg)
{
	if (!cfg)
		return;
	cfg->width = 1280;
	cfg->height = 720;
	cfg->fps = 30;
	cfg->video_kbps = 1500;
	cfg->audio_kbps = 32;
	cfg->layout = MCU_LAYOUT_1_7;
	cfg->manual_clock = false;
	cfg->content_fps = 5;
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
	room->cfg.content_fps = clamp(room->cfg.content_fps, 5, 15);
	if (!mcu_layout_kind_name(room->cfg.layout))
		room->cfg.layout = MCU_LAYOUT_1_7;
	room->layout = (gint)room->cfg.layout;
	g_mutex_init(&room->lock);
	g_mutex_init(&room->tick_lock);
	g_cond_init(&room->tick_cond);
	g_cond_init(&room->frame_cond);
	g_rec_mutex_init(&room->ev_lock);
	g_mutex_init(&room->stats_lock);
	g_mutex_init(&room->advance_lock);
	/* Any start works; not 0, which several fields use for "never". */
	room->clock_us = G_USEC_PER_SEC;
	mcu_speaker_sel_init(&room->speaker);
	for (int c = 0; c < MCU_AUDIO_CODECS; c++)
		for (int fec = 0; fec < (c == MCU_AUDIO_OPUS ? 2 : 1); fec++)
			if (mcu_aenc_new((mcu_audio_codec_id)c, room->cfg.audio_kbps * 1000,
				    &room->shared_enc[c][fec])
					< 0
				|| mcu_aenc_set_fec(room->shared_enc[c][fec], fec) < 0)
				goto fail;
	room->parts = g_ptr_array_new();
	for (int i = 0; i < MCU_PICS; i++)
		room->pic[i].picture_id = (uint16_t)(g_random_int() & 0x7fff);
	room->content = mcu_content_new(room);
	room->start_us = mcu_room_now(room);
	room->stats_since_us = room->start_us;
	room->next_audio_us = room->start_us + MCU_AUDIO_TICK_US;
	room->next_video_us = room->start_us + G_USEC_PER_SEC / room->cfg.fps;
	for (int i = 0; i < MCU_PICS; i++)
		for (int c = 0; c < MCU_VIDEO_CODECS; c++)
			room->pic[i].last_kf_us[c] = room->start_us - MCU_KEYFRAME_INTERVAL_US;
	mcu_tiers_room_init(room);
	if (mcu_vp8_enc_new(room->cfg.width, room->cfg.height, room->cfg.fps, room->cfg.video_kbps,
		    &room->pic[MCU_PIC_PEOPLE].venc)
			< 0
		|| mcu_image_alloc(
			   &room->pic[MCU_PIC_PEOPLE].canvas, room->cfg.width, room->cfg.height)
			< 0)
		goto fail;
	if (room->cfg.manual_clock)
		return room;
	room->audio_thread = g_thread_try_new("mcu-audio", mcu_room_audio_thread, room, NULL);
	if (!room->audio_thread)
		goto fail;
	room->video_thread = g_thread_try_new("mcu-video", mcu_room_video_thread, room, NULL);
	if (!room->video_thread)
		goto fail;
	room->content_thread = g_thread_try_new("mcu-content", mcu_content_thread, room, NULL);
	if (!room->content_thread)
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
	g_cond_broadcast(&room->frame_cond);
	g_mutex_unlock(&room->tick_lock);
	if (room->audio_thread)
		g_thread_join(room->audio_thread);
	if (room->video_thread)
		g_thread_join(room->video_thread);
	if (room->content_thread)
		g_thread_join(room->content_thread);
	for (guint i = 0; i < room->parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(room->parts, i);
		participant_detach(p);
		mcu_participant_unref(p);
	}
	g_ptr_array_free(room->parts, TRUE);
	for (int i = 0; i < MCU_PICS; i++) {
		mcu_vp8_enc_free(room->pic[i].venc);
		mcu_h264_enc_free(room->pic[i].henc);
		mcu_image_release(&room->pic[i].canvas);
	}
	mcu_tiers_room_clear(room);
	mcu_content_unref(room->content);
	for (int c = 0; c < MCU_AUDIO_CODECS; c++)
		for (int fec = 0; fec < 2; fec++)
			mcu_aenc_free(room->shared_enc[c][fec]);
	g_mutex_clear(&room->advance_lock);
	g_mutex_clear(&room->stats_lock);
	g_rec_mutex_clear(&room->ev_lock);
	g_cond_clear(&room->frame_cond);
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

int mcu_room_advance(mcu_room *room, int64_t usec)
{
	if (!room || !room->cfg.manual_clock || usec < 0)
		return -EINVAL;
	g_mutex_lock(&room->advance_lock);
	if (usec > G_MAXINT64 / 2 - room->clock_us) {
		g_mutex_unlock(&room->advance_lock);
		return -EINVAL; /* the clock would overflow */
	}
	gint64 target = room->clock_us + usec;
	gint64 period = G_USEC_PER_SEC / room->cfg.fps;
	for (;;) {
		bool audio = room->next_audio_us <= room->next_video_us;
		gint64 due = audio ? room->next_audio_us : room->next_video_us;
		if (due > target)
			break;
		__atomic_store_n(&room->clock_us, due, __ATOMIC_RELEASE);
		if (audio) {
			room->next_audio_us += MCU_AUDIO_TICK_US;
			mcu_room_audio_tick(room);
		} else {
			room->next_video_us += period;
			mcu_room_video_tick(room, due);
		}
	}
	__atomic_store_n(&room->clock_us, target, __ATOMIC_RELEASE);
	g_mutex_unlock(&room->advance_lock);
	return 0;
}

/* Waits, tick_lock held, until deadline_us, the room stops, or *early (when given) is set.
 * g_cond_wait_until() takes an absolute CLOCK_MONOTONIC time: no drift, no early return on
 * spurious wake-ups thanks to the loop. Returns false when the room is stopping. */
static bool wait_locked(mcu_room *room, gint64 deadline_us, const bool *early)
{
	while (!room->stop && g_get_monotonic_time() < deadline_us && !(early && *early))
		g_cond_wait_until(&room->tick_cond, &room->tick_lock, deadline_us);
	return !room->stop;
}

bool mcu_room_wait_until(mcu_room *room, gint64 deadline_us)
{
	g_mutex_lock(&room->tick_lock);
	bool running = wait_locked(room, deadline_us, NULL);
	g_mutex_unlock(&room->tick_lock);
	return running;
}

bool mcu_room_wait_video(mcu_room *room, gint64 deadline_us, bool wake_on_kick, bool *kicked)
{
	g_mutex_lock(&room->tick_lock);
	bool running = wait_locked(room, deadline_us, wake_on_kick ? &room->video_kick : NULL);
	*kicked = room->video_kick;
	room->video_kick = false;
	g_mutex_unlock(&room->tick_lock);
	return running;
}

gint64 mcu_thread_cpu_us(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void mcu_thread_boost(int nice_value)
{
	/* Linux applies PRIO_PROCESS to one thread when given its thread id. */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice_value) != 0)
		return;
}

static void participant_free(mcu_participant *p)
{
	mcu_adec_free(p->adec);
	mcu_aenc_free(p->aenc);
	mcu_vp8_assembler_free(p->vasm);
	mcu_vp8_dec_free(p->vdec);
	mcu_h264_assembler_free(p->hasm);
	mcu_h264_dec_free(p->hdec);
	mcu_image_release(&p->frame);
	mcu_image_release(&p->spare);
	mcu_simulcast_free(p->sim);
	mcu_content_part_free(p->content);
	g_rec_mutex_clear(&p->lock);
	g_mutex_clear(&p->audio_lock);
	g_mutex_clear(&p->vin_lock);
	g_mutex_clear(&p->frame_lock);
	g_free(p->display);
	g_free(p);
}

void mcu_participant_opts_defaults(mcu_participant_opts *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->audio_codec = MCU_AUDIO_OPUS;
	opts->audio_pt = 111;
	opts->video_pt = 96;
	opts->video_codec = MCU_VIDEO_VP8;
	opts->h264_packetization_mode = 1;
}

mcu_participant *mcu_room_join(
	mcu_room *room, const mcu_participant_opts *opts, const mcu_participant_io *io)
{
	if (!room || !io || !opts || (unsigned)opts->audio_codec >= MCU_AUDIO_CODECS
		|| (unsigned)opts->video_codec > MCU_VIDEO_NONE
		|| (opts->h264_packetization_mode != 0 && opts->h264_packetization_mode != 1))
		return NULL;
	mcu_participant *p = g_new0(mcu_participant, 1);
	p->refcount = 1;
	p->id = (uint32_t)g_atomic_int_add(&room->next_id, 1) + 1;
	p->display = g_strdup(opts->display ? opts->display : "");
	p->io = *io;
	p->acodec = opts->audio_codec;
	p->vcodec = opts->video_codec;
	p->h264_mode = opts->h264_packetization_mode;
	p->audio_pt = opts->audio_pt & 0x7f;
	p->video_pt = opts->video_pt & 0x7f;
	p->fec = p->acodec == MCU_AUDIO_OPUS && opts->opus_fec ? 1 : 0;
	p->a_loss = -1;
	p->a_seq_last = -1;
	g_rec_mutex_init(&p->lock);
	g_mutex_init(&p->audio_lock);
	g_mutex_init(&p->vin_lock);
	g_mutex_init(&p->frame_lock);
	mcu_audio_jitter_init(&p->jitter);
	p->frame_level = -1;
	p->vwait_key = true;
	p->v_want = -1;
	p->manual_clock = room->cfg.manual_clock;
	p->last_shown_us = mcu_room_now(room);
	p->last_pli_us = p->last_shown_us - MCU_KEYFRAME_INTERVAL_US;
	/* Random SSRCs, sequence numbers and timestamps (RFC 3550 §5.1). */
	p->a_ssrc = g_random_int();
	p->a_seq = (uint16_t)g_random_int();
	p->a_ts = g_random_int();
	p->v_ssrc = g_random_int();
	p->v_seq = (uint16_t)g_random_int();
	p->v_ts_offset = g_random_int();
	p->content = mcu_content_part_new();
	int rc = mcu_adec_new(p->acodec, &p->adec);
	if (rc == 0)
		rc = mcu_aenc_new(p->acodec, room->cfg.audio_kbps * 1000, &p->aenc);
	if (rc == 0)
		rc = mcu_aenc_set_fec(p->aenc, p->fec);
	if (rc == 0 && p->vcodec == MCU_VIDEO_VP8) {
		rc = mcu_vp8_assembler_new(&p->vasm);
		if (rc == 0)
			rc = mcu_vp8_dec_new(&p->vdec);
	} else if (rc == 0 && p->vcodec == MCU_VIDEO_H264) {
		rc = mcu_h264_assembler_new(&p->hasm);
		if (rc == 0)
			rc = mcu_h264_dec_new(&p->hdec);
	}
	if (rc < 0) {
		participant_free(p);
		return NULL;
	}
	p->room = room;
	g_mutex_lock(&room->lock);
	g_ptr_array_add(room->parts, mcu_participant_ref(p));
	g_mutex_unlock(&room->lock);
	if (p->vcodec < MCU_VIDEO_CODECS) {
		/* A new receiver starts with a key frame; a composer idle in an audio-only
		 * room wakes for it. */
		g_atomic_int_set(&room->pic[MCU_PIC_PEOPLE].kf_force[p->vcodec], 1);
		g_mutex_lock(&room->tick_lock);
		room->video_kick = true;
		g_cond_broadcast(&room->tick_cond);
		g_mutex_unlock(&room->tick_lock);
	}
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
	g_atomic_int_compare_and_exchange(&room->spotlight_id, (gint)p->id, 0);
	/* Waits for a callback in progress on another thread, then blocks new ones. */
	participant_detach(p);
	/* A presenter leaving stops presenting (after detach: it cannot present again). */
	mcu_content_participant_left(room, p);
	/* The same for an event naming p (they check p->left under ev_lock). */
	g_rec_mutex_lock(&room->ev_lock);
	g_rec_mutex_unlock(&room->ev_lock);
	mcu_participant_unref(p);
}

void mcu_participant_set_muted(mcu_participant *p, bool muted)
{
	if (p)
		g_atomic_int_set(&p->muted, muted ? 1 : 0);
}

bool mcu_participant_muted(mcu_participant *p)
{
	return p && g_atomic_int_get(&p->muted);
}

void mcu_participant_set_audio_loss(mcu_participant *p, int fraction_q8)
{
	if (!p || fraction_q8 < 0 || fraction_q8 > 255)
		return;
	/* percent, rounded up: any loss at all counts */
	int now = (fraction_q8 * 100 + 255) / 256;
	int old = g_atomic_int_get(&p->a_loss);
	/* up at once, half way down per report (one good report after a bad one does not
	 * switch the redundancy off; a few in a row do) */
	int next = old < 0 || now >= old ? now : (old + now) / 2;
	g_atomic_int_set(&p->a_loss, next);
}

void mcu_participant_audio_report(mcu_participant *p, uint32_t ext_highest_seq, int fraction_q8)
{
	if (!p)
		return;
	int last = g_atomic_int_get(&p->a_seq_last);
	uint16_t behind = (uint16_t)((uint16_t)last - (uint16_t)ext_highest_seq);
	if (last >= 0 && behind <= 1000)
		mcu_participant_set_audio_loss(p, fraction_q8);
}

int mcu_participant_audio_loss(mcu_participant *p)
{
	return p ? g_atomic_int_get(&p->a_loss) : -1;
}

void mcu_room_set_spotlight(mcu_room *room, mcu_participant *p_or_null)
{
	if (room)
		g_atomic_int_set(&room->spotlight_id, p_or_null ? (gint)p_or_null->id : 0);
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

bool mcu_participant_arrival_us(mcu_participant *p, gint64 *now_us)
{
	if (!p->manual_clock) {
		*now_us = g_get_monotonic_time();
		return true;
	}
	/* p->lock keeps the room alive: its destruction detaches us under this lock. */
	g_rec_mutex_lock(&p->lock);
	*now_us = p->room ? mcu_room_now(p->room) : 0;
	g_rec_mutex_unlock(&p->lock);
	return *now_us != 0;
}

void mcu_participant_incoming_rtp(
	mcu_participant *p, int is_video, const uint8_t *buf, size_t len, int audio_level_dbov)
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
	gint64 now;
	if (!mcu_participant_arrival_us(p, &now))
		return; /* left meanwhile */
	if (is_video) {
		mcu_room_video_incoming(p, &h, payload, plen, now);
		return;
	}
	if (mcu_audio_payload_check(p->acodec, payload, plen) < 0) {
		MCU_STAT_INC(p, bad_packets_in, 1);
		return;
	}
	MCU_STAT_INC(p, audio_packets_in, 1);
	g_mutex_lock(&p->audio_lock);
	mcu_audio_jitter_put_meta(&p->jitter, h.seq, payload, plen,
		audio_level_dbov >= 0 && audio_level_dbov <= 127 ? audio_level_dbov : -1, now);
	g_mutex_unlock(&p->audio_lock);
}

void mcu_participant_keyframe_request(mcu_participant *p)
{
	if (!p)
		return;
	/* p->lock keeps the room alive: its destruction detaches us under this lock. */
	g_rec_mutex_lock(&p->lock);
	if (p->room && p->vcodec < MCU_VIDEO_CODECS)
		mcu_tiers_keyframe_request(p->room, p); /* its picture's, at its own tier */
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
	LOAD(talking);
	LOAD(audio_level_dbov);
	LOAD(audio_frames_silent);
	LOAD(video_tier);
	LOAD(video_width);
	LOAD(video_height);
#undef LOAD
}

int mcu_room_set_layout(mcu_room *room, mcu_layout_kind kind)
{
	if (!room || !mcu_layout_kind_name(kind))
		return -EINVAL;
	g_atomic_int_set(&room->layout, (gint)kind);
	return 0;
}

mcu_layout_kind mcu_room_layout(mcu_room *room)
{
	return room ? (mcu_layout_kind)g_atomic_int_get(&room->layout) : MCU_LAYOUT_1_7;
}

/* --- events --------------------------------------------------------------------------- */

void mcu_room_set_events(mcu_room *room, const mcu_room_events *ev)
{
	if (!room)
		return;
	g_rec_mutex_lock(&room->ev_lock);
	if (ev)
		room->ev = *ev;
	else
		memset(&room->ev, 0, sizeof(room->ev));
	g_rec_mutex_unlock(&room->ev_lock);
}

void mcu_room_emit_talking(mcu_room *room, mcu_participant *p, bool is_talking)
{
	g_rec_mutex_lock(&room->ev_lock);
	if (room->ev.talking && !g_atomic_int_get(&p->left))
		room->ev.talking(room->ev.opaque, p->io.opaque, is_talking ? 1 : 0);
	g_rec_mutex_unlock(&room->ev_lock);
}

void mcu_room_emit_speaker(mcu_room *room, mcu_participant *p_or_null)
{
	g_rec_mutex_lock(&room->ev_lock);
	if (room->ev.speaker_changed) {
		if (!p_or_null)
			room->ev.speaker_changed(room->ev.opaque, NULL);
		else if (!g_atomic_int_get(&p_or_null->left))
			room->ev.speaker_changed(room->ev.opaque, p_or_null->io.opaque);
	}
	g_rec_mutex_unlock(&room->ev_lock);
}

/* --- statistics ----------------------------------------------------------------------- */

void mcu_hist_add(mcu_hist *h, gint64 us)
{
	gint64 b = us < 0 ? 0 : us / 250;
	if (b >= MCU_HIST_BUCKETS)
		b = MCU_HIST_BUCKETS - 1;
	h->bucket[b]++;
	h->n++;
}

double mcu_hist_percentile_ms(const mcu_hist *h, double pct)
{
	if (h->n == 0)
		return 0;
	uint64_t want = (uint64_t)((double)h->n * pct / 100.0 + 0.999999);
	if (want < 1)
		want = 1;
	uint64_t seen = 0;
	for (int b = 0; b < MCU_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= want)
			return (b + 1) * 0.25; /* upper edge: never flatters */
	}
	return MCU_HIST_BUCKETS * 0.25;
}

void mcu_room_get_stats(mcu_room *room, mcu_room_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!room)
		return;
	g_mutex_lock(&room->stats_lock);
	*out = room->st;
	gint64 input = MCU_ATOMIC_LOAD64(&room->input_cpu_us),
	       up = mcu_room_now(room) - room->stats_since_us;
	out->input_cpu_us = (uint64_t)(input > 0 ? input : 0);
	out->uptime_us = (uint64_t)(up > 0 ? up : 0);
	out->video_late_p99_ms = mcu_hist_percentile_ms(&room->video_late, 99);
	out->audio_latency_p95_ms = mcu_hist_percentile_ms(&room->audio_lat, 95);
	out->video_latency_p95_ms = mcu_hist_percentile_ms(&room->video_lat, 95);
	g_mutex_unlock(&room->stats_lock);
}

void mcu_room_reset_stats(mcu_room *room)
{
	if (!room)
		return;
	g_mutex_lock(&room->stats_lock);
	memset(&room->st, 0, sizeof(room->st));
	MCU_ATOMIC_STORE64(&room->input_cpu_us, 0);
	room->stats_since_us = mcu_room_now(room);
	memset(&room->audio_lat, 0, sizeof(room->audio_lat));
	memset(&room->video_lat, 0, sizeof(room->video_lat));
	memset(&room->video_late, 0, sizeof(room->video_late));
	g_mutex_unlock(&room->stats_lock);
	mcu_content_reset_stats(room->content);
}
