/*
 * mcu_simulcast_test.c - simulcast inputs (mcu_simulcast.h): a sender with three layers
 * (160x90, 320x180, 640x360 on a 640x360 canvas: the proportions of a 720p camera on a
 * 720p room) has only the smallest layer that fills its tile decoded (the decoder's output,
 * i.e. its input's size, is asserted, and no frame of another layer is decoded); put on the
 * main pane it is asked for a key frame of the full layer and keeps its small layer until
 * that key frame comes, then decodes the full one; back in the grid it returns to the small
 * one; a layer that stops is left for one still sending; bad layer numbers are refused.
 * The room runs on its manual clock: the same result on any machine.
 */
#include <glib.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_simulcast.h"
#include "mcu_vp8_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_image.h"

#define FRAME_US 100000 /* the room composes at 10 fps */

typedef struct sink {
	gint plis;
	gint layer_plis[MCU_SIMULCAST_LAYERS];
} sink;

static void sink_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	(void)opaque;
	(void)is_video;
	(void)pkt;
	(void)len;
}

static void sink_pli(void *opaque)
{
	g_atomic_int_inc(&((sink *)opaque)->plis);
}

static void sink_layer_pli(void *opaque, int layer)
{
	g_assert_cmpint(layer, >=, 0);
	g_assert_cmpint(layer, <, MCU_SIMULCAST_LAYERS);
	g_atomic_int_inc(&((sink *)opaque)->layer_plis[layer]);
}

/* One encoder per layer, each with its own SSRC and sequence numbers, as a browser sends. */
typedef struct layer_src {
	mcu_vp8_enc *enc;
	mcu_image img;
	uint16_t seq;
} layer_src;

typedef struct sim_src {
	layer_src l[MCU_SIMULCAST_LAYERS];
	int n;
} sim_src;

static const int layer_w[MCU_SIMULCAST_LAYERS] = { 160, 320, 640 };
static const int layer_h[MCU_SIMULCAST_LAYERS] = { 90, 180, 360 };

static void sim_src_init(sim_src *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++) {
		g_assert_cmpint(
			mcu_vp8_enc_new(layer_w[i], layer_h[i], 10, 300 << i, &s->l[i].enc), ==, 0);
		g_assert_cmpint(mcu_image_alloc(&s->l[i].img, layer_w[i], layer_h[i]), ==, 0);
		s->l[i].seq = (uint16_t)(1000 * (i + 1));
	}
}

static void sim_src_clear(sim_src *s)
{
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++) {
		mcu_vp8_enc_free(s->l[i].enc);
		mcu_image_release(&s->l[i].img);
	}
}

/* Encodes the next picture on every layer (key frames on the layers in key_mask) and sends
 * them, smallest layer first. */
static void sim_src_send(sim_src *s, mcu_participant *p, unsigned key_mask)
{
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++) {
		layer_src *l = &s->l[i];
		mcu_image *img = &l->img;
		for (int y = 0; y < img->height; y++)
			for (int x = 0; x < img->width; x++)
				img->planes[0][y * img->strides[0] + x] = (uint8_t)(60
					+ ((x * 640 / img->width + s->n * 8) % 128));
		memset(img->planes[1], 90, (size_t)img->strides[1] * (img->height / 2));
		memset(img->planes[2], 160, (size_t)img->strides[2] * (img->height / 2));
		const uint8_t *data;
		size_t len;
		bool key;
		g_assert_cmpint(
			mcu_vp8_enc_encode(l->enc, img, (key_mask >> i) & 1, &data, &len, &key), ==,
			0);
		g_assert_cmpuint(len, >, 0);
		size_t count = mcu_vp8_packet_count(len, 1200);
		for (size_t k = 0; k < count; k++) {
			uint8_t pkt[1300];
			size_t plen;
			bool marker;
			g_assert_cmpint(mcu_vp8_packetize(data, len, (uint16_t)s->n, 1200, k,
						pkt + 12, sizeof(pkt) - 12, &plen, &marker),
				==, 0);
			mcu_rtp_write_header(pkt, 12, marker, 96, l->seq++, (uint32_t)s->n * 9000,
				0x5000 + (uint32_t)i);
			mcu_participant_incoming_rtp_layer(p, i, pkt, plen + 12);
		}
	}
	s->n++;
}

typedef struct fixture {
	mcu_room *room;
	sink sk, other_sk;
	mcu_participant *sender, *other;
	sim_src src;
} fixture;

static void fixture_init(fixture *f, mcu_layout_kind layout)
{
	memset(f, 0, sizeof(*f));
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 640;
	cfg.height = 360;
	cfg.fps = 10;
	cfg.video_kbps = 600;
	cfg.layout = layout;
	cfg.manual_clock = true;
	f->room = mcu_room_new("simulcast", &cfg);
	g_assert_nonnull(f->room);
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	o.display = "Other";
	/* Joins first: the main pane is its before anyone talks. Sends no video. */
	f->other = mcu_room_join(f->room, &o,
		&(mcu_participant_io){ .opaque = &f->other_sk,
			.send_rtp = sink_send,
			.request_keyframe = sink_pli });
	o.display = "Simulcaster";
	f->sender = mcu_room_join(f->room, &o,
		&(mcu_participant_io){
			.opaque = &f->sk, .send_rtp = sink_send, .request_keyframe = sink_pli });
	g_assert_nonnull(f->sender);
	mcu_participant_set_layer_keyframe(f->sender, sink_layer_pli);
	sim_src_init(&f->src);
	/* One composed frame: the tiles are known before the first packet. */
	g_assert_cmpint(mcu_room_advance(f->room, FRAME_US), ==, 0);
}

static void fixture_clear(fixture *f)
{
	mcu_room_leave(f->room, f->sender);
	mcu_room_leave(f->room, f->other);
	mcu_participant_unref(f->sender);
	mcu_participant_unref(f->other);
	mcu_room_unref(f->room);
	sim_src_clear(&f->src);
}

/* Sends n pictures (key frames on key_mask for the first), one composed frame after each. */
static void run_frames(fixture *f, int n, unsigned key_mask)
{
	for (int i = 0; i < n; i++) {
		sim_src_send(&f->src, f->sender, i == 0 ? key_mask : 0);
		g_assert_cmpint(mcu_room_advance(f->room, FRAME_US), ==, 0);
	}
}

static mcu_simulcast_stats stats_of(mcu_participant *p)
{
	mcu_simulcast_stats st;
	mcu_participant_get_simulcast_stats(p, &st);
	return st;
}

static void test_grid_tile_decodes_smallest_sufficient_layer(void)
{
	fixture f;
	fixture_init(&f, MCU_LAYOUT_3X3);
	run_frames(&f, 12, 0x7);
	mcu_simulcast_stats st = stats_of(f.sender);
	g_assert_cmpint(st.layers_seen, ==, 3);
	/* A 3x3 tile of 640x360 is 212x120: 160x90 fills it (75 %), 320x180 is not needed. */
	g_assert_cmpint(st.layer, ==, 0);
	g_assert_cmpint(st.target, ==, 0);
	g_assert_cmpint(st.width, ==, 160);
	g_assert_cmpint(st.height, ==, 90);
	g_assert_cmpuint(st.frames_decoded[0], ==, 12);
	g_assert_cmpuint(st.frames_decoded[1], ==, 0);
	g_assert_cmpuint(st.frames_decoded[2], ==, 0);
	g_assert_cmpuint(st.switches, ==, 0);
	/* Every layer's size was learnt from its key frame, without decoding it. */
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++) {
		g_assert_cmpint(st.layer_width[i], ==, layer_w[i]);
		g_assert_cmpint(st.layer_height[i], ==, layer_h[i]);
		g_assert_cmpuint(st.packets_in[i], >=, 12);
	}
	mcu_participant_stats ps;
	mcu_participant_get_stats(f.sender, &ps);
	g_assert_cmpuint(ps.video_frames_decoded, ==, 12);
	g_assert_cmpuint(ps.video_frames_lost, ==, 0);
	g_assert_cmpint(g_atomic_int_get(&f.sk.plis), ==, 0);
	fixture_clear(&f);
}

static void test_main_pane_switches_to_full_layer_at_its_keyframe(void)
{
	fixture f;
	fixture_init(&f, MCU_LAYOUT_3X3);
	run_frames(&f, 5, 0x7);
	g_assert_cmpint(stats_of(f.sender).layer, ==, 0);

	/* Promoted: 1+7 with the sender in the spotlight, main pane 640x314. */
	g_assert_cmpint(mcu_room_set_layout(f.room, MCU_LAYOUT_1_7), ==, 0);
	mcu_room_set_spotlight(f.room, f.sender);
	g_assert_cmpint(mcu_room_advance(f.room, FRAME_US), ==, 0);
	/* No key frame of the full layer yet: it is asked for, the small layer goes on. */
	run_frames(&f, 4, 0);
	mcu_simulcast_stats st = stats_of(f.sender);
	g_assert_cmpint(st.target, ==, 2);
	g_assert_cmpint(st.layer, ==, 0);
	g_assert_cmpint(st.width, ==, 160);
	g_assert_cmpuint(st.frames_decoded[0], ==, 9);
	g_assert_cmpuint(st.frames_decoded[2], ==, 0);
	g_assert_cmpint(g_atomic_int_get(&f.sk.layer_plis[2]), >=, 1);
	g_assert_cmpint(g_atomic_int_get(&f.sk.layer_plis[1]), ==, 0);

	/* The full layer's key frame (sent after that picture's small layer, which is still
	 * decoded): from then on only the full layer is decoded. */
	run_frames(&f, 6, 0x4);
	st = stats_of(f.sender);
	g_assert_cmpint(st.layer, ==, 2);
	g_assert_cmpint(st.width, ==, 640);
	g_assert_cmpint(st.height, ==, 360);
	g_assert_cmpuint(st.frames_decoded[0], ==, 10);
	g_assert_cmpuint(st.frames_decoded[1], ==, 0);
	g_assert_cmpuint(st.frames_decoded[2], ==, 6);
	g_assert_cmpuint(st.switches, ==, 1);
	mcu_participant_stats ps;
	mcu_participant_get_stats(f.sender, &ps);
	g_assert_cmpuint(ps.video_frames_decoded, ==, 16);
	g_assert_cmpuint(ps.video_frames_lost, ==, 0);

	/* Back to the grid: the small layer again, at its key frame. */
	mcu_room_set_spotlight(f.room, NULL);
	g_assert_cmpint(mcu_room_set_layout(f.room, MCU_LAYOUT_3X3), ==, 0);
	g_assert_cmpint(mcu_room_advance(f.room, FRAME_US), ==, 0);
	run_frames(&f, 2, 0);
	g_assert_cmpint(stats_of(f.sender).layer, ==, 2);
	g_assert_cmpint(g_atomic_int_get(&f.sk.layer_plis[0]), >=, 1);
	run_frames(&f, 3, 0x1);
	st = stats_of(f.sender);
	g_assert_cmpint(st.layer, ==, 0);
	g_assert_cmpint(st.width, ==, 160);
	g_assert_cmpuint(st.frames_decoded[0], ==, 13);
	g_assert_cmpuint(st.frames_decoded[1], ==, 0);
	g_assert_cmpuint(st.frames_decoded[2], ==, 8);
	g_assert_cmpuint(st.switches, ==, 2);
	fixture_clear(&f);
}

static void test_two_by_two_tile_takes_middle_layer(void)
{
	fixture f;
	fixture_init(&f, MCU_LAYOUT_2X2);
	/* The first key frame starts layer 0 (it does not fill the 320x180 tile, but it is
	 * the only one known); layer 1's key frame right after it fills the tile: switch. */
	run_frames(&f, 6, 0x7);
	mcu_simulcast_stats st = stats_of(f.sender);
	g_assert_cmpuint(st.frames_decoded[0], ==, 1);
	g_assert_cmpuint(st.frames_decoded[1], ==, 6);
	g_assert_cmpuint(st.switches, ==, 1);
	g_assert_cmpint(st.target, ==, 1);
	g_assert_cmpint(st.layer, ==, 1);
	g_assert_cmpint(st.width, ==, 320);
	g_assert_cmpint(st.height, ==, 180);
	g_assert_cmpuint(st.frames_decoded[2], ==, 0);
	fixture_clear(&f);
}

static void test_stopped_layer_is_left_for_one_still_sending(void)
{
	fixture f;
	fixture_init(&f, MCU_LAYOUT_3X3);
	run_frames(&f, 3, 0x7);
	g_assert_cmpint(stats_of(f.sender).layer, ==, 0);
	/* The browser drops its smallest layer: only layers 1 and 2 go on. */
	for (int i = 0; i < 15; i++) {
		sim_src *s = &f.src;
		for (int k = 1; k < MCU_SIMULCAST_LAYERS; k++) {
			layer_src *l = &s->l[k];
			const uint8_t *data;
			size_t len;
			bool key;
			g_assert_cmpint(
				mcu_vp8_enc_encode(l->enc, &l->img, i % 5 == 0, &data, &len, &key),
				==, 0);
			size_t count = mcu_vp8_packet_count(len, 1200);
			for (size_t j = 0; j < count; j++) {
				uint8_t pkt[1300];
				size_t plen;
				bool marker;
				g_assert_cmpint(
					mcu_vp8_packetize(data, len, (uint16_t)s->n, 1200, j,
						pkt + 12, sizeof(pkt) - 12, &plen, &marker),
					==, 0);
				mcu_rtp_write_header(pkt, 12, marker, 96, l->seq++,
					(uint32_t)s->n * 9000, 0x5000 + (uint32_t)k);
				mcu_participant_incoming_rtp_layer(f.sender, k, pkt, plen + 12);
			}
		}
		s->n++;
		g_assert_cmpint(mcu_room_advance(f.room, FRAME_US), ==, 0);
	}
	mcu_simulcast_stats st = stats_of(f.sender);
	g_assert_cmpint(st.layer, ==, 1);
	g_assert_cmpint(st.width, ==, 320);
	g_assert_cmpuint(st.frames_decoded[2], ==, 0);
	fixture_clear(&f);
}

static void test_bad_layer_numbers_refused(void)
{
	fixture f;
	fixture_init(&f, MCU_LAYOUT_3X3);
	uint8_t pkt[64] = { 0 };
	mcu_rtp_write_header(pkt, 12, true, 96, 1, 1, 0x77);
	mcu_participant_incoming_rtp_layer(f.sender, -1, pkt, sizeof(pkt));
	mcu_participant_incoming_rtp_layer(f.sender, MCU_SIMULCAST_LAYERS, pkt, sizeof(pkt));
	mcu_participant_incoming_rtp_layer(f.sender, 0, NULL, 10);
	mcu_participant_incoming_rtp_layer(f.sender, 0, pkt, 5);
	mcu_participant_incoming_rtp_layer(NULL, 0, pkt, sizeof(pkt));
	mcu_participant_stats ps;
	mcu_participant_get_stats(f.sender, &ps);
	g_assert_cmpuint(ps.bad_packets_in, ==, 4);
	/* Random payloads on every layer: refused or ignored, never decoded, no crash. */
	GRand *r = g_rand_new_with_seed(7);
	for (int i = 0; i < 2000; i++) {
		uint8_t b[200];
		size_t n = (size_t)g_rand_int_range(r, 12, (int)sizeof(b));
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)g_rand_int(r);
		mcu_rtp_write_header(b, 12, g_rand_boolean(r), 96, (uint16_t)i, (uint32_t)i, 0x9);
		mcu_participant_incoming_rtp_layer(f.sender, i % 3, b, n);
	}
	g_rand_free(r);
	/* A good stream still decodes afterwards. */
	run_frames(&f, 4, 0x7);
	g_assert_cmpint(stats_of(f.sender).width, >, 0);
	fixture_clear(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/simulcast/grid_tile_decodes_smallest_sufficient_layer",
		test_grid_tile_decodes_smallest_sufficient_layer);
	g_test_add_func("/mcu/simulcast/main_pane_switches_to_full_layer_at_its_keyframe",
		test_main_pane_switches_to_full_layer_at_its_keyframe);
	g_test_add_func("/mcu/simulcast/two_by_two_tile_takes_middle_layer",
		test_two_by_two_tile_takes_middle_layer);
	g_test_add_func("/mcu/simulcast/stopped_layer_is_left_for_one_still_sending",
		test_stopped_layer_is_left_for_one_still_sending);
	g_test_add_func("/mcu/simulcast/bad_layer_numbers_refused", test_bad_layer_numbers_refused);
	return g_test_run();
}
