/*
 * fuzz_vmr_request.c - libFuzzer harness of the VMR plugin's request validation: the input
 * is a message body as a client sends it, loaded with json_loadb() (any JSON value, NUL
 * escapes allowed: vmr_request_parse must refuse those itself) and validated as a client
 * request and as an Admin API request.
 *
 * Checks: an accepted request has a name and borrows the message; a refused one has an
 * error code and a NUL-terminated reason, also with a tiny reason buffer; the field
 * getters and the error body builder work on whatever came in.  Before that, as the plugin
 * does, the body goes through the sender-address stamp and take (vmr_peer.c): whatever
 * "_peer..." keys the client wrote, the address taken out is the transport's and no such key
 * is left for validation.
 */
#include <glib.h>

#include "vmr_peer.h"
#include "vmr_request.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fields[] = {
	"request",
	"room",
	"display",
	"pin",
	"id",
	"secret",
	"username",
	"password",
	"token",
	"name",
	"layout",
	"receive_call",
	"email",
	"display_name",
	"admin",
	"owner",
};

static void check(json_t *msg, int admin, char *reason, size_t reason_len)
{
	vmr_request req;
	memset(reason, 0x55, reason_len);
	int rc = vmr_request_parse(msg, admin, &req, reason, reason_len);
	FUZZ_ASSERT(memchr(reason, '\0', reason_len) != NULL);
	if (rc == VMR_OK) {
		FUZZ_ASSERT(req.name != NULL && req.message == msg && req.type != 0);
		FUZZ_ASSERT(req.is_admin == (admin ? 1 : 0));
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const char *s = vmr_request_string(&req, fields[i]);
			if (s)
				(void)strlen(s);
			(void)vmr_request_int(&req, fields[i], -1);
			(void)vmr_request_bool(&req, fields[i], -1);
			(void)vmr_request_has(&req, fields[i]);
		}
		const char *display = vmr_request_string(&req, "display");
		if (display && req.type == VMR_REQ_JOIN)
			FUZZ_ASSERT(vmr_display_is_valid(display));
		return;
	}
	FUZZ_ASSERT(rc >= 400 && rc <= 499);
	if (reason_len > 1)
		FUZZ_ASSERT(reason[0] != '\0');
	json_t *err = vmr_error_json(rc, reason);
	FUZZ_ASSERT(err);
	char *text = json_dumps(err, JSON_COMPACT);
	FUZZ_ASSERT(text);
	free(text);
	json_decref(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t error;
	json_t *msg = json_loadb(
		(const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
	vmr_peer_stamp(msg, "192.0.2.1");
	char *peer = NULL;
	int rc = vmr_peer_take(msg, &peer);
	if (json_is_object(msg)) {
		FUZZ_ASSERT(rc == 0 && peer != NULL && strcmp(peer, "192.0.2.1") == 0);
		const char *key;
		json_t *value;
		json_object_foreach(msg, key, value)
			FUZZ_ASSERT(strncmp(key, VMR_PEER_PREFIX, strlen(VMR_PEER_PREFIX)) != 0);
	} else {
		FUZZ_ASSERT(rc == 0 && peer == NULL);
	}
	g_free(peer);
	char reason[256], tiny[4];
	check(msg, 0, reason, sizeof(reason));
	check(msg, 1, reason, sizeof(reason));
	check(msg, 0, tiny, sizeof(tiny));
	json_decref(msg);
	return 0;
}
