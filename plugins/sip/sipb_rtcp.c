/*
 * sipb_rtcp.c - RTCP receiver statistics, RR/SDES/PLI building, compound parsing.
 * See sipb_rtcp.h.
 */
#include "sipb_rtcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RTCP_SR    200
#define RTCP_RR    201
#define RTCP_SDES  202
#define RTCP_RTPFB 205
#define RTCP_PSFB  206
#define RTPFB_NACK 1
#define PSFB_PLI   1
#define PSFB_FIR   4

/* RFC 5104 §4.2 */
#define RTPFB_TMMBR 3
#define RTPFB_TMMBN 4

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void sipb_rtcp_rx_reset(sipb_rtcp_rx *r)
{
	memset(r, 0, sizeof(*r));
}

void sipb_rtcp_rx_packet(sipb_rtcp_rx *r, uint32_t ssrc, uint16_t seq, uint32_t ts,
	uint32_t clock_hz, int64_t arrival_us)
{
	if (!r->have || r->ssrc != ssrc) {
		sipb_rtcp_rx_reset(r);
		r->have = true;
		r->ssrc = ssrc;
		r->base_seq = seq;
		r->max_seq = seq;
	} else {
		int d = (int16_t)(uint16_t)(seq - r->max_seq);
		if (d > 0) {
			if (seq < r->max_seq)
				r->cycles += 65536; /* wrapped */
			r->max_seq = seq;
		}
	}
	r->received++;
	if (clock_hz == 0)
		return;
	/* A.8: interarrival jitter in RTP units. */
	uint32_t arrival = (uint32_t)((uint64_t)arrival_us * clock_hz / 1000000);
	uint32_t transit = arrival - ts;
	if (r->have_transit) {
		/* |d| in 64 bits: a sender-chosen timestamp jump of 2^31 makes d INT32_MIN, whose
		 * 32-bit abs() is undefined (found by tests/fuzz/fuzz_rtcp). */
		int64_t d = (int32_t)(transit - r->transit);
		r->jitter += ((double)(d < 0 ? -d : d) - r->jitter) / 16.0;
	}
	r->transit = transit;
	r->have_transit = true;
}

static size_t write_report_block(sipb_rtcp_rx *r, int64_t now_us, uint8_t *p)
{
	uint32_t ext_max = r->cycles + r->max_seq;
	int64_t expected = (int64_t)ext_max - r->base_seq + 1;
	int64_t lost = expected - r->received;
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	int64_t exp_int = expected - r->expected_prior;
	int64_t rec_int = (int64_t)r->received - r->received_prior;
	int64_t lost_int = exp_int - rec_int;
	uint8_t fraction = (exp_int <= 0 || lost_int <= 0) ? 0
							   : (uint8_t)((lost_int << 8) / exp_int);
	r->expected_prior = (uint32_t)expected;
	r->received_prior = r->received;
	put32(p, r->ssrc);
	put32(p + 4, (uint32_t)fraction << 24 | ((uint32_t)lost & 0xffffff));
	put32(p + 8, ext_max);
	put32(p + 12, r->jitter < 4294967295.0 ? (uint32_t)r->jitter : UINT32_MAX);
	put32(p + 16, r->lsr);
	uint32_t dlsr = 0;
	if (r->lsr && now_us > r->lsr_at_us)
		dlsr = (uint32_t)((now_us - r->lsr_at_us) * 65536 / 1000000);
	put32(p + 20, dlsr);
	return 24;
}

int sipb_rtcp_build(sipb_rtcp_rx *r, uint32_t our_ssrc, const char *cname, bool with_pli,
	int64_t now_us, uint8_t *buf, size_t cap, size_t *len)
{
	size_t cn = cname ? strlen(cname) : 0;
	if (cn > 255)
		cn = 255;
	/* SDES chunk: SSRC, CNAME item (2 + cn), at least one zero octet, to a 4-byte bound. */
	size_t sdes = 4 + ((4 + 2 + cn + 1 + 3) & ~(size_t)3);
	size_t rr = 8 + (r->have ? 24 : 0);
	size_t need = rr + sdes + ((with_pli && r->have) ? 12 : 0);
	if (cap < need)
		return -ENOSPC;
	memset(buf, 0, need);
	uint8_t *p = buf;
	p[0] = 0x80 | (r->have ? 1 : 0);
	p[1] = RTCP_RR;
	p[2] = 0;
	p[3] = (uint8_t)(rr / 4 - 1);
	put32(p + 4, our_ssrc);
	if (r->have)
		write_report_block(r, now_us, p + 8);
	p += rr;
	p[0] = 0x81;
	p[1] = RTCP_SDES;
	p[2] = (uint8_t)((sdes / 4 - 1) >> 8);
	p[3] = (uint8_t)(sdes / 4 - 1);
	put32(p + 4, our_ssrc);
	p[8] = 1; /* CNAME */
	p[9] = (uint8_t)cn;
	if (cn)
		memcpy(p + 10, cname, cn);
	p += sdes;
	if (with_pli && r->have) {
		p[0] = 0x80 | PSFB_PLI;
		p[1] = RTCP_PSFB;
		p[3] = 2;
		put32(p + 4, our_ssrc);
		put32(p + 8, r->ssrc);
		p += 12;
	}
	*len = (size_t)(p - buf);
	return 0;
}

int sipb_rtcp_append_fir(
	uint32_t our_ssrc, uint32_t media_ssrc, uint8_t seq, uint8_t *buf, size_t cap, size_t *len)
{
	if (*len > cap || cap - *len < 20)
		return -ENOSPC;
	uint8_t *p = buf + *len;
	memset(p, 0, 20);
	p[0] = 0x80 | PSFB_FIR;
	p[1] = RTCP_PSFB;
	p[3] = 4;
	put32(p + 4, our_ssrc);
	/* media source SSRC 0 (§4.3.1.2); the FCI names the SSRC and the command number */
	put32(p + 12, media_ssrc);
	p[16] = seq;
	*len += 20;
	return 0;
}

/* The lost packets of a generic NACK's FCI entries: PID, then one per set bit of BLP. */
static void parse_nacks(const uint8_t *fci, size_t n, sipb_rtcp_info *out)
{
	for (size_t i = 0; i + 4 <= n; i += 4) {
		uint16_t pid = (uint16_t)(fci[i] << 8 | fci[i + 1]);
		uint16_t blp = (uint16_t)(fci[i + 2] << 8 | fci[i + 3]);
		for (int b = -1; b < 16; b++) {
			if (b >= 0 && !(blp & (1u << b)))
				continue;
			if (out->nacks >= SIPB_RTCP_MAX_NACKS)
				return;
			out->nack_seq[out->nacks++] = (uint16_t)(pid + b + 1);
		}
	}
}

/* The first FCI entry of a TMMBR (RFC 5104 §4.2.1.1): SSRC, then MxTBR Exp (6 bits),
 * Mantissa (17), Measured Overhead (9). p is the packet, at least 20 bytes. */
static void parse_tmmbr(const uint8_t *p, sipb_rtcp_info *out)
{
	uint32_t w = get32(p + 16);
	unsigned exp = w >> 26, mantissa = (w >> 9) & 0x1ffff;
	out->has_tmmbr = true;
	out->tmmbr_sender = get32(p + 4);
	out->tmmbr_fci = w;
	/* 2^46 x 2^17 would overflow: anything that large is "no limit" anyway */
	out->tmmbr_bps = exp > 40 ? UINT64_MAX : (uint64_t)mantissa << exp;
}

int sipb_rtcp_append_tmmbn(
	uint32_t our_ssrc, uint32_t owner_ssrc, uint32_t fci, uint8_t *buf, size_t cap, size_t *len)
{
	if (*len > cap || cap - *len < 20)
		return -ENOSPC;
	uint8_t *p = buf + *len;
	memset(p, 0, 20);
	p[0] = 0x80 | RTPFB_TMMBN;
	p[1] = RTCP_RTPFB;
	p[3] = 4;
	put32(p + 4, our_ssrc);
	/* media source SSRC 0 (§4.2.2.2); the FCI: the tuple's owner and its bound */
	put32(p + 12, owner_ssrc);
	put32(p + 16, fci);
	*len += 20;
	return 0;
}

int sipb_rtcp_parse(const uint8_t *buf, size_t len, sipb_rtcp_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!buf || len < 4)
		return -EPROTO;
	size_t off = 0;
	while (off < len) {
		if (len - off < 4)
			return -EPROTO;
		const uint8_t *p = buf + off;
		if ((p[0] >> 6) != 2)
			return -EPROTO;
		size_t plen = ((size_t)(p[2] << 8 | p[3]) + 1) * 4;
		if (plen > len - off)
			return -EPROTO;
		uint8_t count = p[0] & 0x1f;
		switch (p[1]) {
		case RTCP_SR:
			if (plen >= 28) {
				out->has_sr = true;
				out->sr_ssrc = get32(p + 4);
				/* middle 32 bits of the 64-bit NTP timestamp (RFC 3550 §6.4.1 LSR) */
				out->sr_ntp_mid = get32(p + 8) << 16 | get32(p + 12) >> 16;
			}
			break;
		case RTCP_RTPFB:
			if (plen > 12 && count == RTPFB_NACK)
				parse_nacks(p + 12, plen - 12, out);
			if (plen >= 20 && count == RTPFB_TMMBR)
				parse_tmmbr(p, out);
			break;
		case RTCP_PSFB:
			if (plen >= 12 && (count == PSFB_PLI || count == PSFB_FIR))
				out->keyframe_request = true;
			break;
		default: break;
		}
		out->packets++;
		off += plen;
	}
	return 0;
}
