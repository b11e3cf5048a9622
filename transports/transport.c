/*
 * transport.c - janus.transport.tpaasweb: the tpaas-vmr web front door.
 *
 * One libwebsockets vhost on one port serves the web client's static files
 * (http_static.c) and carries the Janus API ("janus-protocol") and, if
 * enabled, the Admin API ("janus-admin-protocol") over WebSocket
 * (ws_session.c).  This file is the Janus glue: configuration, the lws
 * context and its service thread, and the janus_transport callbacks.
 *
 * Threads: init()/destroy() run on the Janus main thread; the lws context is
 * serviced (and finally destroyed) by one GThread of ours; send_message() and
 * the session_* notifications come from any Janus thread and only queue.
 *
 * Only create() is exported (-fvisibility=hidden): Janus dlopens transports
 * RTLD_GLOBAL, so any other visible symbol could clash with another module.
 */
#include <errno.h>
#include <string.h>

#include <libwebsockets.h>

#include <config.h>
#include <debug.h>
#include <utils.h>
#include <transports/transport.h>

#include "http_static.h"
#include "ws_session.h"

#define TPW_VERSION          1
#define TPW_VERSION_STRING   "0.1.0"
#define TPW_DESCRIPTION      "tpaas-vmr web transport: web client files and Janus API over WebSocket on one port"
#define TPW_NAME             "tpaas-vmr web transport"
#define TPW_AUTHOR           "tpaas-vmr"
#define TPW_PACKAGE          "janus.transport.tpaasweb"

#define TPW_DEFAULT_IP               "127.0.0.1"
#define TPW_DEFAULT_PORT             8088
#define TPW_DEFAULT_VENDOR_ROOT      "/usr/share/javascript"
#define TPW_DEFAULT_MAX_MESSAGE      (256 * 1024)
#define TPW_DEFAULT_MAX_CONNECTIONS  512
#define TPW_DEFAULT_IDLE_TIMEOUT     120

janus_transport *create(void) __attribute__((visibility("default")));

static int tpw_init(janus_transport_callbacks *callback, const char *config_path);
static void tpw_destroy(void);
static int tpw_get_api_compatibility(void) { return JANUS_TRANSPORT_API_VERSION; }
static int tpw_get_version(void) { return TPW_VERSION; }
static const char *tpw_get_version_string(void) { return TPW_VERSION_STRING; }
static const char *tpw_get_description(void) { return TPW_DESCRIPTION; }
static const char *tpw_get_name(void) { return TPW_NAME; }
static const char *tpw_get_author(void) { return TPW_AUTHOR; }
static const char *tpw_get_package(void) { return TPW_PACKAGE; }
static gboolean tpw_is_janus_api_enabled(void);
static gboolean tpw_is_admin_api_enabled(void);
static int tpw_send_message(janus_transport_session *transport, void *request_id, gboolean admin, json_t *message);
static void tpw_session_created(janus_transport_session *transport, guint64 session_id);
static void tpw_session_over(janus_transport_session *transport, guint64 session_id, gboolean timeout, gboolean claimed);
static void tpw_session_claimed(janus_transport_session *transport, guint64 session_id);
static json_t *tpw_query_transport(json_t *request);

static janus_transport tpw_plugin = JANUS_TRANSPORT_INIT(
	.init = tpw_init,
	.destroy = tpw_destroy,
	.get_api_compatibility = tpw_get_api_compatibility,
	.get_version = tpw_get_version,
	.get_version_string = tpw_get_version_string,
	.get_description = tpw_get_description,
	.get_name = tpw_get_name,
	.get_author = tpw_get_author,
	.get_package = tpw_get_package,
	.is_janus_api_enabled = tpw_is_janus_api_enabled,
	.is_admin_api_enabled = tpw_is_admin_api_enabled,
	.send_message = tpw_send_message,
	.session_created = tpw_session_created,
	.session_over = tpw_session_over,
	.session_claimed = tpw_session_claimed,
	.query_transport = tpw_query_transport,
);

janus_transport *create(void) {
	return &tpw_plugin;
}

/* Settings from janus.transport.tpaasweb.jcfg, category "general". */
struct tpw_settings {
	char *ip;
	int port;
	char *web_root;
	char *vendor_root;
	gboolean admin;
	size_t max_message_size;
	unsigned int max_connections;
	unsigned int idle_timeout_s;
};

static struct tpw_settings settings;
static struct lws_protocols protocols[4];
static struct lws_context *context;
static GThread *service_thread;
static gint initialized, stopping;

static void tpw_settings_clear(struct tpw_settings *s) {
	g_free(s->ip);
	g_free(s->web_root);
	g_free(s->vendor_root);
	memset(s, 0, sizeof(*s));
}

static const char *tpw_config_string(janus_config *cfg, janus_config_category *cat, const char *name) {
	janus_config_item *item = janus_config_get(cfg, cat, janus_config_type_item, name);
	return (item != NULL && item->value != NULL) ? item->value : NULL;
}

/* Parses a positive integer setting; keeps *out on absence, fails on junk. */
static int tpw_config_uint(janus_config *cfg, janus_config_category *cat, const char *name,
		guint64 min, guint64 max, guint64 *out) {
	const char *v = tpw_config_string(cfg, cat, name);
	if(v == NULL)
		return 0;
	guint64 n = 0;
	GError *err = NULL;
	if(!g_ascii_string_to_unsigned(v, 10, min, max, &n, &err)) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] %s = \"%s\": %s\n", name, v, err->message);
		g_error_free(err);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

static int tpw_settings_load(struct tpw_settings *s, const char *config_path) {
	s->ip = g_strdup(TPW_DEFAULT_IP);
	s->port = TPW_DEFAULT_PORT;
	s->vendor_root = g_strdup(TPW_DEFAULT_VENDOR_ROOT);
	s->admin = TRUE;
	s->max_message_size = TPW_DEFAULT_MAX_MESSAGE;
	s->max_connections = TPW_DEFAULT_MAX_CONNECTIONS;
	s->idle_timeout_s = TPW_DEFAULT_IDLE_TIMEOUT;

	char *file = g_strdup_printf("%s/%s.jcfg", config_path, TPW_PACKAGE);
	janus_config *cfg = janus_config_parse(file);
	if(cfg == NULL) {
		JANUS_LOG(LOG_WARN, "[tpaasweb] couldn't read %s, using defaults (no web_root)\n", file);
		g_free(file);
		return 0;
	}
	g_free(file);
	janus_config_print(cfg);
	janus_config_category *general = janus_config_get_create(cfg, NULL, janus_config_type_category, "general");
	const char *v;
	if((v = tpw_config_string(cfg, general, "ip")) != NULL) {
		g_free(s->ip);
		s->ip = g_strdup(v);
	}
	if((v = tpw_config_string(cfg, general, "web_root")) != NULL)
		s->web_root = g_strdup(v);
	if((v = tpw_config_string(cfg, general, "vendor_root")) != NULL) {
		g_free(s->vendor_root);
		s->vendor_root = g_strdup(v);
	}
	if((v = tpw_config_string(cfg, general, "admin")) != NULL)
		s->admin = janus_is_true(v);
	guint64 port = (guint64)s->port, msg = s->max_message_size,
		conns = s->max_connections, idle = s->idle_timeout_s;
	int ret = 0;
	if(tpw_config_uint(cfg, general, "port", 1, 65535, &port) ||
			tpw_config_uint(cfg, general, "max_message_size", 1024, 64 * 1024 * 1024, &msg) ||
			tpw_config_uint(cfg, general, "max_connections", 1, 65536, &conns) ||
			tpw_config_uint(cfg, general, "ws_idle_timeout", 0, 86400, &idle))
		ret = -EINVAL;
	s->port = (int)port;
	s->max_message_size = (size_t)msg;
	s->max_connections = (unsigned int)conns;
	s->idle_timeout_s = (unsigned int)idle;
	janus_config_destroy(cfg);
	return ret;
}

/* lws's own warnings and errors go to the Janus log. */
static void tpw_lws_log(int level, const char *line) {
	int janus_level = (level == LLL_ERR) ? LOG_ERR : LOG_WARN;
	JANUS_LOG(janus_level, "[tpaasweb] lws: %s", line);
}

static gpointer tpw_service_loop(gpointer data) {
	struct lws_context *ctx = data;
	while(!g_atomic_int_get(&stopping)) {
		if(lws_service(ctx, 0) < 0)
			break;
	}
	/* Destroyed here so every close callback runs on this thread. */
	tpw_ws_set_context(NULL);
	lws_context_destroy(ctx);
	return NULL;
}

static void tpw_protocols_build(gboolean admin, size_t max_message_size) {
	memset(protocols, 0, sizeof(protocols));
	/* lws hands a message to RECEIVE in chunks of at most this; we reassemble. */
	size_t rx = max_message_size < 65536 ? max_message_size : 65536;
	protocols[0].name = TPW_HTTP_PROTOCOL;
	protocols[0].callback = tpw_http_callback;
	protocols[1].name = "janus-protocol";
	protocols[1].callback = tpw_ws_callback;
	protocols[1].per_session_data_size = sizeof(struct tpw_ws_pss);
	protocols[1].rx_buffer_size = rx;
	protocols[1].id = 0;
	if(admin) {
		protocols[2] = protocols[1];
		protocols[2].name = "janus-admin-protocol";
		protocols[2].id = TPW_WS_ADMIN_PROTOCOL_ID;
	}
}

static int tpw_init(janus_transport_callbacks *callback, const char *config_path) {
	if(callback == NULL || config_path == NULL)
		return -EINVAL;
	if(tpw_settings_load(&settings, config_path) < 0) {
		tpw_settings_clear(&settings);
		return -EINVAL;
	}

	struct tpw_ws_config wsc = {
		.plugin = &tpw_plugin,
		.gateway = callback,
		.max_message_size = settings.max_message_size,
		.max_connections = settings.max_connections,
		.idle_timeout_s = settings.idle_timeout_s,
	};
	tpw_ws_setup(&wsc);
	tpw_protocols_build(settings.admin, settings.max_message_size);

	lws_set_log_level(LLL_ERR | LLL_WARN, tpw_lws_log);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = settings.port;
	/* lws takes an interface name or address; NULL listens on all of them. */
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if(settings.ip != NULL && *settings.ip != '\0' && strcmp(settings.ip, "0.0.0.0") != 0 &&
			strcmp(settings.ip, "::") != 0)
		info.iface = settings.ip;
	/* An IPv4 address only binds as such on an IPv4 socket: on lws's default
	 * dual-stack socket it would silently listen on every address. */
	if(settings.ip != NULL && strchr(settings.ip, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.protocols = protocols;
	info.mounts = tpw_http_mounts_build(settings.web_root, settings.vendor_root);
	info.gid = -1;
	info.uid = -1;
	context = lws_create_context(&info);
	if(context == NULL) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] couldn't listen on %s:%d\n", settings.ip, settings.port);
		tpw_http_mounts_free();
		tpw_settings_clear(&settings);
		return -EADDRNOTAVAIL;
	}
	tpw_ws_set_context(context);

	g_atomic_int_set(&stopping, 0);
	GError *err = NULL;
	service_thread = g_thread_try_new("tpaasweb lws", tpw_service_loop, context, &err);
	if(service_thread == NULL) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] couldn't start the service thread: %s\n", err->message);
		g_error_free(err);
		tpw_ws_set_context(NULL);
		lws_context_destroy(context);
		context = NULL;
		tpw_http_mounts_free();
		tpw_settings_clear(&settings);
		return -ENOMEM;
	}
	g_atomic_int_set(&initialized, 1);
	JANUS_LOG(LOG_INFO, "[tpaasweb] listening on %s:%d (web_root %s, vendor_root %s, Admin API %s)\n",
		settings.ip, settings.port, settings.web_root ? settings.web_root : "(none)",
		settings.vendor_root ? settings.vendor_root : "(none)", settings.admin ? "on" : "off");
	return 0;
}

static void tpw_destroy(void) {
	if(!g_atomic_int_compare_and_exchange(&initialized, 1, 0))
		return;
	g_atomic_int_set(&stopping, 1);
	lws_cancel_service(context);
	g_thread_join(service_thread);
	service_thread = NULL;
	/* Drops wake-ups queued while the context was being destroyed. */
	tpw_ws_set_context(NULL);
	context = NULL;
	tpw_http_mounts_free();
	tpw_settings_clear(&settings);
	JANUS_LOG(LOG_INFO, "[tpaasweb] stopped\n");
}

static gboolean tpw_is_janus_api_enabled(void) {
	return TRUE;
}

static gboolean tpw_is_admin_api_enabled(void) {
	return settings.admin;
}

static int tpw_send_message(janus_transport_session *transport, void *request_id, gboolean admin, json_t *message) {
	(void)request_id;
	(void)admin;
	return tpw_ws_send(transport, message);
}

static void tpw_session_created(janus_transport_session *transport, guint64 session_id) {
	JANUS_LOG(LOG_VERB, "[tpaasweb] session %"SCNu64" created\n", session_id);
	tpw_ws_session_count(transport, 1);
}

static void tpw_session_over(janus_transport_session *transport, guint64 session_id, gboolean timeout, gboolean claimed) {
	/* The connection stays open: it may carry other sessions or create new ones. */
	JANUS_LOG(LOG_VERB, "[tpaasweb] session %"SCNu64" over%s%s\n", session_id,
		timeout ? " (timeout)" : "", claimed ? " (claimed elsewhere)" : "");
	tpw_ws_session_count(transport, -1);
}

static void tpw_session_claimed(janus_transport_session *transport, guint64 session_id) {
	/* transport is the connection that took the session over. */
	JANUS_LOG(LOG_VERB, "[tpaasweb] session %"SCNu64" claimed\n", session_id);
	tpw_ws_session_count(transport, 1);
}

static json_t *tpw_query_transport(json_t *request) {
	(void)request;
	json_t *info = json_object();
	json_object_set_new(info, "connections", json_integer(tpw_ws_connection_count()));
	json_object_set_new(info, "port", json_integer(settings.port));
	return info;
}
