/*
 * mcu_room_priv.h - the room's and participant's insides, shared by mcu_room.c (life cycle,
 * join/leave, input, events, statistics), mcu_room_audio.c (20 ms mixer thread) and
 * mcu_room_video.c (composer thread and the incoming video path). Not installed, not for
 * the plugins.
 *
 * Locks (never two of them nested except where noted):
 *  - room->lock: the participant list. Threads copy it (with references) and let go.
 *  - p->lock (recursive): p->left, p->room and every io callback of p. mcu_room_leave()
 *    takes it to set left, so once leave returns no callback can be running or start.
 *    It is recursive so that a callback may call mcu_room_leave() on its own participant.
 *  - room->ev_lock (recursive): the event callbacks; held (alone) while the audio thread
 *    calls them. mcu_room_leave() takes and drops it after detaching, to wait for an event
 *    in progress. Recursive so that a callback may call mcu_room_leave().
 *  - p->audio_lock: the jitter queue (input thread puts, audio thread gets).
 *  - p->vin_lock: the assembler and decoder (the participant's input thread).
 *  - p->frame_lock: the latest decoded picture (input thread writes, video thread reads).
 *    The one nested pair: the input path stores a decoded picture under frame_lock while it
 *    holds vin_lock (order vin_lock, then frame_lock; nothing takes them the other way).
 *  - room->tick_lock + tick_cond: stop flag, video_kick and the threads' timed waits;
 *    frame_cond (same lock) wakes the composer waiting for a late frame.
 *  - room->stats_lock: the room's statistics (leaf lock).
 *  - room->advance_lock: manual clock only, serializes mcu_room_advance (outermost: held
 *    while the ticks run, which take the locks above as the threads do).
 * Fields marked "audio thread" / "video thread" are only touched by that thread; "atomic"
 * ones are read by other threads.
 */
#ifndef TPAAS_MCU_ROOM_PRIV_H
#define TPAAS_MCU_ROOM_PRIV_H

#include <glib.h>

#include "mcu_room.h"
#include "mcu_audio_jitter.h"
#include "mcu_banner.h"
#include "mcu_audio_xcode.h"
#include "mcu_h264_codec.h"
#include "mcu_h264_rtp.h"
#include "mcu_image.h"
#include "mcu_rtp.h"
#include "mcu_speaker.h"
#include "mcu_video_codec.h"
#include "mcu_vp8_rtp.h"

#define MCU_KEYFRAME_INTERVAL_US 500000 /* rate limit of key frames, both directions */
#define MCU_VIDEO_MAX_PAYLOAD    1200
#define MCU_AUDIO_PLC_FRAMES     3 /* concealed frames before an idle sender is silent */
#define MCU_AUDIO_CODECS         4 /* mcu_audio_codec_id values */
#define MCU_VIDEO_CODECS         2 /* mcu_video_codec_id values */

#define MCU_STAT_INC(p, field, n)  __atomic_add_fetch(&(p)->stats.field, (n), __ATOMIC_RELAXED)
#define MCU_ATOMIC_LOAD64(ptr)     __atomic_load_n((ptr), __ATOMIC_RELAXED)
#define MCU_ATOMIC_STORE64(ptr, v) __atomic_store_n((ptr), (v), __ATOMIC_RELAXED)

/* Latency histogram: 0.25 ms buckets up to 500 ms, the last one catches the rest. */
#define MCU_HIST_BUCKETS 2000
typedef struct mcu_hist {
	uint32_t bucket[MCU_HIST_BUCKETS];
	uint64_t n;
} mcu_hist;
void mcu_hist_add(mcu_hist *h, gint64 us);
double mcu_hist_percentile_ms(const mcu_hist *h, double pct);

/* One composed picture of the room and its encoders (mcu_room_video.c). The room has two:
 * MCU_PIC_PEOPLE (the room's layout) and MCU_PIC_PRESENTATION (mcu_content.h: composed only
 * while someone presents and a participant without a content stream receives video). */
enum {
	MCU_PIC_PEOPLE = 0,
	MCU_PIC_PRESENTATION,
	MCU_PICS
};
typedef struct mcu_room_pic {
	/* Per video codec (mcu_video_codec_id), atomic: */
	gint kf_force[MCU_VIDEO_CODECS];     /* a receiver joined, key frame now */
	gint kf_requested[MCU_VIDEO_CODECS]; /* a receiver asked, key frame when allowed */
	/* video thread */
	mcu_vp8_enc *venc;  /* the people picture's lives with the room, the other's on demand */
	mcu_h264_enc *henc; /* only while an H.264 receiver is present */
	bool henc_failed;   /* libx264 missing or refused: do not retry every tick */
	mcu_image canvas;
	uint16_t picture_id;
	gint64 last_kf_us[MCU_VIDEO_CODECS];
} mcu_room_pic;

#include "mcu_tiers_priv.h" /* uses mcu_room_pic */

struct mcu_content_part; /* mcu_content_priv.h */
struct mcu_content;

struct mcu_participant {
	gint refcount;
	uint32_t id; /* unique in the room, non-zero */
	char *display;
	mcu_participant_io io;
	mcu_audio_codec_id acodec;
	mcu_video_codec_id vcodec;
	int h264_mode; /* packetization-mode, H.264 only */
	uint8_t audio_pt, video_pt;
	int fec; /* 1: Opus with in-band FEC (opts.opus_fec), else 0; indexes shared_enc */
	bool manual_clock; /* the room's cfg.manual_clock (then read its clock under lock) */

	GRecMutex lock;
	gint left;      /* atomic read outside the lock, written under it */
	mcu_room *room; /* weak; NULL once left or the room is gone */

	mcu_participant_stats stats; /* atomic counters */
	gint64 last_talk_us;         /* atomic: last frame the participant was talking, 0 never */
	gint muted;                  /* atomic: muted by the room (mcu_participant_set_muted) */
	gint a_loss;     /* atomic: loss of our audio it reports, percent, smoothed; -1 no report */
	gint a_seq_last; /* atomic: the sequence number of the last audio packet sent, -1 none */

	GMutex audio_lock;
	mcu_audio_jitter jitter;

	/* audio thread */
	mcu_adec *adec;
	mcu_aenc *aenc; /* private mix-minus encoder, used while talking */
	int16_t pcm[MCU_OPUS_MAX_SAMPLES + MCU_MIX_FRAME];
	int pcm_n;
	int plc_left;
	/* the decoder missed frames (not decoded: silent, quiet or muted); the last of them,
	 * decoded first when decoding starts again so its state is not stale */
	bool adec_stale;
	size_t warm_len;
	uint8_t warm[MCU_OPUS_MAX_PACKET];
	int frame_level;     /* level given with the packet of this tick, -1 unknown */
	gint64 a_arrival_us; /* arrival of the packet decoded this tick, 0 none */
	mcu_talk talk;
	uint32_t a_ssrc;
	uint16_t a_seq;
	uint32_t a_ts;

	/* atomic, written by the video thread: the size the picture is drawn at (w << 16 | h),
	 * so the input path stores it pre-scaled; -1 unknown (store as decoded); 0 hidden for
	 * a while (do not decode; a key frame is asked for when shown again). */
	gint v_want;

	GMutex vin_lock;
	mcu_vp8_assembler *vasm; /* VP8 senders */
	mcu_vp8_dec *vdec;
	mcu_h264_assembler *hasm; /* H.264 senders */
	mcu_h264_dec *hdec;
	mcu_image spare; /* next picture, swapped with frame under frame_lock */
	bool vwait_key;  /* drop frames until a key frame (after loss or at start) */
	gint64 last_pli_us;
	gint64 vlast_pkt_us; /* atomic: arrival of the last good video packet, 0 none */

	GMutex frame_lock;
	mcu_image frame; /* pre-scaled to v_want when smaller than the source */
	bool has_frame;
	int src_w, src_h;         /* the sender's picture size */
	uint32_t frame_seq;       /* pictures stored so far */
	gint64 frame_arrival_us;  /* when the stored picture's last packet arrived */
	gint64 frame_interval_us; /* smoothed time between pictures (late-frame prediction) */

	/* video thread */
	uint32_t shown_seq; /* frame_seq last composed */
	gint64 last_shown_us;
	uint32_t v_ssrc;
	uint16_t v_seq;
	uint32_t v_ts_offset;
	bool v_started; /* got a key frame already */
	gint v_pic;     /* atomic, written by the video thread: the MCU_PIC_* it receives */

	struct mcu_content_part *content; /* content sender/receiver state (mcu_content.c) */

	gint cues; /* atomic: hears the join/leave chime (mcu_banner.h) */

	mcu_part_tiers tiers; /* bandwidth tier (mcu_tiers.c) */

	/* Simulcast inputs (mcu_simulcast.c): the cell the participant is drawn in (w << 16 | h,
	 * written by the composer, atomic; 0 never shown) and the layers' state (atomic pointer,
	 * made on the first layered packet). */
	gint v_tile;
	struct mcu_simulcast *sim;
};

struct mcu_room {
	gint refcount;
	char *name;
	mcu_room_config cfg;
	gint layout;       /* atomic mcu_layout_kind */
	gint next_id;      /* atomic participant ids */
	gint speaker_id;   /* atomic: id of the active speaker, 0 none */
	gint spotlight_id; /* atomic: id put on the main pane by a host, 0 none */

	GMutex lock;
	GPtrArray *parts; /* strong references, join order */

	GMutex tick_lock;
	GCond tick_cond;
	GCond frame_cond;
	bool stop;
	bool video_kick; /* a participant with video joined: an idle composer wakes */
	GThread *audio_thread, *video_thread;
	GThread *content_thread; /* mcu_content.c: the content stream's encodes */

	/* Manual clock (cfg.manual_clock): no threads; mcu_room_now() reads clock_us (atomic),
	 * which mcu_room_advance() moves under advance_lock, running the ticks due. */
	gint64 clock_us;
	GMutex advance_lock;
	gint64 next_audio_us, next_video_us; /* under advance_lock */

	GRecMutex ev_lock;
	mcu_room_events ev;

	/* audio thread */
	/* per codec, [1] with in-band FEC (Opus only; NULL for the others), [0] without */
	mcu_aenc *shared_enc[MCU_AUDIO_CODECS][2];
	mcu_speaker_sel speaker;

	mcu_room_pic pic[MCU_PICS];
	struct mcu_content *content; /* the presenter and the content stream (mcu_content.c) */
	/* video thread */
	gint64 start_us;

	GMutex stats_lock;
	mcu_room_stats st;     /* counters only; percentiles come from the histograms */
	gint64 stats_since_us; /* the room's time at creation or the last reset */
	gint64 input_cpu_us;   /* atomic: decode CPU time on the senders' threads */
	mcu_hist audio_lat, video_lat, video_late;

	/* mcu_banner.c, under its own leaf mutex: the banner shown and the chime asked for */
	char banner_text[MCU_BANNER_TEXT];
	gint64 banner_start_us; /* room clock; 0: no banner */
	int cue_pending;        /* 1 rising (joined), -1 falling (left), 0 none */
	/* audio thread: the chime playing */
	int cue_dir;
	int cue_pos; /* samples played */

	mcu_room_tiers tiers; /* video thread: the lower tiers' encodes (mcu_tiers.c) */
};

/* The room's time in µs: the monotonic clock, or the manual clock (cfg.manual_clock). */
static inline gint64 mcu_room_now(const mcu_room *room)
{
	if (room->cfg.manual_clock)
		return __atomic_load_n(&room->clock_us, __ATOMIC_ACQUIRE);
	return g_get_monotonic_time();
}

typedef struct mcu_simulcast mcu_simulcast;
void mcu_simulcast_free(mcu_simulcast *s);
/* The arrival time of a packet of p now (the room's clock); false when p has left. */
bool mcu_participant_arrival_us(mcu_participant *p, gint64 *now_us);

/* Copies the participant list with a reference on each; free with mcu_room_parts_free. */
GPtrArray *mcu_room_parts_snapshot(mcu_room *room);
void mcu_room_parts_free(GPtrArray *parts);
/* Waits until the absolute monotonic time deadline_us or until the room stops.
 * Returns false when the room is stopping. */
bool mcu_room_wait_until(mcu_room *room, gint64 deadline_us);
/* The composer's wait: mcu_room_wait_until, that also ends early, when wake_on_kick, once a
 * participant with video joined. *kicked tells whether one joined since the last wait. */
bool mcu_room_wait_video(mcu_room *room, gint64 deadline_us, bool wake_on_kick, bool *kicked);
/* CPU time of the calling thread in µs. */
gint64 mcu_thread_cpu_us(void);
/* Best effort: lowers the calling thread's nice value (needs CAP_SYS_NICE; silently does
 * nothing without it), so media ticks keep their time on a busy machine. */
void mcu_thread_boost(int nice_value);
#define MCU_AUDIO_NICE (-10)
#define MCU_VIDEO_NICE (-5)

gpointer mcu_room_audio_thread(gpointer room);
gpointer mcu_room_video_thread(gpointer room);
/* One tick each, as the threads run them (the manual clock runs them from mcu_room_advance).
 * scheduled_us: the tick's due time on the room's clock. The video tick returns false when
 * nobody had a picture to receive (an audio-only room: its composer idles). */
void mcu_room_audio_tick(mcu_room *room);
bool mcu_room_video_tick(mcu_room *room, gint64 scheduled_us);
#define MCU_AUDIO_TICK_US 20000
/* The participant's incoming video path: assemble, decode, keep the picture, ask for PLI.
 * now_us is the packet's arrival time. */
void mcu_room_video_incoming(mcu_participant *p, const mcu_rtp_header *h, const uint8_t *payload,
	size_t len, gint64 now_us);

/* mcu_banner.c: draws the banner while one is shown (video thread); fills one tick of the
 * join/leave chime into frame (MCU_MIX_FRAME samples), false when none plays (audio thread). */
void mcu_banner_draw(mcu_room *room, mcu_image *canvas);
bool mcu_banner_cue_tick(mcu_room *room, int16_t *frame);

/* Event delivery from the audio thread (takes ev_lock; skips participants that left). */
void mcu_room_emit_talking(mcu_room *room, mcu_participant *p, bool is_talking);
void mcu_room_emit_speaker(mcu_room *room, mcu_participant *p_or_null);

#endif
