/*
 * vmr_ratelimit.c - failure counting with lockout (see vmr_ratelimit.h).
 *
 * Entries live in a hash table (key -> entry) and, in the order they last failed, in a
 * queue: the queue head is the eviction victim when the table is full. Forgotten entries
 * are swept whole at most once per base_lock_us, which keeps the cost amortised.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "vmr_ratelimit.h"

typedef struct rl_entry {
	char *key; /* owned; also the hash table key */
	unsigned failures;
	int64_t lock_us;         /* length of the last lock; 0 while never locked */
	int64_t locked_until_us; /* 0 while never locked */
	int64_t last_failure_us;
	GList link; /* in vmr_ratelimit.by_age; data points back here */
} rl_entry;

struct vmr_ratelimit {
	GMutex mutex;
	GHashTable *entries; /* key (borrowed from entry) -> rl_entry, owns entries */
	GQueue by_age;       /* least recently failed first */
	unsigned max_failures;
	int64_t base_lock_us, max_lock_us;
	size_t max_keys;
	int64_t last_sweep_us;
};

static void entry_free(gpointer data)
{
	rl_entry *e = data;
	g_free(e->key);
	g_free(e);
}

vmr_ratelimit *vmr_ratelimit_new(unsigned max_failures, int64_t base_lock_us, int64_t max_lock_us)
{
	g_return_val_if_fail(base_lock_us > 0, NULL);
	vmr_ratelimit *rl = g_new0(vmr_ratelimit, 1);
	g_mutex_init(&rl->mutex);
	rl->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
	g_queue_init(&rl->by_age);
	rl->max_failures = max_failures ? max_failures : 1;
	rl->base_lock_us = base_lock_us;
	rl->max_lock_us = max_lock_us < base_lock_us ? base_lock_us : max_lock_us;
	rl->max_keys = VMR_RATELIMIT_DEFAULT_MAX_KEYS;
	return rl;
}

void vmr_ratelimit_free(vmr_ratelimit *rl)
{
	if (rl == NULL)
		return;
	/* The table owns the entries; the queue only links them. */
	g_queue_init(&rl->by_age);
	g_hash_table_destroy(rl->entries);
	g_mutex_clear(&rl->mutex);
	g_free(rl);
}

/* Caller holds the mutex. */
static void entry_remove(vmr_ratelimit *rl, rl_entry *e)
{
	g_queue_unlink(&rl->by_age, &e->link);
	g_hash_table_remove(rl->entries, e->key);
}

/* An entry is forgotten once it has been quiet, and unlocked, for max_lock_us. */
static gboolean entry_is_forgotten(const vmr_ratelimit *rl, const rl_entry *e, int64_t now_us)
{
	int64_t quiet_since = MAX(e->last_failure_us, e->locked_until_us);
	return now_us - quiet_since >= rl->max_lock_us;
}

/* Caller holds the mutex. */
static void sweep(vmr_ratelimit *rl, int64_t now_us)
{
	if (now_us - rl->last_sweep_us < rl->base_lock_us && now_us >= rl->last_sweep_us)
		return;
	rl->last_sweep_us = now_us;
	GList *l = rl->by_age.head;
	while (l != NULL) {
		GList *next = l->next;
		rl_entry *e = l->data;
		if (entry_is_forgotten(rl, e, now_us))
			entry_remove(rl, e);
		l = next;
	}
}

/* Caller holds the mutex. */
static void evict_over(vmr_ratelimit *rl, size_t keep)
{
	while (g_hash_table_size(rl->entries) > keep && rl->by_age.head != NULL)
		entry_remove(rl, rl->by_age.head->data);
}

void vmr_ratelimit_set_max_keys(vmr_ratelimit *rl, size_t max_keys)
{
	g_return_if_fail(rl != NULL);
	g_mutex_lock(&rl->mutex);
	rl->max_keys = max_keys ? max_keys : 1;
	evict_over(rl, rl->max_keys);
	g_mutex_unlock(&rl->mutex);
}

size_t vmr_ratelimit_size(vmr_ratelimit *rl)
{
	g_return_val_if_fail(rl != NULL, 0);
	g_mutex_lock(&rl->mutex);
	size_t n = g_hash_table_size(rl->entries);
	g_mutex_unlock(&rl->mutex);
	return n;
}

int vmr_ratelimit_check(vmr_ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s)
{
	if (retry_after_s)
		*retry_after_s = 0;
	if (rl == NULL || key == NULL)
		return -EINVAL;
	int rc = 0;
	g_mutex_lock(&rl->mutex);
	sweep(rl, now_us);
	rl_entry *e = g_hash_table_lookup(rl->entries, key);
	if (e != NULL && now_us < e->locked_until_us) {
		int64_t left_us = e->locked_until_us - now_us;
		int64_t s = (left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
		if (retry_after_s)
			*retry_after_s = (int)CLAMP(s, 1, G_MAXINT);
		rc = -EBUSY;
	}
	g_mutex_unlock(&rl->mutex);
	return rc;
}

void vmr_ratelimit_failure(vmr_ratelimit *rl, const char *key, int64_t now_us)
{
	g_return_if_fail(rl != NULL && key != NULL);
	g_mutex_lock(&rl->mutex);
	sweep(rl, now_us);
	rl_entry *e = g_hash_table_lookup(rl->entries, key);
	if (e != NULL && entry_is_forgotten(rl, e, now_us)) {
		entry_remove(rl, e);
		e = NULL;
	}
	if (e == NULL) {
		evict_over(rl, rl->max_keys - 1);
		e = g_new0(rl_entry, 1);
		e->key = g_strdup(key);
		e->link.data = e;
		g_hash_table_insert(rl->entries, e->key, e);
	} else {
		g_queue_unlink(&rl->by_age, &e->link);
	}
	g_queue_push_tail_link(&rl->by_age, &e->link);
	e->last_failure_us = now_us;
	if (e->failures < G_MAXUINT)
		e->failures++;
	if (e->lock_us > 0) {
		/* Locked before: every further failure doubles the lock, up to the cap. */
		e->lock_us = e->lock_us > rl->max_lock_us / 2 ? rl->max_lock_us : e->lock_us * 2;
		e->locked_until_us = now_us + e->lock_us;
	} else if (e->failures >= rl->max_failures) {
		e->lock_us = rl->base_lock_us;
		e->locked_until_us = now_us + e->lock_us;
	}
	g_mutex_unlock(&rl->mutex);
}

void vmr_ratelimit_success(vmr_ratelimit *rl, const char *key)
{
	g_return_if_fail(rl != NULL && key != NULL);
	g_mutex_lock(&rl->mutex);
	rl_entry *e = g_hash_table_lookup(rl->entries, key);
	if (e != NULL)
		entry_remove(rl, e);
	g_mutex_unlock(&rl->mutex);
}
