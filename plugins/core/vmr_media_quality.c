/*
 * vmr_media_quality.c - loss and jitter from RTP and RTCP (see vmr_media_quality.h).
 */
#include "vmr_media_quality.h"

#include <string.h>

#define RTCP_SR 200
#define RTCP_RR 201
/* A jump larger than this is a restart or garbage, not loss. */
#define MAX_GAP 3000

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void count_block(vmr_rr_state *st, const vmr_report_block *b, uint32_t clock_hz,
	vmr_media_dir dir, vmr_metric_kind kind, int is_video)
{
	if (st->have && st->ssrc == b->ssrc) {
		uint32_t expected = b->ext_highest_seq - st->ext_seq;
		/* cumulative loss is signed 24 bits (duplicates make it fall) */
		int32_t lost = (int32_t)((b->cum_lost - st->cum_lost) << 8) >> 8;
		if (expected > 0 && expected < (1u << 20)) {
			if (lost < 0)
				lost = 0;
			if ((uint32_t)lost > expected)
				lost = (int32_t)expected;
			vmr_metrics_media_loss(dir, kind, is_video, expected, (uint32_t)lost);
		}
	}
	st->have = 1;
	st->ssrc = b->ssrc;
	st->ext_seq = b->ext_highest_seq;
	st->cum_lost = b->cum_lost;
	st->fraction_lost = b->fraction_lost;
	if (clock_hz > 0)
		vmr_metrics_media_jitter(dir, kind, is_video, (double)b->jitter / clock_hz);
}

int vmr_media_rtcp_reports(vmr_rr_state *st, const uint8_t *buf, size_t len, uint32_t clock_hz,
	vmr_media_dir dir, vmr_metric_kind kind, int is_video)
{
	vmr_report_block b;
	if (vmr_rtcp_report_blocks(buf, len, &b, 1) != 1)
		return 0;
	count_block(st, &b, clock_hz, dir, kind, is_video);
	return 1;
}

int vmr_rtcp_report_blocks(const uint8_t *buf, size_t len, vmr_report_block *out, int max)
{
	int n = 0;
	size_t off = 0;
	while (buf != NULL && out != NULL && off + 4 <= len && n < max) {
		const uint8_t *p = buf + off;
		if ((p[0] >> 6) != 2)
			break;
		size_t plen = ((size_t)((p[2] << 8) | p[3]) + 1) * 4;
		if (off + plen > len)
			break;
		unsigned count = p[0] & 0x1f;
		size_t first = p[1] == RTCP_SR ? 28 : p[1] == RTCP_RR ? 8 : 0;
		for (unsigned i = 0; first != 0 && i < count && n < max; i++) {
			size_t at = first + (size_t)i * 24;
			if (at + 24 > plen)
				break;
			const uint8_t *b = p + at;
			out[n++] = (vmr_report_block){ .ssrc = get32(b),
				.fraction_lost = b[4],
				.cum_lost = get32(b + 4) & 0xffffff,
				.ext_highest_seq = get32(b + 8),
				.jitter = get32(b + 12) };
		}
		off += plen;
	}
	return n;
}

void vmr_media_rx_packet(vmr_rx_state *st, const uint8_t *buf, size_t len, uint32_t clock_hz,
	int64_t arrival_us, vmr_metric_kind kind, int is_video)
{
	if (buf == NULL || len < 12 || (buf[0] >> 6) != 2 || clock_hz == 0)
		return;
	uint16_t seq = (uint16_t)((buf[2] << 8) | buf[3]);
	uint32_t ts = get32(buf + 4);
	uint32_t ssrc = get32(buf + 8);
	int64_t arrival = arrival_us * (int64_t)clock_hz / 1000000;
	if (st->have && st->ssrc != ssrc) {
		/* interleaved streams on one media (retransmissions, probes) are not the stream */
		st->other_run = st->other_ssrc == ssrc ? st->other_run + 1 : 1;
		st->other_ssrc = ssrc;
		if (st->other_run < 50)
			return;
	} else {
		st->other_run = 0;
	}
	uint16_t delta = (uint16_t)(seq - st->max_seq);
	if (!st->have || st->ssrc != ssrc || (delta >= MAX_GAP && delta < 0x10000 - MAX_GAP)) {
		/* a new stream, or a jump no loss explains: start over */
		memset(st, 0, sizeof(*st));
		st->have = 1;
		st->ssrc = ssrc;
		st->max_seq = seq;
		st->base_seq = seq;
		st->received = 1;
		st->transit = arrival - (int64_t)ts;
		return;
	}
	st->received++;
	if (delta != 0 && delta < 0x8000) {
		if (seq < st->max_seq)
			st->cycles += 0x10000;
		st->max_seq = seq;
		/* RFC 3550 A.8, on packets in order (the timestamp's wrap by 32-bit arithmetic) */
		int64_t transit = arrival - (int64_t)ts;
		int32_t d = (int32_t)(uint32_t)(transit - st->transit);
		st->transit = transit;
		st->jitter += ((d < 0 ? -(double)d : (double)d) - st->jitter) / 16.0;
	}
	if (st->received % 50 != 0)
		return;
	uint32_t expected = st->cycles + st->max_seq - st->base_seq + 1;
	uint32_t lost = expected > st->received ? expected - st->received : 0;
	uint32_t d_expected = expected - st->reported_expected;
	uint32_t d_lost = lost > st->reported_lost ? lost - st->reported_lost : 0;
	vmr_metrics_media_loss(VMR_MEDIA_IN, kind, is_video, d_expected, d_lost);
	st->reported_expected = expected;
	if (lost > st->reported_lost)
		st->reported_lost = lost;
	vmr_metrics_media_jitter(VMR_MEDIA_IN, kind, is_video, st->jitter / clock_hz);
}
