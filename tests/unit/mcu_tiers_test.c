/*
 * mcu_tiers_test.c - bandwidth tiers of the composed picture (mcu_tiers.h), on the manual
 * clock (the same result on any machine). Each receiver decodes what it gets with a real
 * VP8 decoder, so the sizes asserted are the sizes a user would see:
 *  - three receivers, one with a low bandwidth estimate (REMB/TMMBR): that one decodes the
 *    low tier's 320x180 while the two others keep the room's 960x540; each tier is encoded
 *    once per frame whoever receives it;
 *  - the estimate recovers: the receiver climbs back one tier at a time after a hold, and
 *    an estimate just above the higher tier's bitrate (inside the margin) moves nothing;
 *  - a key frame request of the low receiver makes a key frame of the low tier only;
 *  - SDP limits (b=AS, an H.264 level's frame size) cap the tier from the start;
 *  - while someone presents, tiers apply to each picture: a low receiver of the
 *    presentation picture decodes its 320x180 while the others keep 960x540 of theirs
 *    (presentation or people), each picture and tier encoded once per frame.
 */
#include <glib.h>
#include <string.h>

#include "mcu_content.h"
#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_tiers.h"
#include "mcu_video_codec.h"
#include "mcu_vp8_rtp.h"

#define ROOM_W 960
#define ROOM_H 540
#define FPS    10
#define FRAME  (1000000 / FPS)

/* A receiver: reassembles and decodes the VP8 it gets, keeps the last picture's size. */
typedef struct rx {
	mcu_participant *p;
	mcu_vp8_assembler *asm_;
	mcu_vp8_dec *dec;
	unsigned frames, keyframes;
	int w, h;
} rx;

static void rx_send_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	rx *r = opaque;
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	if (is_video != 1 || mcu_rtp_parse(pkt, len, &h, &payload, &plen) < 0)
		return;
	mcu_vp8_assembler_push(r->asm_, h.seq, h.ts, h.marker, payload, plen);
	mcu_vp8_frame f;
	while (mcu_vp8_assembler_pop(r->asm_, &f) == 0) {
		mcu_image view;
		g_assert_cmpint(mcu_vp8_dec_decode(r->dec, f.data, f.len, &view), ==, 0);
		r->frames++;
		r->keyframes += f.keyframe ? 1 : 0;
		r->w = view.width;
		r->h = view.height;
	}
}

static void rx_join(rx *r, mcu_room *room, const char *name)
{
	memset(r, 0, sizeof(*r));
	g_assert_cmpint(mcu_vp8_assembler_new(&r->asm_), ==, 0);
	g_assert_cmpint(mcu_vp8_dec_new(&r->dec), ==, 0);
	mcu_participant_io io = { .opaque = r, .send_rtp = rx_send_rtp };
	mcu_participant_opts opts;
	mcu_participant_opts_defaults(&opts);
	opts.display = name;
	r->p = mcu_room_join(room, &opts, &io);
	g_assert_nonnull(r->p);
}

static void rx_leave(rx *r, mcu_room *room)
{
	mcu_room_leave(room, r->p);
	mcu_participant_unref(r->p);
	mcu_vp8_assembler_free(r->asm_);
	mcu_vp8_dec_free(r->dec);
}

static mcu_room *tier_room(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = ROOM_W;
	cfg.height = ROOM_H;
	cfg.fps = FPS;
	cfg.video_kbps = 1200;
	cfg.layout = MCU_LAYOUT_2X2;
	cfg.manual_clock = true;
	return mcu_room_new("tiers", &cfg);
}

static int tier_of(rx *r)
{
	mcu_participant_stats st;
	mcu_participant_get_stats(r->p, &st);
	return (int)st.video_tier;
}

static void assert_size(rx *r, int w, int h)
{
	g_assert_cmpint(r->w, ==, w);
	g_assert_cmpint(r->h, ==, h);
	mcu_participant_stats st;
	mcu_participant_get_stats(r->p, &st);
	g_assert_cmpuint(st.video_width, ==, (uint64_t)w);
	g_assert_cmpuint(st.video_height, ==, (uint64_t)h);
}

static void test_low_remb_receiver_gets_low_tier_others_keep_high(void)
{
	mcu_room *room = tier_room();
	rx r[3];
	rx_join(&r[0], room, "Ann");
	rx_join(&r[1], room, "Bob");
	rx_join(&r[2], room, "Cid");
	g_assert_cmpint(mcu_room_advance(room, 500000), ==, 0);
	for (int i = 0; i < 3; i++) {
		assert_size(&r[i], ROOM_W, ROOM_H);
		g_assert_cmpint(tier_of(&r[i]), ==, MCU_TIER_HIGH);
	}

	/* Cid's link: 200 kbit/s, below even the medium tier. */
	mcu_participant_set_bandwidth(r[2].p, 200);
	g_assert_cmpint(mcu_room_advance(room, FRAME), ==, 0);
	g_assert_cmpint(tier_of(&r[2]), ==, MCU_TIER_LOW);
	mcu_room_reset_stats(room);
	unsigned f0 = r[0].frames, f2 = r[2].frames;
	g_assert_cmpint(mcu_room_advance(room, 10 * FRAME), ==, 0);
	assert_size(&r[2], 320, 180);
	assert_size(&r[0], ROOM_W, ROOM_H);
	assert_size(&r[1], ROOM_W, ROOM_H);
	g_assert_cmpint(tier_of(&r[0]), ==, MCU_TIER_HIGH);
	g_assert_cmpint(tier_of(&r[1]), ==, MCU_TIER_HIGH);
	/* Everyone still gets every frame; each tier encoded once per frame. */
	g_assert_cmpuint(r[0].frames - f0, ==, 10);
	g_assert_cmpuint(r[2].frames - f2, ==, 10);
	g_assert_cmpuint(r[1].frames, ==, r[0].frames);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_assert_cmpuint(st.video_frames_out, ==, 10);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_HIGH], ==, 10);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_MEDIUM], ==, 0);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_LOW], ==, 10);

	/* Cid asks for a key frame: the low tier makes one, the high receivers get none. */
	unsigned k0 = r[0].keyframes, k2 = r[2].keyframes;
	mcu_participant_keyframe_request(r[2].p);
	g_assert_cmpint(mcu_room_advance(room, 2 * FRAME), ==, 0);
	g_assert_cmpuint(r[2].keyframes, ==, k2 + 1);
	g_assert_cmpuint(r[0].keyframes, ==, k0);

	for (int i = 0; i < 3; i++)
		rx_leave(&r[i], room);
	mcu_room_unref(room);
}

static void test_recovered_bandwidth_climbs_back_with_hysteresis(void)
{
	mcu_room *room = tier_room();
	rx r[2];
	rx_join(&r[0], room, "Ann");
	rx_join(&r[1], room, "Cid");
	mcu_participant_set_bandwidth(r[1].p, 150);
	g_assert_cmpint(mcu_room_advance(room, 500000), ==, 0);
	assert_size(&r[1], 320, 180);

	/* 700 kbit/s is above the medium tier's 600 but inside the 25 % margin: no move, however
	 * long it lasts (a link hovering at a tier's bitrate does not flap). */
	mcu_participant_set_bandwidth(r[1].p, 700);
	g_assert_cmpint(mcu_room_advance(room, 10000000), ==, 0);
	g_assert_cmpint(tier_of(&r[1]), ==, MCU_TIER_LOW);

	/* Plenty again: up one tier after the hold, then the next after another. */
	mcu_participant_set_bandwidth(r[1].p, 5000);
	g_assert_cmpint(mcu_room_advance(room, 3000000), ==, 0);
	g_assert_cmpint(tier_of(&r[1]), ==, MCU_TIER_LOW);
	g_assert_cmpint(mcu_room_advance(room, 2000000), ==, 0);
	g_assert_cmpint(tier_of(&r[1]), ==, MCU_TIER_MEDIUM);
	assert_size(&r[1], 640, 360);
	g_assert_cmpint(mcu_room_advance(room, 5000000), ==, 0);
	g_assert_cmpint(tier_of(&r[1]), ==, MCU_TIER_HIGH);
	assert_size(&r[1], ROOM_W, ROOM_H);
	/* Only the high tier has receivers now: the others are not encoded. */
	mcu_room_reset_stats(room);
	g_assert_cmpint(mcu_room_advance(room, 5 * FRAME), ==, 0);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_HIGH], ==, 5);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_MEDIUM], ==, 0);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_LOW], ==, 0);
	/* A drop is followed at once. */
	mcu_participant_set_bandwidth(r[1].p, 400);
	g_assert_cmpint(mcu_room_advance(room, 2 * FRAME), ==, 0);
	g_assert_cmpint(tier_of(&r[1]), ==, MCU_TIER_LOW);
	assert_size(&r[1], 320, 180);
	assert_size(&r[0], ROOM_W, ROOM_H);

	for (int i = 0; i < 2; i++)
		rx_leave(&r[i], room);
	mcu_room_unref(room);
}

static void test_sdp_limits_cap_the_tier(void)
{
	mcu_room *room = tier_room();
	rx r[3];
	rx_join(&r[0], room, "Room system");
	rx_join(&r[1], room, "b=AS:256 phone");
	rx_join(&r[2], room, "level 3.0 phone");
	mcu_video_limits as = { .max_kbps = 256 };
	mcu_participant_set_video_limits(r[1].p, &as);
	mcu_video_limits lvl = { .h264_level_idc = 30 };
	mcu_participant_set_video_limits(r[2].p, &lvl);
	/* A room system's 1080p-capable level allows the room's size. */
	mcu_video_limits big = { .h264_level_idc = 40 };
	mcu_participant_set_video_limits(r[0].p, &big);
	g_assert_cmpint(mcu_room_advance(room, 500000), ==, 0);
	assert_size(&r[0], ROOM_W, ROOM_H);
	assert_size(&r[1], 320, 180);
	assert_size(&r[2], 640, 360);
	/* A good estimate does not lift a receiver above its SDP's limits. */
	mcu_participant_set_bandwidth(r[1].p, 5000);
	g_assert_cmpint(mcu_room_advance(room, 10000000), ==, 0);
	g_assert_cmpint(tier_of(&r[1]), ==, MCU_TIER_LOW);
	g_assert_cmpint(tier_of(&r[2]), ==, MCU_TIER_MEDIUM);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_HIGH], ==, st.video_frames_out);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_MEDIUM], ==, st.video_frames_out);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_LOW], ==, st.video_frames_out);
	g_assert_cmpint(mcu_h264_level_max_fs(31), ==, 3600);
	g_assert_cmpint(mcu_h264_level_max_fs(99), ==, 0);
	for (int i = 0; i < 3; i++)
		rx_leave(&r[i], room);
	mcu_room_unref(room);
}

static void test_presentation_picture_has_its_own_tiers(void)
{
	mcu_room *room = tier_room();
	rx r[4];
	rx_join(&r[0], room, "Ann");
	rx_join(&r[1], room, "Bob");
	rx_join(&r[2], room, "Cid");
	rx_join(&r[3], room, "Dan");
	/* Ann presents; Dan gets the content on a stream of its own (so the people picture),
	 * the others the presentation picture; Cid's link is 200 kbit/s. */
	g_assert_cmpint(mcu_participant_receive_content(r[3].p, MCU_VIDEO_VP8, 100, 1), ==, 0);
	g_assert_cmpint(mcu_participant_present(r[0].p, MCU_VIDEO_VP8, 100), ==, 0);
	mcu_participant_set_bandwidth(r[2].p, 200);
	g_assert_cmpint(mcu_room_advance(room, 500000), ==, 0);
	mcu_room_reset_stats(room);
	unsigned f[4];
	for (int i = 0; i < 4; i++)
		f[i] = r[i].frames;
	g_assert_cmpint(mcu_room_advance(room, 10 * FRAME), ==, 0);
	assert_size(&r[2], 320, 180);
	g_assert_cmpint(tier_of(&r[2]), ==, MCU_TIER_LOW);
	for (int i = 0; i < 4; i++) {
		if (i != 2) {
			assert_size(&r[i], ROOM_W, ROOM_H);
			g_assert_cmpint(tier_of(&r[i]), ==, MCU_TIER_HIGH);
		}
		g_assert_cmpuint(r[i].frames - f[i], ==, 10);
	}
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_HIGH], ==, 20); /* people, presentation */
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_MEDIUM], ==, 0);
	g_assert_cmpuint(st.video_encodes_tier[MCU_TIER_LOW], ==, 10); /* presentation only */

	/* Cid's key frame request: the presentation picture's low tier only. */
	unsigned k[4];
	for (int i = 0; i < 4; i++)
		k[i] = r[i].keyframes;
	mcu_participant_keyframe_request(r[2].p);
	g_assert_cmpint(mcu_room_advance(room, 2 * FRAME), ==, 0);
	g_assert_cmpuint(r[2].keyframes, ==, k[2] + 1);
	g_assert_cmpuint(r[1].keyframes, ==, k[1]);
	g_assert_cmpuint(r[3].keyframes, ==, k[3]);

	for (int i = 0; i < 4; i++)
		rx_leave(&r[i], room);
	mcu_room_unref(room);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu_tiers/low_remb_receiver_gets_low_tier_others_keep_high",
		test_low_remb_receiver_gets_low_tier_others_keep_high);
	g_test_add_func("/mcu_tiers/recovered_bandwidth_climbs_back_with_hysteresis",
		test_recovered_bandwidth_climbs_back_with_hysteresis);
	g_test_add_func("/mcu_tiers/sdp_limits_cap_the_tier", test_sdp_limits_cap_the_tier);
	g_test_add_func("/mcu_tiers/presentation_picture_has_its_own_tiers",
		test_presentation_picture_has_its_own_tiers);
	return g_test_run();
}
