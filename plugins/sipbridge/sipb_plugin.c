/*
 * sipb_plugin.c - janus.plugin.sipbridge: the SIP bridge that brings SIP hardware endpoints
 * into our MCU rooms (registration, dial-in, dial-out, DTMF).
 *
 * This first version loads, links the shared MCU library (one copy of its state per
 * process, shared with janus.plugin.vmr) and answers a synchronous `status` request.
 * The SIP user agent (Sofia-SIP) lands with its own issue.
 *
 * Threads: handle_message runs on Janus's request threads and answers synchronously.
 * Ownership: sessions are plain single-owner structs in a table guarded by a mutex.
 */
#include <string.h>
#include <jansson.h>
#include <glib.h>

#include "plugins/plugin.h"
#include "debug.h"
#include "mutex.h"

#include "mcu_room.h"
#include "vmr_dialout.h"
#include "vmr_request.h"

#define SIPB_VERSION 1
#define SIPB_VERSION_STRING "0.1.0"
#define SIPB_PACKAGE "janus.plugin.sipbridge"
#define SIPB_NAME "tpaas SIP bridge"

#define SIPB_EXPORT __attribute__((visibility("default")))

static janus_callbacks *gateway;
static volatile gint initialized;
static GHashTable *sessions;      /* janus_plugin_session* -> gint64 start time */
static janus_mutex sessions_mutex = JANUS_MUTEX_INITIALIZER;
static gint64 started_at;

/* Dial-out requests from the VMR plugin ("receive a call when a guest joins"). Until the SIP
 * user agent lands they are kept (the last 32) and reported by `status`, never dialled. */
typedef struct sipb_dialout {
	gint64 account_id;
	char *username, *room;
	gint64 at;
} sipb_dialout;
static GQueue dialouts = G_QUEUE_INIT;
static janus_mutex dialouts_mutex = JANUS_MUTEX_INITIALIZER;

static void sipb_dialout_free(gpointer data) {
	sipb_dialout *d = data;
	g_free(d->username);
	g_free(d->room);
	g_free(d);
}

static int sipb_dialout_request(void *opaque, int64_t account_id, const char *username, const char *room_address) {
	(void)opaque;
	sipb_dialout *d = g_new0(sipb_dialout, 1);
	d->account_id = account_id;
	d->username = g_strdup(username);
	d->room = g_strdup(room_address);
	d->at = g_get_real_time() / G_USEC_PER_SEC;
	janus_mutex_lock(&dialouts_mutex);
	g_queue_push_tail(&dialouts, d);
	while(g_queue_get_length(&dialouts) > 32)
		sipb_dialout_free(g_queue_pop_head(&dialouts));
	janus_mutex_unlock(&dialouts_mutex);
	JANUS_LOG(LOG_INFO, "[sipbridge] dial-out of %s's device into %s requested: no SIP user agent yet, not dialled\n",
		username, room_address);
	return 0;
}

static int sipb_init(janus_callbacks *callback, const char *config_path) {
	if(callback == NULL || config_path == NULL)
		return -1;
	gateway = callback;
	sessions = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	started_at = g_get_monotonic_time();
	vmr_dialout_set_handler(sipb_dialout_request, NULL);
	g_atomic_int_set(&initialized, 1);
	JANUS_LOG(LOG_INFO, "%s initialized (config folder %s)\n", SIPB_NAME, config_path);
	return 0;
}

static void sipb_destroy(void) {
	if(!g_atomic_int_get(&initialized))
		return;
	vmr_dialout_set_handler(NULL, NULL);
	janus_mutex_lock(&dialouts_mutex);
	g_queue_clear_full(&dialouts, sipb_dialout_free);
	janus_mutex_unlock(&dialouts_mutex);
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_destroy(sessions);
	sessions = NULL;
	janus_mutex_unlock(&sessions_mutex);
	g_atomic_int_set(&initialized, 0);
	JANUS_LOG(LOG_INFO, "%s destroyed\n", SIPB_NAME);
}

static int sipb_get_api_compatibility(void) { return JANUS_PLUGIN_API_VERSION; }
static int sipb_get_version(void) { return SIPB_VERSION; }
static const char *sipb_get_version_string(void) { return SIPB_VERSION_STRING; }
static const char *sipb_get_description(void) { return "tpaas-vmr: SIP endpoints into MCU rooms"; }
static const char *sipb_get_name(void) { return SIPB_NAME; }
static const char *sipb_get_author(void) { return "tpaas-vmr developers"; }
static const char *sipb_get_package(void) { return SIPB_PACKAGE; }

static void sipb_create_session(janus_plugin_session *handle, int *error) {
	if(!g_atomic_int_get(&initialized)) {
		*error = -1;
		return;
	}
	gint64 *t = g_new(gint64, 1);
	*t = g_get_monotonic_time();
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_insert(sessions, handle, t);
	janus_mutex_unlock(&sessions_mutex);
}

static void sipb_destroy_session(janus_plugin_session *handle, int *error) {
	janus_mutex_lock(&sessions_mutex);
	if(sessions == NULL || !g_hash_table_remove(sessions, handle))
		*error = -2;
	janus_mutex_unlock(&sessions_mutex);
}

static json_t *sipb_status(void) {
	json_t *j = json_object();
	json_object_set_new(j, "sipbridge", json_string("status"));
	json_object_set_new(j, "version", json_string(SIPB_VERSION_STRING));
	json_object_set_new(j, "uptime_s", json_integer((g_get_monotonic_time() - started_at) / G_USEC_PER_SEC));
	janus_mutex_lock(&sessions_mutex);
	json_object_set_new(j, "sessions", json_integer(sessions ? g_hash_table_size(sessions) : 0));
	janus_mutex_unlock(&sessions_mutex);
	json_object_set_new(j, "sip", json_string("not yet listening"));
	json_t *calls = json_array();
	janus_mutex_lock(&dialouts_mutex);
	for(GList *l = dialouts.head; l; l = l->next) {
		sipb_dialout *d = l->data;
		json_array_append_new(calls, json_pack("{sIsssssssI}", "account", (json_int_t)d->account_id,
			"username", d->username, "room", d->room, "state", "not dialled: no SIP user agent", "at", (json_int_t)d->at));
	}
	janus_mutex_unlock(&dialouts_mutex);
	json_object_set_new(j, "dialout_requests", calls);
	mcu_room_config mcu;
	mcu_room_config_defaults(&mcu);
	json_object_set_new(j, "picture", json_pack("{sisi}", "width", mcu.width, "height", mcu.height));
	return j;
}

static struct janus_plugin_result *sipb_handle_message(janus_plugin_session *handle,
		char *transaction, json_t *message, json_t *jsep) {
	(void)handle;
	json_t *reply;
	json_t *r = json_is_object(message) ? json_object_get(message, "request") : NULL;
	const char *request = json_is_string(r) ? json_string_value(r) : NULL;
	if(request == NULL) {
		reply = json_pack("{sssiss}", "sipbridge", "event", "error_code", VMR_ERROR_MISSING_ELEMENT,
			"error", "missing element: request");
	} else if(strcmp(request, "status") == 0) {
		reply = sipb_status();
	} else {
		reply = json_pack("{sssiss}", "sipbridge", "event", "error_code", VMR_ERROR_UNKNOWN_REQUEST,
			"error", "unknown request");
	}
	g_free(transaction);
	if(message)
		json_decref(message);
	if(jsep)
		json_decref(jsep);
	return janus_plugin_result_new(JANUS_PLUGIN_OK, NULL, reply);
}

static json_t *sipb_handle_admin_message(json_t *message) {
	(void)message;
	return sipb_status();
}

static void sipb_setup_media(janus_plugin_session *handle) { (void)handle; }
static void sipb_hangup_media(janus_plugin_session *handle) { (void)handle; }
static json_t *sipb_query_session(janus_plugin_session *handle) { (void)handle; return json_object(); }

static janus_plugin sipb_plugin =
	JANUS_PLUGIN_INIT(
		.init = sipb_init,
		.destroy = sipb_destroy,
		.get_api_compatibility = sipb_get_api_compatibility,
		.get_version = sipb_get_version,
		.get_version_string = sipb_get_version_string,
		.get_description = sipb_get_description,
		.get_name = sipb_get_name,
		.get_author = sipb_get_author,
		.get_package = sipb_get_package,
		.create_session = sipb_create_session,
		.handle_message = sipb_handle_message,
		.handle_admin_message = sipb_handle_admin_message,
		.setup_media = sipb_setup_media,
		.hangup_media = sipb_hangup_media,
		.destroy_session = sipb_destroy_session,
		.query_session = sipb_query_session,
	);

SIPB_EXPORT janus_plugin *create(void) {
	return &sipb_plugin;
}
