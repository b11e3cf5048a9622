/*
 * bfcp_floor_test.c - the floor control server of one conference (plugins/bfcp/bfcp_floor.c),
 * driven with real encoded BFCP messages: a request is granted at once and takes the floor
 * from the holder (who is told Revoked), release and leaving free the floor, every change
 * tells every BFCP client with FloorStatus, and bad requests get the RFC's Error codes.
 */
#include "bfcp_floor.h"

#include <glib.h>
#include <string.h>

#define CONF  4242
#define FLOOR 7
#define ALICE 1 /* BFCP over TCP (version 1) */
#define BOB   2 /* BFCP over UDP (version 2) */
#define WEB   3 /* a browser presenting: no BFCP */

static bfcp_floor_server *setup(void)
{
	bfcp_floor_server *s = bfcp_floor_server_new(CONF);
	g_assert_true(bfcp_floor_add(s, FLOOR));
	g_assert_false(bfcp_floor_add(s, FLOOR));
	g_assert_true(bfcp_floor_client_add(s, ALICE, 1));
	g_assert_true(bfcp_floor_client_add(s, BOB, 2));
	g_assert_true(bfcp_floor_client_add(s, WEB, 0));
	g_assert_false(bfcp_floor_client_add(s, BOB, 2));
	g_assert_false(bfcp_floor_client_add(s, 0, 1));
	return s;
}

static bool send_from(bfcp_floor_server *s, uint16_t user, uint8_t version, uint8_t prim,
	uint16_t tid, uint32_t conf, uint16_t header_user, bfcp_outbox *out, uint8_t attr,
	uint16_t value)
{
	bfcp_msg m;
	bfcp_msg_init(&m, version, prim, conf, tid, header_user);
	if (attr != 0)
		bfcp_attrs_add_u16(&m.attrs, attr, value)->mandatory = true;
	uint8_t *buf;
	size_t len;
	g_assert_true(bfcp_msg_pack(&m, &buf, &len));
	bfcp_msg_clear(&m);
	bool ok = bfcp_floor_receive(s, user, buf, len, out);
	g_free(buf);
	return ok;
}

static uint8_t version_of(uint16_t user)
{
	return user == ALICE ? 1 : 2;
}

static bool request(bfcp_floor_server *s, uint16_t user, uint16_t tid, bfcp_outbox *out)
{
	return send_from(s, user, version_of(user), BFCP_FLOOR_REQUEST, tid, CONF, user, out,
		BFCP_A_FLOOR_ID, FLOOR);
}

/* The message in out for user with that primitive (parsed into *m), or fails the test. */
static void take_msg(const bfcp_outbox *out, uint16_t user, uint8_t prim, bfcp_msg *m)
{
	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].user_id != user)
			continue;
		bfcp_decode_error e;
		g_assert_true(bfcp_msg_parse(out->v[i].data, out->v[i].len, m, &e));
		if (m->primitive == prim) {
			g_assert_cmpuint(m->user_id, ==, user);
			g_assert_cmpuint(m->conference_id, ==, CONF);
			g_assert_cmpuint(m->version, ==, version_of(user));
			return;
		}
		bfcp_msg_clear(m);
	}
	g_error("no %s for user %u among %zu messages", bfcp_primitive_name(prim), user, out->n);
}

static size_t count_for(const bfcp_outbox *out, uint16_t user)
{
	size_t n = 0;
	for (size_t i = 0; i < out->n; i++)
		n += out->v[i].user_id == user;
	return n;
}

/* The status a FloorRequestStatus gives, and its request id. */
static uint8_t request_status(const bfcp_msg *m, uint16_t *request_id)
{
	const bfcp_attr *fri = bfcp_attrs_first(&m->attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	g_assert_nonnull(fri);
	const bfcp_attr *ors = bfcp_attrs_first(&fri->children, BFCP_A_OVERALL_REQUEST_STATUS);
	g_assert_nonnull(ors);
	g_assert_cmpuint(
		bfcp_attrs_first(&fri->children, BFCP_A_FLOOR_REQUEST_STATUS)->u16, ==, FLOOR);
	if (request_id != NULL)
		*request_id = fri->u16;
	return bfcp_attrs_first(&ors->children, BFCP_A_REQUEST_STATUS)->status;
}

/* Who a FloorStatus names as holder (0: nobody). */
static uint16_t status_holder(const bfcp_msg *m)
{
	g_assert_cmpuint(bfcp_attrs_first(&m->attrs, BFCP_A_FLOOR_ID)->u16, ==, FLOOR);
	const bfcp_attr *fri = bfcp_attrs_first(&m->attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	if (fri == NULL)
		return 0;
	const bfcp_attr *ors = bfcp_attrs_first(&fri->children, BFCP_A_OVERALL_REQUEST_STATUS);
	g_assert_cmpuint(bfcp_attrs_first(&ors->children, BFCP_A_REQUEST_STATUS)->status, ==,
		BFCP_STATUS_GRANTED);
	return bfcp_attrs_first(&fri->children, BFCP_A_BENEFICIARY_INFORMATION)->u16;
}

/* The holder's USER-DISPLAY-NAME in a FloorStatus (g_free it), NULL when none. */
static char *status_holder_name(const bfcp_msg *m)
{
	const bfcp_attr *fri = bfcp_attrs_first(&m->attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	const bfcp_attr *bi = fri ? bfcp_attrs_first(&fri->children, BFCP_A_BENEFICIARY_INFORMATION)
				  : NULL;
	const bfcp_attr *n = bi ? bfcp_attrs_first(&bi->children, BFCP_A_USER_DISPLAY_NAME) : NULL;
	return n ? g_strndup((const char *)n->data, n->len) : NULL;
}

static void expect_holder_told_to(const bfcp_outbox *out, uint16_t user, uint16_t holder)
{
	bfcp_msg m;
	take_msg(out, user, BFCP_FLOOR_STATUS, &m);
	g_assert_cmpuint(status_holder(&m), ==, holder);
	bfcp_msg_clear(&m);
}

static void expect_error(const bfcp_outbox *out, uint16_t user, uint8_t code, uint16_t tid)
{
	g_assert_cmpuint(out->n, ==, 1);
	bfcp_msg m;
	take_msg(out, user, BFCP_ERROR, &m);
	g_assert_cmpuint(bfcp_attrs_first(&m.attrs, BFCP_A_ERROR_CODE)->error_code, ==, code);
	g_assert_cmpuint(m.transaction_id, ==, tid);
	bfcp_msg_clear(&m);
}

static void a_request_is_granted_and_everyone_is_told(void)
{
	bfcp_floor_server *s = setup();
	bfcp_outbox out = { 0 };
	g_assert_true(request(s, ALICE, 11, &out));
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, ALICE);
	bfcp_msg m;
	take_msg(&out, ALICE, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(m.transaction_id, ==, 11); /* the answer to her request */
	g_assert_cmpuint(request_status(&m, NULL), ==, BFCP_STATUS_GRANTED);
	bfcp_msg_clear(&m);
	expect_holder_told_to(&out, ALICE, ALICE);
	expect_holder_told_to(&out, BOB, ALICE);
	take_msg(&out, BOB, BFCP_FLOOR_STATUS, &m);
	g_assert_cmpuint(m.transaction_id, !=, 0); /* UDP: server-initiated, to be acked */
	g_assert_false(m.responder);
	bfcp_msg_clear(&m);
	g_assert_cmpuint(count_for(&out, WEB), ==, 0);
	bfcp_outbox_clear(&out);
	bfcp_floor_server_free(s);
}

static void a_second_presenter_takes_the_floor_and_the_first_is_revoked(void)
{
	bfcp_floor_server *s = setup();
	bfcp_outbox out = { 0 };
	g_assert_true(request(s, ALICE, 11, &out));
	bfcp_outbox_clear(&out);
	g_assert_true(request(s, BOB, 21, &out));
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, BOB);
	bfcp_msg m;
	take_msg(&out, ALICE, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(request_status(&m, NULL), ==, BFCP_STATUS_REVOKED);
	g_assert_cmpuint(m.transaction_id, ==, 0); /* TCP: server-initiated */
	bfcp_msg_clear(&m);
	take_msg(&out, BOB, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(request_status(&m, NULL), ==, BFCP_STATUS_GRANTED);
	g_assert_cmpuint(m.transaction_id, ==, 21);
	g_assert_true(m.responder);
	bfcp_msg_clear(&m);
	expect_holder_told_to(&out, ALICE, BOB);
	expect_holder_told_to(&out, BOB, BOB);
	bfcp_outbox_clear(&out);
	bfcp_floor_server_free(s);
}

static void release_frees_the_floor_only_for_the_holders_request(void)
{
	bfcp_floor_server *s = setup();
	bfcp_outbox out = { 0 };
	g_assert_true(request(s, BOB, 21, &out));
	bfcp_msg m;
	uint16_t rid;
	take_msg(&out, BOB, BFCP_FLOOR_REQUEST_STATUS, &m);
	request_status(&m, &rid);
	bfcp_msg_clear(&m);
	bfcp_outbox_clear(&out);
	/* Alice cannot release Bob's request */
	g_assert_false(send_from(s, ALICE, 1, BFCP_FLOOR_RELEASE, 12, CONF, ALICE, &out,
		BFCP_A_FLOOR_REQUEST_ID, rid));
	expect_error(&out, ALICE, BFCP_ERR_FLOOR_REQUEST_ID_NOT_EXIST, 12);
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, BOB);
	bfcp_outbox_clear(&out);
	g_assert_true(send_from(
		s, BOB, 2, BFCP_FLOOR_RELEASE, 22, CONF, BOB, &out, BFCP_A_FLOOR_REQUEST_ID, rid));
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, 0);
	take_msg(&out, BOB, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(request_status(&m, NULL), ==, BFCP_STATUS_RELEASED);
	g_assert_cmpuint(m.transaction_id, ==, 22);
	bfcp_msg_clear(&m);
	expect_holder_told_to(&out, ALICE, 0);
	expect_holder_told_to(&out, BOB, 0);
	bfcp_outbox_clear(&out);
	bfcp_floor_server_free(s);
}

static void a_presenter_leaving_releases_the_floor(void)
{
	bfcp_floor_server *s = setup();
	bfcp_outbox out = { 0 };
	g_assert_true(request(s, ALICE, 11, &out));
	bfcp_outbox_clear(&out);
	bfcp_floor_client_remove(s, ALICE, &out);
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, 0);
	g_assert_cmpuint(count_for(&out, ALICE), ==, 0);
	expect_holder_told_to(&out, BOB, 0);
	bfcp_outbox_clear(&out);
	/* and a Goodbye does the same, answered with GoodbyeAck */
	g_assert_true(request(s, BOB, 21, &out));
	bfcp_outbox_clear(&out);
	g_assert_true(send_from(s, BOB, 2, BFCP_GOODBYE, 23, CONF, BOB, &out, 0, 0));
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, 0);
	bfcp_msg m;
	take_msg(&out, BOB, BFCP_GOODBYE_ACK, &m);
	g_assert_cmpuint(m.transaction_id, ==, 23);
	bfcp_msg_clear(&m);
	g_assert_cmpuint(count_for(&out, BOB), ==, 1);
	bfcp_outbox_clear(&out);
	g_assert_false(request(s, BOB, 24, &out)); /* gone */
	g_assert_cmpuint(out.n, ==, 0);
	bfcp_floor_server_free(s);
}

static void a_browser_presenter_is_named_to_bfcp_clients(void)
{
	bfcp_floor_server *s = setup();
	bfcp_outbox out = { 0 };
	g_assert_true(request(s, ALICE, 11, &out));
	bfcp_outbox_clear(&out);
	/* its name as room systems show it: valid UTF-8, no control characters, bounded */
	g_assert_false(bfcp_floor_client_set_name(s, 999, "nobody"));
	g_assert_true(bfcp_floor_client_set_name(s, WEB, "Zoë\r\nScreen\xff"));
	g_assert_true(bfcp_floor_take(s, WEB, FLOOR, &out));
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, WEB);
	bfcp_msg m;
	take_msg(&out, ALICE, BFCP_FLOOR_REQUEST_STATUS, &m);
	g_assert_cmpuint(request_status(&m, NULL), ==, BFCP_STATUS_REVOKED);
	bfcp_msg_clear(&m);
	take_msg(&out, ALICE, BFCP_FLOOR_STATUS, &m);
	char *name = status_holder_name(&m);
	g_assert_cmpstr(name, ==, "Zoë  Screen\xef\xbf\xbd");
	g_assert_true(g_utf8_validate(name, -1, NULL));
	g_free(name);
	bfcp_msg_clear(&m);
	GString *longname = g_string_new(NULL);
	for (int i = 0; i < 40; i++)
		g_string_append(longname, "é"); /* 80 bytes: cut at 64, between characters */
	g_assert_true(bfcp_floor_client_set_name(s, ALICE, longname->str));
	g_string_free(longname, TRUE);
	bfcp_outbox_clear(&out);
	g_assert_true(request(s, ALICE, 12, &out));
	take_msg(&out, BOB, BFCP_FLOOR_STATUS, &m);
	name = status_holder_name(&m);
	g_assert_cmpuint(strlen(name), ==, 64);
	g_assert_true(g_utf8_validate(name, -1, NULL));
	g_free(name);
	bfcp_msg_clear(&m);
	bfcp_outbox_clear(&out);
	g_assert_true(bfcp_floor_take(s, WEB, FLOOR, &out));
	bfcp_outbox_clear(&out);
	g_assert_true(bfcp_floor_drop(s, WEB, FLOOR, &out));
	bfcp_outbox_clear(&out);
	g_assert_true(bfcp_floor_take(s, WEB, FLOOR, &out));
	expect_holder_told_to(&out, ALICE, WEB);
	expect_holder_told_to(&out, BOB, WEB);
	g_assert_cmpuint(count_for(&out, WEB), ==, 0);
	bfcp_outbox_clear(&out);
	g_assert_false(bfcp_floor_drop(s, BOB, FLOOR, &out));
	g_assert_true(bfcp_floor_drop(s, WEB, FLOOR, &out));
	expect_holder_told_to(&out, BOB, 0);
	bfcp_outbox_clear(&out);
	bfcp_floor_server_free(s);
}

static void bad_requests_get_the_rfc_error_codes(void)
{
	bfcp_floor_server *s = setup();
	bfcp_outbox out = { 0 };
	g_assert_false(send_from(
		s, ALICE, 1, BFCP_FLOOR_REQUEST, 5, CONF + 1, ALICE, &out, BFCP_A_FLOOR_ID, FLOOR));
	expect_error(&out, ALICE, BFCP_ERR_CONF_NOT_EXIST, 5);
	bfcp_outbox_clear(&out);
	/* a client speaking for another user id than its connection's */
	g_assert_false(send_from(
		s, ALICE, 1, BFCP_FLOOR_REQUEST, 6, CONF, BOB, &out, BFCP_A_FLOOR_ID, FLOOR));
	expect_error(&out, ALICE, BFCP_ERR_USER_NOT_EXIST, 6);
	bfcp_outbox_clear(&out);
	g_assert_false(send_from(
		s, ALICE, 1, BFCP_FLOOR_REQUEST, 7, CONF, ALICE, &out, BFCP_A_FLOOR_ID, FLOOR + 1));
	expect_error(&out, ALICE, BFCP_ERR_INVALID_FLOOR_ID, 7);
	bfcp_outbox_clear(&out);
	g_assert_false(send_from(s, ALICE, 1, BFCP_FLOOR_REQUEST, 8, CONF, ALICE, &out, 0, 0));
	expect_error(&out, ALICE, BFCP_ERR_PARSE, 8);
	bfcp_outbox_clear(&out);
	/* a third-party request (only a chair may) */
	bfcp_msg m;
	bfcp_msg_init(&m, 1, BFCP_FLOOR_REQUEST, CONF, 9, ALICE);
	bfcp_attrs_add_u16(&m.attrs, BFCP_A_FLOOR_ID, FLOOR);
	bfcp_attrs_add_u16(&m.attrs, BFCP_A_BENEFICIARY_ID, BOB);
	uint8_t *buf;
	size_t len;
	g_assert_true(bfcp_msg_pack(&m, &buf, &len));
	bfcp_msg_clear(&m);
	g_assert_false(bfcp_floor_receive(s, ALICE, buf, len, &out));
	expect_error(&out, ALICE, BFCP_ERR_UNAUTHORIZED, 9);
	bfcp_outbox_clear(&out);
	/* a server message sent to the server */
	g_assert_false(send_from(
		s, ALICE, 1, BFCP_FLOOR_STATUS, 10, CONF, ALICE, &out, BFCP_A_FLOOR_ID, FLOOR));
	expect_error(&out, ALICE, BFCP_ERR_UNAUTHORIZED, 10);
	bfcp_outbox_clear(&out);
	/* garbage: an Error addressed to the connection's user, whatever the header claimed */
	buf[3] = 9;
	buf[11] = 0x55;
	g_assert_false(bfcp_floor_receive(s, ALICE, buf, len, &out));
	expect_error(&out, ALICE, BFCP_ERR_BAD_LENGTH, 9);
	bfcp_outbox_clear(&out);
	/* garbage in a version 2 header over Alice's TCP: the Error still speaks version 1 */
	buf[0] = 0x40;
	g_assert_false(bfcp_floor_receive(s, ALICE, buf, len, &out));
	expect_error(&out, ALICE, BFCP_ERR_BAD_LENGTH, 9);
	bfcp_outbox_clear(&out);
	g_free(buf);
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, 0);
	/* acks are taken silently */
	g_assert_true(send_from(s, BOB, 2, BFCP_FLOOR_STATUS_ACK, 3, CONF, BOB, &out, 0, 0));
	g_assert_cmpuint(out.n, ==, 0);
	bfcp_floor_server_free(s);
}

static void hello_and_queries_are_answered(void)
{
	bfcp_floor_server *s = setup();
	bfcp_outbox out = { 0 };
	g_assert_true(send_from(s, BOB, 2, BFCP_HELLO, 31, CONF, BOB, &out, 0, 0));
	bfcp_msg m;
	take_msg(&out, BOB, BFCP_HELLO_ACK, &m);
	g_assert_cmpuint(m.transaction_id, ==, 31);
	const bfcp_attr *sp = bfcp_attrs_first(&m.attrs, BFCP_A_SUPPORTED_PRIMITIVES);
	g_assert_nonnull(sp);
	g_assert_nonnull(memchr(sp->data, BFCP_FLOOR_REQUEST, sp->len));
	g_assert_nonnull(bfcp_attrs_first(&m.attrs, BFCP_A_SUPPORTED_ATTRIBUTES));
	bfcp_msg_clear(&m);
	bfcp_outbox_clear(&out);
	g_assert_true(request(s, ALICE, 11, &out));
	bfcp_outbox_clear(&out);
	g_assert_true(send_from(
		s, BOB, 2, BFCP_FLOOR_QUERY, 32, CONF, BOB, &out, BFCP_A_FLOOR_ID, FLOOR));
	g_assert_cmpuint(out.n, ==, 1);
	take_msg(&out, BOB, BFCP_FLOOR_STATUS, &m);
	g_assert_cmpuint(m.transaction_id, ==, 32);
	g_assert_cmpuint(status_holder(&m), ==, ALICE);
	bfcp_msg_clear(&m);
	bfcp_outbox_clear(&out);
	bfcp_floor_server_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bfcp/floor/a request is granted and everyone is told",
		a_request_is_granted_and_everyone_is_told);
	g_test_add_func("/bfcp/floor/a second presenter takes the floor and the first is revoked",
		a_second_presenter_takes_the_floor_and_the_first_is_revoked);
	g_test_add_func("/bfcp/floor/release frees the floor only for the holder's request",
		release_frees_the_floor_only_for_the_holders_request);
	g_test_add_func("/bfcp/floor/a presenter leaving releases the floor",
		a_presenter_leaving_releases_the_floor);
	g_test_add_func("/bfcp/floor/a browser presenter is named to BFCP clients",
		a_browser_presenter_is_named_to_bfcp_clients);
	g_test_add_func("/bfcp/floor/bad requests get the RFC error codes",
		bad_requests_get_the_rfc_error_codes);
	g_test_add_func(
		"/bfcp/floor/Hello and queries are answered", hello_and_queries_are_answered);
	return g_test_run();
}
