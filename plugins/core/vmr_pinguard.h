/*
 * vmr_pinguard.h - the one guard against PIN guessing, shared by every way a PIN is entered:
 * a browser's join (vmr_service.c) and a SIP caller's keypad, after dialling a room or from
 * the lobby (sipb_call.c). It lives in libtpaas_vmr_core, so both plugins count into the same
 * state (vmr_pinguard_shared). Two limits, both must allow a try:
 *
 *  1. Per source address, over all rooms: the `source_free`-th wrong PIN locks the source
 *     for `source_base_us`; each one after that doubles the lock (1, 2, 4 ... min) up to
 *     `max_lock_us`. The count is kept for `memory_us` after the last failure (or the end
 *     of the last lock), so waiting a lock out does not start the count afresh, and a right
 *     PIN does not reset it either (else the attacker's own PIN room would).
 *  2. Per room, over all sources: `room_failures` wrong PINs within `room_window_us` lock
 *     PIN entry to the room for `room_lock_us`; each further room lock that starts within
 *     `memory_us` of the previous one doubles it, up to `max_lock_us`. This is Pexip's rule
 *     (20 wrong PINs in 10 minutes block the room), with backoff so that many sources
 *     together get a few hundred tries a day, not thousands. The owner (logged in) and
 *     invitation links need no PIN and are not affected; the lock hook tells the owner.
 *
 * Time comes from the caller (now_us: g_get_monotonic_time() in the service), so a test can
 * play days of guessing in milliseconds.
 *
 * Threads: any; one mutex per guard. The lock hook is called on the thread that reported the
 * failure, with no guard lock held; it must not block for long (queue slow work).
 * Ownership: keys (room addresses, sources) are copied; vmr_pinguard_shared() lives until
 * the process ends.
 */
#ifndef TPAAS_VMR_PINGUARD_H
#define TPAAS_VMR_PINGUARD_H

#include <stdint.h>

typedef struct vmr_pinguard vmr_pinguard;

typedef struct vmr_pinguard_limits {
	unsigned source_free;   /* 5 */
	int64_t source_base_us; /* 60 s */
	unsigned room_failures; /* 20 */
	int64_t room_window_us; /* 10 min */
	int64_t room_lock_us;   /* 10 min */
	int64_t max_lock_us;    /* 24 h */
	int64_t memory_us;      /* 24 h (for sources: at least max_lock_us) */
} vmr_pinguard_limits;

void vmr_pinguard_limits_default(vmr_pinguard_limits *lim);

/* lim NULL: the defaults. */
vmr_pinguard *vmr_pinguard_new(const vmr_pinguard_limits *lim);
void vmr_pinguard_free(vmr_pinguard *g);
/* The process's guard, made on first use with the defaults. */
vmr_pinguard *vmr_pinguard_shared(void);

/* Called when a room gets locked: its address, the lock's length in seconds, and how many
 * wrong PINs came within the window. NULL clears. */
typedef void (*vmr_pinguard_lock_fn)(void *opaque, const char *room, int lock_s, unsigned failures);
void vmr_pinguard_set_lock_hook(vmr_pinguard *g, vmr_pinguard_lock_fn fn, void *opaque);

/* 0 when `source` may enter a PIN for `room` now; -EBUSY when the source or the room is
 * locked (*retry_after_s, may be NULL: whole seconds left, >= 1; *room_locked, may be NULL:
 * 1 when it is the room's lock). room may be NULL (only the source is checked). */
int vmr_pinguard_check(vmr_pinguard *g, const char *room, const char *source, int64_t now_us,
	int *retry_after_s, int *room_locked);
/* Counts one wrong PIN from source for room (room NULL: no such room, counted for the source
 * only). Returns 1 when this failure locked the room (the hook has been called), else 0. */
int vmr_pinguard_failure(vmr_pinguard *g, const char *room, const char *source, int64_t now_us);

#endif
