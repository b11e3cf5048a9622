/*
 * mcu_content.h - a room's content (presentation, issue #13): at most one presenter at a
 * time, whose content stream (a shared screen, a room system's slides m-line) becomes the
 * room's content.
 *
 * What receivers get:
 *  - Participants that receive content on a separate stream (a browser's second video
 *    stream, a room system's `a=content:slides` m-line; mcu_participant_receive_content)
 *    get it there: decoded once on the presenter's input path, kept at the presenter's
 *    resolution (scaled down to fit 1920x1080 above that), encoded once per codec for all
 *    of them at the room's content frame rate (mcu_room_config.content_fps, 5..15, default
 *    5). A picture identical to the last one encoded is not encoded again (slides are mostly
 *    static), so an unchanged screen costs nothing but the comparison; pictures that differ
 *    only by the sender's refinement of a static screen (no pixel moved by more than a few
 *    levels) are encoded at most once a second. Their composed picture stays the room's
 *    people layout.
 *  - Everyone else with video sees the presentation layout in the composed picture while
 *    someone presents: the content in the main pane, the speakers in a strip beside it
 *    (mcu_layout.h); the room's own layout returns when the presentation stops.
 *  - When both kinds of receivers exist the room composes two pictures (people and
 *    presentation), each encoded once per codec that has receivers; a picture without
 *    receivers is neither composed nor encoded.
 *  - Key frames: the first content packet a receiver gets after (re)start or a presenter
 *    change is a key frame; a receiver's request (PLI/FIR) is served at most every
 *    MCU_KEYFRAME_INTERVAL_US per codec. The MCU asks the presenter for a key frame
 *    (io.request_content_keyframe) when it starts presenting and after loss (rate-limited).
 *
 * Events: mcu_room_events.content_changed tells the new presenter (or none) from the room's
 * audio thread (the caller of mcu_room_advance with a manual clock), like the other room
 * events; changes quicker than one audio tick are told once, with the latest presenter.
 * The presenter leaving the room stops the presentation.
 *
 * Threads: every function may be called from any thread. A presenter's content RTP is
 * depacketized and decoded on the calling thread of mcu_participant_incoming_content_rtp
 * (like the other video input); the content stream is encoded and sent by the room's
 * content thread (at content_fps; with a manual clock, by the video tick of
 * mcu_room_advance), the presentation picture composed by its video thread.
 * Content RTP goes out through io.send_rtp(opaque, MCU_STREAM_CONTENT, pkt, len), under the
 * same rules as the other io callbacks (mcu_room.h).
 * Ownership: nothing here takes or drops references the caller holds.
 */
#ifndef TPAAS_MCU_CONTENT_H
#define TPAAS_MCU_CONTENT_H

#include "mcu_room.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The is_video argument of io.send_rtp for content packets (0 audio, 1 people video). */
#define MCU_STREAM_CONTENT 2

/* Content limits: the content picture is at most this size (scaled down to fit above it). */
#define MCU_CONTENT_MAX_WIDTH  1920
#define MCU_CONTENT_MAX_HEIGHT 1080

/* p presents: the RTP p sends on its content stream (codec/pt as negotiated) becomes the
 * room's content, replacing any other presenter (that one stops presenting; content_changed
 * fires). Presenting again with another codec restarts p's content input. Returns 0 or
 * -EINVAL (p NULL or not in a room, unknown codec, MCU_VIDEO_NONE). Any thread. */
int mcu_participant_present(mcu_participant *p, mcu_video_codec_id codec, uint8_t pt);
/* p stops presenting (no-op when p is not the presenter). Leaving the room does it too. */
void mcu_participant_stop_presenting(mcu_participant *p);
/* One RTP packet of p's content stream (hostile input: any length, any content; ignored
 * unless p presents, malformed packets counted in bad_packets_in and dropped, a wrong
 * payload type too). */
void mcu_participant_incoming_content_rtp(mcu_participant *p, const uint8_t *buf, size_t len);

/* p receives the content as a separate stream (codec/pt/packetization as negotiated for its
 * second video stream / slides m-line); MCU_VIDEO_NONE stops it. While p receives content on
 * a second stream its composed picture stays the people layout; participants without it get
 * the presentation layout (content in the main pane, speakers in a strip) while someone
 * presents. Content RTP goes out through io.send_rtp(opaque, MCU_STREAM_CONTENT, pkt, len)
 * with its own SSRC. The first content packet after (re)start or presenter change is a
 * keyframe. Returns 0 or -EINVAL (p NULL, unknown codec, packetization mode not 0 or 1). */
int mcu_participant_receive_content(
	mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, int h264_packetization_mode);
/* A content receiver asked for a keyframe (PLI/FIR on its content stream). */
void mcu_participant_content_keyframe_request(mcu_participant *p);
/* The io.opaque of the presenter, or NULL. */
void *mcu_room_content_presenter(mcu_room *room);
/* The presenter's display name (g_free it), or NULL when nobody presents. */
char *mcu_room_content_presenter_name(mcu_room *room);

/* Content figures of one participant (as presenter and as receiver), since it joined. */
typedef struct mcu_content_part_stats {
	uint64_t packets_in;      /* content RTP accepted while presenting */
	uint64_t bad_packets_in;  /* malformed, wrong payload type, or not presenting */
	uint64_t frames_decoded;  /* content pictures decoded */
	uint64_t frames_lost;     /* given up by the depacketizer or the decoder */
	uint64_t keyframes_asked; /* request_content_keyframe calls made to it */
	uint64_t packets_out;     /* content RTP sent to it */
	uint64_t keyframes_out;   /* content key frames sent to it */
} mcu_content_part_stats;
void mcu_participant_get_content_stats(mcu_participant *p, mcu_content_part_stats *out);

/* Content figures of a room since creation or mcu_room_reset_stats. */
typedef struct mcu_content_room_stats {
	uint64_t frames_out;          /* content pictures encoded (by one codec or both) */
	uint64_t frames_unchanged;    /* content ticks skipped: same picture, or refined only */
	uint64_t keyframes_out;       /* key frames among the encodes, all codecs */
	uint64_t encode_us;           /* wall time in the content encoders */
	uint64_t presentation_frames; /* composed pictures in the presentation layout */
	uint64_t people_frames_extra; /* people pictures composed beside a presentation one */
	uint64_t presenter_changes;   /* content_changed events told */
	int width, height;            /* the content picture's size, 0 when nobody presents */
	uint64_t encode_cpu_us;       /* CPU time of the encoding thread in the content encoders
				 * (libx264's own threads not counted) */
} mcu_content_room_stats;
void mcu_room_get_content_stats(mcu_room *room, mcu_content_room_stats *out);

#ifdef __cplusplus
}
#endif
#endif
