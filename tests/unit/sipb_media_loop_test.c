/*
 * sipb_media_loop_test.c - the SIP calls' shared media loops (sipb_media_loop.h) over real UDP
 * sockets on 127.0.0.1: many calls on one thread, the pool's threads ending with the last
 * call, a call freed while packets stream to it and to its neighbour on the same loop, and
 * an event callback that frees its own call. What a call received is read from its own
 * counters (sipb_media_get_stats).
 */
#include <glib.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sipb_media.h"
#include "sipb_media_loop.h"
#include "mcu_rtp.h"

#define CALLS 10

typedef struct phone {
	int fd, port;
	uint16_t seq;
	uint32_t ts;
} phone;

static void phone_open(phone *ph)
{
	memset(ph, 0, sizeof(*ph));
	ph->fd = socket(AF_INET, SOCK_DGRAM, 0);
	g_assert_cmpint(ph->fd, >=, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	g_assert_cmpint(bind(ph->fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	socklen_t al = sizeof(a);
	g_assert_cmpint(getsockname(ph->fd, (struct sockaddr *)&a, &al), ==, 0);
	ph->port = ntohs(a.sin_port);
}

/* One RTP packet of pt to the media's port: 20 ms of PCMU silence, or an RFC 4733 event. */
static void phone_send(phone *ph, int to_port, uint8_t pt, const uint8_t *payload, size_t plen)
{
	uint8_t buf[12 + 160];
	mcu_rtp_write_header(buf, sizeof(buf), false, pt, ph->seq++, ph->ts, 0xcafe0002);
	memcpy(buf + 12, payload, plen);
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons((uint16_t)to_port) };
	g_assert_cmpint(sendto(ph->fd, buf, 12 + plen, 0, (struct sockaddr *)&a, sizeof(a)), ==,
		(ssize_t)(12 + plen));
}

static void phone_send_audio(phone *ph, int to_port)
{
	uint8_t ulaw[160];
	memset(ulaw, 0xff, sizeof(ulaw)); /* PCMU silence */
	phone_send(ph, to_port, 0, ulaw, sizeof(ulaw));
	ph->ts += 160;
}

/* Key 5 pressed and released (RFC 4733: the end bit set, sent three times). */
static void phone_send_digit(phone *ph, int to_port)
{
	uint8_t ev[4] = { 5, 0x80 | 10, 0x03, 0x20 };
	for (int i = 0; i < 3; i++)
		phone_send(ph, to_port, 101, ev, sizeof(ev));
	ph->ts += 800;
}

typedef struct call {
	sipb_media *m;
	phone ph;
	gint digits; /* atomic */
	bool free_on_digit;
} call;

static void on_digit(void *opaque, char d)
{
	call *c = opaque;
	(void)d;
	g_atomic_int_inc(&c->digits);
	if (c->free_on_digit) {
		sipb_media_free(c->m); /* from the loop's own thread */
		g_atomic_pointer_set(&c->m, NULL);
	}
}

static void call_open(call *c)
{
	memset(c, 0, sizeof(*c));
	phone_open(&c->ph);
	sipb_media_config cfg = { .local_ip = "127.0.0.1",
		.rtp_port_min = 34000,
		.rtp_port_max = 36999,
		.media_timeout_s = 60 };
	sipb_media_events ev = { .opaque = c, .dtmf = on_digit };
	g_assert_cmpint(sipb_media_new(&cfg, &ev, &c->m), ==, 0);
	sipb_media_stream a = { .enabled = 1,
		.remote_ip = "127.0.0.1",
		.remote_port = c->ph.port,
		.payload_type = 0,
		.codec = "PCMU",
		.clock_rate = 8000,
		.dtmf_pt = 101 };
	g_assert_cmpint(sipb_media_set_streams(c->m, &a, NULL), ==, 0);
}

static uint64_t rtp_in(call *c)
{
	sipb_media_stats st;
	sipb_media_get_stats(c->m, &st);
	return st.rtp_in;
}

/* Waits (up to 20 s: valgrind) until the call has received n packets; returns how many it has. */
static uint64_t wait_rtp_in(call *c, uint64_t n)
{
	for (int i = 0; i < 2000 && rtp_in(c) < n; i++)
		g_usleep(10000);
	return rtp_in(c);
}

/* Threads of this process named "sipb-media" (the loops). */
static int media_threads(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	g_assert_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[64], name[32] = "";
		g_snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f && fgets(name, sizeof(name), f) && g_str_has_prefix(name, "sipb-media"))
			n++;
		if (f)
			fclose(f);
	}
	closedir(d);
	return n;
}

/* media_threads(), once it equals want or after 2 s (a new thread names itself when it runs). */
static int wait_media_threads(int want)
{
	int n = media_threads();
	for (int i = 0; i < 200 && n != want; i++) {
		g_usleep(10000);
		n = media_threads();
	}
	return n;
}

/* n calls on `loops` loop threads: each gets `packets` packets, all of them received; then
 * the pool's threads end with the last call. */
static void calls_on_loops(int n, int loops, int packets)
{
	sipb_media_loops_set_count(loops);
	call *calls = g_new0(call, n);
	for (int i = 0; i < n; i++)
		call_open(&calls[i]);
	g_assert_cmpint(wait_media_threads(loops), ==, loops);
	for (int k = 0; k < packets; k++)
		for (int i = 0; i < n; i++)
			phone_send_audio(&calls[i].ph, sipb_media_local_port(calls[i].m, 0));
	for (int i = 0; i < n; i++)
		g_assert_cmpuint(wait_rtp_in(&calls[i], (uint64_t)packets), ==, (uint64_t)packets);
	for (int i = 0; i < n; i++) {
		sipb_media_free(calls[i].m);
		close(calls[i].ph.fd);
	}
	g_free(calls);
	g_assert_cmpint(media_threads(), ==, 0);
	sipb_media_loops_set_count(0);
}

static void test_many_calls_one_thread(void)
{
	calls_on_loops(CALLS, 1, 5);
}

static void test_two_threads_share_calls(void)
{
	calls_on_loops(4, 2, 1);
}

static void test_free_while_streaming(void)
{
	sipb_media_loops_set_count(1);
	call a, b;
	call_open(&a);
	call_open(&b);
	int pa = sipb_media_local_port(a.m, 0), pb = sipb_media_local_port(b.m, 0);
	/* 1000 packets to each; a is freed half-way, while its packets keep coming */
	for (int k = 0; k < 1000; k++) {
		if (k == 500) {
			g_assert_cmpuint(wait_rtp_in(&a, 1), >=, 1);
			sipb_media_free(a.m);
			a.m = NULL;
		}
		phone_send_audio(&a.ph, pa);
		phone_send_audio(&b.ph, pb);
		if (k % 10 == 0) /* (no burst larger than a socket's buffer) */
			g_usleep(2000);
	}
	/* the neighbour on the same loop got all of its own */
	g_assert_cmpuint(wait_rtp_in(&b, 1000), ==, 1000);
	sipb_media_free(b.m);
	close(a.ph.fd);
	close(b.ph.fd);
	g_assert_cmpint(media_threads(), ==, 0);
	sipb_media_loops_set_count(0);
}

static void test_callback_frees_own_call(void)
{
	sipb_media_loops_set_count(1);
	call a, b;
	call_open(&a);
	call_open(&b);
	a.free_on_digit = true;
	phone_send_digit(&a.ph, sipb_media_local_port(a.m, 0));
	for (int i = 0; i < 500 && g_atomic_int_get(&a.digits) == 0; i++)
		g_usleep(10000);
	g_assert_cmpint(g_atomic_int_get(&a.digits), ==, 1);
	for (int i = 0; i < 500 && g_atomic_pointer_get(&a.m) != NULL; i++)
		g_usleep(10000);
	g_assert_null(g_atomic_pointer_get(&a.m));
	/* the loop goes on for the other call, and takes new ones */
	phone_send_audio(&b.ph, sipb_media_local_port(b.m, 0));
	g_assert_cmpuint(wait_rtp_in(&b, 1), ==, 1);
	call c;
	call_open(&c);
	phone_send_audio(&c.ph, sipb_media_local_port(c.m, 0));
	g_assert_cmpuint(wait_rtp_in(&c, 1), ==, 1);
	g_assert_cmpint(wait_media_threads(1), ==, 1);
	sipb_media_free(b.m);
	sipb_media_free(c.m);
	close(a.ph.fd);
	close(b.ph.fd);
	close(c.ph.fd);
	g_assert_cmpint(media_threads(), ==, 0);
	sipb_media_loops_set_count(0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sipb/media-loop/ten-calls-are-received-by-one-thread-that-ends-with-them",
		test_many_calls_one_thread);
	g_test_add_func(
		"/sipb/media-loop/two-threads-share-the-calls", test_two_threads_share_calls);
	g_test_add_func("/sipb/media-loop/a-call-freed-while-streaming-leaves-its-neighbour-whole",
		test_free_while_streaming);
	g_test_add_func("/sipb/media-loop/an-event-callback-frees-its-own-call",
		test_callback_frees_own_call);
	return g_test_run();
}
