/*
 * vmr_hosts_batch.c - work decided under hosts_lock, carried out after it (see
 * vmr_hosts_priv.h): participants' callbacks, events to the listener, host actions in the
 * store's log.
 */
#include "vmr_hosts_priv.h"

#include <string.h>

typedef struct job {
	job_kind kind;
	vmr_hosts_ops ops; /* JOB_DECIDED/REMOVED/TOLD: a ref is held */
	int arg;
	char *text; /* reason / what; JOB_LOG: action */
	char *address;
	vmr_hosts_audience audience;
	uint64_t to;
	json_t *event;
	char *actor, *target; /* JOB_LOG */
} job;

static GRWLock listener_lock;
static vmr_hosts_listener listener;
static vmr_store *log_store; /* under hosts_lock */

void vmr_hosts_set_listener(const vmr_hosts_listener *l)
{
	g_rw_lock_writer_lock(&listener_lock);
	if (l != NULL)
		listener = *l;
	else
		memset(&listener, 0, sizeof(listener));
	g_rw_lock_writer_unlock(&listener_lock);
}

void vmr_hosts_set_store(vmr_store *store)
{
	g_mutex_lock(&hosts_lock);
	log_store = store;
	g_mutex_unlock(&hosts_lock);
}

/* ---- batches ----------------------------------------------------------------------------- */

void hosts_push_ops(batch *b, job_kind kind, const hmember *m, int arg, const char *text)
{
	job *j = g_new0(job, 1);
	j->kind = kind;
	j->ops = m->ops;
	j->arg = arg;
	j->text = g_strdup(text);
	if (j->ops.ref)
		j->ops.ref(j->ops.opaque);
	g_queue_push_tail(b, j);
}

/* Steals event. */
void hosts_push_event(
	batch *b, const hroom *r, vmr_hosts_audience audience, uint64_t to, json_t *event)
{
	job *j = g_new0(job, 1);
	j->kind = JOB_EVENT;
	j->address = g_strdup(r->address);
	j->audience = audience;
	j->to = to;
	j->event = event;
	g_queue_push_tail(b, j);
}

/* {"vmr":"event", key: value} (steals value). */
json_t *hosts_event_new(const char *key, json_t *value)
{
	json_t *e = json_object();
	json_object_set_new(e, "vmr", json_string("event"));
	json_object_set_new(e, key, value);
	return e;
}

static char *actor_name(const hmember *m)
{
	return m ? g_strdup_printf("%s (%s)", m->display, m->how) : g_strdup("the room");
}

/* A host action: logged, and every host hears it (the actor too: its other pages). */
void hosts_push_action(
	batch *b, const hroom *r, const hmember *by, const char *action, const hmember *target)
{
	job *j = g_new0(job, 1);
	j->kind = JOB_LOG;
	j->address = g_strdup(r->address);
	j->actor = actor_name(by);
	j->text = g_strdup(action);
	j->target = target ? g_strdup_printf("%s (%s)", target->display, target->how) : NULL;
	g_queue_push_tail(b, j);
	json_t *a = json_object();
	json_object_set_new(a, "by", json_string(j->actor));
	json_object_set_new(a, "by_id", json_integer(by ? (json_int_t)by->id : 0));
	json_object_set_new(a, "action", json_string(action));
	if (target) {
		json_object_set_new(a, "target", json_string(j->target));
		json_object_set_new(a, "target_id", json_integer((json_int_t)target->id));
	}
	json_object_set_new(
		a, "at", json_integer((json_int_t)(g_get_real_time() / G_USEC_PER_SEC)));
	hosts_push_event(b, r, VMR_TO_HOSTS, 0, hosts_event_new("host_action", a));
}

static void job_free(job *j)
{
	g_free(j->text);
	g_free(j->address);
	g_free(j->actor);
	g_free(j->target);
	if (j->event)
		json_decref(j->event);
	g_free(j);
}

/* Carries out a batch (no lock held). */
void hosts_batch_run(batch *b)
{
	job *j;
	while ((j = g_queue_pop_head(b)) != NULL) {
		switch (j->kind) {
		case JOB_DECIDED:
			if (j->ops.decided)
				j->ops.decided(j->ops.opaque, j->arg);
			break;
		case JOB_REMOVED:
			if (j->ops.removed)
				j->ops.removed(j->ops.opaque, j->text);
			break;
		case JOB_TOLD:
			if (j->ops.told)
				j->ops.told(j->ops.opaque, j->text);
			break;
		case JOB_EVENT:
			g_rw_lock_reader_lock(&listener_lock);
			if (listener.event)
				listener.event(
					listener.opaque, j->address, j->audience, j->to, j->event);
			g_rw_lock_reader_unlock(&listener_lock);
			break;
		case JOB_LOG: {
			g_mutex_lock(&hosts_lock);
			vmr_store *store = log_store;
			g_mutex_unlock(&hosts_lock);
			/* (the store outlives the plugins' use of this module: set_store(NULL) first) */
			if (store)
				vmr_store_host_action_add(store, j->address, j->actor, j->text,
					j->target, g_get_real_time() / G_USEC_PER_SEC);
			break;
		}
		}
		if (j->kind == JOB_DECIDED || j->kind == JOB_REMOVED || j->kind == JOB_TOLD) {
			if (j->ops.unref)
				j->ops.unref(j->ops.opaque);
		}
		job_free(j);
	}
}
