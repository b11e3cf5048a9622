/*
 * mcu_vp8_rtp_test.c - unit tests of the RFC 7741 descriptor parser, the packetizer and the
 * frame assembler (with real libvpx frames, reordered and lossy).
 */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "mcu_vp8_rtp.h"
#include "mcu_video_codec.h"

static void test_desc_minimal(void)
{
	uint8_t p[] = { 0x10, 0x9d };
	mcu_vp8_desc d;
	g_assert_cmpint(mcu_vp8_desc_parse(p, sizeof(p), &d), ==, 0);
	g_assert_true(d.start);
	g_assert_cmpuint(d.partition_id, ==, 0);
	g_assert_false(d.has_picture_id);
	g_assert_cmpuint(d.len, ==, 1);
}

static void test_desc_full(void)
{
	/* X, N, S, PID 1 | I L T K | M + 15-bit id 0x1234 | TL0PICIDX | TID 2, Y, KEYIDX 5 */
	uint8_t p[] = { 0xb1, 0xf0, 0x92, 0x34, 0x77, 0xa5, 0xaa };
	mcu_vp8_desc d;
	g_assert_cmpint(mcu_vp8_desc_parse(p, sizeof(p), &d), ==, 0);
	g_assert_true(d.non_ref && d.start);
	g_assert_cmpuint(d.partition_id, ==, 1);
	g_assert_true(d.has_picture_id && d.picture_id_15bit);
	g_assert_cmpuint(d.picture_id, ==, 0x1234);
	g_assert_true(d.has_tl0picidx);
	g_assert_cmpuint(d.tl0picidx, ==, 0x77);
	g_assert_true(d.has_tid && d.has_keyidx && d.layer_sync);
	g_assert_cmpuint(d.tid, ==, 2);
	g_assert_cmpuint(d.keyidx, ==, 5);
	g_assert_cmpuint(d.len, ==, 6);
	/* 7-bit PictureID */
	uint8_t q[] = { 0x80, 0x80, 0x45, 0x00 };
	g_assert_cmpint(mcu_vp8_desc_parse(q, sizeof(q), &d), ==, 0);
	g_assert_false(d.picture_id_15bit);
	g_assert_cmpuint(d.picture_id, ==, 0x45);
	g_assert_cmpuint(d.len, ==, 3);
}

static void test_desc_rejects_truncated(void)
{
	uint8_t full[] = { 0xb1, 0xf0, 0x92, 0x34, 0x77, 0xa5, 0xaa };
	mcu_vp8_desc d;
	/* Every prefix ending inside the descriptor or right after it (no data) is rejected. */
	for (size_t l = 0; l <= 6; l++)
		g_assert_cmpint(mcu_vp8_desc_parse(full, l, &d), ==, -EPROTO);
	uint8_t only_x[] = { 0x80 };
	g_assert_cmpint(mcu_vp8_desc_parse(only_x, 1, &d), ==, -EPROTO);
	g_assert_cmpint(mcu_vp8_desc_parse(NULL, 4, &d), ==, -EPROTO);
}

/* A textured 320x240 picture that changes with n, so frames are several packets long. */
static void fill_pattern(mcu_image *img, int n)
{
	for (int y = 0; y < img->height; y++)
		for (int x = 0; x < img->width; x++)
			img->planes[0][y * img->strides[0] + x] = (uint8_t)(((x * 7) ^ (y * 13))
				+ n * 5 + ((x * y) % 31) * 3);
	for (int y = 0; y < (img->height + 1) / 2; y++)
		for (int x = 0; x < (img->width + 1) / 2; x++) {
			img->planes[1][y * img->strides[1] + x] = (uint8_t)(64 + x + n);
			img->planes[2][y * img->strides[2] + x] = (uint8_t)(192 - y);
		}
}

typedef struct pkt {
	uint16_t seq;
	bool marker;
	uint8_t data[1300];
	size_t len;
} pkt;

static size_t packetize(
	const uint8_t *frame, size_t len, uint16_t pid, uint16_t seq0, pkt *out, size_t max)
{
	size_t n = mcu_vp8_packet_count(len, 1200);
	g_assert_cmpuint(n, <=, max);
	for (size_t i = 0; i < n; i++) {
		out[i].seq = (uint16_t)(seq0 + i);
		g_assert_cmpint(mcu_vp8_packetize(frame, len, pid, 1200, i, out[i].data,
					sizeof(out[i].data), &out[i].len, &out[i].marker),
			==, 0);
		g_assert_cmpuint(out[i].len, <=, 1200);
		mcu_vp8_desc d;
		g_assert_cmpint(mcu_vp8_desc_parse(out[i].data, out[i].len, &d), ==, 0);
		g_assert_true(d.start == (i == 0));
		g_assert_true(d.picture_id_15bit);
		g_assert_cmpuint(d.picture_id, ==, pid);
		g_assert_true(out[i].marker == (i + 1 == n));
	}
	return n;
}

typedef struct enc_frames {
	uint8_t *data[4];
	size_t len[4];
} enc_frames;

static void encode_frames(enc_frames *f)
{
	mcu_vp8_enc *enc;
	g_assert_cmpint(mcu_vp8_enc_new(320, 240, 30, 3000, &enc), ==, 0);
	mcu_image img = { 0 };
	g_assert_cmpint(mcu_image_alloc(&img, 320, 240), ==, 0);
	for (int i = 0; i < 4; i++) {
		fill_pattern(&img, i);
		const uint8_t *d;
		size_t len;
		bool key;
		g_assert_cmpint(mcu_vp8_enc_encode(enc, &img, i == 0, &d, &len, &key), ==, 0);
		g_assert_cmpuint(len, >, 0);
		g_assert_true(key == (i == 0));
		f->data[i] = g_memdup2(d, len);
		f->len[i] = len;
	}
	mcu_image_release(&img);
	mcu_vp8_enc_free(enc);
}

static void free_frames(enc_frames *f)
{
	for (int i = 0; i < 4; i++)
		g_free(f->data[i]);
}

static void test_packetize_assemble_exact(void)
{
	enc_frames f;
	encode_frames(&f);
	g_assert_cmpuint(f.len[0], >, 2400); /* the key frame spans at least 3 packets */
	mcu_vp8_assembler *a;
	g_assert_cmpint(mcu_vp8_assembler_new(&a), ==, 0);
	static pkt pk[64];
	uint16_t seq = 65530; /* wraps inside the stream */
	for (int i = 0; i < 4; i++) {
		size_t n = packetize(
			f.data[i], f.len[i], (uint16_t)(0x7ffe + i) & 0x7fff, seq, pk, 64);
		/* Reverse the order of each frame's packets. */
		for (size_t k = n; k-- > 0;)
			g_assert_cmpint(mcu_vp8_assembler_push(a, pk[k].seq, 1000u + 3000u * i,
						pk[k].marker, pk[k].data, pk[k].len),
				==, 0);
		seq = (uint16_t)(seq + n);
		mcu_vp8_frame fr;
		g_assert_cmpint(mcu_vp8_assembler_pop(a, &fr), ==, 0);
		g_assert_cmpuint(fr.len, ==, f.len[i]);
		g_assert_cmpmem(fr.data, fr.len, f.data[i], f.len[i]);
		g_assert_true(fr.keyframe == (i == 0));
		g_assert_cmpuint(fr.ts, ==, 1000u + 3000u * i);
		g_assert_cmpint(mcu_vp8_assembler_pop(a, &fr), ==, -EAGAIN);
	}
	g_assert_cmpuint(mcu_vp8_assembler_take_lost(a), ==, 0);

	/* The frames decode. */
	mcu_vp8_dec *dec;
	g_assert_cmpint(mcu_vp8_dec_new(&dec), ==, 0);
	mcu_image view;
	g_assert_cmpint(mcu_vp8_dec_decode(dec, f.data[0], f.len[0], &view), ==, 0);
	g_assert_cmpint(view.width, ==, 320);
	g_assert_cmpint(view.height, ==, 240);
	mcu_vp8_dec_free(dec);
	mcu_vp8_assembler_free(a);
	free_frames(&f);
}

static void test_assembler_detects_loss(void)
{
	enc_frames f;
	encode_frames(&f);
	mcu_vp8_assembler *a;
	g_assert_cmpint(mcu_vp8_assembler_new(&a), ==, 0);
	static pkt pk[64];
	uint16_t seq = 100;
	unsigned popped = 0;
	for (int i = 0; i < 4; i++) {
		size_t n = packetize(f.data[i], f.len[i], (uint16_t)i, seq, pk, 64);
		for (size_t k = 0; k < n; k++) {
			if (i == 0 && k == 1)
				continue; /* drop the key frame's second packet */
			g_assert_cmpint(mcu_vp8_assembler_push(a, pk[k].seq, 3000u * i,
						pk[k].marker, pk[k].data, pk[k].len),
				==, 0);
		}
		seq = (uint16_t)(seq + n);
		mcu_vp8_frame fr;
		while (mcu_vp8_assembler_pop(a, &fr) == 0) {
			g_assert_false(fr.keyframe); /* the broken key frame never comes out */
			popped++;
		}
	}
	/* More than 3 frames pending: the broken one is given up and reported. */
	g_assert_cmpuint(mcu_vp8_assembler_take_lost(a), ==, 1);
	g_assert_cmpuint(popped, ==, 3);

	/* A whole frame missing between two complete ones is a loss too. */
	mcu_vp8_assembler_free(a);
	g_assert_cmpint(mcu_vp8_assembler_new(&a), ==, 0);
	seq = 0;
	for (int i = 0; i < 3; i++) {
		size_t n = packetize(f.data[i], f.len[i], (uint16_t)i, seq, pk, 64);
		seq = (uint16_t)(seq + n);
		if (i == 1)
			continue;
		for (size_t k = 0; k < n; k++)
			mcu_vp8_assembler_push(
				a, pk[k].seq, 3000u * i, pk[k].marker, pk[k].data, pk[k].len);
		mcu_vp8_frame fr;
		g_assert_cmpint(mcu_vp8_assembler_pop(a, &fr), ==, 0);
	}
	g_assert_cmpuint(mcu_vp8_assembler_take_lost(a), ==, 1);
	mcu_vp8_assembler_free(a);
	free_frames(&f);
}

static void test_assembler_garbage(void)
{
	mcu_vp8_assembler *a;
	g_assert_cmpint(mcu_vp8_assembler_new(&a), ==, 0);
	GRand *r = g_rand_new_with_seed(7);
	for (int i = 0; i < 5000; i++) {
		size_t len = (size_t)g_rand_int_range(r, 0, 1400);
		uint8_t *p = g_malloc(len ? len : 1);
		for (size_t k = 0; k < len; k++)
			p[k] = (uint8_t)g_rand_int(r);
		mcu_vp8_assembler_push(a, (uint16_t)g_rand_int(r), g_rand_int_range(r, 0, 8),
			g_rand_boolean(r), p, len);
		g_free(p);
		mcu_vp8_frame fr;
		while (mcu_vp8_assembler_pop(a, &fr) == 0)
			g_assert_cmpuint(fr.len, <=, MCU_VP8_MAX_FRAME);
	}
	mcu_vp8_assembler_take_lost(a);
	g_rand_free(r);
	mcu_vp8_assembler_free(a);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/vp8/desc-minimal", test_desc_minimal);
	g_test_add_func("/mcu/vp8/desc-all-extensions", test_desc_full);
	g_test_add_func("/mcu/vp8/desc-rejects-truncated", test_desc_rejects_truncated);
	g_test_add_func("/mcu/vp8/packetize-reordered-assembles-exact-frames",
		test_packetize_assemble_exact);
	g_test_add_func("/mcu/vp8/assembler-detects-lost-frames", test_assembler_detects_loss);
	g_test_add_func("/mcu/vp8/assembler-survives-garbage", test_assembler_garbage);
	return g_test_run();
}
