/*
 * vmr_request.c - see vmr_request.h.
 */
#include "vmr_request.h"
#include "vmr_store.h"

#include <string.h>
#include <glib.h>

void vmr_request_clear(vmr_request *req) {
	if(req == NULL)
		return;
	g_free(req->room);
	g_free(req->display);
	g_free(req->pin);
	memset(req, 0, sizeof(*req));
}

json_t *vmr_error_json(int code, const char *reason) {
	json_t *j = json_object();
	json_object_set_new(j, "vmr", json_string("event"));
	json_object_set_new(j, "error_code", json_integer(code));
	json_object_set_new(j, "error", json_string(reason ? reason : "error"));
	return j;
}

/* A display name is shown to everyone in the room: printable UTF-8, no control characters. */
static int display_is_valid(const char *s) {
	if(!g_utf8_validate(s, -1, NULL))
		return 0;
	glong chars = g_utf8_strlen(s, -1);
	if(chars < 1 || chars > VMR_DISPLAY_MAX)
		return 0;
	for(const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if(g_unichar_iscntrl(c))
			return 0;
	}
	return 1;
}

static int optional_string(json_t *message, const char *key, const char **value, const char **reason) {
	json_t *v = json_object_get(message, key);
	*value = NULL;
	if(v == NULL || json_is_null(v))
		return VMR_OK;
	if(!json_is_string(v)) {
		*reason = key[0] == 'r' ? "room must be a string" : key[0] == 'd' ? "display must be a string" : "pin must be a string";
		return VMR_ERROR_INVALID_ELEMENT;
	}
	*value = json_string_value(v);
	return VMR_OK;
}

static int parse_join(json_t *message, vmr_request *out, const char **reason) {
	const char *room = NULL, *display = NULL, *pin = NULL;
	int rc;
	if((rc = optional_string(message, "room", &room, reason)) != VMR_OK)
		return rc;
	if(room == NULL) {
		*reason = "missing element: room";
		return VMR_ERROR_MISSING_ELEMENT;
	}
	if(!vmr_room_name_is_valid(room)) {
		*reason = "invalid room name";
		return VMR_ERROR_INVALID_ELEMENT;
	}
	if((rc = optional_string(message, "display", &display, reason)) != VMR_OK)
		return rc;
	if(display != NULL && !display_is_valid(display)) {
		*reason = "display must be 1-64 printable characters";
		return VMR_ERROR_INVALID_ELEMENT;
	}
	if((rc = optional_string(message, "pin", &pin, reason)) != VMR_OK)
		return rc;
	if(pin != NULL && pin[0] != '\0' && !vmr_room_pin_is_valid(pin)) {
		*reason = "pin must be 4 digits";
		return VMR_ERROR_INVALID_ELEMENT;
	}
	out->room = g_strdup(room);
	out->display = g_strdup(display ? display : "Guest");
	out->pin = (pin && pin[0]) ? g_strdup(pin) : NULL;
	return VMR_OK;
}

int vmr_request_parse(json_t *message, vmr_request *out, const char **reason) {
	static const char *unused;
	if(reason == NULL)
		reason = &unused;
	*reason = NULL;
	if(out == NULL)
		return VMR_ERROR_INTERNAL;
	memset(out, 0, sizeof(*out));
	if(message == NULL) {
		*reason = "no message";
		return VMR_ERROR_NO_MESSAGE;
	}
	if(!json_is_object(message)) {
		*reason = "message must be a JSON object";
		return VMR_ERROR_INVALID_JSON;
	}
	json_t *r = json_object_get(message, "request");
	if(r == NULL) {
		*reason = "missing element: request";
		return VMR_ERROR_MISSING_ELEMENT;
	}
	if(!json_is_string(r)) {
		*reason = "request must be a string";
		return VMR_ERROR_INVALID_ELEMENT;
	}
	const char *name = json_string_value(r);
	int rc = VMR_OK;
	if(strcmp(name, "join") == 0) {
		out->type = VMR_REQ_JOIN;
		rc = parse_join(message, out, reason);
	} else if(strcmp(name, "leave") == 0) {
		out->type = VMR_REQ_LEAVE;
	} else if(strcmp(name, "listparticipants") == 0) {
		out->type = VMR_REQ_LIST_PARTICIPANTS;
	} else if(strcmp(name, "keyframe") == 0) {
		out->type = VMR_REQ_KEYFRAME;
	} else {
		*reason = "unknown request";
		return VMR_ERROR_UNKNOWN_REQUEST;
	}
	if(rc != VMR_OK)
		vmr_request_clear(out);
	return rc;
}
