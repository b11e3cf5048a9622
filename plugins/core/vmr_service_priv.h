/*
 * vmr_service_priv.h - what the files of vmr_service share and nobody else sees: the service
 * itself, small JSON helpers, and the invitation requests (vmr_invitations.c) that
 * vmr_service_handle dispatches to.
 *
 * Threads and ownership as in vmr_service.h: every reply returned is a new reference.
 */
#ifndef TPAAS_VMR_SERVICE_PRIV_H
#define TPAAS_VMR_SERVICE_PRIV_H

#include <errno.h>
#include <glib.h>

#include "vmr_mail.h"
#include "vmr_ratelimit.h"
#include "vmr_service.h"

struct vmr_service {
	vmr_store *store;
	char *domain, *public_url, *dial_ip;
	int session_ttl_s;
	vmr_mailer *mailer;
	vmr_mail_config mail; /* strings owned below */
	char *mail_strings[5];
	vmr_ratelimit *by_client;       /* bad invitation links per client (PINs: vmr_pinguard) */
	vmr_ratelimit *login_by_client; /* wrong passwords per client */
	vmr_ratelimit *login_by_user;   /* wrong passwords per user name */
	char *dummy_hash; /* argon2 of a random password: unknown names are checked against it */
	void (*mail_result)(void *opaque, int64_t owner_id, int64_t invitation_id, int result,
		const char *error);
	void *opaque;
};

static inline int64_t now_s(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static inline json_t *ok_json(const char *what)
{
	json_t *j = json_object();
	json_object_set_new(j, "vmr", json_string(what));
	return j;
}

/* Maps a store error to the client's answer. */
static inline json_t *store_error(int rc, const char *what)
{
	if (rc == -ENOENT)
		return vmr_error_json(VMR_ERROR_NOT_FOUND, what ? what : "not found");
	if (rc == -EEXIST)
		return vmr_error_json(VMR_ERROR_ALREADY_EXISTS, "that name is already taken");
	if (rc == -EINVAL)
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "invalid value");
	return vmr_error_json(VMR_ERROR_INTERNAL, "store unavailable");
}

static inline json_t *too_many(int retry_after_s)
{
	json_t *j = vmr_error_json(
		VMR_ERROR_TOO_MANY_ATTEMPTS, "too many failed attempts, try again later");
	json_object_set_new(j, "retry_after", json_integer(retry_after_s));
	return j;
}

/* ---- invitations (vmr_invitations.c); the caller has checked the login ---------------- */

/* invite: a new invitation to the client's personal room, mailed when SMTP is configured. */
json_t *vmr_invitations_invite(vmr_service *svc, vmr_client *client, const vmr_request *req);
/* list_invitations: those of the client's personal room. */
json_t *vmr_invitations_list(vmr_service *svc, vmr_client *client);
/* revoke_invitation / delete_invitation of one of the client's invitations; fx->revoked_invitation set. */
json_t *vmr_invitations_change(
	vmr_service *svc, vmr_client *client, const vmr_request *req, vmr_effects *fx);
/* invitation_info (no login): guest name, room and owner behind a valid link. */
json_t *vmr_invitations_info(vmr_service *svc, vmr_client *client, const vmr_request *req);
/* An invitation that is active and whose secret matches (VMR_OK, *inv filled: vmr_invitation_clear);
 * failures rate-limited per client (VMR_ERROR_TOO_MANY_ATTEMPTS with *retry). */
int vmr_invitations_check(vmr_service *svc, const vmr_client *client, int64_t id,
	const char *secret, vmr_invitation *inv, int *retry);
/* A new keypad code for an invitation to a room whose PIN is pin (NULL: none): random
 * digits (libsodium) that do not start with the PIN. g_free; NULL when sodium fails. */
char *vmr_invitation_new_code(const char *pin);

#endif
