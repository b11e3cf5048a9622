/*
 * sipb_media_test.c - sipb_media end to end over real UDP sockets on 127.0.0.1: a "phone"
 * (two test sockets, RTP and RTCP) talks PCMU to a sipb_media joined to a real mcu_room
 * (160x90) where a plain MCU participant talks Opus. Checks: each hears the other's tone,
 * symmetric RTP (the SDP port is wrong, the source address wins), RFC 4733 digits, SDES-SRTP
 * both ways, prompt playback (~50 packets/s, payload type and size), the media timeout,
 * PLI from the MCU to the phone, and hostile packets dropped and counted.
 * The room runs on its manual clock (mcu_room_advance): the test gives each 20 ms of media,
 * waits until sipb_media's thread has taken it, then moves the room's clock on, so what is
 * mixed does not depend on the machine's speed. sipb_media's own timers (prompt pacing, the
 * media timeout) run in real time (about 1-3 s per test).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sipb_media.h"
#include "sipb_dtmf.h"
#include "sipb_srtp.h"
#include "sipb_rtcp.h"
#include "vmr_rooms.h"
#include "mcu_rtp.h"
#include "mcu_g711.h"
#include "mcu_opus_rtp.h"
#include "mcu_audio_codec.h"

#define TONE_AMP 8000.0

/* --- the phone ------------------------------------------------------------------------ */

typedef struct phone {
	int rtp, rtcp;
	int port;
	uint16_t seq;
	uint32_t ts;
	long n;
	sipb_srtp *tx, *rx;
} phone;

static void phone_open(phone *ph)
{
	memset(ph, 0, sizeof(*ph));
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
			struct timeval tv = { 0, 20000 };
			setsockopt(x, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(y, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
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
	sipb_srtp_free(ph->tx);
	sipb_srtp_free(ph->rx);
}

static void phone_sendto(phone *ph, int fd, int port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons((uint16_t)port) };
	(void)ph;
	g_assert_cmpint(
		sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)), ==, (ssize_t)len);
}

static void phone_send_rtp(phone *ph, int port, uint8_t pt, bool marker, uint32_t ts,
	const uint8_t *payload, size_t plen)
{
	uint8_t buf[1600 + SIPB_SRTP_MAX_OVERHEAD];
	mcu_rtp_write_header(buf, sizeof(buf), marker, pt, ph->seq++, ts, 0xcafe0001);
	memcpy(buf + 12, payload, plen);
	size_t len = 12 + plen;
	if (ph->tx)
		g_assert_cmpint(sipb_srtp_protect(ph->tx, false, buf, &len, sizeof(buf)), ==, 0);
	phone_sendto(ph, ph->rtp, port, buf, len);
}

/* 20 ms of a 440 Hz PCMU tone. */
static void phone_send_tone(phone *ph, int port)
{
	int16_t pcm[160];
	uint8_t ulaw[160];
	for (int i = 0; i < 160; i++, ph->n++)
		pcm[i] = (int16_t)(TONE_AMP * sin(2 * G_PI * 440.0 * (double)ph->n / 8000.0));
	mcu_g711_encode(0, pcm, ulaw, 160);
	phone_send_rtp(ph, port, 0, ph->ts == 0, ph->ts, ulaw, 160);
	ph->ts += 160;
}

typedef struct received {
	GPtrArray *pkts;    /* GBytes: plain RTP */
	GArray *arrival_us; /* gint64 */
	int rtcp, plis;
	int wrong_source; /* packets not from the media's port */
} received;

static void received_init(received *r)
{
	memset(r, 0, sizeof(*r));
	r->pkts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	r->arrival_us = g_array_new(FALSE, FALSE, sizeof(gint64));
}

static void received_clear(received *r)
{
	g_ptr_array_free(r->pkts, TRUE);
	g_array_free(r->arrival_us, TRUE);
}

/* Reads what arrived (non-blocking after the first 20 ms wait). */
static void phone_poll(phone *ph, received *r, int media_port)
{
	for (;;) {
		uint8_t buf[2048];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(
			ph->rtp, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			break;
		if (ntohs(from.sin_port) != media_port)
			r->wrong_source++;
		size_t len = (size_t)n;
		if (ph->rx && sipb_srtp_unprotect(ph->rx, false, buf, &len) < 0)
			continue;
		gint64 now = g_get_monotonic_time();
		g_ptr_array_add(r->pkts, g_bytes_new(buf, len));
		g_array_append_val(r->arrival_us, now);
	}
	for (;;) {
		uint8_t buf[2048];
		ssize_t n = recv(ph->rtcp, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		size_t len = (size_t)n;
		if (ph->rx && sipb_srtp_unprotect(ph->rx, true, buf, &len) < 0)
			continue;
		sipb_rtcp_info info;
		if (sipb_rtcp_parse(buf, len, &info) == 0) {
			r->rtcp++;
			if (info.keyframe_request)
				r->plis++;
		}
	}
}

/* RMS of the decoded PCMU/PCMA payloads [from, to) of pt. */
static double received_g711_rms(received *r, guint from, guint to, uint8_t pt)
{
	double e = 0;
	long n = 0;
	guint k = 0;
	for (guint i = 0; i < r->pkts->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(g_ptr_array_index(r->pkts, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		if (mcu_rtp_parse(p, len, &h, &pl, &plen) < 0 || h.pt != pt)
			continue;
		if (k >= from && k < to)
			for (size_t j = 0; j < plen; j++, n++) {
				double s = pt == 8 ? mcu_g711_alaw_decode(pl[j])
						   : mcu_g711_ulaw_decode(pl[j]);
				e += s * s;
			}
		k++;
	}
	return sqrt(e / (double)(n ? n : 1));
}

/* --- events --------------------------------------------------------------------------- */

typedef struct events {
	GMutex lock;
	GString *digits;
	int timeouts;
	char *prompt_done;
	int prompts_done;
} events;

static void ev_dtmf(void *o, char d)
{
	events *e = o;
	g_mutex_lock(&e->lock);
	g_string_append_c(e->digits, d);
	g_mutex_unlock(&e->lock);
}

static void ev_timeout(void *o)
{
	events *e = o;
	g_mutex_lock(&e->lock);
	e->timeouts++;
	g_mutex_unlock(&e->lock);
}

static void ev_prompt_done(void *o, const char *name)
{
	events *e = o;
	g_mutex_lock(&e->lock);
	g_free(e->prompt_done);
	e->prompt_done = g_strdup(name);
	e->prompts_done++;
	g_mutex_unlock(&e->lock);
}

static void events_init(events *e, sipb_media_events *ev)
{
	memset(e, 0, sizeof(*e));
	memset(ev, 0, sizeof(*ev)); /* callbacks not set here are NULL */
	g_mutex_init(&e->lock);
	e->digits = g_string_new(NULL);
	ev->opaque = e;
	ev->dtmf = ev_dtmf;
	ev->timeout = ev_timeout;
	ev->prompt_done = ev_prompt_done;
}

static void events_clear(events *e)
{
	g_string_free(e->digits, TRUE);
	g_free(e->prompt_done);
	g_mutex_clear(&e->lock);
}

static sipb_media *media_new(events *e, int timeout_s, const char *prompt_dir)
{
	sipb_media_config cfg = {
		.local_ip = "127.0.0.1",
		.rtp_port_min = 31000,
		.rtp_port_max = 33999,
		.media_timeout_s = timeout_s,
		.prompt_dir = prompt_dir,
		.display = "Phone",
	};
	sipb_media_events ev;
	events_init(e, &ev);
	sipb_media *m = NULL;
	g_assert_cmpint(sipb_media_new(&cfg, &ev, &m), ==, 0);
	int a = sipb_media_local_port(m, 0), v = sipb_media_local_port(m, 1);
	g_assert_cmpint(a % 2, ==, 0);
	g_assert_cmpint(v % 2, ==, 0);
	g_assert_cmpint(a, >=, 31000);
	g_assert_cmpint(a + 1, <=, 33999);
	g_assert_cmpint(a, !=, v);
	return m;
}

static sipb_media_stream pcmu_stream(int remote_port, const char *crypto)
{
	return (sipb_media_stream){ .enabled = 1,
		.remote_ip = "127.0.0.1",
		.remote_port = remote_port,
		.payload_type = 0,
		.codec = "PCMU",
		.clock_rate = 8000,
		.dtmf_pt = 101,
		.remote_crypto = crypto };
}

/* --- a plain MCU participant (Opus) ----------------------------------------------------- */

typedef struct sink {
	GMutex lock;
	GPtrArray *audio;
} sink;

static void sink_send(void *o, int is_video, const uint8_t *pkt, size_t len)
{
	sink *s = o;
	if (is_video)
		return;
	g_mutex_lock(&s->lock);
	g_ptr_array_add(s->audio, g_bytes_new(pkt, len));
	g_mutex_unlock(&s->lock);
}

static void sink_pli(void *o)
{
	(void)o;
}

static double sink_rms(sink *s, guint from, guint to)
{
	mcu_opus_dec *dec;
	g_assert_cmpint(mcu_opus_dec_new(&dec), ==, 0);
	double e = 0;
	long n = 0;
	g_mutex_lock(&s->lock);
	g_assert_cmpuint(s->audio->len, >=, to);
	for (guint i = 0; i < to; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(g_ptr_array_index(s->audio, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(p, len, &h, &pl, &plen), ==, 0);
		int16_t pcm[5760];
		int got;
		g_assert_cmpint(mcu_opus_dec_decode(dec, pl, plen, pcm, 5760, &got), ==, 0);
		if (i >= from)
			for (int k = 0; k < got; k++, n++)
				e += (double)pcm[k] * pcm[k];
	}
	g_mutex_unlock(&s->lock);
	mcu_opus_dec_free(dec);
	return sqrt(e / (double)(n ? n : 1));
}

static mcu_room *small_room(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 160;
	cfg.height = 90;
	cfg.fps = 5;
	cfg.manual_clock = true;
	mcu_room *room = mcu_room_new("sipb", &cfg);
	g_assert_nonnull(room);
	return room;
}

/* Opus tone from the plain participant. */
static void opus_send_tone(mcu_opus_enc *enc, mcu_participant *p, uint16_t seq, long *n)
{
	int16_t pcm[960];
	for (int i = 0; i < 960; i++, (*n)++)
		pcm[i] = (int16_t)(TONE_AMP * sin(2 * G_PI * 600.0 * (double)*n / 48000.0));
	uint8_t opus[1500], rtp[1600];
	size_t olen, rlen;
	g_assert_cmpint(mcu_opus_enc_encode(enc, pcm, opus, sizeof(opus), &olen), ==, 0);
	g_assert_cmpint(mcu_opus_rtp_packetize(rtp, sizeof(rtp), 111, seq, (uint32_t)seq * 960,
				0x2222, opus, olen, &rlen),
		==, 0);
	mcu_participant_incoming_rtp(p, 0, rtp, rlen, -1);
}

static void pace(gint64 *next)
{
	*next += 20000;
	gint64 now = g_get_monotonic_time();
	if (*next > now)
		g_usleep((gulong)(*next - now));
}

/* Waits (generously: only a very slow machine takes long) until sipb_media's thread has taken
 * rtp_in packets (RTP and DTMF) and dtmf_events digits, so the room has them before its
 * next tick. The counter goes up just before the packet is handed to the room; one still
 * between the two when the tick runs is one tick late, which the room's jitter prebuffer
 * absorbs (same packets, same order, nothing concealed). */
static void media_wait(sipb_media *m, uint64_t rtp_in, uint64_t dtmf_events)
{
	gint64 give_up = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	for (;;) {
		sipb_media_stats st;
		sipb_media_get_stats(m, &st);
		if (st.rtp_in >= rtp_in && st.dtmf_events >= dtmf_events)
			return;
		g_assert_cmpint(g_get_monotonic_time(), <, give_up);
		g_usleep(200);
	}
}

/* The call in a room, plain or SDES. */
static void room_call(bool srtp)
{
	mcu_room *room = small_room();
	events e;
	sipb_media *m = media_new(&e, 30, ".");
	int mport = sipb_media_local_port(m, 0);
	phone ph;
	phone_open(&ph);
	char *phone_crypto = NULL;
	if (srtp) {
		sipb_crypto k;
		g_assert_cmpint(
			sipb_crypto_generate(1, SIPB_SRTP_AES_CM_128_HMAC_SHA1_80, &k), ==, 0);
		g_assert_cmpint(sipb_srtp_new(&k, true, &ph.tx), ==, 0);
		phone_crypto = sipb_crypto_format(&k);
		g_assert_cmpint(sipb_media_crypto_check(phone_crypto), ==, 0);
	}
	/* The SDP names a port where nobody listens: symmetric RTP must find the phone. */
	sipb_media_stream a = pcmu_stream(ph.port + 100, phone_crypto);
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, 0);
	if (srtp) {
		const char *ours = sipb_media_local_crypto(m, 0);
		g_assert_nonnull(ours);
		g_assert_true(g_str_has_prefix(ours, "1 AES_CM_128_HMAC_SHA1_80 inline:"));
		g_assert_cmpstr(ours, !=, phone_crypto);
		sipb_crypto mk;
		g_assert_cmpint(sipb_crypto_parse(ours, &mk), ==, 0);
		g_assert_cmpint(sipb_srtp_new(&mk, false, &ph.rx), ==, 0);
	} else {
		g_assert_null(sipb_media_local_crypto(m, 0));
	}
	g_assert_cmpint(sipb_media_join(m, room), ==, 0);
	g_assert_cmpint(sipb_media_join(m, room), ==, -EALREADY);
	/* a prompt may play in a room too (a keypad answer); this one does not exist */
	g_assert_cmpint(sipb_media_play_prompt(m, "x", 0), ==, -ENOENT);

	sink sb = { 0 };
	g_mutex_init(&sb.lock);
	sb.audio = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	mcu_participant_io io = {
		.opaque = &sb, .send_rtp = sink_send, .request_keyframe = sink_pli
	};
	mcu_participant *b = mcu_room_join(room,
		&(mcu_participant_opts){ .display = "B",
			.audio_pt = 111,
			.video_pt = 96,
			.h264_packetization_mode = 1 },
		&io);
	mcu_opus_enc *enc;
	g_assert_cmpint(mcu_opus_enc_new(32000, &enc), ==, 0);
	received r;
	received_init(&r);
	long bn = 0;
	uint64_t rtp_in = 0, digits = 0;
	for (int i = 0; i < 75; i++) {
		phone_send_tone(&ph, mport);
		opus_send_tone(enc, b, (uint16_t)i, &bn);
		/* Digits 1, #, (9 with every end packet lost... not here) while talking. */
		if (i == 30 || i == 50) {
			int ev = i == 30 ? 1 : 11;
			uint32_t ts = 50000 + (uint32_t)i * 160;
			for (int k = 0; k < 6; k++) {
				uint8_t pl[4];
				sipb_dtmf_write(pl, ev, k >= 3, 10, (uint16_t)(160 * (k + 1)));
				phone_send_rtp(&ph, mport, 101, k == 0, ts, pl, 4);
			}
			rtp_in += 6;
			digits++;
		}
		media_wait(m, ++rtp_in, digits);
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
		phone_poll(&ph, &r, mport);
	}
	for (int i = 0; i < 5; i++) {
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
		phone_poll(&ph, &r, mport);
	}
	/* B hears the phone's tone (PCMU in, Opus out), the phone hears B's (Opus in, PCMU out). */
	double at_b = sink_rms(&sb, 25, 60);
	double at_phone = received_g711_rms(&r, 25, 60, 0);
	g_test_message("rms at B %.0f, at the phone %.0f, phone got %u packets", at_b, at_phone,
		r.pkts->len);
	g_assert_cmpfloat(at_b, >, 0.4 * TONE_AMP / sqrt(2));
	g_assert_cmpfloat(at_phone, >, 0.4 * TONE_AMP / sqrt(2));
	g_assert_cmpuint(r.pkts->len, ==, 80); /* one per tick (20 ms) of the room's clock */
	g_assert_cmpint(r.wrong_source, ==, 0);
	g_mutex_lock(&e.lock);
	g_assert_cmpstr(e.digits->str, ==, "1#");
	g_mutex_unlock(&e.lock);
	sipb_media_stats st;
	sipb_media_get_stats(m, &st);
	g_assert_cmpuint(st.rtp_in, ==, 75 + 12);
	g_assert_cmpuint(st.dtmf_events, ==, 2);
	g_assert_cmpuint(st.bad_packets, ==, 0);
	g_assert_cmpuint(st.rtp_out, >=, r.pkts->len);

	/* Hold: nothing is sent. */
	sipb_media_hold(m, 1);
	g_assert_cmpint(mcu_room_advance(room, 60000), ==, 0);
	phone_poll(&ph, &r, mport);
	guint before = r.pkts->len;
	g_assert_cmpint(mcu_room_advance(room, 200000), ==, 0);
	phone_poll(&ph, &r, mport);
	g_assert_cmpuint(r.pkts->len, ==, before);
	sipb_media_hold(m, 0);

	mcu_room_leave(room, b);
	mcu_participant_unref(b);
	mcu_opus_enc_free(enc);
	sipb_media_free(m);
	g_assert_cmpuint(mcu_room_count(room), ==, 0);
	mcu_room_unref(room);
	received_clear(&r);
	g_ptr_array_free(sb.audio, TRUE);
	g_mutex_clear(&sb.lock);
	phone_close(&ph);
	g_free(phone_crypto);
	events_clear(&e);
}

static void test_room_plain(void)
{
	room_call(false);
}
static void test_room_srtp(void)
{
	room_call(true);
}

/* The member id the VMR plugin reads from io.opaque. */
static const vmr_member *seen_member;
static void spy_talking(void *o, void *participant_opaque, int is_talking)
{
	(void)o;
	if (is_talking)
		seen_member = participant_opaque;
}

static void test_member(void)
{
	mcu_room *room = small_room();
	mcu_room_events rev = { .talking = spy_talking };
	mcu_room_set_events(room, &rev);
	events e;
	sipb_media *m = media_new(&e, 30, ".");
	phone ph;
	phone_open(&ph);
	sipb_media_stream a = pcmu_stream(ph.port, NULL);
	g_assert_cmpint(sipb_media_join(m, room), ==, -EINVAL); /* no streams yet */
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, 0);
	g_assert_cmpint(sipb_media_join(m, room), ==, 0);
	for (int i = 0; i < 60 && !seen_member; i++) {
		phone_send_tone(&ph, sipb_media_local_port(m, 0));
		media_wait(m, (uint64_t)i + 1, 0);
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
	g_assert_nonnull(seen_member);
	g_assert_cmpuint(seen_member->id, ==, sipb_media_member_id(m));
	g_assert_cmpuint(seen_member->id, <, UINT64_C(1) << 53);
	g_assert_cmpuint(seen_member->id, >, 0);
	g_assert_cmpint(seen_member->is_sip, ==, 1);
	sipb_media_leave(m);
	g_assert_cmpuint(mcu_room_count(room), ==, 0);
	sipb_media_free(m);
	mcu_room_set_events(room, NULL);
	mcu_room_unref(room);
	phone_close(&ph);
	events_clear(&e);
}

static void test_codecs(void)
{
	events e;
	sipb_media *m = media_new(&e, 30, ".");
	sipb_media_stream a = pcmu_stream(5004, NULL);
	a.codec = "G722";
	a.payload_type = 9;
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, 0);
	a.codec = "iLBC";
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, -ENOTSUP);
	a.codec = "PCMA";
	a.payload_type = 8;
	sipb_media_stream v = { .enabled = 1,
		.remote_ip = "127.0.0.1",
		.remote_port = 5006,
		.payload_type = 97,
		.codec = "H264",
		.clock_rate = 90000,
		.h264_packetization_mode = 1 };
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, 0);
	v.h264_packetization_mode = 2;
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, -ENOTSUP);
	v.codec = "VP9";
	v.h264_packetization_mode = 0;
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, -ENOTSUP);
	v.codec = "VP8";
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, 0);
	a.remote_ip = "example.org"; /* never resolved */
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, -EINVAL);
	a.remote_ip = "127.0.0.1";
	a.remote_crypto =
		"1 AES_256_CM_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, -ENOTSUP);
	g_assert_cmpint(sipb_media_crypto_check(a.remote_crypto), ==, -ENOTSUP);
	a.remote_crypto = "garbage";
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, -EINVAL);
	sipb_media_free(m);
	events_clear(&e);
}

/* A prompt of 1 s (50 frames) played with each codec. */
static void prompt_with(const char *codec, uint8_t pt, size_t payload_len, uint32_t ts_step)
{
	char *dir = g_dir_make_tmp("sipb-prompt-XXXXXX", NULL);
	g_assert_nonnull(dir);
	int16_t pcm[48000];
	for (int i = 0; i < 48000; i++) {
		int16_t s = (int16_t)(TONE_AMP * sin(2 * G_PI * 500.0 * i / 48000.0));
		uint8_t *b = (uint8_t *)&pcm[i];
		b[0] = (uint8_t)((uint16_t)s & 0xff);
		b[1] = (uint8_t)((uint16_t)s >> 8);
	}
	char *path = g_build_filename(dir, "tone.s16", NULL);
	g_assert_true(g_file_set_contents(path, (const char *)pcm, sizeof(pcm), NULL));
	events e;
	sipb_media *m = media_new(&e, 30, dir);
	phone ph;
	phone_open(&ph);
	g_assert_cmpint(sipb_media_play_prompt(m, "tone", 0), ==, -ENOTCONN); /* no stream yet */
	sipb_media_stream a = pcmu_stream(ph.port, NULL);
	a.codec = codec;
	a.payload_type = pt;
	a.clock_rate = (int)(ts_step * 50);
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, 0);
	g_assert_cmpint(sipb_media_play_prompt(m, "nope", 0), ==, -ENOENT);
	g_assert_cmpint(sipb_media_play_prompt(m, "../tone", 0), ==, -EINVAL);
	g_assert_cmpint(sipb_media_play_prompt(m, "tone", 0), ==, 0);
	received r;
	received_init(&r);
	int mport = sipb_media_local_port(m, 0);
	gint64 end = g_get_monotonic_time() + 1400000;
	while (g_get_monotonic_time() < end)
		phone_poll(&ph, &r, mport), g_usleep(10000);
	g_test_message("%s prompt: %u packets", codec, r.pkts->len);
	g_assert_cmpuint(r.pkts->len, ==, 50);
	gint64 span = g_array_index(r.arrival_us, gint64, r.pkts->len - 1)
		- g_array_index(r.arrival_us, gint64, 0);
	g_assert_cmpint(span, >, 900000); /* paced: 49 intervals of 20 ms */
	g_assert_cmpint(span, <, 1150000);
	uint16_t seq0 = 0;
	uint32_t ts0 = 0;
	for (guint i = 0; i < r.pkts->len; i++) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(g_ptr_array_index(r.pkts, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(p, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpuint(h.pt, ==, pt);
		g_assert_true(h.marker == (i == 0));
		if (payload_len)
			g_assert_cmpuint(plen, ==, payload_len);
		if (i == 0) {
			seq0 = h.seq;
			ts0 = h.ts;
		}
		g_assert_cmpuint(h.seq, ==, (uint16_t)(seq0 + i));
		g_assert_cmpuint(h.ts, ==, ts0 + i * ts_step);
	}
	if (payload_len)
		g_assert_cmpfloat(received_g711_rms(&r, 5, 45, pt), >, 0.5 * TONE_AMP / sqrt(2));
	g_mutex_lock(&e.lock);
	g_assert_cmpint(e.prompts_done, ==, 1);
	g_assert_cmpstr(e.prompt_done, ==, "tone");
	g_mutex_unlock(&e.lock);
	/* Looped: keeps going, no prompt_done; stop ends it. */
	g_assert_cmpint(sipb_media_play_prompt(m, "tone", 1), ==, 0);
	g_usleep(1300000);
	sipb_media_stop_prompt(m);
	g_usleep(100000);
	phone_poll(&ph, &r, mport);
	guint n = r.pkts->len;
	g_assert_cmpuint(n, >=, 50 + 60);
	g_usleep(200000);
	phone_poll(&ph, &r, mport);
	g_assert_cmpuint(r.pkts->len, ==, n);
	g_mutex_lock(&e.lock);
	g_assert_cmpint(e.prompts_done, ==, 1);
	g_mutex_unlock(&e.lock);
	sipb_media_free(m);
	received_clear(&r);
	phone_close(&ph);
	events_clear(&e);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_prompt_pcma(void)
{
	prompt_with("PCMA", 8, 160, 160);
}
static void test_prompt_opus(void)
{
	prompt_with("opus", 111, 0, 960);
}

static void test_timeout(void)
{
	events e;
	sipb_media *m = media_new(&e, 1, ".");
	phone ph;
	phone_open(&ph);
	sipb_media_stream a = pcmu_stream(ph.port, NULL);
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, 0);
	/* Talking keeps it alive. */
	gint64 next = g_get_monotonic_time();
	for (int i = 0; i < 75; i++) {
		phone_send_tone(&ph, sipb_media_local_port(m, 0));
		pace(&next);
	}
	g_mutex_lock(&e.lock);
	g_assert_cmpint(e.timeouts, ==, 0);
	g_mutex_unlock(&e.lock);
	/* Silence: one timeout after ~1 s, not repeated. */
	g_usleep(1400000);
	g_mutex_lock(&e.lock);
	g_assert_cmpint(e.timeouts, ==, 1);
	g_mutex_unlock(&e.lock);
	g_usleep(1200000);
	g_mutex_lock(&e.lock);
	g_assert_cmpint(e.timeouts, ==, 1);
	g_mutex_unlock(&e.lock);
	/* On hold: no timeout at all. */
	events e2;
	sipb_media *m2 = media_new(&e2, 1, ".");
	g_assert_cmpint(sipb_media_set_streams(m2, &a, NULL), ==, 0);
	sipb_media_hold(m2, 1);
	g_usleep(1500000);
	g_mutex_lock(&e2.lock);
	g_assert_cmpint(e2.timeouts, ==, 0);
	g_mutex_unlock(&e2.lock);
	sipb_media_free(m2);
	events_clear(&e2);
	sipb_media_free(m);
	phone_close(&ph);
	events_clear(&e);
}

/* The MCU asks for a keyframe (the phone's first VP8 frame is not one): a PLI reaches the
 * phone's RTCP port. */
static void test_pli(void)
{
	mcu_room *room = small_room();
	events e;
	sipb_media *m = media_new(&e, 30, ".");
	phone ph;
	phone_open(&ph);
	sipb_media_stream a = pcmu_stream(ph.port, NULL);
	phone pv;
	phone_open(&pv);
	sipb_media_stream v = { .enabled = 1,
		.remote_ip = "127.0.0.1",
		.remote_port = pv.port,
		.payload_type = 96,
		.codec = "VP8",
		.clock_rate = 90000 };
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, 0);
	g_assert_cmpint(sipb_media_join(m, room), ==, 0);
	received r;
	received_init(&r);
	int vport = sipb_media_local_port(m, 1);
	/* VP8 descriptor S=1 PID 0, then an inter frame (P bit set) of junk. */
	uint8_t frame[40] = { 0x10, 0x01, 0x00, 0x00 };
	/* The PLI is sent by sipb_media's thread: wait for it (generously). */
	gint64 give_up = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	for (int i = 0; r.plis == 0 && g_get_monotonic_time() < give_up; i++) {
		phone_send_rtp(&pv, vport, 96, true, (uint32_t)i * 3000, frame, sizeof(frame));
		g_assert_cmpint(mcu_room_advance(room, 50000), ==, 0);
		g_usleep(50000);
		phone_poll(&pv, &r, vport);
	}
	g_assert_cmpint(r.plis, >=, 1);
	/* The phone's own PLI goes to the MCU (not observable here beyond the counter). */
	uint8_t pli[12] = { 0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2 };
	phone_sendto(&pv, pv.rtcp, vport + 1, pli, sizeof(pli));
	g_usleep(50000);
	sipb_media_stats st;
	sipb_media_get_stats(m, &st);
	g_assert_cmpuint(st.rtcp_in, ==, 1);
	g_assert_cmpuint(st.rtcp_out, >=, 1);
	g_assert_cmpuint(st.bad_packets, ==, 0);
	sipb_media_free(m);
	mcu_room_unref(room);
	received_clear(&r);
	phone_close(&ph);
	phone_close(&pv);
	events_clear(&e);
}

static void hostile(bool srtp)
{
	mcu_room *room = small_room();
	events e;
	sipb_media *m = media_new(&e, 30, ".");
	phone ph;
	phone_open(&ph);
	char *crypto = NULL;
	if (srtp) {
		sipb_crypto k;
		g_assert_cmpint(
			sipb_crypto_generate(1, SIPB_SRTP_AES_CM_128_HMAC_SHA1_32, &k), ==, 0);
		crypto = sipb_crypto_format(&k);
	}
	sipb_media_stream a = pcmu_stream(ph.port, crypto);
	sipb_media_stream v = { .enabled = 1,
		.remote_ip = "127.0.0.1",
		.remote_port = ph.port + 2,
		.payload_type = 96,
		.codec = "VP8",
		.clock_rate = 90000,
		.remote_crypto = crypto };
	g_assert_cmpint(sipb_media_set_streams(m, &a, &v), ==, 0);
	g_assert_cmpint(sipb_media_join(m, room), ==, 0);
	int ports[4] = { sipb_media_local_port(m, 0), sipb_media_local_port(m, 0) + 1,
		sipb_media_local_port(m, 1), sipb_media_local_port(m, 1) + 1 };
	GRand *rnd = g_rand_new_with_seed(1234);
	int sent = 0;
	for (int i = 0; i < 2000; i++) {
		uint8_t buf[1500];
		size_t len;
		int kind = i % 4;
		if (kind == 0) { /* random bytes, any length */
			len = (size_t)g_rand_int_range(rnd, 0, 1500);
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)g_rand_int(rnd);
			buf[0] &= 0x3f; /* ...but never version 2: always malformed */
		} else if (kind == 1) { /* shorter than any header */
			len = (size_t)g_rand_int_range(rnd, 0, 8);
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)g_rand_int(rnd);
		} else if (kind == 2) { /* wrong version, plausible otherwise */
			len = 172;
			memset(buf, 0, len);
			mcu_rtp_write_header(buf, sizeof(buf), false, 0, (uint16_t)i, 0, 1);
			buf[0] = 0x40;
		} else { /* version 2, lengths that lie */
			len = 12 + (size_t)g_rand_int_range(rnd, 0, 20);
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)g_rand_int(rnd);
			buf[0] = 0x80 | 0x20 | 0x10 | 0x0f; /* padding, extension, 15 CSRCs */
			buf[1] = 0;
			buf[len - 1] = 255; /* padding longer than the packet */
		}
		phone_sendto(&ph, ph.rtp, ports[(i / 4) % 4], buf, len);
		sent++;
		if (i % 100 == 99)
			g_usleep(5000);
	}
	g_rand_free(rnd);
	g_usleep(300000);
	sipb_media_stats st;
	sipb_media_get_stats(m, &st);
	g_test_message("sent %d, bad %" G_GUINT64_FORMAT ", rtp_in %" G_GUINT64_FORMAT
		       ", rtcp_in %" G_GUINT64_FORMAT,
		sent, st.bad_packets, st.rtp_in, st.rtcp_in);
	g_assert_cmpuint(st.bad_packets, ==, (guint64)sent);
	g_assert_cmpuint(st.rtp_in, ==, 0);
	g_assert_cmpuint(st.rtcp_in, ==, 0);
	/* Still alive and working: a good packet is taken (and with SRTP, it would need a key). */
	if (!srtp) {
		phone_send_tone(&ph, ports[0]);
		g_usleep(50000);
		sipb_media_get_stats(m, &st);
		g_assert_cmpuint(st.rtp_in, ==, 1);
	}
	sipb_media_free(m);
	mcu_room_unref(room);
	phone_close(&ph);
	g_free(crypto);
	events_clear(&e);
}

/* A folder with a 1 s "tone" prompt (g_free the result; files are removed by rm_prompt). */
static char *tone_prompt_dir(void)
{
	char *dir = g_dir_make_tmp("sipb-latch-XXXXXX", NULL);
	g_assert_nonnull(dir);
	int16_t pcm[48000];
	for (int i = 0; i < 48000; i++)
		pcm[i] = (int16_t)GINT16_TO_LE(
			(int16_t)(TONE_AMP * sin(2 * G_PI * 500.0 * i / 48000.0)));
	char *path = g_build_filename(dir, "tone.s16", NULL);
	g_assert_true(g_file_set_contents(path, (const char *)pcm, sizeof(pcm), NULL));
	g_free(path);
	return dir;
}

static void rm_prompt(char *dir)
{
	char *path = g_build_filename(dir, "tone.s16", NULL);
	g_unlink(path);
	g_free(path);
	g_rmdir(dir);
	g_free(dir);
}

static void send_digit(phone *ph, int port, int ev, uint32_t ts)
{
	for (int k = 0; k < 6; k++) {
		uint8_t pl[4];
		sipb_dtmf_write(pl, ev, k >= 3, 10, (uint16_t)(160 * (k + 1)));
		phone_send_rtp(ph, port, 101, k == 0, ts, pl, 4);
	}
}

/* Media is tied to the signalled peer: once the SDP's address has sent, another sender (even
 * on the same host) is dropped: its DTMF is not heard and it receives nothing, also after
 * the peer went quiet; the peer keeps receiving. */
static void test_stranger_dropped(void)
{
	char *dir = tone_prompt_dir();
	events e;
	sipb_media *m = media_new(&e, 30, dir);
	phone ph, st;
	phone_open(&ph);
	phone_open(&st);
	sipb_media_stream a = pcmu_stream(ph.port, NULL);
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, 0);
	int mport = sipb_media_local_port(m, 0);
	gint64 next = g_get_monotonic_time();
	for (int i = 0; i < 10; i++) {
		phone_send_tone(&ph, mport);
		pace(&next);
	}
	g_assert_cmpint(sipb_media_play_prompt(m, "tone", 1), ==, 0);
	g_usleep(2500000); /* the peer is quiet for longer than the old 2 s re-latch */
	sipb_media_stats before;
	sipb_media_get_stats(m, &before);
	received rp, rs;
	received_init(&rp);
	received_init(&rs);
	phone_poll(&ph, &rp, mport);
	guint peer_before = rp.pkts->len;
	next = g_get_monotonic_time();
	for (int i = 0; i < 50; i++) {
		phone_send_tone(&st, mport);
		if (i == 10)
			send_digit(&st, mport, 4, 90000);
		if (i == 20)
			send_digit(&st, mport, 11, 91000);
		phone_poll(&st, &rs, mport);
		phone_poll(&ph, &rp, mport);
		pace(&next);
	}
	g_usleep(100000);
	phone_poll(&st, &rs, mport);
	phone_poll(&ph, &rp, mport);
	sipb_media_stats after;
	sipb_media_get_stats(m, &after);
	g_assert_cmpuint(rs.pkts->len, ==, 0);
	g_assert_cmpuint(rp.pkts->len, >, peer_before + 30); /* the prompt still goes to the peer */
	g_mutex_lock(&e.lock);
	g_assert_cmpstr(e.digits->str, ==, "");
	g_mutex_unlock(&e.lock);
	g_assert_cmpuint(after.rtp_in, ==, before.rtp_in);
	g_assert_cmpuint(after.bad_packets - before.bad_packets, >=, 50);
	received_clear(&rp);
	received_clear(&rs);
	sipb_media_free(m);
	phone_close(&ph);
	phone_close(&st);
	events_clear(&e);
	rm_prompt(dir);
}

/* wait_for_start: nothing leaves before sipb_media_start (the ACK); when the SDP names a host
 * other than the signalling peer's, nothing goes there until a packet came from it. */
static void test_wait_for_start(void)
{
	char *dir = tone_prompt_dir();
	sipb_media_config cfg = {
		.local_ip = "127.0.0.1",
		.rtp_port_min = 31000,
		.rtp_port_max = 33999,
		.media_timeout_s = 30,
		.prompt_dir = dir,
		.display = "Phone",
		.wait_for_start = 1,
	};
	events e;
	sipb_media_events ev;
	events_init(&e, &ev);
	sipb_media *m = NULL;
	g_assert_cmpint(sipb_media_new(&cfg, &ev, &m), ==, 0);
	phone ph;
	phone_open(&ph);
	sipb_media_stream a = pcmu_stream(ph.port, NULL);
	g_assert_cmpint(sipb_media_set_streams(m, &a, NULL), ==, 0);
	int mport = sipb_media_local_port(m, 0);
	g_assert_cmpint(sipb_media_play_prompt(m, "tone", 1), ==, 0);
	received r;
	received_init(&r);
	g_usleep(500000);
	phone_poll(&ph, &r, mport);
	g_assert_cmpuint(r.pkts->len, ==, 0);                     /* no ACK yet */
	g_assert_cmpint(sipb_media_start(m, "127.0.0.2"), ==, 0); /* signalled from elsewhere */
	g_usleep(500000);
	phone_poll(&ph, &r, mport);
	g_assert_cmpuint(r.pkts->len, ==, 0); /* the SDP's host is not the peer's */
	gint64 next = g_get_monotonic_time();
	for (int i = 0; i < 5; i++) {
		phone_send_tone(&ph, mport);
		pace(&next);
	}
	g_usleep(500000);
	phone_poll(&ph, &r, mport);
	g_assert_cmpuint(r.pkts->len, >, 10); /* it sent: now it is latched and hears us */
	received_clear(&r);
	sipb_media_free(m);
	phone_close(&ph);
	events_clear(&e);
	rm_prompt(dir);
}

static void test_hostile_plain(void)
{
	hostile(false);
}
static void test_hostile_srtp(void)
{
	hostile(true);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/media/codecs-g722-h264-accepted-unknown-refused", test_codecs);
	g_test_add_func("/sipb/media/room-plain", test_room_plain);
	g_test_add_func("/sipb/media/room-srtp", test_room_srtp);
	g_test_add_func("/sipb/media/member", test_member);
	g_test_add_func("/sipb/media/prompt-pcma", test_prompt_pcma);
	g_test_add_func("/sipb/media/prompt-opus", test_prompt_opus);
	g_test_add_func("/sipb/media/timeout", test_timeout);
	g_test_add_func("/sipb/media/pli", test_pli);
	g_test_add_func("/sipb/media/hostile-plain", test_hostile_plain);
	g_test_add_func("/sipb/media/hostile-srtp", test_hostile_srtp);
	g_test_add_func("/sipb/media/stranger-dropped", test_stranger_dropped);
	g_test_add_func("/sipb/media/wait-for-start", test_wait_for_start);
	return g_test_run();
}
