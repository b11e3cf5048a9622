/*
 * vmr_request.c - see vmr_request.h.
 */
#include "vmr_request.h"

#include <string.h>
#include <glib.h>

typedef enum field_type {
	F_STRING = 1,
	F_INT,
	F_BOOL
} field_type;

typedef struct field_spec {
	const char *name;
	field_type type;
	int required;
	size_t max_len; /* strings: bytes */
} field_spec;

#define MAX_FIELDS 8

typedef struct request_spec {
	const char *name;
	vmr_request_type type;
	int admin;
	field_spec fields[MAX_FIELDS];
} request_spec;

static const request_spec requests[] = {
	{ "join", VMR_REQ_JOIN, 0,
		{ { "room", F_STRING, 0, 64 }, { "display", F_STRING, 0, 256 },
			{ "pin", F_STRING, 0, 16 }, { "id", F_INT, 0, 0 },
			{ "secret", F_STRING, 0, 128 },
			/* "web" (our page) or an app's name: metrics and logs tell browsers from apps */
			{ "client", F_STRING, 0, 32 } } },
	{ "leave", VMR_REQ_LEAVE, 0, { { 0 } } },
	{ "listparticipants", VMR_REQ_LIST_PARTICIPANTS, 0, { { 0 } } },
	{ "keyframe", VMR_REQ_KEYFRAME, 0, { { 0 } } },
	{ "configure", VMR_REQ_CONFIGURE, 0, { { 0 } } },
	{ "login", VMR_REQ_LOGIN, 0,
		{ { "username", F_STRING, 1, 64 }, { "password", F_STRING, 1, 1024 } } },
	{ "resume", VMR_REQ_RESUME, 0, { { "token", F_STRING, 1, 128 } } },
	{ "logout", VMR_REQ_LOGOUT, 0, { { 0 } } },
	{ "get_room", VMR_REQ_GET_ROOM, 0, { { 0 } } },
	{ "update_room", VMR_REQ_UPDATE_ROOM, 0,
		{ { "name", F_STRING, 0, 64 }, { "pin", F_STRING, 0, 16 },
			{ "layout", F_STRING, 0, 16 }, { "receive_call", F_BOOL, 0, 0 },
			{ "host_pin", F_STRING, 0, 16 }, { "wait_for_host", F_BOOL, 0, 0 },
			{ "end_after_host_min", F_INT, 0, 0 } } },
	{ "invite", VMR_REQ_INVITE, 0,
		{ { "email", F_STRING, 1, 254 }, { "name", F_STRING, 0, 256 } } },
	{ "list_invitations", VMR_REQ_LIST_INVITATIONS, 0, { { 0 } } },
	{ "delete_invitation", VMR_REQ_DELETE_INVITATION, 0, { { "id", F_INT, 1, 0 } } },
	{ "revoke_invitation", VMR_REQ_REVOKE_INVITATION, 0, { { "id", F_INT, 1, 0 } } },
	{ "invitation_info", VMR_REQ_INVITATION_INFO, 0,
		{ { "id", F_INT, 1, 0 }, { "secret", F_STRING, 1, 128 } } },
	{ "new_sip_password", VMR_REQ_NEW_SIP_PASSWORD, 0, { { 0 } } },
	{ "lock", VMR_REQ_LOCK, 0, { { "locked", F_BOOL, 1, 0 } } },
	{ "admit", VMR_REQ_ADMIT, 0, { { "id", F_INT, 1, 0 } } },
	{ "refuse", VMR_REQ_REFUSE, 0, { { "id", F_INT, 1, 0 } } },
	{ "mute", VMR_REQ_MUTE, 0, { { "id", F_INT, 1, 0 }, { "muted", F_BOOL, 1, 0 } } },
	{ "mute_guests", VMR_REQ_MUTE_GUESTS, 0, { { "muted", F_BOOL, 1, 0 } } },
	{ "remove", VMR_REQ_REMOVE, 0, { { "id", F_INT, 1, 0 } } },
	{ "spotlight", VMR_REQ_SPOTLIGHT, 0, { { "id", F_INT, 0, 0 } } },
	{ "set_layout", VMR_REQ_SET_LAYOUT, 0, { { "layout", F_STRING, 0, 16 } } },
	{ "end_meeting", VMR_REQ_END_MEETING, 0, { { 0 } } },
	{ "mute_self", VMR_REQ_MUTE_SELF, 0, { { "muted", F_BOOL, 1, 0 } } },
	{ "ask_to_speak", VMR_REQ_ASK_TO_SPEAK, 0, { { 0 } } },
	{ "host_actions", VMR_REQ_HOST_ACTIONS, 0, { { 0 } } },
	{ "create_account", VMR_REQ_CREATE_ACCOUNT, 1,
		{ { "username", F_STRING, 1, 64 }, { "password", F_STRING, 1, 1024 },
			{ "display_name", F_STRING, 0, 256 }, { "email", F_STRING, 0, 254 },
			{ "admin", F_BOOL, 0, 0 }, { "pin", F_STRING, 0, 16 } } },
	{ "delete_account", VMR_REQ_DELETE_ACCOUNT, 1, { { "username", F_STRING, 1, 64 } } },
	{ "create_room", VMR_REQ_CREATE_ROOM, 1,
		{ { "name", F_STRING, 1, 64 }, { "pin", F_STRING, 0, 16 },
			{ "layout", F_STRING, 0, 16 }, { "owner", F_STRING, 0, 64 } } },
	{ "list_rooms", VMR_REQ_LIST_ROOMS, 1, { { "owner", F_STRING, 1, 64 } } },
	{ "reset_sip_password", VMR_REQ_RESET_SIP_PASSWORD, 1,
		{ { "username", F_STRING, 1, 64 } } },
	{ "turn_credentials", VMR_REQ_TURN_CREDENTIALS, 0, { { 0 } } },
	{ "node_load", VMR_REQ_NODE_LOAD, 1, { { 0 } } },
	{ "locate", VMR_REQ_LOCATE, 0,
		{ { "room", F_STRING, 0, 64 }, { "id", F_INT, 0, 0 },
			{ "secret", F_STRING, 0, 128 } } },
	{ "present", VMR_REQ_PRESENT, 0, { { 0 } } },
	{ "stop_presenting", VMR_REQ_STOP_PRESENTING, 0, { { 0 } } },
	{ "receive_content", VMR_REQ_RECEIVE_CONTENT, 0, { { "enabled", F_BOOL, 0, 0 } } },
};

json_t *vmr_error_json(int code, const char *reason)
{
	json_t *j = json_object();
	json_object_set_new(j, "vmr", json_string("event"));
	json_object_set_new(j, "error_code", json_integer(code));
	json_object_set_new(j, "error", json_string(reason ? reason : "error"));
	return j;
}

int vmr_display_is_valid(const char *s)
{
	if (s == NULL || !g_utf8_validate(s, -1, NULL))
		return 0;
	glong chars = g_utf8_strlen(s, -1);
	if (chars < 1 || chars > VMR_DISPLAY_MAX)
		return 0;
	for (const char *p = s; *p; p = g_utf8_next_char(p))
		if (g_unichar_iscntrl(g_utf8_get_char(p)))
			return 0;
	return 1;
}

static const field_spec *find_field(const request_spec *spec, const char *key)
{
	for (int i = 0; i < MAX_FIELDS && spec->fields[i].name; i++)
		if (strcmp(spec->fields[i].name, key) == 0)
			return &spec->fields[i];
	return NULL;
}

static int check_fields(json_t *message, const request_spec *spec, char *reason, size_t len)
{
	const char *key;
	json_t *value;
	json_object_foreach(message, key, value)
	{
		if (strcmp(key, "request") == 0)
			continue;
		const field_spec *f = find_field(spec, key);
		if (f == NULL) {
			g_snprintf(reason, len, "unknown field: %.40s", key);
			return VMR_ERROR_INVALID_ELEMENT;
		}
		int ok = 0;
		switch (f->type) {
		case F_STRING:
			ok = json_is_string(value);
			if (ok && json_string_length(value) > f->max_len) {
				g_snprintf(reason, len, "%s is too long (at most %zu bytes)",
					f->name, f->max_len);
				return VMR_ERROR_INVALID_ELEMENT;
			}
			if (ok && (strlen(json_string_value(value)) != json_string_length(value))) {
				g_snprintf(reason, len, "%s contains a NUL character", f->name);
				return VMR_ERROR_INVALID_ELEMENT;
			}
			break;
		case F_INT: ok = json_is_integer(value) && json_integer_value(value) >= 0; break;
		case F_BOOL: ok = json_is_boolean(value); break;
		}
		if (!ok) {
			g_snprintf(reason, len, "%s must be %s", f->name,
				f->type == F_STRING        ? "a string"
					: f->type == F_INT ? "a non-negative integer"
							   : "true or false");
			return VMR_ERROR_INVALID_ELEMENT;
		}
	}
	for (int i = 0; i < MAX_FIELDS && spec->fields[i].name; i++) {
		if (spec->fields[i].required
			&& json_object_get(message, spec->fields[i].name) == NULL) {
			g_snprintf(reason, len, "missing element: %s", spec->fields[i].name);
			return VMR_ERROR_MISSING_ELEMENT;
		}
	}
	return VMR_OK;
}

/* What a join needs beyond types: a room (with an optional PIN) or an invitation id + secret. */
static int check_join(json_t *message, char *reason, size_t len)
{
	json_t *room = json_object_get(message, "room"), *id = json_object_get(message, "id");
	json_t *secret = json_object_get(message, "secret");
	json_t *display = json_object_get(message, "display"),
	       *pin = json_object_get(message, "pin");
	if (room == NULL && id == NULL) {
		g_snprintf(reason, len, "missing element: room (or invitation id and secret)");
		return VMR_ERROR_MISSING_ELEMENT;
	}
	if (room != NULL && id != NULL) {
		g_snprintf(reason, len, "give either room or invitation id, not both");
		return VMR_ERROR_INVALID_ELEMENT;
	}
	if (id != NULL && secret == NULL) {
		g_snprintf(reason, len, "missing element: secret");
		return VMR_ERROR_MISSING_ELEMENT;
	}
	if (room != NULL) {
		const char *r = json_string_value(room);
		size_t n = strlen(r);
		gboolean ok = n >= 3 && n <= 37; /* a name of up to 32 plus ".join" */
		for (size_t i = 0; ok && i < n; i++)
			ok = (r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9')
				|| r[i] == '.' || r[i] == '-';
		if (!ok) {
			g_snprintf(reason, len, "invalid room name");
			return VMR_ERROR_INVALID_ELEMENT;
		}
	}
	if (display != NULL && !vmr_display_is_valid(json_string_value(display))) {
		g_snprintf(reason, len, "display must be 1-64 printable characters");
		return VMR_ERROR_INVALID_ELEMENT;
	}
	if (pin != NULL) {
		const char *p = json_string_value(pin);
		gboolean ok = p[0] == '\0' || strlen(p) == 4;
		for (size_t i = 0; ok && p[i]; i++)
			ok = p[i] >= '0' && p[i] <= '9';
		if (!ok) {
			g_snprintf(reason, len, "pin must be 4 digits");
			return VMR_ERROR_INVALID_ELEMENT;
		}
	}
	return VMR_OK;
}

int vmr_request_parse(json_t *message, int admin, vmr_request *out, char *reason, size_t reason_len)
{
	char scratch[8];
	if (reason == NULL || reason_len == 0) {
		reason = scratch;
		reason_len = sizeof(scratch);
	}
	reason[0] = '\0';
	if (out == NULL)
		return VMR_ERROR_INTERNAL;
	memset(out, 0, sizeof(*out));
	if (message == NULL) {
		g_snprintf(reason, reason_len, "no message");
		return VMR_ERROR_NO_MESSAGE;
	}
	if (!json_is_object(message)) {
		g_snprintf(reason, reason_len, "message must be a JSON object");
		return VMR_ERROR_INVALID_JSON;
	}
	json_t *r = json_object_get(message, "request");
	if (r == NULL) {
		g_snprintf(reason, reason_len, "missing element: request");
		return VMR_ERROR_MISSING_ELEMENT;
	}
	if (!json_is_string(r)) {
		g_snprintf(reason, reason_len, "request must be a string");
		return VMR_ERROR_INVALID_ELEMENT;
	}
	const char *name = json_string_value(r);
	const request_spec *spec = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(requests); i++) {
		if (strcmp(requests[i].name, name) == 0 && requests[i].admin == (admin ? 1 : 0)) {
			spec = &requests[i];
			break;
		}
	}
	if (spec == NULL) {
		g_snprintf(reason, reason_len, "unknown request");
		return VMR_ERROR_UNKNOWN_REQUEST;
	}
	int rc = check_fields(message, spec, reason, reason_len);
	if (rc == VMR_OK && spec->type == VMR_REQ_JOIN)
		rc = check_join(message, reason, reason_len);
	if (rc != VMR_OK)
		return rc;
	out->type = spec->type;
	out->name = spec->name;
	out->is_admin = spec->admin;
	out->message = message;
	return VMR_OK;
}

const char *vmr_request_string(const vmr_request *req, const char *field)
{
	return json_string_value(json_object_get(req->message, field));
}

int64_t vmr_request_int(const vmr_request *req, const char *field, int64_t def)
{
	json_t *v = json_object_get(req->message, field);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

int vmr_request_bool(const vmr_request *req, const char *field, int def)
{
	json_t *v = json_object_get(req->message, field);
	return json_is_boolean(v) ? json_is_true(v) : def;
}

int vmr_request_has(const vmr_request *req, const char *field)
{
	return json_object_get(req->message, field) != NULL;
}
