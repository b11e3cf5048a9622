/*
 * mcu_phase.c - tick phases of the rooms' threads (see mcu_phase.h).
 */
#include "mcu_phase.h"

#include <glib.h>
#include <stdlib.h>

#define PHASE_STEPS 65536u

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

uint16_t mcu_phase_pick(const uint16_t *used, size_t n)
{
	if (!used || n == 0)
		return 0;
	uint16_t *s = g_memdup2(used, n * sizeof(*used));
	qsort(s, n, sizeof(*s), cmp_u16);
	/* The gap after the last phase wraps round to the first. */
	uint32_t best_start = s[n - 1], best_len = PHASE_STEPS - s[n - 1] + s[0];
	for (size_t i = 0; i + 1 < n; i++) {
		uint32_t len = (uint32_t)s[i + 1] - s[i];
		if (len > best_len) {
			best_len = len;
			best_start = s[i];
		}
	}
	g_free(s);
	return (uint16_t)((best_start + best_len / 2) % PHASE_STEPS);
}

static struct {
	GMutex lock;
	GArray *used; /* uint16_t, one per running thread of the kind */
} tables[MCU_PHASE_KINDS];

uint16_t mcu_phase_acquire(mcu_phase_kind kind)
{
	if ((unsigned)kind >= MCU_PHASE_KINDS)
		return 0;
	g_mutex_lock(&tables[kind].lock);
	if (!tables[kind].used)
		tables[kind].used = g_array_new(FALSE, FALSE, sizeof(uint16_t));
	GArray *a = tables[kind].used;
	uint16_t phase = mcu_phase_pick((const uint16_t *)(void *)a->data, a->len);
	g_array_append_val(a, phase);
	g_mutex_unlock(&tables[kind].lock);
	return phase;
}

void mcu_phase_release(mcu_phase_kind kind, uint16_t phase)
{
	if ((unsigned)kind >= MCU_PHASE_KINDS)
		return;
	g_mutex_lock(&tables[kind].lock);
	GArray *a = tables[kind].used;
	for (guint i = 0; a && i < a->len; i++) {
		if (g_array_index(a, uint16_t, i) == phase) {
			g_array_remove_index_fast(a, i);
			break;
		}
	}
	g_mutex_unlock(&tables[kind].lock);
}

int64_t mcu_phase_next_tick(int64_t now_us, int64_t period_us, uint16_t phase)
{
	if (period_us <= 0)
		return now_us;
	int64_t offset = (int64_t)phase * period_us / PHASE_STEPS;
	int64_t into = now_us % period_us; /* the monotonic clock is never negative */
	int64_t wait = offset - into;
	if (wait < 0)
		wait += period_us;
	return now_us + wait;
}
