/*
 * mcu_h264_sps.h - a bounded reader of H.264 sequence parameter sets (profile, level,
 * picture size), used to refuse absurd sizes before a decoder allocates for them.
 *
 * Threads: pure, no state. Ownership: reads the caller's buffer, fills the caller's struct.
 */
#ifndef TPAAS_MCU_H264_SPS_H
#define TPAAS_MCU_H264_SPS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mcu_h264_sps {
	uint8_t profile_idc;
	uint8_t constraint_flags; /* constraint_set0..5 flags, set0 in bit 7 */
	uint8_t level_idc;
	int width, height; /* coded size in pixels (macroblocks x 16), before cropping */
} mcu_h264_sps;

/* Reads the start of a sequence parameter set NAL unit (header byte included) up to the
 * picture size. Returns 0, or -EPROTO when it is not an SPS, is truncated or malformed,
 * or claims a picture larger than 16384x16384 (in which case nothing is filled). */
int mcu_h264_sps_parse(const uint8_t *nal, size_t len, mcu_h264_sps *out);

#endif
