/*
 * sipb_rtcp.h - the RTCP we need with a SIP peer: reception statistics of the peer's
 * stream (RFC 3550 §6.4.1 and Appendix A.3/A.8), our compound RR + SDES CNAME (+ a PLI,
 * RFC 4585 §6.3.1), and the parse of the peer's compound packets for what we act on: a
 * sender report (for LSR/DLSR), picture loss / full intra requests (PLI, FIR RFC 5104)
 * generic NACKs (RFC 4585 §6.2.1) and TMMBR (RFC 5104 §4.2.1); a FIR and a TMMBN of our own
 * (RFC 5104 §4.3.1, §4.2.2).
 *
 * Threads: pure; a sipb_rtcp_rx is used under its owner's lock.
 * Ownership: plain values; the caller's buffers.
 */
#ifndef TPAAS_SIPB_RTCP_H
#define TPAAS_SIPB_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sipb_rtcp_rx {
	bool have; /* a packet of ssrc arrived */
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles, base_seq;
	uint32_t received, expected_prior, received_prior;
	bool have_transit;
	uint32_t transit;
	double jitter; /* RTP clock units */
	uint32_t lsr;  /* middle 32 bits of the last SR's NTP time, 0: none */
	int64_t lsr_at_us;
} sipb_rtcp_rx;

void sipb_rtcp_rx_reset(sipb_rtcp_rx *r);
/* One received RTP packet (already validated). A new SSRC restarts the statistics. */
void sipb_rtcp_rx_packet(sipb_rtcp_rx *r, uint32_t ssrc, uint16_t seq, uint32_t ts,
	uint32_t clock_hz, int64_t arrival_us);

/* Writes RR (with a report block when a stream was received) + SDES CNAME, and a PLI for
 * the received stream when with_pli (skipped when no stream arrived yet). Returns 0 or
 * -ENOSPC. Advances the "since last report" counters of r. */
int sipb_rtcp_build(sipb_rtcp_rx *r, uint32_t our_ssrc, const char *cname, bool with_pli,
	int64_t now_us, uint8_t *buf, size_t cap, size_t *len);

/* Appends a FIR (RFC 5104 §4.3.1) for media_ssrc with command sequence number seq to a
 * compound packet of *len bytes in buf. Returns 0 or -ENOSPC. */
int sipb_rtcp_append_fir(
	uint32_t our_ssrc, uint32_t media_ssrc, uint8_t seq, uint8_t *buf, size_t cap, size_t *len);

/* Appends a TMMBN (RFC 5104 §4.2.2) naming one bounding tuple: owner_ssrc (the TMMBR's
 * sender) and the TMMBR's FCI word. Returns 0 or -ENOSPC. */
int sipb_rtcp_append_tmmbn(uint32_t our_ssrc, uint32_t owner_ssrc, uint32_t fci, uint8_t *buf,
	size_t cap, size_t *len);

#define SIPB_RTCP_MAX_NACKS 64

typedef struct sipb_rtcp_info {
	bool keyframe_request; /* PLI or FIR */
	/* Generic NACK (RFC 4585 §6.2.1): the sequence numbers asked for again, in order, the
	 * first SIPB_RTCP_MAX_NACKS of them. */
	uint16_t nack_seq[SIPB_RTCP_MAX_NACKS];
	unsigned nacks;
	bool has_sr;
	uint32_t sr_ssrc, sr_ntp_mid;
	unsigned packets;
	/* TMMBR (RFC 5104 §4.2.1): the receiver's maximum bitrate for our stream (its first
	 * FCI entry; the last TMMBR of the compound wins), the request's sender and the FCI
	 * word as sent, to be echoed in our TMMBN. */
	bool has_tmmbr;
	uint32_t tmmbr_sender, tmmbr_fci;
	uint64_t tmmbr_bps;
} sipb_rtcp_info;

/* Walks a compound packet (plain, already SRTCP-decrypted). Returns 0, or -EPROTO when
 * any part is not RTCP version 2 or overruns the buffer. */
int sipb_rtcp_parse(const uint8_t *buf, size_t len, sipb_rtcp_info *out);

/* The first byte pair of an RTCP packet, for demultiplexing RTP and RTCP on one port
 * (RFC 5761 §4: RTCP packet types 192-223). */
static inline bool sipb_rtcp_looks_like(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

#endif
