/*
 * bench_mcu.c - runs N rooms x P synthetic participants through the real MCU (libtpaas_mcu)
 * in real time and prints one BENCH line per case:
 *
 *   BENCH mcu layout=2x2 participants=4 rooms=1 core_per_room=... fps=... p99_late_ms=...
 *         audio_us_per_participant=... added_latency_audio_p95_ms=... added_latency_video_p95_ms=...
 *
 * Each participant sends real VP8 640x360 at 30 fps (libvpx, a moving picture of its own
 * colour) and Opus 20 ms packets (participant 0 talks all the time, participant 1 part of
 * the time, the others send quiet noise). The media is encoded and packetized BEFORE the
 * timed run and replayed in a loop, so the CPU figure (CLOCK_PROCESS_CPUTIME_ID over the
 * run / wall time / rooms) is the MCU's: depacketize, decode, mix, compose, encode,
 * packetize. One feeder thread per room replays its senders (as Janus calls incoming_rtp on
 * its own threads); the feeders' own work is copying headers, VP8 decoding happens in
 * mcu_participant_incoming_rtp as it would in the plugin.
 *
 * Big rooms: with more participants than tiles (3x3 with 25), participants past the ninth
 * replay the quiet senders' media (only participants 1 and 2 ever talk): the picture shows
 * 9 of them and the others are listeners, whose video the room does not decode while they
 * are off screen. video_decodes_per_s (all participants' decoded frames per second) shows
 * that: beside the 4-participant 3x3 case it grows with the tiles, not with the listeners.
 *
 * The case with h264=1 adds two participants that receive H.264 (packetization-mode 1)
 * and send audio only (SIP endpoints that have not sent video yet): the room then encodes
 * the canvas a second time, with libx264, for them; "participants" counts them.
 *
 * Simulcast (src=720p): participants send a 1280x720 camera, either as one stream
 * (simulcast=0: the room decodes 720p for every tile) or as three simulcast layers
 * (simulcast=1: 320x180, 640x360 and 1280x720, each its own SSRC and sequence numbers, given
 * to mcu_participant_incoming_rtp_layer) of which the room decodes, per tile, the smallest
 * that fills it (mcu_simulcast.h). input_core is the decode and scale CPU time of the
 * senders' threads (the room's input_cpu_us) in cores: what simulcast saves;
 * input_us_per_decode the same per decoded picture (meaningful on a starved machine too).
 *
 * The case with low_tier=1 gives participant 1 a 200 kbit/s bandwidth estimate (as a REMB or
 * TMMBR would): it receives the low tier (320x180 at 250 kbit/s, mcu_tiers.h) while the
 * others keep 720p, so the room encodes the picture a second time, small; compare its
 * core_per_room with the first 2x2 case (everyone on the high tier).
 *
 * The content case (issue #13, mcu_content.h) runs the 2x2 room of 4 again with participant
 * 0 presenting 1920x1080 slides at 5 fps (VP8, a new slide every 2 s, the same picture in
 * between, as a screen share sends it), participant 1 receiving the content as VP8 and
 * participant 2 as H.264 on streams of their own (their composed picture stays 2x2),
 * participants 0 and 3 without a content stream (they get the presentation layout): two
 * composed pictures and two content encodes. It prints the room's cost beside the same
 * room without content (run just before it):
 *
 *   BENCH mcu-content layout=2x2 participants=4 rooms=1 core_per_room=...
 *         core_per_room_without_content=... content_fps=... content_frames_encoded_per_s=...
 *
 * Usage: bench_mcu [seconds per case, default 10] [case filter, e.g. 3x3, 2x2/6 (the case with
 * six rooms), content or simulcast]
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcu_room.h"
#include "mcu_content.h"
#include "mcu_audio_codec.h"
#include "mcu_image.h"
#include "mcu_opus_rtp.h"
#include "mcu_rtp.h"
#include "mcu_simulcast.h"
#include "mcu_tiers.h"
#include "mcu_video_codec.h"
#include "mcu_vp8_rtp.h"

#define SRC_W             640
#define SRC_H             360
#define SRC_FPS           30
#define SRC_KBPS          500
#define LOOP_VIDEO_FRAMES 150 /* 5 s */
#define LOOP_AUDIO_FRAMES 250 /* 5 s */
#define MAX_PARTS         9
#define WARMUP_S          2

typedef struct pkt {
	uint8_t *data; /* RTP packet; header rewritten at send time */
	size_t len;
} pkt;

typedef struct video_loop {
	GArray *frames[LOOP_VIDEO_FRAMES]; /* of pkt */
} video_loop;

typedef struct audio_loop {
	pkt frames[LOOP_AUDIO_FRAMES];
} audio_loop;

static video_loop vloops[MAX_PARTS];

/* The presenter's slides: 1920x1080 at 5 fps, 10 s. */
#define SLIDE_W           1920
#define SLIDE_H           1080
#define SLIDE_FPS         5
#define LOOP_SLIDE_FRAMES 50
#define CONTENT_PT        100
static video_loop slides;
static double last_content_fps; /* content frames a receiver got per second, last case */
static audio_loop aloops[MAX_PARTS];

/* Simulcast cases: SIM_SOURCES 1280x720 cameras, each as three layers (0 the smallest). */
#define SIM_SOURCES 3
#define HD_W        1280
#define HD_H        720
static video_loop sloops[SIM_SOURCES][MCU_SIMULCAST_LAYERS];
static bool sloops_made;

static double now_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A moving picture in the spirit of a webcam: a still textured background of the
 * participant's colour, a bright square that travels across it (the "head") and a band of
 * stripes that scrolls (something for the encoder to chew on every frame). */
static void draw_source(mcu_image *img, int who, int n)
{
	static const uint8_t u[MAX_PARTS] = { 90, 160, 110, 200, 60, 128, 170, 80, 140 };
	static const uint8_t v[MAX_PARTS] = { 160, 90, 200, 110, 128, 60, 80, 170, 140 };
	const int w = img->width, h = img->height; /* 640x360, or 1280x720 (simulcast cases) */
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			img->planes[0][y * img->strides[0] + x] = (uint8_t)(60 + ((x + y) & 127) / 2
				+ (y > h * 300 / 360 ? (((x + n * 4) / 8) & 1) * 40 : 0));
	for (int y = 0; y < h / 2; y++) {
		memset(img->planes[1] + y * img->strides[1], u[who], w / 2);
		memset(img->planes[2] + y * img->strides[2], v[who], w / 2);
	}
	int bx = (n * 7) % (w - 80), by = h * 100 / 360 + (int)(60 * sin(n / 10.0));
	for (int y = by; y < by + 80; y++)
		memset(img->planes[0] + y * img->strides[0] + bx, 230, 80);
}

/* Packetizes one encoded frame (RTP headers with pt and ssrc; sequence numbers and
 * timestamps are written at send time). */
static GArray *packetize(const uint8_t *data, size_t len, int f, uint8_t pt, uint32_t ssrc)
{
	GArray *pk = g_array_new(FALSE, FALSE, sizeof(pkt));
	size_t n = len ? mcu_vp8_packet_count(len, 1200) : 0;
	for (size_t i = 0; i < n; i++) {
		pkt p = { .data = g_malloc(1300) };
		size_t plen;
		bool marker;
		mcu_vp8_packetize(
			data, len, (uint16_t)f, 1200, i, p.data + 12, 1288, &plen, &marker);
		mcu_rtp_write_header(p.data, 12, marker, pt, 0, 0, ssrc);
		p.len = plen + 12;
		g_array_append_val(pk, p);
	}
	return pk;
}

/* Encodes frame number f (0: a key frame) and packetizes it. */
static GArray *encode_packets(
	mcu_vp8_enc *enc, const mcu_image *img, int f, uint8_t pt, uint32_t ssrc)
{
	const uint8_t *data;
	size_t len;
	bool key;
	if (mcu_vp8_enc_encode(enc, img, f == 0, &data, &len, &key) < 0) {
		fprintf(stderr, "bench: encode\n");
		exit(1);
	}
	return packetize(data, len, f, pt, ssrc);
}

static void gen_video(int who)
{
	mcu_vp8_enc *enc;
	mcu_image img = { 0 };
	if (mcu_vp8_enc_new(SRC_W, SRC_H, SRC_FPS, SRC_KBPS, &enc) < 0
		|| mcu_image_alloc(&img, SRC_W, SRC_H) < 0) {
		fprintf(stderr, "bench: VP8 encoder\n");
		exit(1);
	}
	for (int f = 0; f < LOOP_VIDEO_FRAMES; f++) {
		draw_source(&img, who, f);
		/* Frame 0 is a key frame, so the loop restarts cleanly. */
		GArray *pk = encode_packets(enc, &img, f, 96, 0x1000 + who);
		vloops[who].frames[f] = pk;
	}
	mcu_image_release(&img);
	mcu_vp8_enc_free(enc);
}

/* A 1280x720 camera as three simulcast layers, as a browser encodes it (1/4, 1/2, full). */
static void gen_layers(int src)
{
	static const int kbps[MCU_SIMULCAST_LAYERS] = { 150, 500, 1500 };
	mcu_vp8_enc *enc[MCU_SIMULCAST_LAYERS];
	mcu_image img[MCU_SIMULCAST_LAYERS] = { { 0 } };
	for (int l = 0; l < MCU_SIMULCAST_LAYERS; l++) {
		int div = 4 >> l;
		if (mcu_vp8_enc_new(HD_W / div, HD_H / div, SRC_FPS, kbps[l], &enc[l]) < 0
			|| mcu_image_alloc(&img[l], HD_W / div, HD_H / div) < 0) {
			fprintf(stderr, "bench: VP8 encoder\n");
			exit(1);
		}
	}
	for (int f = 0; f < LOOP_VIDEO_FRAMES; f++) {
		draw_source(&img[2], src, f);
		for (int l = 0; l < MCU_SIMULCAST_LAYERS; l++) {
			if (l < 2) {
				mcu_rect all = { 0, 0, img[l].width, img[l].height };
				mcu_image_draw_scaled(&img[l], &all, &img[2]);
			}
			sloops[src][l].frames[f] = encode_packets(
				enc[l], &img[l], f, 96, 0x4000 + (uint32_t)(src * 4 + l));
		}
	}
	for (int l = 0; l < MCU_SIMULCAST_LAYERS; l++) {
		mcu_image_release(&img[l]);
		mcu_vp8_enc_free(enc[l]);
	}
}

static void gen_audio(int who)
{
	mcu_opus_enc *enc;
	if (mcu_opus_enc_new(32000, &enc) < 0)
		exit(1);
	GRand *r = g_rand_new_with_seed(77 + who);
	long n = 0;
	for (int f = 0; f < LOOP_AUDIO_FRAMES; f++) {
		int16_t pcm[960];
		/* 0 talks all the time, 1 talks in the 2nd and 3rd second, others are quiet. */
		bool talks = who == 0 || (who == 1 && f >= 50 && f < 150);
		for (int i = 0; i < 960; i++, n++) {
			double t = (double)n / 48000.0;
			double s = talks ? 6000 * (0.6 + 0.4 * sin(2 * G_PI * 3 * t))
					* sin(2 * G_PI * (180 + 40 * who) * t)
					 : 0;
			pcm[i] = (int16_t)(s + g_rand_double_range(r, -8, 8));
		}
		uint8_t opus[1500];
		size_t olen;
		mcu_opus_enc_encode(enc, pcm, opus, sizeof(opus), &olen);
		pkt p = { .data = g_malloc(olen + 12), .len = olen + 12 };
		mcu_rtp_write_header(p.data, 12, false, 111, 0, 0, 0x2000 + who);
		memcpy(p.data + 12, opus, olen);
		aloops[who].frames[f] = p;
	}
	g_rand_free(r);
	mcu_opus_enc_free(enc);
}

/* Slides: white pages with lines of dark "text" blocks, a new page every 2 s. */
static void gen_slides(void)
{
	mcu_vp8_enc *enc;
	mcu_image img = { 0 };
	if (mcu_vp8_enc_new(SLIDE_W, SLIDE_H, SLIDE_FPS, 1500, &enc) < 0
		|| mcu_image_alloc(&img, SLIDE_W, SLIDE_H) < 0) {
		fprintf(stderr, "bench: VP8 encoder\n");
		exit(1);
	}
	for (int f = 0; f < LOOP_SLIDE_FRAMES; f++) {
		int page = f / (2 * SLIDE_FPS);
		for (int y = 0; y < SLIDE_H; y++) {
			uint8_t *row = img.planes[0] + y * img.strides[0];
			memset(row, 235, SLIDE_W);
			int line = (y - 200) / 60, in_line = (y - 200) % 60;
			if (y >= 200 && line < 12 && in_line < 28)
				for (int x = 160;
					x < SLIDE_W - 160 - ((line * 7 + page * 13) % 9) * 80; x++)
					if (((x + line * 37 + page * 11) / 24) % 5 != 4)
						row[x] = 30;
			if (y >= 60 && y < 140)
				memset(row + 160, (uint8_t)(40 + page * 30), 1200); /* the title */
		}
		for (int y = 0; y < SLIDE_H / 2; y++) {
			memset(img.planes[1] + y * img.strides[1], 128, SLIDE_W / 2);
			memset(img.planes[2] + y * img.strides[2], 128, SLIDE_W / 2);
		}
		GArray *pk = encode_packets(enc, &img, f, CONTENT_PT, 0x3000);
		slides.frames[f] = pk;
	}
	mcu_image_release(&img);
	mcu_vp8_enc_free(enc);
}

/* --- receivers ------------------------------------------------------------------------ */

typedef struct receiver {
	gint video_frames;
	gint audio_packets;
	gint plis;
	gint content_frames;
} receiver;

static void rx_send(void *opaque, int is_video, const uint8_t *p, size_t len)
{
	receiver *r = opaque;
	if (is_video == MCU_STREAM_CONTENT) {
		if (len > 1 && (p[1] & 0x80))
			g_atomic_int_inc(&r->content_frames);
		return;
	}
	if (is_video && len > 1 && (p[1] & 0x80))
		g_atomic_int_inc(&r->video_frames);
	else if (!is_video)
		g_atomic_int_inc(&r->audio_packets);
}

static void rx_pli(void *opaque)
{
	receiver *r = opaque;
	g_atomic_int_inc(&r->plis);
}

/* --- senders -------------------------------------------------------------------------- */

typedef struct sender {
	mcu_participant *p;
	int who;
	gint64 next_audio, next_video;
	int aframe, vframe;
	bool audio_only;
	int sim; /* 0: the 640x360 loop; 1: a 720p camera, one stream; 2: its 3 layers */
	uint16_t lseq[MCU_SIMULCAST_LAYERS];
	bool presents; /* sends the slides as content too */
	gint64 next_content;
	int cframe;
	uint16_t aseq, vseq, cseq;
	uint32_t ats;
	long vcount, ccount;
} sender;

static void send_pkt(mcu_participant *p, int is_video, const pkt *k, uint16_t seq, uint32_t ts)
{
	/* is_video MCU_STREAM_CONTENT: the content stream. */
	uint8_t buf[1600];
	memcpy(buf, k->data, k->len);
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[4] = (uint8_t)(ts >> 24);
	buf[5] = (uint8_t)(ts >> 16);
	buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	if (is_video == MCU_STREAM_CONTENT)
		mcu_participant_incoming_content_rtp(p, buf, k->len);
	else
		mcu_participant_incoming_rtp(p, is_video, buf, k->len, -1);
}

/* A 720p camera's frame: its full layer alone (sim 1) or all three layers (sim 2). */
static void send_layers(sender *x)
{
	uint32_t ts = (uint32_t)(x->vcount * 3000);
	int src = x->who % SIM_SOURCES;
	for (int l = x->sim == 1 ? 2 : 0; l < MCU_SIMULCAST_LAYERS; l++) {
		GArray *pk = sloops[src][l].frames[x->vframe];
		for (guint k = 0; k < pk->len; k++) {
			const pkt *kp = &g_array_index(pk, pkt, k);
			uint8_t buf[1600];
			memcpy(buf, kp->data, kp->len);
			uint16_t seq = x->lseq[l]++;
			buf[2] = (uint8_t)(seq >> 8);
			buf[3] = (uint8_t)seq;
			buf[4] = (uint8_t)(ts >> 24);
			buf[5] = (uint8_t)(ts >> 16);
			buf[6] = (uint8_t)(ts >> 8);
			buf[7] = (uint8_t)ts;
			if (x->sim == 1)
				mcu_participant_incoming_rtp(x->p, 1, buf, kp->len, -1);
			else
				mcu_participant_incoming_rtp_layer(x->p, l, buf, kp->len);
		}
	}
}

/* Replays every sender in real time until end_us. */
static void feed(sender *s, int n, gint64 end_us)
{
	for (;;) {
		gint64 now = g_get_monotonic_time();
		if (now >= end_us)
			return;
		gint64 next = end_us;
		for (int i = 0; i < n; i++) {
			sender *x = &s[i];
			if (now >= x->next_audio) {
				send_pkt(x->p, 0, &aloops[x->who].frames[x->aframe], x->aseq++,
					x->ats);
				x->ats += 960;
				x->aframe = (x->aframe + 1) % LOOP_AUDIO_FRAMES;
				x->next_audio += 20000;
			}
			if (x->audio_only)
				x->next_video = end_us;
			if (now >= x->next_video && x->sim) {
				send_layers(x);
				x->vcount++;
				x->vframe = (x->vframe + 1) % LOOP_VIDEO_FRAMES;
				x->next_video += G_USEC_PER_SEC / SRC_FPS;
			} else if (now >= x->next_video) {
				GArray *pk = vloops[x->who].frames[x->vframe];
				uint32_t ts = (uint32_t)(x->vcount * 3000);
				for (guint k = 0; k < pk->len; k++)
					send_pkt(
						x->p, 1, &g_array_index(pk, pkt, k), x->vseq++, ts);
				x->vcount++;
				x->vframe = (x->vframe + 1) % LOOP_VIDEO_FRAMES;
				x->next_video += G_USEC_PER_SEC / SRC_FPS;
			}
			if (x->presents && now >= x->next_content) {
				GArray *pk = slides.frames[x->cframe];
				uint32_t ts = (uint32_t)(x->ccount * (90000 / SLIDE_FPS));
				for (guint k = 0; k < pk->len; k++)
					send_pkt(x->p, MCU_STREAM_CONTENT,
						&g_array_index(pk, pkt, k), x->cseq++, ts);
				x->ccount++;
				x->cframe = (x->cframe + 1) % LOOP_SLIDE_FRAMES;
				x->next_content += G_USEC_PER_SEC / SLIDE_FPS;
			}
			if (!x->presents)
				x->next_content = end_us;
			next = MIN(next, MIN(x->next_audio, MIN(x->next_video, x->next_content)));
		}
		now = g_get_monotonic_time();
		if (next > now)
			g_usleep((gulong)(next - now));
	}
}

typedef struct feeder {
	sender *s;
	int n;
	gint64 end_us;
} feeder;

static gpointer feed_thread(gpointer data)
{
	feeder *f = data;
	feed(f->s, f->n, f->end_us);
	return NULL;
}

/* Runs every room's senders on its own thread until end_us. */
static void feed_rooms(sender *tx, int rooms, int parts, gint64 end_us)
{
	feeder *f = g_new0(feeder, rooms);
	GThread **th = g_new0(GThread *, rooms);
	for (int r = 0; r < rooms; r++) {
		f[r] = (feeder){ .s = tx + r * parts, .n = parts, .end_us = end_us };
		th[r] = g_thread_new("feeder", feed_thread, &f[r]);
	}
	for (int r = 0; r < rooms; r++)
		g_thread_join(th[r]);
	g_free(th);
	g_free(f);
}

/* Runs one case; low_rx: participants 1..low_rx get a low bandwidth estimate; sim: 720p
 * cameras (1 one stream, 2 three simulcast layers); content: participant 0 presents, 1 and 2
 * receive the content (VP8, H.264). Returns the CPU cores one room costs. */
static double run_case(const char *layout_name, int senders, int h264_rx, int low_rx, int rooms,
	int sim, bool content, double seconds)
{
	int parts = senders + h264_rx;
	mcu_layout_kind kind;
	if (mcu_layout_kind_from_string(layout_name, &kind) < 0)
		return 0;
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 1280;
	cfg.height = 720;
	cfg.fps = 30;
	cfg.video_kbps = 1500;
	cfg.layout = kind;
	mcu_room **room = g_new0(mcu_room *, rooms);
	receiver *rx = g_new0(receiver, (gsize)(rooms * parts));
	sender *tx = g_new0(sender, (gsize)(rooms * parts));
	gint64 t0 = g_get_monotonic_time();
	for (int r = 0; r < rooms; r++) {
		char name[32];
		snprintf(name, sizeof(name), "bench%d", r);
		room[r] = mcu_room_new(name, &cfg);
		for (int i = 0; i < parts; i++) {
			int k = r * parts + i;
			char disp[32];
			snprintf(disp, sizeof(disp), "Participant %d", i + 1);
			mcu_participant_io io = {
				.opaque = &rx[k], .send_rtp = rx_send, .request_keyframe = rx_pli
			};
			mcu_participant_opts o;
			mcu_participant_opts_defaults(&o);
			o.display = disp;
			if (i >= senders) {
				o.video_codec = MCU_VIDEO_H264;
				o.video_pt = 97;
				tx[k].audio_only = true;
			}
			tx[k].p = mcu_room_join(room[r], &o, &io);
			if (i >= 1 && i <= low_rx)
				mcu_participant_set_bandwidth(tx[k].p, 200); /* the low tier */
			/* Past the ninth: the quiet senders' media again (2..8 never talk). */
			tx[k].who = i < MAX_PARTS ? i : 2 + (i - MAX_PARTS) % (MAX_PARTS - 2);
			/* Senders are not in phase with each other nor with the composer. */
			tx[k].next_audio = t0 + g_random_int_range(0, 20000);
			tx[k].next_video = t0 + g_random_int_range(0, 33333);
			tx[k].aseq = (uint16_t)g_random_int();
			tx[k].vseq = (uint16_t)g_random_int();
			tx[k].sim = tx[k].audio_only ? 0 : sim;
			for (int l = 0; l < MCU_SIMULCAST_LAYERS; l++)
				tx[k].lseq[l] = (uint16_t)g_random_int();
			tx[k].cseq = (uint16_t)g_random_int();
			if (content && i == 0) {
				tx[k].presents = true;
				tx[k].next_content = t0;
				mcu_participant_present(tx[k].p, MCU_VIDEO_VP8, CONTENT_PT);
			}
			if (content && (i == 1 || i == 2))
				mcu_participant_receive_content(
					tx[k].p, i == 1 ? MCU_VIDEO_VP8 : MCU_VIDEO_H264, 101, 1);
		}
	}
	feed_rooms(tx, rooms, parts, t0 + WARMUP_S * G_USEC_PER_SEC);
	for (int r = 0; r < rooms; r++)
		mcu_room_reset_stats(room[r]);
	uint64_t decoded0 = 0;
	for (int k = 0; k < rooms * parts; k++) {
		mcu_participant_stats ps;
		mcu_participant_get_stats(tx[k].p, &ps);
		decoded0 += ps.video_frames_decoded;
	}
	gint frames0 = g_atomic_int_get(&rx[0].video_frames);
	gint cframes0 = g_atomic_int_get(&rx[1].content_frames);
	double cpu0 = now_s(CLOCK_PROCESS_CPUTIME_ID), wall0 = now_s(CLOCK_MONOTONIC);
	feed_rooms(tx, rooms, parts, g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC));
	double cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = now_s(CLOCK_MONOTONIC) - wall0;
	gint frames = g_atomic_int_get(&rx[0].video_frames) - frames0;
	gint cframes = g_atomic_int_get(&rx[1].content_frames) - cframes0;
	uint64_t decoded = 0;
	for (int k = 0; k < rooms * parts; k++) {
		mcu_participant_stats ps;
		mcu_participant_get_stats(tx[k].p, &ps);
		decoded += ps.video_frames_decoded;
	}
	decoded -= decoded0;

	double late = 0, alat = 0, vlat = 0, audio_us = 0, fps = 0, input_core = 0;
	double low_encodes = 0;
	for (int r = 0; r < rooms; r++) {
		mcu_room_stats st;
		mcu_room_get_stats(room[r], &st);
		late = MAX(late, st.video_late_p99_ms);
		alat = MAX(alat, st.audio_latency_p95_ms);
		vlat = MAX(vlat, st.video_latency_p95_ms);
		if (st.audio_ticks)
			audio_us += (double)st.audio_cpu_us / (double)st.audio_ticks / parts
				/ rooms;
		fps += (double)st.video_frames_out / wall / rooms;
		input_core += (double)st.input_cpu_us / 1e6 / wall / rooms;
		low_encodes += (double)st.video_encodes_tier[MCU_TIER_LOW] / wall / rooms;
		if (getenv("BENCH_VERBOSE"))
			fprintf(stderr,
				"  room %d: audio %.0f us/tick (%" G_GUINT64_FORMAT
				" shared, %" G_GUINT64_FORMAT
				" private encodes / %" G_GUINT64_FORMAT
				" ticks), video %.2f ms/frame"
				" (wait %.2f, compose %.2f, encode %.2f ms; H.264 "
				"%" G_GUINT64_FORMAT " frames, %.2f ms each)\n",
				r, st.audio_ticks ? (double)st.audio_cpu_us / st.audio_ticks : 0,
				st.audio_encodes_shared, st.audio_encodes_private, st.audio_ticks,
				st.video_frames_out ? st.video_cpu_us / 1000.0 / st.video_frames_out
						    : 0,
				st.video_frames_out
					? st.video_wait_us / 1000.0 / st.video_frames_out
					: 0,
				st.video_frames_out
					? st.video_compose_us / 1000.0 / st.video_frames_out
					: 0,
				st.video_frames_out
					? st.video_encode_us / 1000.0 / st.video_frames_out
					: 0,
				st.video_frames_out_h264,
				st.video_frames_out_h264 ? st.video_encode_h264_us / 1000.0
						/ st.video_frames_out_h264
							 : 0);
	}
	if (getenv("BENCH_VERBOSE"))
		fprintf(stderr, "  receiver 0 got %.1f fps\n", frames / wall);
	if (content) {
		mcu_content_room_stats cs;
		mcu_room_get_content_stats(room[0], &cs);
		fprintf(stderr,
			"  content %dx%d: %" G_GUINT64_FORMAT
			" encodes (%.2f ms each, %.2f ms CPU), %" G_GUINT64_FORMAT
			" unchanged ticks skipped, %" G_GUINT64_FORMAT
			" presentation pictures, %" G_GUINT64_FORMAT
			" people pictures beside them\n",
			cs.width, cs.height, cs.frames_out,
			cs.frames_out ? cs.encode_us / 1000.0 / cs.frames_out : 0,
			cs.frames_out ? cs.encode_cpu_us / 1000.0 / cs.frames_out : 0,
			cs.frames_unchanged, cs.presentation_frames, cs.people_frames_extra);
		last_content_fps = cframes / wall;
		mcu_content_part_stats ps;
		mcu_participant_get_content_stats(tx[0].p, &ps);
		fprintf(stderr,
			"  presenter: %" G_GUINT64_FORMAT " content packets in, %" G_GUINT64_FORMAT
			" bad, %" G_GUINT64_FORMAT " pictures decoded, %" G_GUINT64_FORMAT
			" lost\n",
			ps.packets_in, ps.bad_packets_in, ps.frames_decoded, ps.frames_lost);
	}
	printf("BENCH mcu layout=%s participants=%d rooms=%d core_per_room=%.3f fps=%.1f "
	       "p99_late_ms=%.1f audio_us_per_participant=%.1f added_latency_audio_p95_ms=%.1f "
	       "added_latency_video_p95_ms=%.1f video_decodes_per_s=%.0f%s%s",
		layout_name, parts, rooms, cpu / wall / rooms, fps, late, audio_us, alat, vlat,
		(double)decoded / wall / rooms, h264_rx ? " h264=1" : "",
		content ? " content=1" : "");
	if (low_rx)
		printf(" low_tier=%d low_tier_encodes_per_s=%.1f", low_rx, low_encodes);
	if (sim)
		printf(" src=720p simulcast=%d input_core=%.3f input_us_per_decode=%.0f", sim == 2,
			input_core,
			decoded ? input_core * wall * rooms * 1e6 / (double)decoded : 0);
	printf("\n");
	fflush(stdout);

	for (int k = 0; k < rooms * parts; k++) {
		mcu_room_leave(room[k / parts], tx[k].p);
		mcu_participant_unref(tx[k].p);
	}
	for (int r = 0; r < rooms; r++)
		mcu_room_unref(room[r]);
	g_free(room);
	g_free(rx);
	g_free(tx);
	return cpu / wall / rooms;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	const char *filter = argc > 2 ? argv[2] : NULL;
	if (seconds <= 0)
		seconds = 10;
	double g0 = now_s(CLOCK_MONOTONIC);
	for (int i = 0; i < MAX_PARTS; i++) {
		gen_video(i);
		gen_audio(i);
	}
	fprintf(stderr, "bench: synthetic media generated in %.1f s (not counted)\n",
		now_s(CLOCK_MONOTONIC) - g0);
	static const struct {
		const char *layout;
		int parts, h264_rx, rooms, low_rx, sim;
	} cases[] = {
		{ "2x2", 4, 0, 1, 0, 0 },
		{ "2x2", 4, 0, 1, 1, 0 }, /* one receiver on the low bandwidth tier */
		{ "2x2", 4, 0, 6, 0, 0 },
		{ "3x3", 4, 0, 1, 0, 0 },
		{ "3x3", 9, 0, 1, 0, 0 },
		{ "3x3", 25, 0, 1, 0, 0 },
		{ "1+7", 8, 0, 1, 0, 0 },
		{ "speaker", 4, 0, 1, 0, 0 },
		{ "2x2", 4, 2, 1, 0, 0 },
		/* 720p cameras without and with simulcast */
		{ "3x3", 9, 0, 1, 0, 1 },
		{ "3x3", 9, 0, 1, 0, 2 },
		{ "1+7", 8, 0, 1, 0, 1 },
		{ "1+7", 8, 0, 1, 0, 2 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char with_rooms[32]; /* "2x2/6": the layout's case with that many rooms */
		snprintf(with_rooms, sizeof(with_rooms), "%s/%d", cases[i].layout, cases[i].rooms);
		if (filter && strcmp(filter, cases[i].layout) != 0
			&& strcmp(filter, with_rooms) != 0
			&& !(strcmp(filter, "simulcast") == 0 && cases[i].sim))
			continue;
		if (cases[i].sim && !sloops_made) {
			double s0 = now_s(CLOCK_MONOTONIC);
			for (int k = 0; k < SIM_SOURCES; k++)
				gen_layers(k);
			sloops_made = true;
			fprintf(stderr,
				"bench: 720p simulcast media generated in %.1f s (not counted)\n",
				now_s(CLOCK_MONOTONIC) - s0);
		}
		run_case(cases[i].layout, cases[i].parts, cases[i].h264_rx, cases[i].low_rx,
			cases[i].rooms, cases[i].sim, false, seconds);
	}
	if (!filter || strcmp(filter, "content") == 0 || strcmp(filter, "2x2") == 0) {
		double g1 = now_s(CLOCK_MONOTONIC);
		gen_slides();
		fprintf(stderr, "bench: slides generated in %.1f s (not counted)\n",
			now_s(CLOCK_MONOTONIC) - g1);
		double without = run_case("2x2", 4, 0, 0, 1, 0, false, seconds);
		double with = run_case("2x2", 4, 0, 0, 1, 0, true, seconds);
		printf("BENCH mcu-content layout=2x2 participants=4 rooms=1 core_per_room=%.3f "
		       "core_per_room_without_content=%.3f content_cost=%+.3f "
		       "content_frames_received_per_s=%.1f\n",
			with, without, with - without, last_content_fps);
		fflush(stdout);
	}
	return 0;
}
