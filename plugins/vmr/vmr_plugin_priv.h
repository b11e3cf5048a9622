/*
 * vmr_plugin_priv.h - what the two halves of janus.plugin.vmr share: vmr_plugin.c (the Janus
 * plugin: life cycle, sessions, media callbacks, the worker thread) and vmr_plugin_requests.c
 * (what the worker does with each request: joins, management, notifications).
 *
 * Threads and ownership as described in vmr_plugin.c: sessions are refcounted; sessions_mutex
 * guards the sessions table and each session's room fields (lock order: sessions_mutex, then
 * the session's own mutex, then the MCU participant's locks: vmr_incoming_rtp/rtcp call into
 * the MCU holding the session's mutex, which is safe because the MCU's io callbacks take no
 * plugin lock); the request functions run on the single worker thread.
 * Nothing here is exported from the .so (-fvisibility=hidden).
 */
#ifndef TPAAS_VMR_PLUGIN_PRIV_H
#define TPAAS_VMR_PLUGIN_PRIV_H

#include <jansson.h>
#include <glib.h>

#include "plugins/plugin.h"
#include "mutex.h"
#include "refcount.h"

#include "mcu_room.h"
#include "vmr_simulcast.h"
#include "vmr_request.h"
#include "vmr_rooms.h"
#include "vmr_hosts.h"
#include "vmr_pinguard.h"
#include "vmr_service.h"
#include "vmr_media_quality.h"
#include "vmr_plugin_content.h"

typedef struct vmr_session {
	vmr_member member; /* first: the MCU's io.opaque is this session (see vmr_rooms.h) */
	janus_plugin_session *handle;
	guint64 id;        /* participant id shown to the room */
	janus_mutex mutex; /* guards room/part/display */
	mcu_room *room;
	mcu_participant *part;
	char *room_name; /* the room's address while in it */
	char *display;
	int64_t room_id;           /* store id of the room while in it */
	int64_t invitation_id;     /* the invitation used to join, 0 when none */
	const char *kind;          /* "browser" or "app" (vmr_ops_kind), set at join */
	vmr_rx_state rx_in[2];     /* loss and jitter of what we receive, audio/video (mutex) */
	vmr_content_state content; /* the content stream (vmr_plugin_content.h), atomics */
	vmr_simulcast sim;         /* the offer's simulcast video layers (mutex) */
	vmr_simulcast sim_offer;   /* the same, read at join: worker thread only */
	vmr_client client;         /* login state; used by the worker thread only */
	/* A join held by vmr_hosts (waiting for a host or knocking): worker thread only; its
	 * room's address also in waiting_room (under mutex) for vmr_destroy_session. */
	struct vmr_pending_join *pending;
	char *waiting_room;
	volatile gint media_up;
	volatile gint destroyed;
	janus_refcount ref;
} vmr_session;

typedef struct vmr_message {
	vmr_session *session;
	char *peer;      /* the client's address, stamped by our transport */
	char *queue_key; /* whose share of the worker's queue it takes (vmr_plugin.c) */
	char *transaction;
	json_t *message;
	json_t *jsep;
	/* An internal job instead of a request (session NULL): job(job_data) runs on the worker,
	 * then job_free(job_data). */
	void (*job)(void *data);
	void *job_data;
	GDestroyNotify job_free;
} vmr_message;

/* Which sessions a notification or an action is for. */
typedef struct session_filter {
	const char *room;        /* in this room (by address) */
	int64_t room_id;         /* in the room with this store id */
	int64_t account_id;      /* logged in as this account */
	const char *except_room; /* ...but not in this room */
	int64_t invitation_id;   /* joined with this invitation */
	vmr_session *skip;
} session_filter;

extern janus_plugin vmr_plugin;
extern janus_callbacks *vmr_gateway;
extern volatile gint vmr_initialized, vmr_stopping;
extern janus_mutex sessions_mutex;
extern vmr_service *vmr_svc;

/* vmr_plugin.c */
vmr_session *session_lookup(janus_plugin_session *handle); /* new reference or NULL */
GList *sessions_matching(const session_filter *f);         /* new references */
void sessions_release(GList *list);
int vmr_notify(const session_filter *f, json_t *event); /* event borrowed */
void room_notify(const char *name, vmr_session *skip, json_t *event);
void room_event(
	const char *name, vmr_session *skip, const char *key, json_t *value); /* steals value */
json_t *room_participants(const char *name);                                  /* new reference */
void vmr_session_leave(vmr_session *s);
void vmr_io_send_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len);
void io_request_keyframe(void *opaque);
/* Runs job(data) on the worker thread, after the requests already queued (any thread);
 * job_free(data) afterwards, or at once when the plugin is stopping. */
void worker_run(void (*job)(void *data), void *data, GDestroyNotify job_free);

/* vmr_plugin_hosts.c: hosts and guests (vmr_hosts.h) for browsers */
void vmr_hosts_glue_init(void);
void vmr_hosts_glue_destroy(void);
/* The vmr_hosts_ops of a session (the ops hold a session reference while in use). */
void vmr_hosts_session_ops(vmr_session *s, vmr_hosts_ops *ops);
/* Host actions and one's own in the room: 1 when req was one of them (answered), else 0. */
int vmr_hosts_handle_request(vmr_message *msg, const vmr_request *req);
/* The session stops waiting (leave, detach): forgets its held join. Any thread. */
void vmr_hosts_session_gone(vmr_session *s);

/* vmr_plugin_requests.c */
/* A held join was decided (worker thread): joins the room now, or answers the refusal. */
void vmr_join_decided(vmr_session *s, int admitted);
void vmr_pending_join_free(struct vmr_pending_join *p);
void vmr_guest_joined(void *opaque, const char *address, uint64_t id, const char *display,
	int is_sip, int64_t invitation_id);
void vmr_handle_request(vmr_message *msg);
/* Several nodes (vmr_plugin_cluster.c). */
int vmr_cluster_glue_init(const char *config_file, vmr_store *store, const char *public_url);
void vmr_cluster_glue_destroy(void);
void vmr_cluster_handle_locate(vmr_message *msg, const vmr_request *req);
/* Adds the `url` and `node` where `address` runs to a 435 error event. */
void vmr_cluster_add_url(json_t *event, const char *address);
/* TRUE after answering 435 when the room runs on another live node. */
gboolean vmr_cluster_refuse_join(vmr_message *msg, const char *address);
/* Answers the JSEP offer of a request from a participant in a room (a renegotiation: a
 * content stream added or removed, an ICE restart): 0 with *answer (new JSEP, to send with
 * the reply) and the content stream updated (vmr_content_negotiated), or -1 after replying
 * the error. */
int vmr_answer_jsep(vmr_message *msg, json_t **answer);
void vmr_mail_result(
	void *opaque, int64_t owner_id, int64_t invitation_id, int result, const char *error);
/* vmr_pinguard lock hook: logs and tells the room's owner (event "pin_locked"). */
void vmr_pin_locked(void *opaque, const char *address, int lock_s, unsigned failures);

#endif
