/*
 * vmr_request.h - validation of the JSON requests clients send to janus.plugin.vmr.
 *
 * Pure functions over jansson values: no Janus, no I/O, so unit tests and fuzzers call
 * them directly. Every failure comes back as a numeric code and a reason that the
 * plugin sends to the client as {"error_code": N, "error": "..."}.
 *
 * Ownership: a parsed vmr_request borrows nothing; its strings are owned by it and
 * freed by vmr_request_clear.
 */
#ifndef TPAAS_VMR_REQUEST_H
#define TPAAS_VMR_REQUEST_H

#include <jansson.h>

/* Error codes of janus.plugin.vmr (documented in docs/api.md). */
enum vmr_error {
	VMR_OK = 0,
	VMR_ERROR_NO_MESSAGE = 411,
	VMR_ERROR_INVALID_JSON = 412,
	VMR_ERROR_UNKNOWN_REQUEST = 413,
	VMR_ERROR_INVALID_ELEMENT = 414,
	VMR_ERROR_MISSING_ELEMENT = 415,
	VMR_ERROR_NO_SUCH_ROOM = 416,
	VMR_ERROR_WRONG_PIN = 417,
	VMR_ERROR_INVALID_SDP = 418,
	VMR_ERROR_ALREADY_JOINED = 419,
	VMR_ERROR_NOT_JOINED = 420,
	VMR_ERROR_UNSUPPORTED_MEDIA = 421,
	VMR_ERROR_INTERNAL = 499,
};

typedef enum vmr_request_type {
	VMR_REQ_JOIN = 1,
	VMR_REQ_LEAVE,
	VMR_REQ_LIST_PARTICIPANTS,
	VMR_REQ_KEYFRAME,
} vmr_request_type;

typedef struct vmr_request {
	vmr_request_type type;
	char *room;          /* join */
	char *display;       /* join; defaults to "Guest" */
	char *pin;           /* join; NULL when not given */
} vmr_request;

#define VMR_DISPLAY_MAX 64

/* Parses and validates one request body. Returns VMR_OK and fills *out, or an error
 * code with a static reason in *reason. */
int vmr_request_parse(json_t *message, vmr_request *out, const char **reason);
void vmr_request_clear(vmr_request *req);

/* The body of an error reply/event: {"vmr":"event","error_code":code,"error":reason}. New reference. */
json_t *vmr_error_json(int code, const char *reason);

#endif
