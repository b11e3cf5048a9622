/*
 * vmr_store.h - the service's persistent store: device accounts, login sessions, rooms,
 * invitations. One interface, two backends: an SQLite file (the embedded default: WAL,
 * foreign keys, synchronous=FULL) and PostgreSQL (libpq) for several gateway nodes.
 * The schema is versioned and migrated forward on open (SQLite: PRAGMA user_version;
 * PostgreSQL: a schema_version table); a store written by a newer release is refused.
 *
 * Threads: a vmr_store may be used from several threads at once; each backend serializes
 * access to its connection internally. Every write is one transaction, durable when the
 * call returns 0 ("acknowledged").
 *
 * Ownership: vmr_store_open returns a store the caller owns (vmr_store_close). Record
 * structs (vmr_account, vmr_room, vmr_invitation) are filled by the store; their strings
 * are owned by the struct and freed by the matching *_clear function. List functions
 * return a GPtrArray the caller frees with g_ptr_array_unref (it frees the records).
 *
 * Errors: 0 on success, negative errno-style codes: -ENOENT no such row, -EEXIST a unique
 * field is taken, -EINVAL an invalid field (nothing is stored), -EPROTO the store was
 * written by a newer release, -EIO backend failure.
 */
#ifndef TPAAS_VMR_STORE_H
#define TPAAS_VMR_STORE_H

#include <stdint.h>
#include <glib.h>

typedef struct vmr_store vmr_store;

/* ---- open/close -------------------------------------------------------------------- */

/* uri: a file path or "sqlite:<path>" for SQLite; "postgresql://..." or "postgres://..."
 * (a libpq connection URI) for PostgreSQL. */
int vmr_store_open(const char *uri, vmr_store **out);
/* What may be logged of a store URI: a PostgreSQL URI may hold a password, so it is not. */
const char *vmr_store_printable_uri(const char *uri);
void vmr_store_close(vmr_store *store);
/* The engine's text behind this thread's last -EIO ("sqlite: ...", "postgresql: ..."), or ""
 * when it had none; valid until this thread's next store call. The store logs it once itself
 * (vmr_log, error level, "vmr_store: <text>"), so callers need not. */
const char *vmr_store_last_error(void);
/* "sqlite" or "postgresql". */
const char *vmr_store_backend(const vmr_store *store);

/* ---- validation (shared by every writer; pure functions) ---------------------------- */

/* Room name: lowercase letters, digits, '.', '-'; 3..32 chars. */
int vmr_room_name_is_valid(const char *name);
/* NULL or "" (no PIN) or exactly 4 digits. */
int vmr_room_pin_is_valid(const char *pin);
/* "speaker", "1+7", "2x2" or "3x3". */
int vmr_room_layout_is_valid(const char *layout);
/* Account user name: same alphabet as room names, 3..32 chars. */
int vmr_account_username_is_valid(const char *username);
/* A plausible single e-mail address (local@domain, no spaces, no CR/LF, <= 254 chars). */
int vmr_email_is_valid(const char *email);

/* ---- accounts ----------------------------------------------------------------------- */

typedef struct vmr_account {
	int64_t id;
	char *username;      /* unique; also the default name of the personal room */
	char *display_name;  /* shown to guests ("Ana García") */
	char *email;         /* may be NULL */
	char *password_hash; /* an encoded slow hash (libsodium crypto_pwhash_str) */
	int is_admin;
	int64_t created_at; /* unix seconds */
	char *sip_password; /* SIP REGISTER password (service-generated hex, shown to the owner: it
	                          opens SIP registration only, never the web login); NULL: none */
} vmr_account;
void vmr_account_clear(vmr_account *a);

int vmr_store_account_create(vmr_store *store, const char *username, const char *display_name,
	const char *email, const char *password_hash, int is_admin, int64_t *id_out);
int vmr_store_account_get(vmr_store *store, int64_t id, vmr_account *out);
int vmr_store_account_get_by_username(vmr_store *store, const char *username, vmr_account *out);
int vmr_store_account_set_password(vmr_store *store, int64_t id, const char *password_hash);
/* The account's SIP password (24-64 lowercase hex digits, made by the service), or NULL to
 * remove it (the account then cannot REGISTER). */
int vmr_store_account_set_sip_password(vmr_store *store, int64_t id, const char *sip_password);
/* Deletes the account, its sessions, its personal room and that room's invitations. */
int vmr_store_account_delete(vmr_store *store, int64_t id);

/* ---- login sessions ------------------------------------------------------------------ */

/* token_hash: the hex SHA-256 of the random token handed to the client (the token itself is
 * never stored). */
int vmr_store_session_create(
	vmr_store *store, const char *token_hash, int64_t account_id, int64_t expires_at);
/* -ENOENT when missing or expired at `now`. */
int vmr_store_session_get(
	vmr_store *store, const char *token_hash, int64_t now, int64_t *account_id_out);
int vmr_store_session_delete(vmr_store *store, const char *token_hash);
int vmr_store_session_purge_expired(vmr_store *store, int64_t now);

/* ---- rooms --------------------------------------------------------------------------- */

typedef enum vmr_room_kind {
	VMR_ROOM_PERSONAL = 1,   /* <name>.join@<domain>, owned by an account */
	VMR_ROOM_ENTERPRISE = 2, /* <name>@<domain>, created by an admin */
} vmr_room_kind;

typedef struct vmr_room {
	int64_t id;
	vmr_room_kind kind;
	char *name;         /* as chosen by the owner, e.g. "alice" */
	char *address;      /* the SIP user part and join key, unique: "alice.join" or "sales" */
	int64_t owner_id;   /* account id; 0 for an enterprise room without owner */
	char *pin;          /* NULL or exactly 4 digits */
	char *layout;       /* "speaker", "1+7", "2x2" or "3x3" */
	int meeting_number; /* 6 digits, unique */
	int receive_call;   /* call the owner's device when a guest joins */
	int64_t created_at;
	/* Hosts and guests (vmr_hosts.h); `pin` above is the guest PIN. */
	char *host_pin;         /* NULL or exactly 4 digits, never equal to pin */
	int wait_for_host;      /* guests are held until a host is in the room */
	int end_after_host_min; /* the meeting ends this long after the last host left; 0: goes on */
} vmr_room;
void vmr_room_clear(vmr_room *room);

/* Creates a room. The address is derived: name + ".join" for personal rooms, name for
 * enterprise rooms. meeting_number 0 picks a free random one. layout NULL means "1+7".
 * Fills *out when not NULL. */
int vmr_store_room_create(vmr_store *store, vmr_room_kind kind, const char *name, int64_t owner_id,
	const char *pin, const char *layout, int meeting_number, vmr_room *out);
int vmr_store_room_get(vmr_store *store, int64_t id, vmr_room *out);
int vmr_store_room_get_by_address(vmr_store *store, const char *address, vmr_room *out);
int vmr_store_room_get_by_number(vmr_store *store, int meeting_number, vmr_room *out);
/* The personal room of an account. */
int vmr_store_room_get_personal(vmr_store *store, int64_t owner_id, vmr_room *out);
/* All rooms owned by an account (personal first). Returns NULL on error. */
GPtrArray *vmr_store_room_list_by_owner(vmr_store *store, int64_t owner_id);

/* Changes what the owner may change; NULL / negative arguments leave a field alone.
 * name: also changes the address (-EEXIST when taken). pin: "" removes the PIN.
 * receive_call: 0/1, or -1 to leave alone. All-or-nothing. */
int vmr_store_room_update(vmr_store *store, int64_t id, const char *name, const char *pin,
	const char *layout, int receive_call);
int vmr_store_room_delete(vmr_store *store, int64_t id);
/* The host settings (vmr_store_hosts.c); NULL / negative leave a field alone. host_pin: ""
 * removes it; -EINVAL when it equals the room's (guest) PIN. wait_for_host 0/1,
 * end_after_host_min 0..1440. All-or-nothing. */
int vmr_store_room_set_hosts(vmr_store *store, int64_t id, const char *host_pin, int wait_for_host,
	int end_after_host_min);

/* ---- what hosts did (the room's log of host actions) ----------------------------------- */

typedef struct vmr_host_action {
	int64_t id;
	char *room_address;
	char *actor;  /* who: the host's display name and how they are host */
	char *action; /* what: "mute", "lock", "remove", ... */
	char *target; /* whom, NULL when the room */
	int64_t at;   /* when, unix seconds */
} vmr_host_action;
void vmr_host_action_clear(vmr_host_action *a);
int vmr_store_host_action_add(vmr_store *store, const char *room_address, const char *actor,
	const char *action, const char *target, int64_t at);
/* The newest `limit` actions in a room, newest first. NULL on error. */
GPtrArray *vmr_store_host_action_list(vmr_store *store, const char *room_address, int limit);

/* ---- invitations ---------------------------------------------------------------------- */

typedef enum vmr_invitation_state {
	VMR_INVITATION_ACTIVE = 1,
	VMR_INVITATION_REVOKED = 2,
} vmr_invitation_state;

typedef struct vmr_invitation {
	int64_t id; /* numeric id shown in the link */
	int64_t room_id;
	char *email;
	char *guest_name; /* from the address, e.g. "maria" for maria@example.org */
	char *secret;     /* random, >= 64 bits, hex; part of the join link */
	vmr_invitation_state state;
	int64_t created_at;
	int64_t last_used_at; /* 0 when never used */
	char *mail_status;    /* "queued", "sent" or "failed: <reason>" */
	char *guest_code;     /* the keypad code a SIP caller enters instead of the room's PIN:
	                          VMR_INVITATION_CODE_MIN..MAX random digits, unique in the room;
	                          NULL for invitations made before codes existed */
} vmr_invitation;
void vmr_invitation_clear(vmr_invitation *inv);

#define VMR_INVITATION_CODE_MIN 8
#define VMR_INVITATION_CODE_MAX 12
/* What the service makes: 10 digits (33 bits). */
#define VMR_INVITATION_CODE_DIGITS 10
/* 1 when code is VMR_INVITATION_CODE_MIN..MAX decimal digits. */
int vmr_invitation_code_is_valid(const char *code);

/* Without a keypad code (guest_code NULL). */
int vmr_store_invitation_create(vmr_store *store, int64_t room_id, const char *email,
	const char *guest_name, const char *secret, vmr_invitation *out);
/* With a keypad code (NULL: none); -EEXIST when the room has an invitation with that code
 * already (or the secret is taken): draw another and retry. */
int vmr_store_invitation_create_coded(vmr_store *store, int64_t room_id, const char *email,
	const char *guest_name, const char *secret, const char *guest_code, vmr_invitation *out);
int vmr_store_invitation_get(vmr_store *store, int64_t id, vmr_invitation *out);
/* The ACTIVE invitation of the room at room_address whose keypad code is code; -ENOENT when
 * none (no such code, revoked, deleted, another room's), -EINVAL for a malformed code. */
int vmr_store_invitation_get_by_code(
	vmr_store *store, const char *room_address, const char *code, vmr_invitation *out);
/* 1 when an ACTIVE invitation of the room at room_address has a keypad code starting with
 * prefix (1..VMR_INVITATION_CODE_MAX digits), 0 when none, negative on error. Lets the IVR
 * tell a 4-digit PIN from the first digits of a longer code. */
int vmr_store_invitation_code_prefix(
	vmr_store *store, const char *room_address, const char *prefix);
/* Invitations of a room, newest first. Returns NULL on error. */
GPtrArray *vmr_store_invitation_list(vmr_store *store, int64_t room_id);
int vmr_store_invitation_set_state(vmr_store *store, int64_t id, vmr_invitation_state state);
int vmr_store_invitation_set_mail_status(vmr_store *store, int64_t id, const char *status);
int vmr_store_invitation_touch(vmr_store *store, int64_t id, int64_t now);
int vmr_store_invitation_delete(vmr_store *store, int64_t id);

/* ---- SIP call log ----------------------------------------------------------------------- */

typedef enum vmr_call_via {
	VMR_CALL_ADDRESS = 1, /* dialled the room address */
	VMR_CALL_LOBBY = 2,   /* dialled the bare IP / lobby and entered the meeting number */
	VMR_CALL_DIALOUT = 3, /* called by us into the room */
} vmr_call_via;

typedef struct vmr_call {
	int64_t id;
	char *caller;       /* the From URI of the caller (or the callee, for dial-out) */
	char *source;       /* "ip:port" the SIP request came from */
	char *room_address; /* NULL when the caller never reached a room */
	vmr_call_via via;
	int64_t started_at, ended_at; /* unix seconds; ended_at 0 while the call lasts */
	char *cause; /* NULL while the call lasts, e.g. "bye from caller", "wrong pin" */
} vmr_call;
void vmr_call_clear(vmr_call *call);

/* Logs a call's start. room_address may be NULL (lobby callers get one later). */
int vmr_store_call_start(vmr_store *store, const char *caller, const char *source,
	const char *room_address, vmr_call_via via, int64_t started_at, int64_t *id_out);
/* Sets the room (and how it was reached) of a running call. */
int vmr_store_call_set_room(
	vmr_store *store, int64_t id, const char *room_address, vmr_call_via via);
/* Logs a call's end with its cause (a short text). */
int vmr_store_call_end(vmr_store *store, int64_t id, int64_t ended_at, const char *cause);
/* The newest `limit` calls, newest first. Returns NULL on error. */
GPtrArray *vmr_store_call_list(vmr_store *store, int limit);

#endif
