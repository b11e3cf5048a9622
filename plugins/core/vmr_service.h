/*
 * vmr_service.h - the VMR product logic behind janus.plugin.vmr: device accounts and their
 * login sessions, rooms (personal <name>.join@<domain>, enterprise <name>@<domain>), PINs
 * with rate limiting, invitations (mailed over SMTP) and who may join which room.
 *
 * No Janus here: the plugin hands each validated request (vmr_request) to
 * vmr_service_handle and sends back the JSON it returns; things the plugin must do in the
 * room (remove the participants of a revoked invitation) come back as vmr_effects.
 *
 * Threads: every function may be called from any thread (the store and rate limiters are
 * thread-safe; mail goes out on the mailer's own thread and its result comes back through
 * the mail_result callback on that thread).
 *
 * Ownership: vmr_service_new takes ownership of the store. A vmr_client is owned by the
 * caller (one per Janus handle); vmr_client_clear frees its contents.
 */
#ifndef TPAAS_VMR_SERVICE_H
#define TPAAS_VMR_SERVICE_H

#include <stdint.h>
#include <jansson.h>

#include "vmr_mail.h"
#include "vmr_request.h"
#include "vmr_store.h"

typedef struct vmr_service vmr_service;

typedef struct vmr_service_config {
	const char *domain;     /* SIP domain: rooms are <address>@<domain> */
	const char *public_url; /* base of join links, e.g. "https://vmr.example.org" */
	const char *dial_ip;    /* IP address SIP callers dial for the lobby */
	int session_ttl_s;      /* login session lifetime (default 8 h) */
	vmr_mail_config mail; /* smtp_url NULL: invitations are stored, mail reported as not sent */
	/* Called on the mailer's thread when an invitation mail was sent (result 0) or failed. */
	void (*mail_result)(void *opaque, int64_t owner_id, int64_t invitation_id, int result,
		const char *error);
	void *opaque;
} vmr_service_config;

/* A client of the service (one Janus handle or one admin connection). */
typedef struct vmr_client {
	int64_t account_id; /* 0 when not logged in */
	char *token_hash;   /* of the login session, NULL when not logged in */
	char *source;       /* rate-limiting key for this client (address or handle id) */
} vmr_client;
void vmr_client_clear(vmr_client *c);

/* What the plugin must do after a request. */
typedef struct vmr_effects {
	int64_t revoked_invitation; /* remove everyone who joined with this invitation */
	int64_t room_changed;       /* room id whose settings (layout, name) changed */
	char renamed_from[64];      /* its address before a rename ("" when not renamed) */
} vmr_effects;

int vmr_service_new(vmr_store *store, const vmr_service_config *cfg, vmr_service **out);
void vmr_service_free(vmr_service *svc);
vmr_store *vmr_service_store(vmr_service *svc);

/* Handles every request except join/leave/listparticipants/keyframe (media, in the plugin).
 * Returns the reply (new reference): a result object or vmr_error_json. */
json_t *vmr_service_handle(
	vmr_service *svc, vmr_client *client, const vmr_request *req, vmr_effects *fx);

/* A granted join. */
typedef struct vmr_join_grant {
	vmr_room room;         /* the room (vmr_room_clear) */
	int64_t invitation_id; /* 0 when joined by room address */
	int is_owner;          /* the client is logged in as the room's owner */
	int is_host;           /* host: the owner, or came with the room's host PIN (vmr_hosts.h) */
	char *guest_name;      /* from the invitation, when any (g_free) */
	int retry_after_s;     /* on VMR_ERROR_TOO_MANY_ATTEMPTS: seconds until the lock ends */
} vmr_join_grant;
void vmr_join_grant_clear(vmr_join_grant *g);

/* Decides whether `client` may join: by room address + PIN, or by invitation id + secret
 * (no PIN). The PIN typed decides the role: the host PIN makes a host, the (guest) PIN a
 * guest; a room with a host PIN but no guest PIN lets guests in without a PIN, and a PIN
 * typed there must be the host PIN. The owner is always a host; an invitation gives a guest. Wrong PINs count in the process's shared PIN guard (vmr_pinguard.h: per source
 * and per room, together with the SIP bridge's PIN entry); bad invitations per client; the
 * room's owner is never locked out. Answers never reveal whether a room exists. Returns VMR_OK (grant filled) or an error code with
 * *reason (static text). */
/* Is the client logged in as account_id right now: its login session still exists and has
 * not expired (a client keeps its account id after a logout elsewhere or an expiry: never
 * trust it alone)? Anything told to an account's pages asks this first. */
int vmr_service_client_is(vmr_service *svc, const vmr_client *client, int64_t account_id);

int vmr_service_authorize_join(vmr_service *svc, const vmr_client *client, const vmr_request *req,
	vmr_join_grant *out, const char **reason);

/* JSON description of a room for its owner (addresses, number, join link, settings). */
json_t *vmr_service_room_json(vmr_service *svc, const vmr_room *room);

#endif
