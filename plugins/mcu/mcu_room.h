/*
 * mcu_room.h - the MCU room: takes each participant's RTP in (Opus, G.711 or G.722 audio,
 * VP8 or H.264 video) and produces each participant's outgoing RTP: an audio mix of
 * everyone but themselves and one composed picture of the room (a layout: speaker, 1+7,
 * 2x2 or 3x3, with names), encoded once per room and video codec and sent to every
 * participant.
 *
 * Video: the picture is encoded with VP8 while at least one participant receives VP8, and
 * once more with H.264 (constrained baseline, libx264) while at least one receives H.264;
 * each encode is shared by all receivers of its codec, and a receiver's key frame request
 * goes to its codec's encoder only. H.264 is carried as RFC 6184 (packetization-mode 0:
 * single NAL units; mode 1: STAP-A and FU-A too), SPS and PPS in front of every IDR.
 *
 * Audio: only the participants currently talking are mixed. Everyone who is not talking
 * hears the same mix (all talkers), encoded once per codec for all of them (Opus: once with
 * in-band FEC for those that asked for it, once without for the others); each talker
 * gets a private mix-minus encode. Levels (RFC 6464, given by the caller or computed)
 * drive the `talking` events and the active speaker, who takes the main pane after talking
 * for 1 s (mcu_speaker.h has the rules).
 *
 * No Janus headers here: both plugins link this library and unit tests link it directly.
 *
 * Threads: mcu_room_* and mcu_participant_* may be called from any thread. The room runs
 * threads of its own: an audio mixer ticking every 20 ms and a video composer ticking at
 * the room's frame rate (and a content encoder at the content frame rate, mcu_content.h);
 * video work never delays the audio tick. Both ask for a higher
 * scheduling priority (nice -10 and -5) when the process may have it (CAP_SYS_NICE) and
 * run at the normal one otherwise. The io callbacks of a
 * participant are called from those threads (and from the caller's thread for
 * request_keyframe); after mcu_room_leave() returns they are never called again.
 * Room events (mcu_room_set_events) are called from the audio thread, see there.
 * With a manual clock (mcu_room_config.manual_clock, for tests, benchmarks and simulation)
 * the room starts no threads: the caller drives time with mcu_room_advance(), and every
 * callback above runs on the thread calling it (see there).
 *
 * Ownership: mcu_room and mcu_participant are reference counted. *_new/join return a new
 * reference that the caller releases with *_unref. The room keeps its own reference to
 * each joined participant until mcu_room_leave().
 */
#ifndef TPAAS_MCU_ROOM_H
#define TPAAS_MCU_ROOM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mcu_room mcu_room;
typedef struct mcu_participant mcu_participant;

/* The composed picture's arrangement. Zero is the default. */
typedef enum mcu_layout_kind {
	MCU_LAYOUT_1_7 = 0, /* "1+7": active speaker large on top, up to 7 thumbnails under it */
	MCU_LAYOUT_SPEAKER, /* "speaker": the active speaker on the whole canvas */
	MCU_LAYOUT_2X2,     /* "2x2": 4 equal tiles */
	MCU_LAYOUT_3X3,     /* "3x3": 9 equal tiles */
} mcu_layout_kind;

/* "speaker", "1+7", "2x2", "3x3" (exact, lowercase). Returns 0 or -EINVAL (*out untouched). */
int mcu_layout_kind_from_string(const char *s, mcu_layout_kind *out);
/* The name above, or NULL for a value outside the enum. */
const char *mcu_layout_kind_name(mcu_layout_kind kind);

typedef enum mcu_audio_codec_id {
	MCU_AUDIO_OPUS = 0, /* 48 kHz RTP clock (RFC 7587) */
	MCU_AUDIO_PCMU,     /* G.711 µ-law, 8 kHz */
	MCU_AUDIO_PCMA,     /* G.711 A-law, 8 kHz */
	MCU_AUDIO_G722,     /* G.722 64 kbit/s, 16 kHz audio, 8 kHz RTP clock (RFC 3551) */
} mcu_audio_codec_id;

typedef enum mcu_video_codec_id {
	MCU_VIDEO_VP8 = 0, /* RFC 7741 */
	MCU_VIDEO_H264,    /* RFC 6184, constrained baseline */
	MCU_VIDEO_NONE,    /* audio only: sends and receives no video (shown as a name tile) */
} mcu_video_codec_id;

typedef struct mcu_room_config {
	int width;              /* composed picture, default 1280 */
	int height;             /* default 720 */
	int fps;                /* default 30 */
	int video_kbps;         /* VP8 target bitrate of the composed picture, default 1500 */
	int audio_kbps;         /* Opus bitrate of each mix, default 32 */
	mcu_layout_kind layout; /* default MCU_LAYOUT_1_7 */
	/* false (default): the room runs its own audio and video threads on the monotonic
	 * clock. true: no threads; the room's time (packet arrivals, jitter playout, talking
	 * and speaker hold times, key-frame rate limits, media timestamps, latency figures)
	 * is a clock that only mcu_room_advance() moves, so a run is the same on any machine.
	 * For tests, benchmarks and simulation; the plugins leave it false. */
	bool manual_clock;
	/* Frame rate of the room's content stream (mcu_content.h), 5..15, default 5. */
	int content_fps;
} mcu_room_config;

/* Fills cfg with the defaults above. */
void mcu_room_config_defaults(mcu_room_config *cfg);

typedef struct mcu_participant_io {
	void *opaque;
	/* One outgoing plain RTP packet (header + payload, no SRTP) for this participant.
	 * is_video: 0 audio (its audio codec), 1 video (its video codec), MCU_STREAM_CONTENT
	 * (2, mcu_content.h) the room's content on its content stream. Must not block for
	 * long. */
	void (*send_rtp)(void *opaque, int is_video, const uint8_t *pkt, size_t len);
	/* The MCU needs a keyframe from this participant's video sender (send a PLI). */
	void (*request_keyframe)(void *opaque);
	/* The MCU needs a keyframe from this participant's content sender (send a PLI / INFO
	 * picture_fast_update on the content stream, mcu_content.h). NULL allowed. */
	void (*request_content_keyframe)(void *opaque);
} mcu_participant_io;

/* Returns a new room (new reference) with its threads running, or NULL on error.
 * cfg may be NULL for the defaults. */
mcu_room *mcu_room_new(const char *name, const mcu_room_config *cfg);
mcu_room *mcu_room_ref(mcu_room *room);
/* Drops a reference; the last one stops the room's threads and frees it. */
void mcu_room_unref(mcu_room *room);
const char *mcu_room_name(const mcu_room *room);
/* Number of joined participants. */
unsigned mcu_room_count(mcu_room *room);
/* The composed picture's size (what every participant receives). */
void mcu_room_video_size(const mcu_room *room, int *width, int *height);

/* Manual clock only (mcu_room_config.manual_clock): moves the room's time forward by usec
 * (>= 0) and runs, on the calling thread and in time order, every audio tick (every 20 ms)
 * and video tick (every 1/fps s) that falls due, as the room's threads would; an audio and
 * a video tick due at the same time run audio first. The clock starts at an arbitrary
 * value when the room is created; the first audio tick is due 20 ms later and the first
 * video tick one frame later, as with threads. Packets given to mcu_participant_incoming_rtp
 * between two calls arrive at the current clock (before the ticks of the next call).
 * Other mcu_* calls stay allowed from any thread, but calls to mcu_room_advance on one room
 * must not overlap; io and event callbacks may not call it. Returns 0, or -EINVAL (room
 * NULL, not manual, usec < 0, or a clock past 2^62 µs). */
int mcu_room_advance(mcu_room *room, int64_t usec);

/* Removes the participant from the room; after return its io callbacks are not called again.
 * Safe to call twice. Does not drop the caller's reference. */
void mcu_room_leave(mcu_room *room, mcu_participant *p);
mcu_participant *mcu_participant_ref(mcu_participant *p);
void mcu_participant_unref(mcu_participant *p);

/* Switches the room's layout live (next composed frame). Returns 0 or -EINVAL. */
int mcu_room_set_layout(mcu_room *room, mcu_layout_kind kind);
mcu_layout_kind mcu_room_layout(mcu_room *room);

typedef struct mcu_participant_opts {
	const char *display;            /* name drawn on the tile (UTF-8, Latin-1 glyphs); copied */
	mcu_audio_codec_id audio_codec; /* what the participant sends and receives */
	uint8_t audio_pt, video_pt;     /* payload types written in packets sent to it */
	mcu_video_codec_id video_codec; /* what the participant sends and receives */
	int h264_packetization_mode;    /* H.264 only: 0 (single NAL unit) or 1 (non-interleaved) */
	/* Opus only: the receiver said useinbandfec=1 in its fmtp (RFC 7587 §6.1), so the audio
	 * sent to it carries in-band FEC (SILK LBRR). Default false, as the RFC's default: FEC
	 * costs encoder CPU and bits of the primary encoding, wasted on one that can't use it. */
	bool opus_fec;
} mcu_participant_opts;

/* Fills opts with: no display name, Opus, audio_pt 111, VP8, video_pt 96,
 * h264_packetization_mode 1, no Opus FEC. */
void mcu_participant_opts_defaults(mcu_participant_opts *opts);
/* Adds a participant with the codecs and payload types of opts (as negotiated in its SDP;
 * opts is copied); io is copied. Returns a new reference, or NULL (bad arguments: unknown
 * codec, packetization mode not 0 or 1; out of memory). The first outgoing video frame for
 * a new participant is a keyframe. */
mcu_participant *mcu_room_join(
	mcu_room *room, const mcu_participant_opts *opts, const mcu_participant_io *io);

/* Host controls. A participant muted by the room (a host's decision, not its own) sends
 * nothing to the mix: its audio is taken as silence from the next audio tick on (no talking
 * events, never the active speaker) until unmuted. Any thread. */
void mcu_participant_set_muted(mcu_participant *p, bool muted);
bool mcu_participant_muted(mcu_participant *p);
/* What the participant's last reception report (RTCP RR or SR, RFC 3550 §6.4.1) says of the
 * audio we send it: the fraction lost, 0-255. For a receiver with Opus FEC (opts.opus_fec) it
 * sets how much redundancy the encoder it hears adds (mcu_opus_enc_set_expected_loss: none
 * at 0, from 1 % on the loss and a higher bitrate); rises at once, falls half way per report;
 * a shared encoder takes its listeners' worst. Any thread. */
void mcu_participant_set_audio_loss(mcu_participant *p, int fraction_q8);
/* A reception report block from the participant that may be about our audio to it or about
 * something else (a browser reports on all it receives from one SSRC, and Janus rewrites
 * SSRCs): it is taken as about our audio (mcu_participant_set_audio_loss) when its extended
 * highest sequence number is one we sent on our audio lately (at most 1000 packets, 20 s,
 * behind the last), never one ahead. Any thread. */
void mcu_participant_audio_report(mcu_participant *p, uint32_t ext_highest_seq, int fraction_q8);
/* The loss of our audio the participant reports (percent, smoothed; -1: no report yet). */
int mcu_participant_audio_loss(mcu_participant *p);
/* Puts p on the main pane of every composed picture (and first in the layouts without one)
 * whoever talks, until cleared with NULL or until p leaves. Any thread. */
void mcu_room_set_spotlight(mcu_room *room, mcu_participant *p_or_null);

/* Room events, for the plugin (talking notifications, who is on the main pane).
 * Called from the room's audio thread with no lock held that mcu_room_join, mcu_room_leave
 * or any other mcu_* call takes, so a callback may call them (but must not drop the room's
 * last reference). participant_opaque is the io.opaque given at join. Events about a
 * participant are never delivered once mcu_room_leave() for it has returned (leave waits
 * for a callback in progress on another thread). Callbacks may be NULL. */
typedef struct mcu_room_events {
	void *opaque;
	void (*talking)(void *opaque, void *participant_opaque, int is_talking);
	/* The new active speaker's io.opaque, NULL when there is none (e.g. the speaker left). */
	void (*speaker_changed)(void *opaque, void *participant_opaque);
	/* The room's presenter changed (mcu_content.h): its io.opaque, NULL when nobody
	 * presents any more. */
	void (*content_changed)(void *opaque, void *presenter_participant_opaque);
} mcu_room_events;

/* Sets (copies) the room's event callbacks; NULL clears them. After return, the previous
 * callbacks are not running and are not called again. */
void mcu_room_set_events(mcu_room *room, const mcu_room_events *ev);

/* Media from the participant: one RTP packet (plain, already SRTP-decrypted). Hostile input:
 * any length, any content; malformed packets are counted and dropped. is_video as above.
 * audio_level_dbov: the audio level of the packet when the sender gave one (RFC 6464 header
 * extension, parsed by the caller): 0..127 (-dBov, 0 loudest), or -1 when unknown, in which
 * case the room computes it from the decoded samples. Ignored for video. The arrival time
 * is taken here (for the latency figures of mcu_room_get_stats). */
void mcu_participant_incoming_rtp(
	mcu_participant *p, int is_video, const uint8_t *buf, size_t len, int audio_level_dbov);
/* The participant asked for a keyframe (PLI/FIR): the room's shared encoder of its video
 * codec makes one (rate-limited). */
void mcu_participant_keyframe_request(mcu_participant *p);

typedef struct mcu_participant_stats {
	uint64_t audio_packets_in, video_packets_in, bad_packets_in;
	uint64_t audio_frames_decoded, video_frames_decoded, video_frames_lost;
	uint64_t audio_packets_out, video_packets_out;
	uint64_t keyframes_requested; /* PLIs we asked the sender for */
	uint64_t talking;             /* 1 while talking (as the events say), else 0 */
	/* frames not decoded: marked silent (RFC 6464), quieter than voice while out of the
	 * mix, or muted by the room */
	uint64_t audio_frames_silent;
	uint64_t audio_level_dbov; /* last frame's level, 0..127 (127 silent) */
	/* The bandwidth tier it receives (mcu_tiers.h: 0 high, 1 medium, 2 low) and that
	 * tier's picture size; 0 before the first composed frame. */
	uint64_t video_tier, video_width, video_height;
} mcu_participant_stats;
void mcu_participant_get_stats(mcu_participant *p, mcu_participant_stats *out);

/* Room figures since creation or the last mcu_room_reset_stats, for benchmarks and the
 * Admin API. Percentiles have 0.25 ms resolution (0 with no samples). */
typedef struct mcu_room_stats {
	uint64_t audio_ticks;
	uint64_t audio_encodes_shared;  /* one per codec (and Opus FEC on/off) in use per tick */
	uint64_t audio_encodes_private; /* one per talker per tick (mix-minus) */
	uint64_t audio_cpu_us;          /* CPU time of the audio thread */
	uint64_t video_ticks;           /* composer ticks: one per frame while anyone has video,
					 * one a second while nobody does */
	uint64_t video_frames_out;      /* composed frames encoded (by one codec or both) */
	uint64_t video_cpu_us;          /* CPU time of the video thread (compose + encode) */
	uint64_t video_wait_us;         /* time spent waiting for late frames (bounded) */
	uint64_t video_compose_us;      /* wall time composing */
	uint64_t video_encode_us;       /* wall time in the VP8 encoder */
	double video_late_p99_ms;       /* frame sent after its scheduled tick time, 99th pct */
	/* Added latency: arrival of a packet -> departure of the packet carrying its content. */
	double audio_latency_p95_ms;
	double video_latency_p95_ms;
	/* The H.264 group (counted only while an H.264 receiver is present). */
	uint64_t video_frames_out_h264; /* composed frames encoded with H.264 */
	uint64_t video_encode_h264_us;  /* wall time in the H.264 encoder */
	uint64_t video_keyframes_h264;  /* IDRs among them */
	/* What the room costs, for admission control (vmr_admission.h): CPU time spent decoding
	 * and scaling its senders' video on their own threads (the input path), and the room's
	 * time these figures cover. audio_cpu_us + video_cpu_us + input_cpu_us over uptime_us
	 * is the room's load in cores. */
	uint64_t input_cpu_us;
	uint64_t uptime_us;
	/* Encodes per bandwidth tier (mcu_tiers.h: high, medium, low), all codecs: a tier is
	 * encoded once per codec per frame while it has receivers. */
	uint64_t video_encodes_tier[3];
} mcu_room_stats;
void mcu_room_get_stats(mcu_room *room, mcu_room_stats *out);
void mcu_room_reset_stats(mcu_room *room);

#ifdef __cplusplus
}
#endif
#endif
