/*
 * sipb_ua_priv.h - what sipb_ua.c (the SIP stack and its loop) and sipb_call.c (one call's
 * state machine) share. Not for the plugin.
 *
 * Threads: everything here runs on the UA's loop thread, except what ua->lock guards
 * (the calls table and the fields sipb_ua_status reads), which other threads read.
 */
#ifndef TPAAS_SIPB_UA_PRIV_H
#define TPAAS_SIPB_UA_PRIV_H

#include <glib.h>

typedef struct sipb_ua sipb_ua;
typedef struct sipb_call sipb_call;
#define NUA_MAGIC_T     sipb_ua
#define NUA_HMAGIC_T    sipb_call
#define SU_ROOT_MAGIC_T sipb_ua

#include <sofia-sip/su_glib.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#include "sipb_ua.h"
#include "sipb_registrar.h"
#include "sipb_ivr.h"
#include "sipb_sdp.h"
#include "sipb_media.h"
#include "sipb_bfcp.h"
#include "vmr_log.h"
#include "vmr_ratelimit.h"
#include "vmr_pinguard.h"
#include "vmr_rooms.h"

struct sipb_ua {
	sipb_ua_config cfg; /* strings owned (g_strdup) */
	vmr_store *store;   /* borrowed */
	sipb_registrar *registrar;
	vmr_ratelimit *lobby_failures; /* "src:<ip>" */
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	su_root_t *root;
	nua_t *nua;
	msg_mclass_t *mclass; /* what nua parses with (sipb_mclass.h); freed after nua */
	int start_rc, started;
	GMutex lock;       /* calls table + call fields read by status */
	GCond cond;        /* start-up handshake */
	GHashTable *calls; /* id (uint64*) -> sipb_call* */
	int shutting_down;
	sipb_bfcp_hub *bfcp; /* BFCP of all calls (sipb_call_bfcp.c), on the loop thread */
};

typedef enum sipb_call_state {
	SIPB_CALL_LOBBY = 1, /* waiting for a meeting number */
	SIPB_CALL_PIN,       /* waiting for the room's PIN */
	SIPB_CALL_IN_ROOM,
	SIPB_CALL_RINGING, /* dial-out, not answered yet */
	SIPB_CALL_ENDING,  /* BYE/CANCEL sent or received */
	SIPB_CALL_WAITING, /* held by vmr_hosts: waiting for a host, or knocking (holding picture) */
} sipb_call_state;

/* One SIP call. Owned by ua->calls; freed on the loop thread when its dialog terminated. */
struct sipb_call {
	vmr_member member; /* first, by the convention of vmr_rooms.h */
	sipb_ua *ua;
	nua_handle_t *nh;
	int outgoing;
	sipb_call_state state;
	char *caller, *display, *source, *source_ip;
	char *client_ip; /* what limits count against (sipb_ua_client_ip) */
	char *room_address, *room_pin, *room_layout;
	vmr_call_via via;
	int64_t log_id, started_at;
	char *cause;
	sipb_media *media;
	struct sipb_media_ref *media_ref;
	mcu_room *room;
	sipb_ivr ivr;
	/* hosts and guests (vmr_hosts.h, sipb_call_hosts.c) */
	char *room_host_pin;
	int room_wait_for_host, room_end_after_min;
	int is_owner;                     /* the room owner's own device */
	int by_host_pin;                  /* came in with the room's host PIN */
	mcu_room *hold_room;              /* the holding picture while SIPB_CALL_WAITING */
	struct sipb_hosts_ref *hosts_ref; /* the vmr_hosts_ops' opaque */
	int keypad_star;                  /* in the room: '*' pressed, a command digit may follow */
	sipb_sdp_result sdp;
	unsigned long long sdp_session, sdp_version;
	guint ring_timer;
	/* Delayed offer (RFC 3261 §13.2.1): our offer went out in a 200, the answer is due in
	 * the ACK. answer_in_ack 1: the first INVITE (the call proceeds to the room or the
	 * lobby once the answer is in); 2: a re-INVITE. */
	int answer_in_ack;
	/* The INVITE came over TLS (its top Via) or for a sips: URI, and the operator requires
	 * SRTP there (sipb_ua_config.tls_require_srtp): plain RTP is refused both ways. */
	int srtp_required;
	/* Our Contact in the 2xx of a call that came over TLS for a sip: (not sips:) URI:
	 * "<sip:ip:tls_port;transport=tls>"; Sofia would put a sips: URI there, which phones that
	 * dialled sip:...;transport=tls (baresip 1.0) cannot send their ACK to. NULL: Sofia's. */
	char *tls_contact;
	/* Dial-out: the calls to one account's devices for one request share a fork id; the
	 * first that answers takes the call, the others are cancelled. */
	uint64_t fork_id;
	int64_t invitation_id;  /* the invitation whose keypad code let the caller in, 0 none */
	int allows_refer;       /* the INVITE's Allow lists REFER (sipb_call_refer.c) */
	int referred;           /* a REFER went out: the call ends when it is answered */
	guint invitation_timer; /* re-checks that invitation: revoked or deleted, the call ends */
	/* content sharing (sipb_call_bfcp.c): the BFCP client of the call, our answer's BFCP
	 * line (NULL: refused with port 0) and the slides line's port (0: refused) */
	sipb_bfcp_client *bfcp;
	char *bfcp_answer;
	int slides_port;
	/* our offer (dial-out, delayed offer, a re-INVITE without SDP) carried slides + BFCP
	 * lines: the SDP that comes next is their answer (sipb_call_content_offer); its BFCP line
	 * text, where the two lines were (m-line indexes) and the BFCP line's bfcp_sdp_proto and
	 * our bfcp_sdp_setup in it */
	int content_offered;
	char *bfcp_offer;
	int offer_slides_mline, offer_bfcp_mline;
	int offer_bfcp_proto, offer_bfcp_setup;
};

/* sipb_ua.c: is ip one of cfg.trusted_proxies? */
int sipb_ua_is_trusted_proxy(const sipb_ua *ua, const char *ip);
/* The header a trusted proxy (Kamailio in front of several nodes, docs/scale-out.md) puts
 * the caller's own address in: every request it relays comes from the proxy's address. */
#define SIPB_CLIENT_IP_HEADER "X-Tpaas-Source"
/* The address a request's limits count against (calls per source, wrong meeting numbers,
 * PINs, registration failures): source_ip, or, when source_ip is a trusted proxy, the
 * numeric address in its SIPB_CLIENT_IP_HEADER (that header from anyone else is ignored).
 * Written into buf. */
void sipb_ua_client_ip(
	const sipb_ua *ua, const sip_t *sip, const char *source_ip, char *buf, size_t len);

/* sipb_call.c, called from the nua callback in sipb_ua.c */
void sipb_call_incoming(
	sipb_ua *ua, nua_handle_t *nh, const sip_t *sip, const char *source_ip, int source_port);
void sipb_call_event(sipb_call *call, nua_event_t event, int status, const char *phrase,
	const sip_t *sip, tagi_t tags[]);
/* Calls one contact into the room; the calls of one dial-out (one per registered device)
 * share fork_id (RFC 3261 §16.7-style forking done here, by the UA). */
int sipb_call_dialout(sipb_ua *ua, const char *contact, const char *username, const vmr_room *room,
	uint64_t fork_id);
/* Sends BYE (or CANCEL) with cause for the log. */
void sipb_call_hangup(sipb_call *call, const char *cause);
void sipb_call_key(sipb_call *call, char key);
int sipb_call_came_over_tls(const sip_t *sip);
/* sipb_call.c: the caller may enter the room now (the MCU, the members, vmr_hosts). */
void sipb_call_join_room(sipb_call *call);
/* Is this call the room owner's own device? */
int sipb_call_is_owner(sipb_call *call);
/* sipb_call_refer.c: several nodes, the room runs elsewhere. */
int sipb_call_allows_refer(const sip_t *sip);
/* 0: REFER sent (the call ends when it is answered); -ENOTSUP: not possible. */
int sipb_call_refer_elsewhere(sipb_call *call);
void sipb_call_refer_answered(sipb_call *call, int status);

/* sipb_call_bfcp.c: content sharing of a call (issue #13). After an offer was negotiated
 * (r from sipb_sdp_negotiate, sdp its text): the slides line goes to the media (or is
 * refused in r), the BFCP line gets a client of the room's floor and call->bfcp_answer.
 * 0, or -1 when the media refused the slides line (it is then refused in r). */
void sipb_call_content_negotiated(sipb_call *call, const char *sdp, size_t len, sipb_sdp_result *r);
/* Fills the answer's slides and BFCP fields of local. */
void sipb_call_content_answer(sipb_call *call, sipb_sdp_local *local);
/* Our offer (dial-out, the 200 of a delayed offer): when the room is known, a BFCP client that
 * listens (setup:passive) and the slides port, in local's slides and BFCP fields; the next SDP
 * negotiated (sipb_call_content_negotiated) is then taken as their answer. Without them
 * (lobby, SRTP, no socket) local is left as it is: an offer as before. */
void sipb_call_content_offer(sipb_call *call, sipb_sdp_local *local);
/* The call joined its room / the room's presenter may have changed: the floor follows. */
void sipb_call_content_sync(sipb_call *call);
/* The call ends (before its media is freed). */
void sipb_call_content_end(sipb_call *call);
/* sipb_ua.c side: the hub and the rooms' content listener (vmr_rooms). */
void sipb_call_content_start(sipb_ua *ua);
void sipb_call_content_stop(sipb_ua *ua);

/* sipb_call_hosts.c: hosts and guests for SIP callers (vmr_hosts.h) */
/* The PIN (if any) is right: enter, or wait in the holding picture for a host. */
void sipb_call_hosts_enter(sipb_call *call);
/* In the room now: vmr_hosts hears of it (after sipb_call_join_room put it in). */
void sipb_call_hosts_joined(sipb_call *call);
/* A key pressed in the room: '*' and a command digit (README: the keypad). */
void sipb_call_hosts_key(sipb_call *call, char key);
/* The call ends: out of vmr_hosts and the holding picture (call_destroy). */
void sipb_call_hosts_gone(sipb_call *call);
json_t *sipb_call_json(const sipb_call *call); /* ua->lock held */
const char *sipb_call_state_name(sipb_call_state s);

#endif
