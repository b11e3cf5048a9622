/*
 * mcu_content_test.c - the room's content (mcu_content.h): a presenter's VP8 or H.264
 * content stream reaches the content receivers of both codecs decoded at the presenter's
 * size and colour (scaled down to 1920x1080 above it), starting with a key frame; a second
 * presenter takes over (content_changed names it, the receivers restart at a key frame and
 * see its colour, the first one's packets are refused); a participant without a content
 * stream sees the presentation layout (content in the main pane, people in the strip)
 * while a content receiver keeps the people layout, and the people layout returns when the
 * presenter stops or leaves; an unchanged screen is not encoded again; hostile content RTP
 * is dropped and counted and a good stream still decodes afterwards.
 * The room runs on its manual clock (mcu_room_advance): the same result on any machine.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_content.h"
#include "mcu_rtp.h"
#include "mcu_vp8_rtp.h"
#include "mcu_h264_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_h264_codec.h"
#include "mcu_image.h"

#define VIDEO_PT   96
#define CONTENT_PT 100

/* --- a participant's sink: what the room sends it ------------------------------------- */

typedef struct sink {
	GMutex lock;
	GPtrArray *video, *content; /* GBytes */
	gint content_plis;
} sink;

static void sink_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	sink *s = opaque;
	if (!is_video)
		return;
	g_mutex_lock(&s->lock);
	g_ptr_array_add(
		is_video == MCU_STREAM_CONTENT ? s->content : s->video, g_bytes_new(pkt, len));
	g_mutex_unlock(&s->lock);
}

static void sink_content_pli(void *opaque)
{
	g_atomic_int_inc(&((sink *)opaque)->content_plis);
}

static void sink_init(sink *s, mcu_participant_io *io)
{
	memset(s, 0, sizeof(*s));
	memset(io, 0, sizeof(*io));
	g_mutex_init(&s->lock);
	s->video = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	s->content = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	io->opaque = s;
	io->send_rtp = sink_send;
	io->request_content_keyframe = sink_content_pli;
}

static void sink_clear(sink *s)
{
	g_ptr_array_free(s->video, TRUE);
	g_ptr_array_free(s->content, TRUE);
	g_mutex_clear(&s->lock);
}

/* --- a decoder of what a sink received ------------------------------------------------ */

typedef struct rx {
	mcu_video_codec_id codec;
	mcu_vp8_assembler *vas;
	mcu_vp8_dec *vdec;
	mcu_h264_assembler *has;
	mcu_h264_dec *hdec;
	int pictures;
	bool first_was_key, any;
} rx;

static void rx_init(rx *r, mcu_video_codec_id codec)
{
	memset(r, 0, sizeof(*r));
	r->codec = codec;
	if (codec == MCU_VIDEO_VP8) {
		g_assert_cmpint(mcu_vp8_assembler_new(&r->vas), ==, 0);
		g_assert_cmpint(mcu_vp8_dec_new(&r->vdec), ==, 0);
	} else {
		g_assert_cmpint(mcu_h264_assembler_new(&r->has), ==, 0);
		g_assert_cmpint(mcu_h264_dec_new(&r->hdec), ==, 0);
	}
}

static void rx_clear(rx *r)
{
	mcu_vp8_assembler_free(r->vas);
	mcu_vp8_dec_free(r->vdec);
	mcu_h264_assembler_free(r->has);
	mcu_h264_dec_free(r->hdec);
}

/* Decodes the packets of list received since the last call (all with payload type pt); out
 * gets the last picture. Returns whether one was decoded. */
static bool rx_last(rx *r, sink *s, GPtrArray *list, uint8_t pt, mcu_image *out)
{
	bool got = false;
	g_mutex_lock(&s->lock);
	for (guint i = 0; i < list->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(list, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpint(h.pt, ==, pt);
		int rc = r->codec == MCU_VIDEO_VP8
			? mcu_vp8_assembler_push(r->vas, h.seq, h.ts, h.marker, pl, plen)
			: mcu_h264_assembler_push(r->has, h.seq, h.ts, h.marker, pl, plen);
		g_assert_cmpint(rc, ==, 0);
		for (;;) {
			const uint8_t *data;
			size_t flen;
			bool key;
			if (r->codec == MCU_VIDEO_VP8) {
				mcu_vp8_frame f;
				if (mcu_vp8_assembler_pop(r->vas, &f) < 0)
					break;
				data = f.data, flen = f.len, key = f.keyframe;
			} else {
				mcu_h264_frame f;
				if (mcu_h264_assembler_pop(r->has, &f) < 0)
					break;
				data = f.data, flen = f.len, key = f.keyframe;
			}
			if (!r->any)
				r->first_was_key = key;
			r->any = true;
			mcu_image view;
			rc = r->codec == MCU_VIDEO_VP8
				? mcu_vp8_dec_decode(r->vdec, data, flen, &view)
				: mcu_h264_dec_decode(r->hdec, data, flen, &view);
			if (rc == -EAGAIN)
				continue;
			g_assert_cmpint(rc, ==, 0);
			g_assert_cmpint(mcu_image_copy(out, &view), ==, 0);
			r->pictures++;
			got = true;
		}
	}
	g_ptr_array_set_size(list, 0);
	g_mutex_unlock(&s->lock);
	return got;
}

static int luma_at(const mcu_image *img, int x, int y)
{
	return img->planes[0][y * img->strides[0] + x];
}

static int chroma_v_at(const mcu_image *img, int x, int y)
{
	return img->planes[2][(y / 2) * img->strides[2] + x / 2];
}

/* --- a presenter's content sender: a flat colour with a moving bar -------------------- */

typedef struct csrc {
	mcu_video_codec_id codec;
	mcu_vp8_enc *venc;
	mcu_h264_enc *henc;
	mcu_image img;
	uint16_t seq;
	uint32_t n;
} csrc;

static void csrc_init(csrc *c, mcu_video_codec_id codec, int w, int h)
{
	memset(c, 0, sizeof(*c));
	c->codec = codec;
	if (codec == MCU_VIDEO_VP8)
		g_assert_cmpint(mcu_vp8_enc_new(w, h, 5, 2000, &c->venc), ==, 0);
	else
		g_assert_cmpint(mcu_h264_enc_new(w, h, 5, 2000, &c->henc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&c->img, w, h), ==, 0);
	c->seq = 65530;
}

static void csrc_clear(csrc *c)
{
	mcu_vp8_enc_free(c->venc);
	mcu_h264_enc_free(c->henc);
	mcu_image_release(&c->img);
}

/* Encodes a picture of luma y and red-difference v and sends it as content of p. */
static void csrc_send(csrc *c, mcu_participant *p, uint8_t y, uint8_t v, bool key)
{
	mcu_image *img = &c->img;
	memset(img->planes[0], y, (size_t)img->strides[0] * img->height);
	memset(img->planes[1], 128, (size_t)img->strides[1] * ((img->height + 1) / 2));
	memset(img->planes[2], v, (size_t)img->strides[2] * ((img->height + 1) / 2));
	const uint8_t *data;
	size_t len;
	bool is_key;
	if (c->codec == MCU_VIDEO_VP8)
		g_assert_cmpint(mcu_vp8_enc_encode(c->venc, img, key, &data, &len, &is_key), ==, 0);
	else
		g_assert_cmpint(
			mcu_h264_enc_encode(c->henc, img, key, &data, &len, &is_key), ==, 0);
	if (len == 0)
		return;
	enum {
		MAXP = 2048
	};
	static uint8_t buf[MAXP * 1300];
	static size_t lens[MAXP];
	size_t count = 0;
	if (c->codec == MCU_VIDEO_VP8) {
		count = mcu_vp8_packet_count(len, 1200);
		for (size_t k = 0; k < count; k++) {
			bool marker;
			g_assert_cmpint(mcu_vp8_packetize(data, len, (uint16_t)c->n, 1200, k,
						buf + k * 1300 + 12, 1288, &lens[k], &marker),
				==, 0);
		}
	} else {
		g_assert_cmpint(
			mcu_h264_packetize(data, len, 1, 1200, buf + 12, 1300, MAXP, lens, &count),
			==, 0);
	}
	for (size_t k = 0; k < count; k++) {
		uint8_t *pkt = buf + k * 1300;
		mcu_rtp_write_header(
			pkt, 12, k + 1 == count, CONTENT_PT, c->seq++, c->n * 18000, 0x5151);
		mcu_participant_incoming_content_rtp(p, pkt, lens[k] + 12);
	}
	c->n++;
}

/* --- the room ------------------------------------------------------------------------- */

typedef struct events {
	GPtrArray *presenters; /* content_changed arguments, in order */
} events;

static void on_content(void *opaque, void *presenter)
{
	g_ptr_array_add(((events *)opaque)->presenters, presenter);
}

static mcu_room *content_room(int w, int h, events *ev)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = w;
	cfg.height = h;
	cfg.fps = 10;
	cfg.video_kbps = 800;
	cfg.manual_clock = true;
	g_assert_cmpint(cfg.content_fps, ==, 5);
	mcu_room *room = mcu_room_new("content", &cfg);
	g_assert_nonnull(room);
	ev->presenters = g_ptr_array_new();
	mcu_room_set_events(
		room, &(mcu_room_events){ .opaque = ev, .content_changed = on_content });
	return room;
}

static mcu_participant *join(
	mcu_room *room, const char *name, mcu_video_codec_id vcodec, mcu_participant_io *io)
{
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = name,
			.audio_pt = 111,
			.video_pt = VIDEO_PT,
			.video_codec = vcodec,
			.h264_packetization_mode = 1 },
		io);
	g_assert_nonnull(p);
	return p;
}

/* Presents c's colour for ms milliseconds (a picture every 200 ms, the first a key frame). */
static void present_for(mcu_room *room, csrc *c, mcu_participant *p, uint8_t y, uint8_t v, int ms)
{
	for (int t = 0; t < ms; t += 200) {
		csrc_send(c, p, y, v, t == 0);
		g_assert_cmpint(mcu_room_advance(room, 200000), ==, 0);
	}
}

static void assert_colour(const mcu_image *img, int x, int y, int luma, int v)
{
	g_assert_cmpint(ABS(luma_at(img, x, y) - luma), <=, 8);
	g_assert_cmpint(ABS(chroma_v_at(img, x, y) - v), <=, 8);
}

static void test_presenter_content_reaches_receivers_of_both_codecs(void)
{
	events ev;
	mcu_room *room = content_room(320, 180, &ev);
	sink sa, sb, sc;
	mcu_participant_io ia, ib, ic;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	sink_init(&sc, &ic);
	mcu_participant *a = join(room, "Alice", MCU_VIDEO_VP8, &ia);
	mcu_participant *b = join(room, "Bob", MCU_VIDEO_VP8, &ib);
	mcu_participant *c = join(room, "Carol", MCU_VIDEO_H264, &ic);
	g_assert_cmpint(mcu_participant_receive_content(b, MCU_VIDEO_VP8, 101, 1), ==, 0);
	g_assert_cmpint(mcu_participant_receive_content(c, MCU_VIDEO_H264, 102, 0), ==, 0);
	g_assert_cmpint(mcu_participant_present(a, MCU_VIDEO_NONE, CONTENT_PT), ==, -EINVAL);
	g_assert_null(mcu_room_content_presenter(room));

	g_assert_cmpint(mcu_participant_present(a, MCU_VIDEO_VP8, CONTENT_PT), ==, 0);
	g_assert_true(mcu_room_content_presenter(room) == &sa);
	g_assert_cmpint(g_atomic_int_get(&sa.content_plis), ==, 1); /* starts at a key frame */
	csrc src;
	csrc_init(&src, MCU_VIDEO_VP8, 640, 360);
	present_for(room, &src, a, 200, 200, 1000);
	g_assert_cmpuint(ev.presenters->len, ==, 1);
	g_assert_true(g_ptr_array_index(ev.presenters, 0) == &sa);

	mcu_image pic = { 0 };
	rx rb, rc;
	rx_init(&rb, MCU_VIDEO_VP8);
	rx_init(&rc, MCU_VIDEO_H264);
	g_assert_true(rx_last(&rb, &sb, sb.content, 101, &pic));
	g_assert_true(rb.first_was_key);
	g_assert_cmpint(pic.width, ==, 640);
	g_assert_cmpint(pic.height, ==, 360);
	assert_colour(&pic, 320, 180, 200, 200);
	g_assert_true(rx_last(&rc, &sc, sc.content, 102, &pic));
	g_assert_true(rc.first_was_key);
	g_assert_cmpint(pic.width, ==, 640);
	g_assert_cmpint(pic.height, ==, 360);
	assert_colour(&pic, 320, 180, 200, 200);
	/* The presenter itself and nobody else gets content it did not ask for. */
	g_assert_cmpuint(sa.content->len, ==, 0);

	mcu_content_room_stats st;
	mcu_room_get_content_stats(room, &st);
	g_assert_cmpint(st.width, ==, 640);
	g_assert_cmpint(st.height, ==, 360);
	g_assert_cmpuint(st.frames_out, >=, 2);
	mcu_content_part_stats ps;
	mcu_participant_get_content_stats(a, &ps);
	g_assert_cmpuint(ps.frames_decoded, ==, 5);
	g_assert_cmpuint(ps.bad_packets_in, ==, 0);

	/* An unchanged screen: the same picture again and again is not encoded again. */
	mcu_room_get_content_stats(room, &st);
	uint64_t out0 = st.frames_out;
	present_for(room, &src, a, 200, 200, 2000);
	mcu_room_get_content_stats(room, &st);
	g_assert_cmpuint(st.frames_unchanged, >, 0);
	g_assert_cmpuint(st.frames_out - out0, <=, 4); /* the first ones after the key frame */

	/* A content receiver's key frame request is served. */
	mcu_participant_get_content_stats(b, &ps);
	uint64_t keys = ps.keyframes_out;
	mcu_participant_content_keyframe_request(b);
	g_assert_cmpint(mcu_room_advance(room, 400000), ==, 0);
	mcu_participant_get_content_stats(b, &ps);
	g_assert_cmpuint(ps.keyframes_out, ==, keys + 1);

	/* Stop receiving: no more content packets. */
	g_assert_cmpint(mcu_participant_receive_content(b, MCU_VIDEO_NONE, 0, 1), ==, 0);
	rx_last(&rb, &sb, sb.content, 101, &pic);
	present_for(room, &src, a, 90, 60, 600);
	g_assert_cmpuint(sb.content->len, ==, 0);

	rx_clear(&rb);
	rx_clear(&rc);
	mcu_image_release(&pic);
	csrc_clear(&src);
	mcu_room_leave(room, a);
	mcu_room_leave(room, b);
	mcu_room_leave(room, c);
	mcu_participant_unref(a);
	mcu_participant_unref(b);
	mcu_participant_unref(c);
	mcu_room_unref(room);
	g_ptr_array_free(ev.presenters, TRUE);
	sink_clear(&sa);
	sink_clear(&sb);
	sink_clear(&sc);
}

static void test_content_above_1080p_is_scaled_down(void)
{
	events ev;
	mcu_room *room = content_room(160, 90, &ev);
	sink sa, sb;
	mcu_participant_io ia, ib;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	mcu_participant *a = join(room, "Alice", MCU_VIDEO_NONE, &ia);
	mcu_participant *b = join(room, "Bob", MCU_VIDEO_NONE, &ib);
	g_assert_cmpint(mcu_participant_receive_content(b, MCU_VIDEO_VP8, 101, 1), ==, 0);
	g_assert_cmpint(mcu_participant_present(a, MCU_VIDEO_H264, CONTENT_PT), ==, 0);
	csrc src;
	csrc_init(&src, MCU_VIDEO_H264, 2560, 1440);
	present_for(room, &src, a, 100, 150, 400);
	mcu_image pic = { 0 };
	rx rb;
	rx_init(&rb, MCU_VIDEO_VP8);
	g_assert_true(rx_last(&rb, &sb, sb.content, 101, &pic));
	g_assert_cmpint(pic.width, ==, 1920);
	g_assert_cmpint(pic.height, ==, 1080);
	assert_colour(&pic, 960, 540, 100, 150);
	rx_clear(&rb);
	mcu_image_release(&pic);
	csrc_clear(&src);
	mcu_room_leave(room, a);
	mcu_room_leave(room, b);
	mcu_participant_unref(a);
	mcu_participant_unref(b);
	mcu_room_unref(room);
	g_ptr_array_free(ev.presenters, TRUE);
	sink_clear(&sa);
	sink_clear(&sb);
}

static void test_takeover_switches_presenter_with_a_key_frame(void)
{
	events ev;
	mcu_room *room = content_room(160, 90, &ev);
	sink sa, sb, sr;
	mcu_participant_io ia, ib, ir;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	sink_init(&sr, &ir);
	mcu_participant *a = join(room, "Alice", MCU_VIDEO_VP8, &ia);
	mcu_participant *b = join(room, "Bob", MCU_VIDEO_VP8, &ib);
	mcu_participant *r = join(room, "Rita", MCU_VIDEO_VP8, &ir);
	g_assert_cmpint(mcu_participant_receive_content(r, MCU_VIDEO_VP8, 101, 1), ==, 0);
	csrc ca, cb;
	csrc_init(&ca, MCU_VIDEO_VP8, 320, 180);
	csrc_init(&cb, MCU_VIDEO_H264, 480, 270);
	g_assert_cmpint(mcu_participant_present(a, MCU_VIDEO_VP8, CONTENT_PT), ==, 0);
	present_for(room, &ca, a, 60, 200, 600);
	mcu_image pic = { 0 };
	rx rr;
	rx_init(&rr, MCU_VIDEO_VP8);
	g_assert_true(rx_last(&rr, &sr, sr.content, 101, &pic));
	assert_colour(&pic, 160, 90, 60, 200);

	/* Bob takes over: Alice is no longer the presenter, her packets are refused. */
	mcu_content_part_stats ps;
	mcu_participant_get_content_stats(r, &ps);
	uint64_t keys = ps.keyframes_out;
	g_assert_cmpint(mcu_participant_present(b, MCU_VIDEO_H264, CONTENT_PT), ==, 0);
	g_assert_true(mcu_room_content_presenter(room) == &sb);
	mcu_participant_get_content_stats(a, &ps);
	uint64_t bad = ps.bad_packets_in;
	csrc_send(&ca, a, 60, 200, false);
	mcu_participant_get_content_stats(a, &ps);
	g_assert_cmpuint(ps.bad_packets_in, >, bad);
	present_for(room, &cb, b, 210, 60, 600);
	g_assert_cmpuint(ev.presenters->len, ==, 2);
	g_assert_true(g_ptr_array_index(ev.presenters, 0) == &sa);
	g_assert_true(g_ptr_array_index(ev.presenters, 1) == &sb);
	/* The receiver restarts at a key frame, with Bob's size and colour. */
	mcu_participant_get_content_stats(r, &ps);
	g_assert_cmpuint(ps.keyframes_out, >, keys);
	{
		g_mutex_lock(&sr.lock);
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(sr.content, 0), &len);
		mcu_vp8_desc d;
		g_assert_cmpint(mcu_vp8_desc_parse(pkt + 12, len - 12, &d), ==, 0);
		g_assert_true(mcu_vp8_is_keyframe(pkt + 12 + d.len, len - 12 - d.len));
		g_mutex_unlock(&sr.lock);
	}
	g_assert_true(rx_last(&rr, &sr, sr.content, 101, &pic));
	g_assert_cmpint(pic.width, ==, 480);
	g_assert_cmpint(pic.height, ==, 270);
	assert_colour(&pic, 240, 134, 210, 60);

	/* Bob leaves: the presentation stops, content_changed says nobody. */
	mcu_room_leave(room, b);
	g_assert_null(mcu_room_content_presenter(room));
	g_assert_cmpint(mcu_room_advance(room, 200000), ==, 0);
	g_assert_cmpuint(ev.presenters->len, ==, 3);
	g_assert_null(g_ptr_array_index(ev.presenters, 2));
	rx_last(&rr, &sr, sr.content, 101, &pic);
	g_assert_cmpint(mcu_room_advance(room, 600000), ==, 0);
	g_assert_cmpuint(sr.content->len, ==, 0);
	/* Stopping when not presenting changes nothing. */
	mcu_participant_stop_presenting(a);
	g_assert_cmpint(mcu_room_advance(room, 200000), ==, 0);
	g_assert_cmpuint(ev.presenters->len, ==, 3);

	rx_clear(&rr);
	mcu_image_release(&pic);
	csrc_clear(&ca);
	csrc_clear(&cb);
	mcu_room_leave(room, a);
	mcu_room_leave(room, r);
	mcu_participant_unref(a);
	mcu_participant_unref(b);
	mcu_participant_unref(r);
	mcu_room_unref(room);
	g_ptr_array_free(ev.presenters, TRUE);
	sink_clear(&sa);
	sink_clear(&sb);
	sink_clear(&sr);
}

/* A flat people-camera picture of luma y for p (VP8, 320x180). */
typedef struct cam {
	mcu_vp8_enc *enc;
	mcu_image img;
	uint16_t seq;
	uint32_t n;
} cam;

static void cam_send(cam *c, mcu_participant *p, uint8_t y)
{
	if (!c->enc) {
		g_assert_cmpint(mcu_vp8_enc_new(320, 180, 10, 800, &c->enc), ==, 0);
		g_assert_cmpint(mcu_image_alloc(&c->img, 320, 180), ==, 0);
	}
	memset(c->img.planes[0], y, (size_t)c->img.strides[0] * 180);
	memset(c->img.planes[1], 128, (size_t)c->img.strides[1] * 90);
	memset(c->img.planes[2], 128, (size_t)c->img.strides[2] * 90);
	const uint8_t *data;
	size_t len;
	bool key;
	g_assert_cmpint(
		mcu_vp8_enc_encode(c->enc, &c->img, c->n % 10 == 0, &data, &len, &key), ==, 0);
	size_t count = mcu_vp8_packet_count(len, 1200);
	for (size_t k = 0; k < count; k++) {
		uint8_t pkt[1300];
		size_t plen;
		bool marker;
		g_assert_cmpint(mcu_vp8_packetize(data, len, (uint16_t)c->n, 1200, k, pkt + 12,
					1288, &plen, &marker),
			==, 0);
		mcu_rtp_write_header(pkt, 12, marker, VIDEO_PT, c->seq++, c->n * 9000, 0x7777);
		mcu_participant_incoming_rtp(p, 1, pkt, plen + 12, -1);
	}
	c->n++;
}

static void cam_clear(cam *c)
{
	mcu_vp8_enc_free(c->enc);
	mcu_image_release(&c->img);
}

static void test_presentation_layout_for_receivers_without_content(void)
{
	events ev;
	mcu_room *room = content_room(640, 360, &ev);
	sink sa, sv, sr;
	mcu_participant_io ia, iv, ir;
	sink_init(&sa, &ia);
	sink_init(&sv, &iv);
	sink_init(&sr, &ir);
	mcu_participant *a = join(room, "Alice", MCU_VIDEO_VP8, &ia);
	mcu_participant *v = join(room, "Vic", MCU_VIDEO_VP8, &iv);  /* no content stream */
	mcu_participant *r = join(room, "Rita", MCU_VIDEO_VP8, &ir); /* content on its own */
	g_assert_cmpint(mcu_participant_receive_content(r, MCU_VIDEO_VP8, 101, 1), ==, 0);
	cam cam_a = { 0 };
	csrc src;
	csrc_init(&src, MCU_VIDEO_VP8, 640, 360);
	rx rv, rr;
	rx_init(&rv, MCU_VIDEO_VP8);
	rx_init(&rr, MCU_VIDEO_VP8);
	mcu_image pic = { 0 };

	/* Nobody presents: Alice (first to join) on the main pane of 1+7. */
	for (int i = 0; i < 10; i++) {
		cam_send(&cam_a, a, 90);
		g_assert_cmpint(mcu_room_advance(room, 100000), ==, 0);
	}
	g_assert_true(rx_last(&rv, &sv, sv.video, VIDEO_PT, &pic));
	g_assert_cmpint(ABS(luma_at(&pic, 320, 150) - 90), <=, 8);

	/* Alice presents: Vic sees the content in the main pane (left 4/5) and Alice's camera
	 * at the top of the strip (right 1/5, tiles of 1/5 of the canvas). */
	g_assert_cmpint(mcu_participant_present(a, MCU_VIDEO_VP8, CONTENT_PT), ==, 0);
	for (int i = 0; i < 10; i++) {
		if (i % 2 == 0)
			csrc_send(&src, a, 220, 200, i == 0);
		cam_send(&cam_a, a, 90);
		g_assert_cmpint(mcu_room_advance(room, 100000), ==, 0);
	}
	g_assert_true(rx_last(&rv, &sv, sv.video, VIDEO_PT, &pic));
	assert_colour(&pic, 256, 180, 220, 200);                  /* the content pane's centre */
	g_assert_cmpint(ABS(luma_at(&pic, 576, 24) - 90), <=, 8); /* strip tile 0: Alice */
	/* Rita receives the content on its own stream: her composed picture stays 1+7. */
	g_assert_true(rx_last(&rr, &sr, sr.video, VIDEO_PT, &pic));
	g_assert_cmpint(ABS(luma_at(&pic, 320, 150) - 90), <=, 8);
	g_assert_true(rx_last(&rr, &sr, sr.content, 101, &pic) || true);
	mcu_content_room_stats st;
	mcu_room_get_content_stats(room, &st);
	g_assert_cmpuint(st.presentation_frames, >, 0);
	g_assert_cmpuint(st.people_frames_extra, >, 0);

	/* Alice stops: the people layout returns for Vic. */
	mcu_participant_stop_presenting(a);
	for (int i = 0; i < 10; i++) {
		cam_send(&cam_a, a, 90);
		g_assert_cmpint(mcu_room_advance(room, 100000), ==, 0);
	}
	g_assert_true(rx_last(&rv, &sv, sv.video, VIDEO_PT, &pic));
	g_assert_cmpint(ABS(luma_at(&pic, 320, 150) - 90), <=, 8);
	g_assert_cmpint(ABS(luma_at(&pic, 256, 180) - 90), <=, 8);
	g_assert_cmpuint(ev.presenters->len, ==, 2);
	g_assert_null(g_ptr_array_index(ev.presenters, 1));
	/* Only one picture is composed again. */
	mcu_room_get_content_stats(room, &st);
	uint64_t pres = st.presentation_frames;
	g_assert_cmpint(mcu_room_advance(room, 500000), ==, 0);
	mcu_room_get_content_stats(room, &st);
	g_assert_cmpuint(st.presentation_frames, ==, pres);

	rx_clear(&rv);
	rx_clear(&rr);
	cam_clear(&cam_a);
	csrc_clear(&src);
	mcu_image_release(&pic);
	mcu_room_leave(room, a);
	mcu_room_leave(room, v);
	mcu_room_leave(room, r);
	mcu_participant_unref(a);
	mcu_participant_unref(v);
	mcu_participant_unref(r);
	mcu_room_unref(room);
	g_ptr_array_free(ev.presenters, TRUE);
	sink_clear(&sa);
	sink_clear(&sv);
	sink_clear(&sr);
}

static void test_hostile_content_rtp_dropped_and_counted(void)
{
	events ev;
	mcu_room *room = content_room(160, 90, &ev);
	sink sa, sb;
	mcu_participant_io ia, ib;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	mcu_participant *a = join(room, "Alice", MCU_VIDEO_VP8, &ia);
	mcu_participant *b = join(room, "Bob", MCU_VIDEO_VP8, &ib);
	g_assert_cmpint(mcu_participant_receive_content(b, MCU_VIDEO_VP8, 101, 1), ==, 0);
	g_assert_cmpint(
		mcu_participant_receive_content(b, (mcu_video_codec_id)7, 101, 1), ==, -EINVAL);
	g_assert_cmpint(mcu_participant_receive_content(b, MCU_VIDEO_H264, 101, 2), ==, -EINVAL);
	/* Not presenting: every packet is refused. */
	uint8_t pkt[1500];
	mcu_rtp_write_header(pkt, 12, true, CONTENT_PT, 1, 1, 1);
	memset(pkt + 12, 0x90, 20);
	mcu_participant_incoming_content_rtp(a, pkt, 32);
	mcu_participant_incoming_content_rtp(a, NULL, 32);
	mcu_participant_incoming_content_rtp(NULL, pkt, 32);
	mcu_content_part_stats ps;
	mcu_participant_get_content_stats(a, &ps);
	g_assert_cmpuint(ps.bad_packets_in, ==, 2);

	GRand *rnd = g_rand_new_with_seed(13);
	for (int codec = MCU_VIDEO_VP8; codec <= MCU_VIDEO_H264; codec++) {
		g_assert_cmpint(mcu_participant_present(a, codec, CONTENT_PT), ==, 0);
		for (int i = 0; i < 3000; i++) {
			size_t len = (size_t)g_rand_int_range(rnd, 0, sizeof(pkt));
			for (size_t k = 0; k < len; k++)
				pkt[k] = (uint8_t)g_rand_int(rnd);
			if (len >= 12 && i % 2) /* mostly a valid header, garbage payload */
				mcu_rtp_write_header(pkt, 12, i % 3 == 0, CONTENT_PT, (uint16_t)i,
					(uint32_t)(i / 4) * 9000, 5);
			mcu_participant_incoming_content_rtp(a, pkt, len);
			if (i % 100 == 0)
				g_assert_cmpint(mcu_room_advance(room, 100000), ==, 0);
		}
	}
	mcu_participant_get_content_stats(a, &ps);
	g_assert_cmpuint(ps.bad_packets_in, >, 1000);
	g_assert_cmpuint(ps.bad_packets_in + ps.packets_in, ==, 2 + 6000);

	/* A good stream decodes after all that. */
	csrc src;
	csrc_init(&src, MCU_VIDEO_VP8, 320, 180);
	g_assert_cmpint(mcu_participant_present(a, MCU_VIDEO_VP8, CONTENT_PT), ==, 0);
	g_ptr_array_set_size(sb.content, 0);
	present_for(room, &src, a, 40, 220, 1000);
	mcu_image pic = { 0 };
	rx rb;
	rx_init(&rb, MCU_VIDEO_VP8);
	g_assert_true(rx_last(&rb, &sb, sb.content, 101, &pic));
	assert_colour(&pic, 160, 90, 40, 220);

	g_rand_free(rnd);
	rx_clear(&rb);
	mcu_image_release(&pic);
	csrc_clear(&src);
	mcu_room_leave(room, a);
	mcu_room_leave(room, b);
	mcu_participant_unref(a);
	mcu_participant_unref(b);
	mcu_room_unref(room);
	g_ptr_array_free(ev.presenters, TRUE);
	sink_clear(&sa);
	sink_clear(&sb);
}

/* The same with the room's own threads (no manual clock): content arrives, decoded. */
static void test_content_with_room_threads(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 160;
	cfg.height = 90;
	cfg.fps = 10;
	mcu_room *room = mcu_room_new("threads", &cfg);
	g_assert_nonnull(room);
	sink sa, sb;
	mcu_participant_io ia, ib;
	sink_init(&sa, &ia);
	sink_init(&sb, &ib);
	mcu_participant *a = join(room, "Alice", MCU_VIDEO_NONE, &ia);
	mcu_participant *b = join(room, "Bob", MCU_VIDEO_NONE, &ib);
	g_assert_cmpint(mcu_participant_receive_content(b, MCU_VIDEO_H264, 101, 1), ==, 0);
	g_assert_cmpint(mcu_participant_present(a, MCU_VIDEO_VP8, CONTENT_PT), ==, 0);
	csrc src;
	csrc_init(&src, MCU_VIDEO_VP8, 320, 180);
	mcu_image pic = { 0 };
	rx rb;
	rx_init(&rb, MCU_VIDEO_H264);
	bool got = false;
	/* No timing assertion: wait (up to a minute on a starved machine) for the picture. */
	for (int i = 0; i < 600 && !got; i++) {
		csrc_send(&src, a, 170, 90, i % 10 == 0);
		g_usleep(100000);
		got = rx_last(&rb, &sb, sb.content, 101, &pic);
	}
	g_assert_true(got);
	assert_colour(&pic, 160, 90, 170, 90);
	rx_clear(&rb);
	mcu_image_release(&pic);
	csrc_clear(&src);
	mcu_room_leave(room, a);
	mcu_room_leave(room, b);
	mcu_participant_unref(a);
	mcu_participant_unref(b);
	mcu_room_unref(room);
	sink_clear(&sa);
	sink_clear(&sb);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/content/reaches-receivers-of-both-codecs",
		test_presenter_content_reaches_receivers_of_both_codecs);
	g_test_add_func(
		"/mcu/content/above-1080p-scaled-down", test_content_above_1080p_is_scaled_down);
	g_test_add_func("/mcu/content/takeover-key-frame-and-leave",
		test_takeover_switches_presenter_with_a_key_frame);
	g_test_add_func("/mcu/content/presentation-layout-without-content-stream",
		test_presentation_layout_for_receivers_without_content);
	g_test_add_func("/mcu/content/hostile-rtp-dropped-and-counted",
		test_hostile_content_rtp_dropped_and_counted);
	g_test_add_func("/mcu/content/room-threads", test_content_with_room_threads);
	return g_test_run();
}
