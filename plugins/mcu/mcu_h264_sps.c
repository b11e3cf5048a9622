/*
 * mcu_h264_sps.c - the bounded SPS reader (see mcu_h264_sps.h): an exp-Golomb bit reader over
 * the unescaped RBSP, read up to the picture size (H.264 §7.3.2.1.1).
 */
#include "mcu_h264_sps.h"
#include "mcu_h264_rtp.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define SPS_MAX_BYTES 512 /* unescaped bytes read from an SPS, far more than needed */
#define SPS_MAX_DIM   16384

typedef struct bitreader {
	const uint8_t *b;
	size_t n;   /* bytes */
	size_t pos; /* bits read */
	bool over;
} bitreader;

static unsigned br_bit(bitreader *r)
{
	if (r->pos >= r->n * 8) {
		r->over = true;
		return 0;
	}
	unsigned v = (r->b[r->pos >> 3] >> (7 - (r->pos & 7))) & 1;
	r->pos++;
	return v;
}

static uint32_t br_bits(bitreader *r, int n)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 1) | br_bit(r);
	return v;
}

/* ue(v), H.264 §9.1; values above 2^31 - 2 are treated as errors. */
static uint32_t br_ue(bitreader *r)
{
	int zeros = 0;
	while (!r->over && br_bit(r) == 0) {
		if (++zeros > 31) {
			r->over = true;
			return 0;
		}
	}
	if (r->over)
		return 0;
	return ((1u << zeros) - 1) + br_bits(r, zeros);
}

static int32_t br_se(bitreader *r)
{
	uint32_t k = br_ue(r);
	return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

static void skip_scaling_list(bitreader *r, int size)
{
	int last = 8, next = 8;
	for (int j = 0; j < size && !r->over; j++) {
		if (next != 0) {
			int32_t delta = br_se(r);
			if (delta < -128 || delta > 127) {
				r->over = true;
				return;
			}
			next = (last + delta + 256) % 256;
		}
		last = next == 0 ? last : next;
	}
}

int mcu_h264_sps_parse(const uint8_t *nal, size_t len, mcu_h264_sps *out)
{
	if (!nal || !out || len < 4 || (nal[0] & 0x1f) != MCU_H264_NAL_SPS)
		return -EPROTO;
	/* Remove emulation prevention bytes (00 00 03 -> 00 00), §7.4.1. */
	uint8_t rbsp[SPS_MAX_BYTES];
	size_t n = 0, zeros = 0;
	for (size_t i = 1; i < len && n < sizeof(rbsp); i++) {
		if (zeros >= 2 && nal[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		rbsp[n++] = nal[i];
	}
	bitreader r = { rbsp, n, 0, false };
	mcu_h264_sps s;
	memset(&s, 0, sizeof(s));
	s.profile_idc = (uint8_t)br_bits(&r, 8);
	s.constraint_flags = (uint8_t)br_bits(&r, 8);
	s.level_idc = (uint8_t)br_bits(&r, 8);
	if (br_ue(&r) > 31) /* seq_parameter_set_id */
		return -EPROTO;
	switch (s.profile_idc) {
	case 100:
	case 110:
	case 122:
	case 244:
	case 44:
	case 83:
	case 86:
	case 118:
	case 128:
	case 138:
	case 139:
	case 134:
	case 135: {
		uint32_t chroma = br_ue(&r);
		if (chroma > 3)
			return -EPROTO;
		if (chroma == 3)
			br_bit(&r);                 /* separate_colour_plane_flag */
		if (br_ue(&r) > 6 || br_ue(&r) > 6) /* bit depths - 8 */
			return -EPROTO;
		br_bit(&r);       /* qpprime_y_zero_transform_bypass_flag */
		if (br_bit(&r)) { /* seq_scaling_matrix_present_flag */
			int lists = chroma != 3 ? 8 : 12;
			for (int i = 0; i < lists && !r.over; i++)
				if (br_bit(&r))
					skip_scaling_list(&r, i < 6 ? 16 : 64);
		}
		break;
	}
	default: break;
	}
	if (br_ue(&r) > 12) /* log2_max_frame_num_minus4 */
		return -EPROTO;
	uint32_t poc_type = br_ue(&r);
	if (poc_type == 0) {
		if (br_ue(&r) > 12)
			return -EPROTO;
	} else if (poc_type == 1) {
		br_bit(&r);
		br_se(&r);
		br_se(&r);
		uint32_t cycle = br_ue(&r);
		if (cycle > 255)
			return -EPROTO;
		for (uint32_t i = 0; i < cycle && !r.over; i++)
			br_se(&r);
	} else if (poc_type != 2) {
		return -EPROTO;
	}
	br_ue(&r);  /* max_num_ref_frames */
	br_bit(&r); /* gaps_in_frame_num_value_allowed_flag */
	uint32_t w_mbs = br_ue(&r), h_units = br_ue(&r);
	unsigned frame_mbs_only = br_bit(&r);
	if (r.over)
		return -EPROTO;
	uint64_t w = ((uint64_t)w_mbs + 1) * 16,
		 h = ((uint64_t)h_units + 1) * 16 * (frame_mbs_only ? 1 : 2);
	if (w > SPS_MAX_DIM || h > SPS_MAX_DIM)
		return -EPROTO;
	s.width = (int)w;
	s.height = (int)h;
	*out = s;
	return 0;
}
