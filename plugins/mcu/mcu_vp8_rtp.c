/*
 * mcu_vp8_rtp.c - RFC 7741 descriptor, frame assembler and packetizer (see mcu_vp8_rtp.h).
 *
 * The assembler keeps the payloads of the frames in flight sorted by sequence number. A
 * frame is complete when its run of packets (same timestamp) starts with S=1/PID=0, ends
 * with the RTP marker and has no sequence gap. The oldest frame is given up as lost when
 * more than ASM_MAX_PENDING frames are pending or the buffer limits are hit; a gap between
 * the last emitted frame and the next complete one also counts as a loss.
 */
#include "mcu_vp8_rtp.h"
#include "mcu_rtp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ASM_MAX_PKTS    1024
#define ASM_MAX_BYTES   (2u * MCU_VP8_MAX_FRAME)
#define ASM_MAX_PENDING 3

int mcu_vp8_desc_parse(const uint8_t *p, size_t len, mcu_vp8_desc *d)
{
	if (!p || !d || len < 1)
		return -EPROTO;
	memset(d, 0, sizeof(*d));
	size_t off = 1;
	bool x = (p[0] & 0x80) != 0;
	d->non_ref = (p[0] & 0x20) != 0;
	d->start = (p[0] & 0x10) != 0;
	d->partition_id = p[0] & 0x07;
	if (x) {
		if (off >= len)
			return -EPROTO;
		uint8_t ext = p[off++];
		bool i = (ext & 0x80) != 0, l = (ext & 0x40) != 0;
		bool t = (ext & 0x20) != 0, k = (ext & 0x10) != 0;
		if (i) {
			if (off >= len)
				return -EPROTO;
			d->has_picture_id = true;
			if (p[off] & 0x80) {
				if (len - off < 2)
					return -EPROTO;
				d->picture_id_15bit = true;
				d->picture_id = (uint16_t)(((p[off] & 0x7f) << 8) | p[off + 1]);
				off += 2;
			} else {
				d->picture_id = p[off] & 0x7f;
				off += 1;
			}
		}
		if (l) {
			if (off >= len)
				return -EPROTO;
			d->has_tl0picidx = true;
			d->tl0picidx = p[off++];
		}
		if (t || k) {
			/* RFC 7741 §4.2: one octet holds TID/Y and KEYIDX if either bit is set. */
			if (off >= len)
				return -EPROTO;
			d->has_tid = t;
			d->has_keyidx = k;
			d->tid = (uint8_t)(p[off] >> 6);
			d->layer_sync = (p[off] & 0x20) != 0;
			d->keyidx = p[off] & 0x1f;
			off++;
		}
	}
	if (off >= len)
		return -EPROTO; /* a descriptor with no VP8 data behind it */
	d->len = off;
	return 0;
}

bool mcu_vp8_is_keyframe(const uint8_t *data, size_t len)
{
	/* RFC 6386 §9.1: 3-byte frame tag with P (inverse key frame flag) in bit 0, then the
	 * start code 9d 01 2a on key frames. */
	if (!data || len < 3 || (data[0] & 0x01))
		return false;
	if (len >= 6 && !(data[3] == 0x9d && data[4] == 0x01 && data[5] == 0x2a))
		return false;
	return true;
}

/* --- assembler ------------------------------------------------------------------------ */

typedef struct asm_pkt {
	uint16_t seq;
	uint32_t ts;
	bool marker;
	bool first;    /* S=1 and PID=0: first packet of the frame */
	uint8_t *data; /* VP8 data after the descriptor, owned */
	size_t len;
} asm_pkt;

struct mcu_vp8_assembler {
	asm_pkt pkts[ASM_MAX_PKTS];
	size_t n;
	size_t bytes;
	bool have_last;
	uint16_t last_seq; /* last sequence number of the last frame emitted or given up */
	unsigned lost;
	uint8_t *frame;
	size_t frame_cap;
};

int mcu_vp8_assembler_new(mcu_vp8_assembler **out)
{
	if (!out)
		return -EINVAL;
	mcu_vp8_assembler *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	*out = a;
	return 0;
}

static void asm_remove_front(mcu_vp8_assembler *a, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		a->bytes -= a->pkts[i].len;
		free(a->pkts[i].data);
	}
	memmove(a->pkts, a->pkts + k, (a->n - k) * sizeof(asm_pkt));
	a->n -= k;
}

void mcu_vp8_assembler_free(mcu_vp8_assembler *a)
{
	if (!a)
		return;
	asm_remove_front(a, a->n);
	free(a->frame);
	free(a);
}

/* Packets at the front sharing the oldest timestamp. */
static size_t asm_front_run(const mcu_vp8_assembler *a)
{
	size_t k = 0;
	while (k < a->n && a->pkts[k].ts == a->pkts[0].ts)
		k++;
	return k;
}

static unsigned asm_pending_frames(const mcu_vp8_assembler *a)
{
	unsigned frames = a->n ? 1 : 0;
	for (size_t i = 1; i < a->n; i++)
		if (a->pkts[i].ts != a->pkts[i - 1].ts)
			frames++;
	return frames;
}

static void asm_give_up_front(mcu_vp8_assembler *a)
{
	size_t k = asm_front_run(a);
	if (k == 0)
		return;
	a->have_last = true;
	a->last_seq = a->pkts[k - 1].seq;
	asm_remove_front(a, k);
	a->lost++;
}

int mcu_vp8_assembler_push(mcu_vp8_assembler *a, uint16_t seq, uint32_t ts, bool marker,
	const uint8_t *payload, size_t len)
{
	if (!a)
		return -EINVAL;
	mcu_vp8_desc d;
	int rc = mcu_vp8_desc_parse(payload, len, &d);
	if (rc < 0)
		return rc;
	if (a->have_last && mcu_rtp_seq_diff(seq, a->last_seq) <= 0)
		return 0; /* late or duplicate packet of a frame already emitted or given up */
	if (a->n > 0) {
		int dist = mcu_rtp_seq_diff(seq, a->pkts[0].seq);
		if (dist < -ASM_MAX_PKTS || dist > ASM_MAX_PKTS) {
			/* The sender jumped (restart, SSRC change): start over. */
			while (a->n)
				asm_give_up_front(a);
			a->have_last = false;
		}
	}
	size_t data_len = len - d.len;
	if (data_len > MCU_VP8_MAX_FRAME)
		return -EPROTO;
	size_t pos = a->n;
	while (pos > 0 && mcu_rtp_seq_diff(seq, a->pkts[pos - 1].seq) < 0)
		pos--;
	if (pos > 0 && a->pkts[pos - 1].seq == seq)
		return 0; /* duplicate */
	while (a->n > 0 && (a->n >= ASM_MAX_PKTS || a->bytes + data_len > ASM_MAX_BYTES)) {
		size_t before = a->n;
		asm_give_up_front(a);
		pos -= (pos > before - a->n) ? before - a->n : pos;
	}
	uint8_t *copy = malloc(data_len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, payload + d.len, data_len);
	memmove(a->pkts + pos + 1, a->pkts + pos, (a->n - pos) * sizeof(asm_pkt));
	a->pkts[pos] = (asm_pkt){
		.seq = seq,
		.ts = ts,
		.marker = marker,
		.first = d.start && d.partition_id == 0,
		.data = copy,
		.len = data_len,
	};
	a->n++;
	a->bytes += data_len;
	return 0;
}

static bool asm_front_complete(const mcu_vp8_assembler *a, size_t k)
{
	if (k == 0 || !a->pkts[0].first || !a->pkts[k - 1].marker)
		return false;
	for (size_t i = 1; i < k; i++)
		if (a->pkts[i].seq != (uint16_t)(a->pkts[0].seq + i))
			return false;
	return true;
}

int mcu_vp8_assembler_pop(mcu_vp8_assembler *a, mcu_vp8_frame *frame)
{
	if (!a || !frame)
		return -EINVAL;
	for (;;) {
		size_t k = asm_front_run(a);
		if (k == 0)
			return -EAGAIN;
		if (!asm_front_complete(a, k)) {
			if (asm_pending_frames(a) <= ASM_MAX_PENDING)
				return -EAGAIN;
			asm_give_up_front(a);
			continue;
		}
		size_t total = 0;
		for (size_t i = 0; i < k; i++)
			total += a->pkts[i].len;
		if (a->have_last && a->pkts[0].seq != (uint16_t)(a->last_seq + 1))
			a->lost++; /* whole frames went missing before this one */
		if (total > MCU_VP8_MAX_FRAME) {
			asm_give_up_front(a);
			continue;
		}
		if (total > a->frame_cap) {
			uint8_t *nf = realloc(a->frame, total);
			if (!nf)
				return -ENOMEM;
			a->frame = nf;
			a->frame_cap = total;
		}
		size_t off = 0;
		for (size_t i = 0; i < k; i++) {
			memcpy(a->frame + off, a->pkts[i].data, a->pkts[i].len);
			off += a->pkts[i].len;
		}
		frame->data = a->frame;
		frame->len = total;
		frame->ts = a->pkts[0].ts;
		frame->keyframe = mcu_vp8_is_keyframe(a->frame, total);
		a->have_last = true;
		a->last_seq = a->pkts[k - 1].seq;
		asm_remove_front(a, k);
		return 0;
	}
}

unsigned mcu_vp8_assembler_take_lost(mcu_vp8_assembler *a)
{
	if (!a)
		return 0;
	unsigned n = a->lost;
	a->lost = 0;
	return n;
}

/* --- packetizer ----------------------------------------------------------------------- */

size_t mcu_vp8_packet_count(size_t len, size_t max_payload)
{
	if (len == 0 || max_payload <= MCU_VP8_DESC_LEN)
		return 0;
	size_t room = max_payload - MCU_VP8_DESC_LEN;
	return (len + room - 1) / room;
}

int mcu_vp8_packetize(const uint8_t *frame, size_t len, uint16_t picture_id, size_t max_payload,
	size_t index, uint8_t *out, size_t cap, size_t *out_len, bool *marker)
{
	size_t n = mcu_vp8_packet_count(len, max_payload);
	if (!frame || !out || !out_len || !marker || n == 0 || index >= n)
		return -EINVAL;
	size_t slice = (len + n - 1) / n;
	size_t off = index * slice;
	size_t sz = len - off < slice ? len - off : slice;
	if (cap < MCU_VP8_DESC_LEN || cap - MCU_VP8_DESC_LEN < sz)
		return -ENOSPC;
	/* X=1, S on the first packet, PID 0; I=1; M=1 with a 15-bit PictureID. */
	out[0] = (uint8_t)(0x80 | (index == 0 ? 0x10 : 0));
	out[1] = 0x80;
	out[2] = (uint8_t)(0x80 | ((picture_id >> 8) & 0x7f));
	out[3] = (uint8_t)picture_id;
	memcpy(out + MCU_VP8_DESC_LEN, frame + off, sz);
	*out_len = MCU_VP8_DESC_LEN + sz;
	*marker = index == n - 1;
	return 0;
}
