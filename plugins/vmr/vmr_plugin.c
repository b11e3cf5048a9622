/*
 * vmr_plugin.c - janus.plugin.vmr: the Janus glue of the virtual meeting room.
 *
 * Translates Janus callbacks into calls on our libraries: requests are validated by
 * vmr_request, rooms come from vmr_store, media goes through the shared MCU
 * (libtpaas_mcu). Nothing here mixes or stores anything itself.
 *
 * Threads: Janus calls handle_message on its request threads; we only queue the message
 * and a single worker thread handles it (vmr_plugin_requests.c: join = SDP offer/answer +
 * MCU join, management, notifications). RTP/RTCP
 * callbacks run on Janus's per-handle loop threads and go straight to the MCU. The MCU
 * calls our send_rtp/request_keyframe from its own mixer threads.
 *
 * Ownership: a vmr_session is refcounted (janus_refcount): one reference is held by the
 * sessions table from create_session until destroy_session, one by every queued message,
 * and one by the MCU participant io (dropped right after mcu_room_leave returns, after
 * which the MCU never calls us again). Rooms: the shared registry (vmr_rooms.h) runs them
 * and knows who is in each, of every kind (browsers here, SIP callers from the bridge); its
 * listener (room_joined, room_left, room_talking, room_speaker) tells the pages in the room.
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
#include "mcu_content.h"
#include "mcu_tiers.h"
#include "tpaas_export.h"
#include "vmr_admission.h"
#include "vmr_dialout.h"
#include "vmr_peer.h"
#include "vmr_request.h"
#include "vmr_rooms.h"
#include "vmr_service.h"
#include "vmr_store.h"
#include "vmr_plugin_priv.h"
#include "vmr_plugin_log.h"
#include "vmr_plugin_ops.h"

#define VMR_VERSION        1
#define VMR_VERSION_STRING "0.1.0"
#define VMR_DESCRIPTION    "tpaas-vmr: virtual meeting rooms with an MCU (mixed audio, composed video)"
#define VMR_NAME           "tpaas VMR"
#define VMR_AUTHOR         "tpaas-vmr developers"
#define VMR_PACKAGE        "janus.plugin.vmr"

static int vmr_init(janus_callbacks *callback, const char *config_path);
static void vmr_destroy(void);
static int vmr_get_api_compatibility(void)
{
	return JANUS_PLUGIN_API_VERSION;
}
static int vmr_get_version(void)
{
	return VMR_VERSION;
}
static const char *vmr_get_version_string(void)
{
	return VMR_VERSION_STRING;
}
static const char *vmr_get_description(void)
{
	return VMR_DESCRIPTION;
}
static const char *vmr_get_name(void)
{
	return VMR_NAME;
}
static const char *vmr_get_author(void)
{
	return VMR_AUTHOR;
}
static const char *vmr_get_package(void)
{
	return VMR_PACKAGE;
}
static void vmr_create_session(janus_plugin_session *handle, int *error);
static struct janus_plugin_result *vmr_handle_message(
	janus_plugin_session *handle, char *transaction, json_t *message, json_t *jsep);
static json_t *vmr_handle_admin_message(json_t *message);
static void vmr_setup_media(janus_plugin_session *handle);
static void vmr_incoming_rtp(janus_plugin_session *handle, janus_plugin_rtp *packet);
static void vmr_incoming_rtcp(janus_plugin_session *handle, janus_plugin_rtcp *packet);
static void vmr_hangup_media(janus_plugin_session *handle);
static void vmr_destroy_session(janus_plugin_session *handle, int *error);
static json_t *vmr_query_session(janus_plugin_session *handle);

janus_plugin vmr_plugin = JANUS_PLUGIN_INIT(.init = vmr_init, .destroy = vmr_destroy,
	.get_api_compatibility = vmr_get_api_compatibility, .get_version = vmr_get_version,
	.get_version_string = vmr_get_version_string, .get_description = vmr_get_description,
	.get_name = vmr_get_name, .get_author = vmr_get_author, .get_package = vmr_get_package,
	.create_session = vmr_create_session, .handle_message = vmr_handle_message,
	.handle_admin_message = vmr_handle_admin_message, .setup_media = vmr_setup_media,
	.incoming_rtp = vmr_incoming_rtp, .incoming_rtcp = vmr_incoming_rtcp,
	.hangup_media = vmr_hangup_media, .destroy_session = vmr_destroy_session,
	.query_session = vmr_query_session, );

TPAAS_EXPORT janus_plugin *create(void)
{
	return &vmr_plugin;
}

janus_callbacks *vmr_gateway;
volatile gint vmr_initialized, vmr_stopping;
static GHashTable *sessions; /* janus_plugin_session* -> vmr_session* (one ref) */
janus_mutex sessions_mutex = JANUS_MUTEX_INITIALIZER;
static GAsyncQueue *messages;
/* The worker's queue is bounded, overall and per client address, so that one client (or a
 * crowd) sending slow requests (an argon2 login, a database write) gets a quick "busy" answer
 * instead of a queue that grows without end and delays everybody else. */
static int queue_max = 512, queue_per_source = 8; /* queue_max, queue_per_client in the jcfg */
static GMutex queue_lock;
static GHashTable *queued_by_source; /* key -> GINT_TO_POINTER(count), under queue_lock */
static int queued_total;             /* under queue_lock */
static GThread *worker;
static vmr_message exit_message;
vmr_service *vmr_svc;
static mcu_room_config room_config;

/* ---- sessions ----------------------------------------------------------------------- */

static void vmr_session_free(const janus_refcount *ref)
{
	vmr_session *s = janus_refcount_containerof(ref, vmr_session, ref);
	g_free(s->room_name);
	g_free(s->display);
	g_free(s->waiting_room);
	vmr_pending_join_free(s->pending);
	vmr_client_clear(&s->client);
	janus_mutex_destroy(&s->mutex);
	g_free(s);
}

/* Returns a new reference to the session of a handle, or NULL. */
vmr_session *session_lookup(janus_plugin_session *handle)
{
	vmr_session *s = NULL;
	janus_mutex_lock(&sessions_mutex);
	if (sessions != NULL)
		s = g_hash_table_lookup(sessions, handle);
	if (s != NULL && !g_atomic_int_get(&s->destroyed)) {
		janus_refcount_increase(&s->ref);
	} else {
		s = NULL;
	}
	janus_mutex_unlock(&sessions_mutex);
	return s;
}

/* Takes a place in the worker's queue for key; FALSE when the queue or key's share is full. */
static gboolean queue_reserve(const char *key)
{
	g_mutex_lock(&queue_lock);
	int n = GPOINTER_TO_INT(g_hash_table_lookup(queued_by_source, key));
	gboolean ok = queued_total < queue_max && n < queue_per_source;
	if (ok) {
		g_hash_table_insert(queued_by_source, g_strdup(key), GINT_TO_POINTER(n + 1));
		queued_total++;
	}
	g_mutex_unlock(&queue_lock);
	return ok;
}

static void queue_release(const char *key)
{
	g_mutex_lock(&queue_lock);
	int n = GPOINTER_TO_INT(g_hash_table_lookup(queued_by_source, key));
	if (n <= 1)
		g_hash_table_remove(queued_by_source, key);
	else
		g_hash_table_insert(queued_by_source, g_strdup(key), GINT_TO_POINTER(n - 1));
	if (n > 0)
		queued_total--;
	g_mutex_unlock(&queue_lock);
}

static void vmr_message_free(vmr_message *msg)
{
	if (msg == NULL || msg == &exit_message)
		return;
	if (msg->queue_key) {
		queue_release(msg->queue_key);
		g_free(msg->queue_key);
	}
	if (msg->session)
		janus_refcount_decrease(&msg->session->ref);
	g_free(msg->transaction);
	g_free(msg->peer);
	if (msg->message)
		json_decref(msg->message);
	if (msg->jsep)
		json_decref(msg->jsep);
	if (msg->job_free)
		msg->job_free(msg->job_data);
	g_free(msg);
}

void worker_run(void (*job)(void *data), void *data, GDestroyNotify job_free)
{
	vmr_message *msg = g_new0(vmr_message, 1);
	msg->job = job;
	msg->job_data = data;
	msg->job_free = job_free;
	/* Callers (the rooms listener, the mailer, the PIN guard) may run while vmr_destroy takes
	 * the queue away: queue_lock makes that either before or after. */
	g_mutex_lock(&queue_lock);
	gboolean queued = !g_atomic_int_get(&vmr_stopping) && messages != NULL;
	if (queued)
		g_async_queue_push(messages, msg);
	g_mutex_unlock(&queue_lock);
	if (!queued)
		vmr_message_free(msg);
}

/* ---- MCU io callbacks (MCU threads) --------------------------------------------------- */

void vmr_io_send_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	vmr_session *s = opaque;
	/* the m-line it goes out on: the content stream's, or the (first) video or audio one */
	int mindex = is_video == MCU_STREAM_CONTENT ? vmr_content_out_mindex(s)
		: is_video                          ? vmr_content_video_mindex(s)
						    : -1;
	if ((is_video == MCU_STREAM_CONTENT && mindex < 0) || !g_atomic_int_get(&s->media_up)
		|| g_atomic_int_get(&s->destroyed) || len > 1500)
		return;
	/* relay_rtp takes a mutable buffer: hand it a private copy of the MCU's packet. */
	char buf[1500];
	memcpy(buf, pkt, len);
	janus_plugin_rtp rtp;
	janus_plugin_rtp_reset(&rtp);
	rtp.mindex = mindex;
	rtp.video = is_video ? TRUE : FALSE;
	rtp.buffer = buf;
	rtp.length = (uint16_t)len;
	vmr_gateway->relay_rtp(s->handle, &rtp);
}

void io_request_keyframe(void *opaque)
{
	vmr_session *s = opaque;
	if (g_atomic_int_get(&s->media_up) && !g_atomic_int_get(&s->destroyed))
		vmr_gateway->send_pli(s->handle);
}

/* ---- rooms --------------------------------------------------------------------------- */

/* Room events from the rooms registry (vmr_rooms.h): every participant of every kind (browser,
 * SIP, plain RTP) comes and goes through it, and its talking/speaker events come from the
 * MCU's audio thread. Everyone in the room hears of it. */
static void room_joined(
	void *opaque, const char *address, uint64_t id, const char *display, int is_sip)
{
	(void)opaque;
	room_event(address, NULL, "joined",
		json_pack("{sIsssb}", "id", (json_int_t)id, "display", display, "sip", is_sip));
}

static void room_left(void *opaque, const char *address, uint64_t id)
{
	(void)opaque;
	room_event(address, NULL, "left", json_integer((json_int_t)id));
}

static void room_talking(void *opaque, const char *address, uint64_t id, int is_talking)
{
	(void)opaque;
	room_event(address, NULL, "talking",
		json_pack("{sIsb}", "id", (json_int_t)id, "talking", is_talking));
}

static void room_speaker(void *opaque, const char *address, uint64_t id)
{
	(void)opaque;
	room_event(address, NULL, "speaker", id ? json_integer((json_int_t)id) : json_null());
}

static gboolean session_matches(vmr_session *s, const session_filter *f)
{
	if (s == f->skip || g_atomic_int_get(&s->destroyed))
		return FALSE;
	gboolean in_room = s->room_name != NULL;
	if (f->room && (!in_room || strcmp(s->room_name, f->room) != 0))
		return FALSE;
	if (f->room_id && (!in_room || s->room_id != f->room_id))
		return FALSE;
	if (f->account_id && s->client.account_id != f->account_id)
		return FALSE;
	if (f->except_room && in_room && strcmp(s->room_name, f->except_room) == 0)
		return FALSE;
	if (f->invitation_id && (!in_room || s->invitation_id != f->invitation_id))
		return FALSE;
	return TRUE;
}

/* The sessions matching f, each with a new reference (release with sessions_release). Taken
 * under sessions_mutex; whatever is done to them next happens without it. */
GList *sessions_matching(const session_filter *f)
{
	GList *list = NULL;
	janus_mutex_lock(&sessions_mutex);
	GHashTableIter it;
	gpointer value;
	if (sessions
		!= NULL) /* (NULL once the plugin is stopping; the bridge may still tell us things) */
		g_hash_table_iter_init(&it, sessions);
	while (sessions != NULL && g_hash_table_iter_next(&it, NULL, &value)) {
		vmr_session *s = value;
		if (session_matches(s, f)) {
			janus_refcount_increase(&s->ref);
			list = g_list_prepend(list, s);
		}
	}
	janus_mutex_unlock(&sessions_mutex);
	return list;
}

void sessions_release(GList *list)
{
	for (GList *l = list; l; l = l->next)
		janus_refcount_decrease(&((vmr_session *)l->data)->ref);
	g_list_free(list);
}

/* Pushes `event` (borrowed) to every session matching f; returns how many. */
int vmr_notify(const session_filter *f, json_t *event)
{
	GList *targets = sessions_matching(f);
	int n = 0;
	for (GList *l = targets; l; l = l->next, n++)
		vmr_gateway->push_event(
			((vmr_session *)l->data)->handle, &vmr_plugin, NULL, event, NULL);
	sessions_release(targets);
	return n;
}

/* Sends `event` (borrowed) to everyone in room `name` except `skip`. */
void room_notify(const char *name, vmr_session *skip, json_t *event)
{
	session_filter f = { .room = name, .skip = skip };
	vmr_notify(&f, event);
}

/* Sends {"vmr":"event","room":name,key:value} to everyone in the room but skip; steals value. */
void room_event(const char *name, vmr_session *skip, const char *key, json_t *value)
{
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "room", json_string(name));
	json_object_set_new(event, key, value);
	room_notify(name, skip, event);
	json_decref(event);
}

static void add_participant(void *opaque, uint64_t id, const char *display, int is_sip)
{
	json_array_append_new(opaque,
		json_pack("{sIsssb}", "id", (json_int_t)id, "display", display, "sip", is_sip));
}

/* Everyone in the room, of every kind, from the rooms registry. */
json_t *room_participants(const char *name)
{
	json_t *list = json_array();
	vmr_rooms_members(name, add_participant, list);
	return list;
}

/* Leaves the MCU room (if in one). Safe to call more than once. */
void vmr_session_leave(vmr_session *s)
{
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
	if (room == NULL) {
		g_free(name);
		return;
	}
	g_atomic_int_set(&s->media_up, 0);
	mcu_room_leave(room, part); /* (stops its presentation: the room hears `content`) */
	mcu_participant_unref(part);
	vmr_content_left(s);
	janus_refcount_decrease(&s->ref);     /* the io's reference: the MCU won't call us again */
	vmr_hosts_leave(name, s->id);         /* no longer a host or guest there */
	vmr_rooms_member_remove(room, s->id); /* the others hear `left` (we are out of the room) */
	vmr_rooms_release(room);
	vmr_ops_left(s, name);
	JANUS_LOG(LOG_INFO, "[vmr] participant %" SCNu64 " left room %s\n", s->id, name);
	g_free(name);
}

/* ---- plugin lifecycle ----------------------------------------------------------------- */

static const char *config_string(
	janus_config *config, janus_config_category *cat, const char *key, const char *def)
{
	janus_config_item *item = janus_config_get(config, cat, janus_config_type_item, key);
	return (item && item->value) ? item->value : def;
}

static int config_int(janus_config *config, janus_config_category *cat, const char *key, int def,
	int min, int max)
{
	const char *v = config_string(config, cat, key, NULL);
	if (v == NULL)
		return def;
	gint64 n = g_ascii_strtoll(v, NULL, 10);
	if (n < min || n > max) {
		JANUS_LOG(LOG_WARN, "[vmr] %s = %s out of range %d..%d, using %d\n", key, v, min,
			max, def);
		return def;
	}
	return (int)n;
}

static void *vmr_worker(void *data);

/* Settings read from janus.plugin.vmr.jcfg; strings owned here until init returns. */
typedef struct vmr_settings {
	char *database, *demo_room, *demo_pin, *domain, *public_url, *dial_ip;
	char *smtp_url, *smtp_user, *smtp_password, *mail_from, *mail_from_name;
	int smtp_starttls;
} vmr_settings;

static void settings_clear(vmr_settings *st)
{
	char **all[] = { &st->database, &st->demo_room, &st->demo_pin, &st->domain, &st->public_url,
		&st->dial_ip, &st->smtp_url, &st->smtp_user, &st->smtp_password, &st->mail_from,
		&st->mail_from_name };
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
		g_free(*all[i]);
		*all[i] = NULL;
	}
}

static void settings_read(const char *config_path, vmr_settings *st)
{
	char filename[512];
	g_snprintf(filename, sizeof(filename), "%s/%s.jcfg", config_path, VMR_PACKAGE);
	janus_config *config = janus_config_parse(filename);
	mcu_room_config_defaults(&room_config);
	if (config == NULL) {
		JANUS_LOG(LOG_WARN, "[vmr] no config file %s, using defaults\n", filename);
		return;
	}
	janus_config_category *general = janus_config_get_create(
		config, NULL, janus_config_type_category, "general");
	janus_config_category *mail = janus_config_get_create(
		config, NULL, janus_config_type_category, "mail");
	room_config.width = config_int(config, general, "video_width", room_config.width, 160, 1920)
		& ~1;
	room_config.height =
		config_int(config, general, "video_height", room_config.height, 90, 1080) & ~1;
	room_config.fps = config_int(config, general, "video_fps", room_config.fps, 5, 60);
	room_config.video_kbps = config_int(
		config, general, "video_kbps", room_config.video_kbps, 100, 8000);
	room_config.audio_kbps = config_int(
		config, general, "audio_kbps", room_config.audio_kbps, 8, 256);
	const char *simulcast = config_string(config, general, "simulcast", "true");
	g_atomic_int_set(&vmr_simulcast_enabled, janus_is_true(simulcast) ? 1 : 0);
	/* Admission control (vmr_admission.h): both plugins refuse what would pass it. */
	vmr_admission_budget budget = { 0 };
	const char *max_load = config_string(config, general, "max_load", NULL);
	budget.max_load = max_load ? g_ascii_strtod(max_load, NULL) : 0;
	if (!(budget.max_load >= 0 && budget.max_load <= 1024)) {
		JANUS_LOG(LOG_WARN, "[vmr] max_load = %s out of range 0..1024 cores, no limit\n",
			max_load);
		budget.max_load = 0;
	}
	budget.max_participants = (unsigned)config_int(
		config, general, "max_participants", 0, 0, 1000000);
	budget.retry_after_s = config_int(config, general, "admission_retry_after", 30, 1, 3600);
	vmr_admission_set_budget(&budget);
	queue_max = config_int(config, general, "queue_max", 512, 16, 100000);
	queue_per_source = config_int(config, general, "queue_per_client", 8, 1, 100000);
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

static void ensure_demo_room(const vmr_settings *st)
{
	if (st->demo_room == NULL || st->demo_room[0] == '\0')
		return;
	vmr_store *store = vmr_service_store(vmr_svc);
	vmr_room room;
	int rc = vmr_store_room_get_by_address(store, st->demo_room, &room);
	if (rc == 0) {
		vmr_room_clear(&room);
		return;
	}
	rc = vmr_store_room_create(
		store, VMR_ROOM_ENTERPRISE, st->demo_room, 0, st->demo_pin, "2x2", 0, &room);
	if (rc == 0) {
		JANUS_LOG(LOG_INFO, "[vmr] created demo room %s (meeting number %d)\n",
			room.address, room.meeting_number);
		vmr_room_clear(&room);
	} else {
		JANUS_LOG(LOG_ERR, "[vmr] cannot create demo room %s (%s)\n", st->demo_room,
			g_strerror(-rc));
	}
}

static int vmr_init(janus_callbacks *callback, const char *config_path)
{
	if (callback == NULL || config_path == NULL)
		return -1;
	vmr_plugin_log_install();
	vmr_settings st = { 0 };
	settings_read(config_path, &st);
	if (st.database == NULL)
		st.database = g_build_filename(config_path, "vmr.sqlite", NULL);
	vmr_store *store = NULL;
	int rc = vmr_store_open(st.database, &store);
	if (rc < 0) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot open the store %s (%s)\n",
			vmr_store_printable_uri(st.database), g_strerror(-rc));
		settings_clear(&st);
		return -1;
	}
	vmr_service_config scfg = {
		.domain = st.domain,
		.public_url = st.public_url,
		.dial_ip = st.dial_ip,
		.mail = { .smtp_url = st.smtp_url,
			.username = st.smtp_user,
			.password = st.smtp_password,
			.starttls = st.smtp_starttls,
			.from_address = st.mail_from,
			.from_name = st.mail_from_name },
		.mail_result = vmr_mail_result,
	};
	rc = vmr_service_new(store, &scfg, &vmr_svc);
	if (rc < 0) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot start the service (%s)\n", g_strerror(-rc));
		vmr_store_close(store);
		settings_clear(&st);
		return -1;
	}
	ensure_demo_room(&st);
	char cfile[512];
	g_snprintf(cfile, sizeof(cfile), "%s/%s.jcfg", config_path, VMR_PACKAGE);
	if (vmr_cluster_glue_init(cfile, store, st.public_url) < 0) {
		vmr_service_free(vmr_svc);
		vmr_svc = NULL;
		settings_clear(&st);
		return -1;
	}
	vmr_ops_init(config_path);
	sessions = g_hash_table_new(NULL, NULL);
	vmr_rooms_set_defaults(&room_config);
	vmr_rooms_listener listener = { .joined = room_joined,
		.left = room_left,
		.talking = room_talking,
		.speaker = room_speaker,
		.guest_joined = vmr_guest_joined,
		.content = vmr_content_room_changed };
	vmr_rooms_set_listener(&listener);
	vmr_hosts_glue_init();
	queued_by_source = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	queued_total = 0;
	vmr_pinguard_set_lock_hook(vmr_pinguard_shared(), vmr_pin_locked, NULL);
	messages = g_async_queue_new_full((GDestroyNotify)vmr_message_free);
	vmr_gateway = callback;
	GError *error = NULL;
	worker = g_thread_try_new("vmr worker", vmr_worker, NULL, &error);
	if (error != NULL) {
		JANUS_LOG(LOG_FATAL, "[vmr] cannot start the worker thread: %s\n", error->message);
		g_error_free(error);
		settings_clear(&st);
		return -1;
	}
	g_atomic_int_set(&vmr_initialized, 1);
	JANUS_LOG(LOG_INFO, "%s initialized: store %s (%s), picture %dx%d@%d, mail %s\n", VMR_NAME,
		vmr_store_printable_uri(st.database), vmr_store_backend(store), room_config.width,
		room_config.height, room_config.fps,
		st.smtp_url && st.smtp_url[0] ? st.smtp_url : "off (no SMTP server configured)");
	settings_clear(&st);
	return 0;
}

static void vmr_destroy(void)
{
	if (!g_atomic_int_get(&vmr_initialized))
		return;
	g_atomic_int_set(&vmr_stopping, 1);
	/* First: the listener may queue jobs for the worker (guest notification) from any thread. */
	vmr_rooms_set_listener(NULL);
	vmr_hosts_glue_destroy();
	g_async_queue_push(messages, &exit_message);
	if (worker != NULL)
		g_thread_join(worker);
	worker = NULL;
	g_mutex_lock(&queue_lock);
	GAsyncQueue *left = messages;
	messages = NULL;
	g_mutex_unlock(&queue_lock);
	g_async_queue_unref(left); /* (frees what is left: queue_release takes queue_lock) */
	g_hash_table_destroy(queued_by_source);
	queued_by_source = NULL;
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_destroy(sessions);
	sessions = NULL;
	janus_mutex_unlock(&sessions_mutex);
	vmr_pinguard_set_lock_hook(vmr_pinguard_shared(), NULL, NULL);
	vmr_ops_destroy();
	vmr_cluster_glue_destroy(); /* (before the rooms stop: its placements go at once) */
	vmr_rooms_clear();
	vmr_service_free(vmr_svc);
	vmr_svc = NULL;
	g_atomic_int_set(&vmr_initialized, 0);
	JANUS_LOG(LOG_INFO, "%s destroyed\n", VMR_NAME);
}

static void vmr_create_session(janus_plugin_session *handle, int *error)
{
	if (g_atomic_int_get(&vmr_stopping) || !g_atomic_int_get(&vmr_initialized)) {
		*error = -1;
		return;
	}
	vmr_session *s = g_new0(vmr_session, 1);
	s->handle = handle;
	s->id = vmr_rooms_new_id();
	s->member.id = s->id;
	/* Janus does not tell plugins the client's address: failures are counted per handle and per room. */
	s->client.source = g_strdup_printf("handle:%" SCNu64, s->id);
	janus_mutex_init(&s->mutex);
	vmr_content_state_init(&s->content);
	janus_refcount_init(&s->ref, vmr_session_free);
	handle->plugin_handle = s;
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_insert(sessions, handle, s);
	janus_mutex_unlock(&sessions_mutex);
}

static void vmr_destroy_session(janus_plugin_session *handle, int *error)
{
	if (!g_atomic_int_get(&vmr_initialized)) {
		*error = -1;
		return;
	}
	vmr_session *s = session_lookup(handle);
	if (s == NULL) {
		*error = -2;
		return;
	}
	/* Marked first, under sessions_mutex: a join the worker is finishing right now either
	 * put us in the room before (and vmr_session_leave takes us out) or sees the mark and leaves
	 * by itself (handle_join). */
	janus_mutex_lock(&sessions_mutex);
	g_atomic_int_set(&s->destroyed, 1);
	janus_mutex_unlock(&sessions_mutex);
	vmr_hosts_session_gone(s);
	vmr_session_leave(s);
	janus_mutex_lock(&sessions_mutex);
	if (g_hash_table_remove(sessions, handle))
		janus_refcount_decrease(&s->ref); /* the table's reference */
	janus_mutex_unlock(&sessions_mutex);
	janus_refcount_decrease(&s->ref); /* ours */
}

static json_t *vmr_query_session(janus_plugin_session *handle)
{
	vmr_session *s = session_lookup(handle);
	if (s == NULL)
		return NULL;
	json_t *info = json_object();
	janus_mutex_lock(&s->mutex);
	json_object_set_new(info, "id", json_integer((json_int_t)s->id));
	if (s->room_name)
		json_object_set_new(info, "room", json_string(s->room_name));
	if (s->display)
		json_object_set_new(info, "display", json_string(s->display));
	if (s->part) {
		mcu_participant_stats st;
		mcu_participant_get_stats(s->part, &st);
		json_t *m = json_object();
		json_object_set_new(
			m, "audio_packets_in", json_integer((json_int_t)st.audio_packets_in));
		json_object_set_new(
			m, "video_packets_in", json_integer((json_int_t)st.video_packets_in));
		json_object_set_new(
			m, "bad_packets_in", json_integer((json_int_t)st.bad_packets_in));
		json_object_set_new(m, "audio_frames_decoded",
			json_integer((json_int_t)st.audio_frames_decoded));
		json_object_set_new(m, "video_frames_decoded",
			json_integer((json_int_t)st.video_frames_decoded));
		json_object_set_new(
			m, "audio_packets_out", json_integer((json_int_t)st.audio_packets_out));
		json_object_set_new(
			m, "video_packets_out", json_integer((json_int_t)st.video_packets_out));
		/* the loss of our audio it reports (percent; -1 no report), what its Opus FEC follows */
		json_object_set_new(m, "audio_loss_reported",
			json_integer(mcu_participant_audio_loss(s->part)));
		json_object_set_new(info, "mcu", m);
		json_t *sim = vmr_simulcast_stats_json(s->part);
		if (sim)
			json_object_set_new(info, "simulcast", sim);
	}
	janus_mutex_unlock(&s->mutex);
	json_object_set_new(info, "media_up", json_boolean(g_atomic_int_get(&s->media_up)));
	janus_refcount_decrease(&s->ref);
	return info;
}

static struct janus_plugin_result *vmr_handle_message(
	janus_plugin_session *handle, char *transaction, json_t *message, json_t *jsep)
{
	if (g_atomic_int_get(&vmr_stopping) || !g_atomic_int_get(&vmr_initialized)) {
		g_free(transaction);
		if (message)
			json_decref(message);
		if (jsep)
			json_decref(jsep);
		return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "plugin is shutting down", NULL);
	}
	vmr_session *s = session_lookup(handle);
	if (s == NULL) {
		g_free(transaction);
		if (message)
			json_decref(message);
		if (jsep)
			json_decref(jsep);
		return janus_plugin_result_new(
			JANUS_PLUGIN_ERROR, "no session for this handle", NULL);
	}
	/* Our transport stamps the sender's address into the body (vmr_peer.h); take it out before
	 * the body is validated, and refuse an address the client wrote itself. */
	char *peer = NULL;
	int peer_ret = vmr_peer_take(message, &peer);
	if (peer_ret < 0) {
		JANUS_LOG(LOG_WARN, "[vmr] participant %" SCNu64 ": request refused, %s\n", s->id,
			peer_ret == -EPERM ? "it names its own source address (_peer)"
					   : "no valid source address");
		janus_refcount_decrease(&s->ref);
		g_free(transaction);
		json_decref(message);
		if (jsep)
			json_decref(jsep);
		return janus_plugin_result_new(JANUS_PLUGIN_ERROR, "_peer is not allowed", NULL);
	}
	char *queue_key = peer ? g_strdup(peer) : g_strdup_printf("participant:%" SCNu64, s->id);
	if (!queue_reserve(queue_key)) {
		JANUS_LOG(LOG_WARN,
			"[vmr] busy: request from participant %" SCNu64 " (%s) refused, "
			"too many requests waiting\n",
			s->id, queue_key);
		json_t *busy = vmr_error_json(
			VMR_ERROR_BUSY, "busy: too many requests waiting, try again shortly");
		vmr_gateway->push_event(handle, &vmr_plugin, transaction, busy, NULL);
		json_decref(busy);
		if (jsep != NULL) {
			/* as for any refused offer: the client tries again on a fresh PeerConnection */
			janus_mutex_lock(&s->mutex);
			gboolean in_room = s->room != NULL;
			janus_mutex_unlock(&s->mutex);
			if (!in_room)
				vmr_gateway->close_pc(handle);
		}
		g_free(queue_key);
		g_free(peer);
		janus_refcount_decrease(&s->ref);
		g_free(transaction);
		json_decref(message);
		if (jsep)
			json_decref(jsep);
		return janus_plugin_result_new(JANUS_PLUGIN_OK_WAIT, NULL, NULL);
	}
	/* Everything is answered asynchronously, in order, by the worker. */
	vmr_message *msg = g_new0(vmr_message, 1);
	msg->session = s; /* takes the lookup's reference */
	msg->peer = peer;
	msg->queue_key = queue_key;
	msg->transaction = transaction;
	msg->message = message;
	msg->jsep = jsep;
	g_async_queue_push(messages, msg);
	return janus_plugin_result_new(JANUS_PLUGIN_OK_WAIT, NULL, NULL);
}

/* Admin requests (accounts, enterprise rooms) come through the Janus Admin API, which
 * has already checked the admin secret. */
static json_t *vmr_handle_admin_message(json_t *message)
{
	if (!g_atomic_int_get(&vmr_initialized))
		return vmr_error_json(VMR_ERROR_INTERNAL, "plugin not ready");
	vmr_request req;
	char reason[128];
	int code = vmr_request_parse(message, 1, &req, reason, sizeof(reason));
	if (code != VMR_OK)
		return vmr_error_json(code, reason);
	vmr_client admin = { .source = g_strdup("admin-api") };
	json_t *reply = vmr_service_handle(vmr_svc, &admin, &req, NULL);
	vmr_client_clear(&admin);
	return reply;
}

/* ---- media --------------------------------------------------------------------------- */

static void vmr_setup_media(janus_plugin_session *handle)
{
	vmr_session *s = session_lookup(handle);
	if (s == NULL)
		return;
	g_atomic_int_set(&s->media_up, 1);
	JANUS_LOG(LOG_INFO, "[vmr] WebRTC media up for participant %" SCNu64 "\n", s->id);
	/* The composed picture starts with a keyframe for this receiver; ask the sender too. */
	janus_mutex_lock(&s->mutex);
	if (s->part)
		mcu_participant_keyframe_request(s->part);
	janus_mutex_unlock(&s->mutex);
	vmr_gateway->send_pli(handle);
	janus_refcount_decrease(&s->ref);
}

static void vmr_incoming_rtp(janus_plugin_session *handle, janus_plugin_rtp *packet)
{
	if (packet == NULL || packet->buffer == NULL)
		return;
	vmr_session *s = handle ? (vmr_session *)handle->plugin_handle : NULL;
	if (s == NULL || g_atomic_int_get(&s->destroyed))
		return;
	janus_mutex_lock(&s->mutex);
	if (s->part && packet->video
		&& vmr_content_incoming_rtp(
			s, packet->mindex, (const uint8_t *)packet->buffer, packet->length)) {
		/* (the content stream: vmr_plugin_content.c) */
	} else if (s->part && packet->video && s->sim.layers > 0) {
		int layer = vmr_simulcast_layer(&s->sim, packet->buffer, packet->length);
		if (layer >= 0)
			mcu_participant_incoming_rtp_layer(
				s->part, layer, (const uint8_t *)packet->buffer, packet->length);
		if (layer == 0) /* loss and jitter of one sequence-number space */
			vmr_ops_rtp_in(s, 1, (const uint8_t *)packet->buffer, packet->length);
	} else if (s->part) {
		mcu_participant_incoming_rtp(s->part, packet->video ? 1 : 0,
			(const uint8_t *)packet->buffer, packet->length,
			packet->video ? -1 : packet->extensions.audio_level);
		vmr_ops_rtp_in(s, packet->video, (const uint8_t *)packet->buffer, packet->length);
	}
	janus_mutex_unlock(&s->mutex);
}

static void vmr_incoming_rtcp(janus_plugin_session *handle, janus_plugin_rtcp *packet)
{
	if (packet == NULL || packet->buffer == NULL)
		return;
	vmr_session *s = handle ? (vmr_session *)handle->plugin_handle : NULL;
	if (s == NULL || g_atomic_int_get(&s->destroyed))
		return;
	/* The browser's receive estimate (REMB, negotiated by Janus's answer as goog-remb)
	 * tells when its link is congested (mcu_tiers.h); it may come in either stream's RTCP. */
	uint32_t remb = janus_rtcp_get_remb(packet->buffer, packet->length);
	janus_mutex_lock(&s->mutex);
	if (s->part && remb > 0)
		mcu_participant_set_receive_estimate(s->part, (int)(remb / 1000));
	if (s->part
		&& !vmr_content_incoming_rtcp(s, packet->mindex, packet->buffer, packet->length)) {
		vmr_ops_rtcp_in(s, (const uint8_t *)packet->buffer, packet->length);
		if (janus_rtcp_has_pli(packet->buffer, packet->length)
			|| janus_rtcp_has_fir(packet->buffer, packet->length))
			mcu_participant_keyframe_request(s->part);
	}
	janus_mutex_unlock(&s->mutex);
}

static void vmr_hangup_media(janus_plugin_session *handle)
{
	vmr_session *s = session_lookup(handle);
	if (s == NULL)
		return;
	g_atomic_int_set(&s->media_up, 0);
	vmr_session_leave(s);
	json_t *event = json_object();
	json_object_set_new(event, "vmr", json_string("event"));
	json_object_set_new(event, "result", json_string("hangup"));
	vmr_gateway->push_event(handle, &vmr_plugin, NULL, event, NULL);
	json_decref(event);
	janus_refcount_decrease(&s->ref);
}

static void *vmr_worker(void *data)
{
	(void)data;
	while (!g_atomic_int_get(&vmr_stopping)) {
		vmr_message *msg = g_async_queue_pop(messages);
		if (msg == &exit_message)
			break;
		if (msg->job != NULL)
			msg->job(msg->job_data);
		else if (!g_atomic_int_get(&msg->session->destroyed))
			vmr_handle_request(msg);
		vmr_message_free(msg);
	}
	return NULL;
}
