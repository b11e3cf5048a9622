/*
 * vmr_mail.h - the invitation mail, and sending mail over SMTP.
 *
 * vmr_mail.c composes the invitation a guest receives (RFC 5322 + MIME, 7-bit clean:
 * multipart/alternative with a text/plain and a text/html part, both UTF-8 in
 * quoted-printable; RFC 2047 encoded-words for non-ASCII names and subject). It is a pure
 * function: no I/O, any thread.
 *
 * vmr_mailer.c sends: vmr_mail_send() speaks SMTP with libcurl and blocks for the whole
 * transfer, so the plugin uses a vmr_mailer, a thread of its own with a queue, and hears
 * back through a callback on that thread.
 *
 * Ownership: strings returned are new (g_free). Input structs are borrowed for the call
 * only; a vmr_mailer copies its configuration and each queued message.
 */
#ifndef TPAAS_VMR_MAIL_H
#define TPAAS_VMR_MAIL_H

#include <stdint.h>
#include <glib.h>

/* Bounds on what a composed mail accepts, in bytes. */
#define VMR_MAIL_ADDRESS_MAX 254 /* RFC 5321 path limit */
#define VMR_MAIL_NAME_MAX    256 /* display names, room name */
#define VMR_MAIL_URL_MAX     2048

typedef struct vmr_mail_config {
	const char *smtp_url;            /* "smtp://host:port" or "smtps://host:port" */
	const char *username, *password; /* NULL: no AUTH */
	int starttls;                    /* 0 never, 1 if offered, 2 required */
	const char *from_address;        /* "vmr@example.org" */
	const char *from_name;           /* "tpaas meetings" */
	int timeout_s;                   /* whole transfer; <= 0: 60 s */
} vmr_mail_config;

typedef struct vmr_invitation_mail {
	const char *to;           /* guest address (required) */
	const char *guest_name;   /* NULL: no greeting by name, bare address in To: */
	const char *inviter_name; /* the owner's display name: "Ana García invites you ..." and
	                              in From: display name "Ana García via tpaas meetings" */
	const char *room_name;    /* NULL: not mentioned */
	const char *join_url; /* https://<host>/?id=<id>&secret=<secret>&name=<guest> (required) */
	const char *sip_address; /* alice.join@example.org; NULL: no video-device section */
	const char *dial_ip;     /* "call <IP>, enter meeting number <number> followed by #";
	                              NULL or meeting_number <= 0: no IP section */
	int meeting_number;
	int has_pin;            /* the link needs no PIN; SIP/IP callers are told a PIN is needed */
	const char *guest_code; /* the invitation's keypad code (digits): SIP/IP callers enter it
	                            instead of the PIN; NULL: none (they ask for the PIN) */
} vmr_invitation_mail;

/* The whole message, ready for vmr_mail_send (CRLF line ends, 7-bit). g_free.
 * NULL with a static *reason (may be NULL) when an input is missing, too long, not UTF-8,
 * holds CR/LF or another control character (header injection), or the join URL is not
 * http(s). now_unix is the Date: header (seconds since the epoch, written in UTC). */
char *vmr_mail_compose_invitation(const vmr_mail_config *cfg, const vmr_invitation_mail *m,
	int64_t now_unix, const char **reason);

/* 1 when address is a plain ASCII addr-spec we are willing to put in a header or an SMTP
 * command: local@domain, printable, no spaces, brackets, quotes or separators. */
int vmr_mail_address_is_valid(const char *address);

/* Initialises libcurl once (curl_global_init is not thread-safe on every build). Call it
 * from the plugin's init(); vmr_mail_send and vmr_mailer_new call it too. 0 or -EIO. */
int vmr_mail_global_init(void);

/* Sends one message synchronously: MAIL FROM cfg->from_address, RCPT TO to, DATA message.
 * 0 once the server accepted it. -EIO with *error_out (g_free) saying why: curl's error
 * text and the last SMTP response code. -EINVAL (with *error_out) for a bad URL, address
 * or missing message. error_out may be NULL. Blocks up to cfg->timeout_s; any thread. */
int vmr_mail_send(
	const vmr_mail_config *cfg, const char *to, const char *message, char **error_out);

/* A sender thread so the plugin never blocks on SMTP. Messages go out one at a time, in
 * order. done(user_data, result, error) runs on the mailer's thread with vmr_mail_send's
 * result (error is NULL on success, borrowed for the call); then free_user_data(user_data)
 * if given. At most VMR_MAILER_QUEUE_MAX messages wait; past that done gets -ENOBUFS.
 * vmr_mailer_free lets the message in flight finish, then calls done with -ECANCELED for
 * everything still queued, and joins the thread: do not call it from a done callback. */
#define VMR_MAILER_QUEUE_MAX 1000
typedef struct vmr_mailer vmr_mailer;
typedef void (*vmr_mail_done)(void *user_data, int result, const char *error);
/* Copies cfg and its strings. NULL if cfg or its smtp_url/from_address is missing. */
vmr_mailer *vmr_mailer_new(const vmr_mail_config *cfg);
/* Copies to and message. done and free_user_data may be NULL. */
void vmr_mailer_send(vmr_mailer *m, const char *to, const char *message, vmr_mail_done done,
	void *user_data, GDestroyNotify free_user_data);
void vmr_mailer_free(vmr_mailer *m);

#endif
