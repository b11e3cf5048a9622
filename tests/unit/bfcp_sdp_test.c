/*
 * bfcp_sdp_test.c - the content-sharing SDP (plugins/bfcp/bfcp_sdp.c) on offers written in the
 * style of Poly and Cisco room systems: the slides line is found by a=content, not position;
 * the old m-stream: spelling is read; a=setup is answered active<->passive; what cannot be
 * served (TLS, holdconn, an offerer that wants to be the server) is refused; hostile values
 * never reach the answer, which is built only from what we chose.
 */
#include "bfcp_sdp.h"

#include <glib.h>
#include <string.h>

/* Poly-style: BFCP over TCP, content:main first, slides second, older m-stream spelling */
static const char poly_offer[] = "v=0\r\n"
				 "o=- 1 1 IN IP4 192.0.2.10\r\n"
				 "s=-\r\n"
				 "c=IN IP4 192.0.2.10\r\n"
				 "t=0 0\r\n"
				 "m=audio 49170 RTP/AVP 9 0\r\n"
				 "a=label:1\r\n"
				 "m=video 49172 RTP/AVP 109\r\n"
				 "a=rtpmap:109 H264/90000\r\n"
				 "a=content:main\r\n"
				 "a=label:2\r\n"
				 "m=application 49174 TCP/BFCP *\r\n"
				 "a=floorctrl:c-only\r\n"
				 "a=confid:1\r\n"
				 "a=userid:1\r\n"
				 "a=floorid:1 m-stream:3\r\n"
				 "a=setup:actpass\r\n"
				 "a=connection:new\r\n"
				 "m=video 49176 RTP/AVP 109\r\n"
				 "a=rtpmap:109 H264/90000\r\n"
				 "a=content:slides\r\n"
				 "a=label:3\r\n";

/* Cisco-style: slides line FIRST, BFCP over UDP with bfcpver, c-s roles, setup active, LF ends */
static const char cisco_offer[] = "v=0\n"
				  "o=tandberg 1 2 IN IP4 198.51.100.7\n"
				  "s=-\n"
				  "t=0 0\n"
				  "m=video 2326 RTP/AVP 97\n"
				  "a=content:slides\n"
				  "a=label:12\n"
				  "m=video 2328 RTP/AVP 97\n"
				  "a=content:main\n"
				  "a=label:11\n"
				  "m=application 5070 UDP/BFCP *\n"
				  "a=floorctrl:c-s\n"
				  "a=confid:4294967295\n"
				  "a=userid:65535\n"
				  "a=floorid:2 mstrm:12\n"
				  "a=bfcpver:1 2\n";

static void a_poly_offer_is_read_and_answered_passive(void)
{
	bfcp_sdp_offer o;
	g_assert_true(bfcp_sdp_parse(poly_offer, strlen(poly_offer), &o));
	g_assert_true(o.present);
	g_assert_cmpint(o.mline, ==, 2);
	g_assert_cmpuint(o.port, ==, 49174);
	g_assert_cmpint(o.proto, ==, BFCP_PROTO_TCP);
	g_assert_cmpuint(o.floorctrl, ==, BFCP_ROLE_C_ONLY);
	g_assert_true(o.has_confid && o.confid == 1 && o.has_userid && o.userid == 1);
	g_assert_cmpuint(o.n_floors, ==, 1);
	g_assert_cmpuint(o.floors[0].floor_id, ==, 1);
	g_assert_cmpuint(o.floors[0].n_labels, ==, 1);
	g_assert_cmpstr(o.floors[0].labels[0], ==, "3");
	g_assert_cmpint(o.setup, ==, BFCP_SETUP_ACTPASS);
	g_assert_false(o.connection_existing);
	g_assert_cmpuint(o.n_videos, ==, 2);
	int sl = bfcp_sdp_slides_video(&o);
	g_assert_cmpint(sl, ==, 1);
	g_assert_cmpint(o.videos[sl].mline, ==, 3);
	g_assert_cmpstr(o.videos[sl].label, ==, "3");
	g_assert_cmpuint(o.videos[0].content, ==, BFCP_CONTENT_MAIN);

	bfcp_sdp_answer a;
	const char *why = NULL;
	g_assert_true(bfcp_sdp_choose(&o, 40000, 77, 5, 9, 104, &a, &why));
	char *text = bfcp_sdp_write_answer(&a);
	g_assert_cmpstr(text, ==,
		"m=application 40000 TCP/BFCP *\r\n"
		"a=floorctrl:s-only\r\n"
		"a=confid:77\r\n"
		"a=userid:5\r\n"
		"a=floorid:9 mstrm:104\r\n"
		"a=setup:passive\r\n"
		"a=connection:new\r\n"
		"a=bfcpver:1\r\n");
	g_free(text);
}

static void a_cisco_offer_with_slides_first_is_picked_by_attribute(void)
{
	bfcp_sdp_offer o;
	g_assert_true(bfcp_sdp_parse(cisco_offer, strlen(cisco_offer), &o));
	g_assert_cmpint(bfcp_sdp_slides_video(&o), ==, 0);
	g_assert_cmpint(o.videos[0].mline, ==, 0);
	g_assert_cmpstr(o.videos[0].label, ==, "12");
	g_assert_cmpint(o.proto, ==, BFCP_PROTO_UDP);
	g_assert_cmpuint(o.floorctrl, ==, BFCP_ROLE_C_S);
	g_assert_cmpuint(o.confid, ==, 4294967295u);
	g_assert_cmpuint(o.userid, ==, 65535);
	g_assert_cmpstr(o.floors[0].labels[0], ==, "12");
	g_assert_cmpuint(o.bfcpver, ==, (1u << 1) | (1u << 2));
	bfcp_sdp_answer a;
	g_assert_true(bfcp_sdp_choose(&o, 40002, 77, 5, 9, 104, &a, NULL));
	char *text = bfcp_sdp_write_answer(&a);
	g_assert_cmpstr(text, ==,
		"m=application 40002 UDP/BFCP *\r\n"
		"a=floorctrl:s-only\r\n"
		"a=confid:77\r\n"
		"a=userid:5\r\n"
		"a=floorid:9 mstrm:104\r\n"
		"a=bfcpver:2\r\n");
	g_free(text);
}

static char *with(const char *from, const char *to)
{
	/* the Poly offer with one line replaced */
	const char *at = strstr(poly_offer, from);
	g_assert_nonnull(at);
	return g_strdup_printf(
		"%.*s%s%s", (int)(at - poly_offer), poly_offer, to, at + strlen(from));
}

static bool choose_with(const char *from, const char *to, bfcp_sdp_answer *a, const char **why)
{
	char *sdp = with(from, to);
	bfcp_sdp_offer o;
	g_assert_true(bfcp_sdp_parse(sdp, strlen(sdp), &o));
	g_free(sdp);
	return bfcp_sdp_choose(&o, 40000, 77, 5, 9, 104, a, why);
}

static void setup_is_answered_active_passive(void)
{
	bfcp_sdp_answer a;
	const char *why;
	g_assert_true(choose_with("a=setup:actpass", "a=setup:active", &a, &why));
	g_assert_cmpint(a.setup, ==, BFCP_SETUP_PASSIVE);
	g_assert_true(choose_with("a=setup:actpass", "a=setup:passive", &a, &why));
	g_assert_cmpint(a.setup, ==, BFCP_SETUP_ACTIVE);
	char *t = bfcp_sdp_write_answer(&a);
	g_assert_nonnull(strstr(t, "a=setup:active\r\n"));
	g_free(t);
	g_assert_true(
		choose_with("a=setup:actpass\r\n", "", &a, &why)); /* default: offerer active */
	g_assert_cmpint(a.setup, ==, BFCP_SETUP_PASSIVE);
	g_assert_false(choose_with("a=setup:actpass", "a=setup:holdconn", &a, &why));
	g_assert_nonnull(why);
}

static void what_we_cannot_serve_is_refused(void)
{
	bfcp_sdp_answer a;
	const char *why = NULL;
	g_assert_false(choose_with("TCP/BFCP", "TCP/TLS/BFCP", &a, &why));
	g_assert_nonnull(why);
	g_assert_false(choose_with("a=floorctrl:c-only", "a=floorctrl:s-only", &a, &why));
	g_assert_false(choose_with("m=application 49174", "m=application 0", &a, &why));
	g_assert_false(choose_with("TCP/BFCP", "TCP/XBFCP", &a, &why));
	/* UDP without version 2 */
	g_assert_false(choose_with("TCP/BFCP *\r\n", "UDP/BFCP *\r\na=bfcpver:1\r\n", &a, &why));
}

static void hostile_values_never_reach_the_answer(void)
{
	const char *hostile = "v=0\r\n"
			      "m=video 1 RTP/AVP 96\r\n"
			      "a=content:slides\r\n"
			      "a=label:3\r\na=setup:passive\r\n"
			      "a=label:x\r\nInjected: yes\r\n"
			      "m=application 99999 TCP/BFCP *\r\n"
			      "m=application 5000 TCP/BFCP *\r\n"
			      "a=confid:-1\r\n"
			      "a=confid:4294967296\r\n"
			      "a=userid:0\r\n"
			      "a=userid:70000\r\n"
			      "a=floorid:0 mstrm:1\r\n"
			      "a=floorid:3 mstrm:a\"b mstrm:ok m-stream:\r\n"
			      "a=floorid:65536 mstrm:1\r\n"
			      "a=floorctrl:c-only\r\n";
	bfcp_sdp_offer o;
	g_assert_true(bfcp_sdp_parse(hostile, strlen(hostile), &o));
	g_assert_true(o.present);
	g_assert_cmpuint(o.port, ==, 5000); /* the 99999 line is not a BFCP line */
	g_assert_false(o.has_confid);
	g_assert_false(o.has_userid);
	g_assert_cmpuint(o.n_floors, ==, 1);
	g_assert_cmpuint(o.floors[0].floor_id, ==, 3);
	g_assert_cmpuint(o.floors[0].n_labels, ==, 1);
	g_assert_cmpstr(o.floors[0].labels[0], ==, "ok");
	g_assert_cmpstr(o.videos[0].label, ==, "x");
	g_assert_cmpint(o.setup, ==, BFCP_SETUP_NONE); /* a video line's setup is not BFCP's */
	/* a label with a space or too long is dropped */
	const char *labels =
		"v=0\r\nm=video 1 RTP/AVP 96\r\na=label:a b\r\n"
		"m=video 1 RTP/AVP 96\r\na=label:0123456789012345678901234567890123\r\n";
	g_assert_true(bfcp_sdp_parse(labels, strlen(labels), &o));
	g_assert_cmpstr(o.videos[0].label, ==, "");
	g_assert_cmpstr(o.videos[1].label, ==, "");
	/* our answer is ours: invalid choices write nothing */
	bfcp_sdp_answer a = { .port = 1,
		.proto = BFCP_PROTO_TCP_TLS,
		.setup = BFCP_SETUP_PASSIVE,
		.confid = 1,
		.userid = 1,
		.floor_id = 1,
		.bfcpver = 1 };
	g_assert_null(bfcp_sdp_write_answer(&a));
	a.proto = BFCP_PROTO_TCP;
	a.setup = BFCP_SETUP_ACTPASS;
	g_assert_null(bfcp_sdp_write_answer(&a));
	/* not SDP at all, and binary */
	g_assert_false(bfcp_sdp_parse("hello", 5, &o));
	const char nul[] = "v=0\r\nm=application 5 TCP/BFCP *\r\na=confid:1\0 2\r\n";
	g_assert_true(bfcp_sdp_parse(nul, sizeof(nul) - 1, &o));
	g_assert_false(o.has_confid);
	g_assert_false(bfcp_sdp_parse(NULL, 0, &o));
}

static void many_floors_and_videos_are_bounded(void)
{
	GString *s = g_string_new("v=0\r\nm=application 9 TCP/BFCP *\r\n");
	for (int i = 1; i <= 50; i++)
		g_string_append_printf(
			s, "a=floorid:%d mstrm:1 mstrm:2 mstrm:3 mstrm:4 mstrm:5\r\n", i);
	for (int i = 0; i < 50; i++)
		g_string_append(s, "m=video 9 RTP/AVP 96\r\na=content:slides,main,foo\r\n");
	bfcp_sdp_offer o;
	g_assert_true(bfcp_sdp_parse(s->str, s->len, &o));
	g_assert_cmpuint(o.n_floors, ==, BFCP_SDP_MAX_FLOORS);
	g_assert_cmpuint(o.floors[0].n_labels, ==, BFCP_SDP_MAX_LABELS);
	g_assert_cmpuint(o.n_videos, ==, BFCP_SDP_MAX_VIDEOS);
	g_assert_cmpuint(o.videos[7].content, ==,
		BFCP_CONTENT_SLIDES | BFCP_CONTENT_MAIN | BFCP_CONTENT_OTHER);
	g_string_free(s, TRUE);
}

/* What a room system answers to our offer (audio, main, slides, BFCP at line 3). */
static bool answer_taken(const char *bfcp_line, const char **why)
{
	GString *s = g_string_new("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n"
				  "c=IN IP4 192.0.2.10\r\nt=0 0\r\n"
				  "m=audio 49170 RTP/AVP 0\r\n"
				  "m=video 49172 RTP/AVP 96\r\na=content:main\r\n"
				  "m=video 49174 RTP/AVP 96\r\na=content:slides\r\n");
	g_string_append(s, bfcp_line);
	bfcp_sdp_offer o;
	g_assert_true(bfcp_sdp_parse(s->str, s->len, &o));
	bool ok = bfcp_sdp_answer_accepted(&o, 3, BFCP_PROTO_TCP, BFCP_SETUP_PASSIVE, why);
	g_string_free(s, TRUE);
	return ok;
}

static void our_offer_is_written_as_the_passive_floor_server(void)
{
	char *t = bfcp_sdp_write_offer(41000, 77, 5, 1, 3);
	g_assert_nonnull(t);
	static const char *const lines[] = { "m=application 41000 TCP/BFCP *\r\n",
		"a=floorctrl:s-only\r\n", "a=confid:77\r\n", "a=userid:5\r\n",
		"a=floorid:1 mstrm:3\r\n", "a=setup:passive\r\n", "a=connection:new\r\n" };
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
		g_assert_nonnull(strstr(t, lines[i]));
	g_free(t);
	/* values we never write */
	g_assert_null(bfcp_sdp_write_offer(0, 77, 5, 1, 3));
	g_assert_null(bfcp_sdp_write_offer(41000, 0, 5, 1, 3));
	g_assert_null(bfcp_sdp_write_offer(41000, 77, 0, 1, 3));
	g_assert_null(bfcp_sdp_write_offer(41000, 77, 5, 0, 3));
}

static void the_answer_to_our_offer_is_accepted_or_refused(void)
{
	const char *why = NULL;
	g_assert_true(answer_taken("m=application 50000 TCP/BFCP *\r\na=floorctrl:c-only\r\n"
				   "a=setup:active\r\na=connection:new\r\na=floorid:1 mstrm:3\r\n",
		&why));
	g_assert_null(why);
	/* no floorctrl (only a client can answer s-only), no setup (RFC 4145: active) */
	g_assert_true(answer_taken("m=application 50000 TCP/BFCP *\r\n", &why));
	/* huge ids the answerer should not send at all are not looked at */
	g_assert_true(answer_taken("m=application 50000 TCP/BFCP *\r\na=confid:99999999999\r\n"
				   "a=userid:4294967296\r\na=floorctrl:c-only\r\n",
		&why));

	static const char *const refused[] = {
		"m=application 0 TCP/BFCP *\r\na=floorctrl:c-only\r\na=setup:active\r\n",
		"m=application 50000 UDP/BFCP *\r\na=floorctrl:c-only\r\n",
		"m=application 50000 TCP/TLS/BFCP *\r\na=floorctrl:c-only\r\na=setup:active\r\n",
		"m=application 50000 TCP/BFCP *\r\na=floorctrl:s-only\r\na=setup:active\r\n",
		"m=application 50000 TCP/BFCP *\r\na=floorctrl:c-s\r\na=setup:active\r\n",
		"m=application 50000 TCP/BFCP *\r\na=floorctrl:c-only\r\na=setup:passive\r\n",
		"m=application 50000 TCP/BFCP *\r\na=floorctrl:c-only\r\na=setup:actpass\r\n",
		"m=application 50000 TCP/BFCP *\r\na=floorctrl:c-only\r\na=setup:holdconn\r\n",
		"m=application 99999 TCP/BFCP *\r\na=floorctrl:c-only\r\n",
		"m=application 50000 TCP/RTP/AVP 9\r\n",
		"",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
		why = NULL;
		g_assert_false(answer_taken(refused[i], &why));
		g_assert_nonnull(why);
	}
	/* the BFCP line not where we offered it */
	bfcp_sdp_offer o;
	const char moved[] = "v=0\r\nc=IN IP4 192.0.2.10\r\nm=audio 49170 RTP/AVP 0\r\n"
			     "m=application 50000 TCP/BFCP *\r\na=floorctrl:c-only\r\n";
	g_assert_true(bfcp_sdp_parse(moved, strlen(moved), &o));
	g_assert_false(bfcp_sdp_answer_accepted(&o, 3, BFCP_PROTO_TCP, BFCP_SETUP_PASSIVE, &why));
}

/* A re-offer keeping the BFCP stream as it is (a re-INVITE without SDP): connection:existing,
 * and the answer must take the other end of the connection we have. */
static bool reanswer_taken(const char *bfcp_line, bfcp_sdp_proto proto, bfcp_sdp_setup ours)
{
	GString *s = g_string_new("v=0\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
				  "m=audio 49170 RTP/AVP 0\r\n");
	g_string_append(s, bfcp_line);
	bfcp_sdp_offer o;
	const char *why = NULL;
	g_assert_true(bfcp_sdp_parse(s->str, s->len, &o));
	bool ok = bfcp_sdp_answer_accepted(&o, 1, proto, ours, &why);
	g_assert_true(ok == (why == NULL));
	g_string_free(s, TRUE);
	return ok;
}

static void a_re_offer_keeps_the_connection_and_its_roles(void)
{
	bfcp_sdp_answer a = { .port = 41000,
		.proto = BFCP_PROTO_TCP,
		.setup = BFCP_SETUP_ACTIVE,
		.confid = 77,
		.userid = 5,
		.floor_id = 1,
		.slides_label = 3,
		.bfcpver = 1,
		.existing = true };
	char *t = bfcp_sdp_write_answer(&a);
	g_assert_nonnull(strstr(t, "a=setup:active\r\na=connection:existing\r\n"));
	g_free(t);
	/* we connected: the answerer stays passive */
	g_assert_true(reanswer_taken("m=application 50000 TCP/BFCP *\r\na=setup:passive\r\n"
				     "a=connection:existing\r\n",
		BFCP_PROTO_TCP, BFCP_SETUP_ACTIVE));
	g_assert_false(reanswer_taken("m=application 50000 TCP/BFCP *\r\na=setup:active\r\n",
		BFCP_PROTO_TCP, BFCP_SETUP_ACTIVE));
	g_assert_false(reanswer_taken(
		"m=application 50000 TCP/BFCP *\r\n", BFCP_PROTO_TCP, BFCP_SETUP_ACTIVE));
	/* we listen: the answerer stays active */
	g_assert_true(reanswer_taken("m=application 50000 TCP/BFCP *\r\na=setup:active\r\n"
				     "a=connection:existing\r\n",
		BFCP_PROTO_TCP, BFCP_SETUP_PASSIVE));
	/* UDP: the same transport, no setup */
	g_assert_true(reanswer_taken("m=application 50000 UDP/BFCP *\r\na=floorctrl:c-only\r\n",
		BFCP_PROTO_UDP, BFCP_SETUP_NONE));
	g_assert_false(reanswer_taken("m=application 50000 TCP/BFCP *\r\na=setup:active\r\n",
		BFCP_PROTO_UDP, BFCP_SETUP_NONE));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bfcp/sdp/a re-offer keeps the connection and its roles",
		a_re_offer_keeps_the_connection_and_its_roles);
	g_test_add_func("/bfcp/sdp/a Poly offer is read and answered passive",
		a_poly_offer_is_read_and_answered_passive);
	g_test_add_func("/bfcp/sdp/a Cisco offer with slides first is picked by attribute",
		a_cisco_offer_with_slides_first_is_picked_by_attribute);
	g_test_add_func(
		"/bfcp/sdp/setup is answered active<->passive", setup_is_answered_active_passive);
	g_test_add_func(
		"/bfcp/sdp/what we cannot serve is refused", what_we_cannot_serve_is_refused);
	g_test_add_func("/bfcp/sdp/hostile values never reach the answer",
		hostile_values_never_reach_the_answer);
	g_test_add_func(
		"/bfcp/sdp/many floors and videos are bounded", many_floors_and_videos_are_bounded);
	g_test_add_func("/bfcp/sdp/our offer is written as the passive floor server",
		our_offer_is_written_as_the_passive_floor_server);
	g_test_add_func("/bfcp/sdp/the answer to our offer is accepted or refused",
		the_answer_to_our_offer_is_accepted_or_refused);
	return g_test_run();
}
