/*
 * vmr_peer.h - the sender's address, carried from our transport to our plugins where a
 * client cannot forge it.
 *
 * Janus tells a plugin nothing about who sent a message, so our transport (transports/)
 * writes the connection's address into every plugin message body.  The client writes that
 * body too, so the address goes under a key no client can know: "_peer." followed by 128
 * random bits drawn from the kernel once per process.  This library is loaded once and shared
 * by the transport and both plugins (RECIPES.md), so all of them see the same key.
 *
 *  1. The transport calls vmr_peer_stamp() on the body of every Janus API request, whatever
 *     the verb and its spelling (the core takes "MESSAGE" as "message"): it deletes every key
 *     starting with "_peer" and adds its own.
 *  2. A plugin calls vmr_peer_take() before it validates a body: a "_peer..." key other than
 *     the secret one (which only another transport could have let through) or a stamped value
 *     that is not an IP address refuses the request.
 * This is the reverse-proxy rule (a proxy replaces any client X-Forwarded-For and the
 * application believes the header only from that proxy), with the proxy's identity proved by
 * the secret key instead of a network address.
 *
 * Threads: any; the key is made once (g_once) and never changes.
 */
#ifndef VMR_PEER_H
#define VMR_PEER_H

#include <jansson.h>

/* Every key starting with this is ours: clients' ones are deleted or refused. */
#define VMR_PEER_PREFIX "_peer"

/* The secret key ("_peer." + 32 hex digits); static, never freed. */
const char *vmr_peer_key(void);

/* Transport: deletes every VMR_PEER_PREFIX key from body (an object; anything else is left
 * alone) and stores addr, the connection's IP address, under the secret key. */
void vmr_peer_stamp(json_t *body, const char *addr);

/* Plugin: takes the stamped address out of body into *addr (a new string; NULL when nothing
 * was stamped) and deletes every VMR_PEER_PREFIX key.  Returns 0, or -EPERM when body held a
 * VMR_PEER_PREFIX key other than the secret one, or -EINVAL when the stamped value is not an
 * IP address (then *addr is NULL). */
int vmr_peer_take(json_t *body, char **addr);

#endif
