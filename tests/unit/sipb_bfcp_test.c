/*
 * sipb_bfcp_test.c - the SIP bridge's BFCP transport and room floors (plugins/sip/sipb_bfcp.c)
 * over real sockets on 127.0.0.1: TCP framing (split and joined messages), Hello, FloorRequest
 * granted and taken over, FloorStatus to every client, the MCU's presenter followed, UDP, and
 * hostile peers (oversized frames, garbage, a foreign host, a flood of connections), and UDP
 * reliability (RFC 8855 §8.3: our FloorStatus sent again until acked, a retransmitted request
 * answered again and not acted on twice, bounded under floods of acks and requests), and on
 * a dial-out connections held until the device's answer names its host.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>

#include "bfcp_msg.h"
#include "sipb_bfcp.h"

static GMainContext *ctx;

typedef struct {
	int held, events;
} floor_seen;

static void on_floor(void *opaque, int held)
{
	floor_seen *f = opaque;
	f->held = held;
	f->events++;
}

static void spin(void)
{
	for (int i = 0; i < 50; i++)
		g_main_context_iteration(ctx, FALSE);
}

static sipb_bfcp_client *client(sipb_bfcp_hub *h, const char *room, int udp, const char *peer,
	const void *key, floor_seen *f)
{
	sipb_bfcp_client_config cfg = { .room = room,
		.local_ip = "127.0.0.1",
		.udp = udp,
		.peer_host = peer,
		.presenter_key = key };
	sipb_bfcp_client_events ev = { .opaque = f, .floor = on_floor };
	sipb_bfcp_client *c = NULL;
	g_assert_cmpint(sipb_bfcp_client_new(h, &cfg, &ev, &c), ==, 0);
	g_assert_cmpuint(sipb_bfcp_client_port(c), >, 0);
	return c;
}

/* A TCP connection to port from the loopback address `from` (another host as far as the hub
 * can tell: 127.0.0.2 is not 127.0.0.1). */
static int peer_socket_from(const char *from, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET };
	inet_pton(AF_INET, from, &me.sin_addr);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&me, sizeof(me)), ==, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	g_assert_cmpint(connect(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	spin();
	return fd;
}

static int peer_socket(int udp, uint16_t port)
{
	int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	g_assert_cmpint(connect(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	spin();
	return fd;
}

static GByteArray *build(
	uint8_t version, uint8_t prim, uint32_t conf, uint16_t tid, uint16_t user, int with_floor)
{
	bfcp_msg m;
	bfcp_msg_init(&m, version, prim, conf, tid, user);
	if (with_floor)
		bfcp_attrs_add_u16(&m.attrs, BFCP_A_FLOOR_ID, SIPB_BFCP_FLOOR_ID)->mandatory = true;
	uint8_t *buf;
	size_t len;
	g_assert_true(bfcp_msg_pack(&m, &buf, &len));
	bfcp_msg_clear(&m);
	GByteArray *b = g_byte_array_new();
	g_byte_array_append(b, buf, (guint)len);
	g_free(buf);
	return b;
}

static void send_all(int fd, const GByteArray *b)
{
	g_assert_cmpint(send(fd, b->data, b->len, 0), ==, (ssize_t)b->len);
}

/* Reads one message (TCP: framed; UDP: a datagram) after letting the hub run; false when
 * nothing came. */
static gboolean recv_msg(int fd, int udp, bfcp_msg *m)
{
	uint8_t buf[4096];
	size_t have = 0;
	for (int tries = 0; tries < 200; tries++) {
		spin();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10) <= 0)
			continue;
		if (udp) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			g_assert_cmpint(n, >, 0);
			bfcp_decode_error e;
			return bfcp_msg_parse(buf, (size_t)n, m, &e);
		}
		ssize_t n = recv(fd, buf + have, 1, 0);
		if (n <= 0)
			return FALSE;
		have++;
		size_t need = bfcp_msg_frame_length(buf, have);
		if (need && have == need) {
			bfcp_decode_error e;
			return bfcp_msg_parse(buf, have, m, &e);
		}
		tries = 0;
	}
	return FALSE;
}

/* The next message of that primitive; FloorStatus messages in front of it (the server sends
 * them to every client on each change) are skipped. */
static void expect(int fd, int udp, uint8_t prim, bfcp_msg *m)
{
	for (int i = 0; i < 4; i++) {
		g_assert_true(recv_msg(fd, udp, m));
		if (m->primitive == prim || m->primitive != BFCP_FLOOR_STATUS)
			break;
		bfcp_msg_clear(m);
	}
	g_assert_cmpstr(bfcp_primitive_name(m->primitive), ==, bfcp_primitive_name(prim));
}

static uint8_t request_status(const bfcp_msg *m)
{
	const bfcp_attr *fri = bfcp_attrs_first(&m->attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	if (!fri)
		return 0;
	const bfcp_attr *ors = bfcp_attrs_first(&fri->children, BFCP_A_OVERALL_REQUEST_STATUS);
	if (!ors)
		return 0;
	const bfcp_attr *rs = bfcp_attrs_first(&ors->children, BFCP_A_REQUEST_STATUS);
	return rs ? rs->status : 0;
}

static void test_tcp_hello_request_takeover_release(void)
{
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, NULL);
	floor_seen fa = { 0 }, fb = { 0 };
	int key_a, key_b;
	sipb_bfcp_client *a = client(h, "room1", 0, "127.0.0.1", &key_a, &fa);
	sipb_bfcp_client *b = client(h, "room1", 0, NULL, &key_b, &fb);
	uint32_t conf = sipb_bfcp_client_conference_id(a);
	g_assert_cmpuint(conf, ==, sipb_bfcp_conference_id("room1"));
	uint16_t ua = sipb_bfcp_client_user_id(a), ub = sipb_bfcp_client_user_id(b);
	g_assert_cmpuint(ua, !=, ub);
	int fda = peer_socket(0, sipb_bfcp_client_port(a));
	int fdb = peer_socket(0, sipb_bfcp_client_port(b));

	/* Hello split into single bytes arrives whole */
	GByteArray *hello = build(1, BFCP_HELLO, conf, 1, ua, 0);
	for (guint i = 0; i < hello->len; i++) {
		g_assert_cmpint(send(fda, hello->data + i, 1, 0), ==, 1);
		spin();
	}
	g_byte_array_unref(hello);
	bfcp_msg m;
	expect(fda, 0, BFCP_HELLO_ACK, &m);
	g_assert_cmpuint(m.transaction_id, ==, 1);
	bfcp_msg_clear(&m);
	g_assert_true(sipb_bfcp_client_connected(a));

	/* Hello + FloorRequest in one write: both answered; a is granted and presents */
	GByteArray *two = build(1, BFCP_HELLO, conf, 2, ua, 0);
	GByteArray *req = build(1, BFCP_FLOOR_REQUEST, conf, 3, ua, 1);
	g_byte_array_append(two, req->data, req->len);
	send_all(fda, two);
	g_byte_array_unref(two);
	g_byte_array_unref(req);
	expect(fda, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	expect(fda, 0, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(request_status(&m), ==, BFCP_STATUS_GRANTED);
	bfcp_msg_clear(&m);
	g_assert_cmpint(fa.held, ==, 1);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, ua);
	/* b hears FloorStatus: granted to a (the floor status names the holder's request) */
	expect(fdb, 0, BFCP_FLOOR_STATUS, &m);
	g_assert_cmpuint(request_status(&m), ==, BFCP_STATUS_GRANTED);
	bfcp_msg_clear(&m);

	/* b takes over: a hears it lost the floor, its call stops presenting */
	req = build(1, BFCP_FLOOR_REQUEST, conf, 4, ub, 1);
	send_all(fdb, req);
	g_byte_array_unref(req);
	expect(fdb, 0, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(request_status(&m), ==, BFCP_STATUS_GRANTED);
	bfcp_msg_clear(&m);
	g_assert_cmpint(fb.held, ==, 1);
	g_assert_cmpint(fa.held, ==, 0);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, ub);
	gboolean a_told = FALSE;
	for (int i = 0; i < 3 && recv_msg(fda, 0, &m); i++) {
		if (request_status(&m) == BFCP_STATUS_REVOKED)
			a_told = TRUE;
		bfcp_msg_clear(&m);
		if (a_told)
			break;
	}
	g_assert_true(a_told);

	/* the MCU says a browser presents now: b loses the floor to SIPB_BFCP_OTHER_USER */
	int browser;
	sipb_bfcp_room_presenter(h, "room1", &browser, "Web One");
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, SIPB_BFCP_OTHER_USER);
	g_assert_cmpint(fb.held, ==, 0);
	/* another browser takes over: the holder is still SIPB_BFCP_OTHER_USER, but a (the
	 * room system that watches) hears a FloorStatus for the new floor request; the same
	 * browser told again changes nothing */
	while (recv_msg(fda, 0, &m))
		bfcp_msg_clear(&m);
	int browser2;
	sipb_bfcp_room_presenter(h, "room1", &browser2, "Web Two");
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, SIPB_BFCP_OTHER_USER);
	expect(fda, 0, BFCP_FLOOR_STATUS, &m);
	g_assert_cmpuint(request_status(&m), ==, BFCP_STATUS_GRANTED);
	/* the room system is told who presents by name (USER-DISPLAY-NAME) */
	const bfcp_attr *fri = bfcp_attrs_first(&m.attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	const bfcp_attr *bi = bfcp_attrs_first(&fri->children, BFCP_A_BENEFICIARY_INFORMATION);
	const bfcp_attr *dn = bfcp_attrs_first(&bi->children, BFCP_A_USER_DISPLAY_NAME);
	g_assert_nonnull(dn);
	g_assert_cmpmem(dn->data, dn->len, "Web Two", 7);
	bfcp_msg_clear(&m);
	sipb_bfcp_room_presenter(h, "room1", &browser2, "Web Two");
	g_assert_false(recv_msg(fda, 0, &m));
	/* the MCU's presenter is b's call again (b presents by itself): b holds it, no event */
	int events = fb.events;
	sipb_bfcp_room_presenter(h, "room1", &key_b, NULL);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, ub);
	g_assert_cmpint(fb.events, ==, events + 1);
	/* nobody presents */
	sipb_bfcp_room_presenter(h, "room1", NULL, NULL);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, 0);

	/* b requests again, then hangs up: the floor is released */
	req = build(1, BFCP_FLOOR_REQUEST, conf, 5, ub, 1);
	send_all(fdb, req);
	g_byte_array_unref(req);
	expect(fdb, 0, BFCP_FLOOR_REQUEST_STATUS, &m);
	bfcp_msg_clear(&m);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, ub);
	sipb_bfcp_client_free(b);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room1"), ==, 0);
	close(fda);
	close(fdb);
	spin();
	sipb_bfcp_client_free(a);
	sipb_bfcp_hub_free(h);
}

static void test_connection_drop_releases_the_floor(void)
{
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, NULL);
	floor_seen fa = { 0 };
	int key;
	sipb_bfcp_client *a = client(h, "room2", 0, NULL, &key, &fa);
	int fd = peer_socket(0, sipb_bfcp_client_port(a));
	GByteArray *req = build(1, BFCP_FLOOR_REQUEST, sipb_bfcp_client_conference_id(a), 1,
		sipb_bfcp_client_user_id(a), 1);
	send_all(fd, req);
	g_byte_array_unref(req);
	bfcp_msg m;
	expect(fd, 0, BFCP_FLOOR_REQUEST_STATUS, &m);
	bfcp_msg_clear(&m);
	g_assert_cmpint(fa.held, ==, 1);
	close(fd);
	spin();
	g_assert_cmpint(fa.held, ==, 0);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room2"), ==, 0);
	/* it may connect again and say Hello */
	fd = peer_socket(0, sipb_bfcp_client_port(a));
	GByteArray *hello = build(1, BFCP_HELLO, sipb_bfcp_client_conference_id(a), 2,
		sipb_bfcp_client_user_id(a), 0);
	send_all(fd, hello);
	g_byte_array_unref(hello);
	expect(fd, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	close(fd);
	sipb_bfcp_client_free(a);
	sipb_bfcp_hub_free(h);
}

static void test_udp_hello_and_request(void)
{
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, NULL);
	floor_seen fa = { 0 };
	int key;
	sipb_bfcp_client *a = client(h, "room3", 1, "127.0.0.1", &key, &fa);
	g_assert_true(sipb_bfcp_client_is_udp(a));
	int fd = peer_socket(1, sipb_bfcp_client_port(a));
	uint32_t conf = sipb_bfcp_client_conference_id(a);
	uint16_t ua = sipb_bfcp_client_user_id(a);
	GByteArray *hello = build(2, BFCP_HELLO, conf, 7, ua, 0);
	send_all(fd, hello);
	g_byte_array_unref(hello);
	bfcp_msg m;
	expect(fd, 1, BFCP_HELLO_ACK, &m);
	g_assert_cmpuint(m.version, ==, 2);
	g_assert_true(m.responder);
	g_assert_cmpuint(m.transaction_id, ==, 7);
	bfcp_msg_clear(&m);
	GByteArray *req = build(2, BFCP_FLOOR_REQUEST, conf, 8, ua, 1);
	send_all(fd, req);
	g_byte_array_unref(req);
	expect(fd, 1, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(request_status(&m), ==, BFCP_STATUS_GRANTED);
	bfcp_msg_clear(&m);
	g_assert_cmpint(fa.held, ==, 1);
	/* a wrong conference id is answered with an Error */
	req = build(2, BFCP_FLOOR_QUERY, conf + 1, 9, ua, 1);
	send_all(fd, req);
	g_byte_array_unref(req);
	expect(fd, 1, BFCP_ERROR, &m);
	bfcp_msg_clear(&m);
	close(fd);
	sipb_bfcp_client_free(a);
	g_assert_cmpint(fa.events, ==, 1); /* no event from free */
	sipb_bfcp_hub_free(h);
}

static void test_hostile_peers(void)
{
	sipb_bfcp_limits lim = { .max_conns = 3, .max_msg = 512, .idle_timeout_s = 10 };
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, &lim);
	floor_seen fa = { 0 };
	int key;
	sipb_bfcp_client *a = client(h, "room4", 0, NULL, &key, &fa);
	uint32_t conf = sipb_bfcp_client_conference_id(a);
	uint16_t ua = sipb_bfcp_client_user_id(a);
	bfcp_msg m;
	sipb_bfcp_stats st;

	/* a frame announcing 256 KiB: the connection is closed, nothing is buffered */
	int fd = peer_socket(0, sipb_bfcp_client_port(a));
	uint8_t big[12] = { 0x20, BFCP_HELLO, 0xff, 0xff, 0, 0, 0, 1, 0, 1, 0, 1 };
	g_assert_cmpint(send(fd, big, sizeof(big), 0), ==, (ssize_t)sizeof(big));
	g_assert_false(recv_msg(fd, 0, &m)); /* closed: EOF */
	close(fd);
	sipb_bfcp_hub_stats(h, &st);
	g_assert_cmpuint(st.conns_closed, >=, 1);

	/* garbage with a valid length: answered with an Error, the connection stays */
	fd = peer_socket(0, sipb_bfcp_client_port(a));
	uint8_t junk[16] = { 0x20, 99, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0xde, 0xad, 0xbe, 0xef };
	junk[4] = (uint8_t)(conf >> 24);
	junk[5] = (uint8_t)(conf >> 16);
	junk[6] = (uint8_t)(conf >> 8);
	junk[7] = (uint8_t)conf;
	junk[10] = (uint8_t)(ua >> 8);
	junk[11] = (uint8_t)ua;
	g_assert_cmpint(send(fd, junk, sizeof(junk), 0), ==, (ssize_t)sizeof(junk));
	expect(fd, 0, BFCP_ERROR, &m);
	bfcp_msg_clear(&m);
	GByteArray *hello = build(1, BFCP_HELLO, conf, 3, ua, 0);
	send_all(fd, hello);
	g_byte_array_unref(hello);
	expect(fd, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);

	/* random bytes of every length: never a crash, the hub still answers afterwards */
	for (int i = 0; i < 64; i++) {
		int f2 = peer_socket(0, sipb_bfcp_client_port(a));
		uint8_t rnd[64];
		for (size_t k = 0; k < sizeof(rnd); k++)
			rnd[k] = (uint8_t)g_random_int();
		(void)!send(f2, rnd, (size_t)(i + 1), MSG_NOSIGNAL);
		spin();
		close(f2);
	}
	spin();
	/* the last connection replaced the earlier one: make a fresh one */
	close(fd);
	fd = peer_socket(0, sipb_bfcp_client_port(a));
	hello = build(1, BFCP_HELLO, conf, 4, ua, 0);
	send_all(fd, hello);
	g_byte_array_unref(hello);
	expect(fd, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	close(fd);
	spin();

	/* a client bound to another signalling host takes no connection from us */
	floor_seen fb = { 0 };
	sipb_bfcp_client *b = client(h, "room4", 0, "192.0.2.1", &key, &fb);
	fd = peer_socket(0, sipb_bfcp_client_port(b));
	hello = build(1, BFCP_HELLO, conf, 5, sipb_bfcp_client_user_id(b), 0);
	(void)!send(fd, hello->data, hello->len, MSG_NOSIGNAL);
	g_byte_array_unref(hello);
	g_assert_false(recv_msg(fd, 0, &m));
	close(fd);
	sipb_bfcp_hub_stats(h, &st);
	g_assert_cmpuint(st.conns_refused, >=, 1);
	g_assert_false(sipb_bfcp_client_connected(b));

	/* max_conns: UDP sockets count; the fourth is refused */
	sipb_bfcp_client *u[4] = { NULL, NULL, NULL, NULL };
	int refused = 0;
	for (int i = 0; i < 4; i++) {
		sipb_bfcp_client_config cfg = {
			.room = "room4", .local_ip = "127.0.0.1", .udp = 1
		};
		if (sipb_bfcp_client_new(h, &cfg, NULL, &u[i]) == -EMFILE)
			refused++;
	}
	g_assert_cmpint(refused, ==, 1);
	for (int i = 0; i < 4; i++)
		sipb_bfcp_client_free(u[i]);
	sipb_bfcp_client_free(b);
	sipb_bfcp_client_free(a);
	sipb_bfcp_hub_free(h);
}

/* Our offer on a dial-out: who connects before the device's answer is held, and only the
 * device's host is kept once the answer names it. */
static sipb_bfcp_client *awaiting_client(sipb_bfcp_hub *h, const char *room, floor_seen *f)
{
	sipb_bfcp_client_config cfg = {
		.room = room, .local_ip = "127.0.0.1", .presenter_key = f, .await_peer = 1
	};
	sipb_bfcp_client_events ev = { .opaque = f, .floor = on_floor };
	sipb_bfcp_client *c = NULL;
	g_assert_cmpint(sipb_bfcp_client_new(h, &cfg, &ev, &c), ==, 0);
	return c;
}

static void hello_from(int fd, uint32_t conf, uint16_t tid, uint16_t user)
{
	GByteArray *hello = build(1, BFCP_HELLO, conf, tid, user, 0);
	(void)!send(fd, hello->data, hello->len, MSG_NOSIGNAL);
	g_byte_array_unref(hello);
}

static void test_dial_out_takes_bfcp_only_from_the_answering_device(void)
{
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, NULL);
	floor_seen f = { 0 };
	bfcp_msg m;
	sipb_bfcp_stats st;

	/* only over TCP, listening */
	sipb_bfcp_client_config bad = {
		.room = "room9", .local_ip = "127.0.0.1", .udp = 1, .await_peer = 1
	};
	sipb_bfcp_client *none = NULL;
	g_assert_cmpint(sipb_bfcp_client_new(h, &bad, NULL, &none), ==, -EINVAL);

	/* a stranger connects while the device still rings: held, its Hello not answered, and
	 * it is closed once the answer names the device's host */
	sipb_bfcp_client *a = awaiting_client(h, "room9", &f);
	uint32_t conf = sipb_bfcp_client_conference_id(a);
	uint16_t ua = sipb_bfcp_client_user_id(a);
	uint16_t port = sipb_bfcp_client_port(a);
	int stranger = peer_socket_from("127.0.0.2", port);
	hello_from(stranger, conf, 1, ua);
	GByteArray *req = build(1, BFCP_FLOOR_REQUEST, conf, 2, ua, 1);
	(void)!send(stranger, req->data, req->len, MSG_NOSIGNAL);
	g_byte_array_unref(req);
	g_assert_false(recv_msg(stranger, 0, &m));
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room9"), ==, 0);
	g_assert_cmpint(sipb_bfcp_client_peer_known(a, "127.0.0.1", NULL), ==, 0);
	g_assert_false(recv_msg(stranger, 0, &m)); /* EOF: closed */
	close(stranger);
	sipb_bfcp_hub_stats(h, &st);
	g_assert_cmpuint(st.conns_refused, ==, 1);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room9"), ==, 0);
	g_assert_cmpint(f.events, ==, 0);

	/* the device connects after its answer: taken */
	int dev = peer_socket_from("127.0.0.1", port);
	hello_from(dev, conf, 3, ua);
	expect(dev, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	/* a stranger after the answer is refused and does not replace the device's connection */
	stranger = peer_socket_from("127.0.0.2", port);
	hello_from(stranger, conf, 4, ua);
	g_assert_false(recv_msg(stranger, 0, &m));
	close(stranger);
	hello_from(dev, conf, 5, ua);
	expect(dev, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	close(dev);
	sipb_bfcp_client_free(a);

	/* the device connected and said Hello before its answer reached us (the 200 and the
	 * TCP connection race): answered once the answer names its host, here the SDP's */
	floor_seen f2 = { 0 };
	sipb_bfcp_client *b = awaiting_client(h, "room9", &f2);
	dev = peer_socket_from("127.0.0.1", sipb_bfcp_client_port(b));
	hello_from(dev, sipb_bfcp_client_conference_id(b), 6, sipb_bfcp_client_user_id(b));
	g_assert_false(recv_msg(dev, 0, &m));
	g_assert_cmpint(sipb_bfcp_client_peer_known(b, "192.0.2.9", "127.0.0.1"), ==, 0);
	expect(dev, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	close(dev);

	/* the device connects and says Hello before its answer, then a stranger connects (the
	 * device's port is in our offer): the stranger does not push the device out, the
	 * device is answered once its answer arrives, the stranger closed */
	floor_seen f4 = { 0 };
	sipb_bfcp_client *d = awaiting_client(h, "room9", &f4);
	port = sipb_bfcp_client_port(d);
	dev = peer_socket_from("127.0.0.1", port);
	hello_from(dev, sipb_bfcp_client_conference_id(d), 7, sipb_bfcp_client_user_id(d));
	spin();
	int strangers[3];
	for (int i = 0; i < 3; i++) { /* one host: each replaces the last, never the device */
		strangers[i] = peer_socket_from("127.0.0.2", port);
		hello_from(strangers[i], sipb_bfcp_client_conference_id(d), 8,
			sipb_bfcp_client_user_id(d));
		spin();
	}
	g_assert_false(recv_msg(dev, 0, &m));
	g_assert_cmpint(sipb_bfcp_client_peer_known(d, "127.0.0.1", NULL), ==, 0);
	expect(dev, 0, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	for (int i = 0; i < 3; i++) {
		g_assert_false(recv_msg(strangers[i], 0, &m)); /* EOF: closed */
		close(strangers[i]);
	}
	g_assert_true(sipb_bfcp_client_connected(d));
	close(dev);
	sipb_bfcp_client_free(d);

	/* an answer that names no host: nothing taken, the caller drops the client */
	floor_seen f3 = { 0 };
	sipb_bfcp_client *c = awaiting_client(h, "room9", &f3);
	g_assert_cmpint(sipb_bfcp_client_peer_known(c, NULL, "not-an-address"), ==, -EINVAL);
	sipb_bfcp_client_free(c);
	sipb_bfcp_client_free(b);
	sipb_bfcp_hub_free(h);
}

/* --- UDP reliability (RFC 8855 §8.3) ------------------------------------------------- */

/* Waits up to timeout_ms for one datagram on fd while the hub's context runs; its length, or
 * 0 when none came. */
static size_t recv_datagram(int fd, uint8_t *buf, size_t size, int timeout_ms)
{
	int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
	while (g_get_monotonic_time() < end) {
		while (g_main_context_iteration(ctx, FALSE))
			;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2) > 0) {
			ssize_t n = recv(fd, buf, size, 0);
			g_assert_cmpint(n, >, 0);
			return (size_t)n;
		}
	}
	return 0;
}

static uint16_t tid_of(const uint8_t *buf)
{
	return (uint16_t)(buf[8] << 8 | buf[9]);
}

/* The client's answer to one of our messages (R bit set, same transaction id). */
static void send_ack(int fd, uint8_t prim, uint32_t conf, uint16_t tid, uint16_t user)
{
	bfcp_msg m;
	bfcp_msg_init(&m, 2, prim, conf, tid, user);
	m.responder = true;
	uint8_t *buf;
	size_t len;
	g_assert_true(bfcp_msg_pack(&m, &buf, &len));
	bfcp_msg_clear(&m);
	g_assert_cmpint(send(fd, buf, len, 0), ==, (ssize_t)len);
	g_free(buf);
}

/* A UDP client of room that said Hello (so the hub knows where to send). */
static sipb_bfcp_client *udp_client(
	sipb_bfcp_hub *h, const char *room, const void *key, floor_seen *f, int *fd)
{
	sipb_bfcp_client *c = client(h, room, 1, "127.0.0.1", key, f);
	*fd = peer_socket(1, sipb_bfcp_client_port(c));
	GByteArray *hello = build(2, BFCP_HELLO, sipb_bfcp_client_conference_id(c), 1,
		sipb_bfcp_client_user_id(c), 0);
	send_all(*fd, hello);
	g_byte_array_unref(hello);
	bfcp_msg m;
	expect(*fd, 1, BFCP_HELLO_ACK, &m);
	bfcp_msg_clear(&m);
	return c;
}

/* Reads datagrams for timeout_ms, acking every FloorStatus / FloorRequestStatus we initiate;
 * returns how many came. */
static int drain_and_ack(int fd, uint32_t conf, uint16_t user, int timeout_ms)
{
	uint8_t buf[2048];
	size_t n;
	int got = 0;
	while ((n = recv_datagram(fd, buf, sizeof(buf), timeout_ms)) > 0) {
		got++;
		if (buf[0] & 0x10)
			continue; /* a response of ours */
		if (buf[1] == BFCP_FLOOR_STATUS)
			send_ack(fd, BFCP_FLOOR_STATUS_ACK, conf, tid_of(buf), user);
		else if (buf[1] == BFCP_FLOOR_REQUEST_STATUS)
			send_ack(fd, BFCP_FLOOR_REQUEST_STATUS_ACK, conf, tid_of(buf), user);
	}
	return got;
}

static void test_udp_floor_status_is_sent_again_until_acked(void)
{
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, NULL);
	floor_seen fa = { 0 }, fb = { 0 };
	int key_a, key_b, fda, fdb;
	sipb_bfcp_client *a = udp_client(h, "room5", &key_a, &fa, &fda);
	sipb_bfcp_client *b = udp_client(h, "room5", &key_b, &fb, &fdb);
	uint32_t conf = sipb_bfcp_client_conference_id(a);
	uint16_t ua = sipb_bfcp_client_user_id(a), ub = sipb_bfcp_client_user_id(b);

	/* a takes the floor (and acks what it hears); b hears FloorStatus and does not ack */
	GByteArray *req = build(2, BFCP_FLOOR_REQUEST, conf, 2, ua, 1);
	send_all(fda, req);
	g_byte_array_unref(req);
	uint8_t first[2048], again[2048];
	size_t n1 = recv_datagram(fdb, first, sizeof(first), 2000);
	int64_t t0 = g_get_monotonic_time();
	g_assert_cmpuint(n1, >=, BFCP_HEADER_LEN);
	g_assert_cmpuint(first[1], ==, BFCP_FLOOR_STATUS);
	g_assert_false(first[0] & 0x10);
	g_assert_cmpuint(tid_of(first), !=, 0);
	drain_and_ack(fda, conf, ua, 100);

	/* sent again, byte for byte, after T1 (500 ms) ... */
	size_t n2 = recv_datagram(fdb, again, sizeof(again), 2000);
	int64_t t1 = g_get_monotonic_time();
	g_assert_cmpuint(n2, ==, n1);
	g_assert_true(memcmp(first, again, n1) == 0);
	/* (not before T1; how late a slow machine runs it is not this test's business: the exact
	 * schedule is bfcp_retrans_test's, on its fake clock) */
	g_assert_cmpint((t1 - t0) / 1000, >=, 400);
	/* ... and again 2*T1 later */
	n2 = recv_datagram(fdb, again, sizeof(again), 3000);
	int64_t t2 = g_get_monotonic_time();
	g_assert_cmpuint(n2, ==, n1);
	g_assert_true(memcmp(first, again, n1) == 0);
	g_assert_cmpint((t2 - t1) / 1000, >=, 850);
	size_t pending, cached;
	sipb_bfcp_client_udp_backlog(b, &pending, &cached);
	g_assert_cmpuint(pending, ==, 1);

	/* the ack ends it: nothing more in the 4*T1 that the next one would have taken */
	send_ack(fdb, BFCP_FLOOR_STATUS_ACK, conf, tid_of(first), ub);
	g_assert_cmpuint(recv_datagram(fdb, again, sizeof(again), 2500), ==, 0);
	sipb_bfcp_client_udp_backlog(b, &pending, &cached);
	g_assert_cmpuint(pending, ==, 0);
	sipb_bfcp_stats st;
	sipb_bfcp_hub_stats(h, &st);
	g_assert_cmpuint(st.udp_retransmits, ==, 2);

	/* freeing a client with messages pending removes its timer (ASan would see a late one) */
	sipb_bfcp_room_presenter(h, "room5", NULL, NULL);
	sipb_bfcp_client_udp_backlog(b, &pending, &cached);
	g_assert_cmpuint(pending, ==, 1);
	sipb_bfcp_client_free(b);
	g_assert_cmpuint(recv_datagram(fda, again, sizeof(again), 700), >, 0);
	close(fda);
	close(fdb);
	sipb_bfcp_client_free(a);
	sipb_bfcp_hub_free(h);
}

static void test_udp_retransmitted_floor_request_is_answered_again_not_granted_twice(void)
{
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, NULL);
	floor_seen fa = { 0 }, fb = { 0 };
	int key_a, key_b, fda, fdb;
	sipb_bfcp_client *a = udp_client(h, "room6", &key_a, &fa, &fda);
	sipb_bfcp_client *b = udp_client(h, "room6", &key_b, &fb, &fdb);
	uint32_t conf = sipb_bfcp_client_conference_id(a);
	uint16_t ua = sipb_bfcp_client_user_id(a), ub = sipb_bfcp_client_user_id(b);

	GByteArray *req = build(2, BFCP_FLOOR_REQUEST, conf, 30, ua, 1);
	send_all(fda, req);
	uint8_t first[2048], buf[2048];
	size_t n1 = 0;
	for (int i = 0; i < 4 && n1 == 0; i++) {
		size_t n = recv_datagram(fda, buf, sizeof(buf), 2000);
		g_assert_cmpuint(n, >=, BFCP_HEADER_LEN);
		if (buf[1] == BFCP_FLOOR_REQUEST_STATUS && (buf[0] & 0x10)) {
			memcpy(first, buf, n);
			n1 = n;
		} else if (buf[1] == BFCP_FLOOR_STATUS)
			send_ack(fda, BFCP_FLOOR_STATUS_ACK, conf, tid_of(buf), ua);
	}
	g_assert_cmpuint(tid_of(first), ==, 30);
	drain_and_ack(fda, conf, ua, 100);
	drain_and_ack(fdb, conf, ub, 100);
	g_assert_cmpint(fa.events, ==, 1);
	g_assert_cmpint(fa.held, ==, 1);

	/* the request again (its answer was lost): the same answer, byte for byte, and no new
	 * grant (no FloorStatus to b, no second floor event) */
	send_all(fda, req);
	size_t n2 = recv_datagram(fda, buf, sizeof(buf), 2000);
	g_assert_cmpuint(n2, ==, n1);
	g_assert_true(memcmp(first, buf, n1) == 0);
	g_assert_cmpint(drain_and_ack(fda, conf, ua, 200), ==, 0);
	g_assert_cmpint(drain_and_ack(fdb, conf, ub, 200), ==, 0);
	g_assert_cmpint(fa.events, ==, 1);

	/* b takes over; a late copy of a's request must not take the floor back */
	GByteArray *req_b = build(2, BFCP_FLOOR_REQUEST, conf, 31, ub, 1);
	send_all(fdb, req_b);
	g_byte_array_unref(req_b);
	drain_and_ack(fdb, conf, ub, 200);
	drain_and_ack(fda, conf, ua, 200);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room6"), ==, ub);
	g_assert_cmpint(fa.events, ==, 2);
	send_all(fda, req);
	g_assert_cmpuint(recv_datagram(fda, buf, sizeof(buf), 2000), ==, n1);
	drain_and_ack(fda, conf, ua, 200);
	g_assert_cmpuint(sipb_bfcp_room_holder(h, "room6"), ==, ub);
	g_assert_cmpint(fa.events, ==, 2);
	g_assert_cmpint(fb.events, ==, 1);
	sipb_bfcp_stats st;
	sipb_bfcp_hub_stats(h, &st);
	g_assert_cmpuint(st.udp_repeats, ==, 2);
	g_byte_array_unref(req);
	close(fda);
	close(fdb);
	sipb_bfcp_client_free(b);
	sipb_bfcp_client_free(a);
	sipb_bfcp_hub_free(h);
}

static void test_udp_floods_of_acks_and_requests_stay_within_the_caps(void)
{
	sipb_bfcp_hub *h = sipb_bfcp_hub_new(ctx, NULL);
	floor_seen fa = { 0 };
	int key_a, fda;
	sipb_bfcp_client *a = udp_client(h, "room7", &key_a, &fa, &fda);
	uint32_t conf = sipb_bfcp_client_conference_id(a);
	uint16_t ua = sipb_bfcp_client_user_id(a);
	uint8_t buf[2048];
	size_t pending, cached;

	/* a client that never acks asks for the floor again and again (each new request ends
	 * its last one: a Released notification per request, a FloorStatus, an answer) */
	for (uint16_t tid = 100; tid < 400; tid++) {
		GByteArray *req = build(2, BFCP_FLOOR_REQUEST, conf, tid, ua, 1);
		send_all(fda, req);
		g_byte_array_unref(req);
		if (tid % 16 == 0)
			while (recv_datagram(fda, buf, sizeof(buf), 5) > 0)
				;
	}
	while (recv_datagram(fda, buf, sizeof(buf), 50) > 0)
		;
	sipb_bfcp_client_udp_backlog(a, &pending, &cached);
	g_assert_cmpuint(pending, >, 0);
	g_assert_cmpuint(pending, <=, 16);
	g_assert_cmpuint(cached, >, 0);
	g_assert_cmpuint(cached, <=, 8);

	/* a flood of acks naming nothing we sent: nothing grows, nothing pending is lost, and
	 * what is pending is still sent again */
	size_t pending_before = pending;
	for (uint32_t i = 0; i < 2000; i++) {
		send_ack(fda, (i & 1) ? BFCP_FLOOR_STATUS_ACK : BFCP_FLOOR_REQUEST_STATUS_ACK, conf,
			(uint16_t)(40000 + i), ua);
		if (i % 64 == 0)
			while (recv_datagram(fda, buf, sizeof(buf), 1) > 0)
				;
	}
	sipb_bfcp_client_udp_backlog(a, &pending, &cached);
	g_assert_cmpuint(pending, ==, pending_before);
	g_assert_cmpuint(cached, <=, 8);
	sipb_bfcp_stats st;
	sipb_bfcp_hub_stats(h, &st);
	uint64_t before = st.udp_retransmits;
	while (recv_datagram(fda, buf, sizeof(buf), 1200) > 0)
		;
	sipb_bfcp_hub_stats(h, &st);
	g_assert_cmpuint(st.udp_retransmits, >, before);
	g_assert_cmpint(fa.events, ==, 1);
	close(fda);
	sipb_bfcp_client_free(a);
	sipb_bfcp_hub_free(h);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ctx = g_main_context_new();
	g_test_add_func("/sipb/bfcp/tcp-hello-request-takeover-and-hangup-release",
		test_tcp_hello_request_takeover_release);
	g_test_add_func("/sipb/bfcp/a-dropped-connection-releases-the-floor",
		test_connection_drop_releases_the_floor);
	g_test_add_func("/sipb/bfcp/udp-hello-request-and-error", test_udp_hello_and_request);
	g_test_add_func("/sipb/bfcp/hostile-peers-never-crash-it", test_hostile_peers);
	g_test_add_func("/sipb/bfcp/dial-out-takes-bfcp-only-from-the-answering-device",
		test_dial_out_takes_bfcp_only_from_the_answering_device);
	g_test_add_func("/sipb/bfcp/udp-floor-status-is-sent-again-until-acked",
		test_udp_floor_status_is_sent_again_until_acked);
	g_test_add_func(
		"/sipb/bfcp/udp-retransmitted-floor-request-is-answered-again-not-granted-twice",
		test_udp_retransmitted_floor_request_is_answered_again_not_granted_twice);
	g_test_add_func("/sipb/bfcp/udp-floods-of-acks-and-requests-stay-within-the-caps",
		test_udp_floods_of_acks_and_requests_stay_within_the_caps);
	int r = g_test_run();
	g_main_context_unref(ctx);
	return r;
}
