/*
 * vmr_plugin_hosts.c - janus.plugin.vmr's glue to vmr_hosts (hosts and guests, libtpaas_vmr_core):
 * the pages hear vmr_hosts' events, a session's vmr_hosts_ops queue its decisions (let in,
 * turned away, removed) for the worker, and the host requests (lock, admit, refuse, mute,
 * mute_guests, remove, spotlight, set_layout, end_meeting) and one's own (mute_self,
 * ask_to_speak) are answered here. The rules are all in vmr_hosts.c.
 *
 * Threads: the listener and the ops run on whichever thread vmr_hosts calls them from (a
 * worker request, the SIP bridge's loop, the hosts' timer) and take only sessions_mutex (to
 * find sessions) or queue a worker job; the requests run on the worker.
 */
#include <errno.h>
#include <string.h>

#include "debug.h"

#include "vmr_plugin_priv.h"

/* ---- events to the pages ----------------------------------------------------------------- */

static void hosts_event(
	void *opaque, const char *address, vmr_hosts_audience audience, uint64_t to, json_t *event)
{
	(void)opaque;
	if (!g_atomic_int_get(&vmr_initialized) || g_atomic_int_get(&vmr_stopping))
		return;
	json_t *e = json_copy(event);
	if (json_object_get(e, "room") == NULL)
		json_object_set_new(e, "room", json_string(address));
	session_filter f = { .room = address };
	GList *targets = sessions_matching(&f);
	for (GList *l = targets; l; l = l->next) {
		vmr_session *s = l->data;
		if ((audience == VMR_TO_ONE && s->id != to)
			|| (audience == VMR_TO_HOSTS && !vmr_hosts_is_host(address, s->id)))
			continue;
		vmr_gateway->push_event(s->handle, &vmr_plugin, NULL, e, NULL);
	}
	sessions_release(targets);
	json_decref(e);
}

void vmr_hosts_glue_init(void)
{
	vmr_hosts_set_store(vmr_service_store(vmr_svc));
	vmr_hosts_listener l = { .event = hosts_event };
	vmr_hosts_set_listener(&l);
}

void vmr_hosts_glue_destroy(void)
{
	vmr_hosts_set_listener(NULL);
	vmr_hosts_set_store(NULL);
}

/* ---- a session's ops --------------------------------------------------------------------- */

static void ops_ref(void *opaque)
{
	janus_refcount_increase(&((vmr_session *)opaque)->ref);
}

static void ops_unref(void *opaque)
{
	janus_refcount_decrease(&((vmr_session *)opaque)->ref);
}

typedef struct session_job {
	vmr_session *s; /* a reference */
	int admitted;
	char *reason; /* removed: why */
} session_job;

static void session_job_free(void *data)
{
	session_job *j = data;
	janus_refcount_decrease(&j->s->ref);
	g_free(j->reason);
	g_free(j);
}

static void decided_run(void *data)
{
	session_job *j = data;
	vmr_join_decided(j->s, j->admitted);
}

static void ops_decided(void *opaque, int admitted)
{
	session_job *j = g_new0(session_job, 1);
	j->s = opaque;
	janus_refcount_increase(&j->s->ref);
	j->admitted = admitted;
	worker_run(decided_run, j, session_job_free);
}

/* Worker: a host took the participant out, or the meeting ended. */
static void removed_run(void *data)
{
	session_job *j = data;
	vmr_session *s = j->s;
	janus_mutex_lock(&s->mutex);
	gboolean in_room = s->room != NULL;
	janus_mutex_unlock(&s->mutex);
	if (!in_room || g_atomic_int_get(&s->destroyed))
		return;
	json_t *event = json_pack(
		"{sssssi}", "vmr", "event", "kicked", j->reason, "error_code", VMR_ERROR_REFUSED);
	vmr_gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
	json_decref(event);
	JANUS_LOG(
		LOG_INFO, "[vmr] participant %" SCNu64 " out of the room: %s\n", s->id, j->reason);
	vmr_session_leave(s);
	s->invitation_id = 0;
	vmr_gateway->close_pc(s->handle);
}

static void ops_removed(void *opaque, const char *reason)
{
	session_job *j = g_new0(session_job, 1);
	j->s = opaque;
	janus_refcount_increase(&j->s->ref);
	j->reason = g_strdup(reason);
	worker_run(removed_run, j, session_job_free);
}

void vmr_hosts_session_ops(vmr_session *s, vmr_hosts_ops *ops)
{
	*ops = (vmr_hosts_ops){ .opaque = s,
		.ref = ops_ref,
		.unref = ops_unref,
		.decided = ops_decided,
		.removed = ops_removed };
}

void vmr_hosts_session_gone(vmr_session *s)
{
	janus_mutex_lock(&s->mutex);
	char *room = s->waiting_room;
	s->waiting_room = NULL;
	janus_mutex_unlock(&s->mutex);
	if (room != NULL)
		vmr_hosts_leave(room, s->id);
	g_free(room);
}

/* ---- requests ---------------------------------------------------------------------------- */

static void reply(vmr_message *msg, json_t *event)
{
	vmr_gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
}

static json_t *ok(const char *what)
{
	return json_pack("{ssss}", "vmr", "event", "result", what);
}

static json_t *hosts_error(int rc)
{
	return rc == -EPERM     ? vmr_error_json(VMR_ERROR_NOT_HOST, "only a host may do this")
		: rc == -EINVAL ? vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "invalid value")
				: vmr_error_json(VMR_ERROR_NOT_FOUND, "no such participant");
}

/* The room's host actions, newest first (hosts only). */
static json_t *host_actions(const char *room, uint64_t id)
{
	if (!vmr_hosts_is_host(room, id))
		return hosts_error(-EPERM);
	GPtrArray *list = vmr_store_host_action_list(vmr_service_store(vmr_svc), room, 100);
	if (list == NULL)
		return vmr_error_json(VMR_ERROR_INTERNAL, "store unavailable");
	json_t *arr = json_array();
	for (guint i = 0; i < list->len; i++) {
		vmr_host_action *a = g_ptr_array_index(list, i);
		json_t *j = json_pack(
			"{sssssI}", "by", a->actor, "action", a->action, "at", (json_int_t)a->at);
		if (a->target)
			json_object_set_new(j, "target", json_string(a->target));
		json_array_append_new(arr, j);
	}
	g_ptr_array_unref(list);
	json_t *r = ok("host_actions");
	json_object_set_new(r, "actions", arr);
	return r;
}

int vmr_hosts_handle_request(vmr_message *msg, const vmr_request *req)
{
	if (req->type < VMR_REQ_LOCK || req->type > VMR_REQ_HOST_ACTIONS)
		return 0;
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	char *room = g_strdup(s->room_name);
	janus_mutex_unlock(&s->mutex);
	if (room == NULL) {
		reply(msg, vmr_error_json(VMR_ERROR_NOT_JOINED, "not in a room"));
		return 1;
	}
	uint64_t id = (uint64_t)vmr_request_int(req, "id", 0);
	int rc = 0;
	const char *layout = NULL;
	json_t *answer = NULL;
	switch (req->type) {
	case VMR_REQ_LOCK:
		rc = vmr_hosts_set_locked(room, s->id, vmr_request_bool(req, "locked", 0));
		break;
	case VMR_REQ_ADMIT: rc = vmr_hosts_decide(room, s->id, id, 1); break;
	case VMR_REQ_REFUSE: rc = vmr_hosts_decide(room, s->id, id, 0); break;
	case VMR_REQ_MUTE:
		rc = vmr_hosts_mute(room, s->id, id, vmr_request_bool(req, "muted", 0));
		break;
	case VMR_REQ_MUTE_GUESTS:
		rc = vmr_hosts_mute_guests(room, s->id, vmr_request_bool(req, "muted", 0));
		break;
	case VMR_REQ_REMOVE: rc = id == s->id ? -EINVAL : vmr_hosts_remove(room, s->id, id); break;
	case VMR_REQ_SPOTLIGHT: rc = vmr_hosts_spotlight(room, s->id, id); break;
	case VMR_REQ_SET_LAYOUT:
		rc = vmr_hosts_layout(room, s->id, vmr_request_string(req, "layout"), &layout);
		break;
	case VMR_REQ_END_MEETING: rc = vmr_hosts_end(room, s->id); break;
	case VMR_REQ_MUTE_SELF:
		rc = vmr_hosts_self_mute(room, s->id, vmr_request_bool(req, "muted", 0));
		break;
	case VMR_REQ_ASK_TO_SPEAK: rc = vmr_hosts_ask_to_speak(room, s->id); break;
	case VMR_REQ_HOST_ACTIONS: answer = host_actions(room, s->id); break;
	default: break;
	}
	if (answer == NULL && rc == 0) {
		answer = ok("ok");
		if (layout)
			json_object_set_new(answer, "layout", json_string(layout));
	} else if (answer == NULL) {
		answer = rc == -EPERM && req->type == VMR_REQ_MUTE_SELF
			? vmr_error_json(VMR_ERROR_NOT_HOST, "muted by a host: ask to speak")
			: hosts_error(rc);
		JANUS_LOG(LOG_WARN, "[vmr] %s refused for participant %" SCNu64 " in %s: %s\n",
			req->name, s->id, room, g_strerror(-rc));
	}
	reply(msg, answer);
	g_free(room);
	return 1;
}
