/*
 * mcu_rtp.h - RTP fixed header (RFC 3550 §5.1): bounded parse of untrusted packets and
 * writing of our own 12-byte headers (no CSRC, no extension, no padding).
 *
 * Threads: pure functions, callable from any thread.
 * Ownership: parse borrows the buffer; the payload pointer it returns points into it.
 */
#ifndef TPAAS_MCU_RTP_H
#define TPAAS_MCU_RTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MCU_RTP_HEADER_LEN 12

typedef struct mcu_rtp_header {
	bool padding, extension, marker;
	uint8_t csrc_count;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
} mcu_rtp_header;

/* Parses buf[0..len). On success fills hdr and points *payload and *payload_len at the payload
 * (after CSRCs and header extension, before padding). Returns 0, or -EPROTO when the packet
 * is not RTP version 2, is shorter than its own length fields claim, or has no payload. */
int mcu_rtp_parse(const uint8_t *buf, size_t len, mcu_rtp_header *hdr, const uint8_t **payload,
	size_t *payload_len);

/* The RFC 6464 audio level (0..127, -dBov; 127 is silence) carried in the RFC 8285 one-byte
 * header extension element `ext_id` (1..14) of an RTP packet, or -1 when absent or malformed. */
int mcu_rtp_audio_level(const uint8_t *buf, size_t len, int ext_id);

/* Writes a 12-byte header into buf. Returns 0 or -ENOSPC if cap < MCU_RTP_HEADER_LEN. */
int mcu_rtp_write_header(uint8_t *buf, size_t cap, bool marker, uint8_t pt, uint16_t seq,
	uint32_t ts, uint32_t ssrc);

/* Signed distance a - b in 16-bit sequence space (positive: a is newer). */
static inline int mcu_rtp_seq_diff(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b);
}

#endif
