/*
 * sipb_sdp_test.c - SDP offer/answer of the SIP bridge (sipb_sdp.c).
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include "sipb_sdp.h"
#include "sipb_sdp_limits.h"
#include "mcu_tiers.h"

static int nego(const char *sdp, sipb_sdp_result *r)
{
	return sipb_sdp_negotiate(sdp, strlen(sdp), r);
}

static const sipb_sdp_local local = {
	.ip = "10.0.0.1", .audio_port = 40000, .video_port = 40002, .session_id = 42, .version = 1
};

static void test_pcmu_te_vp8(void)
{
	sipb_sdp_result r;
	const char *o = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
			"m=audio 6000 RTP/AVP 0 101\r\na=rtpmap:101 "
			"telephone-event/8000\r\na=fmtp:101 0-16\r\n"
			"m=video 6002 RTP/AVP 100\r\na=rtpmap:100 VP8/90000\r\n";
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpint(r.audio, ==, 0);
	g_assert_cmpint(r.video, ==, 1);
	g_assert_cmpstr(r.m[0].codec, ==, "PCMU"); /* static PT 0 without a=rtpmap */
	g_assert_cmpint(r.m[0].dtmf_pt, ==, 101);
	g_assert_cmpint(r.m[0].port, ==, 6000);
	g_assert_cmpstr(r.m[0].remote_ip, ==, "192.0.2.7");
	g_assert_cmpstr(r.m[1].codec, ==, "VP8");
	g_assert_cmpint(r.m[1].pt, ==, 100);
	g_assert_false(sipb_sdp_is_hold(&r));
	sipb_media_stream s;
	sipb_sdp_to_stream(&r.m[0], &s);
	g_assert_cmpint(s.enabled, ==, 1);
	g_assert_null(s.remote_crypto);
	g_assert_cmpint(s.clock_rate, ==, 8000);
	char *a = sipb_sdp_answer(&r, &local);
	g_assert_nonnull(strstr(a, "m=audio 40000 RTP/AVP 0 101\r\n"));
	g_assert_nonnull(strstr(a, "a=rtpmap:101 telephone-event/8000\r\n"));
	g_assert_nonnull(strstr(a, "m=video 40002 RTP/AVP 100\r\n"));
	g_assert_nonnull(strstr(a, "c=IN IP4 10.0.0.1\r\n"));
	/* the answer parses and negotiates to the same */
	sipb_sdp_result back;
	g_assert_cmpint(nego(a, &back), ==, 0);
	g_assert_cmpstr(back.m[0].codec, ==, "PCMU");
	g_free(a);
}

static void test_offer_order_and_h264(void)
{
	sipb_sdp_result r;
	const char *o = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
			"m=audio 6000 RTP/AVP 18 9 8 0\r\na=rtpmap:18 G729/8000\r\n"
			"m=video 6002 RTP/AVP 97 98 99\r\n"
			"a=rtpmap:97 H264/90000\r\na=fmtp:97 "
			"profile-level-id=640028;packetization-mode=1\r\n"
			"a=rtpmap:98 H264/90000\r\na=fmtp:98 "
			"profile-level-id=42801f;packetization-mode=2\r\n"
			"a=rtpmap:99 H264/90000\r\na=fmtp:99 "
			"profile-level-id=42e01f;packetization-mode=1\r\n"
			"a=sendonly\r\n";
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpstr(r.m[0].codec, ==, "G722"); /* first one we do, in the offerer's order */
	g_assert_cmpint(r.m[0].pt, ==, 9);
	g_assert_cmpstr(r.m[1].codec, ==, "H264"); /* high profile and mode 2 skipped */
	g_assert_cmpint(r.m[1].pt, ==, 99);
	g_assert_cmpint(r.m[1].h264_mode, ==, 1);
	char *a = sipb_sdp_answer(&r, &local);
	g_assert_nonnull(strstr(a, "a=fmtp:99 profile-level-id=42e01f;packetization-mode=1\r\n"));
	g_assert_nonnull(strstr(a, "a=recvonly\r\n")); /* video sendonly -> we receive only */
	g_free(a);
}

static void test_hold_and_opus(void)
{
	sipb_sdp_result r;
	const char *o = "v=0\r\no=- 1 2 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
			"m=audio 6000 RTP/AVP 111 110\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:110 "
			"telephone-event/48000\r\n"
			"a=sendonly\r\n";
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpstr(r.m[0].codec, ==, "opus");
	g_assert_cmpint(r.m[0].clock_rate, ==, 48000);
	g_assert_cmpint(r.m[0].dtmf_pt, ==, 110);
	g_assert_true(sipb_sdp_is_hold(&r));
	char *a = sipb_sdp_answer(&r, &local);
	g_assert_nonnull(strstr(a, "a=rtpmap:111 opus/48000/2\r\n"));
	g_assert_nonnull(strstr(a, "a=rtpmap:110 telephone-event/48000\r\n"));
	g_assert_nonnull(strstr(a, "a=recvonly\r\n"));
	g_free(a);
	o = "v=0\r\no=- 1 3 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 6000 "
	    "RTP/AVP 8\r\n";
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpstr(r.m[0].codec, ==, "PCMA");
	g_assert_true(sipb_sdp_is_hold(&r));
}

/* RFC 7587 §6.1: the remote's Opus fmtp says whether it can use in-band FEC (default not);
 * the stream handed to the media says so, and our answer still asks for FEC ourselves. */
static void test_opus_fec_follows_remote_fmtp(void)
{
	static const char *const fmtp[] = { "", "a=fmtp:111 minptime=10;useinbandfec=1\r\n",
		"a=fmtp:111 useinbandfec=0\r\n" };
	for (int i = 0; i < 3; i++) {
		char *o = g_strdup_printf(
			"v=0\r\no=- 1 2 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
			"m=audio 6000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n%s",
			fmtp[i]);
		sipb_sdp_result r;
		g_assert_cmpint(nego(o, &r), ==, 0);
		g_assert_cmpint(r.m[0].opus_fec, ==, i == 1);
		sipb_media_stream st;
		sipb_sdp_to_stream(&r.m[0], &st);
		g_assert_cmpint(st.opus_fec, ==, i == 1);
		char *a = sipb_sdp_answer(&r, &local);
		g_assert_nonnull(strstr(a, "a=fmtp:111 useinbandfec=1\r\n"));
		g_free(a);
		g_free(o);
	}
}

static void test_srtp(void)
{
	sipb_sdp_result r;
	const char *o = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
			"m=audio 6000 RTP/SAVP 0\r\n"
			"a=crypto:1 AES_256_CM_HMAC_SHA1_80 "
			"inline:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
			"a=crypto:2 AES_CM_128_HMAC_SHA1_80 "
			"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
			"m=video 6002 RTP/SAVP 96\r\na=rtpmap:96 VP8/90000\r\n";
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpint(r.m[0].crypto_tag, ==, 2);
	g_assert_cmpstr(r.m[0].crypto, ==,
		"2 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
	g_assert_cmpint(r.video, ==, -1); /* SAVP without crypto: rejected */
	sipb_sdp_local l = local;
	l.audio_crypto =
		"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	char *a = sipb_sdp_answer(&r, &l);
	g_assert_nonnull(strstr(a, "m=audio 40000 RTP/SAVP 0\r\n"));
	g_assert_nonnull(strstr(a,
		"a=crypto:2 AES_CM_128_HMAC_SHA1_80 "
		"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"));
	g_assert_nonnull(strstr(a, "m=video 0 RTP/SAVP 96\r\n"));
	g_free(a);
}

static void test_refused(void)
{
	sipb_sdp_result r;
	g_assert_cmpint(nego("garbage", &r), ==, -EPROTO);
	g_assert_cmpint(sipb_sdp_negotiate("", 0, &r), ==, -EPROTO);
	/* Non-ASCII in an m= line once made Sofia's parser allocate gigabytes (tests/fuzz/fuzz_sip_sdp). */
	g_assert_cmpint(nego("v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nt=0 0\r\n"
			     "m=audio 5004 RTP/AVPF 1\xcf\xce 101\r\nc=IN IP4 192.0.2.7\r\n",
				&r),
		==, -EPROTO);
	g_assert_cmpint(
		nego("v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
		     "m=image 16386 udptlinline:=video 1 RTP/AVP 31\r\n",
			&r),
		==, -EPROTO);
	g_assert_cmpint(
		nego("v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
		     "m=audio 16#90 RTP/AVP 8\r\n",
			&r),
		==, -EPROTO);
	const char *o = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
			"m=audio 6000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\nm=video 6002 RTP/AVP "
			"96\r\na=rtpmap:96 VP8/90000\r\n";
	g_assert_cmpint(nego(o, &r), ==, -ENOTSUP); /* no audio we can do */
	o = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
	    "m=audio 0 RTP/AVP 0\r\nm=audio 7000 RTP/AVP 0\r\nm=application 9 UDP/BFCP *\r\n";
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpint(r.audio, ==, 1); /* port 0 line skipped */
	char *a = sipb_sdp_answer(&r, &local);
	g_assert_nonnull(strstr(a, "m=audio 0 RTP/AVP 0\r\nm=audio 40000 RTP/AVP 0\r\n"));
	g_assert_nonnull(strstr(a, "m=application 0 UDP/BFCP"));
	g_free(a);
}

/* The answer must parse as SDP again (RFC 3264 §6: one m-line per offered one, port 0 and the
 * same media type for a refused one); asserts it and returns the answer for more checks. */
static char *answer_reparses(const sipb_sdp_result *r)
{
	char *a = sipb_sdp_answer(r, &local);
	sipb_sdp_result back;
	int brc = sipb_sdp_negotiate(a, strlen(a), &back);
	g_assert_cmpint(brc, !=, -EPROTO);
	g_assert_cmpint(back.n, ==, r->n);
	return a;
}

/* tests/fuzz/regressions/sip_sdp/answer-does-not-reparse*: an m= line behind leading tabs
 * (Sofia skips them, so it is an m= line) with an address where the port belongs. */
static void test_indented_mline_is_checked(void)
{
	sipb_sdp_result r;
	g_assert_cmpint(nego("v=0\r\no=bob 1 3 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 "
			     "198.51.100.7\r\nt=0 0\r\n"
			     "m=audio 2222 RTP/AVP 0\r\n\t\tm=ShdeoP4 198.51.100.7\r\n",
				&r),
		==, -EPROTO);
	g_assert_cmpint(nego("v=0\r\no=bob 1 3 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 "
			     "198.51.100.7\r\nt=0 0\r\n"
			     "m=audio 2222 RTP/AVP 0\r\n  m=audio 16#90 RTP/AVP 8\r\n",
				&r),
		==, -EPROTO);
}

/* Refused lines are written from tokens we checked, never copied blindly from the offer. */
static void test_refused_line_from_checked_tokens(void)
{
	sipb_sdp_result r;
	const char *head =
		"v=0\r\no=bob 1 3 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
		"m=audio 2222 RTP/AVP 0\r\n";
	/* an odd but well-formed media type and proto: echoed, port 0 */
	char *o = g_strconcat(head,
		"m=Shdeo 0 RTP/SAVP 109\r\nm=image 9 udptl t38\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n",
		NULL);
	g_assert_cmpint(nego(o, &r), ==, 0);
	char *a = answer_reparses(&r);
	g_assert_nonnull(strstr(a, "\r\nm=Shdeo 0 RTP/SAVP 109\r\n"));
	g_assert_nonnull(strstr(a, "\r\nm=image 0 udptl t38\r\n"));
	g_assert_nonnull(strstr(a, "\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\n")); /* not cut short */
	g_free(a);
	g_free(o);
	/* tokens we cannot write back as they were offered (too long to keep, or not a token
	 * of the form RFC 4566 §5.14 gives): the offer is refused rather than answered wrongly */
	const char *bad[] = {
		"m=Shdeo 0 8 101\r\n", /* proto not a name */
		"m=Shdeo 0 .51.100.7 0\r\n",
		"m=averyveryverylongmediatype 0 RTP/AVP 0\r\n",
		"m=audio 0 RTP/AVP/A/VERY/LONG/PROTO/NAME 0\r\n",
		"m=audio 0 RTP//AVP 0\r\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		o = g_strconcat(head, bad[i], NULL);
		g_assert_cmpint(nego(o, &r), ==, -EPROTO);
		g_free(o);
	}
	/* a non-RTP format we do not keep is answered with a placeholder format */
	o = g_strconcat(head, "m=application 0 UDP/BFCP averyveryverylongformatname\r\n", NULL);
	g_assert_cmpint(nego(o, &r), ==, 0);
	a = answer_reparses(&r);
	g_assert_nonnull(strstr(a, "\r\nm=application 0 UDP/BFCP *\r\n"));
	g_free(a);
	g_free(o);
	/* ... and with a numeric one where the proto is RTP (formats there are payload types) */
	o = g_strconcat(head, "m=video 9 UDP/TLS/RTP/SAVPF 12345678901234567890\r\n", NULL);
	g_assert_cmpint(nego(o, &r), ==, 0);
	a = answer_reparses(&r);
	g_assert_nonnull(strstr(a, "\r\nm=video 0 UDP/TLS/RTP/SAVPF 0\r\n"));
	g_free(a);
	g_free(o);
}

/* tests/fuzz/regressions/sip_sdp/accepted-line-without-address.bin: "c=IN IP4 /0" left the
 * accepted audio line with an empty address. Media goes only to an IP address (the media
 * sockets take numeric hosts only): a line without one is not taken. */
static void test_line_needs_an_ip_address(void)
{
	sipb_sdp_result r;
	const char *addrs[] = { "/0", "", "media.example.org", "192.0.2.300" };
	for (size_t i = 0; i < G_N_ELEMENTS(addrs); i++) {
		char *o = g_strdup_printf("v=0\r\no=- 84 2 IN IP4 192.0.2.7\r\ns=-\r\nt=0 0\r\n"
					  "m=audio 5004 RTP/AVP 0\r\nc=IN IP4 %s\r\n",
			addrs[i]);
		int rc = nego(o, &r);
		g_assert_true(rc == -ENOTSUP || rc == -EPROTO);
		g_assert_true(r.n == 0 || !r.m[0].accepted);
		g_free(o);
	}
	g_assert_cmpint(nego("v=0\r\no=- 84 2 IN IP6 2001:db8::7\r\ns=-\r\nt=0 0\r\n"
			     "m=audio 5004 RTP/AVP 0\r\nc=IN IP6 2001:db8::7\r\n",
				&r),
		==, 0);
	g_assert_cmpstr(r.m[0].remote_ip, ==, "2001:db8::7");
}

static void test_our_offer_parses(void)
{
	char *o = sipb_sdp_offer(&local);
	sipb_sdp_result r;
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpstr(r.m[0].codec, ==, "opus");
	g_assert_cmpstr(r.m[1].codec, ==, "VP8");
	g_free(o);
}

/* Issue 18: a delayed offer on a TLS call with SRTP required is RTP/SAVP with our keys, and the
 * answerer's negotiation takes it as SRTP (tag 1). */
static void test_our_srtp_offer_parses(void)
{
	sipb_sdp_local l = local;
	l.audio_crypto =
		"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	l.video_crypto =
		"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
	char *o = sipb_sdp_offer(&l);
	g_assert_nonnull(strstr(o, "m=audio 40000 RTP/SAVP 111 9 0 8 101\r\n"));
	g_assert_nonnull(strstr(o, "RTP/SAVP 96 97 98\r\n"));
	sipb_sdp_result r;
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpint(r.audio, ==, 0);
	g_assert_cmpint(r.video, ==, 1);
	g_assert_cmpstr(r.m[0].crypto, ==, l.audio_crypto);
	g_assert_cmpstr(r.m[1].crypto, ==, l.video_crypto);
	g_free(o);
	/* without keys: plain RTP/AVP, as before */
	o = sipb_sdp_offer(&local);
	g_assert_nonnull(strstr(o, "m=audio 40000 RTP/AVP "));
	g_assert_null(strstr(o, "a=crypto"));
	g_free(o);
}

#define SDP_HEAD                                                                                   \
	"v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"                \
	"m=audio 6000 RTP/AVP 0\r\n"

/* The tier a SIP endpoint with this SDP gets in a 1280x720 room: the width it receives. */
static int width_received(const sipb_sdp_result *r)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.manual_clock = true;
	cfg.fps = 10;
	mcu_room *room = mcu_room_new("sdp-tier", &cfg);
	g_assert_nonnull(room);
	sipb_media_stream v;
	sipb_sdp_to_stream(&r->m[r->video], &v);
	mcu_participant_opts opts;
	mcu_participant_opts_defaults(&opts);
	opts.video_codec = !strcmp(v.codec, "H264") ? MCU_VIDEO_H264 : MCU_VIDEO_VP8;
	mcu_participant_io io = { 0 };
	mcu_participant *p = mcu_room_join(room, &opts, &io);
	g_assert_nonnull(p);
	mcu_participant_set_video_limits(p, &v.video_limits);
	g_assert_cmpint(mcu_room_advance(room, 100000), ==, 0);
	mcu_participant_stats st;
	mcu_participant_get_stats(p, &st);
	mcu_room_leave(room, p);
	mcu_participant_unref(p);
	mcu_room_unref(room);
	return (int)st.video_width;
}

static void test_bandwidth_limited_offer_gets_a_lower_tier(void)
{
	sipb_sdp_result r;
	/* A phone: b=AS:256 on its video line, H.264 level 3.0. */
	const char *phone = SDP_HEAD "m=video 6002 RTP/AVP 97\r\nb=AS:256\r\n"
				     "a=rtpmap:97 H264/90000\r\n"
				     "a=fmtp:97 profile-level-id=42e01e;packetization-mode=1\r\n";
	g_assert_cmpint(nego(phone, &r), ==, 0);
	g_assert_cmpint(r.m[1].video_limits.max_kbps, ==, 256);
	g_assert_cmpint(r.m[1].video_limits.h264_level_idc, ==, 30);
	g_assert_cmpint(width_received(&r), ==, 320);
	/* The same phone without b=: its level (1620 macroblocks) allows 360p, not 720p. */
	const char *phone360 = SDP_HEAD
		"m=video 6002 RTP/AVP 97\r\n"
		"a=rtpmap:97 H264/90000\r\n"
		"a=fmtp:97 profile-level-id=42e01e;packetization-mode=1\r\n";
	g_assert_cmpint(nego(phone360, &r), ==, 0);
	g_assert_cmpint(r.m[1].video_limits.max_kbps, ==, 0);
	g_assert_cmpint(width_received(&r), ==, 640);
	/* A room system: b=TIAS in bit/s, level 4.0, imageattr up to 1080p: the room's size. */
	const char *room = SDP_HEAD "m=video 6002 RTP/AVP 97\r\nb=TIAS:4000000\r\n"
				    "a=rtpmap:97 H264/90000\r\n"
				    "a=fmtp:97 profile-level-id=42e028;packetization-mode=1\r\n"
				    "a=imageattr:* recv [x=[320:1920],y=[180:1080]]\r\n";
	g_assert_cmpint(nego(room, &r), ==, 0);
	g_assert_cmpint(r.m[1].video_limits.max_kbps, ==, 4000);
	g_assert_cmpint(r.m[1].video_limits.max_width, ==, 1920);
	g_assert_cmpint(r.m[1].video_limits.max_height, ==, 1080);
	g_assert_cmpint(width_received(&r), ==, 1280);
	/* VP8 with a session-level b=AS and an imageattr for its own format. */
	const char *vp8 = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\n"
			  "b=AS:700\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"
			  "m=video 6002 RTP/AVP 100\r\na=rtpmap:100 VP8/90000\r\n"
			  "a=imageattr:100 send * recv [x=640,y=360]\r\n";
	g_assert_cmpint(nego(vp8, &r), ==, 0);
	g_assert_cmpint(r.m[1].video_limits.max_kbps, ==, 700);
	g_assert_cmpint(r.m[1].video_limits.max_width, ==, 640);
	g_assert_cmpint(width_received(&r), ==, 640);
}

static void test_hostile_imageattr_gives_no_limit(void)
{
	int w, h;
	const char *bad[] = { "", "97 recv [x=640,y=360]", "* recv [x=[",
		"* recv [x=[1:", "* recv [x=[1;2],y=3]", "* recv [x=640]", "* recv *", "*", "96",
		"* recv [y=", "* recv [x=,y=]" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		sipb_sdp_imageattr_recv(bad[i], 96, &w, &h);
		g_assert_cmpint(w, ==, 0);
		g_assert_cmpint(h, ==, 0);
	}
	sipb_sdp_imageattr_recv("* recv [x=99999999999999999999,y=[1:99999999999999]]", 96, &w, &h);
	g_assert_cmpint(w, ==, 1000000);
	g_assert_cmpint(h, ==, 1000000);
	/* b= lines read from the text (Sofia 1.12.11 mixes up its modifiers): unknown ones,
	 * missing or huge numbers, another section's lines do not count. */
	const char *bw =
		"v=0\r\nb=AS:900\r\nm=audio 1 RTP/AVP 0\r\nb=AS:64\r\n"
		"m=video 2 RTP/AVP 96\r\nb=X-FOO:5\r\nb=AS:\r\nb=TIAS:99999999999999999\r\n"
		"m=video 3 RTP/AVP 96\r\nb=TIAS:\r\n";
	g_assert_cmpint(sipb_sdp_text_bandwidth(bw, strlen(bw), 0), ==, 64);
	g_assert_cmpint(sipb_sdp_text_bandwidth(bw, strlen(bw), 1), ==, 1000000);
	g_assert_cmpint(sipb_sdp_text_bandwidth(bw, strlen(bw), 2), ==, 900);
	g_assert_cmpint(sipb_sdp_text_bandwidth("b=AS:5", 3, 0), ==, 0);
	sipb_sdp_imageattr_recv(
		"96 send [x=1920,y=1080] recv [x=[320,480],y=[180:16:270],q=0.5]", 96, &w, &h);
	g_assert_cmpint(w, ==, 480);
	g_assert_cmpint(h, ==, 270);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/sdp/pcmu-te-vp8", test_pcmu_te_vp8);
	g_test_add_func("/sipb/sdp/offer-order-and-h264", test_offer_order_and_h264);
	g_test_add_func("/sipb/sdp/hold-and-opus", test_hold_and_opus);
	g_test_add_func(
		"/sipb/sdp/opus-fec-follows-remote-fmtp", test_opus_fec_follows_remote_fmtp);
	g_test_add_func("/sipb/sdp/srtp", test_srtp);
	g_test_add_func("/sipb/sdp/refused", test_refused);
	g_test_add_func("/sipb/sdp/our-offer-parses", test_our_offer_parses);
	g_test_add_func("/sipb/sdp/our-srtp-offer-parses", test_our_srtp_offer_parses);
	g_test_add_func("/sipb/sdp/an-indented-m-line-is-checked-like-any-other",
		test_indented_mline_is_checked);
	g_test_add_func("/sipb/sdp/a-refused-line-is-written-from-checked-tokens",
		test_refused_line_from_checked_tokens);
	g_test_add_func("/sipb/sdp/bandwidth-limited-offer-gets-a-lower-tier",
		test_bandwidth_limited_offer_gets_a_lower_tier);
	g_test_add_func("/sipb/sdp/hostile-imageattr-gives-no-limit",
		test_hostile_imageattr_gives_no_limit);
	g_test_add_func("/sipb/sdp/a-line-without-an-ip-address-is-not-taken",
		test_line_needs_an_ip_address);
	return g_test_run();
}
