/*
 * vmr_pinguard.c - the shared PIN-guessing guard (see vmr_pinguard.h).
 *
 * Sources are counted by a vmr_ratelimit (bounded, least recently failed evicted first).
 * Rooms each keep a ring of their last room_failures failure times: the room locks when the
 * ring is full and its oldest entry is inside the window. Room entries are swept once they
 * have been quiet for memory_us; the table is capped (only existing rooms are counted, so
 * the cap is never reached in practice; past it, new rooms are not counted per room but
 * still per source).
 */
#include "vmr_pinguard.h"
#include "vmr_ratelimit.h"
#include "vmr_metrics.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#define ROOMS_MAX 20000

typedef struct room_entry {
	int64_t *fails;   /* ring of the last room_failures failure times */
	unsigned n, head; /* entries used; next slot */
	int64_t lock_us;  /* length of the last lock, 0: never locked */
	int64_t locked_until_us;
	int64_t last_failure_us;
} room_entry;

struct vmr_pinguard {
	GMutex lock;
	vmr_pinguard_limits lim;
	vmr_ratelimit *sources;
	GHashTable *rooms; /* address (owned) -> room_entry (owned) */
	int64_t last_sweep_us;
	vmr_pinguard_lock_fn hook;
	void *hook_opaque;
};

void vmr_pinguard_limits_default(vmr_pinguard_limits *lim)
{
	lim->source_free = 5;
	lim->source_base_us = 60 * G_USEC_PER_SEC;
	lim->room_failures = 20;
	lim->room_window_us = 600 * G_USEC_PER_SEC;
	lim->room_lock_us = 600 * G_USEC_PER_SEC;
	lim->max_lock_us = (int64_t)24 * 3600 * G_USEC_PER_SEC;
	lim->memory_us = (int64_t)24 * 3600 * G_USEC_PER_SEC;
}

static void room_entry_free(gpointer p)
{
	room_entry *e = p;
	g_free(e->fails);
	g_free(e);
}

vmr_pinguard *vmr_pinguard_new(const vmr_pinguard_limits *lim)
{
	vmr_pinguard *g = g_new0(vmr_pinguard, 1);
	if (lim != NULL)
		g->lim = *lim;
	else
		vmr_pinguard_limits_default(&g->lim);
	if (g->lim.room_failures == 0)
		g->lim.room_failures = 1;
	if (g->lim.source_base_us <= 0)
		g->lim.source_base_us = G_USEC_PER_SEC;
	if (g->lim.room_lock_us <= 0)
		g->lim.room_lock_us = G_USEC_PER_SEC;
	if (g->lim.max_lock_us < g->lim.room_lock_us)
		g->lim.max_lock_us = g->lim.room_lock_us;
	/* vmr_ratelimit forgets a key after max_lock_us of quiet: the longer of the two */
	g->sources = vmr_ratelimit_new(g->lim.source_free, g->lim.source_base_us,
		MAX(g->lim.max_lock_us, g->lim.memory_us));
	g_mutex_init(&g->lock);
	g->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, room_entry_free);
	return g;
}

void vmr_pinguard_free(vmr_pinguard *g)
{
	if (g == NULL)
		return;
	vmr_ratelimit_free(g->sources);
	g_hash_table_destroy(g->rooms);
	g_mutex_clear(&g->lock);
	g_free(g);
}

vmr_pinguard *vmr_pinguard_shared(void)
{
	static gsize once = 0;
	static vmr_pinguard *shared;
	if (g_once_init_enter(&once)) {
		shared = vmr_pinguard_new(NULL);
		g_once_init_leave(&once, 1);
	}
	return shared;
}

void vmr_pinguard_set_lock_hook(vmr_pinguard *g, vmr_pinguard_lock_fn fn, void *opaque)
{
	g_mutex_lock(&g->lock);
	g->hook = fn;
	g->hook_opaque = opaque;
	g_mutex_unlock(&g->lock);
}

static int seconds_left(int64_t until_us, int64_t now_us)
{
	int64_t s = (until_us - now_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
	return (int)CLAMP(s, 1, G_MAXINT);
}

/* Lock held. Drops room entries quiet for memory_us, at most once a minute. */
static void sweep_rooms(vmr_pinguard *g, int64_t now_us)
{
	if (now_us - g->last_sweep_us < 60 * G_USEC_PER_SEC && now_us >= g->last_sweep_us)
		return;
	g->last_sweep_us = now_us;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, g->rooms);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		room_entry *e = v;
		if (now_us - MAX(e->last_failure_us, e->locked_until_us) >= g->lim.memory_us)
			g_hash_table_iter_remove(&it);
	}
}

int vmr_pinguard_check(vmr_pinguard *g, const char *room, const char *source, int64_t now_us,
	int *retry_after_s, int *room_locked)
{
	if (retry_after_s)
		*retry_after_s = 0;
	if (room_locked)
		*room_locked = 0;
	if (g == NULL || source == NULL)
		return -EINVAL;
	if (room != NULL) {
		g_mutex_lock(&g->lock);
		room_entry *e = g_hash_table_lookup(g->rooms, room);
		int left = e != NULL && now_us < e->locked_until_us
			? seconds_left(e->locked_until_us, now_us)
			: 0;
		g_mutex_unlock(&g->lock);
		if (left > 0) {
			if (retry_after_s)
				*retry_after_s = left;
			if (room_locked)
				*room_locked = 1;
			return -EBUSY;
		}
	}
	return vmr_ratelimit_check(g->sources, source, now_us, retry_after_s);
}

int vmr_pinguard_failure(vmr_pinguard *g, const char *room, const char *source, int64_t now_us)
{
	vmr_metrics_inc(VMR_METRIC_PIN_FAILURES);
	if (g == NULL || source == NULL)
		return 0;
	vmr_ratelimit_failure(g->sources, source, now_us);
	if (room == NULL)
		return 0;
	int locked = 0, lock_s = 0;
	unsigned failures = 0;
	vmr_pinguard_lock_fn hook = NULL;
	void *opaque = NULL;
	g_mutex_lock(&g->lock);
	sweep_rooms(g, now_us);
	room_entry *e = g_hash_table_lookup(g->rooms, room);
	if (e == NULL && g_hash_table_size(g->rooms) < ROOMS_MAX) {
		e = g_new0(room_entry, 1);
		e->fails = g_new0(int64_t, g->lim.room_failures);
		g_hash_table_insert(g->rooms, g_strdup(room), e);
	}
	if (e != NULL && now_us >= e->locked_until_us) {
		e->last_failure_us = now_us;
		e->fails[e->head] = now_us;
		e->head = (e->head + 1) % g->lim.room_failures;
		if (e->n < g->lim.room_failures)
			e->n++;
		/* full ring: the oldest entry is at head */
		if (e->n == g->lim.room_failures
			&& now_us - e->fails[e->head] < g->lim.room_window_us) {
			if (e->lock_us > 0 && now_us - e->locked_until_us < g->lim.memory_us)
				e->lock_us = e->lock_us > g->lim.max_lock_us / 2
					? g->lim.max_lock_us
					: e->lock_us * 2;
			else
				e->lock_us = g->lim.room_lock_us;
			e->locked_until_us = now_us + e->lock_us;
			failures = e->n;
			e->n = 0;
			e->head = 0;
			locked = 1;
			lock_s = seconds_left(e->locked_until_us, now_us);
			hook = g->hook;
			opaque = g->hook_opaque;
		}
	}
	g_mutex_unlock(&g->lock);
	if (locked && hook != NULL)
		hook(opaque, room, lock_s, failures);
	return locked;
}
