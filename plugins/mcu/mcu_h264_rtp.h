/*
 * mcu_h264_rtp.h - H.264 over RTP (RFC 6184, non-interleaved: single NAL unit packets,
 * STAP-A and FU-A): a frame assembler turning incoming packets into Annex B access units,
 * a packetizer for our encoded access units (packetization-mode 0 or 1) and Annex B NAL
 * iteration. The SPS reader is in mcu_h264_sps.h.
 *
 * Threads: everything but the assembler is pure. An assembler is not thread-safe: one
 * owner (the participant's incoming-video path) uses it at a time.
 * Ownership: the assembler owns copies of buffered payloads; a popped frame's data belongs
 * to the assembler and stays valid until the next push/pop/free.
 */
#ifndef TPAAS_MCU_H264_RTP_H
#define TPAAS_MCU_H264_RTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MCU_H264_CLOCK_HZ  90000
#define MCU_H264_MAX_FRAME (1024 * 1024) /* an access unit, Annex B, start codes included */

/* NAL unit types (H.264 Table 7-1) and RFC 6184 §5.2 packet types. */
#define MCU_H264_NAL_SLICE 1
#define MCU_H264_NAL_IDR   5
#define MCU_H264_NAL_SEI   6
#define MCU_H264_NAL_SPS   7
#define MCU_H264_NAL_PPS   8
#define MCU_H264_NAL_AUD   9
#define MCU_H264_STAP_A    24
#define MCU_H264_FU_A      28

/* Checks the structure of one RTP payload: a single NAL unit (types 1-23), a STAP-A whose
 * unit sizes add up exactly and whose units are of types 1-23, or an FU-A with a sane FU
 * header (not both S and E, a type 1-23). STAP-B, MTAP and FU-B (interleaved mode only)
 * and types 0/30/31 are refused.
 * Returns 0 or -EPROTO. */
int mcu_h264_payload_check(const uint8_t *payload, size_t len);

/* Iterates the NAL units of an Annex B buffer (3- or 4-byte start codes). Start with
 * *pos = 0; each call gives the next NAL unit (without start code) and returns true, or
 * returns false at the end. Empty NAL units are skipped. */
bool mcu_h264_annexb_next(
	const uint8_t *buf, size_t len, size_t *pos, const uint8_t **nal, size_t *nal_len);

/* --- assembler ------------------------------------------------------------------------ */

typedef struct mcu_h264_assembler mcu_h264_assembler;

typedef struct mcu_h264_frame {
	const uint8_t *data; /* Annex B access unit (4-byte start codes) */
	size_t len;
	uint32_t ts;
	bool keyframe; /* holds an IDR slice */
} mcu_h264_frame;

int mcu_h264_assembler_new(mcu_h264_assembler **out);
void mcu_h264_assembler_free(mcu_h264_assembler *a);
/* Adds one packet (RTP seq/ts/marker and payload). Packets of a frame may arrive in any
 * order. Returns 0, or -EPROTO for a payload mcu_h264_payload_check() refuses. */
int mcu_h264_assembler_push(mcu_h264_assembler *a, uint16_t seq, uint32_t ts, bool marker,
	const uint8_t *payload, size_t len);
/* Takes the next complete access unit in order: packets of one timestamp, without a
 * sequence gap, whose first packet starts an access unit (AUD/SPS/PPS/SEI, or a slice with
 * first_mb_in_slice 0) and whose last packet has the marker bit (or is followed at once by
 * the start of the next access unit), with well-formed FU-A runs.
 * Returns 0, or -EAGAIN when none is ready. */
int mcu_h264_assembler_pop(mcu_h264_assembler *a, mcu_h264_frame *frame);
/* Frames given up as lost (gaps, missing start or end, a broken FU-A run, too large) since
 * the last call. */
unsigned mcu_h264_assembler_take_lost(mcu_h264_assembler *a);

/* --- packetizer ----------------------------------------------------------------------- */

/* Cuts an Annex B access unit into RTP payloads of at most max_payload bytes.
 * mode 0 (RFC 6184 §6.2): one NAL unit per packet; a NAL unit larger than max_payload
 * gives -EMSGSIZE (the encoder must limit its slice size).
 * mode 1 (§6.3): consecutive NAL units that fit together go in one STAP-A (SPS + PPS
 * before an IDR, typically), larger ones are cut into FU-A fragments of near-equal size.
 * Payload i is written at out + i * stride (stride >= max_payload) and its size in
 * lens[i]; *count gets the number of payloads (the caller sets the marker on the last).
 * With out == NULL only *count is computed (lens may be NULL too).
 * NAL units of types 0 and 24-31 (not valid in a stream) are skipped.
 * Returns 0, -EINVAL (bad arguments, no NAL unit), -EMSGSIZE or -ENOSPC (more than
 * max_pkts payloads). */
int mcu_h264_packetize(const uint8_t *au, size_t len, int mode, size_t max_payload, uint8_t *out,
	size_t stride, size_t max_pkts, size_t *lens, size_t *count);

#endif
