/*
 * mcu_room.h - the MCU room: takes each participant's RTP in (Opus audio, VP8 video) and
 * produces each participant's outgoing RTP: an audio mix of everyone but themselves and
 * one composed picture of the room, encoded once per room and sent to every participant.
 *
 * No Janus headers here: both plugins link this library and unit tests link it directly.
 *
 * Threads: mcu_room_* and mcu_participant_* may be called from any thread. The room runs
 * two threads of its own: an audio mixer ticking every 20 ms and a video composer ticking at
 * the room's frame rate; video work never delays the audio tick. The io callbacks of a
 * participant are called from those threads (and from the caller's thread for
 * request_keyframe); after mcu_room_leave() returns they are never called again.
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

typedef struct mcu_room_config {
	int width;               /* composed picture, default 1280 */
	int height;              /* default 720 */
	int fps;                 /* default 30 */
	int video_kbps;          /* VP8 target bitrate of the composed picture, default 1500 */
	int audio_kbps;          /* Opus bitrate of each mix, default 32 */
} mcu_room_config;

/* Fills cfg with the defaults above. */
void mcu_room_config_defaults(mcu_room_config *cfg);

typedef struct mcu_participant_io {
	void *opaque;
	/* One outgoing plain RTP packet (header + payload, no SRTP) for this participant.
	 * is_video: 0 audio (Opus), 1 video (VP8). Must not block for long. */
	void (*send_rtp)(void *opaque, int is_video, const uint8_t *pkt, size_t len);
	/* The MCU needs a keyframe from this participant's video sender (send a PLI). */
	void (*request_keyframe)(void *opaque);
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

/* Adds a participant; io is copied. audio_pt/video_pt are the RTP payload types to write in
 * the packets sent to this participant (as negotiated in its SDP). Returns a new reference.
 * The first outgoing video frame for a new participant is a keyframe. */
mcu_participant *mcu_room_join(mcu_room *room, const char *display,
	const mcu_participant_io *io, uint8_t audio_pt, uint8_t video_pt);
/* Removes the participant from the room; after return its io callbacks are not called again.
 * Safe to call twice. Does not drop the caller's reference. */
void mcu_room_leave(mcu_room *room, mcu_participant *p);
mcu_participant *mcu_participant_ref(mcu_participant *p);
void mcu_participant_unref(mcu_participant *p);

/* Media from the participant: one RTP packet (plain, already SRTP-decrypted). Hostile input:
 * any length, any content; malformed packets are counted and dropped. is_video as above. */
void mcu_participant_incoming_rtp(mcu_participant *p, int is_video, const uint8_t *buf, size_t len);
/* The participant asked for a keyframe (PLI/FIR): the room's shared encoder makes one
 * (rate-limited). */
void mcu_participant_keyframe_request(mcu_participant *p);

typedef struct mcu_participant_stats {
	uint64_t audio_packets_in, video_packets_in, bad_packets_in;
	uint64_t audio_frames_decoded, video_frames_decoded, video_frames_lost;
	uint64_t audio_packets_out, video_packets_out;
	uint64_t keyframes_requested; /* PLIs we asked the sender for */
} mcu_participant_stats;
void mcu_participant_get_stats(mcu_participant *p, mcu_participant_stats *out);

#ifdef __cplusplus
}
#endif
#endif
