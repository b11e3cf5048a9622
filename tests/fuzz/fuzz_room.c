/*
 * fuzz_room.c - libFuzzer harness of the whole room input path:
 * mcu_participant_incoming_rtp() with arbitrary bytes, audio and video, and the content
 * input (mcu_participant_incoming_content_rtp, mcu_content.h).
 *
 * One small room (160x90) is created in LLVMFuzzerInitialize with a listener that never
 * sends. The room runs on its manual clock: after every input the harness moves it 20 ms on
 * (mcu_room_advance), so its audio and video ticks mix, compose and encode what the inputs
 * brought, on this thread: no room thread runs beside an input. Each input joins a fresh
 * participant (so one input's state does not leak into the next), feeds it a stream of RTP
 * packets (fuzz_records.h framing; flag bit 0: video, bit 1: also ask for a key frame,
 * bit 2: a packet of its content stream instead: the participant presents from its first
 * such packet, with H.264 when bit 3 is set, VP8 otherwise; the listener receives the
 * content as VP8 on a stream of its own, and bit 1 then asks for a content key frame;
 * bit 4: also take the record's first bytes as a bandwidth estimate and SDP limits, which
 * move the participant between bandwidth tiers, mcu_tiers.h; bits 5-6: 1..3 send a
 * camera packet as that simulcast layer minus one, mcu_participant_incoming_rtp_layer) and
 * leaves (which stops its presentation).
 *
 * Checks: every packet is counted exactly once (in, or bad; content packets in the content
 * figures; a simulcast layer's packet that is only looked at is counted in that layer's
 * packets_in), and every packet the room sends out is well-formed RTP carrying a valid Opus or
 * VP8 payload, content included.
 */
#include "mcu_room.h"
#include "mcu_content.h"
#include "mcu_rtp.h"
#include "mcu_simulcast.h"
#include "mcu_tiers.h"
#include "mcu_opus_rtp.h"
#include "mcu_vp8_rtp.h"
#include "fuzz_records.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AUDIO_PT   111
#define VIDEO_PT   96
#define CONTENT_PT 100

static mcu_room *room;
static mcu_participant *listener;

/* The room's ticks: what it sends must parse as our own packets. */
static void check_sent(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	(void)opaque;
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	FUZZ_ASSERT(mcu_rtp_parse(pkt, len, &h, &payload, &plen) == 0);
	FUZZ_ASSERT(h.pt
		== (is_video == MCU_STREAM_CONTENT ? CONTENT_PT
				: is_video         ? VIDEO_PT
						   : AUDIO_PT));
	if (is_video) {
		mcu_vp8_desc d;
		FUZZ_ASSERT(mcu_vp8_desc_parse(payload, plen, &d) == 0);
	} else {
		FUZZ_ASSERT(mcu_opus_rtp_check(payload, plen, NULL) == 0);
	}
}

static void keyframe_wanted(void *opaque)
{
	(void)opaque;
}

static const mcu_participant_io io = {
	.opaque = NULL,
	.send_rtp = check_sent,
	.request_keyframe = keyframe_wanted,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 160;
	cfg.height = 90;
	cfg.fps = 10;
	cfg.video_kbps = 100;
	cfg.audio_kbps = 16;
	cfg.manual_clock = true;
	room = mcu_room_new("fuzz", &cfg);
	FUZZ_ASSERT(room);
	listener = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "listener",
			.audio_pt = AUDIO_PT,
			.video_pt = VIDEO_PT,
			.h264_packetization_mode = 1 },
		&io);
	FUZZ_ASSERT(listener);
	FUZZ_ASSERT(mcu_participant_receive_content(listener, MCU_VIDEO_VP8, CONTENT_PT, 1) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mcu_participant *p = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "fuzz",
			.audio_pt = AUDIO_PT,
			.video_pt = VIDEO_PT,
			.h264_packetization_mode = 1 },
		&io);
	FUZZ_ASSERT(p);
	fuzz_reader r;
	fuzz_reader_init(&r, data, size);
	uint8_t flags;
	uint8_t *pkt;
	size_t len;
	uint64_t fed = 0, content_fed = 0, fed_layered = 0;
	bool presents = false;
	while (fuzz_record_next(&r, &flags, &pkt, &len)) {
		if ((flags & 16) && len >= 4) {
			mcu_participant_set_bandwidth(p, (int8_t)pkt[0] * 8);
			mcu_video_limits lim = { .max_kbps = (int8_t)pkt[1] * 4,
				.h264_level_idc = pkt[2],
				.max_fs = (int8_t)pkt[3] * 16 };
			mcu_participant_set_video_limits(p, &lim);
		}
		if (flags & 4) {
			if (!presents)
				FUZZ_ASSERT(mcu_participant_present(p,
						    flags & 8 ? MCU_VIDEO_H264 : MCU_VIDEO_VP8,
						    VIDEO_PT)
					== 0);
			presents = true;
			mcu_participant_incoming_content_rtp(p, pkt, len);
			if (flags & 2)
				mcu_participant_content_keyframe_request(listener);
			content_fed++;
		} else if ((flags >> 5) & 3) {
			mcu_participant_incoming_rtp_layer(p, ((flags >> 5) & 3) - 1, pkt, len);
			if (flags & 2)
				mcu_participant_keyframe_request(p);
			fed_layered++;
		} else {
			mcu_participant_incoming_rtp(p, flags & 1, pkt, len, -1);
			if (flags & 2)
				mcu_participant_keyframe_request(p);
			fed++;
		}
		free(pkt);
	}
	/* One audio tick per input, and a composed picture every fifth (10 fps); a presenter's
	 * input gets a video tick of its own (its content encoded and sent, the presentation
	 * picture composed). */
	FUZZ_ASSERT(mcu_room_advance(room, presents ? 100000 : 20000) == 0);
	mcu_participant_stats st;
	mcu_participant_get_stats(p, &st);
	mcu_simulcast_stats sim;
	mcu_participant_get_simulcast_stats(p, &sim);
	uint64_t looked = 0;
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++)
		looked += sim.packets_in[i];
	FUZZ_ASSERT(looked <= fed_layered);
	if (fed_layered == 0)
		FUZZ_ASSERT(st.audio_packets_in + st.video_packets_in + st.bad_packets_in == fed);
	else
		FUZZ_ASSERT(st.audio_packets_in + st.video_packets_in + st.bad_packets_in
			<= fed + fed_layered);
	mcu_content_part_stats cst;
	mcu_participant_get_content_stats(p, &cst);
	FUZZ_ASSERT(cst.packets_in + cst.bad_packets_in == content_fed);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	return 0;
}
