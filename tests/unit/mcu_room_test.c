/*
 * mcu_room_test.c - the room end to end through its io callbacks: mix-minus audio, the
 * composed VP8 picture (first frame a key frame, room size, sender's picture visible),
 * key frame requests both ways, no callbacks after leave, hostile input counted and dropped.
 * The room runs on its manual clock (mcu_room_advance): media for a tick is given, then the
 * clock moves on, so what comes out is the same on any machine at any load. Three tests run
 * the room's real threads: they tick, and stop when the room goes; an audio-only room's
 * composer idles, and a participant with video wakes it.
 */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_opus_rtp.h"
#include "mcu_vp8_rtp.h"
#include "mcu_audio_codec.h"
#include "mcu_video_codec.h"

#define TONE_AMP 8000.0

typedef struct sink {
	GMutex lock;
	GPtrArray *audio, *video; /* GBytes, in arrival order */
	gint plis;
	gint left;        /* set by the test right after mcu_room_leave returned */
	gint after_leave; /* callbacks seen after that: must stay 0 */
} sink;

static void sink_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	sink *s = opaque;
	if (g_atomic_int_get(&s->left))
		g_atomic_int_inc(&s->after_leave);
	g_mutex_lock(&s->lock);
	g_ptr_array_add(is_video ? s->video : s->audio, g_bytes_new(pkt, len));
	g_mutex_unlock(&s->lock);
}

static void sink_pli(void *opaque)
{
	sink *s = opaque;
	if (g_atomic_int_get(&s->left))
		g_atomic_int_inc(&s->after_leave);
	g_atomic_int_inc(&s->plis);
}

static void sink_init(sink *s, mcu_participant_io *io)
{
	memset(s, 0, sizeof(*s));
	g_mutex_init(&s->lock);
	s->audio = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	s->video = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	io->opaque = s;
	io->send_rtp = sink_send;
	io->request_keyframe = sink_pli;
}

static void sink_clear(sink *s)
{
	g_ptr_array_free(s->audio, TRUE);
	g_ptr_array_free(s->video, TRUE);
	g_mutex_clear(&s->lock);
}

static guint sink_count(sink *s, bool video)
{
	g_mutex_lock(&s->lock);
	guint n = (video ? s->video : s->audio)->len;
	g_mutex_unlock(&s->lock);
	return n;
}

/* A sender's outgoing audio: tone or silence, Opus, RTP. */
typedef struct audio_src {
	mcu_opus_enc *enc;
	uint16_t seq;
	uint32_t ts;
	double amp;
	long n;
} audio_src;

static void audio_src_send(audio_src *a, mcu_participant *p)
{
	int16_t pcm[960];
	for (int i = 0; i < 960; i++, a->n++)
		pcm[i] = (int16_t)(a->amp * sin(2 * G_PI * 440.0 * (double)a->n / 48000.0));
	uint8_t opus[1500], rtp[1600];
	size_t olen, rlen;
	g_assert_cmpint(mcu_opus_enc_encode(a->enc, pcm, opus, sizeof(opus), &olen), ==, 0);
	g_assert_cmpint(mcu_opus_rtp_packetize(
				rtp, sizeof(rtp), 111, a->seq++, a->ts, 0x1111, opus, olen, &rlen),
		==, 0);
	a->ts += 960;
	mcu_participant_incoming_rtp(p, 0, rtp, rlen, -1);
}

/* RMS of the decoded audio packets [from, to) a participant received. */
static double received_rms(sink *s, guint from, guint to, uint8_t want_pt)
{
	mcu_opus_dec *dec;
	g_assert_cmpint(mcu_opus_dec_new(&dec), ==, 0);
	double e = 0;
	long n = 0;
	g_mutex_lock(&s->lock);
	g_assert_cmpuint(s->audio->len, >=, to);
	uint16_t prev_seq = 0;
	for (guint i = 0; i < to; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(s->audio, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpuint(h.pt, ==, want_pt);
		if (i > 0)
			g_assert_cmpuint(h.seq, ==, (uint16_t)(prev_seq + 1));
		prev_seq = h.seq;
		int16_t pcm[5760];
		int got;
		g_assert_cmpint(mcu_opus_dec_decode(dec, pl, plen, pcm, 5760, &got), ==, 0);
		if (i >= from)
			for (int k = 0; k < got; k++, n++)
				e += (double)pcm[k] * pcm[k];
	}
	g_mutex_unlock(&s->lock);
	mcu_opus_dec_free(dec);
	return sqrt(e / (double)(n ? n : 1));
}

/* A 160x90 room at fps: on its manual clock, or with its own threads. */
static mcu_room *small_room(const char *name, int fps, bool manual_clock)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 160;
	cfg.height = 90;
	cfg.fps = fps;
	cfg.manual_clock = manual_clock;
	mcu_room *room = mcu_room_new(name, &cfg);
	g_assert_nonnull(room);
	return room;
}

static void test_audio_mix_minus(void)
{
	mcu_room *room = small_room("audio", 5, true);
	g_assert_cmpstr(mcu_room_name(room), ==, "audio");
	sink sa, sb, sc;
	mcu_participant_io ia, ib, ic;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	sink_init(&sc, &ic);
	mcu_participant *a = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "A",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&ia);
	mcu_participant *b = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "B",
			.audio_pt = 109,
			.video_pt = 100,
			.h264_packetization_mode = 1 },
		&ib);
	mcu_participant *c = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "C",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&ic);
	g_assert_cmpuint(mcu_room_count(room), ==, 3);
	audio_src ta = { .amp = TONE_AMP }, tb = { .amp = 0 };
	g_assert_cmpint(mcu_opus_enc_new(32000, &ta.enc), ==, 0);
	g_assert_cmpint(mcu_opus_enc_new(32000, &tb.enc), ==, 0);
	for (int i = 0; i < 50; i++) { /* one second; C sends nothing */
		audio_src_send(&ta, a);
		audio_src_send(&tb, b);
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
	/* The middle of the second: the tone has gone through the jitter queue by then. */
	double at_b = received_rms(&sb, 15, 40, 109);
	double at_c = received_rms(&sc, 15, 40, 111);
	double at_a = received_rms(&sa, 15, 40, 111);
	g_test_message("rms at A %.0f, B %.0f, C %.0f", at_a, at_b, at_c);
	g_assert_cmpfloat(at_b, >, 0.5 * TONE_AMP / sqrt(2));
	g_assert_cmpfloat(at_c, >, 0.5 * TONE_AMP / sqrt(2));
	g_assert_cmpfloat(at_a, <, 200); /* A does not hear itself */
	mcu_participant_stats st;
	mcu_participant_get_stats(a, &st);
	g_assert_cmpuint(st.audio_packets_in, ==, 50);
	g_assert_cmpuint(st.audio_frames_decoded, >=, 40);
	g_assert_cmpuint(st.audio_packets_out, >=, 40);
	g_assert_cmpuint(st.bad_packets_in, ==, 0);
	mcu_room_leave(room, a);
	mcu_room_leave(room, b);
	mcu_room_leave(room, c);
	mcu_room_leave(room, c); /* twice is fine */
	g_assert_cmpuint(mcu_room_count(room), ==, 0);
	mcu_participant_unref(a);
	mcu_participant_unref(b);
	mcu_participant_unref(c);
	mcu_room_unref(room);
	mcu_opus_enc_free(ta.enc);
	mcu_opus_enc_free(tb.enc);
	sink_clear(&sa);
	sink_clear(&sb);
	sink_clear(&sc);
}

/* Bright 320x240 picture with a moving square. */
static void fill_picture(mcu_image *img, int n)
{
	memset(img->planes[0], 180, (size_t)img->strides[0] * img->height);
	memset(img->planes[1], 100, (size_t)img->strides[1] * ((img->height + 1) / 2));
	memset(img->planes[2], 150, (size_t)img->strides[2] * ((img->height + 1) / 2));
	for (int y = 20; y < 60; y++)
		for (int x = 0; x < 40; x++)
			img->planes[0][y * img->strides[0] + (x + n * 4) % img->width] = 40;
}

static int count_video_keyframes(sink *s, guint from, guint to)
{
	int keys = 0;
	g_mutex_lock(&s->lock);
	for (guint i = from; i < to && i < s->video->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(s->video, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		mcu_vp8_desc d;
		if (mcu_rtp_parse(pkt, len, &h, &pl, &plen) == 0
			&& mcu_vp8_desc_parse(pl, plen, &d) == 0 && d.start
			&& mcu_vp8_is_keyframe(pl + d.len, plen - d.len))
			keys++;
	}
	g_mutex_unlock(&s->lock);
	return keys;
}

static void test_video_compose_and_keyframes(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 320;
	cfg.height = 180;
	cfg.fps = 15;
	cfg.video_kbps = 600;
	cfg.manual_clock = true;
	mcu_room *room = mcu_room_new("video", &cfg);
	g_assert_nonnull(room);
	int w, h;
	mcu_room_video_size(room, &w, &h);
	g_assert_true(w == 320 && h == 180);
	sink sa, sb;
	mcu_participant_io ia, ib;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	mcu_participant *a = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "A",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&ia);
	mcu_participant *b = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "B",
			.audio_pt = 111,
			.video_pt = 98,
			.h264_packetization_mode = 1 },
		&ib);

	mcu_vp8_enc *enc;
	g_assert_cmpint(mcu_vp8_enc_new(320, 240, 15, 800, &enc), ==, 0);
	mcu_image pic = { 0 };
	g_assert_cmpint(mcu_image_alloc(&pic, 320, 240), ==, 0);
	uint16_t seq = 40000;
	int plis_seen = 0;
	guint kf_from = 0;
	for (int i = 0; i < 24; i++) {
		fill_picture(&pic, i);
		/* Answer the room's PLI like a browser: next frame is a key frame. */
		bool force = g_atomic_int_get(&sa.plis) > plis_seen;
		plis_seen = g_atomic_int_get(&sa.plis);
		const uint8_t *data;
		size_t len;
		bool key;
		g_assert_cmpint(mcu_vp8_enc_encode(enc, &pic, force, &data, &len, &key), ==, 0);
		/* Withhold the very first key frame: the room must ask A for one. */
		if (i > 0 && len > 0) {
			size_t n = mcu_vp8_packet_count(len, 1200);
			for (size_t k = 0; k < n; k++) {
				uint8_t pkt[1300];
				size_t plen;
				bool marker;
				g_assert_cmpint(mcu_vp8_packetize(data, len, (uint16_t)i, 1200, k,
							pkt + 12, sizeof(pkt) - 12, &plen, &marker),
					==, 0);
				mcu_rtp_write_header(
					pkt, 12, marker, 96, seq++, (uint32_t)i * 6000, 0x2222);
				mcu_participant_incoming_rtp(a, 1, pkt, plen + 12, -1);
			}
		}
		if (i == 16) {
			/* Well past the join key frames and the 500 ms limit: B asks for one. */
			kf_from = sink_count(&sb, true);
			mcu_participant_keyframe_request(b);
		}
		g_assert_cmpint(mcu_room_advance(room, G_USEC_PER_SEC / 15), ==, 0);
	}
	/* 7 frames (467 ms) after B's request. */
	g_assert_cmpint(count_video_keyframes(&sb, kf_from, G_MAXUINT), >=, 1);

	mcu_participant_stats st;
	mcu_participant_get_stats(a, &st);
	g_assert_cmpuint(st.keyframes_requested, >=, 1);
	g_assert_cmpint(g_atomic_int_get(&sa.plis), >=, 1);
	g_assert_cmpuint(st.video_frames_decoded, >=, 8);
	g_assert_cmpuint(st.bad_packets_in, ==, 0);

	/* B's stream: starts with a key frame, decodes to the room size, shows A's picture
	 * pillarboxed (4:3 in 16:9: black bars 40 pixels wide). */
	mcu_vp8_assembler *as;
	mcu_vp8_dec *dec;
	g_assert_cmpint(mcu_vp8_assembler_new(&as), ==, 0);
	g_assert_cmpint(mcu_vp8_dec_new(&dec), ==, 0);
	int frames = 0;
	uint8_t centre = 0, bar = 0;
	g_mutex_lock(&sb.lock);
	uint32_t ssrc = 0;
	for (guint i = 0; i < sb.video->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(sb.video, i), &len);
		mcu_rtp_header hd;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &hd, &pl, &plen), ==, 0);
		g_assert_cmpuint(hd.pt, ==, 98);
		if (i == 0)
			ssrc = hd.ssrc;
		g_assert_cmpuint(hd.ssrc, ==, ssrc);
		g_assert_cmpint(
			mcu_vp8_assembler_push(as, hd.seq, hd.ts, hd.marker, pl, plen), ==, 0);
		mcu_vp8_frame f;
		while (mcu_vp8_assembler_pop(as, &f) == 0) {
			if (frames == 0)
				g_assert_true(f.keyframe);
			mcu_image view;
			g_assert_cmpint(mcu_vp8_dec_decode(dec, f.data, f.len, &view), ==, 0);
			g_assert_cmpint(view.width, ==, 320);
			g_assert_cmpint(view.height, ==, 180);
			centre = view.planes[0][90 * view.strides[0] + 200];
			bar = view.planes[0][90 * view.strides[0] + 10];
			frames++;
		}
	}
	g_mutex_unlock(&sb.lock);
	g_assert_cmpuint(mcu_vp8_assembler_take_lost(as), ==, 0);
	g_test_message("B decoded %d frames, centre Y %u, bar Y %u", frames, centre, bar);
	g_assert_cmpint(frames, >=, 8);
	g_assert_cmpuint(centre, >, 140);
	g_assert_cmpuint(bar, <, 40);
	mcu_vp8_assembler_free(as);
	mcu_vp8_dec_free(dec);

	/* Leave: no callback for A once it returned, B carries on. */
	mcu_room_leave(room, a);
	g_atomic_int_set(&sa.left, 1);
	guint b_before = sink_count(&sb, true);
	uint8_t junk[20] = { 0x80, 96 };
	mcu_participant_incoming_rtp(a, 1, junk, sizeof(junk), -1); /* ignored after leave */
	g_assert_cmpint(mcu_room_advance(room, 250000), ==, 0);
	g_assert_cmpint(g_atomic_int_get(&sa.after_leave), ==, 0);
	g_assert_cmpuint(sink_count(&sb, true), >, b_before);
	g_assert_cmpuint(mcu_room_count(room), ==, 1);

	mcu_participant_unref(a);
	mcu_room_unref(room);                /* B still joined: the room detaches it */
	mcu_participant_keyframe_request(b); /* room gone: harmless */
	mcu_participant_unref(b);
	mcu_image_release(&pic);
	mcu_vp8_enc_free(enc);
	sink_clear(&sa);
	sink_clear(&sb);
}

static void test_black_canvas_without_senders(void)
{
	mcu_room *room = small_room("black", 20, true);
	sink s;
	mcu_participant_io io;
	sink_init(&s, &io);
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "P",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&io);
	g_assert_cmpint(mcu_room_advance(room, -1), ==, -EINVAL);
	g_assert_cmpint(mcu_room_advance(room, G_MAXINT64), ==, -EINVAL);      /* would overflow */
	g_assert_cmpuint(sink_count(&s, false) + sink_count(&s, true), ==, 0); /* time stood */
	g_assert_cmpint(mcu_room_advance(room, 200000), ==, 0); /* 4 frames, 10 mixer ticks */
	g_assert_cmpuint(sink_count(&s, true), >=, 4);
	g_assert_cmpuint(sink_count(&s, false), ==, 10);
	g_assert_cmpint(count_video_keyframes(&s, 0, 1), ==, 1);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	mcu_room_unref(room);
	sink_clear(&s);
}

static void test_hostile_input(void)
{
	mcu_room *room = small_room("garbage", 10, true);
	sink s;
	mcu_participant_io io;
	sink_init(&s, &io);
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "G",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&io);
	GRand *r = g_rand_new_with_seed(1234);
	for (int i = 0; i < 6000; i++) {
		size_t len = (size_t)g_rand_int_range(r, 0, 1600);
		uint8_t *buf = g_malloc(len ? len : 1);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)g_rand_int(r);
		if (len && (i & 1))
			buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3f)); /* half look like RTP v2 */
		mcu_participant_incoming_rtp(p, i & 2 ? 1 : 0, buf, len, -1);
		g_free(buf);
	}
	mcu_participant_incoming_rtp(p, 0, NULL, 100, -1);
	mcu_participant_incoming_rtp(NULL, 0, NULL, 0, -1);
	g_rand_free(r);
	g_assert_cmpint(mcu_room_advance(room, 60000), ==, 0);
	mcu_participant_stats st;
	mcu_participant_get_stats(p, &st);
	g_test_message("bad %" G_GUINT64_FORMAT " audio %" G_GUINT64_FORMAT
		       " video %" G_GUINT64_FORMAT,
		st.bad_packets_in, st.audio_packets_in, st.video_packets_in);
	g_assert_cmpuint(st.bad_packets_in, >, 3000);
	g_assert_cmpuint(st.bad_packets_in + st.audio_packets_in + st.video_packets_in, ==, 6001);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	mcu_room_unref(room);
	sink_clear(&s);
}

/* Waits (generously: a slow or loaded machine only makes it take longer) for the sink to
 * have at least n packets of the kind. */
static bool sink_wait(sink *s, bool video, guint n)
{
	gint64 give_up = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (sink_count(s, video) < n) {
		if (g_get_monotonic_time() > give_up)
			return false;
		g_usleep(5000);
	}
	return true;
}

/* The production clock: the room's own threads mix and compose without being driven, and
 * once the last reference is gone they have stopped (no callback after unref returned). */
static void test_threads_tick_and_stop(void)
{
	g_assert_cmpint(mcu_room_advance(NULL, 20000), ==, -EINVAL);
	mcu_room *room = small_room("threads", 20, false);
	g_assert_cmpint(mcu_room_advance(room, 20000), ==, -EINVAL); /* not a manual clock */
	sink s;
	mcu_participant_io io;
	sink_init(&s, &io);
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "P",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&io);
	g_assert_true(sink_wait(&s, false, 3));
	g_assert_true(sink_wait(&s, true, 2));
	g_assert_cmpint(count_video_keyframes(&s, 0, 1), ==, 1);
	mcu_room_unref(room); /* P still joined: the room detaches it */
	guint audio = sink_count(&s, false), video = sink_count(&s, true);
	g_usleep(100000);
	g_assert_cmpuint(sink_count(&s, false), ==, audio);
	g_assert_cmpuint(sink_count(&s, true), ==, video);
	mcu_participant_unref(p);
	sink_clear(&s);
}

static uint64_t composer_ticks(mcu_room *room)
{
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	return st.video_ticks;
}

/* Waits until the room's composer has ticked at least once (a loaded machine only makes it
 * take longer). */
static void wait_first_composer_tick(mcu_room *room)
{
	gint64 give_up = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (composer_ticks(room) == 0 && g_get_monotonic_time() < give_up)
		g_usleep(5000);
	g_assert_cmpuint(composer_ticks(room), >=, 1);
}

/* Nobody with video (an audio-only call of SIP phones): the composer does not wake for
 * every frame it would compose. At 20 fps, half a second holds 10 frames; an idle composer
 * ticks once every 30 frames (a slower machine only makes it tick less). The audio goes on. */
static void test_audio_only_room_composer_idles(void)
{
	mcu_room *room = small_room("audio-only", 20, false);
	sink s;
	mcu_participant_io io;
	sink_init(&s, &io);
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){
			.display = "phone", .audio_pt = 0, .video_codec = MCU_VIDEO_NONE },
		&io);
	g_assert_nonnull(p);
	wait_first_composer_tick(room);
	uint64_t before = composer_ticks(room);
	g_usleep(500000);
	g_assert_cmpuint(composer_ticks(room) - before, <=, 1);
	g_assert_true(sink_wait(&s, false, 10)); /* heard all along */
	g_assert_cmpuint(sink_count(&s, true), ==, 0);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	mcu_room_unref(room);
	sink_clear(&s);
}

/* A participant with video joining a room whose composer idles wakes it: its first picture
 * comes on the frame grid (here 2 fps: within half a second), not at the idle composer's
 * next tick (30 frames: 15 s away). */
static void test_video_joiner_wakes_idle_composer(void)
{
	mcu_room *room = small_room("wake", 2, false);
	wait_first_composer_tick(room); /* nobody there: idle from now on */
	sink s;
	mcu_participant_io io;
	sink_init(&s, &io);
	gint64 joined = g_get_monotonic_time();
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "P",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&io);
	g_assert_nonnull(p);
	g_assert_true(sink_wait(&s, true, 1));
	g_assert_cmpint(g_get_monotonic_time() - joined, <, 10 * G_USEC_PER_SEC);
	g_assert_cmpint(count_video_keyframes(&s, 0, 1), ==, 1);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	mcu_room_unref(room);
	sink_clear(&s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/room/audio-mix-minus", test_audio_mix_minus);
	g_test_add_func(
		"/mcu/room/video-composed-keyframes-and-leave", test_video_compose_and_keyframes);
	g_test_add_func(
		"/mcu/room/black-canvas-without-senders", test_black_canvas_without_senders);
	g_test_add_func("/mcu/room/hostile-input-counted-and-dropped", test_hostile_input);
	g_test_add_func(
		"/mcu/room/threads-tick-and-stop-with-the-room", test_threads_tick_and_stop);
	g_test_add_func("/mcu/room/audio-only-room-composer-ticks-once-a-second",
		test_audio_only_room_composer_idles);
	g_test_add_func("/mcu/room/participant-with-video-wakes-an-idle-composer",
		test_video_joiner_wakes_idle_composer);
	return g_test_run();
}
