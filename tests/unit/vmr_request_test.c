/*
 * vmr_request_test.c - every malformed request gets a numeric error code and a reason;
 * valid ones come back parsed.
 */
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "vmr_request.h"

static int parse_text(const char *text, vmr_request *req, const char **reason) {
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	int rc = vmr_request_parse(j, req, reason);
	if(j)
		json_decref(j);
	return rc;
}

static void test_join_is_parsed(void) {
	vmr_request req;
	const char *reason = NULL;
	g_assert_cmpint(parse_text("{\"request\":\"join\",\"room\":\"demo\",\"display\":\"Ana María\",\"pin\":\"0420\"}", &req, &reason), ==, VMR_OK);
	g_assert_cmpint(req.type, ==, VMR_REQ_JOIN);
	g_assert_cmpstr(req.room, ==, "demo");
	g_assert_cmpstr(req.display, ==, "Ana María");
	g_assert_cmpstr(req.pin, ==, "0420");
	vmr_request_clear(&req);
	g_assert_cmpint(parse_text("{\"request\":\"join\",\"room\":\"demo\"}", &req, &reason), ==, VMR_OK);
	g_assert_cmpstr(req.display, ==, "Guest");
	g_assert_null(req.pin);
	vmr_request_clear(&req);
}

static void expect_error(const char *text, int code) {
	vmr_request req;
	const char *reason = NULL;
	int rc = parse_text(text, &req, &reason);
	if(rc != code)
		g_error("%s: expected %d, got %d (%s)", text, code, rc, reason ? reason : "-");
	g_assert_nonnull(reason);
	g_assert_null(req.room);
}

static void test_malformed_requests_get_codes(void) {
	vmr_request req;
	const char *reason = NULL;
	g_assert_cmpint(vmr_request_parse(NULL, &req, &reason), ==, VMR_ERROR_NO_MESSAGE);
	expect_error("[1,2]", VMR_ERROR_INVALID_JSON);
	expect_error("\"join\"", VMR_ERROR_INVALID_JSON);
	expect_error("{}", VMR_ERROR_MISSING_ELEMENT);
	expect_error("{\"request\":42}", VMR_ERROR_INVALID_ELEMENT);
	expect_error("{\"request\":\"fly\"}", VMR_ERROR_UNKNOWN_REQUEST);
	expect_error("{\"request\":\"join\"}", VMR_ERROR_MISSING_ELEMENT);
	expect_error("{\"request\":\"join\",\"room\":7}", VMR_ERROR_INVALID_ELEMENT);
	expect_error("{\"request\":\"join\",\"room\":\"../etc\"}", VMR_ERROR_INVALID_ELEMENT);
	expect_error("{\"request\":\"join\",\"room\":\"demo\",\"pin\":\"12345\"}", VMR_ERROR_INVALID_ELEMENT);
	expect_error("{\"request\":\"join\",\"room\":\"demo\",\"pin\":1234}", VMR_ERROR_INVALID_ELEMENT);
	expect_error("{\"request\":\"join\",\"room\":\"demo\",\"display\":\"\"}", VMR_ERROR_INVALID_ELEMENT);
	expect_error("{\"request\":\"join\",\"room\":\"demo\",\"display\":\"a\\u0007b\"}", VMR_ERROR_INVALID_ELEMENT);
	char big[200];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	char *text = g_strdup_printf("{\"request\":\"join\",\"room\":\"demo\",\"display\":\"%s\"}", big);
	expect_error(text, VMR_ERROR_INVALID_ELEMENT);
	g_free(text);
}

static void test_error_json_has_code_and_reason(void) {
	json_t *j = vmr_error_json(VMR_ERROR_NO_SUCH_ROOM, "no such room");
	g_assert_cmpint(json_integer_value(json_object_get(j, "error_code")), ==, 416);
	g_assert_cmpstr(json_string_value(json_object_get(j, "error")), ==, "no such room");
	json_decref(j);
}

int main(int argc, char **argv) {
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/request/join-is-parsed", test_join_is_parsed);
	g_test_add_func("/vmr/request/malformed-requests-get-codes", test_malformed_requests_get_codes);
	g_test_add_func("/vmr/request/error-json-has-code-and-reason", test_error_json_has_code_and_reason);
	return g_test_run();
}
