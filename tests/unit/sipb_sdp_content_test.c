/*
 * sipb_sdp_content_test.c - content sharing in the SIP bridge's SDP offer/answer (issue #13):
 * the slides video line is picked by a=content:slides (never by position), the BFCP line is
 * found and answered with the caller's text, endpoints without them are answered as before.
 */
#include <string.h>
#include <glib.h>

#include "bfcp_sdp.h"
#include "sipb_sdp.h"

#define HEAD  "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
#define AUDIO "m=audio 6000 RTP/AVP 0\r\n"
#define MAIN  "m=video 6002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=content:main\r\n"
#define SLIDES                                                                                     \
	"m=video 6004 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n"                                    \
	"a=fmtp:97 profile-level-id=42e01f;packetization-mode=1\r\na=content:slides\r\n"           \
	"a=label:12\r\na=sendrecv\r\n"
#define BFCP_TCP                                                                                   \
	"m=application 7000 TCP/BFCP *\r\na=floorctrl:c-only\r\na=setup:active\r\n"                \
	"a=connection:new\r\na=floorid:2 mstrm:12\r\n"

static int nego(const char *sdp, sipb_sdp_result *r)
{
	return sipb_sdp_negotiate(sdp, strlen(sdp), r);
}

static sipb_sdp_local local_with(int slides_port, const char *bfcp)
{
	sipb_sdp_local l = { .ip = "10.0.0.1",
		.audio_port = 40000,
		.video_port = 40002,
		.session_id = 42,
		.version = 1 };
	l.slides_port = slides_port;
	l.slides_label = 3;
	l.bfcp_answer = bfcp;
	return l;
}

static void test_slides_after_main_with_bfcp(void)
{
	sipb_sdp_result r;
	g_assert_cmpint(nego(HEAD AUDIO MAIN SLIDES BFCP_TCP, &r), ==, 0);
	g_assert_cmpint(r.audio, ==, 0);
	g_assert_cmpint(r.video, ==, 1);
	g_assert_cmpint(r.slides, ==, 2);
	g_assert_cmpint(r.bfcp, ==, 3);
	g_assert_true(r.main_marked);
	g_assert_cmpint(r.m[2].port, ==, 6004);
	g_assert_cmpint(r.m[2].pt, ==, 97);
	g_assert_cmpint(r.m[2].h264_mode, ==, 1);

	/* our BFCP line as bfcp_sdp writes it */
	bfcp_sdp_offer o;
	g_assert_true(bfcp_sdp_parse(
		HEAD AUDIO MAIN SLIDES BFCP_TCP, strlen(HEAD AUDIO MAIN SLIDES BFCP_TCP), &o));
	bfcp_sdp_answer ans;
	const char *why = NULL;
	g_assert_true(bfcp_sdp_choose(&o, 41000, 77, 5, 1, 3, &ans, &why));
	g_assert_cmpint(ans.setup, ==, BFCP_SETUP_PASSIVE); /* they are active: we listen */
	char *bl = bfcp_sdp_write_answer(&ans);
	sipb_sdp_local l = local_with(40004, bl);
	char *a = sipb_sdp_answer(&r, &l);
	g_assert_nonnull(strstr(a, "m=video 40002 RTP/AVP 96\r\n"));
	g_assert_nonnull(strstr(a, "a=content:main\r\n"));
	g_assert_nonnull(strstr(a, "m=video 40004 RTP/AVP 97\r\n"));
	g_assert_nonnull(strstr(a, "a=content:slides\r\na=label:3\r\n"));
	g_assert_nonnull(strstr(a, "m=application 41000 TCP/BFCP *\r\n"));
	g_assert_nonnull(strstr(a, "a=floorctrl:s-only\r\n"));
	g_assert_nonnull(strstr(a, "a=setup:passive\r\n"));
	g_assert_nonnull(strstr(a, "mstrm:3\r\n"));
	/* m= lines in the offer's order, one for each */
	const char *p1 = strstr(a, "m=audio"), *p2 = strstr(a, "m=video 40002"),
		   *p3 = strstr(a, "m=video 40004"), *p4 = strstr(a, "m=application");
	g_assert_true(p1 < p2 && p2 < p3 && p3 < p4);
	/* the answer parses back: the slides line is ours with its label */
	bfcp_sdp_offer back;
	g_assert_true(bfcp_sdp_parse(a, strlen(a), &back));
	g_assert_true(back.present);
	g_assert_cmpint(back.floorctrl, ==, BFCP_ROLE_S_ONLY);
	g_assert_cmpint(bfcp_sdp_slides_video(&back), >=, 0);
	g_free(a);
	g_free(bl);
}

static void test_slides_before_main_is_picked_by_attribute(void)
{
	sipb_sdp_result r;
	g_assert_cmpint(nego(HEAD AUDIO SLIDES MAIN BFCP_TCP, &r), ==, 0);
	g_assert_cmpint(r.slides, ==, 1);
	g_assert_cmpint(r.video, ==, 2); /* the main picture, not the first video line */
	g_assert_cmpint(r.m[2].pt, ==, 96);
}

static void test_udp_bfcp_and_mstream_spelling(void)
{
	const char *o = HEAD AUDIO MAIN SLIDES "m=application 7002 UDP/BFCP *\r\n"
					       "a=floorctrl:c-s\r\na=confid:4\r\na=userid:9\r\n"
					       "a=floorid:2 m-stream:12\r\n";
	sipb_sdp_result r;
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpint(r.bfcp, ==, 3);
	bfcp_sdp_offer bo;
	g_assert_true(bfcp_sdp_parse(o, strlen(o), &bo));
	g_assert_cmpint(bo.proto, ==, BFCP_PROTO_UDP);
	g_assert_cmpint(bo.n_floors, ==, 1);
	g_assert_cmpstr(bo.floors[0].labels[0], ==, "12");
}

static void test_tls_bfcp_is_refused_with_port_0(void)
{
	const char *o = HEAD AUDIO MAIN SLIDES "m=application 7000 TCP/TLS/BFCP *\r\n"
					       "a=floorctrl:c-only\r\na=setup:active\r\n";
	sipb_sdp_result r;
	g_assert_cmpint(nego(o, &r), ==, 0);
	bfcp_sdp_offer bo;
	g_assert_true(bfcp_sdp_parse(o, strlen(o), &bo));
	bfcp_sdp_answer ans;
	const char *why = NULL;
	g_assert_false(bfcp_sdp_choose(&bo, 41000, 1, 1, 1, 3, &ans, &why));
	g_assert_nonnull(why);
	/* the caller passes no BFCP text: the line is refused as offered */
	sipb_sdp_local l = local_with(40004, NULL);
	char *a = sipb_sdp_answer(&r, &l);
	g_assert_nonnull(strstr(a, "m=application 0 TCP/TLS/BFCP *\r\n"));
	g_free(a);
}

static void test_without_content_the_answer_is_unchanged(void)
{
	const char *o = HEAD AUDIO "m=video 6002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
				   "m=video 6004 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";
	sipb_sdp_result r;
	g_assert_cmpint(nego(o, &r), ==, 0);
	g_assert_cmpint(r.slides, ==, -1);
	g_assert_cmpint(r.bfcp, ==, -1);
	g_assert_cmpint(r.video, ==, 1);
	g_assert_false(r.m[2].accepted); /* a second unmarked video line: refused as before */
	sipb_sdp_local l = local_with(0, NULL);
	char *a = sipb_sdp_answer(&r, &l);
	g_assert_null(strstr(a, "a=content"));
	g_assert_null(strstr(a, "a=label"));
	g_assert_nonnull(strstr(a, "m=video 0 RTP/AVP 96\r\n"));
	g_free(a);
}

static void test_slides_refused_by_the_caller(void)
{
	sipb_sdp_result r;
	g_assert_cmpint(nego(HEAD AUDIO MAIN SLIDES, &r), ==, 0);
	g_assert_cmpint(r.slides, ==, 2);
	sipb_sdp_local l = local_with(0, NULL); /* no slides port: port 0 */
	char *a = sipb_sdp_answer(&r, &l);
	g_assert_nonnull(strstr(a, "m=video 0 RTP/AVP 97\r\n"));
	g_assert_null(strstr(a, "a=content:slides"));
	g_free(a);
}

static void test_hostile_content_attributes(void)
{
	/* a=content:slides on two lines, a slides line with port 0, junk labels, a BFCP line
	 * with a huge floor list: nothing is taken that should not be, nothing crashes */
	GString *g = g_string_new(HEAD AUDIO);
	g_string_append(g, "m=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=content:slides\r\n");
	g_string_append(g,
		"m=video 6004 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
		"a=content:slides,main\r\na=label:\"<x>\"\r\n");
	g_string_append(g, "m=application 7000 TCP/BFCP *\r\n");
	for (int i = 0; i < 40; i++)
		g_string_append_printf(g, "a=floorid:%d mstrm:%d m-stream:%d\r\n", i, i, i);
	sipb_sdp_result r;
	g_assert_cmpint(nego(g->str, &r), ==, 0);
	g_assert_cmpint(r.slides, ==, 2); /* the one with a port */
	g_assert_cmpint(r.video, ==, -1);
	g_assert_cmpint(r.bfcp, ==, 3);
	g_string_free(g, TRUE);
}

/* Our offer (dial-out, delayed offer) with content, as sipb_call_content_offer fills it. */
static char *our_offer(int with_content)
{
	char *bfcp = bfcp_sdp_write_offer(41000, 77, 5, 1, 3);
	sipb_sdp_local l = local_with(with_content ? 40004 : 0, NULL);
	l.bfcp_offer = with_content ? bfcp : NULL;
	char *o = sipb_sdp_offer(&l);
	g_free(bfcp);
	return o;
}

static const char *line_of(const char *sdp, int n)
{
	const char *p = sdp;
	for (int i = 0; p && i <= n; i++) {
		p = strstr(p, "m=");
		if (p && i < n)
			p += 2;
	}
	return p;
}

static void test_our_offer_has_slides_and_bfcp_lines(void)
{
	char *o = our_offer(1);
	const char *main = line_of(o, 1), *slides = line_of(o, 2), *bfcp = line_of(o, 3);
	g_assert_nonnull(bfcp);
	g_assert_null(line_of(o, 4));
	g_assert_true(g_str_has_prefix(main, "m=video 40002 RTP/AVP 96 97 98\r\n"));
	g_assert_true(g_str_has_prefix(slides, "m=video 40004 RTP/AVP 96 97 98\r\n"));
	g_assert_true(g_str_has_prefix(bfcp, "m=application 41000 TCP/BFCP *\r\n"));
	/* the slides line has the main line's codecs and feedback, then its content attributes */
	size_t main_len = (size_t)(slides - main);
	const char *main_codecs = strstr(main, "a=rtpmap:96");
	const char *main_end = strstr(main, "a=content:main\r\n");
	g_assert_nonnull(main_end);
	g_assert_true(main_end < slides && main_codecs < main_end);
	g_assert_cmpint(strncmp(strstr(slides, "a=rtpmap:96"), main_codecs,
				(size_t)(main_end - main_codecs)),
		==, 0);
	(void)main_len;
	g_assert_nonnull(strstr(slides, "a=content:slides\r\na=label:3\r\na=sendrecv\r\n"));
	g_assert_true(strstr(slides, "a=label:3") < bfcp);
	g_assert_nonnull(strstr(bfcp, "a=floorid:1 mstrm:3\r\n"));
	g_assert_nonnull(strstr(bfcp, "a=setup:passive\r\n"));
	g_assert_nonnull(strstr(bfcp, "a=floorctrl:s-only\r\n"));

	/* what a room system reads in it: the slides line by attribute, its label in mstrm */
	bfcp_sdp_offer p;
	g_assert_true(bfcp_sdp_parse(o, strlen(o), &p));
	g_assert_true(p.present);
	g_assert_cmpint(p.mline, ==, SIPB_SDP_OFFER_BFCP_MLINE);
	g_assert_cmpint(p.setup, ==, BFCP_SETUP_PASSIVE);
	g_assert_cmpuint(p.floorctrl, ==, BFCP_ROLE_S_ONLY);
	g_assert_cmpuint(p.confid, ==, 77);
	g_assert_cmpuint(p.userid, ==, 5);
	int v = bfcp_sdp_slides_video(&p);
	g_assert_cmpint(v, >=, 0);
	g_assert_cmpint(p.videos[v].mline, ==, SIPB_SDP_OFFER_SLIDES_MLINE);
	g_assert_cmpstr(p.videos[v].label, ==, "3");
	g_assert_cmpstr(p.floors[0].labels[0], ==, "3");
	g_free(o);
}

static void test_our_offer_without_content_is_unchanged(void)
{
	char *o = our_offer(0);
	g_assert_null(line_of(o, 2));
	g_assert_null(strstr(o, "a=content"));
	g_assert_null(strstr(o, "BFCP"));
	g_free(o);
}

/* A re-offer (a re-INVITE without SDP) keeps the session's m-lines where they were (RFC 3264
 * §8): here a room system's order, BFCP before slides, and a line we never took. */
static void test_a_re_offer_keeps_the_sessions_m_lines_in_place(void)
{
	sipb_sdp_result prev;
	g_assert_cmpint(
		nego(HEAD AUDIO MAIN BFCP_TCP SLIDES "m=text 6010 RTP/AVP 98\r\n", &prev), ==, 0);
	g_assert_cmpint(prev.bfcp, ==, 2);
	g_assert_cmpint(prev.slides, ==, 3);
	char *bfcp = bfcp_sdp_write_offer(41000, 77, 5, 1, 3);
	sipb_sdp_local l = local_with(40004, NULL);
	l.bfcp_offer = bfcp;
	l.prev = &prev;
	int sl, bl;
	sipb_sdp_offer_places(&l, &sl, &bl);
	g_assert_cmpint(sl, ==, 3);
	g_assert_cmpint(bl, ==, 2);
	char *o = sipb_sdp_offer(&l);
	g_assert_true(g_str_has_prefix(line_of(o, 0), "m=audio 40000 RTP/AVP "));
	g_assert_true(g_str_has_prefix(line_of(o, 1), "m=video 40002 RTP/AVP 96 97 98\r\n"));
	g_assert_true(g_str_has_prefix(line_of(o, 2), "m=application 41000 TCP/BFCP *\r\n"));
	g_assert_true(g_str_has_prefix(line_of(o, 3), "m=video 40004 RTP/AVP 96 97 98\r\n"));
	g_assert_nonnull(strstr(line_of(o, 3), "a=content:slides\r\n"));
	g_assert_true(g_str_has_prefix(line_of(o, 4), "m=text 0 RTP/AVP 98\r\n"));
	g_assert_null(line_of(o, 5));
	/* what a room system reads: its BFCP and slides lines where they were */
	bfcp_sdp_offer p;
	g_assert_true(bfcp_sdp_parse(o, strlen(o), &p));
	g_assert_cmpint(p.mline, ==, 2);
	g_assert_cmpint(p.videos[bfcp_sdp_slides_video(&p)].mline, ==, 3);
	g_free(o);

	/* without content now: the content lines stay, with port 0 */
	l.bfcp_offer = NULL;
	o = sipb_sdp_offer(&l);
	g_assert_true(g_str_has_prefix(line_of(o, 2), "m=application 0 TCP/BFCP *\r\n"));
	g_assert_true(g_str_has_prefix(line_of(o, 3), "m=video 0 RTP/AVP "));
	g_assert_null(line_of(o, 5));
	g_assert_null(strstr(o, "a=content"));
	g_free(o);

	/* a session without them gets them after its own lines (and after a main video line
	 * when it never had one) */
	sipb_sdp_result av;
	g_assert_cmpint(nego(HEAD AUDIO MAIN, &av), ==, 0);
	l.bfcp_offer = bfcp;
	l.prev = &av;
	sipb_sdp_offer_places(&l, &sl, &bl);
	g_assert_cmpint(sl, ==, 2);
	g_assert_cmpint(bl, ==, 3);
	sipb_sdp_result a_only;
	g_assert_cmpint(nego(HEAD AUDIO, &a_only), ==, 0);
	l.prev = &a_only;
	sipb_sdp_offer_places(&l, &sl, &bl);
	g_assert_cmpint(sl, ==, 2);
	g_assert_cmpint(bl, ==, 3);
	l.bfcp_offer = NULL;
	o = sipb_sdp_offer(&l); /* a session that never had video is offered it after its audio */
	g_assert_true(g_str_has_prefix(line_of(o, 1), "m=video 40002 RTP/AVP 96 97 98\r\n"));
	g_assert_null(line_of(o, 2));
	g_free(o);
	sipb_sdp_result refused;
	g_assert_cmpint(nego(HEAD AUDIO "m=video 6002 RTP/AVP 31\r\n", &refused), ==, 0);
	g_assert_cmpint(refused.video, ==, -1);
	l.prev = &refused;
	l.bfcp_offer = bfcp;
	sipb_sdp_offer_places(&l, &sl, &bl);
	g_assert_cmpint(bl, ==, -1); /* no main video: no content */
	o = sipb_sdp_offer(&l);      /* its refused video line stays refused, none is added */
	g_assert_true(g_str_has_prefix(line_of(o, 1), "m=video 0 RTP/AVP 31\r\n"));
	g_assert_null(line_of(o, 2));
	g_free(o);
	g_free(bfcp);
}

#define ANS_MAIN   "m=video 6002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
#define ANS_SLIDES "m=video 6004 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
#define ANS_BFCP   "m=application 7000 TCP/BFCP *\r\na=floorctrl:c-only\r\na=setup:active\r\n"

static int nego_answer(const char *sdp, sipb_sdp_result *r)
{
	return sipb_sdp_negotiate_answer(
		sdp, strlen(sdp), SIPB_SDP_OFFER_SLIDES_MLINE, SIPB_SDP_OFFER_BFCP_MLINE, r);
}

static void test_the_answer_to_our_offer_is_read_by_position(void)
{
	/* the answer need not repeat a=content: its lines are ours, in our order */
	sipb_sdp_result r;
	g_assert_cmpint(nego_answer(HEAD AUDIO ANS_MAIN ANS_SLIDES ANS_BFCP, &r), ==, 0);
	g_assert_cmpint(r.audio, ==, 0);
	g_assert_cmpint(r.video, ==, 1);
	g_assert_cmpint(r.slides, ==, 2);
	g_assert_cmpint(r.bfcp, ==, 3);
	g_assert_cmpint(r.m[2].port, ==, 6004);
	/* read as an offer, the unmarked third line would be a second video, refused */
	g_assert_cmpint(nego(HEAD AUDIO ANS_MAIN ANS_SLIDES ANS_BFCP, &r), ==, 0);
	g_assert_cmpint(r.slides, ==, -1);

	/* slides refused (port 0), BFCP refused (port 0): audio and video as before */
	g_assert_cmpint(nego_answer(HEAD AUDIO ANS_MAIN "m=video 0 RTP/AVP 96\r\n"
							"m=application 0 TCP/BFCP *\r\n",
				&r),
		==, 0);
	g_assert_cmpint(r.audio, ==, 0);
	g_assert_cmpint(r.video, ==, 1);
	g_assert_cmpint(r.slides, ==, -1);
	g_assert_false(r.m[3].accepted);

	/* an answerer that dropped our content lines altogether */
	g_assert_cmpint(nego_answer(HEAD AUDIO ANS_MAIN, &r), ==, 0);
	g_assert_cmpint(r.slides, ==, -1);
	g_assert_cmpint(r.bfcp, ==, -1);

	/* hostile: audio where the slides line was, the BFCP line where audio was */
	g_assert_cmpint(nego_answer(HEAD ANS_BFCP ANS_MAIN AUDIO AUDIO, &r), ==, 0);
	g_assert_cmpint(r.slides, ==, -1);
	g_assert_cmpint(r.audio, ==, 2);
	g_assert_false(r.m[3].accepted);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/sdp-content/slides-after-main-with-bfcp-answered-as-floor-server",
		test_slides_after_main_with_bfcp);
	g_test_add_func("/sipb/sdp-content/slides-before-main-is-picked-by-attribute",
		test_slides_before_main_is_picked_by_attribute);
	g_test_add_func("/sipb/sdp-content/udp-bfcp-and-m-stream-spelling",
		test_udp_bfcp_and_mstream_spelling);
	g_test_add_func("/sipb/sdp-content/tls-bfcp-is-refused-with-port-0",
		test_tls_bfcp_is_refused_with_port_0);
	g_test_add_func("/sipb/sdp-content/without-content-the-answer-is-unchanged",
		test_without_content_the_answer_is_unchanged);
	g_test_add_func("/sipb/sdp-content/slides-refused-by-the-caller",
		test_slides_refused_by_the_caller);
	g_test_add_func(
		"/sipb/sdp-content/hostile-content-attributes", test_hostile_content_attributes);
	g_test_add_func("/sipb/sdp-content/our-offer-has-slides-and-bfcp-lines",
		test_our_offer_has_slides_and_bfcp_lines);
	g_test_add_func("/sipb/sdp-content/a-re-offer-keeps-the-sessions-m-lines-in-place",
		test_a_re_offer_keeps_the_sessions_m_lines_in_place);
	g_test_add_func("/sipb/sdp-content/our-offer-without-content-is-unchanged",
		test_our_offer_without_content_is_unchanged);
	g_test_add_func("/sipb/sdp-content/the-answer-to-our-offer-is-read-by-position",
		test_the_answer_to_our_offer_is_read_by_position);
	return g_test_run();
}
