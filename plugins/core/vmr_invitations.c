/*
 * vmr_invitations.c - a room owner's invitations: create (and mail, on the mailer's thread),
 * list, revoke, delete, and what a guest's link shows before joining. Called by
 * vmr_service_handle (vmr_service_priv.h); the mail result comes back on the mailer's thread.
 *
 * Each invitation has two secrets: the link's (128 bits of hex) and a keypad code
 * (VMR_INVITATION_CODE_DIGITS random digits, unique in the room) that a SIP caller enters
 * after the meeting number instead of the room's PIN (sipb_call.c). Both stop working the
 * moment the invitation is revoked or deleted: they are looked up in the store at each use.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "vmr_auth.h"
#include "vmr_service_priv.h"

/* Keypad codes (VMR_INVITATION_CODE_DIGITS): guessing one is harder than guessing the room's
 * 4-digit PIN by a factor of a million per active invitation, and each wrong code counts as a
 * wrong PIN in vmr_pinguard. */
G_STATIC_ASSERT(VMR_INVITATION_CODE_DIGITS >= VMR_INVITATION_CODE_MIN
	&& VMR_INVITATION_CODE_DIGITS <= VMR_INVITATION_CODE_MAX);

/* A new code for a room whose PIN is pin (NULL: none). The IVR takes a PIN at its 4th digit
 * unless an active code starts with those digits, so a code never starts with the PIN: a
 * caller with the PIN need not press '#'. */
char *vmr_invitation_new_code(const char *pin)
{
	for (;;) {
		char *code = vmr_random_digits(VMR_INVITATION_CODE_DIGITS);
		if (code == NULL || pin == NULL || *pin == '\0'
			|| strncmp(code, pin, strlen(pin)) != 0)
			return code;
		g_free(code);
	}
}

static char *invitation_url(vmr_service *svc, const vmr_invitation *inv)
{
	char *name = g_uri_escape_string(inv->guest_name ? inv->guest_name : "", NULL, FALSE);
	char *url = g_strdup_printf("%s/?id=%" G_GINT64_FORMAT "&secret=%s&name=%s",
		svc->public_url, inv->id, inv->secret, name);
	g_free(name);
	return url;
}

static json_t *invitation_json(vmr_service *svc, const vmr_invitation *inv)
{
	json_t *j = json_object();
	char *url = invitation_url(svc, inv);
	json_object_set_new(j, "id", json_integer(inv->id));
	json_object_set_new(j, "email", json_string(inv->email));
	json_object_set_new(j, "guest_name", json_string(inv->guest_name));
	json_object_set_new(j, "url", json_string(url));
	json_object_set_new(j, "state",
		json_string(inv->state == VMR_INVITATION_REVOKED ? "revoked" : "active"));
	json_object_set_new(j, "created_at", json_integer(inv->created_at));
	json_object_set_new(j, "last_used_at",
		inv->last_used_at ? json_integer(inv->last_used_at) : json_null());
	json_object_set_new(
		j, "mail_status", json_string(inv->mail_status ? inv->mail_status : "unknown"));
	json_object_set_new(
		j, "code", inv->guest_code ? json_string(inv->guest_code) : json_null());
	g_free(url);
	return j;
}

typedef struct mail_job {
	vmr_service *svc;
	int64_t owner_id, invitation_id;
} mail_job;

static void mail_done(void *user_data, int result, const char *error)
{
	mail_job *job = user_data;
	char *status = result == 0 ? g_strdup("sent")
				   : g_strdup_printf("failed: %s", error ? error : "unknown error");
	vmr_store_invitation_set_mail_status(job->svc->store, job->invitation_id, status);
	g_free(status);
	if (job->svc->mail_result && result != -ECANCELED)
		job->svc->mail_result(
			job->svc->opaque, job->owner_id, job->invitation_id, result, error);
}

/* "maria.lopez@example.org" -> "maria.lopez" */
static char *guest_name_from_email(const char *email)
{
	const char *at = strchr(email, '@');
	char *name = g_strndup(email, at ? (gsize)(at - email) : strlen(email));
	return vmr_display_is_valid(name) ? name : (g_free(name), g_strdup("Guest"));
}

/* The owner's room and the invitation `id` in it; -ENOENT when it is not theirs. */
static int owned_invitation(vmr_service *svc, vmr_client *client, int64_t id, vmr_invitation *inv)
{
	int rc = vmr_store_invitation_get(svc->store, id, inv);
	if (rc != 0)
		return rc;
	vmr_room room;
	rc = vmr_store_room_get(svc->store, inv->room_id, &room);
	if (rc == 0) {
		/* someone else's invitation is answered as a missing one */
		if (room.owner_id != client->account_id)
			rc = -ENOENT;
		vmr_room_clear(&room);
	}
	if (rc != 0)
		vmr_invitation_clear(inv);
	return rc;
}

json_t *vmr_invitations_invite(vmr_service *svc, vmr_client *client, const vmr_request *req)
{
	const char *email = vmr_request_string(req, "email"),
		   *name = vmr_request_string(req, "name");
	if (!vmr_email_is_valid(email) || !vmr_mail_address_is_valid(email))
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "email: one valid address");
	if (name && !vmr_display_is_valid(name))
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "name: 1-64 printable characters");
	vmr_room room;
	vmr_account owner;
	int rc = vmr_store_room_get_personal(svc->store, client->account_id, &room);
	if (rc != 0)
		return store_error(rc, "no personal room");
	rc = vmr_store_account_get(svc->store, client->account_id, &owner);
	if (rc != 0) {
		vmr_room_clear(&room);
		return store_error(rc, NULL);
	}
	char *guest = name ? g_strdup(name) : guest_name_from_email(email);
	vmr_invitation inv;
	/* -EEXIST: the code is taken in this room (or, never in practice, the secret): draw again */
	rc = -EEXIST;
	for (int attempt = 0; attempt < 8 && rc == -EEXIST; attempt++) {
		char *secret = vmr_random_hex(16); /* 128 bits */
		char *code = vmr_invitation_new_code(room.pin);
		rc = secret && code ? vmr_store_invitation_create_coded(
			     svc->store, room.id, email, guest, secret, code, &inv)
				    : -EIO;
		g_free(secret);
		g_free(code);
	}
	g_free(guest);
	if (rc != 0) {
		vmr_room_clear(&room);
		vmr_account_clear(&owner);
		return store_error(rc, NULL);
	}
	char *url = invitation_url(svc, &inv);
	char *sip = g_strdup_printf("%s@%s", room.address, svc->domain);
	vmr_invitation_mail m = {
		.to = email,
		.guest_name = inv.guest_name,
		.inviter_name = owner.display_name ? owner.display_name : owner.username,
		.room_name = room.name,
		.join_url = url,
		.sip_address = sip,
		.dial_ip = svc->dial_ip,
		.meeting_number = room.meeting_number,
		.has_pin = room.pin != NULL,
		.guest_code = inv.guest_code,
	};
	const char *why = NULL;
	char *message = vmr_mail_compose_invitation(&svc->mail, &m, now_s(), &why);
	const char *status;
	if (message == NULL) {
		status = "failed: cannot compose the mail";
	} else if (svc->mailer == NULL) {
		status = "failed: no SMTP server configured";
	} else {
		status = "queued";
		mail_job *job = g_new0(mail_job, 1);
		job->svc = svc;
		job->owner_id = client->account_id;
		job->invitation_id = inv.id;
		vmr_mailer_send(svc->mailer, email, message, mail_done, job, g_free);
	}
	vmr_store_invitation_set_mail_status(svc->store, inv.id, status);
	g_free(inv.mail_status);
	inv.mail_status = g_strdup(status);
	json_t *j = ok_json("invited");
	json_object_set_new(j, "invitation", invitation_json(svc, &inv));
	g_free(message);
	g_free(url);
	g_free(sip);
	vmr_invitation_clear(&inv);
	vmr_room_clear(&room);
	vmr_account_clear(&owner);
	return j;
}

json_t *vmr_invitations_list(vmr_service *svc, vmr_client *client)
{
	vmr_room room;
	int rc = vmr_store_room_get_personal(svc->store, client->account_id, &room);
	if (rc != 0)
		return store_error(rc, "no personal room");
	GPtrArray *list = vmr_store_invitation_list(svc->store, room.id);
	vmr_room_clear(&room);
	if (list == NULL)
		return store_error(-EIO, NULL);
	json_t *arr = json_array();
	for (guint i = 0; i < list->len; i++)
		json_array_append_new(arr, invitation_json(svc, g_ptr_array_index(list, i)));
	g_ptr_array_unref(list);
	json_t *j = ok_json("invitations");
	json_object_set_new(j, "invitations", arr);
	return j;
}

json_t *vmr_invitations_change(
	vmr_service *svc, vmr_client *client, const vmr_request *req, vmr_effects *fx)
{
	int64_t id = vmr_request_int(req, "id", 0);
	vmr_invitation inv;
	int rc = owned_invitation(svc, client, id, &inv);
	if (rc != 0)
		return store_error(rc, "no such invitation");
	vmr_invitation_clear(&inv);
	gboolean revoke = req->type == VMR_REQ_REVOKE_INVITATION;
	rc = revoke ? vmr_store_invitation_set_state(svc->store, id, VMR_INVITATION_REVOKED)
		    : vmr_store_invitation_delete(svc->store, id);
	if (rc != 0)
		return store_error(rc, "no such invitation");
	fx->revoked_invitation = id;
	json_t *j = ok_json(revoke ? "revoked" : "deleted");
	json_object_set_new(j, "id", json_integer(id));
	return j;
}

/* An invitation that is active and whose secret matches; rate-limited per client. */
int vmr_invitations_check(vmr_service *svc, const vmr_client *client, int64_t id,
	const char *secret, vmr_invitation *inv, int *retry)
{
	int64_t now = g_get_monotonic_time();
	if (vmr_ratelimit_check(svc->by_client, client->source, now, retry) < 0)
		return VMR_ERROR_TOO_MANY_ATTEMPTS;
	int rc = vmr_store_invitation_get(svc->store, id, inv);
	if (rc == 0 && inv->state == VMR_INVITATION_ACTIVE && vmr_secure_streq(inv->secret, secret))
		return VMR_OK;
	if (rc == 0)
		vmr_invitation_clear(inv);
	else if (rc != -ENOENT)
		return VMR_ERROR_INTERNAL;
	vmr_ratelimit_failure(svc->by_client, client->source, now);
	return VMR_ERROR_INVALID_INVITATION;
}

json_t *vmr_invitations_info(vmr_service *svc, vmr_client *client, const vmr_request *req)
{
	vmr_invitation inv;
	int retry = 0;
	int code = vmr_invitations_check(svc, client, vmr_request_int(req, "id", 0),
		vmr_request_string(req, "secret"), &inv, &retry);
	if (code == VMR_ERROR_TOO_MANY_ATTEMPTS)
		return too_many(retry);
	if (code != VMR_OK)
		return vmr_error_json(code,
			code == VMR_ERROR_INVALID_INVITATION
				? "this invitation link is not valid (or was revoked)"
				: "store unavailable");
	vmr_room room;
	vmr_account owner;
	json_t *j = ok_json("invitation");
	json_object_set_new(j, "guest_name", json_string(inv.guest_name));
	if (vmr_store_room_get(svc->store, inv.room_id, &room) == 0) {
		json_object_set_new(j, "room", json_string(room.name));
		if (room.owner_id
			&& vmr_store_account_get(svc->store, room.owner_id, &owner) == 0) {
			json_object_set_new(j, "owner",
				json_string(
					owner.display_name ? owner.display_name : owner.username));
			vmr_account_clear(&owner);
		}
		vmr_room_clear(&room);
	}
	vmr_invitation_clear(&inv);
	return j;
}
