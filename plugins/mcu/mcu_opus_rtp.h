/*
 * mcu_opus_rtp.h - Opus over RTP (RFC 7587): one Opus packet per RTP payload, 48 kHz RTP
 * clock whatever the coded bandwidth or channel count.
 *
 * Threads: pure functions, callable from any thread.
 * Ownership: depacketize borrows; packetize writes into the caller's buffer.
 */
#ifndef TPAAS_MCU_OPUS_RTP_H
#define TPAAS_MCU_OPUS_RTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MCU_OPUS_CLOCK_HZ      48000
#define MCU_OPUS_FRAME_SAMPLES 960  /* 20 ms at 48 kHz */
#define MCU_OPUS_MAX_PACKET    1500 /* larger than any sane RTP payload */
#define MCU_OPUS_MAX_SAMPLES   5760 /* 120 ms, the longest Opus packet (RFC 6716 §3.2.5) */

/* Checks an RTP payload as one Opus packet and returns its duration in 48 kHz samples
 * through *samples. Returns 0, or -EPROTO if empty, too long or malformed (TOC code). */
int mcu_opus_rtp_check(const uint8_t *payload, size_t len, int *samples);

/* Writes RTP header + Opus packet into buf (cap bytes); *out_len gets the total.
 * Returns 0, -EINVAL or -ENOSPC. */
int mcu_opus_rtp_packetize(uint8_t *buf, size_t cap, uint8_t pt, uint16_t seq, uint32_t ts,
	uint32_t ssrc, const uint8_t *opus, size_t opus_len, size_t *out_len);

/* Whether an Opus fmtp value (the text after "a=fmtp:<pt> ", e.g.
 * "minptime=10;useinbandfec=1") says the receiver can use in-band FEC: useinbandfec=1
 * (RFC 7587 §6.1; absent means 0). NULL: false. */
bool mcu_opus_fmtp_inband_fec(const char *fmtp);

#endif
