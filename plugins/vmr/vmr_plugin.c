/*
 * vmr_plugin.c - janus.plugin.vmr: the Janus glue of the virtual meeting room.
 *
 * Translates Janus callbacks into calls on our libraries: requests are validated by
 * vmr_request, rooms come from vmr_store, media goes through the shared MCU
 * (libtpaas_mcu). Nothing here mixes or stores anything itself.
 *
 * Threads: Janus calls handle_message on its request threads; we only queue the message
 * and a single worker thread handles it (join = SDP offer/answer + MCU join). RTP/RTCP
 * callbacks run on Janus's per-handle loop threads and go straight to the MCU. The MCU
 * calls our send_rtp/request_keyframe from its own mixer threads.
 *
 * Ownership: a vmr_session is refcounted (janus_refcount): one reference is held by the
 * sessions table from create_session until destroy_session, one by every queued message,
 * and one by the MCU participant io (dropped right after mcu_room_leave returns, after
 * which the MCU never calls us again). Rooms: `rooms` maps a room name to an mcu_room
 * reference; a room is created on its first join and released when the last one leaves.
 */
#include <errno.h>
#include <string.h>
#include <jansson.h>
#include <glib.h>

#include "plugins/plugin.h"
#include "debug.h"
#include "config.h"
#include "mutex.h"
#include "rtcp.h"
#include "sdp-utils.h"
#include "utils.h"

#include "mcu_room.h"
#include "vmr_request.h"
#include "vmr_store.h"

#define VMR_VERSION 1
#define VMR_VERSION_STRING "0.1.0"
#define VMR_DESCRIPTION "tpaas-vmr: virtual meeting rooms with an MCU (mixed audio, composed video)"
#define VMR_NAME "tpaas VMR"
#define VMR_AUTHOR "tpaas-vmr developers"
#define VMR_PACKAGE "janus.plugin.vmr"

#define VMR_EXPORT __attribute__((visibility("default")))

static int vmr_init(janus_callbacks *callback, const char *config_path);
static void vmr_destroy(void);
static int vmr_get_api_compatibility(void) { return JANUS_PLUGIN_API_VERSION; }
static int vmr_get_version(void) { return VMR_VERSION; }
static const char *vmr_get_version_string(void) { return VMR_VERSION_STRING; }
static const char *vmr_get_description(void) { return VMR_DESCRIPTION; }
static const char *vmr_get_name(void) { return VMR_NAME; }
static const char *vmr_get_author(void) { return VMR_AUTHOR; }
static const char *vmr_get_package(void) { return VMR_PACKAGE; }
static void vmr_create_session(janus_plugin_session *handle, int *error);
static struct janus_plugin_result *vmr_handle_message(janus_plugin_session *handle,
	char *transaction, json_t *message, json_t *jsep);
static json_t *vmr_handle_admin_message(json_t *message);
static void vmr_setup_media(janus_plugin_session *handle);
static void vmr_incoming_rtp(janus_plugin_session *handle, janus_plugin_rtp *packet);
static void vmr_incoming_rtcp(janus_plugin_session *handle, janus_plugin_rtcp *packet);
static void vmr_hangup_media(janus_plugin_session *handle);
static void vmr_destroy_session(janus_plugin_session *handle, int *error);
static json_t *vmr_query_session(janus_plugin_session *handle);

static janus_plugin vmr_plugin =
	JANUS_PLUGIN_INIT(
		.init = vmr_init,
		.destroy = vmr_destroy,
		.get_api_compatibility = vmr_get_api_compatibility,
		.get_version = vmr_get_version,
		.get_version_string = vmr_get_version_string,
		.get_description = vmr_get_description,
		.get_name = vmr_get_name,
		.get_author = vmr_get_author,
		.get_package = vmr_get_package,
		.create_session = vmr_create_session,
		.handle_message = vmr_handle_message,
		.handle_admin_message = vmr_handle_admin_message,
		.setup_media = vmr_setup_media,
		.incoming_rtp = vmr_incoming_rtp,
		.incoming_rtcp = vmr_incoming_rtcp,
		.hangup_media = vmr_hangup_media,
		.destroy_session = vmr_destroy_session,
		.query_session = vmr_query_session,
	);

VMR_EXPORT janus_plugin *create(void) {
	return &vmr_plugin;
}

typedef struct vmr_session {
	janus_plugin_session *handle;
	guint64 id;                    /* participant id shown to the room */
	janus_mutex mutex;             /* guards room/part/display */
	mcu_room *room;
	mcu_participant *part;
	char *room_name;
	char *display;
	volatile gint media_up;
	volatile gint destroyed;
	janus_refcount ref;
} vmr_session;

typedef struct vmr_message {
	vmr_session *session;
	char *transaction;
	json_t *message;
	json_t *jsep;
} vmr_message;

static janus_callbacks *gateway;
static volatile gint initialized, stopping;
static GHashTable *sessions;            /* janus_plugin_session* -> vmr_session* (one ref) */
static janus_mutex sessions_mutex = JANUS_MUTEX_INITIALIZER;
static GHashTable *rooms;               /* name -> mcu_room* (one ref) */
static janus_mutex rooms_mutex = JANUS_MUTEX_INITIALIZER;
static GAsyncQueue *messages;
static GThread *worker;
static vmr_message exit_message;
static vmr_store *store;
static mcu_room_config room_config;

/* ---- sessions ----------------------------------------------------------------------- */

static void vmr_session_free(const janus_refcount *ref) {
	vmr_session *s = janus_refcount_containerof(ref, vmr_session, ref);
	g_free(s->room_name);
	g_free(s->display);
	janus_mutex_destroy(&s->mutex);
	g_free(s);
}

/* Returns a new reference to the session of a handle, or NULL. */
static vmr_session *session_lookup(janus_plugin_session *handle) {
	vmr_session *s = NULL;
	janus_mutex_lock(&sessions_mutex);
	if(sessions != NULL)
		s = g_hash_table_lookup(sessions, handle);
	if(s != NULL && !g_atomic_int_get(&s->destroyed)) {
		janus_refcount_increase(&s->ref);
	} else {
		s = NULL;
	}
	janus_mutex_unlock(&sessions_mutex);
	return s;
}

static void vmr_message_free(vmr_message *msg) {
	if(msg == NULL || msg == &exit_message)
		return;
	if(msg->session)
		janus_refcount_decrease(&msg->session->ref);
	g_free(msg->transaction);
	if(msg->message)
		json_decref(msg->message);
	if(msg->jsep)
		json_decref(msg->jsep);
	g_free(msg);
}

/* ---- MCU io callbacks (MCU threads) --------------------------------------------------- */

static void io_send_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len) {
	vmr_session *s = opaque;
	if(!g_atomic_int_get(&s->media_up) || g_atomic_int_get(&s->destroyed) || len > 1500)
		return;
	/* relay_rtp takes a mutable buffer: hand it a private copy of the MCU's packet. */
	char buf[1500];
	memcpy(buf, pkt, len);
	janus_plugin_rtp rtp;
	janus_plugin_rtp_reset(&rtp);
	rtp.mindex = -1;
	rtp.video = is_video ? TRUE : FALSE;
	rtp.buffer = buf;
	rtp.length = (uint16_t)len;
	gateway->relay_rtp(s->handle, &rtp);
}

static void io_request_keyframe(void *opaque) {
	vmr_session *s = opaque;
	if(g_atomic_int_get(&s->media_up) && !g_atomic_int_get(&s->destroyed))
		gateway->send_pli(s->handle);
}

/* ---- rooms --------------------------------------------------------------------------- */

/* Returns a new reference to the running MCU room `name`, creating it if needed. */
static mcu_room *room_acquire(const char *name) {
	janus_mutex_lock(&rooms_mutex);
	mcu_room *room = g_hash_table_lookup(rooms, name);
	if(room == NULL) {
		room = mcu_room_new(name, &room_config);
		if(room != NULL)
			g_hash_table_insert(rooms, g_strdup(name), room);
	}
	if(room != NULL)
		mcu_room_ref(room);
	janus_mutex_unlock(&rooms_mutex);
	return room;
}

/* Stops a room's MCU when nobody is left in it. */
static void room_release_if_empty(const char *name) {
	janus_mutex_lock(&rooms_mutex);
	mcu_room *room = g_hash_table_lookup(rooms, name);
	if(room != NULL && mcu_room_count(room) == 0)
		g_hash_table_remove(rooms, name);   /* value destroy drops the table's reference */
	janus_mutex_unlock(&rooms_mutex);
}

/* Sends `event` (borrowed) to everyone in room `name` except `skip`. */
static void room_notify(const char *name, vmr_session *skip, json_t *event) {
	GList *targets = NULL;
	janus_mutex_lock(&sessions_mutex);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, sessions);
	while(g_hash_table_iter_next(&it, NULL, &value)) {
		vmr_session *s = value;
		if(s == skip || g_atomic_int_get(&s->destroyed) || s->room_name == NULL || strcmp(s->room_name, name) != 0)
			continue;
		janus_refcount_increase(&s->ref);
		targets = g_list_prepend(targets, s);
	}
	janus_mutex_unlock(&sessions_mutex);
	for(GList *l = targets; l; l = l->next) {
		vmr_session *s = l->data;
		gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
		janus_refcount_decrease(&s->ref);
	}
	g_list_free(targets);
}

static json_t *room_participants(const char *name) {
	json_t *list = json_array();
	janus_mutex_lock(&sessions_mutex);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, sessions);
	while(g_hash_table_iter_next(&it, NULL, &value)) {
		vmr_session *s = value;
		if(g_atomic_int_get(&s->destroyed) || s->room_name == NULL || strcmp(s->room_name, name) != 0)
			continue;
		json_t *p = json_object();
		json_object_set_new(p, "id", json_integer((json_int_t)s->id));
		json_object_set_new(p, "display", json_string(s->display));
		json_array_append_new(list, p);
	}
	janus_mutex_unlock(&sessions_mutex);
	return list;
}

/* Leaves the MCU room (if in one). Safe to call more than once. */
static void session_leave(vmr_session *s) {
	/* Lock order everywhere: sessions_mutex, then the session's mutex. */
	janus_mutex_lock(&sessions_mutex);
	janus_mutex_lock(&s->mutex);
	mcu_room *room = s->room;
	mcu_participant *part = s->part;
	char *name = s->room_name;
	s->room = NULL;
	s->part = NULL;
	s->room_name = NULL;
	janus_mutex_unlock(&s->mutex);
	janus_mutex_unlock(&sessions_mutex);
	if(room == NULL) {
		g_free(name);
		return;
	}
	g_atomic_int_set(&s->media_up, 0);
	mcu_room_leave(room, part);
	mcu_participant_unref(part);
	janus_refcount_decrease(&s->ref);    /* the io's reference: the MCU won't call us again */
	mcu_room_unref(room);
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "room", json_string(name));
	json_object_set_new(event, "left", json_integer((json_int_t)s->id));
	room_notify(name, s, event);
	json_decref(event);
	room_release_if_empty(name);
	JANUS_LOG(LOG_INFO, "[vmr] participant %"SCNu64" left room %s\n", s->id, name);
	g_free(name);
}

/* ---- plugin lifecycle ----------------------------------------------------------------- */

static const char *config_string(janus_config *config, janus_config_category *cat, const char *key, const char *def) {
	janus_config_item *item = janus_config_get(config, cat, janus_config_type_item, key);
	return (item && item->value) ? item->value : def;
}

static int config_int(janus_config *config, janus_config_category *cat, const char *key, int def, int min, int max) {
	const char *v = config_string(config, cat, key, NULL);
	if(v == NULL)
		return def;
	gint64 n = g_ascii_strtoll(v, NULL, 10);
	if(n < min || n > max) {
		JANUS_LOG(LOG_WARN, "[vmr] %s = %s out of range %d..%d, using %d\n", key, v, min, max, def);
		return def;
	}
	return (int)n;
}

static void *vmr_worker(void *data);

static int vmr_init(janus_callbacks *callback, const char *config_path) {
	if(callback == NULL || config_path == NULL)
		return -1;
	char filename[512];
	g_snprintf(filename, sizeof(filename), "%s/%s.jcfg", config_path, VMR_PACKAGE);
	janus_config *config = janus_config_parse(filename);
	janus_config_category *general = NULL;
	if(config != NULL)
		general = janus_config_get_create(config, NULL, janus_config_type_category, "general");
	else
		JANUS_LOG(LOG_WARN, "[vmr] no config file %s, using defaults\n", filename);
	mcu_room_config_defaults(&room_config);
	char *db_path = NULL, *demo_room = NULL, *demo_pin = NULL;
	if(config != NULL) {
		room_config.width = config_int(config, general, "video_width", room_config.width, 160, 1920) & ~1;
		room_config.height = config_int(config, general, "video_height", room_config.height, 90, 1080) & ~1;
		room_config.fps = config_int(config, general, "video_fps", room_config.fps, 5, 60);
		room_config.video_kbps = config_int(config, general, "video_kbps", room_config.video_kbps, 100, 8000);
		room_config.audio_kbps = config_int(config, general, "audio_kbps", room_config.audio_kbps, 8, 256);
		db_path = g_strdup(config_string(config, general, "database", NULL));
		demo_room = g_strdup(config_string(config, general, "demo_room", NULL));
		demo_pin = g_strdup(config_string(config, general, "demo_pin", NULL));
		janus_config_destroy(config);
	}
	if(db_path == NULL)
		db_path = g_build_filename(config_path, "vmr.sqlite", NULL);
	int rc = vmr_store_open(db_path, &store);
	if(rc < 0) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot open the store %s (%s)\n", db_path, g_strerror(-rc));
		g_free(db_path);
		g_free(demo_room);
		g_free(demo_pin);
		return -1;
	}
	if(demo_room != NULL && demo_room[0] != '\0') {
		vmr_room room;
		if(vmr_store_room_get(store, demo_room, &room) == 0) {
			vmr_room_clear(&room);
		} else if((rc = vmr_store_room_create(store, demo_room, demo_pin, "2x2", 0, &room)) == 0) {
			JANUS_LOG(LOG_INFO, "[vmr] created demo room %s (meeting number %d)\n", room.name, room.meeting_number);
			vmr_room_clear(&room);
		} else {
			JANUS_LOG(LOG_ERR, "[vmr] cannot create demo room %s (%s)\n", demo_room, g_strerror(-rc));
		}
	}
	sessions = g_hash_table_new(NULL, NULL);
	rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)mcu_room_unref);
	messages = g_async_queue_new_full((GDestroyNotify)vmr_message_free);
	gateway = callback;
	GError *error = NULL;
	worker = g_thread_try_new("vmr worker", vmr_worker, NULL, &error);
	if(error != NULL) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot start the worker thread: %s\n", error->message);
		g_error_free(error);
		g_free(db_path);
		g_free(demo_room);
		g_free(demo_pin);
		return -1;
	}
	g_atomic_int_set(&initialized, 1);
	JANUS_LOG(LOG_INFO, "%s initialized: store %s, picture %dx%d@%d\n", VMR_NAME, db_path,
		room_config.width, room_config.height, room_config.fps);
	g_free(db_path);
	g_free(demo_room);
	g_free(demo_pin);
	return 0;
}

static void vmr_destroy(void) {
	if(!g_atomic_int_get(&initialized))
		return;
	g_atomic_int_set(&stopping, 1);
	g_async_queue_push(messages, &exit_message);
	if(worker != NULL)
		g_thread_join(worker);
	worker = NULL;
	g_async_queue_unref(messages);
	messages = NULL;
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_destroy(sessions);
	sessions = NULL;
	janus_mutex_unlock(&sessions_mutex);
	janus_mutex_lock(&rooms_mutex);
	g_hash_table_destroy(rooms);
	rooms = NULL;
	janus_mutex_unlock(&rooms_mutex);
	vmr_store_close(store);
	store = NULL;
	g_atomic_int_set(&initialized, 0);
	JANUS_LOG(LOG_INFO, "%s destroyed\n", VMR_NAME);
}

static void vmr_create_session(janus_plugin_session *handle, int *error) {
	if(g_atomic_int_get(&stopping) || !g_atomic_int_get(&initialized)) {
		*error = -1;
		return;
	}
	vmr_session *s = g_new0(vmr_session, 1);
	s->handle = handle;
	s->id = janus_random_uint64() & 0x1FFFFFFFFFFFFFULL;   /* fits a JavaScript number */
	janus_mutex_init(&s->mutex);
	janus_refcount_init(&s->ref, vmr_session_free);
	handle->plugin_handle = s;
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_insert(sessions, handle, s);
	janus_mutex_unlock(&sessions_mutex);
}

static void vmr_destroy_session(janus_plugin_session *handle, int *error) {
	if(!g_atomic_int_get(&initialized)) {
		*error = -1;
		return;
	}
	vmr_session *s = session_lookup(handle);
	if(s == NULL) {
		*error = -2;
		return;
	}
	session_leave(s);
	g_atomic_int_set(&s->destroyed, 1);
	janus_mutex_lock(&sessions_mutex);
	if(g_hash_table_remove(sessions, handle))
		janus_refcount_decrease(&s->ref);     /* the table's reference */
	janus_mutex_unlock(&sessions_mutex);
	janus_refcount_decrease(&s->ref);         /* ours */
}

static json_t *vmr_query_session(janus_plugin_session *handle) {
	vmr_session *s = session_lookup(handle);
	if(s == NULL)
		return NULL;
	json_t *info = json_object();
	janus_mutex_lock(&s->mutex);
	json_object_set_new(info, "id", json_integer((json_int_t)s->id));
	if(s->room_name)
		json_object_set_new(info, "room", json_string(s->room_name));
	if(s->display)
		json_object_set_new(info, "display", json_string(s->display));
	if(s->part) {
		mcu_participant_stats st;
		mcu_participant_get_stats(s->part, &st);
		json_t *m = json_object();
		json_object_set_new(m, "audio_packets_in", json_integer((json_int_t)st.audio_packets_in));
		json_object_set_new(m, "video_packets_in", json_integer((json_int_t)st.video_packets_in));
		json_object_set_new(m, "bad_packets_in", json_integer((json_int_t)st.bad_packets_in));
		json_object_set_new(m, "audio_frames_decoded", json_integer((json_int_t)st.audio_frames_decoded));
		json_object_set_new(m, "video_frames_decoded", json_integer((json_int_t)st.video_frames_decoded));
		json_object_set_new(m, "audio_packets_out", json_integer((json_int_t)st.audio_packets_out));
		json_object_set_new(m, "video_packets_out", json_integer((json_int_t)st.video_packets_out));
		json_object_set_new(info, "mcu", m);
	}
	janus_mutex_unlock(&s->mutex);
	json_object_set_new(info, "media_up", json_boolean(g_atomic_int_get(&s->media_up)));
	janus_refcount_decrease(&s->ref);
	return info;
}

static struct janus_plugin_result *vmr_handle_message(janus_plugin_session *handle,
		char *transaction, json_t *message, json_t *jsep) {
	if(g_atomic_int_get(&stopping) || !g_atomic_int_get(&initialized)) {
		g_free(transaction);
		if(message)
			json_decref(message);
		if(jsep)
			json_decref(jsep);
		return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "plugin is shutting down", NULL);
	}
	vmr_session *s = session_lookup(handle);
	if(s == NULL) {
		g_free(transaction);
		if(message)
			json_decref(message);
		if(jsep)
			json_decref(jsep);
		return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "no session for this handle", NULL);
	}
	/* Everything is answered asynchronously, in order, by the worker. */
	vmr_message *msg = g_new0(vmr_message, 1);
	msg->session = s;             /* takes the lookup's reference */
	msg->transaction = transaction;
	msg->message = message;
	msg->jsep = jsep;
	g_async_queue_push(messages, msg);
	return janus_plugin_result_new(JANUS_PLUGIN_OK_WAIT, NULL, NULL);
}

static json_t *vmr_handle_admin_message(json_t *message) {
	(void)message;
	json_t *reply = json_object();
	json_t *list = json_array();
	janus_mutex_lock(&rooms_mutex);
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, rooms);
	while(g_hash_table_iter_next(&it, &key, &value)) {
		json_t *r = json_object();
		json_object_set_new(r, "room", json_string(key));
		json_object_set_new(r, "participants", json_integer(mcu_room_count(value)));
		json_array_append_new(list, r);
	}
	janus_mutex_unlock(&rooms_mutex);
	json_object_set_new(reply, "vmr", json_string("rooms"));
	json_object_set_new(reply, "rooms", list);
	return reply;
}

/* ---- media --------------------------------------------------------------------------- */

static void vmr_setup_media(janus_plugin_session *handle) {
	vmr_session *s = session_lookup(handle);
	if(s == NULL)
		return;
	g_atomic_int_set(&s->media_up, 1);
	JANUS_LOG(LOG_INFO, "[vmr] WebRTC media up for participant %"SCNu64"\n", s->id);
	/* The composed picture starts with a keyframe for this receiver; ask the sender too. */
	janus_mutex_lock(&s->mutex);
	if(s->part)
		mcu_participant_keyframe_request(s->part);
	janus_mutex_unlock(&s->mutex);
	gateway->send_pli(handle);
	janus_refcount_decrease(&s->ref);
}

static void vmr_incoming_rtp(janus_plugin_session *handle, janus_plugin_rtp *packet) {
	if(packet == NULL || packet->buffer == NULL)
		return;
	vmr_session *s = handle ? (vmr_session *)handle->plugin_handle : NULL;
	if(s == NULL || g_atomic_int_get(&s->destroyed))
		return;
	janus_mutex_lock(&s->mutex);
	if(s->part)
		mcu_participant_incoming_rtp(s->part, packet->video ? 1 : 0, (const uint8_t *)packet->buffer, packet->length);
	janus_mutex_unlock(&s->mutex);
}

static void vmr_incoming_rtcp(janus_plugin_session *handle, janus_plugin_rtcp *packet) {
	if(packet == NULL || packet->buffer == NULL || !packet->video)
		return;
	vmr_session *s = handle ? (vmr_session *)handle->plugin_handle : NULL;
	if(s == NULL || g_atomic_int_get(&s->destroyed))
		return;
	if(janus_rtcp_has_pli(packet->buffer, packet->length) || janus_rtcp_has_fir(packet->buffer, packet->length)) {
		janus_mutex_lock(&s->mutex);
		if(s->part)
			mcu_participant_keyframe_request(s->part);
		janus_mutex_unlock(&s->mutex);
	}
}

static void vmr_hangup_media(janus_plugin_session *handle) {
	vmr_session *s = session_lookup(handle);
	if(s == NULL)
		return;
	g_atomic_int_set(&s->media_up, 0);
	session_leave(s);
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "result", json_string("hangup"));
	gateway->push_event(handle, &vmr_plugin, NULL, event, NULL);
	json_decref(event);
	janus_refcount_decrease(&s->ref);
}

/* ---- requests (worker thread) -------------------------------------------------------- */

/* Builds our answer to a browser's offer: Opus audio and VP8 video, send and receive,
 * everything else rejected. Returns the answer SDP text (g_free) or NULL with *reason. */
static char *answer_offer(const char *offer_sdp, int *audio_pt, int *video_pt, int *code, const char **reason) {
	char error[256] = "";
	janus_sdp *offer = janus_sdp_parse(offer_sdp, error, sizeof(error));
	if(offer == NULL) {
		*code = VMR_ERROR_INVALID_SDP;
		*reason = "invalid SDP offer";
		JANUS_LOG(LOG_WARN, "[vmr] invalid SDP offer: %s\n", error);
		return NULL;
	}
	janus_sdp *answer = janus_sdp_generate_answer(offer);
	gboolean have_audio = FALSE, have_video = FALSE;
	for(GList *l = offer->m_lines; l; l = l->next) {
		janus_sdp_mline *m = l->data;
		if(m->type == JANUS_SDP_AUDIO && !have_audio && janus_sdp_get_codec_pt(offer, m->index, "opus") > 0) {
			have_audio = TRUE;
			janus_sdp_generate_answer_mline(offer, answer, m,
				JANUS_SDP_OA_MLINE, JANUS_SDP_AUDIO,
				JANUS_SDP_OA_CODEC, "opus",
				JANUS_SDP_OA_DIRECTION, JANUS_SDP_SENDRECV,
				JANUS_SDP_OA_DONE);
		} else if(m->type == JANUS_SDP_VIDEO && !have_video && janus_sdp_get_codec_pt(offer, m->index, "vp8") > 0) {
			have_video = TRUE;
			janus_sdp_generate_answer_mline(offer, answer, m,
				JANUS_SDP_OA_MLINE, JANUS_SDP_VIDEO,
				JANUS_SDP_OA_CODEC, "vp8",
				JANUS_SDP_OA_DIRECTION, JANUS_SDP_SENDRECV,
				JANUS_SDP_OA_DONE);
		} else {
			janus_sdp_generate_answer_mline(offer, answer, m,
				JANUS_SDP_OA_MLINE, m->type,
				JANUS_SDP_OA_ENABLED, FALSE,
				JANUS_SDP_OA_DONE);
		}
	}
	char *text = NULL;
	if(!have_audio && !have_video) {
		*code = VMR_ERROR_UNSUPPORTED_MEDIA;
		*reason = "the offer has neither Opus audio nor VP8 video";
	} else {
		*audio_pt = have_audio ? janus_sdp_get_codec_pt(answer, -1, "opus") : 0;
		*video_pt = have_video ? janus_sdp_get_codec_pt(answer, -1, "vp8") : 0;
		text = janus_sdp_write(answer);
	}
	janus_sdp_destroy(offer);
	janus_sdp_destroy(answer);
	return text;
}

static void reply_error(vmr_message *msg, int code, const char *reason) {
	json_t *event = vmr_error_json(code, reason);
	gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
}

static void handle_join(vmr_message *msg, vmr_request *req) {
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	gboolean joined = s->room != NULL;
	janus_mutex_unlock(&s->mutex);
	if(joined) {
		reply_error(msg, VMR_ERROR_ALREADY_JOINED, "already in a room");
		return;
	}
	vmr_room room;
	int rc = vmr_store_room_get(store, req->room, &room);
	if(rc == -ENOENT) {
		reply_error(msg, VMR_ERROR_NO_SUCH_ROOM, "no such room");
		return;
	} else if(rc < 0) {
		JANUS_LOG(LOG_ERR, "[vmr] store lookup of %s failed (%s)\n", req->room, g_strerror(-rc));
		reply_error(msg, VMR_ERROR_INTERNAL, "store unavailable");
		return;
	}
	gboolean pin_ok = room.pin == NULL || (req->pin != NULL && strcmp(room.pin, req->pin) == 0);
	vmr_room_clear(&room);
	if(!pin_ok) {
		JANUS_LOG(LOG_WARN, "[vmr] wrong PIN for room %s\n", req->room);
		reply_error(msg, VMR_ERROR_WRONG_PIN, "wrong PIN");
		return;
	}
	const char *type = msg->jsep ? json_string_value(json_object_get(msg->jsep, "type")) : NULL;
	const char *sdp = msg->jsep ? json_string_value(json_object_get(msg->jsep, "sdp")) : NULL;
	if(type == NULL || strcmp(type, "offer") != 0 || sdp == NULL) {
		reply_error(msg, VMR_ERROR_MISSING_ELEMENT, "join needs a JSEP offer");
		return;
	}
	int audio_pt = 0, video_pt = 0, code = 0;
	const char *reason = NULL;
	char *answer = answer_offer(sdp, &audio_pt, &video_pt, &code, &reason);
	if(answer == NULL) {
		reply_error(msg, code, reason);
		return;
	}
	mcu_room *mroom = room_acquire(req->room);
	if(mroom == NULL) {
		g_free(answer);
		reply_error(msg, VMR_ERROR_INTERNAL, "cannot start the room's MCU");
		return;
	}
	janus_refcount_increase(&s->ref);      /* the io's reference */
	mcu_participant_io io = { .opaque = s, .send_rtp = io_send_rtp, .request_keyframe = io_request_keyframe };
	mcu_participant *part = mcu_room_join(mroom, req->display, &io, (uint8_t)audio_pt, (uint8_t)video_pt);
	if(part == NULL) {
		janus_refcount_decrease(&s->ref);
		mcu_room_unref(mroom);
		room_release_if_empty(req->room);
		g_free(answer);
		reply_error(msg, VMR_ERROR_INTERNAL, "cannot join the room's MCU");
		return;
	}
	janus_mutex_lock(&sessions_mutex);
	janus_mutex_lock(&s->mutex);
	s->room = mroom;
	s->part = part;
	s->room_name = g_strdup(req->room);
	g_free(s->display);
	s->display = g_strdup(req->display);
	janus_mutex_unlock(&s->mutex);
	janus_mutex_unlock(&sessions_mutex);

	int width = 0, height = 0;
	mcu_room_video_size(mroom, &width, &height);
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("joined"));
	json_object_set_new(event, "room", json_string(req->room));
	json_object_set_new(event, "id", json_integer((json_int_t)s->id));
	json_object_set_new(event, "display", json_string(req->display));
	json_t *video = json_object();
	json_object_set_new(video, "width", json_integer(width));
	json_object_set_new(video, "height", json_integer(height));
	json_object_set_new(event, "video", video);
	json_object_set_new(event, "participants", room_participants(req->room));
	json_t *jsep = json_pack("{ssss}", "type", "answer", "sdp", answer);
	int ret = gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, jsep);
	JANUS_LOG(LOG_INFO, "[vmr] %s (%"SCNu64") joined room %s (pt audio %d video %d): push_event %d\n",
		req->display, s->id, req->room, audio_pt, video_pt, ret);
	json_decref(event);
	json_decref(jsep);
	g_free(answer);

	json_t *joined_ev = json_object();
	json_object_set_new(joined_ev, "vmr", json_string("event"));
	json_object_set_new(joined_ev, "room", json_string(req->room));
	json_t *who = json_object();
	json_object_set_new(who, "id", json_integer((json_int_t)s->id));
	json_object_set_new(who, "display", json_string(req->display));
	json_object_set_new(joined_ev, "joined", who);
	room_notify(req->room, s, joined_ev);
	json_decref(joined_ev);
}

static void handle_request(vmr_message *msg) {
	vmr_session *s = msg->session;
	vmr_request req;
	const char *reason = NULL;
	int code = vmr_request_parse(msg->message, &req, &reason);
	if(code != VMR_OK) {
		JANUS_LOG(LOG_WARN, "[vmr] bad request from participant %"SCNu64": %d %s\n", s->id, code, reason);
		reply_error(msg, code, reason);
		return;
	}
	json_t *event = NULL;
	switch(req.type) {
	case VMR_REQ_JOIN:
		handle_join(msg, &req);
		break;
	case VMR_REQ_LEAVE:
		janus_mutex_lock(&s->mutex);
		gboolean joined = s->room != NULL;
		janus_mutex_unlock(&s->mutex);
		if(!joined) {
			reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
			break;
		}
		session_leave(s);
		event = json_pack("{ssss}", "vmr", "event", "result", "left");
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
		json_decref(event);
		gateway->close_pc(s->handle);
		break;
	case VMR_REQ_LIST_PARTICIPANTS: {
		janus_mutex_lock(&s->mutex);
		char *name = g_strdup(s->room_name);
		janus_mutex_unlock(&s->mutex);
		if(name == NULL) {
			reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
			break;
		}
		event = json_object();
		json_object_set_new(event, "vmr", json_string("participants"));
		json_object_set_new(event, "room", json_string(name));
		json_object_set_new(event, "participants", room_participants(name));
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
		json_decref(event);
		g_free(name);
		break;
	}
	case VMR_REQ_KEYFRAME:
		janus_mutex_lock(&s->mutex);
		if(s->part)
			mcu_participant_keyframe_request(s->part);
		janus_mutex_unlock(&s->mutex);
		event = json_pack("{ssss}", "vmr", "event", "result", "ok");
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
		json_decref(event);
		break;
	}
	vmr_request_clear(&req);
}

static void *vmr_worker(void *data) {
	(void)data;
	while(!g_atomic_int_get(&stopping)) {
		vmr_message *msg = g_async_queue_pop(messages);
		if(msg == &exit_message)
			break;
		if(!g_atomic_int_get(&msg->session->destroyed))
			handle_request(msg);
		vmr_message_free(msg);
	}
	return NULL;
}
