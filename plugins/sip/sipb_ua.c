/*
 * sipb_ua.c - see sipb_ua.h. Sofia-SIP's su_root runs as a GSource of a private
 * GMainContext driven by our own thread (RECIPES: the GSource must be attached by hand, or
 * the stack answers 100 Trying and the application never sees the INVITE). The nua callback
 * dispatches: REGISTER here (with the registrar), everything about a call to sipb_call.c.
 *
 * Threads: the loop thread owns nua and the calls; other threads only queue work onto the
 * loop (g_main_context_invoke) or read under ua->lock.
 */
#include "sipb_ua_priv.h"
#include "vmr_dialout.h"
#include "vmr_metrics.h"
#include "sipb_mclass.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <arpa/inet.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/nta_tag.h>

/* The source address of the request being handled (for rate limits and the call log). */
static void request_source(nua_t *nua, char *ip, size_t iplen, int *port)
{
	g_strlcpy(ip, "?", iplen);
	*port = 0;
	msg_t *msg = nua_current_request(nua);
	su_sockaddr_t *su = msg ? msg_addr(msg) : NULL;
	if (su == NULL)
		return;
	if (su->su_family == AF_INET)
		inet_ntop(AF_INET, &su->su_sin.sin_addr, ip, (socklen_t)iplen);
	else if (su->su_family == AF_INET6)
		inet_ntop(AF_INET6, &su->su_sin6.sin6_addr, ip, (socklen_t)iplen);
	*port = ntohs(su->su_port);
}

/* ---- REGISTER ------------------------------------------------------------------------------- */

/* Is `ip` one of the configured trusted proxies (comma- or space-separated numeric IPs)? */
int sipb_ua_is_trusted_proxy(const sipb_ua *ua, const char *ip)
{
	if (ua->cfg.trusted_proxies == NULL || ip == NULL)
		return 0;
	gchar **list = g_strsplit_set(ua->cfg.trusted_proxies, ", ", -1);
	int found = 0;
	for (int i = 0; list[i] != NULL && !found; i++)
		found = list[i][0] && !strcmp(list[i], ip);
	g_strfreev(list);
	return found;
}

void sipb_ua_client_ip(
	const sipb_ua *ua, const sip_t *sip, const char *source_ip, char *buf, size_t len)
{
	g_strlcpy(buf, source_ip ? source_ip : "?", len);
	if (sip == NULL || !sipb_ua_is_trusted_proxy(ua, source_ip))
		return; /* (anyone else's header is the caller's own word: ignored) */
	for (const sip_unknown_t *u = sip->sip_unknown; u != NULL; u = u->un_next) {
		if (u->un_name == NULL || u->un_value == NULL
			|| g_ascii_strcasecmp(u->un_name, SIPB_CLIENT_IP_HEADER) != 0)
			continue;
		unsigned char a[16];
		char norm[INET6_ADDRSTRLEN];
		if (inet_pton(AF_INET, u->un_value, a) == 1)
			inet_ntop(AF_INET, a, norm, sizeof(norm));
		else if (inet_pton(AF_INET6, u->un_value, a) == 1)
			inet_ntop(AF_INET6, a, norm, sizeof(norm));
		else
			return; /* not a numeric address: the proxy's own then */
		g_strlcpy(buf, norm, len);
		return;
	}
}

/* A Contact is dialled later (dial-out), so it must name the host the REGISTER came from:
 * else anyone with an account could point the bridge at a PSTN gateway that trusts our
 * address, or at an internal host (toll fraud). Numeric hosts only (no DNS on this loop);
 * a trusted proxy (which relays REGISTERs of devices behind it) may register any contact. */
static int contact_host_ok(const sipb_ua *ua, const url_t *u, const char *source_ip)
{
	if (sipb_ua_is_trusted_proxy(ua, source_ip))
		return 1;
	if (u == NULL || u->url_host == NULL)
		return 0;
	char host[64];
	g_strlcpy(host, u->url_host, sizeof(host));
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	unsigned char a[16], b[16];
	if (inet_pton(AF_INET, host, a) == 1)
		return inet_pton(AF_INET, source_ip, b) == 1 && memcmp(a, b, 4) == 0;
	if (inet_pton(AF_INET6, host, a) == 1)
		return inet_pton(AF_INET6, source_ip, b) == 1 && memcmp(a, b, 16) == 0;
	return 0;
}

static void handle_register(sipb_ua *ua, nua_t *nua, nua_handle_t *nh, const sip_t *sip)
{
	char ip[64], client[64];
	int port;
	request_source(nua, ip, sizeof(ip), &port);
	sipb_ua_client_ip(ua, sip, ip, client, sizeof(client));
	const char *user = sip && sip->sip_to ? sip->sip_to->a_url->url_user : NULL;
	if (user == NULL || !vmr_account_username_is_valid(user)) {
		nua_respond(nh, SIP_404_NOT_FOUND, NUTAG_WITH_THIS(nua), TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	const char *const *params = NULL;
	for (const sip_authorization_t *au = sip->sip_authorization; au != NULL; au = au->au_next) {
		if (au->au_scheme && !g_ascii_strcasecmp(au->au_scheme, "Digest")) {
			params = (const char *const *)au->au_params;
			break;
		}
	}
	int64_t now_s = g_get_real_time() / G_USEC_PER_SEC;
	sipb_reg_auth auth;
	sipb_reg_verdict v = sipb_registrar_authenticate(ua->registrar, user, "REGISTER", params,
		client, now_s, g_get_monotonic_time(), &auth);
	if (v == SIPB_REG_CHALLENGE) {
		if (auth.replay)
			vmr_log(VMR_LOG_WARN,
				"[sipbridge] REGISTER of %s from %s: a replayed answer (nonce "
				"already used), challenged again",
				user, ip);
		char *www = sipb_registrar_challenge(ua->registrar, now_s, auth.stale);
		nua_respond(nh, SIP_401_UNAUTHORIZED, NUTAG_WITH_THIS(nua),
			SIPTAG_WWW_AUTHENTICATE_STR(www), TAG_END());
		g_free(www);
	} else if (v == SIPB_REG_BAD) {
		nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(nua), TAG_END());
	} else if (v != SIPB_REG_OK) {
		vmr_metrics_inc(VMR_METRIC_SIP_REGISTER_FAILURES);
		vmr_log(VMR_LOG_WARN, "[sipbridge] REGISTER of %s from %s refused (%s)", user, ip,
			v == SIPB_REG_LOCKED ? "locked" : "bad credentials");
		nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua), TAG_END());
	} else {
		vmr_metrics_inc(VMR_METRIC_SIP_REGISTERS);
		int rc = 0;
		/* Expires is delta-seconds (RFC 3261 §20.19): Sofia reads it into an unsigned long,
		 * so 2^32 (or 2^31) must not reach an int as 0 (or negative): a removal. Values past
		 * the registrar's maximum are capped (and the 200 names what was granted); a date
		 * (RFC 2543) is refused. */
		int global = 3600;
		if (sip->sip_expires != NULL) {
			if (sip->sip_expires->ex_date != 0)
				rc = -EINVAL;
			else
				global = sip->sip_expires->ex_delta > INT_MAX
					? INT_MAX
					: (int)sip->sip_expires->ex_delta;
		}
		char source[80];
		g_snprintf(source, sizeof(source), "%s:%d", ip, port);
		/* Every Contact is checked before any binding changes: a REGISTER that is refused
		 * (400, 403) leaves the bindings as they were. */
		for (const sip_contact_t *m = sip->sip_contact; m != NULL && rc >= 0;
			m = m->m_next) {
			if (m->m_url->url_type
				== url_any) { /* "Contact: *" needs Expires: 0 (RFC 3261 §10.3 step 6) */
				if (global != 0 || sip->sip_contact->m_next != NULL)
					rc = -EINVAL;
				continue;
			}
			int expires = global;
			if (m->m_expires != NULL
				&& sipb_registrar_expires_parse(m->m_expires, &expires) < 0) {
				rc = -EINVAL;
				break;
			}
			if (expires != 0 && !contact_host_ok(ua, m->m_url, ip)) {
				rc = -EACCES;
				break;
			}
			char *uri = url_as_string(NULL, m->m_url);
			if (uri == NULL || strlen(uri) >= 256 || strpbrk(uri, "\r\n<>\""))
				rc = -EINVAL;
			su_free(NULL, uri);
		}
		for (const sip_contact_t *m = sip->sip_contact; m != NULL && rc >= 0;
			m = m->m_next) {
			if (m->m_url->url_type == url_any) {
				sipb_registrar_unbind_all(ua->registrar, user);
				continue;
			}
			int expires = global;
			if (m->m_expires != NULL)
				sipb_registrar_expires_parse(m->m_expires, &expires);
			char *uri = url_as_string(NULL, m->m_url);
			rc = sipb_registrar_bind(ua->registrar, user, uri, source, expires, now_s);
			su_free(NULL, uri);
		}
		if (rc == -EACCES) {
			vmr_log(VMR_LOG_WARN,
				"[sipbridge] REGISTER of %s from %s refused (contact on another "
				"host)",
				user, ip);
			nua_respond(nh, 403, "Contact must be at the registering address",
				NUTAG_WITH_THIS(nua), TAG_END());
		} else if (rc == -EINVAL) {
			nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(nua), TAG_END());
		} else if (rc == -ENOSPC) {
			nua_respond(
				nh, 403, "Too many registrations", NUTAG_WITH_THIS(nua), TAG_END());
		} else {
			char *contacts = sipb_registrar_contact_header(ua->registrar, user, now_s);
			nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua),
				TAG_IF(contacts != NULL, SIPTAG_CONTACT_STR(contacts)), TAG_END());
			vmr_log(VMR_LOG_INFO, "[sipbridge] REGISTER of %s from %s:%d: %s", user, ip,
				port, contacts ? contacts : "no bindings left");
			g_free(contacts);
		}
	}
	nua_handle_destroy(nh);
}

/* ---- the nua callback ----------------------------------------------------------------------- */

static void nua_callback(nua_event_t event, int status, const char *phrase, nua_t *nua, sipb_ua *ua,
	nua_handle_t *nh, sipb_call *call, const sip_t *sip, tagi_t tags[])
{
	if (call != NULL) {
		sipb_call_event(call, event, status, phrase, sip, tags);
		return;
	}
	switch (event) {
	case nua_i_invite: {
		char ip[64];
		int port;
		request_source(nua, ip, sizeof(ip), &port);
		sipb_call_incoming(ua, nh, sip, ip, port);
		break;
	}
	case nua_i_register: handle_register(ua, nua, nh, sip); break;
	case nua_r_shutdown:
		if (status >= 200)
			g_main_loop_quit(ua->loop);
		break;
	case nua_i_error:
		vmr_log(VMR_LOG_ERR, "[sipbridge] nua error %d %s", status, phrase ? phrase : "");
		break;
	case nua_i_state:
	case nua_i_terminated: break;
	default:
		/* Requests on handles without a call (stray INFO/BYE, OPTIONS) were answered by nua;
		 * free server handles nobody will use. */
		if (nh != NULL && event < nua_r_set_params && event != nua_i_outbound)
			nua_handle_destroy(nh);
		break;
	}
}

/* ---- the loop thread ----------------------------------------------------------------------- */

static gpointer ua_thread(gpointer data)
{
	sipb_ua *ua = data;
	g_main_context_push_thread_default(ua->ctx);
	ua->root = su_glib_root_create(ua);
	int rc = -EIO;
	if (ua->root != NULL) {
		g_source_attach(su_glib_root_gsource(ua->root), ua->ctx);
		char *url = g_strdup_printf("sip:%s:%d", ua->cfg.ip, ua->cfg.port);
		char *sips = ua->cfg.tls_port > 0 && ua->cfg.tls_cert_dir
			? g_strdup_printf("sips:%s:%d", ua->cfg.ip, ua->cfg.tls_port)
			: NULL;
		char *contact_domain = g_strdup_printf("%s", ua->cfg.domain);
		ua->mclass = sipb_mclass_new();
		ua->nua = nua_create(ua->root, nua_callback, ua, NUTAG_URL(url),
			TAG_IF(ua->mclass != NULL, NTATAG_MCLASS(ua->mclass)),
			TAG_IF(sips != NULL, NUTAG_SIPS_URL(sips)),
			TAG_IF(sips != NULL, TPTAG_CERTIFICATE(ua->cfg.tls_cert_dir)),
			NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0),
			NUTAG_ENABLEINVITE(1), NUTAG_ALLOW("REGISTER"),
			NUTAG_APPL_METHOD("REGISTER"), NUTAG_ALLOW("INFO"),
			NUTAG_SESSION_TIMER(ua->cfg.session_timer_s), NUTAG_MIN_SE(90),
			NUTAG_SESSION_REFRESHER(nua_any_refresher), NUTAG_UPDATE_REFRESH(1),
			SIPTAG_USER_AGENT_STR("tpaas-vmr sipbridge"), TAG_END());
		g_free(url);
		g_free(sips);
		g_free(contact_domain);
		rc = ua->nua ? 0 : -EADDRINUSE;
	}
	g_mutex_lock(&ua->lock);
	ua->start_rc = rc;
	ua->started = 1;
	g_cond_signal(&ua->cond);
	g_mutex_unlock(&ua->lock);
	if (rc == 0)
		g_main_loop_run(ua->loop);
	/* shut down: calls were hung up and nua has finished (nua_r_shutdown) */
	if (ua->nua != NULL)
		nua_destroy(ua->nua);
	if (ua->root != NULL) {
		/* Detach Sofia's GSource first: then su_root_destroy drops its last reference and the
		 * port is finalized here, on the thread that created (and so holds) it. Left attached,
		 * the context's reference made g_main_context_unref in sipb_ua_stop finalize it on
		 * janus's thread, where Sofia clears its still-locked ownership mutex: GLib aborts
		 * ("g_mutex_clear() called on uninitialised or locked mutex") on every stop. */
		g_source_destroy(su_glib_root_gsource(ua->root));
		su_root_destroy(ua->root);
		ua->root = NULL;
	}
	g_main_context_pop_thread_default(ua->ctx);
	return NULL;
}

int sipb_ua_start(const sipb_ua_config *cfg, vmr_store *store, sipb_ua **out)
{
	sipb_ua *ua = g_new0(sipb_ua, 1);
	ua->cfg = *cfg;
	ua->cfg.ip = g_strdup(cfg->ip ? cfg->ip : "127.0.0.1");
	ua->cfg.port = cfg->port > 0 ? cfg->port : 5060;
	ua->cfg.tls_cert_dir = g_strdup(
		cfg->tls_cert_dir && cfg->tls_cert_dir[0] ? cfg->tls_cert_dir : NULL);
	ua->cfg.domain = g_strdup(cfg->domain ? cfg->domain : "localhost");
	ua->cfg.lobby_user = cfg->lobby_user && cfg->lobby_user[0]
		? g_ascii_strdown(cfg->lobby_user, -1)
		: NULL;
	ua->cfg.media_ip = g_strdup(cfg->media_ip && cfg->media_ip[0] ? cfg->media_ip : ua->cfg.ip);
	ua->cfg.prompt_dir = g_strdup(cfg->prompt_dir);
	ua->cfg.trusted_proxies = g_strdup(
		cfg->trusted_proxies && cfg->trusted_proxies[0] ? cfg->trusted_proxies : NULL);
	ua->cfg.cluster_proxy = g_strdup(
		cfg->cluster_proxy && cfg->cluster_proxy[0] ? cfg->cluster_proxy : NULL);
	if (ua->cfg.media_timeout_s <= 0)
		ua->cfg.media_timeout_s = 30;
	if (ua->cfg.dialout_ring_s <= 0)
		ua->cfg.dialout_ring_s = 30;
	if (ua->cfg.max_calls <= 0)
		ua->cfg.max_calls = 200;
	if (ua->cfg.max_calls_per_source <= 0)
		ua->cfg.max_calls_per_source = 10;
	ua->store = store;
	ua->registrar = sipb_registrar_new(store, ua->cfg.domain);
	/* PINs count in the process's shared guard (vmr_pinguard.h). Meeting numbers in the
	 * lobby: 6 wrong ones per source lock it 30 s, doubling up to 15 min (a caller has 3
	 * tries per call, so two calls' worth). */
	ua->lobby_failures = vmr_ratelimit_new(6, 30 * G_USEC_PER_SEC, 900 * G_USEC_PER_SEC);
	g_mutex_init(&ua->lock);
	g_cond_init(&ua->cond);
	ua->calls = g_hash_table_new(g_int64_hash, g_int64_equal);
	ua->ctx = g_main_context_new();
	ua->loop = g_main_loop_new(ua->ctx, FALSE);
	sipb_call_content_start(ua);
	ua->thread = g_thread_new("sipb-ua", ua_thread, ua);
	g_mutex_lock(&ua->lock);
	while (!ua->started)
		g_cond_wait(&ua->cond, &ua->lock);
	int rc = ua->start_rc;
	g_mutex_unlock(&ua->lock);
	if (rc < 0) {
		g_thread_join(ua->thread);
		ua->thread = NULL;
		sipb_ua_stop(ua);
		return rc;
	}
	*out = ua;
	return 0;
}

static gboolean shutdown_on_loop(gpointer data)
{
	sipb_ua *ua = data;
	ua->shutting_down = 1;
	GList *calls = NULL;
	g_mutex_lock(&ua->lock);
	calls = g_hash_table_get_values(ua->calls);
	g_mutex_unlock(&ua->lock);
	for (GList *l = calls; l; l = l->next)
		sipb_call_hangup(l->data, "service shutdown");
	g_list_free(calls);
	/* nua_shutdown waits for the BYEs' transactions, then reports nua_r_shutdown */
	nua_shutdown(ua->nua);
	return G_SOURCE_REMOVE;
}

void sipb_ua_stop(sipb_ua *ua)
{
	if (ua == NULL)
		return;
	if (ua->thread != NULL) {
		g_main_context_invoke(ua->ctx, shutdown_on_loop, ua);
		g_thread_join(ua->thread);
	}
	/* Calls nua never reported as terminated (shutdown timed out): free what is left. */
	sipb_call_content_stop(ua); /* BFCP clients that are left, the hub */
	GList *calls = g_hash_table_get_values(ua->calls);
	for (GList *l = calls; l; l = l->next) {
		sipb_call *call = l->data;
		if (call->media)
			sipb_media_free(call->media);
		call->media = NULL;
	}
	g_list_free(calls);
	g_hash_table_destroy(ua->calls);
	g_main_loop_unref(ua->loop);
	g_main_context_unref(ua->ctx);
	sipb_registrar_free(ua->registrar);
	sipb_mclass_free(ua->mclass);
	vmr_ratelimit_free(ua->lobby_failures);
	g_mutex_clear(&ua->lock);
	g_cond_clear(&ua->cond);
	g_free((char *)ua->cfg.ip);
	g_free((char *)ua->cfg.tls_cert_dir);
	g_free((char *)ua->cfg.domain);
	g_free((char *)ua->cfg.lobby_user);
	g_free((char *)ua->cfg.media_ip);
	g_free((char *)ua->cfg.prompt_dir);
	g_free((char *)ua->cfg.trusted_proxies);
	g_free((char *)ua->cfg.cluster_proxy);
	g_free(ua);
}

/* ---- status and dial-out (any thread) -------------------------------------------------------- */

static void add_binding(void *opaque, const char *username, const char *contact, const char *source,
	int64_t expires_at)
{
	json_array_append_new(opaque,
		json_pack("{sssssssI}", "username", username, "contact", contact, "source",
			source ? source : "", "expires_at", (json_int_t)expires_at));
}

json_t *sipb_ua_status(sipb_ua *ua)
{
	json_t *j = json_object();
	json_object_set_new(j, "listening",
		json_sprintf("sip:%s:%d (udp, tcp%s)", ua->cfg.ip, ua->cfg.port,
			ua->cfg.tls_cert_dir && ua->cfg.tls_port > 0 ? ", tls" : ""));
	json_object_set_new(j, "domain", json_string(ua->cfg.domain));
	json_t *regs = json_array();
	sipb_registrar_foreach(
		ua->registrar, g_get_real_time() / G_USEC_PER_SEC, add_binding, regs);
	json_object_set_new(j, "registrations", regs);
	json_t *calls = json_array();
	g_mutex_lock(&ua->lock);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ua->calls);
	while (g_hash_table_iter_next(&it, &k, &v))
		json_array_append_new(calls, sipb_call_json(v));
	g_mutex_unlock(&ua->lock);
	json_object_set_new(j, "calls", calls);
	return j;
}

typedef struct dialout_job {
	sipb_ua *ua;
	char *username;
	vmr_room room;
} dialout_job;

static void dialout_job_free(gpointer data)
{
	dialout_job *job = data;
	g_free(job->username);
	vmr_room_clear(&job->room);
	g_free(job);
}

static gboolean dialout_on_loop(gpointer data)
{
	dialout_job *job = data;
	if (job->ua->shutting_down)
		return G_SOURCE_REMOVE;
	GPtrArray *contacts = sipb_registrar_contacts(
		job->ua->registrar, job->username, g_get_real_time() / G_USEC_PER_SEC);
	uint64_t fork_id = vmr_rooms_new_id(); /* every device rings; the first to answer wins */
	for (guint i = 0; i < contacts->len; i++) {
		/* Already ringing there, or already in this room from there: no second call. */
		int busy = 0;
		g_mutex_lock(&job->ua->lock);
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, job->ua->calls);
		while (!busy && g_hash_table_iter_next(&it, &k, &v)) {
			const sipb_call *c = v;
			busy = c->outgoing && c->state != SIPB_CALL_ENDING && c->caller
				&& !strcmp(c->caller, contacts->pdata[i]) && c->room_address
				&& !strcmp(c->room_address, job->room.address);
		}
		g_mutex_unlock(&job->ua->lock);
		if (!busy)
			sipb_call_dialout(
				job->ua, contacts->pdata[i], job->username, &job->room, fork_id);
	}
	g_ptr_array_unref(contacts);
	return G_SOURCE_REMOVE;
}

int sipb_ua_dialout(
	void *opaque, int64_t account_id, const char *username, const char *room_address)
{
	sipb_ua *ua = opaque;
	if (ua == NULL || username == NULL || room_address == NULL)
		return -EINVAL;
	/* No toll fraud: only the account's own room, only its own registered devices. */
	dialout_job *job = g_new0(dialout_job, 1);
	if (vmr_store_room_get_by_address(ua->store, room_address, &job->room) != 0
		|| job->room.owner_id != account_id) {
		dialout_job_free(job);
		return -EPERM;
	}
	GPtrArray *contacts = sipb_registrar_contacts(
		ua->registrar, username, g_get_real_time() / G_USEC_PER_SEC);
	guint n = contacts->len;
	g_ptr_array_unref(contacts);
	if (n == 0) {
		dialout_job_free(job);
		return -ENOENT;
	}
	job->ua = ua;
	job->username = g_strdup(username);
	g_main_context_invoke_full(
		ua->ctx, G_PRIORITY_DEFAULT, dialout_on_loop, job, dialout_job_free);
	return 0;
}
