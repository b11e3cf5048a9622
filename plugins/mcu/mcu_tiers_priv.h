/*
 * mcu_tiers_priv.h - the room's side of the bandwidth tiers (mcu_tiers.h): per-participant
 * tier state, per-tier encoders, and the hooks mcu_room_video.c calls on the video thread.
 * Not installed; included by mcu_room_priv.h after mcu_room_pic.
 *
 * Tiers apply to each of the room's pictures (people, presentation: mcu_room_pic). Tier 0
 * (high) of a picture is the picture itself (room->pic[i]: its canvas, encoders and
 * key-frame state); tiers 1 and 2 scale that canvas once per tick into a picture of their
 * own (room->tiers.enc[i][tier], the same shape) with their own encoders, made when the
 * tier gets a receiver of that picture and freed when it has none. mcu_tiers_target()
 * gives either.
 */
#ifndef TPAAS_MCU_TIERS_PRIV_H
#define TPAAS_MCU_TIERS_PRIV_H

#include <glib.h>
#include <stdbool.h>

#include "mcu_tiers.h"

#define MCU_TIER_CODECS 2 /* VP8, H.264: mcu_video_codec_id values with a picture */

/* In mcu_participant. */
typedef struct mcu_part_tiers {
	gint bw_kbps;                        /* atomic: estimate, 0 unknown */
	gint max_kbps, max_fs, max_w, max_h; /* atomic: SDP limits, 0 none */
	gint tier;                           /* atomic: current tier (video thread writes) */
	gint64 changed_us;                   /* video thread: last move */
	gint64 above_since_us;               /* video thread: estimate allows going up since */
} mcu_part_tiers;

/* In mcu_room, video thread. enc[picture][0] is unused (tier 0 is room->pic[picture]). */
typedef struct mcu_room_tiers {
	int width[MCU_VIDEO_TIERS], height[MCU_VIDEO_TIERS], kbps[MCU_VIDEO_TIERS];
	mcu_room_pic enc[MCU_PICS][MCU_VIDEO_TIERS];
} mcu_room_tiers;

/* One picture's encode at one tier, as video_out_* use it. */
typedef struct mcu_tier_target {
	int pic, tier;
	mcu_room_pic *enc; /* canvas (the tier's size), encoders, key-frame state */
	int width, height, kbps;
} mcu_tier_target;

struct mcu_room;
struct mcu_participant;

/* mcu_room_new: the tiers' sizes and bitrates from the room's config. */
void mcu_tiers_room_init(struct mcu_room *room);
/* mcu_room_unref: frees tiers 1 and 2 of each picture. */
void mcu_tiers_room_clear(struct mcu_room *room);
/* The receiver's current tier (any thread). */
int mcu_tiers_of(struct mcu_participant *p);
/* A receiver's key frame request goes to its own picture's encoder at its own tier. */
void mcu_tiers_keyframe_request(struct mcu_room *room, struct mcu_participant *p);
/* A key frame now of picture pic at tier for codec c (a receiver moved to it). */
void mcu_tiers_force_key(struct mcu_room *room, int pic, int tier, int c);

/* Video thread, after the pictures with receivers (any[picture]) are composed: moves
 * receivers between tiers (a moved one waits for the new tier's forced key frame),
 * publishes their tier in their stats, frees the encoders of (picture, tier, codec) without
 * receivers (the people picture's VP8 encoder at tier 0 lives with the room), fills the
 * lower tiers' pictures that have some. Returns the (picture, codec, tier) triples to
 * encode, bit MCU_TIER_BIT(pic, codec, tier). */
unsigned mcu_tiers_prepare(
	struct mcu_room *room, GPtrArray *parts, const bool any[MCU_PICS], gint64 now);
#define MCU_TIER_BIT(pic, codec, tier)                                                             \
	(1u << (((pic)*MCU_TIER_CODECS + (codec)) * MCU_VIDEO_TIERS + (tier)))
void mcu_tiers_target(struct mcu_room *room, int pic, int tier, mcu_tier_target *out);

#endif
