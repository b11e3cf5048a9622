/*
 * vmr_admission.c - the node's budget and the measured load of its rooms (see
 * vmr_admission.h). Each room's load is its CPU time over a window of its own time: its
 * whole life while it is young, then the last WINDOW_US to 2 * WINDOW_US (samples live in
 * `samples`, by room, and go when the room no longer runs).
 *
 * Threads: any; `lock` guards the budget and the samples and is a leaf (never held while
 * calling the rooms registry or the MCU).
 */
#include "vmr_admission.h"
#include "vmr_rooms.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#define WINDOW_US           3000000
#define DEFAULT_RETRY_AFTER 30

typedef struct sample {
	guint64 base_cpu_us, base_up_us; /* the window's start */
	guint64 next_cpu_us, next_up_us; /* the next window's start, once WINDOW_US old */
	guint64 seen;                    /* measure round that last saw the room */
} sample;

static GMutex lock;
static vmr_admission_budget budget = { 0, 0, DEFAULT_RETRY_AFTER };
static GHashTable *samples; /* mcu_room * (not a reference) -> sample */
static guint64 round_no;

void vmr_admission_set_budget(const vmr_admission_budget *b)
{
	g_mutex_lock(&lock);
	if (b) {
		budget = *b;
		if (!(budget.max_load > 0))
			budget.max_load = 0;
		if (budget.retry_after_s < 1)
			budget.retry_after_s = DEFAULT_RETRY_AFTER;
	} else {
		budget = (vmr_admission_budget){ 0, 0, DEFAULT_RETRY_AFTER };
	}
	g_mutex_unlock(&lock);
}

void vmr_admission_get_budget(vmr_admission_budget *b)
{
	g_mutex_lock(&lock);
	*b = budget;
	g_mutex_unlock(&lock);
}

int vmr_admission_decide(const vmr_admission_budget *b, const vmr_node_load *l)
{
	if (b->max_participants && l->participants + 1 > b->max_participants)
		return -EBUSY;
	if (!(b->max_load > 0))
		return 0;
	double expected;
	if (l->room_running)
		expected = l->room_participants ? l->room_load / l->room_participants : 0;
	else
		expected = l->rooms ? l->load / l->rooms : 0;
	return l->load + expected > b->max_load ? -EBUSY : 0;
}

/* One running room as the registry shows it (read under its lock, processed after). */
typedef struct room_view {
	mcu_room *room;
	bool is_asked;
	unsigned participants;
	guint64 cpu_us, up_us;
} room_view;

typedef struct collect {
	const char *address;
	GArray *views;
} collect;

static void collect_room(void *opaque, const char *address, mcu_room *room)
{
	collect *c = opaque;
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	room_view v = {
		.room = room,
		.is_asked = c->address && strcmp(c->address, address) == 0,
		.participants = mcu_room_count(room),
		.cpu_us = st.audio_cpu_us + st.video_cpu_us + st.input_cpu_us,
		.up_us = st.uptime_us,
	};
	g_array_append_val(c->views, v);
}

/* The room's load from its figures and its kept sample (`lock` held): CPU time over the
 * room's time since the window's start, which moves on once a newer sample is WINDOW_US
 * old (so the window is WINDOW_US to 2 * WINDOW_US long when measured often). */
static double room_load(const room_view *v, guint64 round)
{
	sample *s = g_hash_table_lookup(samples, v->room);
	if (s == NULL || v->cpu_us < s->next_cpu_us || v->up_us < s->next_up_us) {
		/* New (or a reused address, or statistics reset): its life so far. */
		if (s == NULL) {
			s = g_new0(sample, 1);
			g_hash_table_insert(samples, v->room, s);
		}
		*s = (sample){ 0, 0, v->cpu_us, v->up_us, 0 };
	} else if (v->up_us - s->next_up_us >= WINDOW_US) {
		s->base_cpu_us = s->next_cpu_us;
		s->base_up_us = s->next_up_us;
		s->next_cpu_us = v->cpu_us;
		s->next_up_us = v->up_us;
	}
	s->seen = round;
	if (v->up_us <= s->base_up_us)
		return 0;
	return (double)(v->cpu_us - s->base_cpu_us) / (double)(v->up_us - s->base_up_us);
}

static gboolean sample_stale(gpointer key, gpointer value, gpointer round)
{
	(void)key;
	return ((sample *)value)->seen != *(guint64 *)round;
}

void vmr_admission_measure(const char *address, vmr_node_load *out)
{
	memset(out, 0, sizeof(*out));
	collect c = { address, g_array_new(FALSE, FALSE, sizeof(room_view)) };
	vmr_rooms_foreach(collect_room, &c);
	g_mutex_lock(&lock);
	if (samples == NULL)
		samples = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	guint64 round = ++round_no;
	for (guint i = 0; i < c.views->len; i++) {
		const room_view *v = &g_array_index(c.views, room_view, i);
		double load = room_load(v, round);
		out->load += load;
		out->rooms++;
		out->participants += v->participants;
		if (v->is_asked) {
			out->room_running = true;
			out->room_load = load;
			out->room_participants = v->participants;
		}
	}
	g_hash_table_foreach_remove(samples, sample_stale, &round);
	g_mutex_unlock(&lock);
	g_array_free(c.views, TRUE);
}

int vmr_admission_check(const char *address, int *retry_after_s)
{
	vmr_admission_budget b;
	vmr_admission_get_budget(&b);
	if (!(b.max_load > 0) && b.max_participants == 0)
		return 0; /* no budget: nothing to measure */
	vmr_node_load l;
	vmr_admission_measure(address, &l);
	int rc = vmr_admission_decide(&b, &l);
	if (rc < 0 && retry_after_s)
		*retry_after_s = b.retry_after_s;
	return rc;
}
