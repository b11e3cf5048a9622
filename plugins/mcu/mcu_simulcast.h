/*
 * mcu_simulcast.h - simulcast inputs: a participant's video may arrive as up to three
 * layers of the same picture at different sizes (a browser's rid or SSRC encodings, layer 0
 * the smallest). The room decodes ONE layer per participant: the smallest whose size fills
 * the tile the participant is drawn in (a layer at least MCU_SIMULCAST_FILL_PCT % of the
 * tile's picture size fills it; so a 1280x720 camera sends 320x180 for a 3x3 tile or a 1+7
 * thumbnail, 640x360 for 2x2, 1280x720 for the main pane). When the layout, the speaker or
 * the spotlight changes the tile, the room asks the sender for a key frame of the new layer
 * and keeps decoding (and showing) the old one until that key frame arrives; then it
 * switches. Packets of the other layers are only looked at (key frame start and, from it,
 * the layer's picture size), never decoded. A layer that stops (the browser dropped it for
 * bandwidth) is left for the best one still arriving.
 *
 * The sizes of the layers come from their key frames (VP8 frame header, H.264 SPS), so the
 * choice does not depend on the caller's guess of which layer is which size; the layer
 * numbers only break ties before any key frame was seen.
 *
 * Threads: mcu_participant_incoming_rtp_layer() on the sender's thread (as
 * mcu_participant_incoming_rtp); the rest from any thread. The module's lock is taken before
 * the participant's vin_lock (the layered input path holds it across the decode).
 * Ownership: the state belongs to the participant and goes with it.
 */
#ifndef TPAAS_MCU_SIMULCAST_H
#define TPAAS_MCU_SIMULCAST_H

#include <stddef.h>
#include <stdint.h>

#include "mcu_room.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCU_SIMULCAST_LAYERS   3
#define MCU_SIMULCAST_FILL_PCT 75 /* a layer this big (of the tile's picture) fills the tile */

/* One RTP packet (plain, hostile input) of layer `layer` (0..MCU_SIMULCAST_LAYERS-1, 0 the
 * smallest) of p's video. A bad layer number or packet is counted in bad_packets_in. */
void mcu_participant_incoming_rtp_layer(
	mcu_participant *p, int layer, const uint8_t *buf, size_t len);

/* The MCU needs a key frame of one layer (send a PLI for that layer's SSRC). Optional: without
 * it, io.request_keyframe is called (a PLI for the whole stream also works). Called under
 * the participant's io lock, like the io callbacks. */
typedef void (*mcu_layer_keyframe_fn)(void *opaque, int layer);
void mcu_participant_set_layer_keyframe(mcu_participant *p, mcu_layer_keyframe_fn fn);

typedef struct mcu_simulcast_stats {
	int layers_seen;   /* layers that sent a packet (0: the participant does not simulcast) */
	int layer;         /* layer decoded now, -1 none yet */
	int target;        /* layer the tile wants, -1 none */
	int width;         /* size of the last picture decoded (the decoder's input) */
	int height;        /* (0 before the first) */
	uint64_t switches; /* layer changes done (at a key frame of the new layer) */
	uint64_t keyframes_requested; /* for a layer switch */
	uint64_t packets_in[MCU_SIMULCAST_LAYERS];
	uint64_t frames_decoded[MCU_SIMULCAST_LAYERS];
	int layer_width[MCU_SIMULCAST_LAYERS]; /* from the layer's key frames, 0 unknown */
	int layer_height[MCU_SIMULCAST_LAYERS];
} mcu_simulcast_stats;
void mcu_participant_get_simulcast_stats(mcu_participant *p, mcu_simulcast_stats *out);

#ifdef __cplusplus
}
#endif
#endif
