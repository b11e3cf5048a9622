/*
 * vmr_turn.h - time-limited TURN credentials for the pages and apps (the TURN REST scheme of
 * draft-uberti-behave-turn-rest, as coturn checks it with use-auth-secret and
 * static-auth-secret):
 *
 *   username = "<expiry, Unix seconds>:<tag>"
 *   password = base64(HMAC-SHA1(key = the shared secret, message = username))
 *
 * The service never stores them: coturn recomputes the password from the username and refuses
 * it after its expiry.  The process has one TURN configuration (set by the VMR plugin at
 * init from its `turn` category; the transport serves the same credentials to Janus's own
 * turn_rest_api).
 *
 * Threads: vmr_turn_configure at init/destroy; everything else from any thread (the
 * configuration is copied under a mutex).
 * Ownership: strings and JSON returned are new.
 */
#ifndef TPAAS_VMR_TURN_H
#define TPAAS_VMR_TURN_H

#include <stdint.h>
#include <jansson.h>

/* urls: TURN URIs ("turn:host:3478?transport=udp", "turns:host:443?transport=tcp"),
 * NULL-terminated, copied; secret: coturn's static-auth-secret; ttl_s: lifetime of each
 * credential (>= 60).  urls NULL or empty, or secret NULL: TURN off. */
void vmr_turn_configure(const char *const *urls, const char *secret, unsigned ttl_s);
/* TRUE when TURN is configured. */
int vmr_turn_enabled(void);
/* The credential for a username built from expiry and tag (tag may be NULL: username is then
 * the expiry alone).  0, or -EINVAL. */
int vmr_turn_credential(
	const char *secret, int64_t expiry_s, const char *tag, char **username, char **password);
/* The WebRTC iceServers array for a client: [{"urls": [...], "username": ..., "credential":
 * ...}] valid for the configured lifetime from now; NULL when TURN is off. */
json_t *vmr_turn_ice_servers(const char *tag);
/* The same credential in the TURN REST response form Janus's turn_rest_api reads:
 * {"username", "password", "ttl", "uris": [...]}; NULL when TURN is off. */
json_t *vmr_turn_rest_response(const char *tag);
/* The lifetime of new credentials, 0 when TURN is off. */
unsigned vmr_turn_ttl(void);

#endif
