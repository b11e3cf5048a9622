/*
 * mcu_tiers_priv.h - the room's side of the bandwidth tiers (mcu_tiers.h): per-participant
 * tier state, per-tier encoders, and the hooks mcu_room_video.c calls on the video thread.
 * Not installed.
 *
 * Tier 0 (high) encodes the room's canvas with the room's own encoders (room->venc,
 * room->henc) and key-frame state; tiers 1 and 2 scale the canvas once per tick into their
 * own picture and own their encoders, made when the tier gets a receiver and freed when it
 * has none. mcu_tiers_target() gives either in one shape.
 */
#ifndef TPAAS_MCU_TIERS_PRIV_H
#define TPAAS_MCU_TIERS_PRIV_H

#include <glib.h>
#include <stdbool.h>

#include "mcu_tiers.h"
#include "mcu_h264_codec.h"
#include "mcu_image.h"
#include "mcu_video_codec.h"

#define MCU_TIER_CODECS 2 /* VP8, H.264: mcu_video_codec_id values with a picture */

/* In mcu_participant. */
typedef struct mcu_part_tiers {
	gint bw_kbps;                        /* atomic: estimate, 0 unknown */
	gint max_kbps, max_fs, max_w, max_h; /* atomic: SDP limits, 0 none */
	gint tier;                           /* atomic: current tier (video thread writes) */
	gint64 changed_us;                   /* video thread: last move */
	gint64 above_since_us;               /* video thread: estimate allows going up since */
} mcu_part_tiers;

/* In mcu_room: tiers 1 and 2 (index 0 unused: tier 0 is the room's own encode). */
typedef struct mcu_tier_enc {
	mcu_image pic;
	mcu_vp8_enc *venc;
	mcu_h264_enc *henc;
	bool henc_failed;
	uint16_t picture_id;
	gint kf_force[MCU_TIER_CODECS], kf_requested[MCU_TIER_CODECS]; /* atomic */
	gint64 last_kf_us[MCU_TIER_CODECS];
} mcu_tier_enc;

typedef struct mcu_room_tiers {
	int width[MCU_VIDEO_TIERS], height[MCU_VIDEO_TIERS], kbps[MCU_VIDEO_TIERS];
	mcu_tier_enc enc[MCU_VIDEO_TIERS];
} mcu_room_tiers;

/* One tier's encode, as video_out_* use it (pointers into the room). */
typedef struct mcu_tier_target {
	int tier;
	const mcu_image *pic;
	int width, height, kbps;
	mcu_vp8_enc *venc; /* NULL: not available (the tier's encoder failed) */
	mcu_h264_enc **henc;
	bool *henc_failed;
	uint16_t *picture_id;
	gint *kf_force, *kf_requested;
	gint64 *last_kf_us;
} mcu_tier_target;

struct mcu_room;
struct mcu_participant;

/* mcu_room_new: the tiers' sizes and bitrates from the room's config. */
void mcu_tiers_room_init(struct mcu_room *room);
/* mcu_room_unref: frees tiers 1 and 2. */
void mcu_tiers_room_clear(struct mcu_room *room);
/* The receiver's current tier (any thread). */
int mcu_tiers_of(struct mcu_participant *p);
/* A receiver's key frame request goes to its own tier's encoder. */
void mcu_tiers_keyframe_request(struct mcu_room *room, struct mcu_participant *p);

/* Video thread, after the canvas is composed: moves receivers between tiers (a moved one
 * waits for the new tier's forced key frame), publishes their tier in their stats, frees the
 * encoders of tiers without receivers, makes and fills the pictures of those with some.
 * Returns the (codec, tier) pairs to encode, bit MCU_TIER_BIT(codec, tier). */
unsigned mcu_tiers_prepare(struct mcu_room *room, GPtrArray *parts, gint64 now);
#define MCU_TIER_BIT(codec, tier) (1u << ((codec)*MCU_VIDEO_TIERS + (tier)))
void mcu_tiers_target(struct mcu_room *room, int tier, mcu_tier_target *out);

#endif
