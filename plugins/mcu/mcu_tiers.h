/*
 * mcu_tiers.h - bandwidth tiers of the composed picture: what a receiver's link and its
 * SDP allow decide which of three encodes of the room's picture it gets.
 *
 *   high    the room's size and bitrate (mcu_room_config width/height/video_kbps)
 *   medium  360 lines (640x360 for 16:9) at 600 kbit/s (never more than high)
 *   low     180 lines (320x180) at 250 kbit/s (never more than medium)
 *
 * Each tier is encoded once per video codec for all its receivers, and only while it has
 * receivers, so one receiver on a poor link costs one small extra encode and never pulls
 * the others down.
 *
 * Moving: a receiver's estimated bandwidth (mcu_participant_set_bandwidth: REMB from
 * browsers, TMMBR from SIP endpoints) below its tier's bitrate moves it down at once, to
 * the highest tier whose bitrate fits; it moves back up one tier at a time, only after the
 * estimate has stayed at least 25 % above the higher tier's bitrate for 4 s and 4 s after
 * its last move (no flapping). With no estimate it stays where its limits put it. Limits
 * (mcu_participant_set_video_limits: b=AS / b=TIAS, H.264 level or max-fs, imageattr) cap
 * the tier for the whole call. Each move starts with a key frame of the new tier.
 *
 * Threads: the setters may be called from any thread (atomics); tiers are decided and
 * encoded on the room's video thread (mcu_room_video.c, hooks in mcu_tiers_priv.h).
 */
#ifndef TPAAS_MCU_TIERS_H
#define TPAAS_MCU_TIERS_H

#include "mcu_room.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCU_VIDEO_TIERS 3
typedef enum mcu_video_tier {
	MCU_TIER_HIGH = 0,
	MCU_TIER_MEDIUM = 1,
	MCU_TIER_LOW = 2,
} mcu_video_tier;

/* "high", "medium", "low"; NULL outside the enum. */
const char *mcu_video_tier_name(int tier);

/* The receiver's estimated bandwidth for video in kbit/s (REMB, TMMBR), 0: unknown (no
 * limit). Negative values are taken as 0. Any thread. */
void mcu_participant_set_bandwidth(mcu_participant *p, int kbps);

/* What the receiver's SDP allows; 0 in a field: no limit. */
typedef struct mcu_video_limits {
	int max_kbps;              /* b=AS (kbit/s), b=TIAS / 1000 */
	int h264_level_idc;        /* H.264 profile-level-id's level (e.g. 31 for 3.1) */
	int max_fs;                /* max-fs: frame size in 16x16 macroblocks (VP8: the limit;
	                            * H.264: may raise the level's, RFC 6184 §8.1) */
	int max_width, max_height; /* imageattr recv (RFC 6236) */
} mcu_video_limits;

/* Sets (copies) the limits; NULL clears them. Negative fields are taken as 0. Any thread. */
void mcu_participant_set_video_limits(mcu_participant *p, const mcu_video_limits *lim);

/* The largest frame size (macroblocks) of an H.264 level_idc (Table A-1 of H.264):
 * 0 for an unknown level. level_idc 11 with constraint_set3 (level 1b) is 99 like 10. */
int mcu_h264_level_max_fs(int level_idc);

#ifdef __cplusplus
}
#endif
#endif
