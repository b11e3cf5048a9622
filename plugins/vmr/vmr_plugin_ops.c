/*
 * vmr_plugin_ops.c - what janus.plugin.vmr gives the operator: the `turn` settings (TURN
 * credentials for pages and apps, vmr_turn.h), the store's health check and the browser/app
 * participant figures (vmr_metrics.h), and one event line per join, leave, wrong PIN and
 * kick (vmr_event_log.h).
 *
 * Threads: vmr_ops_init/_destroy on the Janus main thread (plugin init/destroy); the health
 * check on the transport's lws thread; the rest on the thread that joins or leaves.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "debug.h"

#include "vmr_event_log.h"
#include "vmr_metrics.h"
#include "vmr_plugin_ops.h"
#include "vmr_plugin_priv.h"
#include "vmr_store.h"
#include "vmr_turn.h"

#define OPS_MODULE "store"

/* The store answers (a lookup of a name no room can have: "not found" is an answer). */
static gboolean store_health(void *opaque, GString *why)
{
	(void)opaque;
	if (!g_atomic_int_get(&vmr_initialized) || vmr_svc == NULL) {
		g_string_append(why, "not started");
		return FALSE;
	}
	vmr_room room;
	int rc = vmr_store_room_get_by_address(vmr_service_store(vmr_svc), "-", &room);
	if (rc == 0)
		vmr_room_clear(&room);
	if (rc == 0 || rc == -ENOENT)
		return TRUE;
	g_string_append_printf(why, "%s", g_strerror(-rc));
	return FALSE;
}

static void turn_read(const char *config_path)
{
	char *file = g_strdup_printf("%s/janus.plugin.vmr.jcfg", config_path);
	janus_config *config = janus_config_parse(file);
	g_free(file);
	if (config == NULL)
		return;
	janus_config_category *turn = janus_config_get(
		config, NULL, janus_config_type_category, "turn");
	janus_config_item *urls = turn
		? janus_config_get(config, turn, janus_config_type_item, "urls")
		: NULL;
	janus_config_item *secret = turn
		? janus_config_get(config, turn, janus_config_type_item, "secret")
		: NULL;
	janus_config_item *ttl = turn
		? janus_config_get(config, turn, janus_config_type_item, "ttl")
		: NULL;
	if (urls && urls->value && *urls->value && secret && secret->value && *secret->value) {
		char **list = g_strsplit_set(urls->value, ", ", -1);
		GPtrArray *clean = g_ptr_array_new();
		for (char **u = list; *u; u++)
			if (**u)
				g_ptr_array_add(clean, *u);
		g_ptr_array_add(clean, NULL);
		gint64 ttl_s = ttl && ttl->value ? g_ascii_strtoll(ttl->value, NULL, 10) : 0;
		if (ttl_s <= 0 || ttl_s > 7 * 86400)
			ttl_s = 86400;
		vmr_turn_configure(
			(const char *const *)clean->pdata, secret->value, (unsigned)ttl_s);
		JANUS_LOG(LOG_INFO,
			"[vmr] TURN for clients: %s (credentials for %" G_GINT64_FORMAT " s)\n",
			urls->value, ttl_s);
		g_ptr_array_free(clean, TRUE);
		g_strfreev(list);
	}
	janus_config_destroy(config);
}

void vmr_ops_init(const char *config_path)
{
	turn_read(config_path);
	vmr_metrics_register(OPS_MODULE, NULL, store_health, NULL);
}

void vmr_ops_destroy(void)
{
	vmr_metrics_unregister(OPS_MODULE);
	vmr_turn_configure(NULL, NULL, 0);
}

const char *vmr_ops_kind(const char *client)
{
	return client != NULL && strcmp(client, "web") == 0 ? "browser" : "app";
}

static const char *source_of(const vmr_session *s)
{
	const char *src = s->client.source;
	return src && g_str_has_prefix(src, "ip:") ? src + 3 : src;
}

void vmr_ops_event(const vmr_session *s, const char *kind, const char *room, const char *cause)
{
	vmr_event ev = { .kind = kind,
		.room = room,
		.participant = s->id,
		.via = s->kind ? s->kind : "app",
		.source = source_of(s),
		.name = s->display,
		.cause = cause };
	vmr_event_log(&ev);
}

void vmr_ops_joined(const vmr_session *s, const char *room)
{
	gboolean browser = s->kind && strcmp(s->kind, "browser") == 0;
	vmr_metrics_gauge_add(
		browser ? VMR_GAUGE_PARTICIPANTS_BROWSER : VMR_GAUGE_PARTICIPANTS_APP, 1);
	vmr_metrics_inc(browser ? VMR_METRIC_JOINS_BROWSER : VMR_METRIC_JOINS_APP);
	vmr_ops_event(s, "join", room, NULL);
}

void vmr_ops_left(const vmr_session *s, const char *room)
{
	gboolean browser = s->kind && strcmp(s->kind, "browser") == 0;
	vmr_metrics_gauge_add(
		browser ? VMR_GAUGE_PARTICIPANTS_BROWSER : VMR_GAUGE_PARTICIPANTS_APP, -1);
	vmr_ops_event(s, "leave", room, NULL);
}

static vmr_metric_kind metric_kind(const vmr_session *s)
{
	return s->kind && strcmp(s->kind, "browser") == 0 ? VMR_KIND_BROWSER : VMR_KIND_APP;
}

/* Browsers send Opus (48 kHz RTP clock) and VP8 (90 kHz) only (answer_offer). */
void vmr_ops_rtp_in(vmr_session *s, int is_video, const uint8_t *buf, size_t len)
{
	vmr_media_rx_packet(&s->rx_in[is_video ? 1 : 0], buf, len, is_video ? 90000 : 48000,
		g_get_monotonic_time(), metric_kind(s), is_video);
}

void vmr_ops_rtcp_in(vmr_session *s, const uint8_t *buf, size_t len)
{
	/* (any stream's RTCP: a browser's reports on our audio may come as its video's) */
	vmr_report_block rb[8];
	int n = vmr_rtcp_report_blocks(buf, len, rb, (int)G_N_ELEMENTS(rb));
	for (int i = 0; i < n && s->part; i++)
		mcu_participant_audio_report(s->part, rb[i].ext_highest_seq, rb[i].fraction_lost);
}
