/*
 * mcu_feedback_test.c - key frames and decoding cost of the room's video, on the manual
 * clock (the same result on any machine):
 *  - however many receivers ask for a key frame at once (PLI/FIR), the shared encoder makes
 *    one, within 100 ms, and every receiver gets that same key frame;
 *  - a big room (12 senders, 3x3 layout): the picture shows the most recent talkers, the
 *    video of a listener that is off screen is not decoded (decodes follow the tiles, not
 *    the participants), everyone's audio is still decoded for the mix, and a participant
 *    who comes on screen is asked for a key frame (PLI) and its tile decodes again.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "mcu_audio_codec.h"
#include "mcu_image.h"
#include "mcu_opus_rtp.h"
#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_vp8_rtp.h"

/* A participant's io: keeps the VP8 frames it receives (reassembled) and counts the PLIs
 * the room sends to it. */
typedef struct peer {
	mcu_participant *p;
	mcu_vp8_assembler *rx;
	unsigned frames_in, keyframes_in;
	gint plis;
	/* as a sender */
	mcu_vp8_enc *venc;
	mcu_opus_enc *aenc;
	mcu_image pic;
	uint16_t vseq, aseq;
	uint32_t frames_out;
	long samples;
	int plis_answered;
} peer;

static void peer_send_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	peer *pe = opaque;
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	if (!is_video || mcu_rtp_parse(pkt, len, &h, &payload, &plen) < 0)
		return;
	mcu_vp8_assembler_push(pe->rx, h.seq, h.ts, h.marker, payload, plen);
	mcu_vp8_frame f;
	while (mcu_vp8_assembler_pop(pe->rx, &f) == 0) {
		pe->frames_in++;
		pe->keyframes_in += f.keyframe ? 1 : 0;
	}
}

static void peer_pli(void *opaque)
{
	g_atomic_int_inc(&((peer *)opaque)->plis);
}

static void peer_join(peer *pe, mcu_room *room, const char *name, bool sends)
{
	memset(pe, 0, sizeof(*pe));
	g_assert_cmpint(mcu_vp8_assembler_new(&pe->rx), ==, 0);
	mcu_participant_io io = {
		.opaque = pe, .send_rtp = peer_send_rtp, .request_keyframe = peer_pli
	};
	mcu_participant_opts opts;
	mcu_participant_opts_defaults(&opts);
	opts.display = name;
	pe->p = mcu_room_join(room, &opts, &io);
	g_assert_nonnull(pe->p);
	if (!sends)
		return;
	g_assert_cmpint(mcu_vp8_enc_new(160, 90, 10, 200, &pe->venc), ==, 0);
	g_assert_cmpint(mcu_opus_enc_new(32000, &pe->aenc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&pe->pic, 160, 90), ==, 0);
	memset(pe->pic.planes[0], 100, (size_t)pe->pic.strides[0] * 90);
	memset(pe->pic.planes[1], 128, (size_t)pe->pic.strides[1] * 45);
	memset(pe->pic.planes[2], 128, (size_t)pe->pic.strides[2] * 45);
}

static void peer_leave(peer *pe, mcu_room *room)
{
	mcu_room_leave(room, pe->p);
	mcu_participant_unref(pe->p);
	mcu_vp8_assembler_free(pe->rx);
	if (pe->venc) {
		mcu_vp8_enc_free(pe->venc);
		mcu_opus_enc_free(pe->aenc);
		mcu_image_release(&pe->pic);
	}
}

/* 20 ms of audio: a tone when talking, else silence. */
static void peer_audio(peer *pe, bool talk)
{
	int16_t pcm[960];
	for (int i = 0; i < 960; i++, pe->samples++)
		pcm[i] = talk ? (int16_t)(8000 * sin(2 * G_PI * 300 * (double)pe->samples / 48000))
			      : 0;
	uint8_t opus[1500], rtp[1600];
	size_t olen, rlen;
	g_assert_cmpint(mcu_opus_enc_encode(pe->aenc, pcm, opus, sizeof(opus), &olen), ==, 0);
	mcu_opus_rtp_packetize(
		rtp, sizeof(rtp), 111, pe->aseq++, (uint32_t)pe->samples, 7, opus, olen, &rlen);
	mcu_participant_incoming_rtp(pe->p, 0, rtp, rlen, -1);
}

/* One video frame; a key frame first and whenever the room sent a PLI since the last. */
static void peer_video(peer *pe)
{
	int plis = g_atomic_int_get(&pe->plis);
	bool force = pe->frames_out == 0 || plis > pe->plis_answered;
	pe->plis_answered = plis;
	const uint8_t *data;
	size_t len;
	bool key;
	g_assert_cmpint(mcu_vp8_enc_encode(pe->venc, &pe->pic, force, &data, &len, &key), ==, 0);
	for (size_t k = 0, n = mcu_vp8_packet_count(len, 1200); k < n; k++) {
		uint8_t pkt[1300];
		size_t plen;
		bool marker;
		mcu_vp8_packetize(data, len, (uint16_t)pe->frames_out, 1200, k, pkt + 12,
			sizeof(pkt) - 12, &plen, &marker);
		mcu_rtp_write_header(
			pkt, 12, marker, 96, pe->vseq++, pe->frames_out * 9000, 0x1234);
		mcu_participant_incoming_rtp(pe->p, 1, pkt, plen + 12, -1);
	}
	pe->frames_out++;
}

static mcu_room *manual_room(mcu_layout_kind layout, int fps)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 320;
	cfg.height = 180;
	cfg.fps = fps;
	cfg.video_kbps = 300;
	cfg.layout = layout;
	cfg.manual_clock = true;
	return mcu_room_new("feedback", &cfg);
}

#define RECEIVERS 6

static void test_many_plis_make_one_keyframe_within_100ms(void)
{
	mcu_room *room = manual_room(MCU_LAYOUT_2X2, 30);
	peer rx[RECEIVERS];
	for (int i = 0; i < RECEIVERS; i++)
		peer_join(&rx[i], room, "R", false);
	/* Past the join key frame and the key-frame rate limit. */
	g_assert_cmpint(mcu_room_advance(room, 2000000), ==, 0);
	for (int i = 0; i < RECEIVERS; i++) {
		g_assert_cmpuint(rx[i].frames_in, >=, 50);
		g_assert_cmpuint(rx[i].keyframes_in, ==, 1);
	}
	/* Every receiver asks, some of them twice (a PLI and a FIR). */
	for (int i = 0; i < RECEIVERS; i++) {
		mcu_participant_keyframe_request(rx[i].p);
		if (i % 2)
			mcu_participant_keyframe_request(rx[i].p);
	}
	g_assert_cmpint(mcu_room_advance(room, 100000), ==, 0);
	for (int i = 0; i < RECEIVERS; i++)
		g_assert_cmpuint(rx[i].keyframes_in, ==, 2);
	/* One key frame answered them all: none follows. */
	g_assert_cmpint(mcu_room_advance(room, 1000000), ==, 0);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	for (int i = 0; i < RECEIVERS; i++) {
		g_assert_cmpuint(rx[i].keyframes_in, ==, 2);
		g_assert_cmpuint(rx[i].frames_in, ==, rx[0].frames_in);
	}
	for (int i = 0; i < RECEIVERS; i++)
		peer_leave(&rx[i], room);
	mcu_room_unref(room);
}

#define BIG 12

/* ms of the room's clock: audio from everyone every 20 ms (talkers[i]: a tone), a video
 * frame from everyone every 100 ms. */
static void big_run(mcu_room *room, peer *pe, const bool *talkers, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		for (int i = 0; i < BIG; i++) {
			peer_audio(&pe[i], talkers[i]);
			if (t % 100 == 0)
				peer_video(&pe[i]);
		}
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
}

static void big_stats(peer *pe, mcu_participant_stats *st)
{
	for (int i = 0; i < BIG; i++)
		mcu_participant_get_stats(pe[i].p, &st[i]);
}

static void test_big_room_decodes_tiles_not_listeners(void)
{
	mcu_room *room = manual_room(MCU_LAYOUT_3X3, 10);
	peer pe[BIG];
	char names[BIG][8];
	for (int i = 0; i < BIG; i++) {
		g_snprintf(names[i], sizeof(names[i]), "P%d", i);
		peer_join(&pe[i], room, names[i], true);
	}
	/* Participants 9, 10 and 11 talk in turn, then everyone listens: the 9 tiles show the 3
	 * of them and 6 others; 3 listeners are off screen. */
	bool talk[BIG] = { false };
	for (int k = 9; k < BIG; k++) {
		memset(talk, 0, sizeof(talk));
		talk[k] = true;
		big_run(room, pe, talk, 1500);
	}
	memset(talk, 0, sizeof(talk));
	big_run(room, pe, talk, 3000); /* off screen for longer than the hide delay */
	mcu_participant_stats before[BIG], after[BIG];
	big_stats(pe, before);
	big_run(room, pe, talk, 2000);
	big_stats(pe, after);
	unsigned decoding = 0;
	for (int i = 0; i < BIG; i++) {
		uint64_t decoded = after[i].video_frames_decoded - before[i].video_frames_decoded;
		if (decoded > 0)
			decoding++;
		/* Everyone is still heard: every sender's audio goes into the mix. */
		g_assert_cmpuint(after[i].audio_frames_decoded, >, before[i].audio_frames_decoded);
		/* The talkers are on screen. */
		if (i >= 9)
			g_assert_cmpuint(decoded, >=, 15);
	}
	g_assert_cmpuint(decoding, ==, 9); /* one decode per tile, none for the 3 listeners */
	/* An off-screen listener that talks comes on screen: asked for a key frame, decoded. */
	int hidden = -1;
	for (int i = 0; i < 9 && hidden < 0; i++)
		if (after[i].video_frames_decoded == before[i].video_frames_decoded)
			hidden = i;
	g_assert_cmpint(hidden, >=, 0);
	int plis0 = g_atomic_int_get(&pe[hidden].plis);
	talk[hidden] = true;
	big_stats(pe, before);
	big_run(room, pe, talk, 2000);
	big_stats(pe, after);
	g_assert_cmpint(g_atomic_int_get(&pe[hidden].plis), >, plis0);
	g_assert_cmpuint(
		after[hidden].video_frames_decoded - before[hidden].video_frames_decoded, >=, 5);
	for (int i = 0; i < BIG; i++)
		peer_leave(&pe[i], room);
	mcu_room_unref(room);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/feedback/many-plis-make-one-keyframe-within-100ms",
		test_many_plis_make_one_keyframe_within_100ms);
	g_test_add_func("/mcu/feedback/big-room-decodes-tiles-not-listeners",
		test_big_room_decodes_tiles_not_listeners);
	return g_test_run();
}
