/*
 * vmr_peer_test.c - the sender's address travels under a secret key: a client-supplied _peer
 * is deleted by the transport's stamp and refused by the plugin's take, whatever its spelling;
 * only an IP address is accepted.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "vmr_peer.h"

static json_t *body_of(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	g_assert_nonnull(j);
	return j;
}

static void test_key_is_secret_and_stable(void)
{
	const char *k = vmr_peer_key();
	g_assert_true(g_str_has_prefix(k, VMR_PEER_PREFIX "."));
	g_assert_cmpuint(strlen(k), ==, strlen(VMR_PEER_PREFIX ".") + 32);
	g_assert_true(k == vmr_peer_key());
}

static void test_stamped_address_is_taken(void)
{
	json_t *b = body_of("{\"request\":\"join\"}");
	vmr_peer_stamp(b, "203.0.113.7");
	char *addr = NULL;
	g_assert_cmpint(vmr_peer_take(b, &addr), ==, 0);
	g_assert_cmpstr(addr, ==, "203.0.113.7");
	/* nothing of ours is left for the request validator */
	g_assert_cmpuint(json_object_size(b), ==, 1);
	g_free(addr);
	json_decref(b);
}

static void test_client_peer_is_replaced_by_the_stamp(void)
{
	json_t *b = body_of(
		"{\"request\":\"join\",\"_peer\":\"198.51.100.9\",\"_peer.00\":\"198.51.100.9\","
		"\"_peerX\":\"1\"}");
	vmr_peer_stamp(b, "203.0.113.7");
	char *addr = NULL;
	g_assert_cmpint(vmr_peer_take(b, &addr), ==, 0);
	g_assert_cmpstr(addr, ==, "203.0.113.7");
	g_assert_cmpuint(json_object_size(b), ==, 1);
	g_free(addr);
	json_decref(b);
}

static void test_client_supplied_peer_is_refused(void)
{
	/* a body that did not come through our transport's stamp */
	json_t *b = body_of("{\"request\":\"invitation_info\",\"_peer\":\"198.51.100.9\"}");
	char *addr = NULL;
	g_assert_cmpint(vmr_peer_take(b, &addr), ==, -EPERM);
	g_assert_null(addr);
	g_assert_null(json_object_get(b, "_peer"));
	json_decref(b);
	/* even next to a real stamp */
	b = body_of("{\"request\":\"join\"}");
	vmr_peer_stamp(b, "203.0.113.7");
	json_object_set_new(b, "_peer", json_string("198.51.100.9"));
	g_assert_cmpint(vmr_peer_take(b, &addr), ==, -EPERM);
	g_assert_null(addr);
	json_decref(b);
}

static void test_only_ip_addresses_are_taken(void)
{
	const char *bad[] = { "198.51.100.10\n[vmr] forged line", "", "example.org", "1.2.3.4 x" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		json_t *b = body_of("{}");
		vmr_peer_stamp(b, bad[i]);
		char *addr = NULL;
		g_assert_cmpint(vmr_peer_take(b, &addr), ==, -EINVAL);
		g_assert_null(addr);
		json_decref(b);
	}
	json_t *b = body_of("{}");
	vmr_peer_stamp(b, "2001:db8::1");
	char *addr = NULL;
	g_assert_cmpint(vmr_peer_take(b, &addr), ==, 0);
	g_assert_cmpstr(addr, ==, "2001:db8::1");
	g_free(addr);
	json_decref(b);
	/* no stamp at all (another transport): no address, not an error */
	b = body_of("{\"request\":\"join\"}");
	g_assert_cmpint(vmr_peer_take(b, &addr), ==, 0);
	g_assert_null(addr);
	json_decref(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/peer/key-is-secret-and-stable", test_key_is_secret_and_stable);
	g_test_add_func("/vmr/peer/stamped-address-is-taken", test_stamped_address_is_taken);
	g_test_add_func("/vmr/peer/client-peer-is-replaced-by-the-stamp",
		test_client_peer_is_replaced_by_the_stamp);
	g_test_add_func(
		"/vmr/peer/client-supplied-peer-is-refused", test_client_supplied_peer_is_refused);
	g_test_add_func("/vmr/peer/only-ip-addresses-are-taken", test_only_ip_addresses_are_taken);
	return g_test_run();
}
