/*
 * mcu_vp8_rtp.h - VP8 over RTP (RFC 7741): payload descriptor parse/write, a frame
 * assembler for incoming packets and a packetizer for our encoded frames.
 *
 * Threads: descriptor and packetizer functions are pure. An assembler is not thread-safe:
 * one owner (the participant's incoming-video path) uses it at a time.
 * Ownership: the assembler owns copies of buffered payloads; a popped frame's data belongs
 * to the assembler and stays valid until the next push/pop/free.
 */
#ifndef TPAAS_MCU_VP8_RTP_H
#define TPAAS_MCU_VP8_RTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MCU_VP8_CLOCK_HZ  90000
#define MCU_VP8_MAX_FRAME (1024 * 1024)
#define MCU_VP8_DESC_LEN  4 /* what we write: X, I with a 15-bit PictureID */

typedef struct mcu_vp8_desc {
	bool non_ref;         /* N */
	bool start;           /* S: first packet of a partition */
	uint8_t partition_id; /* PID */
	bool has_picture_id;
	uint16_t picture_id;
	bool picture_id_15bit;
	bool has_tl0picidx;
	uint8_t tl0picidx;
	bool has_tid;
	uint8_t tid;
	bool layer_sync;
	bool has_keyidx;
	uint8_t keyidx;
	size_t len; /* descriptor bytes; the VP8 payload follows */
} mcu_vp8_desc;

/* Parses the descriptor at the start of an RTP payload. Returns 0, or -EPROTO when the
 * descriptor runs past len or no VP8 data follows it. */
int mcu_vp8_desc_parse(const uint8_t *payload, size_t len, mcu_vp8_desc *d);

/* True when data (a frame, or the first packet's data after the descriptor) starts a VP8
 * key frame (RFC 6386 §9.1: P bit clear, plus the start code). */
bool mcu_vp8_is_keyframe(const uint8_t *data, size_t len);

/* --- assembler ------------------------------------------------------------------------ */

typedef struct mcu_vp8_assembler mcu_vp8_assembler;

typedef struct mcu_vp8_frame {
	const uint8_t *data;
	size_t len;
	uint32_t ts;
	bool keyframe;
} mcu_vp8_frame;

int mcu_vp8_assembler_new(mcu_vp8_assembler **out);
void mcu_vp8_assembler_free(mcu_vp8_assembler *a);
/* Adds one packet (RTP seq/ts/marker and payload including the descriptor). Packets of a
 * frame may arrive in any order. Returns 0, or -EPROTO for a malformed descriptor. */
int mcu_vp8_assembler_push(mcu_vp8_assembler *a, uint16_t seq, uint32_t ts, bool marker,
	const uint8_t *payload, size_t len);
/* Takes the next complete frame in order. Returns 0, or -EAGAIN when none is ready. */
int mcu_vp8_assembler_pop(mcu_vp8_assembler *a, mcu_vp8_frame *frame);
/* Frames given up as lost (gaps, missing first/last packet, too large) since the last call. */
unsigned mcu_vp8_assembler_take_lost(mcu_vp8_assembler *a);

/* --- packetizer ----------------------------------------------------------------------- */

/* Number of packets a frame of len bytes needs with payloads of at most max_payload bytes
 * (descriptor included); 0 if the arguments are unusable. */
size_t mcu_vp8_packet_count(size_t len, size_t max_payload);
/* Writes payload number index (descriptor + slice of the frame) into out. The S bit is set
 * on the first, *marker is true on the last. Slices are of near-equal size.
 * Returns 0, -EINVAL or -ENOSPC. */
int mcu_vp8_packetize(const uint8_t *frame, size_t len, uint16_t picture_id, size_t max_payload,
	size_t index, uint8_t *out, size_t cap, size_t *out_len, bool *marker);

#endif
