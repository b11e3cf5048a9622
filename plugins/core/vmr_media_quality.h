/*
 * vmr_media_quality.h - packet loss and jitter of the media, in both directions, for the
 * metrics (vmr_metrics.h: tpaas_media_packets_expected_total, _lost_total,
 * tpaas_media_jitter_seconds):
 *
 *  - "in" (what we receive): from the RTP itself (vmr_media_rx_packet: sequence gaps and
 *    RFC 3550 §6.4.1 interarrival jitter), or from the reception report blocks we send (parse
 *    our own RTCP with vmr_media_rtcp_reports);
 *  - "out" (what the peer receives from us): from the report blocks of the peer's RTCP (RR or
 *    SR; RFC 3550 §6.4): cumulative loss and highest sequence give the interval's expected and
 *    lost packets, the jitter field the peer's interarrival jitter.
 *
 * Each direction and media of a participant keeps a small state (the caller's struct, zeroed
 * at start) so only what changed since the last report counts.
 *
 * Threads: the caller serializes the use of one state (its own lock); the metrics are atomic.
 * Input is hostile: any bytes, any length; nothing is trusted beyond the bounds checks.
 */
#ifndef TPAAS_VMR_MEDIA_QUALITY_H
#define TPAAS_VMR_MEDIA_QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "vmr_metrics.h"

/* The last report block counted (per direction and media of a participant). */
typedef struct vmr_rr_state {
	int have;
	uint32_t ssrc, ext_seq, cum_lost;
	int fraction_lost; /* the last block's fraction lost (0-255, RFC 3550 §6.4.1); valid once have */
} vmr_rr_state;

/* Every report block of a compound RTCP packet (SR and RR; other packets skipped) counts once
 * against st: the first block only (one stream per state). Returns 1 when a block was read
 * (st->fraction_lost is then its fraction lost), else 0. */
int vmr_media_rtcp_reports(vmr_rr_state *st, const uint8_t *buf, size_t len, uint32_t clock_hz,
	vmr_media_dir dir, vmr_metric_kind kind, int is_video);

/* One reception report block (RFC 3550 §6.4.1), as found in an SR or RR. */
typedef struct vmr_report_block {
	uint32_t ssrc;
	int fraction_lost; /* 0-255 */
	uint32_t cum_lost; /* 24 bits as sent (signed: duplicates make it fall) */
	uint32_t ext_highest_seq;
	uint32_t jitter; /* RTP clock units */
} vmr_report_block;

/* The report blocks of every SR and RR of a compound RTCP packet, up to max, into out.
 * Returns how many. (Janus rewrites the first block's SSRC of what it hands a plugin, and a
 * browser reports on all it receives from one sender SSRC: the SSRCs can't tell which of our
 * streams a block is about; the sequence numbers can, mcu_participant_audio_report.) */
int vmr_rtcp_report_blocks(const uint8_t *buf, size_t len, vmr_report_block *out, int max);

/* Reception of one RTP stream. */
typedef struct vmr_rx_state {
	int have;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles, base_seq; /* extended highest = cycles + max_seq */
	uint32_t received;
	uint32_t reported_expected, reported_lost; /* what the metrics have of this stream */
	int64_t transit;                           /* arrival - timestamp, in clock units */
	double jitter;                             /* clock units */
	uint32_t other_ssrc; /* another SSRC (RTX, padding probes): followed only after */
	unsigned other_run;  /* 50 packets of it in a row */
} vmr_rx_state;

/* One received RTP packet (the plain header is enough): RFC 3550 A.1 sequence accounting and
 * A.8 jitter; every 50 packets the change in expected and lost (expected - received, so a
 * late packet is not a lost one) goes to the metrics and the jitter is observed. */
void vmr_media_rx_packet(vmr_rx_state *st, const uint8_t *buf, size_t len, uint32_t clock_hz,
	int64_t arrival_us, vmr_metric_kind kind, int is_video);

#endif
