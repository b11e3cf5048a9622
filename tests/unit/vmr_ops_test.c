/*
 * vmr_ops_test.c - what the operator reads: TURN REST credentials follow coturn's formula
 * (checked against Python's hmac), event lines keep client text inside one quoted value, and
 * the metrics text escapes label values and shows and forgets modules as they come and go.
 */
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "vmr_event_log.h"
#include "vmr_media_quality.h"
#include "vmr_metrics.h"
#include "vmr_turn.h"

static void test_turn_credential_formula(void)
{
	char *user = NULL, *pass = NULL;
	/* base64(HMAC-SHA1("north-wind", "1700000000:42")), computed with Python's hmac */
	g_assert_cmpint(vmr_turn_credential("north-wind", 1700000000, "42", &user, &pass), ==, 0);
	g_assert_cmpstr(user, ==, "1700000000:42");
	g_assert_cmpstr(pass, ==, "6hwnrZiUDHkxY5CYq4XHhx2DHas=");
	g_free(user);
	g_free(pass);
	g_assert_cmpint(vmr_turn_credential("north-wind", 1700000000, NULL, &user, &pass), ==, 0);
	g_assert_cmpstr(user, ==, "1700000000");
	g_assert_cmpstr(pass, ==, "cVe3L6GK/DCmTQvTcoiurB547Vo=");
	g_free(user);
	g_free(pass);
	g_assert_cmpint(vmr_turn_credential("", 1, NULL, &user, &pass), <, 0);
}

static void test_turn_ice_servers(void)
{
	vmr_turn_configure(NULL, NULL, 0);
	g_assert_null(vmr_turn_ice_servers("7"));
	g_assert_null(vmr_turn_rest_response("janus"));
	const char *urls[] = { "turn:t.example:3478?transport=udp",
		"turns:t.example:443?transport=tcp", NULL };
	vmr_turn_configure(urls, "s3cret", 600);
	json_t *list = vmr_turn_ice_servers("7");
	g_assert_nonnull(list);
	json_t *s = json_array_get(list, 0);
	g_assert_cmpuint(json_array_size(json_object_get(s, "urls")), ==, 2);
	const char *user = json_string_value(json_object_get(s, "username"));
	gint64 expiry = g_ascii_strtoll(user, NULL, 10);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_assert_cmpint(expiry, >=, now + 599);
	g_assert_cmpint(expiry, <=, now + 601);
	g_assert_true(g_str_has_suffix(user, ":7"));
	char *u = NULL, *p = NULL;
	vmr_turn_credential("s3cret", expiry, "7", &u, &p);
	g_assert_cmpstr(json_string_value(json_object_get(s, "credential")), ==, p);
	g_free(u);
	g_free(p);
	json_decref(list);
	json_t *rest = vmr_turn_rest_response("janus");
	g_assert_cmpint(json_integer_value(json_object_get(rest, "ttl")), ==, 600);
	g_assert_true(
		g_str_has_suffix(json_string_value(json_object_get(rest, "username")), ":janus"));
	json_decref(rest);
	vmr_turn_configure(NULL, NULL, 0);
}

static void test_event_line_quotes_client_text(void)
{
	vmr_event ev = { .kind = "join",
		.room = "demo",
		.participant = 4711,
		.via = "sip",
		.source = "10.0.0.7:5060",
		.name = "Ann \"the\" \\boss\r\n[event] kind=kicked" };
	char *line = vmr_event_format(&ev);
	g_assert_cmpstr(line, ==,
		"[event] kind=join room=demo participant=4711 via=sip source=10.0.0.7:5060 "
		"name=\"Ann \\\"the\\\" \\\\boss\\x0D\\x0A[event] kind=kicked\"");
	g_assert_null(strchr(line, '\n'));
	g_free(line);
	/* not UTF-8: every high byte escaped; UTF-8 stays readable; long values are cut */
	char longname[400];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	vmr_event bad = {
		.kind = "leave", .name = "caf\xe9", .cause = "Jos\xc3\xa9", .call_id = longname
	};
	line = vmr_event_format(&bad);
	g_assert_nonnull(strstr(line, "name=\"caf\\xE9\""));
	g_assert_nonnull(strstr(line, "cause=\"Jos\xc3\xa9\""));
	g_assert_nonnull(strstr(line, " call_id=aaaa"));
	g_assert_cmpuint(strlen(line), <, 300);
	g_free(line);
	vmr_event empty = { .kind = "leave", .name = "" };
	line = vmr_event_format(&empty);
	g_assert_cmpstr(line, ==, "[event] kind=leave name=\"\"");
	g_free(line);
}

static void collect_evil(void *opaque, vmr_metrics_out *out)
{
	(void)opaque;
	vmr_metrics_family(out, "test_rooms", "gauge", "A test family.");
	vmr_metrics_sample(out, "test_rooms", "room", "a\"b\\c\nd", 1.5);
}

static gboolean health_bad(void *opaque, GString *why)
{
	(void)opaque;
	g_string_append(why, "down\nfake ok");
	return FALSE;
}

static void test_metrics_text(void)
{
	vmr_metrics_inc(VMR_METRIC_PIN_FAILURES);
	vmr_metrics_gauge_add(VMR_GAUGE_PARTICIPANTS_APP, 2);
	vmr_metrics_gauge_add(VMR_GAUGE_PARTICIPANTS_APP, -1);
	char *text = vmr_metrics_render();
	g_assert_nonnull(strstr(
		text, "# TYPE tpaas_pin_failures_total counter\ntpaas_pin_failures_total 1\n"));
	g_assert_nonnull(strstr(text, "tpaas_participants{kind=\"app\"} 1\n"));
	g_assert_null(strstr(text, "test_rooms"));
	g_free(text);
	g_assert_cmpint(vmr_metrics_register("evil", collect_evil, health_bad, NULL), ==, 0);
	g_assert_cmpint(vmr_metrics_register("evil", NULL, NULL, NULL), <, 0);
	text = vmr_metrics_render();
	g_assert_nonnull(strstr(text, "test_rooms{room=\"a\\\"b\\\\c\\nd\"} 1.5\n"));
	g_free(text);
	char *health = NULL;
	g_assert_false(vmr_metrics_health(&health));
	g_assert_cmpstr(health, ==, "evil FAIL: down fake ok\n");
	g_free(health);
	vmr_metrics_unregister("evil");
	text = vmr_metrics_render();
	g_assert_null(strstr(text, "test_rooms"));
	g_free(text);
	g_assert_true(vmr_metrics_health(NULL));
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An SDES-less compound: SR (no blocks) then RR with one block. */
static size_t make_rr(
	uint8_t *buf, uint32_t ssrc, uint32_t cum_lost, uint32_t ext_seq, uint32_t jitter)
{
	memset(buf, 0, 60);
	buf[0] = 0x80;
	buf[1] = 200; /* SR without report blocks: 28 bytes */
	buf[3] = 6;
	buf[28] = 0x81;
	buf[29] = 201; /* RR with one block: 32 bytes */
	buf[31] = 7;
	put32(buf + 36, ssrc);
	put32(buf + 40, cum_lost & 0xffffff);
	put32(buf + 44, ext_seq);
	put32(buf + 48, jitter);
	return 60;
}

static void test_media_reports(void)
{
	vmr_rr_state st = { 0 };
	uint8_t buf[64];
	guint64 c0 = 0;
	char *text = vmr_metrics_render();
	g_assert_nonnull(strstr(text,
		"tpaas_media_packets_expected_total{direction=\"out\",kind=\"sip\",media=\"audio\"}"
		" 0\n"));
	g_free(text);
	(void)c0;
	vmr_media_rtcp_reports(
		&st, buf, make_rr(buf, 77, 10, 1000, 80), 8000, VMR_MEDIA_OUT, VMR_KIND_SIP, 0);
	/* the first report only sets the state; the second counts 500 expected, 5 lost */
	size_t n = make_rr(buf, 77, 15, 1500, 160);
	buf[40] = 13; /* its fraction lost: kept (what the Opus redundancy follows) */
	g_assert_cmpint(
		vmr_media_rtcp_reports(&st, buf, n, 8000, VMR_MEDIA_OUT, VMR_KIND_SIP, 0), ==, 1);
	g_assert_cmpint(st.fraction_lost, ==, 13);
	/* every block of every SR and RR, whatever its SSRC says */
	vmr_report_block rb[4];
	g_assert_cmpint(vmr_rtcp_report_blocks(buf, n, rb, 4), ==, 1);
	g_assert_cmpuint(rb[0].ssrc, ==, 77);
	g_assert_cmpint(rb[0].fraction_lost, ==, 13);
	g_assert_cmpuint(rb[0].ext_highest_seq, ==, 1500);
	g_assert_cmpint(vmr_rtcp_report_blocks(buf, n, rb, 0), ==, 0);
	g_assert_cmpint(vmr_rtcp_report_blocks(buf, 40, rb, 4), ==, 0); /* the RR cut short */
	g_assert_cmpint(vmr_rtcp_report_blocks(NULL, 0, rb, 4), ==, 0);
	buf[28] = 0x82; /* the RR claims two blocks but holds one: only the one */
	g_assert_cmpint(vmr_rtcp_report_blocks(buf, n, rb, 4), ==, 1);
	buf[28] = 0x81;
	/* truncated and garbage packets count nothing */
	g_assert_cmpint(
		vmr_media_rtcp_reports(&st, buf, 40, 8000, VMR_MEDIA_OUT, VMR_KIND_SIP, 0), ==, 0);
	g_assert_cmpint(vmr_media_rtcp_reports(&st, (const uint8_t *)"\xff\xff\xff\xff", 4, 8000,
				VMR_MEDIA_OUT, VMR_KIND_SIP, 0),
		==, 0);
	g_assert_cmpint(st.fraction_lost, ==, 13);
	/* a new SSRC restarts: nothing counted */
	vmr_media_rtcp_reports(
		&st, buf, make_rr(buf, 78, 99, 9000, 0), 8000, VMR_MEDIA_OUT, VMR_KIND_SIP, 0);
	text = vmr_metrics_render();
	g_assert_nonnull(strstr(text,
		"tpaas_media_packets_expected_total{direction=\"out\",kind=\"sip\",media=\"audio\"}"
		" 500\n"));
	g_assert_nonnull(strstr(text,
		"tpaas_media_packets_lost_total{direction=\"out\",kind=\"sip\",media=\"audio\"} "
		"5\n"));
	/* jitter 80 and 160 units at 8 kHz: 10 ms and 20 ms (and 0 for the new SSRC) */
	g_assert_nonnull(strstr(text,
		"tpaas_media_jitter_seconds_bucket{direction=\"out\",kind=\"sip\",media=\"audio\","
		"le=\"0.005\"} 1\n"));
	g_assert_nonnull(strstr(text,
		"tpaas_media_jitter_seconds_bucket{direction=\"out\",kind=\"sip\",media=\"audio\","
		"le=\"0.01\"} 2\n"));
	g_assert_nonnull(strstr(text,
		"tpaas_media_jitter_seconds_bucket{direction=\"out\",kind=\"sip\",media=\"audio\","
		"le=\"+Inf\"} 3\n"));
	g_assert_nonnull(strstr(text,
		"tpaas_media_jitter_seconds_count{direction=\"out\",kind=\"sip\",media=\"audio\"} "
		"3\n"));
	g_free(text);
}

static void test_media_rx_gaps(void)
{
	vmr_rx_state st = { 0 };
	uint8_t pkt[12] = { 0x80, 111 };
	put32(pkt + 8, 0x1234);
	/* seq 65500.. across the wrap: 65550 (= 14 after the wrap) lost, 65560/65561 swapped */
	for (uint32_t i = 0; i < 120; i++) {
		uint32_t n = i == 60 ? 61 : i == 61 ? 60 : i;
		if (n == 50)
			continue;
		uint16_t seq = (uint16_t)(65500 + n);
		pkt[2] = (uint8_t)(seq >> 8);
		pkt[3] = (uint8_t)seq;
		put32(pkt + 4, n * 960);
		/* steady 20 ms arrivals: no jitter */
		vmr_media_rx_packet(
			&st, pkt, sizeof(pkt), 48000, (int64_t)n * 20000, VMR_KIND_APP, 0);
	}
	/* the 100th packet received was seq 100 (from 0): 101 expected, 1 lost; the late one is no loss */
	char *text = vmr_metrics_render();
	g_assert_nonnull(strstr(text,
		"tpaas_media_packets_expected_total{direction=\"in\",kind=\"app\",media=\"audio\"} "
		"101\n"));
	g_assert_nonnull(strstr(text,
		"tpaas_media_packets_lost_total{direction=\"in\",kind=\"app\",media=\"audio\"} "
		"1\n"));
	g_assert_nonnull(strstr(text,
		"tpaas_media_jitter_seconds_bucket{direction=\"in\",kind=\"app\",media=\"audio\","
		"le=\"0.005\"} 2\n"));
	g_free(text);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func(
		"/turn/credential follows the coturn formula", test_turn_credential_formula);
	g_test_add_func(
		"/turn/ice servers only when configured, valid for the ttl", test_turn_ice_servers);
	g_test_add_func("/event/client text stays inside one quoted value",
		test_event_line_quotes_client_text);
	g_test_add_func("/metrics/label values escaped, modules come and go", test_metrics_text);
	g_test_add_func(
		"/media/report blocks count what changed since the last", test_media_reports);
	g_test_add_func("/media/sequence gaps are lost packets", test_media_rx_gaps);
	return g_test_run();
}
