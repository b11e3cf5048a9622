/*
 * tpw_transport.c - janus.transport.tpaasweb: the tpaas-vmr web front door.
 *
 * One libwebsockets vhost on one port serves the web client's static files
 * (tpw_http_static.c) and carries the Janus API ("janus-protocol") over WebSocket
 * (tpw_ws_session.c), in plain HTTP or in TLS (https/wss) with a configured
 * certificate or a self-signed one made at first start (tpw_tls_cert.c).  The
 * Admin API ("janus-admin-protocol"), if enabled, has a vhost of its own on
 * its own port, on loopback by default: it is never offered on the public
 * port.  With TLS, another vhost may listen on a plain port only to redirect
 * to https (tpw_http_redirect.c).  This file is the Janus glue: configuration, the lws
 * context, its vhosts and service thread, and the janus_transport callbacks.
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
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include <config.h>
#include <debug.h>
#include <utils.h>
#include <transports/transport.h>

#include "tpaas_export.h"
#include "tpw_http_admin.h"
#include "tpw_http_redirect.h"
#include "tpw_http_static.h"
#include "tpw_tls_cert.h"
#include "tpw_ws_session.h"

#define TPW_VERSION        1
#define TPW_VERSION_STRING "0.1.0"
#define TPW_DESCRIPTION                                                                            \
	"tpaas-vmr web transport: web client files and Janus API over WebSocket on one port"
#define TPW_NAME    "tpaas-vmr web transport"
#define TPW_AUTHOR  "tpaas-vmr"
#define TPW_PACKAGE "janus.transport.tpaasweb"

#define TPW_DEFAULT_IP              "127.0.0.1"
#define TPW_DEFAULT_PORT            8088
#define TPW_DEFAULT_ADMIN_IP        "127.0.0.1"
#define TPW_DEFAULT_ADMIN_PORT      7188
#define TPW_DEFAULT_VENDOR_ROOT     "/usr/share/javascript"
#define TPW_DEFAULT_MAX_MESSAGE     (256 * 1024)
#define TPW_DEFAULT_MAX_CONNECTIONS 512
#define TPW_DEFAULT_MAX_PER_IP      32
#define TPW_DEFAULT_IDLE_TIMEOUT    120
#define TPW_DEFAULT_MAX_HEADER_SIZE 8192
#define TPW_DEFAULT_MSG_RATE        100
#define TPW_DEFAULT_MSG_BURST       200
#define TPW_DEFAULT_CACHE_MAX_AGE   300

TPAAS_EXPORT janus_transport *create(void);

static int tpw_init(janus_transport_callbacks *callback, const char *config_path);
static void tpw_destroy(void);
static int tpw_get_api_compatibility(void)
{
	return JANUS_TRANSPORT_API_VERSION;
}
static int tpw_get_version(void)
{
	return TPW_VERSION;
}
static const char *tpw_get_version_string(void)
{
	return TPW_VERSION_STRING;
}
static const char *tpw_get_description(void)
{
	return TPW_DESCRIPTION;
}
static const char *tpw_get_name(void)
{
	return TPW_NAME;
}
static const char *tpw_get_author(void)
{
	return TPW_AUTHOR;
}
static const char *tpw_get_package(void)
{
	return TPW_PACKAGE;
}
static gboolean tpw_is_janus_api_enabled(void);
static gboolean tpw_is_admin_api_enabled(void);
static int tpw_send_message(
	janus_transport_session *transport, void *request_id, gboolean admin, json_t *message);
static void tpw_session_created(janus_transport_session *transport, guint64 session_id);
static void tpw_session_over(
	janus_transport_session *transport, guint64 session_id, gboolean timeout, gboolean claimed);
static void tpw_session_claimed(janus_transport_session *transport, guint64 session_id);
static json_t *tpw_query_transport(json_t *request);

static janus_transport tpw_plugin = JANUS_TRANSPORT_INIT(.init = tpw_init, .destroy = tpw_destroy,
	.get_api_compatibility = tpw_get_api_compatibility, .get_version = tpw_get_version,
	.get_version_string = tpw_get_version_string, .get_description = tpw_get_description,
	.get_name = tpw_get_name, .get_author = tpw_get_author, .get_package = tpw_get_package,
	.is_janus_api_enabled = tpw_is_janus_api_enabled,
	.is_admin_api_enabled = tpw_is_admin_api_enabled, .send_message = tpw_send_message,
	.session_created = tpw_session_created, .session_over = tpw_session_over,
	.session_claimed = tpw_session_claimed, .query_transport = tpw_query_transport, );

janus_transport *create(void)
{
	return &tpw_plugin;
}

/* Settings from janus.transport.tpaasweb.jcfg, category "general". */
struct tpw_settings {
	char *ip;
	int port;
	char *web_root;
	char *vendor_root;
	gboolean admin;
	char *admin_ip; /* the Admin API's own vhost */
	int admin_port;
	size_t max_message_size;
	unsigned int max_connections;
	unsigned int max_connections_per_ip;
	char **allowed_origins; /* NULL: same origin as the Host header */
	unsigned int idle_timeout_s;
	unsigned int max_header_size;
	unsigned int msg_rate;
	unsigned int msg_burst;
	unsigned int cache_max_age_s;
	unsigned int hsts_max_age_s;
	gboolean tls;
	char *cert_pem; /* NULL: self-signed in state_dir */
	char *cert_key;
	char *cert_pwd;
	char *state_dir;
	int redirect_port;   /* 0: none */
	char *turn_rest_key; /* NULL: no /turn on the admin listener */
};

static struct tpw_settings settings;
static struct lws_protocols protocols[3];
static struct lws_protocols admin_protocols[3];
static struct lws_protocols redirect_protocols[2];
static struct lws_context *context;
static GThread *service_thread;
static gint initialized, stopping;

static void tpw_settings_clear(struct tpw_settings *s)
{
	g_free(s->ip);
	g_free(s->admin_ip);
	g_free(s->web_root);
	g_free(s->vendor_root);
	g_free(s->cert_pem);
	g_free(s->cert_key);
	if (s->cert_pwd != NULL)
		memset(s->cert_pwd, 0, strlen(s->cert_pwd));
	g_free(s->cert_pwd);
	g_free(s->state_dir);
	if (s->turn_rest_key != NULL)
		memset(s->turn_rest_key, 0, strlen(s->turn_rest_key));
	g_free(s->turn_rest_key);
	g_strfreev(s->allowed_origins);
	memset(s, 0, sizeof(*s));
}

/* A set, non-empty string setting (the template leaves unused ones ""). */
static const char *tpw_config_string(
	janus_config *cfg, janus_config_category *cat, const char *name)
{
	janus_config_item *item = janus_config_get(cfg, cat, janus_config_type_item, name);
	return (item != NULL && item->value != NULL && *item->value != '\0') ? item->value : NULL;
}

static void tpw_config_strdup(
	janus_config *cfg, janus_config_category *cat, const char *name, char **out)
{
	const char *v = tpw_config_string(cfg, cat, name);
	if (v != NULL) {
		g_free(*out);
		*out = g_strdup(v);
	}
}

/* Parses a positive integer setting; keeps *out on absence, fails on junk. */
static int tpw_config_uint(janus_config *cfg, janus_config_category *cat, const char *name,
	guint64 min, guint64 max, guint64 *out)
{
	const char *v = tpw_config_string(cfg, cat, name);
	if (v == NULL)
		return 0;
	guint64 n = 0;
	GError *err = NULL;
	if (!g_ascii_string_to_unsigned(v, 10, min, max, &n, &err)) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] %s = \"%s\": %s\n", name, v, err->message);
		g_error_free(err);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

/* "https://a.example, http://b.example:8080/" -> lower-case origins without a trailing
 * slash (the form browsers send in the Origin header); "*" stays. */
static char **tpw_origins_parse(const char *v)
{
	char **parts = g_strsplit_set(v, ", ", -1);
	GPtrArray *out = g_ptr_array_new();
	for (char **p = parts; *p != NULL; p++) {
		if (**p == '\0')
			continue;
		char *o = g_ascii_strdown(*p, -1);
		size_t n = strlen(o);
		if (n > 1 && o[n - 1] == '/')
			o[n - 1] = '\0';
		g_ptr_array_add(out, o);
	}
	g_strfreev(parts);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static int tpw_settings_load(struct tpw_settings *s, const char *config_path)
{
	s->ip = g_strdup(TPW_DEFAULT_IP);
	s->port = TPW_DEFAULT_PORT;
	s->vendor_root = g_strdup(TPW_DEFAULT_VENDOR_ROOT);
	s->admin = TRUE;
	s->admin_ip = g_strdup(TPW_DEFAULT_ADMIN_IP);
	s->admin_port = TPW_DEFAULT_ADMIN_PORT;
	s->max_message_size = TPW_DEFAULT_MAX_MESSAGE;
	s->max_connections = TPW_DEFAULT_MAX_CONNECTIONS;
	s->max_connections_per_ip = TPW_DEFAULT_MAX_PER_IP;
	s->idle_timeout_s = TPW_DEFAULT_IDLE_TIMEOUT;
	s->max_header_size = TPW_DEFAULT_MAX_HEADER_SIZE;
	s->msg_rate = TPW_DEFAULT_MSG_RATE;
	s->msg_burst = TPW_DEFAULT_MSG_BURST;
	s->cache_max_age_s = TPW_DEFAULT_CACHE_MAX_AGE;

	char *file = g_strdup_printf("%s/%s.jcfg", config_path, TPW_PACKAGE);
	janus_config *cfg = janus_config_parse(file);
	if (cfg == NULL) {
		JANUS_LOG(LOG_WARN, "[tpaasweb] couldn't read %s, using defaults (no web_root)\n",
			file);
		g_free(file);
		return 0;
	}
	g_free(file);
	janus_config_print(cfg);
	janus_config_category *general = janus_config_get_create(
		cfg, NULL, janus_config_type_category, "general");
	const char *v;
	tpw_config_strdup(cfg, general, "ip", &s->ip);
	tpw_config_strdup(cfg, general, "admin_ip", &s->admin_ip);
	tpw_config_strdup(cfg, general, "web_root", &s->web_root);
	tpw_config_strdup(cfg, general, "vendor_root", &s->vendor_root);
	tpw_config_strdup(cfg, general, "cert_pem", &s->cert_pem);
	tpw_config_strdup(cfg, general, "cert_key", &s->cert_key);
	tpw_config_strdup(cfg, general, "cert_pwd", &s->cert_pwd);
	tpw_config_strdup(cfg, general, "state_dir", &s->state_dir);
	tpw_config_strdup(cfg, general, "turn_rest_key", &s->turn_rest_key);
	if ((v = tpw_config_string(cfg, general, "allowed_origins")) != NULL)
		s->allowed_origins = tpw_origins_parse(v);
	if ((v = tpw_config_string(cfg, general, "admin")) != NULL)
		s->admin = janus_is_true(v);
	if ((v = tpw_config_string(cfg, general, "tls")) != NULL)
		s->tls = janus_is_true(v);
	guint64 port = (guint64)s->port, admin_port = (guint64)s->admin_port,
		msg = s->max_message_size, conns = s->max_connections,
		per_ip = s->max_connections_per_ip, idle = s->idle_timeout_s, redirect = 0,
		header = s->max_header_size, rate = s->msg_rate, burst = s->msg_burst,
		max_age = s->cache_max_age_s, hsts = 0;
	int ret = 0;
	if (tpw_config_uint(cfg, general, "port", 1, 65535, &port)
		|| tpw_config_uint(cfg, general, "admin_port", 1, 65535, &admin_port)
		|| tpw_config_uint(cfg, general, "max_message_size", 1024, 64 * 1024 * 1024, &msg)
		|| tpw_config_uint(cfg, general, "max_connections", 1, 65536, &conns)
		|| tpw_config_uint(cfg, general, "max_connections_per_ip", 0, 65536, &per_ip)
		|| tpw_config_uint(cfg, general, "ws_idle_timeout", 0, 86400, &idle)
		|| tpw_config_uint(cfg, general, "redirect_port", 0, 65535, &redirect) ||
		/* lws keeps it in an unsigned short */
		tpw_config_uint(cfg, general, "max_header_size", 1024, 65535, &header)
		|| tpw_config_uint(cfg, general, "ws_msg_rate", 0, 1000000, &rate)
		|| tpw_config_uint(cfg, general, "ws_msg_burst", 1, 1000000, &burst)
		|| tpw_config_uint(cfg, general, "cache_max_age", 0, 31536000, &max_age)
		|| tpw_config_uint(cfg, general, "hsts_max_age", 0, 63072000, &hsts))
		ret = -EINVAL;
	s->port = (int)port;
	s->admin_port = (int)admin_port;
	s->max_message_size = (size_t)msg;
	s->max_connections = (unsigned int)conns;
	s->max_connections_per_ip = (unsigned int)per_ip;
	s->idle_timeout_s = (unsigned int)idle;
	s->redirect_port = (int)redirect;
	s->max_header_size = (unsigned int)header;
	s->msg_rate = (unsigned int)rate;
	s->msg_burst = (unsigned int)burst;
	s->cache_max_age_s = (unsigned int)max_age;
	s->hsts_max_age_s = (unsigned int)hsts;
	if (s->redirect_port != 0 && (!s->tls || s->redirect_port == s->port)) {
		JANUS_LOG(LOG_FATAL,
			"[tpaasweb] redirect_port = %d needs tls = true and a port other than %d\n",
			s->redirect_port, s->port);
		ret = -EINVAL;
	}
	if (s->admin && (s->admin_port == s->port || s->admin_port == s->redirect_port)) {
		JANUS_LOG(LOG_FATAL,
			"[tpaasweb] admin_port = %d: the Admin API needs a port of its own\n",
			s->admin_port);
		ret = -EINVAL;
	}
	if (s->tls && (s->cert_pem == NULL) != (s->cert_key == NULL)) {
		JANUS_LOG(LOG_FATAL,
			"[tpaasweb] set both cert_pem and cert_key, or neither (self-signed)\n");
		ret = -EINVAL;
	}
	janus_config_destroy(cfg);
	return ret;
}

/* The certificate and key files of the TLS vhost (new strings): the
 * configured ones, or a self-signed pair in state_dir. */
static int tpw_tls_files(char **cert, char **key)
{
	if (settings.cert_pem != NULL) {
		if (access(settings.cert_pem, R_OK) != 0 || access(settings.cert_key, R_OK) != 0) {
			JANUS_LOG(LOG_FATAL, "[tpaasweb] can't read cert_pem %s or cert_key %s\n",
				settings.cert_pem, settings.cert_key);
			return -EACCES;
		}
		*cert = g_strdup(settings.cert_pem);
		*key = g_strdup(settings.cert_key);
		return 0;
	}
	/* Names a browser may use for this host; the configured address too. */
	const char *names[6];
	size_t n = 0;
	names[n++] = "localhost";
	names[n++] = "127.0.0.1";
	names[n++] = "::1";
	if (settings.ip != NULL && strcmp(settings.ip, "0.0.0.0") != 0
		&& strcmp(settings.ip, "::") != 0 && strcmp(settings.ip, "127.0.0.1") != 0
		&& g_hostname_is_ip_address(settings.ip))
		names[n++] = settings.ip;
	const char *host = g_get_host_name();
	if (host != NULL && strcmp(host, "localhost") != 0 && !g_hostname_is_ip_address(host))
		names[n++] = host;
	names[n] = NULL;
	gboolean generated = FALSE;
	GError *err = NULL;
	int ret = tpw_tls_self_signed_ensure(
		settings.state_dir, names, cert, key, &generated, &err);
	if (ret < 0) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] tls = true without cert_pem: %s\n", err->message);
		g_error_free(err);
		return ret;
	}
	JANUS_LOG(LOG_INFO, "[tpaasweb] %s self-signed certificate %s\n",
		generated ? "generated a" : "reusing the", *cert);
	if (generated)
		JANUS_LOG(LOG_WARN,
			"[tpaasweb] browsers will warn about the self-signed certificate: "
			"set cert_pem/cert_key for anything but testing\n");
	return 0;
}

/* lws's own warnings and errors go to the Janus log. */
static void tpw_lws_log(int level, const char *line)
{
	int janus_level = (level == LLL_ERR) ? LOG_ERR : LOG_WARN;
	JANUS_LOG(janus_level, "[tpaasweb] lws: %s", line);
}

static gpointer tpw_service_loop(gpointer data)
{
	struct lws_context *ctx = data;
	while (!g_atomic_int_get(&stopping)) {
		if (lws_service(ctx, 0) < 0)
			break;
	}
	/* Destroyed here so every close callback runs on this thread. */
	tpw_ws_set_context(NULL);
	lws_context_destroy(ctx);
	return NULL;
}

static void tpw_protocols_build(size_t max_message_size)
{
	memset(protocols, 0, sizeof(protocols));
	memset(admin_protocols, 0, sizeof(admin_protocols));
	/* lws hands a message to RECEIVE in chunks of at most this; we reassemble. */
	size_t rx = max_message_size < 65536 ? max_message_size : 65536;
	protocols[0].name = TPW_HTTP_PROTOCOL;
	protocols[0].callback = tpw_http_callback;
	protocols[1].name = "janus-protocol";
	protocols[1].callback = tpw_ws_callback;
	protocols[1].per_session_data_size = sizeof(struct tpw_ws_pss);
	protocols[1].rx_buffer_size = rx;
	protocols[1].id = 0;
	/* The admin vhost serves no files: only /metrics, /healthz (and /turn for Janus). */
	admin_protocols[0].name = "http-admin";
	admin_protocols[0].callback = tpw_admin_http_callback;
	admin_protocols[1] = protocols[1];
	admin_protocols[1].name = "janus-admin-protocol";
	admin_protocols[1].id = TPW_WS_ADMIN_PROTOCOL_ID;
}

/* The listening address: lws takes an interface name or address; NULL
 * listens on all of them.  An IPv4 address only binds as such on an IPv4
 * socket: on lws's default dual-stack socket it would listen everywhere. */
static void tpw_vhost_address(struct lws_context_creation_info *info, const char *ip)
{
	if (ip != NULL && *ip != '\0' && strcmp(ip, "0.0.0.0") != 0 && strcmp(ip, "::") != 0)
		info->iface = ip;
	if (ip != NULL && strchr(ip, ':') == NULL)
		info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
}

/* The main vhost: files and both APIs, TLS when cert/key are given. */
static struct lws_vhost *tpw_vhost_main(struct lws_context *ctx, const char *cert, const char *key)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "tpaasweb";
	info.port = settings.port;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	tpw_vhost_address(&info, settings.ip);
	info.protocols = protocols;
	if (cert != NULL) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cert;
		info.ssl_private_key_filepath = key;
		info.ssl_private_key_password = settings.cert_pwd;
		/* lws would offer h2 and carry WebSockets over it (RFC 8441): keep
		 * one well-trodden path for browsers and tools alike. */
		info.alpn = "http/1.1";
		info.ssl_options_set = SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
	}
	return lws_create_vhost(ctx, &info);
}

/* The plain-HTTP vhost that only redirects to the main one. */
static struct lws_vhost *tpw_vhost_redirect(struct lws_context *ctx)
{
	memset(redirect_protocols, 0, sizeof(redirect_protocols));
	redirect_protocols[0].name = "http-redirect";
	redirect_protocols[0].callback = tpw_redirect_callback;
	tpw_redirect_setup(settings.port);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "tpaasweb-redirect";
	info.port = settings.redirect_port;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	tpw_vhost_address(&info, settings.ip);
	info.protocols = redirect_protocols;
	return lws_create_vhost(ctx, &info);
}

/* The Admin API's vhost: plain WebSocket, meant for loopback (an SSH tunnel from afar). */
static struct lws_vhost *tpw_vhost_admin(struct lws_context *ctx)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "tpaasweb-admin";
	info.port = settings.admin_port;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	tpw_vhost_address(&info, settings.admin_ip);
	info.protocols = admin_protocols;
	return lws_create_vhost(ctx, &info);
}

/* Context and vhosts; NULL after logging why. */
static struct lws_context *tpw_context_create(void)
{
	char *cert = NULL, *key = NULL;
	if (settings.tls && tpw_tls_files(&cert, &key) < 0)
		return NULL;
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	if (settings.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	/* A request whose headers don't fit is refused (slowloris and friends
	 * are also cut by lws's 10 s limit on holding a header buffer idle). */
	info.max_http_header_data = (unsigned short)settings.max_header_size;
	info.gid = -1;
	info.uid = -1;
	struct lws_context *ctx = lws_create_context(&info);
	if (ctx == NULL) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] couldn't create the lws context\n");
	} else if (tpw_vhost_main(ctx, cert, key) == NULL) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] couldn't listen on %s:%d%s%s\n", settings.ip,
			settings.port, cert != NULL ? " with certificate " : "",
			cert != NULL ? cert : "");
		lws_context_destroy(ctx);
		ctx = NULL;
	} else if (settings.admin && tpw_vhost_admin(ctx) == NULL) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] couldn't listen on %s:%d (admin_port)\n",
			settings.admin_ip, settings.admin_port);
		lws_context_destroy(ctx);
		ctx = NULL;
	} else if (settings.redirect_port != 0 && tpw_vhost_redirect(ctx) == NULL) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] couldn't listen on %s:%d (redirect_port)\n",
			settings.ip, settings.redirect_port);
		lws_context_destroy(ctx);
		ctx = NULL;
	}
	g_free(cert);
	g_free(key);
	return ctx;
}

static int tpw_init(janus_transport_callbacks *callback, const char *config_path)
{
	if (callback == NULL || config_path == NULL)
		return -EINVAL;
	if (tpw_settings_load(&settings, config_path) < 0) {
		tpw_settings_clear(&settings);
		return -EINVAL;
	}

	struct tpw_ws_config wsc = {
		.plugin = &tpw_plugin,
		.gateway = callback,
		.max_message_size = settings.max_message_size,
		.max_connections = settings.max_connections,
		.max_connections_per_ip = settings.max_connections_per_ip,
		.allowed_origins = settings.allowed_origins,
		.idle_timeout_s = settings.idle_timeout_s,
		.msg_rate = settings.msg_rate,
		.msg_burst = settings.msg_burst,
	};
	tpw_ws_setup(&wsc);
	struct tpw_http_config hc = {
		.web_root = settings.web_root,
		.vendor_root = settings.vendor_root,
		.max_age_s = settings.cache_max_age_s,
		.hsts_max_age_s = settings.tls ? settings.hsts_max_age_s : 0,
	};
	tpw_http_setup(&hc);
	tpw_admin_setup(settings.turn_rest_key);
	tpw_protocols_build(settings.max_message_size);

	lws_set_log_level(LLL_ERR | LLL_WARN, tpw_lws_log);
	context = tpw_context_create();
	if (context == NULL) {
		tpw_http_cleanup();
		tpw_admin_cleanup();
		tpw_settings_clear(&settings);
		return -EADDRNOTAVAIL;
	}
	tpw_ws_set_context(context);

	g_atomic_int_set(&stopping, 0);
	GError *err = NULL;
	service_thread = g_thread_try_new("tpaasweb lws", tpw_service_loop, context, &err);
	if (service_thread == NULL) {
		JANUS_LOG(LOG_FATAL, "[tpaasweb] couldn't start the service thread: %s\n",
			err->message);
		g_error_free(err);
		tpw_ws_set_context(NULL);
		lws_context_destroy(context);
		context = NULL;
		tpw_http_cleanup();
		tpw_admin_cleanup();
		tpw_settings_clear(&settings);
		return -ENOMEM;
	}
	g_atomic_int_set(&initialized, 1);
	JANUS_LOG(LOG_INFO, "[tpaasweb] listening on %s://%s:%d (web_root %s, vendor_root %s)\n",
		settings.tls ? "https" : "http", settings.ip, settings.port,
		settings.web_root ? settings.web_root : "(none)",
		settings.vendor_root ? settings.vendor_root : "(none)");
	if (settings.admin) {
		JANUS_LOG(LOG_INFO, "[tpaasweb] Admin API on ws://%s:%d\n", settings.admin_ip,
			settings.admin_port);
		if (!g_str_has_prefix(settings.admin_ip, "127.")
			&& strcmp(settings.admin_ip, "::1") != 0)
			JANUS_LOG(LOG_WARN,
				"[tpaasweb] admin_ip %s is not a loopback address: the Admin API "
				"(plain WebSocket) is reachable from the network\n",
				settings.admin_ip);
	}
	if (settings.redirect_port != 0)
		JANUS_LOG(LOG_INFO, "[tpaasweb] redirecting http://%s:%d to https\n", settings.ip,
			settings.redirect_port);
	return 0;
}

static void tpw_destroy(void)
{
	if (!g_atomic_int_compare_and_exchange(&initialized, 1, 0))
		return;
	g_atomic_int_set(&stopping, 1);
	lws_cancel_service(context);
	g_thread_join(service_thread);
	service_thread = NULL;
	/* Drops wake-ups queued while the context was being destroyed. */
	tpw_ws_set_context(NULL);
	context = NULL;
	tpw_http_cleanup();
	tpw_admin_cleanup();
	tpw_settings_clear(&settings);
	JANUS_LOG(LOG_INFO, "[tpaasweb] stopped\n");
}

static gboolean tpw_is_janus_api_enabled(void)
{
	return TRUE;
}

static gboolean tpw_is_admin_api_enabled(void)
{
	return settings.admin;
}

static int tpw_send_message(
	janus_transport_session *transport, void *request_id, gboolean admin, json_t *message)
{
	(void)request_id;
	(void)admin;
	return tpw_ws_send(transport, message);
}

static void tpw_session_created(janus_transport_session *transport, guint64 session_id)
{
	JANUS_LOG(LOG_VERB, "[tpaasweb] session %" SCNu64 " created\n", session_id);
	tpw_ws_session_count(transport, 1);
}

static void tpw_session_over(
	janus_transport_session *transport, guint64 session_id, gboolean timeout, gboolean claimed)
{
	/* The connection stays open: it may carry other sessions or create new ones. */
	JANUS_LOG(LOG_VERB, "[tpaasweb] session %" SCNu64 " over%s%s\n", session_id,
		timeout ? " (timeout)" : "", claimed ? " (claimed elsewhere)" : "");
	tpw_ws_session_count(transport, -1);
}

static void tpw_session_claimed(janus_transport_session *transport, guint64 session_id)
{
	/* transport is the connection that took the session over. */
	JANUS_LOG(LOG_VERB, "[tpaasweb] session %" SCNu64 " claimed\n", session_id);
	tpw_ws_session_count(transport, 1);
}

static json_t *tpw_query_transport(json_t *request)
{
	(void)request;
	json_t *info = json_object();
	json_object_set_new(info, "connections", json_integer(tpw_ws_connection_count()));
	json_object_set_new(info, "port", json_integer(settings.port));
	if (settings.admin)
		json_object_set_new(info, "admin_port", json_integer(settings.admin_port));
	json_object_set_new(info, "tls", settings.tls ? json_true() : json_false());
	return info;
}
