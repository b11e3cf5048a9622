/*
 * vmr_request_test.c - every malformed request (missing, extra, wrongly typed or over-long
 * fields, admin requests from clients) gets a numeric error code and a reason; valid ones
 * are identified.
 */
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "vmr_request.h"

static int parse_text(const char *text, int admin, vmr_request *req, char *reason, size_t len)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	g_assert_nonnull(j);
	int rc = vmr_request_parse(j, admin, req, reason, len);
	json_decref(j);
	return rc;
}

static void expect(const char *text, int admin, int code)
{
	vmr_request req;
	char reason[128];
	int rc = parse_text(text, admin, &req, reason, sizeof(reason));
	if (rc != code)
		g_error("%s: expected %d, got %d (%s)", text, code, rc, reason);
	if (code != 0)
		g_assert_cmpuint(strlen(reason), >, 0);
}

static void test_valid_requests_are_identified(void)
{
	json_t *j = json_loads("{\"request\":\"join\",\"room\":\"alice.join\",\"display\":\"Ana "
			       "María\",\"pin\":\"0420\"}",
		0, NULL);
	vmr_request req;
	char reason[128];
	g_assert_cmpint(vmr_request_parse(j, 0, &req, reason, sizeof(reason)), ==, VMR_OK);
	g_assert_cmpint(req.type, ==, VMR_REQ_JOIN);
	g_assert_cmpstr(vmr_request_string(&req, "room"), ==, "alice.join");
	g_assert_cmpstr(vmr_request_string(&req, "display"), ==, "Ana María");
	g_assert_cmpstr(vmr_request_string(&req, "pin"), ==, "0420");
	g_assert_null(vmr_request_string(&req, "secret"));
	json_decref(j);
	expect("{\"request\":\"join\",\"id\":12,\"secret\":\"abcdef\",\"display\":\"Guest\"}", 0,
		VMR_OK);
	expect("{\"request\":\"login\",\"username\":\"alice\",\"password\":\"secret123\"}", 0,
		VMR_OK);
	expect("{\"request\":\"update_room\",\"name\":\"team\",\"pin\":\"\",\"layout\":\"2x2\","
	       "\"receive_call\":true}",
		0, VMR_OK);
	expect("{\"request\":\"invite\",\"email\":\"bob@example.org\"}", 0, VMR_OK);
	expect("{\"request\":\"revoke_invitation\",\"id\":3}", 0, VMR_OK);
	expect("{\"request\":\"create_account\",\"username\":\"alice\",\"password\":\"x\"}", 1,
		VMR_OK);
}

static void test_malformed_requests_get_codes(void)
{
	vmr_request req;
	char reason[128];
	g_assert_cmpint(
		vmr_request_parse(NULL, 0, &req, reason, sizeof(reason)), ==, VMR_ERROR_NO_MESSAGE);
	expect("[1,2]", 0, VMR_ERROR_INVALID_JSON);
	expect("\"join\"", 0, VMR_ERROR_INVALID_JSON);
	expect("{}", 0, VMR_ERROR_MISSING_ELEMENT);
	expect("{\"request\":42}", 0, VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"fly\"}", 0, VMR_ERROR_UNKNOWN_REQUEST);
	expect("{\"request\":\"join\"}", 0, VMR_ERROR_MISSING_ELEMENT);
	expect("{\"request\":\"join\",\"room\":7}", 0, VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"room\":\"../etc\"}", 0, VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"room\":\"demo\",\"pin\":\"12345\"}", 0,
		VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"room\":\"demo\",\"pin\":1234}", 0,
		VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"room\":\"demo\",\"display\":\"\"}", 0,
		VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"room\":\"demo\",\"display\":\"a\\u0007b\"}", 0,
		VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"room\":\"demo\",\"colour\":\"red\"}", 0,
		VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"room\":\"demo\",\"id\":3,\"secret\":\"x\"}", 0,
		VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"join\",\"id\":3}", 0, VMR_ERROR_MISSING_ELEMENT);
	expect("{\"request\":\"join\",\"id\":-3,\"secret\":\"x\"}", 0, VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"login\",\"username\":\"alice\"}", 0, VMR_ERROR_MISSING_ELEMENT);
	expect("{\"request\":\"login\",\"username\":\"alice\",\"password\":\"p\",\"admin\":true}",
		0, VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"update_room\",\"receive_call\":\"yes\"}", 0,
		VMR_ERROR_INVALID_ELEMENT);
	expect("{\"request\":\"delete_invitation\",\"id\":\"7\"}", 0, VMR_ERROR_INVALID_ELEMENT);
	/* Admin requests do not exist for clients, and client requests do not exist on the Admin API. */
	expect("{\"request\":\"create_account\",\"username\":\"alice\",\"password\":\"x\"}", 0,
		VMR_ERROR_UNKNOWN_REQUEST);
	expect("{\"request\":\"join\",\"room\":\"demo\"}", 1, VMR_ERROR_UNKNOWN_REQUEST);
	char big[400];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	char *text = g_strdup_printf(
		"{\"request\":\"join\",\"room\":\"demo\",\"display\":\"%s\"}", big);
	expect(text, 0, VMR_ERROR_INVALID_ELEMENT);
	g_free(text);
	text = g_strdup_printf("{\"request\":\"invite\",\"email\":\"%s@example.org\"}", big);
	expect(text, 0, VMR_ERROR_INVALID_ELEMENT);
	g_free(text);
}

static void test_error_json_has_code_and_reason(void)
{
	json_t *j = vmr_error_json(VMR_ERROR_NO_SUCH_ROOM, "no such room, or wrong PIN");
	g_assert_cmpint(json_integer_value(json_object_get(j, "error_code")), ==, 416);
	g_assert_cmpstr(
		json_string_value(json_object_get(j, "error")), ==, "no such room, or wrong PIN");
	json_decref(j);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func(
		"/vmr/request/valid-requests-are-identified", test_valid_requests_are_identified);
	g_test_add_func(
		"/vmr/request/malformed-requests-get-codes", test_malformed_requests_get_codes);
	g_test_add_func(
		"/vmr/request/error-json-has-code-and-reason", test_error_json_has_code_and_reason);
	return g_test_run();
}
