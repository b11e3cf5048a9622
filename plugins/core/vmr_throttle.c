/*
 * vmr_throttle.c - token buckets per key (see vmr_throttle.h).
 */
#include "vmr_throttle.h"

#include <errno.h>
#include <math.h>
#include <glib.h>

typedef struct bucket {
	double tokens;
	int64_t last_us; /* when tokens was last brought up to date */
} bucket;

struct vmr_throttle {
	GMutex lock;
	GHashTable *keys; /* char* → bucket* */
	double burst, per_s;
	size_t max_keys;
};

vmr_throttle *vmr_throttle_new(unsigned burst, double per_s, size_t max_keys)
{
	if (burst < 1 || !(per_s > 0) || max_keys < 1)
		return NULL;
	vmr_throttle *t = g_new0(vmr_throttle, 1);
	g_mutex_init(&t->lock);
	t->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	t->burst = burst;
	t->per_s = per_s;
	t->max_keys = max_keys;
	return t;
}

void vmr_throttle_free(vmr_throttle *t)
{
	if (!t)
		return;
	g_hash_table_destroy(t->keys);
	g_mutex_clear(&t->lock);
	g_free(t);
}

/* The bucket's tokens at now_us (refilled since last_us, at most burst). */
static double refilled(const vmr_throttle *t, const bucket *b, int64_t now_us)
{
	double elapsed_s = now_us > b->last_us ? (double)(now_us - b->last_us) / 1e6 : 0;
	return fmin(t->burst, b->tokens + elapsed_s * t->per_s);
}

/* Makes room for one more key. Under lock. */
static void make_room(vmr_throttle *t, int64_t now_us)
{
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, t->keys);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (refilled(t, v, now_us) >= t->burst)
			g_hash_table_iter_remove(&it); /* as if never seen */
	while (g_hash_table_size(t->keys) >= t->max_keys) {
		gpointer oldest = NULL;
		int64_t oldest_us = INT64_MAX;
		g_hash_table_iter_init(&it, t->keys);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			if (((bucket *)v)->last_us < oldest_us) {
				oldest_us = ((bucket *)v)->last_us;
				oldest = k;
			}
		}
		g_hash_table_remove(t->keys, oldest);
	}
}

int vmr_throttle_take(vmr_throttle *t, const char *key, int64_t now_us, int *retry_after_s)
{
	if (!t || !key)
		return -EINVAL;
	g_mutex_lock(&t->lock);
	bucket *b = g_hash_table_lookup(t->keys, key);
	if (!b) {
		if (g_hash_table_size(t->keys) >= t->max_keys)
			make_room(t, now_us);
		b = g_new0(bucket, 1);
		b->tokens = t->burst;
		b->last_us = now_us;
		g_hash_table_insert(t->keys, g_strdup(key), b);
	}
	b->tokens = refilled(t, b, now_us);
	b->last_us = MAX(b->last_us, now_us);
	int rc = 0;
	if (b->tokens >= 1) {
		b->tokens -= 1;
	} else {
		rc = -EBUSY;
		if (retry_after_s)
			*retry_after_s = MAX(1, (int)ceil((1 - b->tokens) / t->per_s));
	}
	g_mutex_unlock(&t->lock);
	return rc;
}

size_t vmr_throttle_size(vmr_throttle *t)
{
	if (!t)
		return 0;
	g_mutex_lock(&t->lock);
	size_t n = g_hash_table_size(t->keys);
	g_mutex_unlock(&t->lock);
	return n;
}
