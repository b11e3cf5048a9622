/*
 * bench_encoders.c - what one composed picture costs to encode, per codec, with the encoders
 * exactly as the MCU configures them (mcu_vp8_enc, mcu_h264_enc), and what comes out.
 *
 * Input: a raw I420 file of 1280x720 frames (make bench-encoders makes one with ffmpeg: a
 * 2x2 mosaic of four moving test sources, one of them noisy, like a busy room). Each codec
 * encodes every frame at the same target bitrate on this thread; the decoder of the same
 * codec decodes the result, and the luma PSNR against the input is averaged from the second
 * second on (after the first key frame settles). CPU time is this thread's
 * (CLOCK_THREAD_CPUTIME_ID), so other load on the machine changes it less than wall time.
 *
 * Prints one line per codec:
 *   BENCH encoder codec=vp8 width=1280 height=720 kbps=1500 cpu_ms_per_frame=... \
 *         out_kbps=... psnr_y_db=...
 * and the ratio of H.264 to VP8 CPU time.
 *
 * Usage: bench_encoders FILE.yuv [kbps, default 1500] [frames, default 300]
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcu_h264_codec.h"
#include "mcu_image.h"
#include "mcu_video_codec.h"

#define W   1280
#define H   720
#define FPS 30

typedef struct result {
	double cpu_s, bytes, psnr_sum;
	int psnr_n;
} result;

static double thread_cpu_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double psnr_y(const mcu_image *a, const mcu_image *b)
{
	double se = 0;
	for (int y = 0; y < H; y++) {
		const uint8_t *pa = a->planes[0] + (size_t)y * a->strides[0];
		const uint8_t *pb = b->planes[0] + (size_t)y * b->strides[0];
		for (int x = 0; x < W; x++) {
			int d = pa[x] - pb[x];
			se += d * d;
		}
	}
	se /= (double)W * H;
	return se > 0 ? 10 * log10(255.0 * 255.0 / se) : 99;
}

static mcu_image frame_view(uint8_t *all, int i)
{
	size_t fs = (size_t)W * H * 3 / 2;
	uint8_t *y = all + (size_t)i * fs;
	mcu_image img = { .width = W, .height = H };
	img.planes[0] = y;
	img.planes[1] = y + W * H;
	img.planes[2] = y + W * H * 5 / 4;
	img.strides[0] = W;
	img.strides[1] = img.strides[2] = W / 2;
	return img;
}

static int run_vp8(uint8_t *all, int frames, int kbps, result *r)
{
	mcu_vp8_enc *e = NULL;
	mcu_vp8_dec *d = NULL;
	if (mcu_vp8_enc_new(W, H, FPS, kbps, &e) || mcu_vp8_dec_new(&d)) {
		mcu_vp8_enc_free(e);
		return -EIO;
	}
	for (int i = 0; i < frames; i++) {
		mcu_image img = frame_view(all, i), out;
		const uint8_t *data;
		size_t len;
		bool kf;
		double t = thread_cpu_s();
		int rc = mcu_vp8_enc_encode(e, &img, i == 0, &data, &len, &kf);
		r->cpu_s += thread_cpu_s() - t;
		if (rc || !len)
			continue;
		r->bytes += len;
		if (mcu_vp8_dec_decode(d, data, len, &out) == 0 && i >= FPS) {
			r->psnr_sum += psnr_y(&img, &out);
			r->psnr_n++;
		}
	}
	mcu_vp8_enc_free(e);
	mcu_vp8_dec_free(d);
	return 0;
}

static int run_h264(uint8_t *all, int frames, int kbps, result *r)
{
	mcu_h264_enc *e = NULL;
	mcu_h264_dec *d = NULL;
	if (mcu_h264_enc_new(W, H, FPS, kbps, &e) || mcu_h264_dec_new(&d)) {
		mcu_h264_enc_free(e);
		return -EIO;
	}
	for (int i = 0; i < frames; i++) {
		mcu_image img = frame_view(all, i), out;
		const uint8_t *data;
		size_t len;
		bool kf;
		double t = thread_cpu_s();
		int rc = mcu_h264_enc_encode(e, &img, i == 0, &data, &len, &kf);
		r->cpu_s += thread_cpu_s() - t;
		if (rc || !len)
			continue;
		r->bytes += len;
		if (mcu_h264_dec_decode(d, data, len, &out) == 0 && i >= FPS) {
			r->psnr_sum += psnr_y(&img, &out);
			r->psnr_n++;
		}
	}
	mcu_h264_enc_free(e);
	mcu_h264_dec_free(d);
	return 0;
}

static void print_result(const char *codec, int kbps, int frames, const result *r)
{
	printf("BENCH encoder codec=%s width=%d height=%d kbps=%d cpu_ms_per_frame=%.2f "
	       "out_kbps=%.0f psnr_y_db=%.2f\n",
		codec, W, H, kbps, r->cpu_s * 1000 / frames,
		r->bytes * 8 / 1000 / ((double)frames / FPS),
		r->psnr_n ? r->psnr_sum / r->psnr_n : 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_encoders FILE.yuv [kbps] [frames]\n");
		return 2;
	}
	int kbps = argc > 2 ? atoi(argv[2]) : 1500;
	int frames = argc > 3 ? atoi(argv[3]) : 300;
	size_t fs = (size_t)W * H * 3 / 2;
	if (kbps < 50 || kbps > 20000 || frames < FPS * 2 || frames > 3000) {
		fprintf(stderr, "bench_encoders: kbps 50..20000, frames 60..3000\n");
		return 2;
	}
	uint8_t *all = malloc(fs * (size_t)frames);
	FILE *f = fopen(argv[1], "rb");
	if (!all || !f || fread(all, 1, fs * (size_t)frames, f) != fs * (size_t)frames) {
		fprintf(stderr, "bench_encoders: cannot read %d frames of %dx%d from %s\n", frames,
			W, H, argv[1]);
		return 1;
	}
	fclose(f);
	result vp8 = { 0 }, h264 = { 0 };
	if (run_vp8(all, frames, kbps, &vp8) || run_h264(all, frames, kbps, &h264)) {
		fprintf(stderr, "bench_encoders: an encoder did not open\n");
		return 1;
	}
	print_result("vp8", kbps, frames, &vp8);
	print_result("h264", kbps, frames, &h264);
	printf("BENCH encoder h264_cpu_over_vp8=%.2f\n",
		vp8.cpu_s > 0 ? h264.cpu_s / vp8.cpu_s : 0);
	free(all);
	return 0;
}
