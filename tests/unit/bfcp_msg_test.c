/*
 * bfcp_msg_test.c - the RFC 8855 codec (plugins/bfcp/bfcp_msg.c): every primitive and attribute
 * survives pack -> parse; bytes written by hand from the RFC's figures (common header,
 * attribute header, grouped attributes with padding) parse and pack to the same bytes; hostile
 * input is refused with the Error code the RFC asks for, without reading past the buffer
 * (exact-size heap copies, so AddressSanitizer and valgrind see any overread).
 */
#include "bfcp_msg.h"

#include <glib.h>
#include <string.h>

/* Parses an exact-size heap copy of the bytes. */
static bool parse_copy(const uint8_t *b, size_t n, bfcp_msg *m, bfcp_decode_error *e)
{
	uint8_t *copy = g_memdup2(b, n);
	bool ok = bfcp_msg_parse(copy, n, m, e);
	g_free(copy);
	return ok;
}

static void roundtrip(bfcp_msg *in, bfcp_msg *out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	g_assert_true(bfcp_msg_pack(in, &buf, &len));
	g_assert_cmpuint(len % 4, ==, 0);
	g_assert_cmpuint(bfcp_msg_frame_length(buf, len), ==, len);
	bfcp_decode_error e;
	g_assert_true(parse_copy(buf, len, out, &e));
	g_free(buf);
	g_assert_cmpuint(out->version, ==, in->version);
	g_assert_cmpuint(out->primitive, ==, in->primitive);
	g_assert_cmpuint(out->conference_id, ==, in->conference_id);
	g_assert_cmpuint(out->transaction_id, ==, in->transaction_id);
	g_assert_cmpuint(out->user_id, ==, in->user_id);
	g_assert_cmpint(out->responder, ==, in->responder && in->version == 2);
}

static void every_primitive_round_trips_in_both_versions(void)
{
	for (uint8_t v = 1; v <= 2; v++)
		for (uint8_t p = BFCP_FLOOR_REQUEST; p <= BFCP_GOODBYE_ACK; p++) {
			bfcp_msg in, out;
			bfcp_msg_init(&in, v, p, 0xdeadbeef, (uint16_t)(p * 7), 0xfffe);
			in.responder = p % 2;
			bfcp_attrs_add_u16(&in.attrs, BFCP_A_FLOOR_ID, p)->mandatory = true;
			roundtrip(&in, &out);
			const bfcp_attr *f = bfcp_attrs_first(&out.attrs, BFCP_A_FLOOR_ID);
			g_assert_nonnull(f);
			g_assert_cmpuint(f->u16, ==, p);
			g_assert_true(f->mandatory);
			g_assert_cmpstr(bfcp_primitive_name(p), !=, "unknown");
			bfcp_msg_clear(&in);
			bfcp_msg_clear(&out);
		}
}

static void every_attribute_round_trips_with_padding(void)
{
	bfcp_msg in, out;
	bfcp_msg_init(&in, 1, BFCP_FLOOR_STATUS, 1, 2, 3);
	bfcp_attrs_add_u16(&in.attrs, BFCP_A_BENEFICIARY_ID, 0x1234);
	bfcp_attrs_add_u16(&in.attrs, BFCP_A_FLOOR_ID, 0xabcd);
	bfcp_attrs_add_u16(&in.attrs, BFCP_A_FLOOR_REQUEST_ID, 0x7777);
	bfcp_attrs_add_priority(&in.attrs, 4);
	bfcp_attrs_add_request_status(&in.attrs, BFCP_STATUS_GRANTED, 5);
	const uint8_t details[] = { 0x7e, 0x40, 0x22 };
	bfcp_attrs_add_error_code(&in.attrs, BFCP_ERR_UNKNOWN_MANDATORY_ATTR, details, 3);
	bfcp_attrs_add_string(&in.attrs, BFCP_A_ERROR_INFO, "e");
	bfcp_attrs_add_string(&in.attrs, BFCP_A_USER_DISPLAY_NAME, "Room 1 Poly");
	bfcp_attrs_add_string(&in.attrs, BFCP_A_USER_URI, "sip:room1@example.org");
	bfcp_attrs_add_string(&in.attrs, BFCP_A_PARTICIPANT_PROVIDED_INFO, "ab");
	bfcp_attrs_add_string(&in.attrs, BFCP_A_STATUS_INFO, "");
	const uint8_t prims[] = { 1, 2, 11 };
	bfcp_attrs_add_bytes(&in.attrs, BFCP_A_SUPPORTED_PRIMITIVES, prims, 3);
	const uint8_t attrs[] = { 2, 4, 6, 8 };
	bfcp_attrs_add_bytes(&in.attrs, BFCP_A_SUPPORTED_ATTRIBUTES, attrs, 4);
	bfcp_attr *fri = bfcp_attrs_add_group(&in.attrs, BFCP_A_FLOOR_REQUEST_INFORMATION, 9);
	bfcp_attrs ch = { 0 };
	bfcp_attr *ors = bfcp_attrs_add_group(&ch, BFCP_A_OVERALL_REQUEST_STATUS, 9);
	bfcp_attrs_add_request_status(&ors->children, BFCP_STATUS_REVOKED, 0);
	bfcp_attrs_add_string(&ors->children, BFCP_A_STATUS_INFO, "taken");
	bfcp_attr *frs = bfcp_attrs_add_group(&ch, BFCP_A_FLOOR_REQUEST_STATUS, 0xabcd);
	bfcp_attrs_add_request_status(&frs->children, BFCP_STATUS_REVOKED, 0);
	bfcp_attr *bi = bfcp_attrs_add_group(&ch, BFCP_A_BENEFICIARY_INFORMATION, 0x1234);
	bfcp_attrs_add_string(&bi->children, BFCP_A_USER_DISPLAY_NAME, "Alice");
	bfcp_attrs_add_string(&bi->children, BFCP_A_USER_URI, "sip:alice@example.org");
	bfcp_attr *rb = bfcp_attrs_add_group(&ch, BFCP_A_REQUESTED_BY_INFORMATION, 0x1235);
	bfcp_attrs_add_string(&rb->children, BFCP_A_USER_DISPLAY_NAME, "Bob");
	fri->children = ch;
	roundtrip(&in, &out);
	g_assert_cmpuint(out.attrs.n, ==, in.attrs.n);
	g_assert_cmpuint(bfcp_attrs_first(&out.attrs, BFCP_A_BENEFICIARY_ID)->u16, ==, 0x1234);
	g_assert_cmpuint(bfcp_attrs_first(&out.attrs, BFCP_A_FLOOR_REQUEST_ID)->u16, ==, 0x7777);
	g_assert_cmpuint(bfcp_attrs_first(&out.attrs, BFCP_A_PRIORITY)->u16, ==, 4);
	const bfcp_attr *rs = bfcp_attrs_first(&out.attrs, BFCP_A_REQUEST_STATUS);
	g_assert_cmpuint(rs->status, ==, BFCP_STATUS_GRANTED);
	g_assert_cmpuint(rs->queue_pos, ==, 5);
	const bfcp_attr *ec = bfcp_attrs_first(&out.attrs, BFCP_A_ERROR_CODE);
	g_assert_cmpuint(ec->error_code, ==, 4);
	g_assert_cmpmem(ec->data, ec->len, details, 3);
	g_assert_cmpstr((char *)bfcp_attrs_first(&out.attrs, BFCP_A_ERROR_INFO)->data, ==, "e");
	g_assert_cmpstr((char *)bfcp_attrs_first(&out.attrs, BFCP_A_USER_DISPLAY_NAME)->data, ==,
		"Room 1 Poly");
	g_assert_cmpstr((char *)bfcp_attrs_first(&out.attrs, BFCP_A_USER_URI)->data, ==,
		"sip:room1@example.org");
	g_assert_cmpstr(
		(char *)bfcp_attrs_first(&out.attrs, BFCP_A_PARTICIPANT_PROVIDED_INFO)->data, ==,
		"ab");
	g_assert_cmpuint(bfcp_attrs_first(&out.attrs, BFCP_A_STATUS_INFO)->len, ==, 0);
	const bfcp_attr *sp = bfcp_attrs_first(&out.attrs, BFCP_A_SUPPORTED_PRIMITIVES);
	g_assert_cmpmem(sp->data, sp->len, prims, 3);
	const bfcp_attr *sa = bfcp_attrs_first(&out.attrs, BFCP_A_SUPPORTED_ATTRIBUTES);
	g_assert_cmpmem(sa->data, sa->len, attrs, 4);
	const bfcp_attr *ofri = bfcp_attrs_first(&out.attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	g_assert_cmpuint(ofri->u16, ==, 9);
	g_assert_cmpuint(ofri->children.n, ==, 4);
	const bfcp_attr *oors = bfcp_attrs_first(&ofri->children, BFCP_A_OVERALL_REQUEST_STATUS);
	g_assert_cmpuint(bfcp_attrs_first(&oors->children, BFCP_A_REQUEST_STATUS)->status, ==,
		BFCP_STATUS_REVOKED);
	g_assert_cmpstr(
		(char *)bfcp_attrs_first(&oors->children, BFCP_A_STATUS_INFO)->data, ==, "taken");
	g_assert_cmpuint(
		bfcp_attrs_first(&ofri->children, BFCP_A_FLOOR_REQUEST_STATUS)->u16, ==, 0xabcd);
	const bfcp_attr *obi = bfcp_attrs_first(&ofri->children, BFCP_A_BENEFICIARY_INFORMATION);
	g_assert_cmpuint(obi->u16, ==, 0x1234);
	g_assert_cmpstr((char *)bfcp_attrs_first(&obi->children, BFCP_A_USER_URI)->data, ==,
		"sip:alice@example.org");
	const bfcp_attr *orb = bfcp_attrs_first(&ofri->children, BFCP_A_REQUESTED_BY_INFORMATION);
	g_assert_cmpstr((char *)bfcp_attrs_first(&orb->children, BFCP_A_USER_DISPLAY_NAME)->data,
		==, "Bob");
	bfcp_msg_clear(&in);
	bfcp_msg_clear(&out);
}

/*
 * Written from RFC 8855 figures: common header (Ver=1, R=0, F=0, Primitive=FloorRequest,
 * Payload Length=1, Conference ID, Transaction ID, User ID), then FLOOR-ID (Type=2, M=1:
 * 0x05, Length=4, Floor ID=0x0007).
 */
static const uint8_t rfc_floor_request[] = {
	0x20,
	0x01,
	0x00,
	0x01,
	0x00,
	0x00,
	0x30,
	0x39,
	0x00,
	0x0a,
	0x00,
	0x02,
	0x05,
	0x04,
	0x00,
	0x07,
};

/*
 * A version 2 FloorStatus response (R bit: 0x50): FLOOR-ID 7, then FLOOR-REQUEST-INFORMATION
 * (Type=15, M=1: 0x1f, length 28) of request 1 holding OVERALL-REQUEST-STATUS (Type=18: 0x25) with
 * REQUEST-STATUS (Type=5: 0x0b, Granted=3, queue 0), FLOOR-REQUEST-STATUS (Type=17: 0x23)
 * of floor 7, and BENEFICIARY-INFORMATION (Type=14: 0x1d) of user 2 with USER-DISPLAY-NAME
 * (Type=12: 0x19) "Ann": length 5, padded with 3 zero octets.
 */
static const uint8_t rfc_floor_status[] = {
	0x50, 0x08, 0x00, 0x08, 0x00, 0x00, 0x30, 0x39, 0x00, 0x0b, 0x00, 0x02, 0x05, 0x04, 0x00,
	0x07,                                           /* FLOOR-ID */
	0x1f, 0x1c, 0x00, 0x01,                         /* FLOOR-REQUEST-INFORMATION, length 28 */
	0x25, 0x08, 0x00, 0x01, 0x0b, 0x04, 0x03, 0x00, /* ORS + REQUEST-STATUS */
	0x23, 0x04, 0x00, 0x07,                         /* FRS */
	0x1d, 0x0c, 0x00, 0x02, 0x19, 0x05, 'A', 'n', 'n', 0x00, 0x00, 0x00, /* BI + name */
};

static void rfc_figure_bytes_parse_and_pack_back_identically(void)
{
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_true(parse_copy(rfc_floor_request, sizeof(rfc_floor_request), &m, &e));
	g_assert_cmpuint(m.version, ==, 1);
	g_assert_cmpuint(m.primitive, ==, BFCP_FLOOR_REQUEST);
	g_assert_cmpuint(m.conference_id, ==, 12345);
	g_assert_cmpuint(m.transaction_id, ==, 10);
	g_assert_cmpuint(m.user_id, ==, 2);
	g_assert_cmpuint(bfcp_attrs_first(&m.attrs, BFCP_A_FLOOR_ID)->u16, ==, 7);
	uint8_t *buf;
	size_t len;
	g_assert_true(bfcp_msg_pack(&m, &buf, &len));
	g_assert_cmpmem(buf, len, rfc_floor_request, sizeof(rfc_floor_request));
	g_free(buf);
	bfcp_msg_clear(&m);

	g_assert_true(parse_copy(rfc_floor_status, sizeof(rfc_floor_status), &m, &e));
	g_assert_cmpuint(m.version, ==, 2);
	g_assert_true(m.responder);
	g_assert_cmpuint(m.primitive, ==, BFCP_FLOOR_STATUS);
	const bfcp_attr *fri = bfcp_attrs_first(&m.attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	g_assert_nonnull(fri);
	const bfcp_attr *bi = bfcp_attrs_first(&fri->children, BFCP_A_BENEFICIARY_INFORMATION);
	g_assert_cmpuint(bi->u16, ==, 2);
	g_assert_cmpstr(
		(char *)bfcp_attrs_first(&bi->children, BFCP_A_USER_DISPLAY_NAME)->data, ==, "Ann");
	g_assert_true(bfcp_msg_pack(&m, &buf, &len));
	g_assert_cmpmem(buf, len, rfc_floor_status, sizeof(rfc_floor_status));
	g_free(buf);
	bfcp_msg_clear(&m);
}

static void expect_refused(const uint8_t *b, size_t n, uint8_t code, bool reply)
{
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_false(parse_copy(b, n, &m, &e));
	g_assert_cmpuint(e.code, ==, code);
	g_assert_cmpuint(m.attrs.n, ==, 0);
	size_t rl = 0;
	uint8_t *r = bfcp_error_reply(&e, 1, &rl);
	g_assert_cmpint(r != NULL, ==, reply);
	if (r != NULL) {
		bfcp_msg em;
		bfcp_decode_error e2;
		g_assert_true(parse_copy(r, rl, &em, &e2));
		g_assert_cmpuint(em.primitive, ==, BFCP_ERROR);
		g_assert_cmpuint(
			bfcp_attrs_first(&em.attrs, BFCP_A_ERROR_CODE)->error_code, ==, code);
		g_assert_cmpuint(em.transaction_id, ==, e.transaction_id);
		bfcp_msg_clear(&em);
		g_free(r);
	}
}

static void an_unknown_primitive_is_answered_with_error_3(void)
{
	uint8_t b[sizeof(rfc_floor_request)];
	memcpy(b, rfc_floor_request, sizeof(b));
	b[1] = 99;
	expect_refused(b, sizeof(b), BFCP_ERR_UNKNOWN_PRIMITIVE, true);
}

static void an_unknown_mandatory_attribute_is_answered_with_error_4_naming_it(void)
{
	/* FLOOR-ID, then type 100 mandatory (0xc9) length 3 padded, then type 101 optional */
	const uint8_t b[] = { 0x20, 0x01, 0x00, 0x03, 0, 0, 0, 1, 0, 5, 0, 2, 0x05, 0x04, 0x00,
		0x07, 0xc9, 0x03, 0xaa, 0x00, 0xca, 0x02, 0, 0 };
	expect_refused(b, sizeof(b), BFCP_ERR_UNKNOWN_MANDATORY_ATTR, true);
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_false(parse_copy(b, sizeof(b), &m, &e));
	g_assert_cmpuint(e.n_unknown, ==, 1);
	g_assert_cmpuint(e.unknown[0], ==, 100);
	size_t rl;
	uint8_t *r = bfcp_error_reply(&e, 1, &rl);
	bfcp_msg em;
	g_assert_true(parse_copy(r, rl, &em, &e));
	const bfcp_attr *ec = bfcp_attrs_first(&em.attrs, BFCP_A_ERROR_CODE);
	g_assert_cmpuint(ec->len, ==, 1);
	g_assert_cmpuint(ec->data[0], ==, 100 << 1);
	bfcp_msg_clear(&em);
	g_free(r);
	/* the same attribute optional is skipped */
	uint8_t opt[sizeof(b)];
	memcpy(opt, b, sizeof(b));
	opt[16] = 0xc8;
	g_assert_true(parse_copy(opt, sizeof(opt), &m, &e));
	g_assert_cmpuint(m.attrs.n, ==, 1);
	bfcp_msg_clear(&m);
}

static void hostile_lengths_are_refused_without_overreading(void)
{
	/* shorter than the header: nothing to address a reply to */
	expect_refused(rfc_floor_request, 11, BFCP_ERR_PARSE, false);
	/* payload length says more than there is, or less */
	uint8_t b[sizeof(rfc_floor_request)];
	memcpy(b, rfc_floor_request, sizeof(b));
	b[3] = 2;
	expect_refused(b, sizeof(b), BFCP_ERR_BAD_LENGTH, true);
	b[3] = 0xff;
	b[2] = 0xff;
	expect_refused(b, sizeof(b), BFCP_ERR_BAD_LENGTH, true);
	/* an attribute longer than the message */
	memcpy(b, rfc_floor_request, sizeof(b));
	b[13] = 0xff;
	expect_refused(b, sizeof(b), BFCP_ERR_PARSE, true);
	/* an attribute length below its own header */
	b[13] = 1;
	expect_refused(b, sizeof(b), BFCP_ERR_PARSE, true);
	b[13] = 0;
	expect_refused(b, sizeof(b), BFCP_ERR_PARSE, true);
	/* FLOOR-ID of the wrong size */
	b[13] = 3;
	expect_refused(b, sizeof(b), BFCP_ERR_PARSE, true);
	/* a grouped attribute whose last member's padding passes its end */
	const uint8_t g[] = { 0x20, 0x08, 0x00, 0x02, 0, 0, 0, 1, 0, 5, 0, 2, 0x1f, 0x07, 0x00,
		0x01, 0x19, 0x03, 'x', 0x00 };
	expect_refused(g, sizeof(g), BFCP_ERR_PARSE, true);
}

static void deep_nesting_is_refused(void)
{
	/* FRI in FRI in FRI in FRI: depth 4 */
	const uint8_t b[] = { 0x20, 0x08, 0x00, 0x04, 0, 0, 0, 1, 0, 5, 0, 2, 0x1f, 0x10, 0, 1,
		0x1f, 0x0c, 0, 1, 0x1f, 0x08, 0, 1, 0x1f, 0x04, 0, 1 };
	expect_refused(b, sizeof(b), BFCP_ERR_PARSE, true);
	/* depth 3 is fine */
	uint8_t ok[] = { 0x20, 0x08, 0x00, 0x03, 0, 0, 0, 1, 0, 5, 0, 2, 0x1f, 0x0c, 0, 1, 0x1f,
		0x08, 0, 1, 0x1f, 0x04, 0, 1 };
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_true(parse_copy(ok, sizeof(ok), &m, &e));
	bfcp_msg_clear(&m);
}

static void too_many_attributes_are_refused(void)
{
	size_t n = BFCP_MAX_ATTRS + 1;
	size_t len = BFCP_HEADER_LEN + 4 * n;
	uint8_t *b = g_malloc0(len);
	b[0] = 0x20;
	b[1] = BFCP_FLOOR_STATUS;
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		b[BFCP_HEADER_LEN + 4 * i] = 0x04;
		b[BFCP_HEADER_LEN + 4 * i + 1] = 4;
	}
	expect_refused(b, len, BFCP_ERR_PARSE, true);
	g_free(b);
}

static void fragments_and_other_versions_are_refused(void)
{
	uint8_t b[sizeof(rfc_floor_request)];
	memcpy(b, rfc_floor_request, sizeof(b));
	b[0] = 0x48; /* version 2, F bit */
	expect_refused(b, sizeof(b), BFCP_ERR_PARSE, true);
	b[0] = 0x60; /* version 3 */
	expect_refused(b, sizeof(b), BFCP_ERR_UNSUPPORTED_VERSION, true);
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_false(parse_copy(b, sizeof(b), &m, &e));
	size_t rl;
	uint8_t *r = bfcp_error_reply(&e, 2, &rl);
	g_assert_cmpuint(r[0] >> 5, ==, 2); /* answered in the version of the transport */
	g_free(r);
}

static void an_error_is_never_answered_with_an_error(void)
{
	uint8_t b[sizeof(rfc_floor_request)];
	memcpy(b, rfc_floor_request, sizeof(b));
	b[1] = BFCP_ERROR;
	b[13] = 0xff;
	expect_refused(b, sizeof(b), BFCP_ERR_PARSE, false);
}

static void oversized_attributes_are_not_packed(void)
{
	bfcp_msg m;
	bfcp_msg_init(&m, 1, BFCP_HELLO, 1, 1, 1);
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	bfcp_attrs_add_string(&m.attrs, BFCP_A_USER_URI, big);
	uint8_t *buf;
	size_t len;
	g_assert_false(bfcp_msg_pack(&m, &buf, &len));
	g_assert_null(buf);
	bfcp_msg_clear(&m);
}

static void a_tcp_stream_is_framed_message_by_message(void)
{
	/* two messages back to back, as they arrive on a BFCP TCP connection */
	uint8_t stream[sizeof(rfc_floor_request) + sizeof(rfc_floor_status)];
	memcpy(stream, rfc_floor_request, sizeof(rfc_floor_request));
	memcpy(stream + sizeof(rfc_floor_request), rfc_floor_status, sizeof(rfc_floor_status));
	g_assert_cmpuint(bfcp_msg_frame_length(stream, 3), ==, 0); /* length not there yet */
	size_t first = bfcp_msg_frame_length(stream, 4);
	g_assert_cmpuint(first, ==, sizeof(rfc_floor_request));
	size_t second = bfcp_msg_frame_length(stream + first, sizeof(stream) - first);
	g_assert_cmpuint(second, ==, sizeof(rfc_floor_status));
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_true(parse_copy(stream + first, second, &m, &e));
	g_assert_cmpuint(m.primitive, ==, BFCP_FLOOR_STATUS);
	bfcp_msg_clear(&m);
	/* the largest length a header can announce: the caller caps its buffer below this */
	const uint8_t big[4] = { 0x20, 0x01, 0xff, 0xff };
	g_assert_cmpuint(bfcp_msg_frame_length(big, 4), ==, BFCP_HEADER_LEN + 4 * 65535);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bfcp/msg/every primitive round trips in both versions",
		every_primitive_round_trips_in_both_versions);
	g_test_add_func("/bfcp/msg/every attribute round trips with padding",
		every_attribute_round_trips_with_padding);
	g_test_add_func("/bfcp/msg/RFC figure bytes parse and pack back identically",
		rfc_figure_bytes_parse_and_pack_back_identically);
	g_test_add_func("/bfcp/msg/an unknown primitive is answered with Error 3",
		an_unknown_primitive_is_answered_with_error_3);
	g_test_add_func(
		"/bfcp/msg/an unknown mandatory attribute is answered with Error 4 naming it",
		an_unknown_mandatory_attribute_is_answered_with_error_4_naming_it);
	g_test_add_func("/bfcp/msg/hostile lengths are refused without overreading",
		hostile_lengths_are_refused_without_overreading);
	g_test_add_func("/bfcp/msg/deep nesting is refused", deep_nesting_is_refused);
	g_test_add_func(
		"/bfcp/msg/too many attributes are refused", too_many_attributes_are_refused);
	g_test_add_func("/bfcp/msg/fragments and other versions are refused",
		fragments_and_other_versions_are_refused);
	g_test_add_func("/bfcp/msg/an Error is never answered with an Error",
		an_error_is_never_answered_with_an_error);
	g_test_add_func("/bfcp/msg/oversized attributes are not packed",
		oversized_attributes_are_not_packed);
	g_test_add_func("/bfcp/msg/a TCP stream is framed message by message",
		a_tcp_stream_is_framed_message_by_message);
	return g_test_run();
}
