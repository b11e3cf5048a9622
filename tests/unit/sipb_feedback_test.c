/*
 * sipb_feedback_test.c - video feedback with SIP endpoints: what the SDP's a=rtcp-fb says is
 * what we answer and use (RFC 4585, RFC 5104); SIP INFO picture_fast_update bodies (RFC 5168)
 * are recognised, hostile ones are not; a caller whose video input breaks is asked for a key
 * frame the way it negotiated (PLI, FIR, or a SIP INFO when it does no RTCP feedback); a
 * caller that negotiated "nack" gets the packets it NACKs again from the call's history,
 * each once at most; a TMMBR (RFC 5104) is acknowledged with a TMMBN.
 * Real sockets on 127.0.0.1, the MCU on its manual clock.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "mcu_rtp.h"
#include "sipb_media.h"
#include "sipb_media_control.h"
#include "sipb_rtcp.h"
#include "sipb_sdp.h"

/* --- SDP ------------------------------------------------------------------------------- */

static const char *OFFER_HEAD =
	"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	"m=video 4002 RTP/AVP 96 97\r\na=rtpmap:96 VP8/90000\r\n"
	"a=rtpmap:97 H264/90000\r\n";

static char *answer_for(const char *fb_lines, int *rtcp_fb)
{
	char *offer = g_strconcat(OFFER_HEAD, fb_lines, NULL);
	sipb_sdp_result r;
	g_assert_cmpint(sipb_sdp_negotiate(offer, strlen(offer), &r), ==, 0);
	g_assert_cmpint(r.video, >=, 0);
	*rtcp_fb = r.m[r.video].rtcp_fb;
	sipb_sdp_local local = { .ip = "127.0.0.1", .audio_port = 5000, .video_port = 5002 };
	g_free(offer);
	return sipb_sdp_answer(&r, &local);
}

static void test_sdp_answer_names_only_the_offered_feedback(void)
{
	int fb;
	char *a = answer_for("", &fb);
	g_assert_cmpint(fb, ==, 0);
	g_assert_null(strstr(a, "rtcp-fb")); /* none offered, none answered */
	g_free(a);
	a = answer_for("a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:97 nack pli\r\n", &fb);
	g_assert_cmpint(fb, ==, SIPB_RTCP_FB_FIR); /* 97 is not the chosen format */
	g_assert_nonnull(strstr(a, "a=rtcp-fb:96 ccm fir\r\n"));
	g_assert_null(strstr(a, "pli"));
	g_free(a);
	a = answer_for(
		"a=rtcp-fb:* nack\r\na=rtcp-fb:* nack pli\r\na=rtcp-fb:96 goog-remb\r\n", &fb);
	g_assert_cmpint(fb, ==, SIPB_RTCP_FB_NACK | SIPB_RTCP_FB_PLI);
	g_assert_nonnull(strstr(a, "a=rtcp-fb:96 nack\r\n"));
	g_assert_nonnull(strstr(a, "a=rtcp-fb:96 nack pli\r\n"));
	g_assert_null(strstr(a, "remb"));
	g_assert_null(strstr(a, "fir"));
	g_free(a);
	/* TMMBR (bandwidth tiers) is answered when offered; it is no key-frame feedback. */
	a = answer_for("a=rtcp-fb:96 ccm tmmbr\r\n", &fb);
	g_assert_cmpint(fb, ==, SIPB_RTCP_FB_TMMBR);
	g_assert_nonnull(strstr(a, "a=rtcp-fb:96 ccm tmmbr\r\n"));
	g_assert_false(fb & SIPB_RTCP_FB_KEYFRAME);
	g_free(a);
	/* Junk in the attribute: ignored. */
	a = answer_for(
		"a=rtcp-fb:\r\na=rtcp-fb:96\r\na=rtcp-fb:x nack\r\na=rtcp-fb:96 ccm\r\n", &fb);
	g_assert_cmpint(fb, ==, 0);
	g_free(a);
}

static void test_sdp_avpf_offer_gets_video_and_an_avpf_answer(void)
{
	/* RFC 4585's own profile: the one that says the endpoint does feedback. */
	const char *offer =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVPF 0\r\na=rtpmap:0 PCMU/8000\r\n"
		"m=video 4002 RTP/AVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
		"a=rtcp-fb:96 nack pli\r\n";
	sipb_sdp_result r;
	g_assert_cmpint(sipb_sdp_negotiate(offer, strlen(offer), &r), ==, 0);
	g_assert_cmpint(r.audio, ==, 0);
	g_assert_cmpint(r.video, ==, 1);
	g_assert_cmpstr(r.m[1].codec, ==, "VP8");
	g_assert_cmpint(r.m[1].rtcp_fb, ==, SIPB_RTCP_FB_PLI);
	sipb_sdp_local local = { .ip = "127.0.0.1", .audio_port = 5000, .video_port = 5002 };
	char *a = sipb_sdp_answer(&r, &local);
	g_assert_nonnull(strstr(a, "m=audio 5000 RTP/AVPF 0\r\n"));
	g_assert_nonnull(strstr(a, "m=video 5002 RTP/AVPF 96\r\n"));
	g_assert_nonnull(strstr(a, "a=rtcp-fb:96 nack pli\r\n"));
	g_free(a);
}

/* --- RFC 5168 ---------------------------------------------------------------------------- */

static void test_info_picture_fast_update_recognised(void)
{
	const char *body = sipb_media_control_fast_update_body();
	g_assert_true(
		sipb_media_control_is_fast_update(SIPB_MEDIA_CONTROL_TYPE, body, strlen(body)));
	/* As a Polycom sends it: one line, other whitespace. */
	const char *poly = "<?xml version=\"1.0\" encoding=\"utf-8\"?><media_control><vc_primitive>"
			   "<to_encoder><picture_fast_update></picture_fast_update></to_encoder>"
			   "</vc_primitive></media_control>";
	g_assert_true(sipb_media_control_is_fast_update(
		"Application/Media_Control+XML", poly, strlen(poly)));
	/* Not it: another type, another element, no media_control, a longer name, truncated. */
	g_assert_false(
		sipb_media_control_is_fast_update("application/dtmf-relay", body, strlen(body)));
	g_assert_false(sipb_media_control_is_fast_update(
		"application/media_control+xmlx", body, strlen(body)));
	const char *other = "<media_control><vc_primitive><to_encoder><stream_id>1</stream_id>"
			    "</to_encoder></vc_primitive></media_control>";
	g_assert_false(
		sipb_media_control_is_fast_update(SIPB_MEDIA_CONTROL_TYPE, other, strlen(other)));
	const char *bare = "<picture_fast_update/>";
	g_assert_false(
		sipb_media_control_is_fast_update(SIPB_MEDIA_CONTROL_TYPE, bare, strlen(bare)));
	const char *longer = "<media_control><picture_fast_update_x/></media_control>";
	g_assert_false(
		sipb_media_control_is_fast_update(SIPB_MEDIA_CONTROL_TYPE, longer, strlen(longer)));
	g_assert_false(sipb_media_control_is_fast_update(SIPB_MEDIA_CONTROL_TYPE, body, 30));
	g_assert_false(sipb_media_control_is_fast_update(SIPB_MEDIA_CONTROL_TYPE, "<", 1));
	g_assert_false(sipb_media_control_is_fast_update(NULL, body, strlen(body)));
	char *huge = g_strnfill(5000, '<');
	g_assert_false(sipb_media_control_is_fast_update(SIPB_MEDIA_CONTROL_TYPE, huge, 5000));
	g_free(huge);
}

/* --- RTCP -------------------------------------------------------------------------------- */

static void test_rtcp_nack_and_fir(void)
{
	/* RTPFB NACK: PID 1000 with BLP bits 0 and 15 (1001 and 1016), PID 65535 (wraps). */
	uint8_t nack[20] = { 0x81, 205, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0x03, 0xe8, 0x80, 0x01, 0xff,
		0xff, 0, 0 };
	sipb_rtcp_info info;
	g_assert_cmpint(sipb_rtcp_parse(nack, sizeof(nack), &info), ==, 0);
	g_assert_cmpuint(info.nacks, ==, 4);
	g_assert_cmpuint(info.nack_seq[0], ==, 1000);
	g_assert_cmpuint(info.nack_seq[1], ==, 1001);
	g_assert_cmpuint(info.nack_seq[2], ==, 1016);
	g_assert_cmpuint(info.nack_seq[3], ==, 65535);
	g_assert_false(info.keyframe_request);
	/* Every bit of many entries: capped, no overrun. */
	uint8_t many[12 + 4 * 20];
	memset(many, 0xff, sizeof(many));
	many[0] = 0x81;
	many[1] = 205;
	many[2] = 0;
	many[3] = (uint8_t)(sizeof(many) / 4 - 1);
	g_assert_cmpint(sipb_rtcp_parse(many, sizeof(many), &info), ==, 0);
	g_assert_cmpuint(info.nacks, ==, SIPB_RTCP_MAX_NACKS);
	/* Our FIR after a report: a key frame request to whoever parses it. */
	sipb_rtcp_rx rx;
	sipb_rtcp_rx_reset(&rx);
	sipb_rtcp_rx_packet(&rx, 0x1234, 1, 0, 90000, 0);
	uint8_t buf[256];
	size_t len = 0;
	g_assert_cmpint(sipb_rtcp_build(&rx, 0x99, "c", false, 0, buf, sizeof(buf), &len), ==, 0);
	g_assert_cmpint(sipb_rtcp_parse(buf, len, &info), ==, 0);
	g_assert_false(info.keyframe_request);
	g_assert_cmpint(sipb_rtcp_append_fir(0x99, 0x1234, 7, buf, sizeof(buf), &len), ==, 0);
	g_assert_cmpint(sipb_rtcp_parse(buf, len, &info), ==, 0);
	g_assert_true(info.keyframe_request);
	size_t full = sizeof(buf) - 10;
	g_assert_cmpint(
		sipb_rtcp_append_fir(0x99, 0x1234, 8, buf, sizeof(buf), &full), ==, -ENOSPC);
}

/* --- a video caller ---------------------------------------------------------------------- */

typedef struct phone {
	int rtp, rtcp, port;
	uint16_t seq;
	GPtrArray *pkts; /* GBytes: RTP received */
	int plis, firs;  /* RTCP key frame requests received, by kind */
	int tmmbns;      /* TMMBN received (RFC 5104 §4.2.2) */
	gint infos;      /* fast_update events */
} phone;

static void phone_open(phone *ph)
{
	memset(ph, 0, sizeof(*ph));
	ph->pkts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (int tries = 0; tries < 200; tries++) {
		int port = 40000 + 2 * g_random_int_range(0, 5000);
		struct sockaddr_in a = { .sin_family = AF_INET,
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int x = socket(AF_INET, SOCK_DGRAM, 0), y = socket(AF_INET, SOCK_DGRAM, 0);
		a.sin_port = htons((uint16_t)port);
		int ok = bind(x, (struct sockaddr *)&a, sizeof(a)) == 0;
		a.sin_port = htons((uint16_t)(port + 1));
		ok = ok && bind(y, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (ok) {
			ph->rtp = x;
			ph->rtcp = y;
			ph->port = port;
			return;
		}
		close(x);
		close(y);
	}
	g_assert_not_reached();
}

static void phone_close(phone *ph)
{
	close(ph->rtp);
	close(ph->rtcp);
	g_ptr_array_free(ph->pkts, TRUE);
}

static void phone_sendto(int fd, int port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons((uint16_t)port) };
	g_assert_cmpint(
		sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)), ==, (ssize_t)len);
}

static void phone_poll(phone *ph)
{
	uint8_t buf[2048];
	ssize_t n;
	while ((n = recv(ph->rtp, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		g_ptr_array_add(ph->pkts, g_bytes_new(buf, (size_t)n));
	while ((n = recv(ph->rtcp, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		/* each part of the compound packet */
		for (size_t off = 0; off + 4 <= (size_t)n;) {
			size_t plen = ((size_t)(buf[off + 2] << 8 | buf[off + 3]) + 1) * 4;
			if (buf[off + 1] == 206 && (buf[off] & 0x1f) == 1)
				ph->plis++;
			if (buf[off + 1] == 206 && (buf[off] & 0x1f) == 4)
				ph->firs++;
			if (buf[off + 1] == 205 && (buf[off] & 0x1f) == 4)
				ph->tmmbns++;
			off += plen;
		}
	}
}

static void on_fast_update(void *opaque)
{
	g_atomic_int_inc(&((phone *)opaque)->infos);
}

typedef struct call {
	mcu_room *room;
	sipb_media *m;
	phone pa, pv;
	int vport;
} call;

static void call_start(call *c, int rtcp_fb)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 160;
	cfg.height = 90;
	cfg.fps = 5;
	cfg.manual_clock = true;
	c->room = mcu_room_new("fb", &cfg);
	phone_open(&c->pa);
	phone_open(&c->pv);
	sipb_media_config mc = { .local_ip = "127.0.0.1",
		.rtp_port_min = 34000,
		.rtp_port_max = 36999,
		.media_timeout_s = 30,
		.prompt_dir = ".",
		.display = "Room system" };
	sipb_media_events ev = { .opaque = &c->pv, .fast_update = on_fast_update };
	g_assert_cmpint(sipb_media_new(&mc, &ev, &c->m), ==, 0);
	sipb_media_stream a = { .enabled = 1,
		.remote_ip = "127.0.0.1",
		.remote_port = c->pa.port,
		.payload_type = 0,
		.codec = "PCMU",
		.clock_rate = 8000 };
	sipb_media_stream v = { .enabled = 1,
		.remote_ip = "127.0.0.1",
		.remote_port = c->pv.port,
		.payload_type = 96,
		.codec = "VP8",
		.clock_rate = 90000,
		.rtcp_fb = rtcp_fb };
	g_assert_cmpint(sipb_media_set_streams(c->m, &a, &v), ==, 0);
	g_assert_cmpint(sipb_media_join(c->m, c->room), ==, 0);
	c->vport = sipb_media_local_port(c->m, 1);
}

static void call_end(call *c)
{
	sipb_media_free(c->m);
	mcu_room_unref(c->room);
	phone_close(&c->pa);
	phone_close(&c->pv);
}

/* The caller sends inter frames the room cannot decode (no key frame yet) until the room
 * has asked for a key frame in some way (or 20 s). */
static void break_input_until_asked(call *c)
{
	uint8_t frame[40] = { 0x10, 0x01, 0x00, 0x00 }; /* VP8 descriptor, P bit: inter */
	gint64 give_up = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	for (int i = 0; c->pv.plis + c->pv.firs + g_atomic_int_get(&c->pv.infos) == 0
		&& g_get_monotonic_time() < give_up;
		i++) {
		uint8_t pkt[64];
		mcu_rtp_write_header(
			pkt, sizeof(pkt), true, 96, c->pv.seq++, (uint32_t)i * 3000, 0xabc);
		memcpy(pkt + 12, frame, sizeof(frame));
		phone_sendto(c->pv.rtp, c->vport, pkt, 12 + sizeof(frame));
		g_assert_cmpint(mcu_room_advance(c->room, 50000), ==, 0);
		g_usleep(30000);
		phone_poll(&c->pv);
	}
	g_usleep(100000); /* what else comes with it */
	phone_poll(&c->pv);
}

static void test_no_rtcp_fb_caller_gets_info_and_pli(void)
{
	call c;
	call_start(&c, 0);
	break_input_until_asked(&c);
	g_assert_cmpint(g_atomic_int_get(&c.pv.infos), >=, 1);
	g_assert_cmpint(c.pv.plis, >=, 1); /* harmless to those who ignore it */
	call_end(&c);
}

static void test_fir_only_caller_gets_fir(void)
{
	call c;
	call_start(&c, SIPB_RTCP_FB_FIR);
	break_input_until_asked(&c);
	g_assert_cmpint(c.pv.firs, >=, 1);
	g_assert_cmpint(c.pv.plis, ==, 0);
	g_assert_cmpint(g_atomic_int_get(&c.pv.infos), ==, 0);
	call_end(&c);
}

static void test_pli_caller_gets_pli_no_info(void)
{
	call c;
	call_start(&c, SIPB_RTCP_FB_PLI);
	break_input_until_asked(&c);
	g_assert_cmpint(c.pv.plis, >=, 1);
	g_assert_cmpint(c.pv.firs, ==, 0);
	g_assert_cmpint(g_atomic_int_get(&c.pv.infos), ==, 0);
	call_end(&c);
}

static void test_nack_retransmits_from_history(void)
{
	call c;
	call_start(&c, SIPB_RTCP_FB_NACK | SIPB_RTCP_FB_PLI);
	/* Start the media: the caller sends first (symmetric RTP latches its address). */
	uint8_t pkt[64] = { 0 };
	mcu_rtp_write_header(pkt, sizeof(pkt), true, 96, c.pv.seq++, 0, 0xabc);
	pkt[12] = 0x10;
	phone_sendto(c.pv.rtp, c.vport, pkt, 20);
	gint64 give_up = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (c.pv.pkts->len < 3 && g_get_monotonic_time() < give_up) {
		g_assert_cmpint(mcu_room_advance(c.room, 200000), ==, 0);
		g_usleep(20000);
		phone_poll(&c.pv);
	}
	g_assert_cmpuint(c.pv.pkts->len, >=, 3);
	/* NACK the second packet received, and one never sent. */
	GBytes *want = g_bytes_ref(g_ptr_array_index(c.pv.pkts, 1));
	const uint8_t *w = g_bytes_get_data(want, NULL);
	uint16_t seq = (uint16_t)(w[2] << 8 | w[3]);
	uint8_t nack[20] = { 0x81, 205, 0, 4, 0, 0, 0, 1, w[8], w[9], w[10], w[11],
		(uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, (uint8_t)((seq + 5000) >> 8),
		(uint8_t)(seq + 5000), 0, 0 };
	guint before = c.pv.pkts->len;
	phone_sendto(c.pv.rtcp, c.vport + 1, nack, sizeof(nack));
	bool again = false;
	give_up = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (!again && g_get_monotonic_time() < give_up) {
		g_usleep(20000);
		phone_poll(&c.pv);
		for (guint i = before; i < c.pv.pkts->len; i++)
			again = again || g_bytes_equal(g_ptr_array_index(c.pv.pkts, i), want);
	}
	g_assert_true(again);
	/* Asked again: a packet is resent once at most (no amplification by forged NACKs). */
	phone_sendto(c.pv.rtcp, c.vport + 1, nack, sizeof(nack));
	g_usleep(200000);
	sipb_media_stats st;
	sipb_media_get_stats(c.m, &st);
	g_assert_cmpuint(st.retransmitted, ==, 1);
	g_bytes_unref(want);
	call_end(&c);
}

/* A room system whose link gets poor sends a TMMBR: it is acknowledged with a TMMBN at once
 * (the smaller picture that follows is checked by tests/integration/media-tiers.test.js). */
static void test_tmmbr_is_acknowledged_with_a_tmmbn(void)
{
	call c;
	call_start(&c, SIPB_RTCP_FB_TMMBR | SIPB_RTCP_FB_PLI);
	uint8_t pkt[64] = { 0 };
	mcu_rtp_write_header(pkt, sizeof(pkt), true, 96, c.pv.seq++, 0, 0xabc);
	pkt[12] = 0x10;
	phone_sendto(c.pv.rtp, c.vport, pkt, 20);
	/* 200 kbit/s = 100000 << 1, overhead 40 */
	uint32_t fci = 1u << 26 | 100000u << 9 | 40u;
	uint8_t tmmbr[20] = { 0x83, 205, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x0a, 0xbc,
		(uint8_t)(fci >> 24), (uint8_t)(fci >> 16), (uint8_t)(fci >> 8), (uint8_t)fci };
	phone_sendto(c.pv.rtcp, c.vport + 1, tmmbr, sizeof(tmmbr));
	gint64 give_up = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (c.pv.tmmbns == 0 && g_get_monotonic_time() < give_up) {
		g_usleep(20000);
		phone_poll(&c.pv);
	}
	g_assert_cmpint(c.pv.tmmbns, ==, 1);
	call_end(&c);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/feedback/tmmbr-is-acknowledged-with-a-tmmbn",
		test_tmmbr_is_acknowledged_with_a_tmmbn);
	g_test_add_func("/sipb/feedback/sdp-answer-names-only-the-offered-feedback",
		test_sdp_answer_names_only_the_offered_feedback);
	g_test_add_func("/sipb/feedback/sdp-avpf-offer-gets-video-and-an-avpf-answer",
		test_sdp_avpf_offer_gets_video_and_an_avpf_answer);
	g_test_add_func("/sipb/feedback/info-picture-fast-update-recognised",
		test_info_picture_fast_update_recognised);
	g_test_add_func("/sipb/feedback/rtcp-nack-and-fir", test_rtcp_nack_and_fir);
	g_test_add_func("/sipb/feedback/no-rtcp-fb-caller-gets-info-and-pli",
		test_no_rtcp_fb_caller_gets_info_and_pli);
	g_test_add_func("/sipb/feedback/fir-only-caller-gets-fir", test_fir_only_caller_gets_fir);
	g_test_add_func(
		"/sipb/feedback/pli-caller-gets-pli-no-info", test_pli_caller_gets_pli_no_info);
	g_test_add_func(
		"/sipb/feedback/nack-retransmits-from-history", test_nack_retransmits_from_history);
	return g_test_run();
}
