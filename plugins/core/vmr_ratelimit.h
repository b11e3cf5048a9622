/*
 * vmr_ratelimit.h - failure counting with lockout: wrong PINs per room and per source
 * address, wrong passwords per account.
 *
 * Each key (any string: "room:917932", "ip:192.0.2.7") counts its failures. After
 * max_failures of them the key is locked for base_lock_us; every further failure after
 * that (once the lock has passed, or while it lasts) doubles the lock, up to max_lock_us.
 * A success forgets the key. A key that has been quiet (no failure, not locked) for
 * max_lock_us is forgotten too, so counting starts again from zero.
 *
 * Memory stays bounded: only failures create entries, forgotten entries are swept as time
 * passes, and at most max_keys (VMR_RATELIMIT_DEFAULT_MAX_KEYS unless changed) are kept;
 * past that the least recently failed key is evicted. The cap means someone with very many
 * source addresses can push a locked address out: per-room keys (few) are the real guard.
 *
 * Time comes from the caller (now_us, e.g. g_get_monotonic_time()), so tests need no sleep.
 *
 * Threads: any thread; one GMutex guards each limiter. The owner creates it with _new and
 * frees it with _free once no other thread uses it. Keys are copied.
 */
#ifndef TPAAS_VMR_RATELIMIT_H
#define TPAAS_VMR_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define VMR_RATELIMIT_DEFAULT_MAX_KEYS 10000

typedef struct vmr_ratelimit vmr_ratelimit;

/* max_failures 0 counts as 1; base_lock_us must be > 0; max_lock_us below base_lock_us
 * counts as base_lock_us. Never NULL for valid arguments. */
vmr_ratelimit *vmr_ratelimit_new(unsigned max_failures, int64_t base_lock_us, int64_t max_lock_us);
void vmr_ratelimit_free(vmr_ratelimit *rl);

/* Changes the cap on keys (at least 1); evicts the oldest entries at once if over it. */
void vmr_ratelimit_set_max_keys(vmr_ratelimit *rl, size_t max_keys);
/* Keys currently remembered (for tests and statistics). */
size_t vmr_ratelimit_size(vmr_ratelimit *rl);

/* 0 when key may try now, -EBUSY when it is locked: *retry_after_s (may be NULL) gets the
 * whole seconds left, at least 1. -EINVAL for NULL rl or key. Creates no entry. */
int vmr_ratelimit_check(vmr_ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s);
/* Counts one failure of key at now_us (and locks it, or doubles its lock, as above). */
void vmr_ratelimit_failure(vmr_ratelimit *rl, const char *key, int64_t now_us);
/* Forgets key: its failures and any lock. */
void vmr_ratelimit_success(vmr_ratelimit *rl, const char *key);

#endif
