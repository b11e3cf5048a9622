/*
 * vmr_dialout.h - the one hook between the two plugins: the VMR plugin asks "call this
 * account's registered device into that room" (used by "receive a call when a guest
 * joins"); the SIP bridge fills the hook in at start-up. Only an account's own registered
 * devices can be called this way, never arbitrary numbers, and an account's devices ring at
 * most once per VMR_DIALOUT_MIN_INTERVAL_S however many guests come (no ring bombing).
 *
 * Threads: the handler may be set and called from any thread; it is called without locks
 * held and must not block (queue the call). Ownership: opaque is borrowed until the
 * handler is replaced or cleared.
 */
#ifndef TPAAS_VMR_DIALOUT_H
#define TPAAS_VMR_DIALOUT_H

#include <stdint.h>

#define VMR_DIALOUT_MIN_INTERVAL_S 60

typedef int (*vmr_dialout_fn)(
	void *opaque, int64_t account_id, const char *username, const char *room_address);

/* Sets (or with NULL clears) the handler. */
void vmr_dialout_set_handler(vmr_dialout_fn fn, void *opaque);
/* Asks the handler to call the account's device into the room: its result, -ENOTSUP when
 * no SIP bridge is loaded, or -EALREADY when the account's devices were rung less than
 * VMR_DIALOUT_MIN_INTERVAL_S ago (the handler is not asked). */
int vmr_dialout_request(int64_t account_id, const char *username, const char *room_address);

#endif
