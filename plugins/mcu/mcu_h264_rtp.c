/*
 * mcu_h264_rtp.c - RFC 6184 assembler and packetizer, Annex B NAL iteration (see
 * mcu_h264_rtp.h).
 *
 * The assembler follows mcu_vp8_rtp.c: payloads of the frames in flight are kept sorted by
 * sequence number; the oldest frame is given up as lost when more than ASM_MAX_PENDING
 * frames are pending or the buffer limits are hit; a gap between the last emitted frame
 * and the next complete one also counts as a loss. H.264 has no "start of frame" bit, so
 * the start of an access unit is recognised from its first NAL unit (H.264 §7.4.1.2.3:
 * AUD, SPS, PPS and SEI only come before the first slice; the first slice of a picture has
 * first_mb_in_slice 0, whose ue(v) code is the single bit 1). Payloads are validated on
 * push, and the FU-A runs again when the frame is put together (hostile input may
 * interleave or truncate them).
 */
#include "mcu_h264_rtp.h"
#include "mcu_rtp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ASM_MAX_PKTS    1024
#define ASM_MAX_BYTES   (2u * MCU_H264_MAX_FRAME)
#define ASM_MAX_PENDING 3

static const uint8_t start_code[4] = { 0, 0, 0, 1 };

/* NAL unit types a stream may carry (1-23); 0 and 24-31 are RTP packet types or unused. */
static bool nal_type_ok(uint8_t hdr)
{
	unsigned type = hdr & 0x1f;
	return type >= 1 && type <= 23;
}

int mcu_h264_payload_check(const uint8_t *p, size_t len)
{
	if (!p || len < 1)
		return -EPROTO;
	unsigned type = p[0] & 0x1f;
	if (type >= 1 && type <= 23)
		return 0;
	if (type == MCU_H264_STAP_A) {
		/* RFC 6184 §5.7.1: 16-bit size, then that many bytes, to the exact end. */
		size_t off = 1;
		unsigned units = 0;
		while (off < len) {
			if (len - off < 2)
				return -EPROTO;
			size_t sz = ((size_t)p[off] << 8) | p[off + 1];
			off += 2;
			if (sz == 0 || sz > len - off || !nal_type_ok(p[off]))
				return -EPROTO;
			off += sz;
			units++;
		}
		return units ? 0 : -EPROTO;
	}
	if (type == MCU_H264_FU_A) {
		/* §5.8: indicator, FU header (S, E, R, type), at least one byte of the NAL unit.
		 * S and E together are forbidden; a fragmented aggregation packet too. */
		if (len < 3)
			return -EPROTO;
		unsigned fu = p[1], ftype = fu & 0x1f;
		if ((fu & 0xc0) == 0xc0 || ftype == 0 || ftype >= MCU_H264_STAP_A)
			return -EPROTO;
		return 0;
	}
	return -EPROTO;
}

bool mcu_h264_annexb_next(
	const uint8_t *buf, size_t len, size_t *pos, const uint8_t **nal, size_t *nal_len)
{
	if (!buf || !pos || !nal || !nal_len)
		return false;
	size_t i = *pos;
	for (;;) {
		/* Find the next start code 00 00 01 at or after i. */
		while (i + 3 <= len && !(buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 1))
			i++;
		if (i + 3 > len) {
			*pos = len;
			return false;
		}
		size_t begin = i + 3, end = begin;
		while (end + 3 <= len && !(buf[end] == 0 && buf[end + 1] == 0 && buf[end + 2] == 1))
			end++;
		size_t next = end + 3 <= len ? end : len;
		size_t stop = next;
		/* Trailing zero bytes belong to the next (4-byte) start code or are padding. */
		while (stop > begin && buf[stop - 1] == 0)
			stop--;
		i = next;
		if (stop > begin) {
			*nal = buf + begin;
			*nal_len = stop - begin;
			*pos = next;
			return true;
		}
	}
}

/* --- assembler ------------------------------------------------------------------------ */

typedef struct asm_pkt {
	uint16_t seq;
	uint32_t ts;
	bool marker;
	bool start;    /* the payload starts an access unit */
	uint8_t *data; /* the RTP payload, owned */
	size_t len;
} asm_pkt;

struct mcu_h264_assembler {
	asm_pkt pkts[ASM_MAX_PKTS];
	size_t n;
	size_t bytes;
	bool have_last;
	uint16_t last_seq; /* last sequence number of the last frame emitted or given up */
	unsigned lost;
	uint8_t *frame;
	size_t frame_cap;
};

/* Does a NAL unit of this type, whose first payload byte is b1, begin an access unit? */
static bool nal_starts_au(unsigned type, unsigned b1, bool have_b1)
{
	switch (type) {
	case MCU_H264_NAL_SEI:
	case MCU_H264_NAL_SPS:
	case MCU_H264_NAL_PPS:
	case MCU_H264_NAL_AUD: return true;
	case MCU_H264_NAL_SLICE:
	case MCU_H264_NAL_IDR: return have_b1 && (b1 & 0x80); /* first_mb_in_slice == 0 */
	default: return false;
	}
}

/* p is a payload mcu_h264_payload_check() accepted. */
static bool payload_starts_au(const uint8_t *p, size_t len)
{
	unsigned type = p[0] & 0x1f;
	if (type == MCU_H264_STAP_A)
		return nal_starts_au(p[3] & 0x1f, len > 4 ? p[4] : 0,
			len > 4 && (((size_t)p[1] << 8) | p[2]) > 1);
	if (type == MCU_H264_FU_A)
		return (p[1] & 0x80) && nal_starts_au(p[1] & 0x1f, p[2], true);
	return nal_starts_au(type, len > 1 ? p[1] : 0, len > 1);
}

int mcu_h264_assembler_new(mcu_h264_assembler **out)
{
	if (!out)
		return -EINVAL;
	mcu_h264_assembler *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	*out = a;
	return 0;
}

static void asm_remove_front(mcu_h264_assembler *a, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		a->bytes -= a->pkts[i].len;
		free(a->pkts[i].data);
	}
	memmove(a->pkts, a->pkts + k, (a->n - k) * sizeof(asm_pkt));
	a->n -= k;
}

void mcu_h264_assembler_free(mcu_h264_assembler *a)
{
	if (!a)
		return;
	asm_remove_front(a, a->n);
	free(a->frame);
	free(a);
}

static size_t asm_front_run(const mcu_h264_assembler *a)
{
	size_t k = 0;
	while (k < a->n && a->pkts[k].ts == a->pkts[0].ts)
		k++;
	return k;
}

static unsigned asm_pending_frames(const mcu_h264_assembler *a)
{
	unsigned frames = a->n ? 1 : 0;
	for (size_t i = 1; i < a->n; i++)
		if (a->pkts[i].ts != a->pkts[i - 1].ts)
			frames++;
	return frames;
}

static void asm_give_up_front(mcu_h264_assembler *a)
{
	size_t k = asm_front_run(a);
	if (k == 0)
		return;
	a->have_last = true;
	a->last_seq = a->pkts[k - 1].seq;
	asm_remove_front(a, k);
	a->lost++;
}

int mcu_h264_assembler_push(mcu_h264_assembler *a, uint16_t seq, uint32_t ts, bool marker,
	const uint8_t *payload, size_t len)
{
	if (!a)
		return -EINVAL;
	int rc = mcu_h264_payload_check(payload, len);
	if (rc < 0)
		return rc;
	if (len > MCU_H264_MAX_FRAME)
		return -EPROTO;
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
	size_t pos = a->n;
	while (pos > 0 && mcu_rtp_seq_diff(seq, a->pkts[pos - 1].seq) < 0)
		pos--;
	if (pos > 0 && a->pkts[pos - 1].seq == seq)
		return 0; /* duplicate */
	while (a->n > 0 && (a->n >= ASM_MAX_PKTS || a->bytes + len > ASM_MAX_BYTES)) {
		size_t before = a->n;
		asm_give_up_front(a);
		pos -= (pos > before - a->n) ? before - a->n : pos;
	}
	uint8_t *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, payload, len);
	memmove(a->pkts + pos + 1, a->pkts + pos, (a->n - pos) * sizeof(asm_pkt));
	a->pkts[pos] = (asm_pkt){
		.seq = seq,
		.ts = ts,
		.marker = marker,
		.start = payload_starts_au(payload, len),
		.data = copy,
		.len = len,
	};
	a->n++;
	a->bytes += len;
	return 0;
}

static bool asm_front_complete(const mcu_h264_assembler *a, size_t k)
{
	if (k == 0 || !a->pkts[0].start)
		return false;
	for (size_t i = 1; i < k; i++)
		if (a->pkts[i].seq != (uint16_t)(a->pkts[0].seq + i))
			return false;
	if (a->pkts[k - 1].marker)
		return true;
	/* A sender that forgets the marker: the next access unit starting right after ends
	 * this one. */
	return k < a->n && a->pkts[k].seq == (uint16_t)(a->pkts[k - 1].seq + 1) && a->pkts[k].start;
}

static int frame_reserve(mcu_h264_assembler *a, size_t need)
{
	if (need > MCU_H264_MAX_FRAME)
		return -EMSGSIZE;
	if (need <= a->frame_cap)
		return 0;
	size_t cap = a->frame_cap ? a->frame_cap : 4096;
	while (cap < need)
		cap *= 2;
	if (cap > MCU_H264_MAX_FRAME)
		cap = MCU_H264_MAX_FRAME;
	uint8_t *nf = realloc(a->frame, cap);
	if (!nf)
		return -ENOMEM;
	a->frame = nf;
	a->frame_cap = cap;
	return 0;
}

static int frame_put_nal(
	mcu_h264_assembler *a, size_t *off, const uint8_t *nal, size_t len, bool *key)
{
	int rc = frame_reserve(a, *off + 4 + len);
	if (rc < 0)
		return rc;
	memcpy(a->frame + *off, start_code, 4);
	memcpy(a->frame + *off + 4, nal, len);
	*off += 4 + len;
	if ((nal[0] & 0x1f) == MCU_H264_NAL_IDR)
		*key = true;
	return 0;
}

/* Builds the Annex B access unit of the k front packets into a->frame. Returns its size
 * (> 0), -EPROTO for a broken FU-A run, -EMSGSIZE when too large, -ENOMEM. */
static long asm_build(mcu_h264_assembler *a, size_t k, bool *key)
{
	size_t off = 0;
	bool in_fu = false;
	unsigned fu_type = 0;
	*key = false;
	for (size_t i = 0; i < k; i++) {
		const uint8_t *p = a->pkts[i].data;
		size_t len = a->pkts[i].len;
		unsigned type = p[0] & 0x1f;
		int rc = 0;
		if (type == MCU_H264_FU_A) {
			bool s = (p[1] & 0x80) != 0, e = (p[1] & 0x40) != 0;
			if (s) {
				if (in_fu)
					return -EPROTO; /* a new fragment run before the last one ended */
				uint8_t hdr = (uint8_t)((p[0] & 0xe0) | (p[1] & 0x1f));
				rc = frame_put_nal(a, &off, &hdr, 1, key);
				in_fu = true;
				fu_type = p[1] & 0x1f;
			} else if (!in_fu || (p[1] & 0x1f) != fu_type) {
				return -EPROTO; /* a middle or end fragment without its start */
			}
			if (rc == 0)
				rc = frame_reserve(a, off + len - 2);
			if (rc < 0)
				return rc;
			memcpy(a->frame + off, p + 2, len - 2);
			off += len - 2;
			if (e)
				in_fu = false;
			continue;
		}
		if (in_fu)
			return -EPROTO; /* fragment run cut short */
		if (type == MCU_H264_STAP_A) {
			for (size_t o = 1; o < len && rc == 0;) {
				size_t sz = ((size_t)p[o] << 8) | p[o + 1]; /* checked on push */
				rc = frame_put_nal(a, &off, p + o + 2, sz, key);
				o += 2 + sz;
			}
		} else {
			rc = frame_put_nal(a, &off, p, len, key);
		}
		if (rc < 0)
			return rc;
	}
	if (in_fu || off == 0)
		return -EPROTO;
	return (long)off;
}

int mcu_h264_assembler_pop(mcu_h264_assembler *a, mcu_h264_frame *frame)
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
		bool key;
		long total = asm_build(a, k, &key);
		if (total == -ENOMEM)
			return -ENOMEM;
		if (a->have_last && a->pkts[0].seq != (uint16_t)(a->last_seq + 1))
			a->lost++; /* whole frames went missing before this one */
		if (total < 0) {
			asm_give_up_front(a);
			continue;
		}
		frame->data = a->frame;
		frame->len = (size_t)total;
		frame->ts = a->pkts[0].ts;
		frame->keyframe = key;
		a->have_last = true;
		a->last_seq = a->pkts[k - 1].seq;
		asm_remove_front(a, k);
		return 0;
	}
}

unsigned mcu_h264_assembler_take_lost(mcu_h264_assembler *a)
{
	if (!a)
		return 0;
	unsigned n = a->lost;
	a->lost = 0;
	return n;
}

/* --- packetizer ----------------------------------------------------------------------- */

/* The next NAL unit worth sending: types 0 and 24-31 cannot be a stream's NAL units (a
 * hostile access unit relayed as is, or a start code emulated inside one), skip them. */
static bool next_sendable(
	const uint8_t *au, size_t len, size_t *pos, const uint8_t **nal, size_t *nal_len)
{
	while (mcu_h264_annexb_next(au, len, pos, nal, nal_len))
		if (nal_type_ok((*nal)[0]))
			return true;
	return false;
}

typedef struct pk_out {
	uint8_t *out;
	size_t stride, max_pkts, *lens, count;
} pk_out;

/* Next payload slot, or NULL when counting only; -ENOSPC through *rc when full. */
static uint8_t *pk_slot(pk_out *o, size_t len, int *rc)
{
	if (o->count >= o->max_pkts) {
		*rc = -ENOSPC;
		return NULL;
	}
	size_t i = o->count++;
	if (o->lens)
		o->lens[i] = len;
	return o->out ? o->out + i * o->stride : NULL;
}

int mcu_h264_packetize(const uint8_t *au, size_t len, int mode, size_t max_payload, uint8_t *out,
	size_t stride, size_t max_pkts, size_t *lens, size_t *count)
{
	if (!au || !count || (mode != 0 && mode != 1) || max_payload < 16
		|| (out && (stride < max_payload || !lens)))
		return -EINVAL;
	pk_out o = { out, stride, max_pkts, out ? lens : NULL, 0 };
	int rc = 0;
	size_t pos = 0;
	const uint8_t *nal;
	size_t nlen;
	bool have = next_sendable(au, len, &pos, &nal, &nlen);
	if (!have)
		return -EINVAL;
	while (have && rc == 0) {
		const uint8_t *next = NULL;
		size_t next_len = 0;
		bool have_next = next_sendable(au, len, &pos, &next, &next_len);
		if (mode == 1 && have_next && 1 + 2 + nlen + 2 + next_len <= max_payload) {
			/* STAP-A (§5.7.1): as many consecutive NAL units as fit. F is the OR of the
			 * units' F bits, NRI their maximum. */
			size_t total = 1, units_end = pos;
			uint8_t f = 0, nri = 0;
			const uint8_t *u[64];
			size_t ul[64], nu = 0;
			u[nu] = nal;
			ul[nu++] = nlen;
			u[nu] = next;
			ul[nu++] = next_len;
			total += 2 + nlen + 2 + next_len;
			size_t look = pos;
			const uint8_t *more;
			size_t more_len;
			while (nu < 64 && next_sendable(au, len, &look, &more, &more_len)
				&& total + 2 + more_len <= max_payload) {
				u[nu] = more;
				ul[nu++] = more_len;
				total += 2 + more_len;
				units_end = look;
			}
			uint8_t *dst = pk_slot(&o, total, &rc);
			if (dst) {
				size_t w = 1;
				for (size_t i = 0; i < nu; i++) {
					f |= u[i][0] & 0x80;
					if ((u[i][0] & 0x60) > nri)
						nri = u[i][0] & 0x60;
					dst[w] = (uint8_t)(ul[i] >> 8);
					dst[w + 1] = (uint8_t)ul[i];
					memcpy(dst + w + 2, u[i], ul[i]);
					w += 2 + ul[i];
				}
				dst[0] = (uint8_t)(f | nri | MCU_H264_STAP_A);
			}
			pos = units_end;
			have = next_sendable(au, len, &pos, &nal, &nlen);
			continue;
		}
		if (nlen <= max_payload) {
			uint8_t *dst = pk_slot(&o, nlen, &rc);
			if (dst)
				memcpy(dst, nal, nlen);
		} else if (mode == 0) {
			return -EMSGSIZE;
		} else {
			/* FU-A (§5.8): the NAL header goes into the indicator (F, NRI) and the FU
			 * header (type); the rest is cut in near-equal slices. */
			size_t body = nlen - 1, room = max_payload - 2;
			size_t n = (body + room - 1) / room, slice = (body + n - 1) / n;
			for (size_t i = 0, off = 0; i < n && rc == 0; i++) {
				size_t sz = body - off < slice ? body - off : slice;
				uint8_t *dst = pk_slot(&o, 2 + sz, &rc);
				if (dst) {
					dst[0] = (uint8_t)((nal[0] & 0xe0) | MCU_H264_FU_A);
					dst[1] = (uint8_t)((i == 0 ? 0x80 : 0)
						| (i == n - 1 ? 0x40 : 0) | (nal[0] & 0x1f));
					memcpy(dst + 2, nal + 1 + off, sz);
				}
				off += sz;
			}
		}
		nal = next;
		nlen = next_len;
		have = have_next;
	}
	if (rc < 0)
		return rc;
	*count = o.count;
	return 0;
}
