/*
 * sipb_ua.h - the bridge's SIP user agent: Sofia-SIP's nua on a GLib main loop of its own
 * thread, listening on UDP and TCP (and TLS when a certificate folder is configured). It
 * dispatches REGISTER to the registrar, INVITE/INFO/BYE/CANCEL to calls (sipb_call.c), and
 * carries out dial-out requests from the VMR plugin.
 *
 * Threads: sipb_ua_start/stop from the plugin's init/destroy; sipb_ua_status and
 * sipb_ua_dialout from any thread (they only read under a lock or queue onto the loop).
 * Ownership: sipb_ua_start returns a UA the caller stops with sipb_ua_stop; it borrows the
 * store until then. Config strings are copied.
 */
#ifndef TPAAS_SIPB_UA_H
#define TPAAS_SIPB_UA_H

#include <stdint.h>
#include <jansson.h>
#include "vmr_store.h"

typedef struct sipb_ua sipb_ua;

typedef struct sipb_ua_config {
	const char *ip;           /* listening address, also in Contact and SDP */
	int port;                 /* UDP and TCP (default 5060) */
	int tls_port;             /* 0: no TLS */
	const char *tls_cert_dir; /* folder with agent.pem (key + certificate) and cafile.pem */
	int tls_require_srtp;     /* 1: calls that came over TLS must offer (and answer) SRTP:
	                           * an RTP/AVP offer gets 488, our offers are RTP/SAVP */
	const char *domain;       /* SIP domain: rooms are <address>@<domain>; registrar realm */
	const char *lobby_user;   /* user part that reaches the lobby (besides no user part) */
	const char *media_ip;     /* RTP address (default ip) */
	int rtp_port_min, rtp_port_max;
	int media_timeout_s;
	const char *prompt_dir;
	int session_timer_s;         /* RFC 4028 session expiry we ask for (0: none) */
	int dialout_ring_s;          /* how long a dial-out rings before it is cancelled */
	int max_calls;               /* calls at once, in and out (<= 0: 200); more get 503 */
	int max_calls_per_source;    /* incoming calls at once per source address (<= 0: 10); 486 */
	const char *trusted_proxies; /* numeric IPs (comma/space separated) whose REGISTERs may bind
	                              * contacts on other hosts, and whose calls are not capped per
	                              * source; NULL: none */
	const char *cluster_proxy;   /* several nodes: host[:port] of Kamailio, where a caller whose
	                            * room runs on another node is REFERred and through which
	                            * registered devices are called; NULL: none */
} sipb_ua_config;

int sipb_ua_start(const sipb_ua_config *cfg, vmr_store *store, sipb_ua **out);
void sipb_ua_stop(sipb_ua *ua);

/* Registrations and active calls (new reference). */
json_t *sipb_ua_status(sipb_ua *ua);
/* vmr_dialout_fn: calls every registered contact of the account into the room the account
 * owns. 0 when queued; -ENOENT: no registered device; -EPERM: not the account's room. */
int sipb_ua_dialout(void *ua, int64_t account_id, const char *username, const char *room_address);

#endif
