/*
 * bfcp_interop_test.c - our BFCP codec and floor server against an independent implementation,
 * libre's (Debian libre-dev, re_bfcp.h, through bfcp_libre_side.c): what a libre client sends
 * (Hello, FloorRequest, FloorRelease) our server takes, and what our server sends back
 * (HelloAck, FloorRequestStatus, FloorStatus, Error) libre reads as meant; a libre FloorStatus
 * with every grouped attribute parses with ours and packs back to libre's exact bytes.
 */
#include "bfcp_floor.h"
#include "bfcp_libre_side.h"

#include <glib.h>
#include <string.h>

#define CONF  31337
#define FLOOR 2

static const bfcp_out_msg *find_out(
	const bfcp_outbox *out, uint16_t user, uint8_t prim, libre_view *v)
{
	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].user_id != user)
			continue;
		g_assert_true(libre_decode(out->v[i].data, out->v[i].len, v));
		if (v->prim == prim)
			return &out->v[i];
	}
	g_error("no primitive %u for user %u", prim, user);
	return NULL;
}

static void libre_clients_hello_and_take_the_floor_from_each_other(gconstpointer data)
{
	uint8_t ver = (uint8_t)GPOINTER_TO_UINT(data);
	bfcp_floor_server *s = bfcp_floor_server_new(CONF);
	g_assert_true(bfcp_floor_add(s, FLOOR));
	g_assert_true(bfcp_floor_client_add(s, 10, ver));
	g_assert_true(bfcp_floor_client_add(s, 11, ver));
	g_assert_true(bfcp_floor_client_set_name(s, 10, "Room Zoë"));
	bfcp_outbox out = { 0 };
	size_t len;
	libre_view v;

	uint8_t *hello = libre_encode_hello(ver, CONF, 100, 10, &len);
	g_assert_nonnull(hello);
	g_assert_true(bfcp_floor_receive(s, 10, hello, len, &out));
	g_free(hello);
	find_out(&out, 10, 12 /* HelloAck */, &v);
	g_assert_cmpuint(v.ver, ==, ver);
	g_assert_cmpuint(v.tid, ==, 100);
	g_assert_cmpuint(v.confid, ==, CONF);
	g_assert_cmpuint(v.userid, ==, 10);
	g_assert_true(v.supports_floor_request);
	g_assert_cmpint(v.r, ==, ver == 2);
	bfcp_outbox_clear(&out);

	uint8_t *req = libre_encode_floor_request(ver, CONF, 101, 10, FLOOR, &len);
	g_assert_true(bfcp_floor_receive(s, 10, req, len, &out));
	g_free(req);
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, 10);
	find_out(&out, 10, 4 /* FloorRequestStatus */, &v);
	g_assert_cmpuint(v.tid, ==, 101);
	g_assert_cmpint(v.ors_status, ==, 3 /* Granted */);
	g_assert_cmpint(v.frs_floor, ==, FLOOR);
	g_assert_cmpint(v.beneficiary, ==, 10);
	find_out(&out, 11, 8 /* FloorStatus */, &v);
	g_assert_cmpint(v.floor_id, ==, FLOOR);
	g_assert_cmpint(v.beneficiary, ==, 10);
	g_assert_cmpstr(v.beneficiary_name, ==, "Room Zoë"); /* libre reads who presents */
	g_assert_cmpint(v.ors_status, ==, 3);
	bfcp_outbox_clear(&out);

	req = libre_encode_floor_request(ver, CONF, 200, 11, FLOOR, &len);
	g_assert_true(bfcp_floor_receive(s, 11, req, len, &out));
	g_free(req);
	find_out(&out, 10, 4, &v);
	g_assert_cmpint(v.ors_status, ==, 7 /* Revoked */);
	find_out(&out, 11, 4, &v);
	g_assert_cmpint(v.ors_status, ==, 3);
	int rid = v.fri_id;
	find_out(&out, 10, 8, &v);
	g_assert_cmpint(v.beneficiary, ==, 11);
	bfcp_outbox_clear(&out);

	uint8_t *rel = libre_encode_floor_release(ver, CONF, 201, 11, (uint16_t)rid, &len);
	g_assert_true(bfcp_floor_receive(s, 11, rel, len, &out));
	g_free(rel);
	g_assert_cmpuint(bfcp_floor_holder(s, FLOOR), ==, 0);
	find_out(&out, 11, 4, &v);
	g_assert_cmpint(v.ors_status, ==, 6 /* Released */);
	find_out(&out, 10, 8, &v);
	g_assert_cmpint(v.floor_id, ==, FLOOR);
	g_assert_cmpint(v.fri_id, ==, -1); /* nobody holds it */
	bfcp_outbox_clear(&out);
	bfcp_floor_server_free(s);
}

static void our_error_for_an_unknown_mandatory_attribute_reads_in_libre(void)
{
	size_t len;
	uint8_t *req = libre_encode_floor_request(1, CONF, 7, 10, FLOOR, &len);
	/* turn its PRIORITY (type 4) into an unknown mandatory type 99 */
	g_assert_cmpuint(len, ==, 20);
	g_assert_cmpuint(req[16] >> 1, ==, 4);
	req[16] = (uint8_t)(99 << 1 | 1);
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_false(bfcp_msg_parse(req, len, &m, &e));
	size_t rl;
	uint8_t *reply = bfcp_error_reply(&e, 1, &rl);
	libre_view v;
	g_assert_true(libre_decode(reply, rl, &v));
	g_assert_cmpuint(v.prim, ==, 13 /* Error */);
	g_assert_cmpuint(v.tid, ==, 7);
	g_assert_cmpint(v.error_code, ==, 4);
	g_assert_cmpuint(v.n_error_details, ==, 1);
	g_assert_cmpuint(v.error_details[0] >> 1, ==, 99);
	g_free(reply);
	g_free(req);
}

static void a_libre_floor_status_parses_and_packs_back_to_the_same_bytes(gconstpointer data)
{
	uint8_t ver = (uint8_t)GPOINTER_TO_UINT(data);
	size_t len;
	uint8_t *buf = libre_encode_floor_status(
		ver, CONF, 9, 12, FLOOR, 77, 12, "Room Kit", "sip:roomkit@example.org", &len);
	g_assert_nonnull(buf);
	bfcp_msg m;
	bfcp_decode_error e;
	g_assert_true(bfcp_msg_parse(buf, len, &m, &e));
	g_assert_cmpuint(m.version, ==, ver);
	g_assert_cmpint(m.responder, ==, ver == 2);
	g_assert_cmpuint(m.primitive, ==, BFCP_FLOOR_STATUS);
	g_assert_cmpuint(bfcp_attrs_first(&m.attrs, BFCP_A_FLOOR_ID)->u16, ==, FLOOR);
	const bfcp_attr *fri = bfcp_attrs_first(&m.attrs, BFCP_A_FLOOR_REQUEST_INFORMATION);
	g_assert_cmpuint(fri->u16, ==, 77);
	const bfcp_attr *ors = bfcp_attrs_first(&fri->children, BFCP_A_OVERALL_REQUEST_STATUS);
	g_assert_cmpuint(bfcp_attrs_first(&ors->children, BFCP_A_REQUEST_STATUS)->status, ==,
		BFCP_STATUS_GRANTED);
	g_assert_cmpstr(
		(char *)bfcp_attrs_first(&ors->children, BFCP_A_STATUS_INFO)->data, ==, "ok");
	const bfcp_attr *bi = bfcp_attrs_first(&fri->children, BFCP_A_BENEFICIARY_INFORMATION);
	g_assert_cmpuint(bi->u16, ==, 12);
	g_assert_cmpstr((char *)bfcp_attrs_first(&bi->children, BFCP_A_USER_DISPLAY_NAME)->data, ==,
		"Room Kit");
	g_assert_cmpstr((char *)bfcp_attrs_first(&bi->children, BFCP_A_USER_URI)->data, ==,
		"sip:roomkit@example.org");
	g_assert_cmpuint(bfcp_attrs_first(&fri->children, BFCP_A_PRIORITY)->u16, ==, 3);
	uint8_t *again;
	size_t again_len;
	g_assert_true(bfcp_msg_pack(&m, &again, &again_len));
	g_assert_cmpmem(again, again_len, buf, len);
	g_free(again);
	bfcp_msg_clear(&m);
	g_free(buf);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func(
		"/bfcp/interop/libre clients hello and take the floor from each other (TCP, v1)",
		GUINT_TO_POINTER(1), libre_clients_hello_and_take_the_floor_from_each_other);
	g_test_add_data_func(
		"/bfcp/interop/libre clients hello and take the floor from each other (UDP, v2)",
		GUINT_TO_POINTER(2), libre_clients_hello_and_take_the_floor_from_each_other);
	g_test_add_func("/bfcp/interop/our Error for an unknown mandatory attribute reads in libre",
		our_error_for_an_unknown_mandatory_attribute_reads_in_libre);
	g_test_add_data_func(
		"/bfcp/interop/a libre FloorStatus parses and packs back to the same bytes (v1)",
		GUINT_TO_POINTER(1), a_libre_floor_status_parses_and_packs_back_to_the_same_bytes);
	g_test_add_data_func(
		"/bfcp/interop/a libre FloorStatus parses and packs back to the same bytes (v2)",
		GUINT_TO_POINTER(2), a_libre_floor_status_parses_and_packs_back_to_the_same_bytes);
	return g_test_run();
}
