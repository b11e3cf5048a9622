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
#include "rtp.h"
#include "sdp-utils.h"
#include "utils.h"

#include "mcu_room.h"
#include "vmr_dialout.h"
#include "vmr_request.h"
#include "vmr_rooms.h"
#include "vmr_service.h"
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
	vmr_member member;             /* first: the MCU's io.opaque is this session (see vmr_rooms.h) */
	janus_plugin_session *handle;
	guint64 id;                    /* participant id shown to the room */
	janus_mutex mutex;             /* guards room/part/display */
	mcu_room *room;
	mcu_participant *part;
	char *room_name;               /* the room's address while in it */
	char *display;
	int64_t room_id;               /* store id of the room while in it */
	int64_t invitation_id;         /* the invitation used to join, 0 when none */
	vmr_client client;             /* login state; used by the worker thread only */
	volatile gint media_up;
	volatile gint destroyed;
	janus_refcount ref;
} vmr_session;

typedef struct vmr_message {
	vmr_session *session;
	char *peer;                    /* the client's address, stamped by our transport */
	char *transaction;
	json_t *message;
	json_t *jsep;
} vmr_message;

static janus_callbacks *gateway;
static volatile gint initialized, stopping;
static GHashTable *sessions;            /* janus_plugin_session* -> vmr_session* (one ref) */
static janus_mutex sessions_mutex = JANUS_MUTEX_INITIALIZER;
static GAsyncQueue *messages;
static GThread *worker;
static vmr_message exit_message;
static vmr_service *service;
static mcu_room_config room_config;

/* ---- sessions ----------------------------------------------------------------------- */

static void vmr_session_free(const janus_refcount *ref) {
	vmr_session *s = janus_refcount_containerof(ref, vmr_session, ref);
	g_free(s->room_name);
	g_free(s->display);
	vmr_client_clear(&s->client);
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
	g_free(msg->peer);
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

static void room_notify(const char *name, vmr_session *skip, json_t *event);

/* What we remember of each running room between MCU events; the MCU's events opaque. */
typedef struct room_info {
	char *address;
	volatile guint64 speaker;      /* member id on the main pane, 0 when none */
} room_info;

static void room_info_free(gpointer data) {
	room_info *info = data;
	g_free(info->address);
	g_free(info);
}


/* Room events from the MCU (its audio thread): tell everyone in the room who talks. */
static void room_talking(void *opaque, void *participant_opaque, int is_talking) {
	const char *address = ((const room_info *)opaque)->address;
	const vmr_member *who = participant_opaque;
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "room", json_string(address));
	json_t *t = json_object();
	json_object_set_new(t, "id", json_integer((json_int_t)who->id));
	json_object_set_new(t, "talking", json_boolean(is_talking));
	json_object_set_new(event, "talking", t);
	room_notify(address, NULL, event);
	json_decref(event);
}

static void room_speaker(void *opaque, void *participant_opaque) {
	room_info *info = opaque;
	const char *address = info->address;
	const vmr_member *who = participant_opaque;
	info->speaker = who ? who->id : 0;
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "room", json_string(address));
	json_object_set_new(event, "speaker", who ? json_integer((json_int_t)who->id) : json_null());
	room_notify(address, NULL, event);
	json_decref(event);
}

/* A room's MCU started (by us or by the SIP bridge): attach our event callbacks. The address
 * string lives as long as the room's registry entry; we keep our own copy per room. */
static GHashTable *event_addresses;   /* address -> room_info handed to the MCU as events opaque */
static janus_mutex event_addresses_mutex = JANUS_MUTEX_INITIALIZER;

static void room_started(void *opaque, const char *address, mcu_room *room) {
	(void)opaque;
	janus_mutex_lock(&event_addresses_mutex);
	room_info *info = g_hash_table_lookup(event_addresses, address);
	if(info == NULL) {
		info = g_new0(room_info, 1);
		info->address = g_strdup(address);
		g_hash_table_insert(event_addresses, info->address, info);
	}
	info->speaker = 0;
	janus_mutex_unlock(&event_addresses_mutex);
	mcu_room_events ev = { .opaque = info, .talking = room_talking, .speaker_changed = room_speaker };
	mcu_room_set_events(room, &ev);
}

/* Which sessions a notification or an action is for. */
typedef struct session_filter {
	const char *room;          /* in this room (by address) */
	int64_t room_id;           /* in the room with this store id */
	int64_t account_id;        /* logged in as this account */
	const char *except_room;   /* ...but not in this room */
	int64_t invitation_id;     /* joined with this invitation */
	vmr_session *skip;
} session_filter;

static gboolean session_matches(vmr_session *s, const session_filter *f) {
	if(s == f->skip || g_atomic_int_get(&s->destroyed))
		return FALSE;
	gboolean in_room = s->room_name != NULL;
	if(f->room && (!in_room || strcmp(s->room_name, f->room) != 0))
		return FALSE;
	if(f->room_id && (!in_room || s->room_id != f->room_id))
		return FALSE;
	if(f->account_id && s->client.account_id != f->account_id)
		return FALSE;
	if(f->except_room && in_room && strcmp(s->room_name, f->except_room) == 0)
		return FALSE;
	if(f->invitation_id && (!in_room || s->invitation_id != f->invitation_id))
		return FALSE;
	return TRUE;
}

/* The sessions matching f, each with a new reference (release with sessions_release). Taken
 * under sessions_mutex; whatever is done to them next happens without it. */
static GList *sessions_matching(const session_filter *f) {
	GList *list = NULL;
	janus_mutex_lock(&sessions_mutex);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, sessions);
	while(g_hash_table_iter_next(&it, NULL, &value)) {
		vmr_session *s = value;
		if(session_matches(s, f)) {
			janus_refcount_increase(&s->ref);
			list = g_list_prepend(list, s);
		}
	}
	janus_mutex_unlock(&sessions_mutex);
	return list;
}

static void sessions_release(GList *list) {
	for(GList *l = list; l; l = l->next)
		janus_refcount_decrease(&((vmr_session *)l->data)->ref);
	g_list_free(list);
}

/* Pushes `event` (borrowed) to every session matching f; returns how many. */
static int notify(const session_filter *f, json_t *event) {
	GList *targets = sessions_matching(f);
	int n = 0;
	for(GList *l = targets; l; l = l->next, n++)
		gateway->push_event(((vmr_session *)l->data)->handle, &vmr_plugin, NULL, event, NULL);
	sessions_release(targets);
	return n;
}

/* Sends `event` (borrowed) to everyone in room `name` except `skip`. */
static void room_notify(const char *name, vmr_session *skip, json_t *event) {
	session_filter f = { .room = name, .skip = skip };
	notify(&f, event);
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
	vmr_rooms_release_if_empty(name);
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
static void mail_result(void *opaque, int64_t owner_id, int64_t invitation_id, int result, const char *error);

/* Settings read from janus.plugin.vmr.jcfg; strings owned here until init returns. */
typedef struct vmr_settings {
	char *database, *demo_room, *demo_pin, *domain, *public_url, *dial_ip;
	char *smtp_url, *smtp_user, *smtp_password, *mail_from, *mail_from_name;
	int smtp_starttls;
} vmr_settings;

static void settings_clear(vmr_settings *st) {
	char **all[] = { &st->database, &st->demo_room, &st->demo_pin, &st->domain, &st->public_url, &st->dial_ip,
		&st->smtp_url, &st->smtp_user, &st->smtp_password, &st->mail_from, &st->mail_from_name };
	for(size_t i = 0; i < G_N_ELEMENTS(all); i++) {
		g_free(*all[i]);
		*all[i] = NULL;
	}
}

static void settings_read(const char *config_path, vmr_settings *st) {
	char filename[512];
	g_snprintf(filename, sizeof(filename), "%s/%s.jcfg", config_path, VMR_PACKAGE);
	janus_config *config = janus_config_parse(filename);
	mcu_room_config_defaults(&room_config);
	if(config == NULL) {
		JANUS_LOG(LOG_WARN, "[vmr] no config file %s, using defaults\n", filename);
		return;
	}
	janus_config_category *general = janus_config_get_create(config, NULL, janus_config_type_category, "general");
	janus_config_category *mail = janus_config_get_create(config, NULL, janus_config_type_category, "mail");
	room_config.width = config_int(config, general, "video_width", room_config.width, 160, 1920) & ~1;
	room_config.height = config_int(config, general, "video_height", room_config.height, 90, 1080) & ~1;
	room_config.fps = config_int(config, general, "video_fps", room_config.fps, 5, 60);
	room_config.video_kbps = config_int(config, general, "video_kbps", room_config.video_kbps, 100, 8000);
	room_config.audio_kbps = config_int(config, general, "audio_kbps", room_config.audio_kbps, 8, 256);
	st->database = g_strdup(config_string(config, general, "database", NULL));
	st->demo_room = g_strdup(config_string(config, general, "demo_room", NULL));
	st->demo_pin = g_strdup(config_string(config, general, "demo_pin", NULL));
	st->domain = g_strdup(config_string(config, general, "domain", NULL));
	st->public_url = g_strdup(config_string(config, general, "public_url", NULL));
	st->dial_ip = g_strdup(config_string(config, general, "dial_ip", NULL));
	st->smtp_url = g_strdup(config_string(config, mail, "smtp_url", NULL));
	st->smtp_user = g_strdup(config_string(config, mail, "username", NULL));
	st->smtp_password = g_strdup(config_string(config, mail, "password", NULL));
	st->mail_from = g_strdup(config_string(config, mail, "from_address", NULL));
	st->mail_from_name = g_strdup(config_string(config, mail, "from_name", NULL));
	st->smtp_starttls = config_int(config, mail, "starttls", 1, 0, 2);
	janus_config_destroy(config);
}

static void ensure_demo_room(const vmr_settings *st) {
	if(st->demo_room == NULL || st->demo_room[0] == '\0')
		return;
	vmr_store *store = vmr_service_store(service);
	vmr_room room;
	int rc = vmr_store_room_get_by_address(store, st->demo_room, &room);
	if(rc == 0) {
		vmr_room_clear(&room);
		return;
	}
	rc = vmr_store_room_create(store, VMR_ROOM_ENTERPRISE, st->demo_room, 0, st->demo_pin, "2x2", 0, &room);
	if(rc == 0) {
		JANUS_LOG(LOG_INFO, "[vmr] created demo room %s (meeting number %d)\n", room.address, room.meeting_number);
		vmr_room_clear(&room);
	} else {
		JANUS_LOG(LOG_ERR, "[vmr] cannot create demo room %s (%s)\n", st->demo_room, g_strerror(-rc));
	}
}

static int vmr_init(janus_callbacks *callback, const char *config_path) {
	if(callback == NULL || config_path == NULL)
		return -1;
	vmr_settings st = { 0 };
	settings_read(config_path, &st);
	if(st.database == NULL)
		st.database = g_build_filename(config_path, "vmr.sqlite", NULL);
	vmr_store *store = NULL;
	int rc = vmr_store_open(st.database, &store);
	if(rc < 0) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot open the store %s (%s)\n", vmr_store_printable_uri(st.database), g_strerror(-rc));
		settings_clear(&st);
		return -1;
	}
	vmr_service_config scfg = {
		.domain = st.domain, .public_url = st.public_url, .dial_ip = st.dial_ip,
		.mail = { .smtp_url = st.smtp_url, .username = st.smtp_user, .password = st.smtp_password,
			.starttls = st.smtp_starttls, .from_address = st.mail_from, .from_name = st.mail_from_name },
		.mail_result = mail_result,
	};
	rc = vmr_service_new(store, &scfg, &service);
	if(rc < 0) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot start the service (%s)\n", g_strerror(-rc));
		vmr_store_close(store);
		settings_clear(&st);
		return -1;
	}
	ensure_demo_room(&st);
	sessions = g_hash_table_new(NULL, NULL);
	vmr_rooms_set_defaults(&room_config);
	event_addresses = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, room_info_free);
	vmr_rooms_set_started_hook(room_started, NULL);
	messages = g_async_queue_new_full((GDestroyNotify)vmr_message_free);
	gateway = callback;
	GError *error = NULL;
	worker = g_thread_try_new("vmr worker", vmr_worker, NULL, &error);
	if(error != NULL) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot start the worker thread: %s\n", error->message);
		g_error_free(error);
		settings_clear(&st);
		return -1;
	}
	g_atomic_int_set(&initialized, 1);
	JANUS_LOG(LOG_INFO, "%s initialized: store %s (%s), picture %dx%d@%d, mail %s\n", VMR_NAME, vmr_store_printable_uri(st.database),
		vmr_store_backend(store), room_config.width, room_config.height, room_config.fps,
		st.smtp_url && st.smtp_url[0] ? st.smtp_url : "off (no SMTP server configured)");
	settings_clear(&st);
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
	vmr_rooms_set_started_hook(NULL, NULL);
	vmr_rooms_clear();
	janus_mutex_lock(&event_addresses_mutex);
	g_hash_table_destroy(event_addresses);
	event_addresses = NULL;
	janus_mutex_unlock(&event_addresses_mutex);
	vmr_service_free(service);
	service = NULL;
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
	s->member.id = s->id;
	/* Janus does not tell plugins the client's address: failures are counted per handle and per room. */
	s->client.source = g_strdup_printf("handle:%" SCNu64, s->id);
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
	/* Our transport stamps the sender's address into the body (see transports/ws_session.h);
	 * take it out before the body is validated. */
	json_t *peer = json_is_object(message) ? json_object_get(message, VMR_PEER_KEY) : NULL;
	if(json_is_string(peer))
		msg->peer = g_strdup(json_string_value(peer));
	if(peer != NULL)
		json_object_del(message, VMR_PEER_KEY);
	msg->transaction = transaction;
	msg->message = message;
	msg->jsep = jsep;
	g_async_queue_push(messages, msg);
	return janus_plugin_result_new(JANUS_PLUGIN_OK_WAIT, NULL, NULL);
}

/* Admin requests (accounts, enterprise rooms) come through the Janus Admin API, which
 * has already checked the admin secret. */
static json_t *vmr_handle_admin_message(json_t *message) {
	if(!g_atomic_int_get(&initialized))
		return vmr_error_json(VMR_ERROR_INTERNAL, "plugin not ready");
	vmr_request req;
	char reason[128];
	int code = vmr_request_parse(message, 1, &req, reason, sizeof(reason));
	if(code != VMR_OK)
		return vmr_error_json(code, reason);
	vmr_client admin = { .source = g_strdup("admin-api") };
	json_t *reply = vmr_service_handle(service, &admin, &req, NULL);
	vmr_client_clear(&admin);
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
		mcu_participant_incoming_rtp_ex(s->part, packet->video ? 1 : 0, (const uint8_t *)packet->buffer,
			packet->length, packet->video ? -1 : packet->extensions.audio_level);
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
				/* RFC 6464: the browser tells us each packet's level, we need not decode to know */
				JANUS_SDP_OA_ACCEPT_EXTMAP, JANUS_RTP_EXTMAP_AUDIO_LEVEL,
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

static void reply_error_retry(vmr_message *msg, int code, const char *reason, int retry_after_s) {
	json_t *event = vmr_error_json(code, reason);
	if(code == VMR_ERROR_TOO_MANY_ATTEMPTS)
		json_object_set_new(event, "retry_after", json_integer(retry_after_s));
	gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
	/* The core has taken the refused offer: reset the PeerConnection so that the client can
	 * try again (say, with the right PIN) on the same handle. */
	if(msg->jsep != NULL) {
		janus_mutex_lock(&msg->session->mutex);
		gboolean in_room = msg->session->room != NULL;
		janus_mutex_unlock(&msg->session->mutex);
		if(!in_room)
			gateway->close_pc(msg->session->handle);
	}
}

static void reply_error(vmr_message *msg, int code, const char *reason) {
	reply_error_retry(msg, code, reason, 0);
}

/* Sends `event` (borrowed) to every handle logged in as `account_id`, except those in room
 * `except_room` (NULL: none excepted). Returns how many got it. */
static int notify_account(int64_t account_id, const char *except_room, json_t *event) {
	session_filter f = { .account_id = account_id, .except_room = except_room };
	return account_id ? notify(&f, event) : 0;
}

/* Is the owner of a room in it right now? */
static gboolean account_in_room(int64_t account_id, const char *address) {
	session_filter f = { .account_id = account_id, .room = address };
	GList *found = account_id ? sessions_matching(&f) : NULL;
	gboolean in = found != NULL;
	sessions_release(found);
	return in;
}

/* Mailer thread: tell the owner's open pages how the invitation mail went. */
static void mail_result(void *opaque, int64_t owner_id, int64_t invitation_id, int result, const char *error) {
	(void)opaque;
	if(!g_atomic_int_get(&initialized) || g_atomic_int_get(&stopping))
		return;
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_t *m = json_object();
	json_object_set_new(m, "invitation", json_integer(invitation_id));
	json_object_set_new(m, "sent", json_boolean(result == 0));
	if(result != 0)
		json_object_set_new(m, "error", json_string(error ? error : "unknown error"));
	json_object_set_new(event, "mail", m);
	if(result != 0)
		JANUS_LOG(LOG_WARN, "[vmr] invitation %" SCNi64 " mail failed: %s\n", invitation_id, error ? error : "?");
	notify_account(owner_id, NULL, event);
	json_decref(event);
}

/* A guest came in: the owner's open web sessions hear of it at once and, with "receive a
 * call" on, the SIP bridge calls the owner's registered device into the room. */
static void notify_guest_joined(const vmr_join_grant *grant, const char *display) {
	const vmr_room *room = &grant->room;
	if(room->owner_id == 0 || grant->is_owner || account_in_room(room->owner_id, room->address))
		return;
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_t *g = json_object();
	json_object_set_new(g, "room", json_string(room->address));
	json_object_set_new(g, "display", json_string(display));
	json_object_set_new(g, "how", json_string(grant->invitation_id ? "invitation" : room->pin ? "pin" : "room"));
	if(grant->invitation_id)
		json_object_set_new(g, "invitation", json_integer(grant->invitation_id));
	json_object_set_new(event, "guest_joined", g);
	int n = notify_account(room->owner_id, room->address, event);
	json_decref(event);
	JANUS_LOG(LOG_INFO, "[vmr] guest %s joined %s: told %d open session(s) of the owner\n", display, room->address, n);
	if(room->receive_call) {
		vmr_account owner;
		if(vmr_store_account_get(vmr_service_store(service), room->owner_id, &owner) == 0) {
			int rc = vmr_dialout_request(owner.id, owner.username, room->address);
			if(rc == 0)
				JANUS_LOG(LOG_INFO, "[vmr] asked the SIP bridge to call %s's device into %s\n", owner.username, room->address);
			else
				JANUS_LOG(LOG_WARN, "[vmr] cannot call %s's device into %s: %s\n", owner.username, room->address,
					rc == -ENOENT ? "no registered device" : rc == -ENOTSUP ? "no SIP bridge loaded" :
					rc == -EPERM ? "not the owner's room" : g_strerror(-rc));
			vmr_account_clear(&owner);
		}
	}
}

/* Removes from their room everyone who joined with a revoked/deleted invitation. */
static void kick_invitation(int64_t invitation_id) {
	session_filter f = { .invitation_id = invitation_id };
	GList *targets = sessions_matching(&f);
	for(GList *l = targets; l; l = l->next) {
		vmr_session *s = l->data;
		json_t *event = json_pack("{sssssi}", "vmr", "event", "kicked", "invitation revoked", "error_code",
			VMR_ERROR_INVALID_INVITATION);
		gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
		json_decref(event);
		session_leave(s);
		s->invitation_id = 0;
		gateway->close_pc(s->handle);
	}
	sessions_release(targets);
}

static void handle_join(vmr_message *msg, const vmr_request *req) {
	vmr_session *s = msg->session;
	janus_mutex_lock(&s->mutex);
	gboolean joined = s->room != NULL;
	janus_mutex_unlock(&s->mutex);
	if(joined) {
		reply_error(msg, VMR_ERROR_ALREADY_JOINED, "already in a room");
		return;
	}
	const char *type = msg->jsep ? json_string_value(json_object_get(msg->jsep, "type")) : NULL;
	const char *sdp = msg->jsep ? json_string_value(json_object_get(msg->jsep, "sdp")) : NULL;
	if(type == NULL || strcmp(type, "offer") != 0 || sdp == NULL) {
		reply_error(msg, VMR_ERROR_MISSING_ELEMENT, "join needs a JSEP offer");
		return;
	}
	vmr_join_grant grant;
	const char *reason = NULL;
	int code = vmr_service_authorize_join(service, &s->client, req, &grant, &reason);
	if(code != VMR_OK) {
		JANUS_LOG(LOG_WARN, "[vmr] join refused for participant %" SCNu64 " (%s): %d %s\n", s->id,
			s->client.source, code, reason);
		reply_error_retry(msg, code, reason, grant.retry_after_s);
		return;
	}
	const char *display = vmr_request_string(req, "display");
	if(display == NULL)
		display = grant.guest_name ? grant.guest_name : "Guest";
	int audio_pt = 0, video_pt = 0;
	char *answer = answer_offer(sdp, &audio_pt, &video_pt, &code, &reason);
	if(answer == NULL) {
		vmr_join_grant_clear(&grant);
		reply_error(msg, code, reason);
		return;
	}
	const char *address = grant.room.address;
	mcu_room *mroom = vmr_rooms_acquire(address, grant.room.layout);
	if(mroom == NULL) {
		g_free(answer);
		vmr_join_grant_clear(&grant);
		reply_error(msg, VMR_ERROR_INTERNAL, "cannot start the room's MCU");
		return;
	}
	janus_refcount_increase(&s->ref);      /* the io's reference */
	mcu_participant_io io = { .opaque = s, .send_rtp = io_send_rtp, .request_keyframe = io_request_keyframe };
	mcu_participant_opts opts;
	mcu_participant_opts_defaults(&opts);
	opts.display = display;
	opts.audio_codec = MCU_AUDIO_OPUS;
	opts.audio_pt = (uint8_t)audio_pt;
	opts.video_pt = (uint8_t)video_pt;
	mcu_participant *part = mcu_room_join_ex(mroom, &opts, &io);
	if(part == NULL) {
		janus_refcount_decrease(&s->ref);
		mcu_room_unref(mroom);
		vmr_rooms_release_if_empty(address);
		g_free(answer);
		vmr_join_grant_clear(&grant);
		reply_error(msg, VMR_ERROR_INTERNAL, "cannot join the room's MCU");
		return;
	}
	janus_mutex_lock(&sessions_mutex);
	janus_mutex_lock(&s->mutex);
	s->room = mroom;
	s->part = part;
	s->room_name = g_strdup(address);
	s->room_id = grant.room.id;
	s->invitation_id = grant.invitation_id;
	g_free(s->display);
	s->display = g_strdup(display);
	janus_mutex_unlock(&s->mutex);
	janus_mutex_unlock(&sessions_mutex);

	int width = 0, height = 0;
	mcu_room_video_size(mroom, &width, &height);
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("joined"));
	json_object_set_new(event, "room", json_string(address));
	json_object_set_new(event, "room_name", json_string(grant.room.name));
	json_object_set_new(event, "layout", json_string(grant.room.layout));
	json_object_set_new(event, "id", json_integer((json_int_t)s->id));
	json_object_set_new(event, "display", json_string(display));
	json_t *video = json_object();
	json_object_set_new(video, "width", json_integer(width));
	json_object_set_new(video, "height", json_integer(height));
	json_object_set_new(event, "video", video);
	json_object_set_new(event, "participants", room_participants(address));
	janus_mutex_lock(&event_addresses_mutex);
	room_info *info = g_hash_table_lookup(event_addresses, address);
	guint64 speaker = info ? info->speaker : 0;
	janus_mutex_unlock(&event_addresses_mutex);
	json_object_set_new(event, "speaker", speaker ? json_integer((json_int_t)speaker) : json_null());
	json_t *jsep = json_pack("{ssss}", "type", "answer", "sdp", answer);
	int ret = gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, jsep);
	JANUS_LOG(LOG_INFO, "[vmr] %s (%" SCNu64 ") joined room %s (pt audio %d video %d): push_event %d\n",
		display, s->id, address, audio_pt, video_pt, ret);
	json_decref(event);
	json_decref(jsep);
	g_free(answer);

	json_t *joined_ev = json_object();
	json_object_set_new(joined_ev, "vmr", json_string("event"));
	json_object_set_new(joined_ev, "room", json_string(address));
	json_t *who = json_object();
	json_object_set_new(who, "id", json_integer((json_int_t)s->id));
	json_object_set_new(who, "display", json_string(display));
	json_object_set_new(joined_ev, "joined", who);
	room_notify(address, s, joined_ev);
	json_decref(joined_ev);
	notify_guest_joined(&grant, display);
	vmr_join_grant_clear(&grant);
}

/* Applies what a management request changed to the running rooms. */
static void apply_effects(const vmr_effects *fx) {
	if(fx->revoked_invitation)
		kick_invitation(fx->revoked_invitation);
	if(fx->room_changed) {
		vmr_room room;
		if(vmr_store_room_get(vmr_service_store(service), fx->room_changed, &room) != 0)
			return;
		json_t *event = json_object();
		json_object_set_new(event, "vmr", json_string("event"));
		json_object_set_new(event, "room", json_string(room.address));
		json_object_set_new(event, "layout", json_string(room.layout));
		mcu_layout_kind kind = MCU_LAYOUT_1_7;
		mcu_layout_kind_from_string(room.layout, &kind);
		/* Everyone in the room (by id: the address may just have changed) hears the new layout. */
		session_filter f = { .room_id = room.id };
		GList *targets = sessions_matching(&f);
		for(GList *l = targets; l; l = l->next) {
			vmr_session *s = l->data;
			janus_mutex_lock(&s->mutex);
			if(s->room)
				mcu_room_set_layout(s->room, kind);
			janus_mutex_unlock(&s->mutex);
			gateway->push_event(s->handle, &vmr_plugin, NULL, event, NULL);
		}
		sessions_release(targets);
		json_decref(event);
		vmr_room_clear(&room);
	}
}

static void handle_request(vmr_message *msg) {
	vmr_session *s = msg->session;
	if(msg->peer != NULL) {
		/* Failures count per client address when we know it (else per handle). */
		char *source = g_strdup_printf("ip:%s", msg->peer);
		char *colon = strrchr(source + 3, ':');
		if(colon != NULL && strchr(source + 3, ':') == colon)
			*colon = '\0';   /* "1.2.3.4:5678" -> "1.2.3.4" (IPv6 keeps its colons) */
		g_free(s->client.source);
		s->client.source = source;
	}
	vmr_request req;
	char reason[128];
	int code = vmr_request_parse(msg->message, 0, &req, reason, sizeof(reason));
	if(code != VMR_OK) {
		JANUS_LOG(LOG_WARN, "[vmr] bad request from participant %" SCNu64 ": %d %s\n", s->id, code, reason);
		reply_error(msg, code, reason);
		return;
	}
	json_t *event = NULL;
	switch(req.type) {
	case VMR_REQ_JOIN:
		handle_join(msg, &req);
		return;
	case VMR_REQ_LEAVE: {
		janus_mutex_lock(&s->mutex);
		gboolean joined = s->room != NULL;
		janus_mutex_unlock(&s->mutex);
		if(!joined) {
			reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
			return;
		}
		session_leave(s);
		s->invitation_id = 0;
		event = json_pack("{ssss}", "vmr", "event", "result", "left");
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
		json_decref(event);
		gateway->close_pc(s->handle);
		return;
	}
	case VMR_REQ_LIST_PARTICIPANTS: {
		janus_mutex_lock(&s->mutex);
		char *name = g_strdup(s->room_name);
		janus_mutex_unlock(&s->mutex);
		if(name == NULL) {
			reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
			return;
		}
		event = json_object();
		json_object_set_new(event, "vmr", json_string("participants"));
		json_object_set_new(event, "room", json_string(name));
		json_object_set_new(event, "participants", room_participants(name));
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
		json_decref(event);
		g_free(name);
		return;
	}
	case VMR_REQ_CONFIGURE: {
		/* A new offer from a participant in the room, e.g. an ICE restart after a network
		 * drop: answer it; the participant stays in the MCU room throughout. */
		janus_mutex_lock(&s->mutex);
		gboolean joined = s->room != NULL;
		janus_mutex_unlock(&s->mutex);
		const char *type = msg->jsep ? json_string_value(json_object_get(msg->jsep, "type")) : NULL;
		const char *sdp = msg->jsep ? json_string_value(json_object_get(msg->jsep, "sdp")) : NULL;
		if(!joined) {
			reply_error(msg, VMR_ERROR_NOT_JOINED, "not in a room");
			return;
		}
		if(type == NULL || strcmp(type, "offer") != 0 || sdp == NULL) {
			reply_error(msg, VMR_ERROR_MISSING_ELEMENT, "configure needs a JSEP offer");
			return;
		}
		int audio_pt = 0, video_pt = 0, code = 0;
		const char *reason = NULL;
		char *answer = answer_offer(sdp, &audio_pt, &video_pt, &code, &reason);
		if(answer == NULL) {
			reply_error(msg, code, reason);
			return;
		}
		event = json_pack("{ssss}", "vmr", "event", "result", "ok");
		json_t *jsep = json_pack("{ssss}", "type", "answer", "sdp", answer);
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, jsep);
		JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " renegotiated (ICE restart or new offer)\n", s->id);
		json_decref(event);
		json_decref(jsep);
		g_free(answer);
		return;
	}
	case VMR_REQ_KEYFRAME:
		janus_mutex_lock(&s->mutex);
		if(s->part)
			mcu_participant_keyframe_request(s->part);
		janus_mutex_unlock(&s->mutex);
		event = json_pack("{ssss}", "vmr", "event", "result", "ok");
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
		json_decref(event);
		return;
	default: {
		/* Account and room management: the service decides, we apply the effects. */
		vmr_effects fx;
		event = vmr_service_handle(service, &s->client, &req, &fx);
		json_t *ecode = json_object_get(event, "error_code");
		if(ecode != NULL)   /* refusals (wrong password, bad link, someone else's id...) go to the log with the source */
			JANUS_LOG(LOG_WARN, "[vmr] %s refused for participant %" SCNu64 " (%s): %d %s\n", req.name, s->id,
				s->client.source, (int)json_integer_value(ecode), json_string_value(json_object_get(event, "error")));
		gateway->push_event(s->handle, &vmr_plugin, msg->transaction, event, NULL);
		json_decref(event);
		apply_effects(&fx);
		return;
	}
	}
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
