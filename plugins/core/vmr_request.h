/*
 * vmr_request.h - validation of the JSON requests clients send to janus.plugin.vmr (and of
 * the admin requests sent through the Janus Admin API).
 *
 * One table describes every request: its name, who may send it and its fields (type,
 * required or not, length bounds). A request with a missing, unknown (extra) or wrongly
 * typed field is refused before any handler runs. Pure functions over jansson values: no
 * Janus, no I/O, so unit tests and fuzzers call them directly.
 *
 * Threads: reentrant. Ownership: the caller owns every json_t; a vmr_request borrows
 * the message it was parsed from (its pointers are valid while the message lives).
 */
#ifndef TPAAS_VMR_REQUEST_H
#define TPAAS_VMR_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Error codes of janus.plugin.vmr (documented in docs/api.md). */
enum vmr_error {
	VMR_OK = 0,
	VMR_ERROR_NO_MESSAGE = 411,
	VMR_ERROR_INVALID_JSON = 412,
	VMR_ERROR_UNKNOWN_REQUEST = 413,
	VMR_ERROR_INVALID_ELEMENT = 414,
	VMR_ERROR_MISSING_ELEMENT = 415,
	VMR_ERROR_NO_SUCH_ROOM = 416, /* also a wrong PIN: never reveal whether a room exists */
	VMR_ERROR_INVALID_SDP = 418,
	VMR_ERROR_ALREADY_JOINED = 419,
	VMR_ERROR_NOT_JOINED = 420,
	VMR_ERROR_UNSUPPORTED_MEDIA = 421,
	VMR_ERROR_INVALID_INVITATION = 422, /* unknown id, wrong secret or revoked: one answer */
	VMR_ERROR_NOT_LOGGED_IN = 423,
	VMR_ERROR_FORBIDDEN = 424,
	VMR_ERROR_LOGIN_FAILED = 425,
	VMR_ERROR_TOO_MANY_ATTEMPTS = 426,
	VMR_ERROR_ALREADY_EXISTS = 427,
	VMR_ERROR_NOT_FOUND = 428,
	VMR_ERROR_BUSY = 429,      /* too many requests waiting: try again shortly */
	VMR_ERROR_REFUSED = 430,   /* a host turned the waiting guest away, or the meeting ended */
	VMR_ERROR_NOT_HOST = 431,  /* a host action from a guest */
	VMR_ERROR_NODE_FULL = 432, /* the node is at its budget (vmr_admission.h): try later */
	VMR_ERROR_NO_CONTENT_STREAM = 433, /* present/receive_content without a content m-line */
	VMR_ERROR_CONTENT_STATE = 434,     /* already presenting, or stop when not presenting */
	VMR_ERROR_ELSEWHERE = 435, /* the room runs on another node: `url` says which (cluster) */
	VMR_ERROR_NO_NODE = 436,   /* cluster: no node is alive to locate a room on */
	VMR_ERROR_INTERNAL = 499,
};

typedef enum vmr_request_type {
	VMR_REQ_JOIN = 1,
	VMR_REQ_LEAVE,
	VMR_REQ_LIST_PARTICIPANTS,
	VMR_REQ_KEYFRAME,
	VMR_REQ_CONFIGURE,
	VMR_REQ_LOGIN,
	VMR_REQ_RESUME,
	VMR_REQ_LOGOUT,
	VMR_REQ_GET_ROOM,
	VMR_REQ_UPDATE_ROOM,
	VMR_REQ_INVITE,
	VMR_REQ_LIST_INVITATIONS,
	VMR_REQ_DELETE_INVITATION,
	VMR_REQ_REVOKE_INVITATION,
	VMR_REQ_INVITATION_INFO,
	VMR_REQ_NEW_SIP_PASSWORD,
	/* in a room (vmr_hosts.h): host actions and one's own */
	VMR_REQ_LOCK,
	VMR_REQ_ADMIT,
	VMR_REQ_REFUSE,
	VMR_REQ_MUTE,
	VMR_REQ_MUTE_GUESTS,
	VMR_REQ_REMOVE,
	VMR_REQ_SPOTLIGHT,
	VMR_REQ_SET_LAYOUT,
	VMR_REQ_END_MEETING,
	VMR_REQ_MUTE_SELF,
	VMR_REQ_ASK_TO_SPEAK,
	VMR_REQ_HOST_ACTIONS,
	/* admin (Janus Admin API only) */
	VMR_REQ_CREATE_ACCOUNT,
	VMR_REQ_DELETE_ACCOUNT,
	VMR_REQ_CREATE_ROOM,
	VMR_REQ_LIST_ROOMS,
	VMR_REQ_RESET_SIP_PASSWORD,
	/* TURN credentials for the page or app (vmr_turn.h) */
	VMR_REQ_TURN_CREDENTIALS,
	VMR_REQ_NODE_LOAD,
	/* where a room lives (vmr_cluster.h): any client, answered without revealing it exists */
	VMR_REQ_LOCATE,
	/* content sharing (vmr_plugin_content.c) */
	VMR_REQ_PRESENT,
	VMR_REQ_STOP_PRESENTING,
	VMR_REQ_RECEIVE_CONTENT,
} vmr_request_type;

typedef struct vmr_request {
	vmr_request_type type;
	const char *name; /* the request's name, e.g. "join" */
	int is_admin;     /* an admin request */
	json_t *message;  /* borrowed */
} vmr_request;

#define VMR_DISPLAY_MAX 64

/* Identifies and validates one request body (admin: 1 for the Admin API, where only admin
 * requests are allowed; 0 for clients, where admin requests are unknown). Returns VMR_OK and
 * fills *out, or an error code with a reason written into reason[reason_len]. */
int vmr_request_parse(
	json_t *message, int admin, vmr_request *out, char *reason, size_t reason_len);

/* Field getters for a validated request (NULL/def when absent). */
const char *vmr_request_string(const vmr_request *req, const char *field);
int64_t vmr_request_int(const vmr_request *req, const char *field, int64_t def);
int vmr_request_bool(const vmr_request *req, const char *field, int def);
int vmr_request_has(const vmr_request *req, const char *field);

/* A display name is shown to everyone: 1..64 printable UTF-8 characters. */
int vmr_display_is_valid(const char *s);

/* The body of an error reply/event: {"vmr":"event","error_code":code,"error":reason}. New reference. */
json_t *vmr_error_json(int code, const char *reason);

#endif
