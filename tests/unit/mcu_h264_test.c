/*
 * mcu_h264_test.c - H.264 in the MCU: RFC 6184 packetize/assemble round trips (single NAL
 * unit, STAP-A, FU-A, reordering), a lost FU-A fragment reported as a loss, hostile
 * payloads (truncated STAP-A, FU-A without start, random bytes) refused without a crash,
 * the SPS reader and the decoder's size cap; then the room: an H.264 sender's picture on
 * the canvas a VP8 receiver gets (colour of the tile), H.264 receivers in both
 * packetization modes get RTP that starts with SPS + PPS + IDR and decodes to the canvas
 * size, a key frame request from an H.264 receiver gives an IDR to the H.264 group only,
 * and no H.264 encode at all without an H.264 receiver. The room runs on its manual clock
 * (mcu_room_advance), so the results do not depend on the machine's speed.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_h264_rtp.h"
#include "mcu_h264_sps.h"
#include "mcu_h264_codec.h"
#include "mcu_vp8_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_image.h"

/* --- RFC 6184 ------------------------------------------------------------------------- */

/* A synthetic access unit: SPS-like, PPS-like and an IDR slice of slice_len bytes
 * (first_mb_in_slice 0), with 4-byte start codes, as the assembler gives it back. */
static GByteArray *make_au(size_t slice_len, GRand *r)
{
	static const uint8_t sc[4] = { 0, 0, 0, 1 };
	static const uint8_t sps[] = { 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8 };
	static const uint8_t pps[] = { 0x68, 0xce, 0x3c, 0x80 };
	GByteArray *au = g_byte_array_new();
	g_byte_array_append(au, sc, 4);
	g_byte_array_append(au, sps, sizeof(sps));
	g_byte_array_append(au, sc, 4);
	g_byte_array_append(au, pps, sizeof(pps));
	g_byte_array_append(au, sc, 4);
	uint8_t *slice = g_malloc(slice_len);
	slice[0] = 0x65;
	slice[1] = 0x88;
	for (size_t i = 2; i < slice_len; i++)
		slice[i] = (uint8_t)g_rand_int_range(r, 1, 256); /* no start code emulation */
	g_byte_array_append(au, slice, (guint)slice_len);
	g_free(slice);
	return au;
}

typedef struct rtp_list {
	uint8_t buf[64][1300];
	size_t lens[64];
	size_t count;
} rtp_list;

static void packetize(const GByteArray *au, int mode, rtp_list *l)
{
	g_assert_cmpint(mcu_h264_packetize(au->data, au->len, mode, 1200, &l->buf[0][0],
				sizeof(l->buf[0]), 64, l->lens, &l->count),
		==, 0);
	size_t n = 0;
	g_assert_cmpint(
		mcu_h264_packetize(au->data, au->len, mode, 1200, NULL, 0, 64, NULL, &n), ==, 0);
	g_assert_cmpuint(n, ==, l->count);
	for (size_t i = 0; i < l->count; i++)
		g_assert_cmpuint(l->lens[i], <=, 1200);
}

static void push_all(mcu_h264_assembler *a, const rtp_list *l, uint16_t seq0, uint32_t ts,
	const size_t *order, int skip)
{
	for (size_t k = 0; k < l->count; k++) {
		size_t i = order ? order[k] : k;
		if ((int)i == skip)
			continue;
		g_assert_cmpint(mcu_h264_assembler_push(a, (uint16_t)(seq0 + i), ts,
					i + 1 == l->count, l->buf[i], l->lens[i]),
			==, 0);
	}
}

static void test_rtp_single_nal_roundtrip(void)
{
	GRand *r = g_rand_new_with_seed(1);
	GByteArray *au = make_au(900, r);
	rtp_list *l = g_new0(rtp_list, 1);
	packetize(au, 0, l);
	g_assert_cmpuint(l->count, ==, 3); /* mode 0: one NAL unit per packet */
	g_assert_cmpint(l->buf[0][0] & 0x1f, ==, 7);
	g_assert_cmpint(l->buf[1][0] & 0x1f, ==, 8);
	g_assert_cmpint(l->buf[2][0] & 0x1f, ==, 5);
	mcu_h264_assembler *a;
	g_assert_cmpint(mcu_h264_assembler_new(&a), ==, 0);
	push_all(a, l, 65534, 9000, NULL, -1); /* sequence numbers wrap inside the frame */
	mcu_h264_frame f;
	g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, 0);
	g_assert_cmpmem(f.data, f.len, au->data, au->len);
	g_assert_true(f.keyframe);
	g_assert_cmpuint(f.ts, ==, 9000);
	g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, -EAGAIN);
	g_assert_cmpuint(mcu_h264_assembler_take_lost(a), ==, 0);
	/* A NAL unit too large for one packet cannot go in mode 0. */
	GByteArray *big = make_au(3000, r);
	size_t n;
	g_assert_cmpint(mcu_h264_packetize(big->data, big->len, 0, 1200, NULL, 0, 64, NULL, &n), ==,
		-EMSGSIZE);
	g_byte_array_unref(big);
	mcu_h264_assembler_free(a);
	g_free(l);
	g_byte_array_unref(au);
	g_rand_free(r);
}

static void test_rtp_stap_fu_reordered_roundtrip(void)
{
	GRand *r = g_rand_new_with_seed(2);
	GByteArray *au = make_au(3000, r);
	rtp_list *l = g_new0(rtp_list, 1);
	packetize(au, 1, l);
	/* SPS + PPS in one STAP-A, the slice in 3 FU-A fragments. */
	g_assert_cmpuint(l->count, ==, 4);
	g_assert_cmpint(l->buf[0][0] & 0x1f, ==, MCU_H264_STAP_A);
	for (int i = 1; i < 4; i++) {
		g_assert_cmpint(l->buf[i][0] & 0x1f, ==, MCU_H264_FU_A);
		g_assert_cmpint(l->buf[i][0] & 0x60, ==, 0x60); /* NRI of the IDR slice */
		g_assert_cmpint(l->buf[i][1] & 0x1f, ==, 5);
	}
	g_assert_cmpint(l->buf[1][1] & 0xc0, ==, 0x80); /* S */
	g_assert_cmpint(l->buf[2][1] & 0xc0, ==, 0x00);
	g_assert_cmpint(l->buf[3][1] & 0xc0, ==, 0x40); /* E */
	mcu_h264_assembler *a;
	g_assert_cmpint(mcu_h264_assembler_new(&a), ==, 0);
	/* Two frames, the packets of each in a scrambled order: nothing comes out before the
	 * last packet of a frame is in. */
	static const size_t order[4] = { 2, 0, 3, 1 };
	mcu_h264_frame f;
	for (int k = 0; k < 2; k++) {
		for (size_t j = 0; j < 4; j++) {
			g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, -EAGAIN);
			size_t i = order[j];
			g_assert_cmpint(
				mcu_h264_assembler_push(a, (uint16_t)(100 + 4 * k + (int)i),
					3000u * (unsigned)(k + 1), i == 3, l->buf[i], l->lens[i]),
				==, 0);
		}
		g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, 0);
		g_assert_cmpuint(f.ts, ==, 3000u * (unsigned)(k + 1));
		g_assert_cmpmem(f.data, f.len, au->data, au->len);
		g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, -EAGAIN);
	}
	g_assert_cmpuint(mcu_h264_assembler_take_lost(a), ==, 0);
	mcu_h264_assembler_free(a);
	g_free(l);
	g_byte_array_unref(au);
	g_rand_free(r);
}

static void test_rtp_lost_fu_fragment_reported(void)
{
	GRand *r = g_rand_new_with_seed(3);
	GByteArray *au = make_au(3000, r);
	rtp_list *l = g_new0(rtp_list, 1);
	packetize(au, 1, l);
	mcu_h264_assembler *a;
	g_assert_cmpint(mcu_h264_assembler_new(&a), ==, 0);
	push_all(a, l, 10, 3000, NULL, 2); /* middle FU-A fragment lost */
	mcu_h264_frame f;
	g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, -EAGAIN);
	for (int k = 1; k <= 4; k++)
		push_all(a, l, (uint16_t)(10 + 4 * k), 3000u * (unsigned)(k + 1), NULL, -1);
	unsigned got = 0;
	while (mcu_h264_assembler_pop(a, &f) == 0) {
		g_assert_cmpuint(f.ts, !=, 3000); /* never the broken one */
		got++;
	}
	g_assert_cmpuint(got, ==, 4);
	g_assert_cmpuint(mcu_h264_assembler_take_lost(a), >=, 1);
	mcu_h264_assembler_free(a);
	g_free(l);
	g_byte_array_unref(au);
	g_rand_free(r);
}

static void test_rtp_hostile_payloads(void)
{
	mcu_h264_assembler *a;
	g_assert_cmpint(mcu_h264_assembler_new(&a), ==, 0);
	/* STAP-A whose unit size runs past the end, or leaves a dangling byte. */
	static const uint8_t stap_long[] = { 0x78, 0x00, 0x09, 0x67, 0x42 };
	static const uint8_t stap_odd[] = { 0x78, 0x00, 0x02, 0x67, 0x42, 0x00 };
	static const uint8_t stap_zero[] = { 0x78, 0x00, 0x00 };
	static const uint8_t stap_empty[] = { 0x78 };
	static const uint8_t fu_s_and_e[] = { 0x7c, 0xc5, 0x88 };
	static const uint8_t fu_short[] = { 0x7c, 0x85 };
	static const uint8_t fu_b[] = { 0x7d, 0x85, 0x88, 0x00 };
	static const uint8_t mtap[] = { 0x7a, 0x00, 0x01 };
	static const uint8_t type0[] = { 0x00, 0x01 };
	const struct {
		const uint8_t *p;
		size_t n;
	} bad[] = {
		{ stap_long, sizeof(stap_long) },
		{ stap_odd, sizeof(stap_odd) },
		{ stap_zero, sizeof(stap_zero) },
		{ stap_empty, sizeof(stap_empty) },
		{ fu_s_and_e, sizeof(fu_s_and_e) },
		{ fu_short, sizeof(fu_short) },
		{ fu_b, sizeof(fu_b) },
		{ mtap, sizeof(mtap) },
		{ type0, sizeof(type0) },
		{ type0, 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(
			mcu_h264_assembler_push(a, (uint16_t)i, 0, true, bad[i].p, bad[i].n), ==,
			-EPROTO);
	/* FU-A middle and end fragments without their start: accepted as packets, never a frame. */
	static const uint8_t fu_mid[] = { 0x7c, 0x05, 0x11, 0x22 };
	static const uint8_t fu_end[] = { 0x7c, 0x45, 0x33 };
	mcu_h264_frame f;
	for (int k = 0; k < 6; k++) {
		g_assert_cmpint(mcu_h264_assembler_push(a, (uint16_t)(100 + 2 * k), (uint32_t)k,
					false, fu_mid, sizeof(fu_mid)),
			==, 0);
		g_assert_cmpint(mcu_h264_assembler_push(a, (uint16_t)(101 + 2 * k), (uint32_t)k,
					true, fu_end, sizeof(fu_end)),
			==, 0);
		g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, -EAGAIN);
	}
	/* A start fragment, then a single NAL unit before the end: broken run, given up. */
	static const uint8_t fu_start[] = { 0x7c, 0x85, 0x88, 0x01 };
	static const uint8_t single[] = { 0x65, 0x88, 0x02 };
	g_assert_cmpint(
		mcu_h264_assembler_push(a, 200, 50, false, fu_start, sizeof(fu_start)), ==, 0);
	g_assert_cmpint(mcu_h264_assembler_push(a, 201, 50, true, single, sizeof(single)), ==, 0);
	g_assert_cmpint(mcu_h264_assembler_pop(a, &f), ==, -EAGAIN);
	g_assert_cmpuint(mcu_h264_assembler_take_lost(a), >=, 1);
	/* Random bytes: no crash, every popped frame within bounds. */
	GRand *r = g_rand_new_with_seed(4);
	uint8_t buf[1500];
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)g_rand_int_range(r, 0, 64);
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)g_rand_int(r);
		if (n && i % 3 == 0)
			buf[0] = (uint8_t)((buf[0] & 0xe0)
				| (i % 2 ? MCU_H264_STAP_A : MCU_H264_FU_A));
		int rc = mcu_h264_assembler_push(
			a, (uint16_t)(300 + i), (uint32_t)(i / 3), g_rand_boolean(r), buf, n);
		g_assert_true(rc == 0 || rc == -EPROTO);
		while (mcu_h264_assembler_pop(a, &f) == 0)
			g_assert_true(f.len > 4 && f.len <= MCU_H264_MAX_FRAME);
	}
	g_rand_free(r);
	mcu_h264_assembler_free(a);
}

/* --- codec ---------------------------------------------------------------------------- */

static void fill_flat(mcu_image *img, uint8_t y, uint8_t u, uint8_t v)
{
	memset(img->planes[0], y, (size_t)img->strides[0] * (size_t)img->height);
	memset(img->planes[1], u, (size_t)img->strides[1] * (size_t)(img->height / 2));
	memset(img->planes[2], v, (size_t)img->strides[2] * (size_t)(img->height / 2));
}

static void test_codec_sps_and_size_cap(void)
{
	mcu_h264_enc *e;
	g_assert_cmpint(mcu_h264_enc_new(320, 180, 15, 300, &e), ==, 0);
	mcu_image img = { 0 };
	g_assert_cmpint(mcu_image_alloc(&img, 320, 180), ==, 0);
	fill_flat(&img, 100, 128, 128);
	const uint8_t *data;
	size_t len;
	bool key;
	g_assert_cmpint(mcu_h264_enc_encode(e, &img, true, &data, &len, &key), ==, 0);
	g_assert_true(key);
	size_t pos = 0;
	const uint8_t *nal;
	size_t nlen;
	g_assert_true(mcu_h264_annexb_next(data, len, &pos, &nal, &nlen));
	mcu_h264_sps sps;
	g_assert_cmpint(mcu_h264_sps_parse(nal, nlen, &sps), ==, 0);
	g_assert_cmpint(sps.profile_idc, ==, 66);               /* baseline... */
	g_assert_cmpint(sps.constraint_flags & 0x40, ==, 0x40); /* ...constrained */
	g_assert_cmpint(sps.level_idc, ==, 31);
	g_assert_cmpint(sps.width, ==, 320);
	g_assert_cmpint(sps.height, ==, 192); /* coded size: 12 macroblock rows */
	/* The decoder decodes it to the cropped size... */
	mcu_h264_dec *d;
	g_assert_cmpint(mcu_h264_dec_new(&d), ==, 0);
	mcu_image view;
	g_assert_cmpint(mcu_h264_dec_decode(d, data, len, &view), ==, 0);
	g_assert_cmpint(view.width, ==, 320);
	g_assert_cmpint(view.height, ==, 180);
	/* ...and refuses an SPS claiming 8192x8192 (pic_width_in_mbs_minus1 = 511) before
	 * libavcodec allocates anything: sps_id ue(0), log2_max_frame_num ue(0), poc_type
	 * ue(2), max_num_ref ue(0), gaps 0, width and height ue(511), frame_mbs_only 1, stop bit. */
	static const uint8_t huge_sps[] = {
		0x00,
		0x00,
		0x00,
		0x01,
		0x67,
		0x42,
		0xc0,
		0x1f,
		0xdc,
		0x00,
		0x80,
		0x00,
		0x10,
		0x06,
	};
	GByteArray *bad = g_byte_array_new();
	g_byte_array_append(bad, huge_sps, sizeof(huge_sps));
	g_byte_array_append(bad, nal + nlen, (guint)(len - (size_t)(nal + nlen - data)));
	size_t bpos = 0;
	g_assert_true(mcu_h264_annexb_next(bad->data, bad->len, &bpos, &nal, &nlen));
	g_assert_cmpint(mcu_h264_sps_parse(nal, nlen, &sps), ==, 0);
	g_test_message("crafted SPS: %dx%d", sps.width, sps.height);
	g_assert_cmpint(sps.width, ==, 8192);
	g_assert_cmpint(mcu_h264_dec_decode(d, bad->data, bad->len, &view), ==, -EPROTO);
	g_byte_array_unref(bad);
	mcu_h264_dec_free(d);
	mcu_h264_enc_free(e);
	mcu_image_release(&img);
}

/* --- room ----------------------------------------------------------------------------- */

typedef struct sink {
	GMutex lock;
	GPtrArray *video; /* GBytes */
	gint plis;
} sink;

static void sink_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	sink *s = opaque;
	if (!is_video)
		return;
	g_mutex_lock(&s->lock);
	g_ptr_array_add(s->video, g_bytes_new(pkt, len));
	g_mutex_unlock(&s->lock);
}

static void sink_pli(void *opaque)
{
	g_atomic_int_inc(&((sink *)opaque)->plis);
}

static void sink_init(sink *s, mcu_participant_io *io)
{
	memset(s, 0, sizeof(*s));
	g_mutex_init(&s->lock);
	s->video = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	io->opaque = s;
	io->send_rtp = sink_send;
	io->request_keyframe = sink_pli;
}

static void sink_clear(sink *s)
{
	g_ptr_array_free(s->video, TRUE);
	g_mutex_clear(&s->lock);
}

static mcu_participant *join(mcu_room *room, const char *name, mcu_video_codec_id vc, int mode,
	uint8_t vpt, mcu_participant_io *io)
{
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	o.display = name;
	o.video_codec = vc;
	o.h264_packetization_mode = mode;
	o.video_pt = vpt;
	mcu_participant *p = mcu_room_join(room, &o, io);
	g_assert_nonnull(p);
	return p;
}

/* An H.264 sender: a flat picture of one colour, packetization-mode 1. */
typedef struct hsrc {
	mcu_h264_enc *enc;
	mcu_image img;
	uint16_t seq;
	int n;
} hsrc;

static void hsrc_send(hsrc *h, mcu_participant *p)
{
	const uint8_t *data;
	size_t len;
	bool key;
	g_assert_cmpint(mcu_h264_enc_encode(h->enc, &h->img, h->n == 0, &data, &len, &key), ==, 0);
	if (h->n == 0)
		g_assert_true(key);
	rtp_list *l = g_new0(rtp_list, 1);
	g_assert_cmpint(mcu_h264_packetize(data, len, 1, 1200, &l->buf[0][12], sizeof(l->buf[0]),
				64, l->lens, &l->count),
		==, 0);
	for (size_t i = 0; i < l->count; i++) {
		mcu_rtp_write_header(l->buf[i], 12, i + 1 == l->count, 97, h->seq++,
			(uint32_t)h->n * 6000, 0x264);
		mcu_participant_incoming_rtp(p, 1, l->buf[i], l->lens[i] + 12, -1);
	}
	g_free(l);
	h->n++;
}

/* Decodes what an H.264 receiver got. Checks the payload type, mode 0 packet types,
 * the first access unit (SPS, PPS, IDR). Returns the pictures decoded; *last the last. */
static int h264_received(sink *s, uint8_t pt, int mode, mcu_image *last, int *idrs)
{
	mcu_h264_assembler *a;
	mcu_h264_dec *d;
	g_assert_cmpint(mcu_h264_assembler_new(&a), ==, 0);
	g_assert_cmpint(mcu_h264_dec_new(&d), ==, 0);
	int pictures = 0;
	*idrs = 0;
	g_mutex_lock(&s->lock);
	for (guint i = 0; i < s->video->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(s->video, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpuint(h.pt, ==, pt);
		g_assert_cmpuint(plen, <=, 1200);
		if (mode == 0)
			g_assert_cmpint(pl[0] & 0x1f, <=, 23); /* single NAL units only */
		if (i == 0)
			g_assert_true((pl[0] & 0x1f) == MCU_H264_NAL_SPS
				|| ((pl[0] & 0x1f) == MCU_H264_STAP_A
					&& (pl[3] & 0x1f) == MCU_H264_NAL_SPS));
		g_assert_cmpint(mcu_h264_assembler_push(a, h.seq, h.ts, h.marker, pl, plen), ==, 0);
		mcu_h264_frame f;
		while (mcu_h264_assembler_pop(a, &f) == 0) {
			size_t pos = 0;
			const uint8_t *nal;
			size_t nlen;
			int types[4] = { 0 }, k = 0;
			while (k < 4 && mcu_h264_annexb_next(f.data, f.len, &pos, &nal, &nlen))
				types[k++] = nal[0] & 0x1f;
			if (pictures == 0) {
				/* The stream starts with SPS + PPS + IDR (x264 puts an SEI with its
				 * version before the first IDR slice). */
				g_assert_true(f.keyframe);
				g_assert_cmpint(types[0], ==, MCU_H264_NAL_SPS);
				g_assert_cmpint(types[1], ==, MCU_H264_NAL_PPS);
				g_assert_true(types[2] == MCU_H264_NAL_IDR
					|| (types[2] == MCU_H264_NAL_SEI
						&& types[3] == MCU_H264_NAL_IDR));
			}
			if (f.keyframe) {
				(*idrs)++;
				g_assert_cmpint(
					types[0], ==, MCU_H264_NAL_SPS); /* before every IDR */
			}
			mcu_image view;
			g_assert_cmpint(mcu_h264_dec_decode(d, f.data, f.len, &view), ==, 0);
			g_assert_cmpint(mcu_image_copy(last, &view), ==, 0);
			pictures++;
		}
	}
	g_mutex_unlock(&s->lock);
	g_assert_cmpuint(mcu_h264_assembler_take_lost(a), ==, 0);
	mcu_h264_assembler_free(a);
	mcu_h264_dec_free(d);
	return pictures;
}

/* Decodes what a VP8 receiver got; returns the pictures and the key frames. */
static int vp8_received(sink *s, mcu_image *last, int *keys)
{
	mcu_vp8_assembler *a;
	mcu_vp8_dec *d;
	g_assert_cmpint(mcu_vp8_assembler_new(&a), ==, 0);
	g_assert_cmpint(mcu_vp8_dec_new(&d), ==, 0);
	int pictures = 0;
	*keys = 0;
	g_mutex_lock(&s->lock);
	for (guint i = 0; i < s->video->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(s->video, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpint(mcu_vp8_assembler_push(a, h.seq, h.ts, h.marker, pl, plen), ==, 0);
		mcu_vp8_frame f;
		while (mcu_vp8_assembler_pop(a, &f) == 0) {
			mcu_image view;
			g_assert_cmpint(mcu_vp8_dec_decode(d, f.data, f.len, &view), ==, 0);
			g_assert_cmpint(mcu_image_copy(last, &view), ==, 0);
			*keys += f.keyframe;
			pictures++;
		}
	}
	g_mutex_unlock(&s->lock);
	mcu_vp8_assembler_free(a);
	mcu_vp8_dec_free(d);
	return pictures;
}

static int px(const mcu_image *img, int plane, int x, int y)
{
	int sh = plane ? 1 : 0;
	return img->planes[plane][(y >> sh) * img->strides[plane] + (x >> sh)];
}

static mcu_room *small_room(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 320;
	cfg.height = 180;
	cfg.fps = 15;
	cfg.video_kbps = 400;
	cfg.layout = MCU_LAYOUT_SPEAKER; /* nobody talks: the first to join fills the canvas */
	cfg.manual_clock = true; /* time moves by mcu_room_advance only: same result anywhere */
	return mcu_room_new("h264", &cfg);
}

/* An H.264 sender (red) first; a VP8 receiver and H.264 receivers in both modes. */
static void test_room_h264_in_and_out(void)
{
	mcu_room *room = small_room();
	sink ss, sv, s1, s0;
	mcu_participant_io is, iv, i1, i0;
	sink_init(&ss, &is);
	sink_init(&sv, &iv);
	sink_init(&s1, &i1);
	sink_init(&s0, &i0);
	mcu_participant *ps = join(room, "Cisco", MCU_VIDEO_H264, 1, 97, &is);
	mcu_participant *pv = join(room, "Web", MCU_VIDEO_VP8, 0, 96, &iv);
	mcu_participant *p1 = join(room, "Poly", MCU_VIDEO_H264, 1, 126, &i1);
	mcu_participant *p0 = join(room, "Old", MCU_VIDEO_H264, 0, 99, &i0);
	hsrc h = { 0 };
	g_assert_cmpint(mcu_h264_enc_new(320, 180, 15, 300, &h.enc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&h.img, 320, 180), ==, 0);
	fill_flat(&h.img, 81, 90, 240); /* BT.601 red */
	for (int i = 0; i < 15; i++) {
		hsrc_send(&h, ps);
		g_assert_cmpint(mcu_room_advance(room, G_USEC_PER_SEC / 15), ==, 0);
	}
	mcu_participant_stats st;
	mcu_participant_get_stats(ps, &st);
	g_assert_cmpuint(st.video_frames_decoded, ==, 15);
	g_assert_cmpuint(st.video_frames_lost, ==, 0);
	g_assert_cmpuint(st.bad_packets_in, ==, 0);
	/* The VP8 receiver sees the H.264 sender's red picture. */
	mcu_image seen = { 0 };
	int keys;
	g_assert_cmpint(vp8_received(&sv, &seen, &keys), >, 5);
	g_assert_cmpint(seen.width, ==, 320);
	g_test_message("VP8 receiver: Y %d U %d V %d at the centre", px(&seen, 0, 160, 80),
		px(&seen, 1, 160, 80), px(&seen, 2, 160, 80));
	g_assert_cmpint(ABS(px(&seen, 0, 160, 80) - 81), <, 12);
	g_assert_cmpint(ABS(px(&seen, 1, 160, 80) - 90), <, 12);
	g_assert_cmpint(ABS(px(&seen, 2, 160, 80) - 240), <, 12);
	/* The H.264 receivers (both modes) decode the same picture at the canvas size. */
	sink *hs[2] = { &s0, &s1 };
	uint8_t pts[2] = { 99, 126 };
	for (int mode = 0; mode < 2; mode++) {
		int idrs;
		mcu_image_release(&seen);
		g_assert_cmpint(h264_received(hs[mode], pts[mode], mode, &seen, &idrs), >, 5);
		g_assert_cmpint(seen.width, ==, 320);
		g_assert_cmpint(seen.height, ==, 180);
		g_assert_cmpint(ABS(px(&seen, 0, 160, 80) - 81), <, 12);
		g_assert_cmpint(ABS(px(&seen, 2, 160, 80) - 240), <, 12);
	}
	mcu_room_stats rs;
	mcu_room_get_stats(room, &rs);
	g_test_message("frames %" G_GUINT64_FORMAT ", H.264 %" G_GUINT64_FORMAT " (%.2f ms each)",
		rs.video_frames_out, rs.video_frames_out_h264,
		rs.video_frames_out_h264
			? rs.video_encode_h264_us / 1000.0 / rs.video_frames_out_h264
			: 0);
	g_assert_cmpuint(rs.video_frames_out_h264, >, 5);

	/* A key frame request from an H.264 receiver: an IDR for the H.264 group, not a key
	 * frame for the VP8 receivers. */
	/* Past the key frame rate limit of the joins. */
	g_assert_cmpint(mcu_room_advance(room, 600000), ==, 0);
	int vp8_keys_before, idrs_before, idrs_after;
	mcu_image_release(&seen);
	vp8_received(&sv, &seen, &vp8_keys_before);
	mcu_image_release(&seen);
	h264_received(&s1, 126, 1, &seen, &idrs_before);
	mcu_room_get_stats(room, &rs);
	uint64_t kf_before = rs.video_keyframes_h264;
	mcu_participant_keyframe_request(p1);
	g_assert_cmpint(mcu_room_advance(room, 400000), ==, 0);
	mcu_room_get_stats(room, &rs);
	g_assert_cmpuint(rs.video_keyframes_h264, ==, kf_before + 1);
	int vp8_keys_after;
	mcu_image_release(&seen);
	h264_received(&s1, 126, 1, &seen, &idrs_after);
	g_assert_cmpint(idrs_after, ==, idrs_before + 1);
	mcu_image_release(&seen);
	h264_received(&s0, 99, 0, &seen, &idrs_after); /* the mode 0 receiver too */
	mcu_image_release(&seen);
	vp8_received(&sv, &seen, &vp8_keys_after);
	g_assert_cmpint(vp8_keys_after, ==, vp8_keys_before);

	mcu_participant *all[4] = { ps, pv, p1, p0 };
	for (int i = 0; i < 4; i++) {
		mcu_room_leave(room, all[i]);
		mcu_participant_unref(all[i]);
	}
	mcu_room_unref(room);
	mcu_h264_enc_free(h.enc);
	mcu_image_release(&h.img);
	mcu_image_release(&seen);
	sink_clear(&ss);
	sink_clear(&sv);
	sink_clear(&s1);
	sink_clear(&s0);
}

static void test_room_no_h264_receiver_no_h264_encode(void)
{
	mcu_room *room = small_room();
	sink sv;
	mcu_participant_io iv;
	sink_init(&sv, &iv);
	mcu_participant *pv = join(room, "Web", MCU_VIDEO_VP8, 0, 96, &iv);
	g_assert_cmpint(mcu_room_advance(room, 500000), ==, 0);
	mcu_room_stats rs;
	mcu_room_get_stats(room, &rs);
	g_assert_cmpuint(rs.video_frames_out, >, 3);
	g_assert_cmpuint(rs.video_frames_out_h264, ==, 0);
	g_assert_cmpuint(rs.video_encode_h264_us, ==, 0);
	/* An H.264 participant joins: the H.264 encode starts; it leaves: it stops. */
	sink sh;
	mcu_participant_io ih;
	sink_init(&sh, &ih);
	mcu_participant *ph = join(room, "Cisco", MCU_VIDEO_H264, 1, 97, &ih);
	g_assert_cmpint(mcu_room_advance(room, 400000), ==, 0);
	mcu_room_get_stats(room, &rs);
	g_assert_cmpuint(rs.video_frames_out_h264, >, 2);
	mcu_room_leave(room, ph);
	g_assert_cmpint(mcu_room_advance(room, 150000), ==, 0);
	mcu_room_reset_stats(room);
	g_assert_cmpint(mcu_room_advance(room, 400000), ==, 0);
	mcu_room_get_stats(room, &rs);
	g_assert_cmpuint(rs.video_frames_out, >, 3);
	g_assert_cmpuint(rs.video_frames_out_h264, ==, 0);
	/* Bad options are refused. */
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	o.video_codec = MCU_VIDEO_H264;
	o.h264_packetization_mode = 2;
	g_assert_null(mcu_room_join(room, &o, &ih));
	o.h264_packetization_mode = 0;
	o.video_codec = (mcu_video_codec_id)7;
	g_assert_null(mcu_room_join(room, &o, &ih));
	mcu_room_leave(room, pv);
	mcu_participant_unref(pv);
	mcu_participant_unref(ph);
	mcu_room_unref(room);
	sink_clear(&sv);
	sink_clear(&sh);
}

/* Garbage into an H.264 participant, then a real stream: it decodes again. */
static void test_room_h264_garbage_then_recovers(void)
{
	mcu_room *room = small_room();
	sink ss;
	mcu_participant_io is;
	sink_init(&ss, &is);
	mcu_participant *ps = join(room, "Cisco", MCU_VIDEO_H264, 1, 97, &is);
	GRand *r = g_rand_new_with_seed(7);
	uint8_t pkt[1300];
	uint16_t seq = 1;
	for (int i = 0; i < 3000; i++) {
		size_t n = (size_t)g_rand_int_range(r, 13, 400);
		for (size_t k = 12; k < n; k++)
			pkt[k] = (uint8_t)g_rand_int(r);
		switch (i % 3) {
		case 0: /* an IDR-looking single NAL unit with junk */
			pkt[12] = 0x65;
			pkt[13] |= 0x80;
			break;
		case 1: /* an SPS with junk (sizes of all kinds) followed by an IDR in a STAP-A */
			pkt[12] = 0x78;
			pkt[13] = 0;
			pkt[14] = (uint8_t)MIN(n - 15, 40);
			pkt[15] = 0x67;
			break;
		default: break;
		}
		mcu_rtp_write_header(pkt, 12, true, 97, seq++, (uint32_t)i * 3000, 0x99);
		mcu_participant_incoming_rtp(ps, 1, pkt, n, -1);
	}
	g_rand_free(r);
	mcu_participant_stats st;
	mcu_participant_get_stats(ps, &st);
	uint64_t before = st.video_frames_decoded;
	g_test_message("garbage: bad %" G_GUINT64_FORMAT " lost %" G_GUINT64_FORMAT
		       " decoded %" G_GUINT64_FORMAT,
		st.bad_packets_in, st.video_frames_lost, st.video_frames_decoded);
	g_assert_cmpuint(st.bad_packets_in + st.video_packets_in, ==, 3000);
	hsrc h = { 0 };
	h.seq = (uint16_t)(seq + 3000);
	g_assert_cmpint(mcu_h264_enc_new(320, 180, 15, 300, &h.enc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&h.img, 320, 180), ==, 0);
	fill_flat(&h.img, 120, 128, 128);
	for (int i = 0; i < 10; i++)
		hsrc_send(&h, ps);
	mcu_participant_get_stats(ps, &st);
	g_assert_cmpuint(st.video_frames_decoded, >=, before + 9);
	mcu_room_leave(room, ps);
	mcu_participant_unref(ps);
	mcu_room_unref(room);
	mcu_h264_enc_free(h.enc);
	mcu_image_release(&h.img);
	sink_clear(&ss);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/h264/rtp/single-nal-roundtrip", test_rtp_single_nal_roundtrip);
	g_test_add_func("/mcu/h264/rtp/stap-a-fu-a-reordered-roundtrip",
		test_rtp_stap_fu_reordered_roundtrip);
	g_test_add_func(
		"/mcu/h264/rtp/lost-fu-a-fragment-reported", test_rtp_lost_fu_fragment_reported);
	g_test_add_func("/mcu/h264/rtp/hostile-payloads-refused", test_rtp_hostile_payloads);
	g_test_add_func("/mcu/h264/codec/sps-and-size-cap", test_codec_sps_and_size_cap);
	g_test_add_func("/mcu/h264/room/h264-in-vp8-and-h264-out-keyframe-request",
		test_room_h264_in_and_out);
	g_test_add_func("/mcu/h264/room/no-h264-receiver-no-h264-encode",
		test_room_no_h264_receiver_no_h264_encode);
	g_test_add_func(
		"/mcu/h264/room/garbage-then-recovers", test_room_h264_garbage_then_recovers);
	return g_test_run();
}
