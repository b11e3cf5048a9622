/*
 * sipb_plugin.c - janus.plugin.sipbridge: the SIP bridge that brings SIP hardware endpoints
 * into our MCU rooms (registration, dial-in, dial-out, DTMF).
 *
 * Janus glue only: init reads janus.plugin.sipbridge.jcfg, opens the store (the same one as
 * janus.plugin.vmr) and starts the SIP user agent (sipb_ua.c, its own thread and loop);
 * the VMR plugin's dial-out requests go to the UA through vmr_dialout.h; the Admin API's
 * `status` request lists registrations and active calls.  The public API has no requests:
 * registrations, devices and calls are other people's business, for the operator only.
 *
 * Threads: handle_message runs on Janus's request threads and answers synchronously.
 * Ownership: sessions are plain single-owner structs in a table guarded by a mutex; the
 * plugin owns the store and the UA (stopped before the store is closed).
 */
#include <string.h>
#include <jansson.h>
#include <glib.h>

#include "plugins/plugin.h"
#include "debug.h"
#include "mutex.h"
#include "config.h"

#include "mcu_room.h"
#include "tpaas_export.h"
#include "vmr_dialout.h"
#include "vmr_metrics.h"
#include "vmr_request.h"
#include "vmr_store.h"
#include "sipb_ua.h"
#include "sipb_rtp_guests.h"
#include "sipb_media_loop.h"
#include "vmr_rooms.h"

#define SIPB_VERSION        1
#define SIPB_VERSION_STRING "0.1.0"
#define SIPB_PACKAGE        "janus.plugin.sipbridge"
#define SIPB_NAME           "tpaas SIP bridge"

static janus_callbacks *gateway;
static volatile gint initialized;
static GHashTable *sessions; /* janus_plugin_session* -> gint64 start time */
static janus_mutex sessions_mutex = JANUS_MUTEX_INITIALIZER;
static gint64 started_at;

static vmr_store *store;
static sipb_ua *ua;
static sipb_rtp_guests_config rtp_guests_cfg; /* strings in rtp_guests_keep */
static GPtrArray *rtp_guests_keep;

static const char *config_string(
	janus_config *config, janus_config_category *cat, const char *key, const char *def)
{
	janus_config_item *item = janus_config_get(config, cat, janus_config_type_item, key);
	return (item && item->value && item->value[0]) ? item->value : def;
}

static int config_int(janus_config *config, janus_config_category *cat, const char *key, int def,
	int min, int max)
{
	const char *v = config_string(config, cat, key, NULL);
	if (v == NULL)
		return def;
	gint64 n = g_ascii_strtoll(v, NULL, 10);
	if (n < min || n > max) {
		JANUS_LOG(LOG_WARN, "[sipbridge] %s = %s out of range %d..%d, using %d\n", key, v,
			min, max, def);
		return def;
	}
	return (int)n;
}

/* Reads the jcfg into cfg (strings g_strdup'ed into *keep, freed by the caller) and the
 * database URI. */
static void settings_read(
	const char *config_path, sipb_ua_config *cfg, GPtrArray *keep, char **database)
{
	char filename[512];
	g_snprintf(filename, sizeof(filename), "%s/%s.jcfg", config_path, SIPB_PACKAGE);
	janus_config *config = janus_config_parse(filename);
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 5060;
	cfg->rtp_port_min = 41000;
	cfg->rtp_port_max = 45000;
	cfg->media_timeout_s = 30;
	cfg->session_timer_s = 1800;
	cfg->dialout_ring_s = 30;
	if (config == NULL) {
		JANUS_LOG(LOG_WARN, "[sipbridge] no config file %s, using defaults\n", filename);
		*database = g_build_filename(config_path, "vmr.sqlite", NULL);
		return;
	}
	janus_config_category *g = janus_config_get_create(
		config, NULL, janus_config_type_category, "general");
#define KEEP(key, def)                                                                             \
	({                                                                                         \
		const char *v_ = config_string(config, g, key, def);                               \
		char *c_ = g_strdup(v_);                                                           \
		g_ptr_array_add(keep, c_);                                                         \
		(const char *)c_;                                                                  \
	})
	cfg->ip = KEEP("sip_ip", "127.0.0.1");
	cfg->port = config_int(config, g, "sip_port", 5060, 1, 65535);
	cfg->tls_port = config_int(config, g, "sip_tls_port", 0, 0, 65535);
	cfg->tls_cert_dir = KEEP("sip_tls_cert_dir", NULL);
	const char *srtp = config_string(config, g, "sip_tls_require_srtp", "no");
	cfg->tls_require_srtp = !g_ascii_strcasecmp(srtp, "yes")
		|| !g_ascii_strcasecmp(srtp, "true");
	cfg->domain = KEEP("domain", "localhost");
	cfg->lobby_user = KEEP("lobby_user", "lobby");
	cfg->media_ip = KEEP("media_ip", NULL);
	cfg->prompt_dir = KEEP("prompt_dir", NULL);
	cfg->media_timeout_s = config_int(config, g, "media_timeout", 30, 5, 3600);
	cfg->session_timer_s = config_int(config, g, "session_timer", 1800, 0, 86400);
	cfg->dialout_ring_s = config_int(config, g, "dialout_ring", 30, 5, 300);
	cfg->max_calls = config_int(config, g, "max_calls", 200, 1, 100000);
	cfg->max_calls_per_source = config_int(config, g, "max_calls_per_source", 10, 1, 100000);
	cfg->trusted_proxies = KEEP("trusted_proxies", NULL);
	cfg->cluster_proxy = KEEP("cluster_proxy", NULL);
#undef KEEP
	const char *range = config_string(config, g, "rtp_port_range", NULL);
	int lo = 0, hi = 0;
	if (range && sscanf(range, "%d-%d", &lo, &hi) == 2 && lo >= 1024 && hi <= 65535
		&& hi - lo >= 4) {
		cfg->rtp_port_min = lo;
		cfg->rtp_port_max = hi;
	}
	/* the threads that receive the calls' media (sipb_media_loop.h); 0: one per four CPUs */
	sipb_media_loops_set_count(config_int(config, g, "media_threads", 0, 0, 64));
	const char *db = config_string(config, g, "database", NULL);
	*database = db ? g_strdup(db) : g_build_filename(config_path, "vmr.sqlite", NULL);
	janus_config_destroy(config);
}

/* /metrics: the SIP user agent's registrations and calls now (vmr_metrics.h). */
static void sipb_collect(void *opaque, vmr_metrics_out *out)
{
	(void)opaque;
	json_t *st = sipb_ua_status(ua);
	vmr_metrics_family(out, "tpaas_sip_registrations", "gauge",
		"SIP contacts registered now (unexpired bindings).");
	vmr_metrics_sample(out, "tpaas_sip_registrations", NULL, NULL,
		(double)json_array_size(json_object_get(st, "registrations")));
	vmr_metrics_family(
		out, "tpaas_sip_calls", "gauge", "SIP calls now (ringing, IVR or in a room).");
	vmr_metrics_sample(out, "tpaas_sip_calls", NULL, NULL,
		(double)json_array_size(json_object_get(st, "calls")));
	json_decref(st);
}

/* /healthz: the UA is up (it listens from sipb_ua_start on). */
static gboolean sipb_health(void *opaque, GString *why)
{
	(void)opaque;
	json_t *st = sipb_ua_status(ua);
	g_string_append(why, json_string_value(json_object_get(st, "listening")));
	json_decref(st);
	return TRUE;
}

static int sipb_init(janus_callbacks *callback, const char *config_path)
{
	if (callback == NULL || config_path == NULL)
		return -1;
	sipb_ua_config cfg;
	GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
	char *database = NULL;
	settings_read(config_path, &cfg, keep, &database);
	int rc = vmr_store_open(database, &store);
	if (rc < 0) {
		JANUS_LOG(LOG_FATAL, "[sipbridge] cannot open the store %s (%s)\n",
			vmr_store_printable_uri(database), g_strerror(-rc));
		g_free(database);
		g_ptr_array_unref(keep);
		return -1;
	}
	rc = sipb_ua_start(&cfg, store, &ua);
	if (rc < 0) {
		JANUS_LOG(LOG_FATAL, "[sipbridge] cannot listen on sip:%s:%d (%s)\n", cfg.ip,
			cfg.port, g_strerror(-rc));
		vmr_store_close(store);
		store = NULL;
		g_free(database);
		g_ptr_array_unref(keep);
		return -1;
	}
	gateway = callback;
	sessions = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	started_at = g_get_monotonic_time();
	vmr_dialout_set_handler(sipb_ua_dialout, ua);
	rtp_guests_keep = g_ptr_array_new_with_free_func(g_free);
	char *media_ip = g_strdup(cfg.media_ip && cfg.media_ip[0] ? cfg.media_ip : cfg.ip);
	g_ptr_array_add(rtp_guests_keep, media_ip);
	rtp_guests_cfg = (sipb_rtp_guests_config){ .local_ip = media_ip,
		.rtp_port_min = cfg.rtp_port_min,
		.rtp_port_max = cfg.rtp_port_max };
	g_atomic_int_set(&initialized, 1);
	vmr_metrics_register("sip", sipb_collect, sipb_health, NULL);
	JANUS_LOG(LOG_INFO,
		"%s initialized: SIP on %s:%d (udp, tcp%s), domain %s, lobby user %s, store %s\n",
		SIPB_NAME, cfg.ip, cfg.port,
		cfg.tls_port && cfg.tls_cert_dir
			? (cfg.tls_require_srtp ? ", tls with SRTP required" : ", tls")
			: "",
		cfg.domain, cfg.lobby_user, vmr_store_printable_uri(database));
	g_free(database);
	g_ptr_array_unref(keep);
	return 0;
}

static void sipb_destroy(void)
{
	if (!g_atomic_int_get(&initialized))
		return;
	vmr_metrics_unregister("sip"); /* not called after this: ua may go */
	vmr_dialout_set_handler(NULL, NULL);
	g_atomic_int_set(&initialized, 0);
	sipb_rtp_guests_clear();
	if (rtp_guests_keep)
		g_ptr_array_unref(rtp_guests_keep);
	rtp_guests_keep = NULL;
	sipb_ua_stop(ua);
	ua = NULL;
	vmr_store_close(store);
	store = NULL;
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_destroy(sessions);
	sessions = NULL;
	janus_mutex_unlock(&sessions_mutex);
	JANUS_LOG(LOG_INFO, "%s destroyed\n", SIPB_NAME);
}

static int sipb_get_api_compatibility(void)
{
	return JANUS_PLUGIN_API_VERSION;
}
static int sipb_get_version(void)
{
	return SIPB_VERSION;
}
static const char *sipb_get_version_string(void)
{
	return SIPB_VERSION_STRING;
}
static const char *sipb_get_description(void)
{
	return "tpaas-vmr: SIP endpoints into MCU rooms";
}
static const char *sipb_get_name(void)
{
	return SIPB_NAME;
}
static const char *sipb_get_author(void)
{
	return "tpaas-vmr developers";
}
static const char *sipb_get_package(void)
{
	return SIPB_PACKAGE;
}

static void sipb_create_session(janus_plugin_session *handle, int *error)
{
	if (!g_atomic_int_get(&initialized)) {
		*error = -1;
		return;
	}
	gint64 *t = g_new(gint64, 1);
	*t = g_get_monotonic_time();
	janus_mutex_lock(&sessions_mutex);
	g_hash_table_insert(sessions, handle, t);
	janus_mutex_unlock(&sessions_mutex);
}

static void sipb_destroy_session(janus_plugin_session *handle, int *error)
{
	janus_mutex_lock(&sessions_mutex);
	if (sessions == NULL || !g_hash_table_remove(sessions, handle))
		*error = -2;
	janus_mutex_unlock(&sessions_mutex);
}

static void status_room(void *opaque, const char *address, mcu_room *room)
{
	json_array_append_new(opaque,
		json_pack(
			"{sssi}", "room", address, "mcu_participants", (int)mcu_room_count(room)));
}

static json_t *sipb_status(void)
{
	json_t *j = json_object();
	json_object_set_new(j, "sipbridge", json_string("status"));
	json_object_set_new(j, "version", json_string(SIPB_VERSION_STRING));
	json_object_set_new(j, "uptime_s",
		json_integer((g_get_monotonic_time() - started_at) / G_USEC_PER_SEC));
	janus_mutex_lock(&sessions_mutex);
	json_object_set_new(
		j, "sessions", json_integer(sessions ? g_hash_table_size(sessions) : 0));
	janus_mutex_unlock(&sessions_mutex);
	json_object_set_new(
		j, "sip", g_atomic_int_get(&initialized) && ua ? sipb_ua_status(ua) : json_null());
	mcu_room_config mcu;
	vmr_rooms_get_defaults(&mcu);
	json_object_set_new(
		j, "picture", json_pack("{sisi}", "width", mcu.width, "height", mcu.height));
	/* The running MCU rooms of the process (both plugins'), to see that rooms are released. */
	json_t *rooms = json_array();
	vmr_rooms_foreach(status_room, rooms);
	json_object_set_new(j, "rooms", rooms);
	return j;
}

static struct janus_plugin_result *sipb_handle_message(
	janus_plugin_session *handle, char *transaction, json_t *message, json_t *jsep)
{
	(void)handle;
	json_t *reply;
	json_t *r = json_is_object(message) ? json_object_get(message, "request") : NULL;
	const char *request = json_is_string(r) ? json_string_value(r) : NULL;
	if (request == NULL) {
		reply = json_pack("{sssiss}", "sipbridge", "event", "error_code",
			VMR_ERROR_MISSING_ELEMENT, "error", "missing element: request");
	} else {
		reply = json_pack("{sssiss}", "sipbridge", "event", "error_code",
			VMR_ERROR_UNKNOWN_REQUEST, "error", "unknown request");
	}
	g_free(transaction);
	if (message)
		json_decref(message);
	if (jsep)
		json_decref(jsep);
	return janus_plugin_result_new(JANUS_PLUGIN_OK, NULL, reply);
}

/* Admin API (admin secret checked by the core): status, and plain-RTP participants. */
static json_t *sipb_handle_admin_message(json_t *message)
{
	if (g_atomic_int_get(&initialized) && json_is_object(message)) {
		json_t *reply = sipb_rtp_guests_handle(&rtp_guests_cfg, store, message);
		if (reply != NULL)
			return reply;
	}
	return sipb_status();
}

static void sipb_setup_media(janus_plugin_session *handle)
{
	(void)handle;
}
static void sipb_hangup_media(janus_plugin_session *handle)
{
	(void)handle;
}
static json_t *sipb_query_session(janus_plugin_session *handle)
{
	(void)handle;
	return json_object();
}

static janus_plugin sipb_plugin = JANUS_PLUGIN_INIT(.init = sipb_init, .destroy = sipb_destroy,
	.get_api_compatibility = sipb_get_api_compatibility, .get_version = sipb_get_version,
	.get_version_string = sipb_get_version_string, .get_description = sipb_get_description,
	.get_name = sipb_get_name, .get_author = sipb_get_author, .get_package = sipb_get_package,
	.create_session = sipb_create_session, .handle_message = sipb_handle_message,
	.handle_admin_message = sipb_handle_admin_message, .setup_media = sipb_setup_media,
	.hangup_media = sipb_hangup_media, .destroy_session = sipb_destroy_session,
	.query_session = sipb_query_session, );

TPAAS_EXPORT janus_plugin *create(void)
{
	return &sipb_plugin;
}
