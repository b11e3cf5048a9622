/*
 * mcu_codec_test.c - unit tests of the Opus and VP8 wrappers: an Opus RTP round trip keeps a
 * 440 Hz tone, concealment fills a lost frame, VP8 key frames on demand, image helpers.
 */
#include <glib.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "mcu_rtp.h"
#include "mcu_opus_rtp.h"
#include "mcu_audio_codec.h"
#include "mcu_video_codec.h"
#include "mcu_image.h"

#define TONE_AMP 8000.0

static double goertzel_power(const int16_t *s, int n, double freq)
{
	double w = 2.0 * G_PI * freq / 48000.0, c = 2.0 * cos(w), s1 = 0, s2 = 0;
	for (int i = 0; i < n; i++) {
		double s0 = s[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return (s1 * s1 + s2 * s2 - c * s1 * s2) / ((double)n * n / 4.0);
}

static double rms(const int16_t *s, int n)
{
	double e = 0;
	for (int i = 0; i < n; i++)
		e += (double)s[i] * s[i];
	return sqrt(e / n);
}

static void test_opus_roundtrip_keeps_tone(void)
{
	mcu_opus_enc *enc;
	mcu_opus_dec *dec;
	g_assert_cmpint(mcu_opus_enc_new(32000, &enc), ==, 0);
	g_assert_cmpint(mcu_opus_dec_new(&dec), ==, 0);
	const int frames = 50;
	int16_t *out = g_new0(int16_t, frames * 960);
	int out_n = 0;
	for (int f = 0; f < frames; f++) {
		int16_t pcm[960];
		for (int i = 0; i < 960; i++)
			pcm[i] = (int16_t)(TONE_AMP
				* sin(2 * G_PI * 440.0 * (f * 960 + i) / 48000.0));
		uint8_t opus[1500], rtp[1600];
		size_t olen, rlen;
		g_assert_cmpint(mcu_opus_enc_encode(enc, pcm, opus, sizeof(opus), &olen), ==, 0);
		g_assert_cmpint(mcu_opus_rtp_packetize(rtp, sizeof(rtp), 111, (uint16_t)f,
					(uint32_t)f * 960, 1234, opus, olen, &rlen),
			==, 0);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(rtp, rlen, &h, &pl, &plen), ==, 0);
		int samples = 0;
		g_assert_cmpint(mcu_opus_rtp_check(pl, plen, &samples), ==, 0);
		g_assert_cmpint(samples, ==, 960);
		g_assert_cmpint(
			mcu_opus_dec_decode(dec, pl, plen, out + out_n, 960, &samples), ==, 0);
		g_assert_cmpint(samples, ==, 960);
		out_n += samples;
	}
	/* Skip the codec's start-up; compare the last half second. */
	const int16_t *tail = out + out_n - 24000;
	double r = rms(tail, 24000);
	g_assert_cmpfloat(r, >, 0.6 * TONE_AMP / sqrt(2));
	g_assert_cmpfloat(r, <, 1.4 * TONE_AMP / sqrt(2));
	/* The energy is at 440 Hz, not elsewhere. */
	g_assert_cmpfloat(
		goertzel_power(tail, 24000, 440.0), >, 10 * goertzel_power(tail, 24000, 1000.0));

	/* A lost packet is concealed with a full frame. */
	int16_t plc[960];
	int n = 0;
	g_assert_cmpint(mcu_opus_dec_decode(dec, NULL, 0, plc, 960, &n), ==, 0);
	g_assert_cmpint(n, ==, 960);
	uint8_t junk[3] = { 0xff, 0xff, 0xff };
	g_assert_cmpint(mcu_opus_dec_decode(dec, junk, 0, plc, 960, &n), ==, -EPROTO);
	g_free(out);
	mcu_opus_enc_free(enc);
	mcu_opus_dec_free(dec);
}

static void test_vp8_keyframe_on_demand(void)
{
	mcu_vp8_enc *enc;
	g_assert_cmpint(mcu_vp8_enc_new(15, 16, 30, 500, &enc), ==, -EINVAL);
	g_assert_cmpint(mcu_vp8_enc_new(160, 120, 30, 500, &enc), ==, 0);
	mcu_vp8_dec *dec;
	g_assert_cmpint(mcu_vp8_dec_new(&dec), ==, 0);
	mcu_image img = { 0 }, wrong = { 0 };
	g_assert_cmpint(mcu_image_alloc(&img, 160, 120), ==, 0);
	mcu_image_fill_black(&img);
	const uint8_t *d;
	size_t len;
	bool key;
	for (int i = 0; i < 6; i++) {
		img.planes[0][i * 10] = 255;
		g_assert_cmpint(mcu_vp8_enc_encode(enc, &img, i == 4, &d, &len, &key), ==, 0);
		g_assert_true(key == (i == 0 || i == 4));
		mcu_image view;
		g_assert_cmpint(mcu_vp8_dec_decode(dec, d, len, &view), ==, 0);
		g_assert_cmpint(view.width, ==, 160);
	}
	g_assert_cmpint(mcu_image_alloc(&wrong, 320, 240), ==, 0);
	g_assert_cmpint(mcu_vp8_enc_encode(enc, &wrong, false, &d, &len, &key), ==, -EINVAL);
	uint8_t junk[64];
	memset(junk, 0xa5, sizeof(junk));
	mcu_image view;
	g_assert_cmpint(mcu_vp8_dec_decode(dec, junk, sizeof(junk), &view), !=, 0);
	mcu_image_release(&img);
	mcu_image_release(&wrong);
	mcu_vp8_dec_free(dec);
	mcu_vp8_enc_free(enc);
}

static void test_image_draw_scaled(void)
{
	mcu_image canvas = { 0 }, src = { 0 }, copy = { 0 };
	g_assert_cmpint(mcu_image_alloc(&canvas, 64, 36), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&src, 33, 17), ==, 0); /* odd sizes are fine for sources */
	g_assert_cmpint(mcu_image_alloc(&canvas, 0, 36), ==, -EINVAL);
	mcu_image_fill_black(&canvas);
	memset(src.buf, 200, src.buf_size);
	mcu_rect r = { 16, 8, 32, 20 };
	g_assert_cmpint(mcu_image_draw_scaled(&canvas, &r, &src), ==, 0);
	g_assert_cmpuint(canvas.planes[0][18 * 64 + 32], ==, 200);
	g_assert_cmpuint(canvas.planes[0][2 * 64 + 2], ==, 16);
	mcu_rect outside = { 40, 8, 32, 20 };
	g_assert_cmpint(mcu_image_draw_scaled(&canvas, &outside, &src), ==, -EINVAL);
	mcu_rect odd = { 1, 8, 8, 8 };
	g_assert_cmpint(mcu_image_draw_scaled(&canvas, &odd, &src), ==, -EINVAL);
	g_assert_cmpint(mcu_image_copy(&copy, &canvas), ==, 0);
	g_assert_cmpmem(copy.planes[0], 64 * 36, canvas.planes[0], 64 * 36);
	mcu_image_release(&canvas);
	mcu_image_release(&src);
	mcu_image_release(&copy);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/opus/rtp-roundtrip-keeps-440hz-tone", test_opus_roundtrip_keeps_tone);
	g_test_add_func(
		"/mcu/vp8/encoder-keyframe-on-demand-and-decodes", test_vp8_keyframe_on_demand);
	g_test_add_func("/mcu/image/draw-scaled-bounded", test_image_draw_scaled);
	return g_test_run();
}
