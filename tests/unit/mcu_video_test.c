/*
 * mcu_video_test.c - the room's video paths: a VP8 stream with lost packets is not decoded
 * into garbage, the room asks the sender for a key frame (PLI) and decoding recovers with
 * it; garbage RTP and VP8 payloads (random data, bogus key frame headers, truncated
 * frames) are rejected without a crash and a good stream still decodes afterwards; the
 * layout switches live, with a placeholder tile for a participant without video and dark
 * empty slots; the active speaker takes the main pane after talking for 1 s, not before.
 * The room runs on its manual clock (mcu_room_advance): the same result on any machine.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_vp8_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_image.h"
#include "mcu_audio_codec.h"
#include "mcu_opus_rtp.h"
#include <math.h>

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

/* A VP8 sender: a noisy moving picture so frames span several packets. */
typedef struct vsrc {
	mcu_vp8_enc *enc;
	mcu_image img;
	uint16_t seq;
	int n;
	GRand *rand;
} vsrc;

static void vsrc_init(vsrc *v, int w, int h)
{
	memset(v, 0, sizeof(*v));
	g_assert_cmpint(mcu_vp8_enc_new(w, h, 30, 3000, &v->enc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&v->img, w, h), ==, 0);
	v->rand = g_rand_new_with_seed(5);
	v->seq = 65000; /* wraps during the test */
}

static void vsrc_clear(vsrc *v)
{
	mcu_vp8_enc_free(v->enc);
	mcu_image_release(&v->img);
	g_rand_free(v->rand);
}

/* Encodes the next frame and sends its packets to p, skipping packet index `drop` (-1:
 * none). Returns the number of packets. */
static size_t vsrc_send(vsrc *v, mcu_participant *p, bool key, int drop)
{
	for (int y = 0; y < v->img.height; y++)
		for (int x = 0; x < v->img.width; x++)
			v->img.planes[0][y * v->img.strides[0] + x] = (uint8_t)(150
				+ g_rand_int_range(v->rand, 0, 60)
				- ((x + v->n * 5) % 64 < 8) * 100);
	memset(v->img.planes[1], 128, (size_t)v->img.strides[1] * (v->img.height / 2));
	memset(v->img.planes[2], 128, (size_t)v->img.strides[2] * (v->img.height / 2));
	const uint8_t *data;
	size_t len;
	bool is_key;
	g_assert_cmpint(mcu_vp8_enc_encode(v->enc, &v->img, key, &data, &len, &is_key), ==, 0);
	g_assert_cmpuint(len, >, 0);
	size_t n = mcu_vp8_packet_count(len, 1200);
	for (size_t k = 0; k < n; k++) {
		uint8_t pkt[1300];
		size_t plen;
		bool marker;
		g_assert_cmpint(mcu_vp8_packetize(data, len, (uint16_t)v->n, 1200, k, pkt + 12,
					sizeof(pkt) - 12, &plen, &marker),
			==, 0);
		mcu_rtp_write_header(pkt, 12, marker, 96, v->seq++, (uint32_t)v->n * 3000, 0x4444);
		if ((int)k != drop)
			mcu_participant_incoming_rtp(p, 1, pkt, plen + 12, -1);
	}
	v->n++;
	return n;
}

static mcu_room *video_room(int w, int h, int fps)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = w;
	cfg.height = h;
	cfg.fps = fps;
	cfg.video_kbps = 800;
	cfg.manual_clock = true;
	return mcu_room_new("video", &cfg);
}

static void test_vp8_loss_recovers_after_pli(void)
{
	mcu_room *room = video_room(160, 90, 5);
	sink sk;
	mcu_participant_io io;
	sink_init(&sk, &io);
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "S",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&io);
	vsrc v;
	vsrc_init(&v, 320, 240);
	/* The input path decodes on this thread: no need to pace the frames. */
	for (int i = 0; i < 8; i++)
		vsrc_send(&v, p, i == 0, -1);
	mcu_participant_stats st;
	mcu_participant_get_stats(p, &st);
	g_assert_cmpuint(st.video_frames_decoded, ==, 8);
	g_assert_cmpint(g_atomic_int_get(&sk.plis), ==, 0);
	/* Lose the middle packet of a frame. */
	g_assert_cmpuint(vsrc_send(&v, p, false, 1), >=, 3);
	/* The frames after it depend on the lost one: not decoded, the sender is asked for a
	 * key frame (once: PLIs are rate-limited). */
	for (int i = 0; i < 4; i++)
		vsrc_send(&v, p, false, -1);
	mcu_participant_get_stats(p, &st);
	g_assert_cmpuint(st.video_frames_decoded, ==, 8);
	g_assert_cmpuint(st.video_frames_lost, >=, 1);
	g_assert_cmpint(g_atomic_int_get(&sk.plis), ==, 1);
	g_assert_cmpuint(st.keyframes_requested, ==, 1);
	/* The sender answers the PLI: decoding resumes with the key frame. */
	vsrc_send(&v, p, true, -1);
	for (int i = 0; i < 5; i++)
		vsrc_send(&v, p, false, -1);
	mcu_participant_get_stats(p, &st);
	g_assert_cmpuint(st.video_frames_decoded, ==, 14);
	g_assert_cmpuint(st.bad_packets_in, ==, 0);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	mcu_room_unref(room);
	vsrc_clear(&v);
	sink_clear(&sk);
}

static void send_payload(
	mcu_participant *p, uint16_t seq, uint32_t ts, bool marker, const uint8_t *pl, size_t len)
{
	uint8_t pkt[1600];
	g_assert_cmpuint(len, <=, sizeof(pkt) - 12);
	mcu_rtp_write_header(pkt, 12, marker, 96, seq, ts, 0x5555);
	memcpy(pkt + 12, pl, len);
	mcu_participant_incoming_rtp(p, 1, pkt, len + 12, -1);
}

static void test_garbage_rtp_and_vp8_rejected(void)
{
	mcu_room *room = video_room(160, 90, 5);
	sink sk;
	mcu_participant_io io;
	sink_init(&sk, &io);
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "G",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&io);
	GRand *r = g_rand_new_with_seed(99);
	uint16_t seq = 1;
	uint32_t ts = 0;
	for (int i = 0; i < 3000; i++) {
		uint8_t pl[1200];
		size_t len = (size_t)g_rand_int_range(r, 1, (int)sizeof(pl));
		for (size_t k = 0; k < len; k++)
			pl[k] = (uint8_t)g_rand_int(r);
		switch (i % 4) {
		case 0: /* single-packet frames with a valid descriptor and random VP8 data */
			pl[0] = 0x10;
			break;
		case 1: /* key frame headers with random (often huge) sizes */
			if (len < 20)
				len = 20;
			pl[0] = 0x10;
			pl[1] = 0x00; /* P = 0: key frame */
			pl[4] = 0x9d;
			pl[5] = 0x01;
			pl[6] = 0x2a;
			break;
		case 2: /* a truncated real-looking key frame: tiny size, data cut short */
			pl[0] = 0x10;
			pl[1] = 0x50;
			pl[2] = 0x02;
			pl[3] = 0x00;
			pl[4] = 0x9d;
			pl[5] = 0x01;
			pl[6] = 0x2a;
			pl[7] = 0x10;
			pl[8] = 0x00;
			pl[9] = 0x10;
			pl[10] = 0x00;
			len = MIN(len, (size_t)40);
			break;
		default: /* anything at all, including bad descriptors */ break;
		}
		send_payload(p, seq++, ts, g_rand_boolean(r) || i % 4 != 3, pl, len);
		ts += 3000;
	}
	/* Hostile RTP headers too. */
	uint8_t junk[64];
	for (int i = 0; i < 500; i++) {
		size_t len = (size_t)g_rand_int_range(r, 0, (int)sizeof(junk));
		for (size_t k = 0; k < len; k++)
			junk[k] = (uint8_t)g_rand_int(r);
		if (len)
			junk[0] = (uint8_t)(0x80 | (junk[0] & 0x3f));
		mcu_participant_incoming_rtp(p, 1, junk, len, -1);
	}
	mcu_participant_stats st;
	mcu_participant_get_stats(p, &st);
	g_test_message("bad %" G_GUINT64_FORMAT " lost %" G_GUINT64_FORMAT
		       " decoded %" G_GUINT64_FORMAT,
		st.bad_packets_in, st.video_frames_lost, st.video_frames_decoded);
	g_assert_cmpuint(st.bad_packets_in + st.video_packets_in, ==, 3500);
	g_assert_cmpuint(st.bad_packets_in, >, 300);
	g_assert_cmpuint(st.video_frames_lost, >, 1000);
	/* A real stream afterwards decodes (from its key frame, with a PLI if needed). */
	uint64_t before = st.video_frames_decoded;
	vsrc v;
	vsrc_init(&v, 160, 120);
	v.seq = (uint16_t)(seq + 5000); /* a sender restart as far as the assembler knows */
	for (int i = 0; i < 10; i++)
		vsrc_send(&v, p, i == 0, -1);
	mcu_participant_get_stats(p, &st);
	g_assert_cmpuint(st.video_frames_decoded, >=, before + 9);
	vsrc_clear(&v);
	g_rand_free(r);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	mcu_room_unref(room);
	sink_clear(&sk);
}

/* The receiving side of a participant: decodes what the room sent, in order. */
typedef struct rx {
	mcu_vp8_assembler *as;
	mcu_vp8_dec *dec;
} rx;

/* Decodes the packets received since the last call; out gets the last picture (copied). */
static bool last_picture(rx *r, sink *s, mcu_image *out)
{
	bool got = false;
	g_mutex_lock(&s->lock);
	for (guint i = 0; i < s->video->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(s->video, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpint(
			mcu_vp8_assembler_push(r->as, h.seq, h.ts, h.marker, pl, plen), ==, 0);
		mcu_vp8_frame f;
		while (mcu_vp8_assembler_pop(r->as, &f) == 0) {
			mcu_image view;
			g_assert_cmpint(mcu_vp8_dec_decode(r->dec, f.data, f.len, &view), ==, 0);
			g_assert_cmpint(mcu_image_copy(out, &view), ==, 0);
			got = true;
		}
	}
	g_ptr_array_set_size(s->video, 0);
	g_mutex_unlock(&s->lock);
	g_assert_cmpuint(mcu_vp8_assembler_take_lost(r->as), ==, 0);
	return got;
}

static int luma_at(const mcu_image *img, int x, int y)
{
	return img->planes[0][y * img->strides[0] + x];
}

static void test_layout_switch_live_placeholder_dark_slots(void)
{
	mcu_room *room = video_room(320, 180, 15);
	g_assert_cmpint(mcu_room_layout(room), ==, MCU_LAYOUT_1_7);
	g_assert_cmpint(mcu_room_set_layout(room, (mcu_layout_kind)9), ==, -EINVAL);
	g_assert_cmpint(mcu_room_set_layout(room, MCU_LAYOUT_2X2), ==, 0);
	sink sa, sb;
	mcu_participant_io ia, ib;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	mcu_participant *a = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "Alice",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&ia);
	mcu_participant *b = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "Bob",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&ib); /* sends no video */
	/* A sends a flat bright picture. */
	mcu_vp8_enc *enc;
	mcu_image pic = { 0 }, seen = { 0 };
	g_assert_cmpint(mcu_vp8_enc_new(320, 180, 15, 500, &enc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&pic, 320, 180), ==, 0);
	memset(pic.planes[0], 200, (size_t)pic.strides[0] * 180);
	memset(pic.planes[1], 128, (size_t)pic.strides[1] * 90);
	memset(pic.planes[2], 128, (size_t)pic.strides[2] * 90);
	uint16_t seq = 1;
	rx r;
	g_assert_cmpint(mcu_vp8_assembler_new(&r.as), ==, 0);
	g_assert_cmpint(mcu_vp8_dec_new(&r.dec), ==, 0);
	for (int phase = 0; phase < 2; phase++) {
		if (phase == 1) {
			g_assert_cmpint(mcu_room_set_layout(room, MCU_LAYOUT_SPEAKER), ==, 0);
			last_picture(&r, &sb, &seen); /* what came before the switch */
		}
		for (int i = 0; i < 8; i++) {
			const uint8_t *data;
			size_t len;
			bool key;
			g_assert_cmpint(mcu_vp8_enc_encode(
						enc, &pic, phase == 0 && i == 0, &data, &len, &key),
				==, 0);
			for (size_t k = 0, n = mcu_vp8_packet_count(len, 1200); k < n; k++) {
				uint8_t pkt[1300];
				size_t plen;
				bool marker;
				mcu_vp8_packetize(data, len, (uint16_t)i, 1200, k, pkt + 12,
					sizeof(pkt) - 12, &plen, &marker);
				mcu_rtp_write_header(pkt, 12, marker, 96, seq++,
					(uint32_t)(phase * 8 + i) * 6000, 1);
				mcu_participant_incoming_rtp(a, 1, pkt, plen + 12, -1);
			}
			g_assert_cmpint(
				mcu_room_advance(room, G_USEC_PER_SEC / 15), ==, 0); /* one frame */
		}
		g_assert_true(last_picture(&r, &sb, &seen));
		g_assert_cmpint(seen.width, ==, 320);
		if (phase == 0) {
			/* 2x2: Alice top left (bright), Bob's placeholder top right (grey, with his
			 * name in light letters), the bottom row dark. */
			g_assert_cmpint(luma_at(&seen, 80, 20), >, 170);
			g_assert_cmpint(ABS(luma_at(&seen, 165, 5) - 40), <, 12);
			int light = 0;
			for (int y = 30; y < 60; y++)
				for (int x = 170; x < 310; x++)
					light += luma_at(&seen, x, y) > 150;
			g_assert_cmpint(light, >, 20);
			g_assert_cmpint(luma_at(&seen, 80, 135), <, 30);
			g_assert_cmpint(luma_at(&seen, 240, 135), <, 30);
			/* Alice's name band at the bottom left of her tile: darker than the picture. */
			g_assert_cmpint(luma_at(&seen, 1, 88), <, 120);
		} else {
			/* speaker: nobody has talked, the first to join (Alice) fills the canvas. */
			g_assert_cmpint(luma_at(&seen, 160, 40), >, 170);
			g_assert_cmpint(luma_at(&seen, 300, 100), >, 170);
		}
	}
	mcu_vp8_assembler_free(r.as);
	mcu_vp8_dec_free(r.dec);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_assert_cmpuint(st.video_frames_out, >, 10);
	g_assert_cmpfloat(st.video_latency_p95_ms, >, 0);
	mcu_room_leave(room, a);
	mcu_room_leave(room, b);
	mcu_participant_unref(a);
	mcu_participant_unref(b);
	mcu_room_unref(room);
	mcu_vp8_enc_free(enc);
	mcu_image_release(&pic);
	mcu_image_release(&seen);
	sink_clear(&sa);
	sink_clear(&sb);
}

/* A participant sending a flat picture of one brightness and a tone or silence. */
typedef struct av {
	mcu_participant *p;
	mcu_vp8_enc *venc;
	mcu_opus_enc *aenc;
	mcu_image pic;
	uint16_t vseq, aseq;
	int frames;
	long n;
	sink *s; /* its io: PLIs are answered with a key frame */
	int plis_seen;
} av;

static void av_init(av *a, mcu_participant *p, uint8_t luma)
{
	memset(a, 0, sizeof(*a));
	a->p = p;
	g_assert_cmpint(mcu_vp8_enc_new(320, 180, 15, 300, &a->venc), ==, 0);
	g_assert_cmpint(mcu_opus_enc_new(32000, &a->aenc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&a->pic, 320, 180), ==, 0);
	memset(a->pic.planes[0], luma, (size_t)a->pic.strides[0] * 180);
	memset(a->pic.planes[1], 128, (size_t)a->pic.strides[1] * 90);
	memset(a->pic.planes[2], 128, (size_t)a->pic.strides[2] * 90);
}

static void av_clear(av *a)
{
	mcu_vp8_enc_free(a->venc);
	mcu_opus_enc_free(a->aenc);
	mcu_image_release(&a->pic);
}

static void av_audio(av *a, bool talk)
{
	int16_t pcm[960];
	for (int i = 0; i < 960; i++, a->n++)
		pcm[i] = talk ? (int16_t)(8000 * sin(2 * G_PI * 300 * (double)a->n / 48000)) : 0;
	uint8_t opus[1500], rtp[1600];
	size_t olen, rlen;
	g_assert_cmpint(mcu_opus_enc_encode(a->aenc, pcm, opus, sizeof(opus), &olen), ==, 0);
	mcu_opus_rtp_packetize(
		rtp, sizeof(rtp), 111, a->aseq++, (uint32_t)a->n, 7, opus, olen, &rlen);
	mcu_participant_incoming_rtp(a->p, 0, rtp, rlen, -1);
}

static void av_video(av *a)
{
	const uint8_t *data;
	size_t len;
	bool key;
	int plis = g_atomic_int_get(&a->s->plis);
	bool force = a->frames == 0 || plis > a->plis_seen;
	a->plis_seen = plis;
	g_assert_cmpint(mcu_vp8_enc_encode(a->venc, &a->pic, force, &data, &len, &key), ==, 0);
	for (size_t k = 0, n = mcu_vp8_packet_count(len, 1200); k < n; k++) {
		uint8_t pkt[1300];
		size_t plen;
		bool marker;
		mcu_vp8_packetize(data, len, (uint16_t)a->frames, 1200, k, pkt + 12,
			sizeof(pkt) - 12, &plen, &marker);
		mcu_rtp_write_header(pkt, 12, marker, 96, a->vseq++, (uint32_t)a->frames * 6000, 8);
		mcu_participant_incoming_rtp(a->p, 1, pkt, plen + 12, -1);
	}
	a->frames++;
}

/* ms of the room's clock: 20 ms audio from both, a video frame every 60 ms. */
static void av_run(mcu_room *room, av *a, bool a_talks, av *b, bool b_talks, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		av_audio(a, a_talks);
		av_audio(b, b_talks);
		if (t % 60 == 0) {
			av_video(a);
			av_video(b);
		}
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
}

static void test_active_speaker_takes_main_pane(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 320;
	cfg.height = 180;
	cfg.fps = 15;
	cfg.layout = MCU_LAYOUT_SPEAKER;
	cfg.manual_clock = true;
	mcu_room *room = mcu_room_new("speaker", &cfg);
	g_assert_cmpint(mcu_room_layout(room), ==, MCU_LAYOUT_SPEAKER);
	sink sa, sb;
	mcu_participant_io ia, ib;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	av a, b;
	av_init(&a,
		mcu_room_join(room,
			&(mcu_participant_opts){ .display = "A",
				.audio_pt = 111,
				.video_pt = 96,
				.h264_packetization_mode = 1 },
			&ia),
		60);
	av_init(&b,
		mcu_room_join(room,
			&(mcu_participant_opts){ .display = "B",
				.audio_pt = 111,
				.video_pt = 96,
				.h264_packetization_mode = 1 },
			&ib),
		200);
	a.s = &sa;
	b.s = &sb;
	rx r;
	g_assert_cmpint(mcu_vp8_assembler_new(&r.as), ==, 0);
	g_assert_cmpint(mcu_vp8_dec_new(&r.dec), ==, 0);
	mcu_image seen = { 0 };
	/* A talks for 1.1 s: A is the speaker and fills the canvas (dark picture). */
	av_run(room, &a, true, &b, false, 1100);
	g_assert_true(last_picture(&r, &sb, &seen));
	g_assert_cmpint(ABS(luma_at(&seen, 160, 60) - 60), <, 25);
	/* B talks, A is silent: for half a second the pane does not move... */
	av_run(room, &a, false, &b, true, 500);
	g_assert_true(last_picture(&r, &sb, &seen));
	g_assert_cmpint(ABS(luma_at(&seen, 160, 60) - 60), <, 25);
	/* ...after B has been the loudest for a second (A's voice fades out over ~200 ms) and
	 * a frame or two, B has it. */
	av_run(room, &a, false, &b, true, 1000);
	g_assert_true(last_picture(&r, &sb, &seen));
	g_assert_cmpint(ABS(luma_at(&seen, 160, 60) - 200), <, 25);
	mcu_vp8_assembler_free(r.as);
	mcu_vp8_dec_free(r.dec);
	mcu_image_release(&seen);
	mcu_room_leave(room, a.p);
	mcu_room_leave(room, b.p);
	mcu_participant_unref(a.p);
	mcu_participant_unref(b.p);
	av_clear(&a);
	av_clear(&b);
	mcu_room_unref(room);
	sink_clear(&sa);
	sink_clear(&sb);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/video/vp8-loss-recovers-after-pli", test_vp8_loss_recovers_after_pli);
	g_test_add_func(
		"/mcu/video/garbage-rtp-and-vp8-rejected", test_garbage_rtp_and_vp8_rejected);
	g_test_add_func("/mcu/video/layout-switch-live-placeholder-dark-slots",
		test_layout_switch_live_placeholder_dark_slots);
	g_test_add_func("/mcu/video/active-speaker-takes-main-pane-after-1s",
		test_active_speaker_takes_main_pane);
	return g_test_run();
}
