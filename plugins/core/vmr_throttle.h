/*
 * vmr_throttle.h - a request rate per key (a token bucket): each key ("ip:192.0.2.7") may make
 * `burst` requests at once and `per_s` more every second after that, whatever the requests'
 * outcome. For requests that cost a lookup and answer the same to everyone (locate), where
 * counting failures (vmr_ratelimit.h) would itself tell which names exist.
 *
 * Memory stays bounded: a key is an entry only while its bucket is not full again; when
 * max_keys entries are kept, full buckets are swept first, then the key that asked least
 * recently is evicted (it starts again with a full bucket: someone with very many addresses
 * gets more, as with any per-address limit).
 *
 * Time comes from the caller (now_us, e.g. g_get_monotonic_time()), so tests need no sleep.
 *
 * Threads: any thread; one GMutex guards each throttle. The owner creates it with _new and
 * frees it with _free once no other thread uses it. Keys are copied.
 */
#ifndef TPAAS_VMR_THROTTLE_H
#define TPAAS_VMR_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct vmr_throttle vmr_throttle;

/* burst at least 1, per_s > 0, max_keys at least 1; NULL otherwise. */
vmr_throttle *vmr_throttle_new(unsigned burst, double per_s, size_t max_keys);
void vmr_throttle_free(vmr_throttle *t);

/* 0: key may make this request (one token taken); -EBUSY: not now, *retry_after_s (may be
 * NULL) gets the whole seconds until it may, at least 1; -EINVAL for NULL t or key. */
int vmr_throttle_take(vmr_throttle *t, const char *key, int64_t now_us, int *retry_after_s);
/* Keys currently remembered (for tests and statistics). */
size_t vmr_throttle_size(vmr_throttle *t);

#endif
