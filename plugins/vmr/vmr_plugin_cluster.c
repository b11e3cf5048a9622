/*
 * vmr_plugin_cluster.c - janus.plugin.vmr's side of several nodes (vmr_cluster.h): reads the
 * cluster settings of janus.plugin.vmr.jcfg's `general` section (node_id, cluster,
 * node_public_url, node_sip_uri, node_capacity, lease_seconds), starts and stops the
 * cluster, answers `locate` (at most `locate_burst` at once and `locate_per_second` after
 * that per source address, whatever the answer: each one costs lookups in the shared store,
 * and a stranger could otherwise try meeting numbers there at any speed, where a join's
 * wrong guesses are locked out by the PIN guard; an office behind one NAT address joining a
 * meeting at nine must still get through), and turns away a join for a room running on
 * another node (435 with that node's url).
 *
 * Threads: init/destroy from Janus' plugin lifecycle; the rest on the worker thread.
 */
#include "vmr_plugin_priv.h"
#include "vmr_auth.h"
#include "vmr_cluster.h"
#include "vmr_throttle.h"

#include "config.h"
#include "debug.h"
#include "utils.h"

#define LOCATE_BURST    300
#define LOCATE_PER_S    5.0
#define LOCATE_MAX_KEYS 10000

static vmr_throttle *locate_throttle;

static const char *cfg_string(janus_config *config, janus_config_category *cat, const char *key)
{
	janus_config_item *item = janus_config_get(config, cat, janus_config_type_item, key);
	return (item && item->value && item->value[0]) ? item->value : NULL;
}

int vmr_cluster_glue_init(const char *config_file, vmr_store *store, const char *public_url)
{
	janus_config *config = janus_config_parse(config_file);
	janus_config_category *general = config
		? janus_config_get_create(config, NULL, janus_config_type_category, "general")
		: NULL;
	const char *burst = config ? cfg_string(config, general, "locate_burst") : NULL;
	const char *rate = config ? cfg_string(config, general, "locate_per_second") : NULL;
	gint64 b = burst ? g_ascii_strtoll(burst, NULL, 10) : LOCATE_BURST;
	double r = rate ? g_ascii_strtod(rate, NULL) : LOCATE_PER_S;
	vmr_throttle_free(locate_throttle);
	locate_throttle = vmr_throttle_new(b >= 1 && b <= 1000000 ? (unsigned)b : LOCATE_BURST,
		r > 0 && r <= 1e6 ? r : LOCATE_PER_S, LOCATE_MAX_KEYS);
	if (config == NULL)
		return 0;
	const char *on = cfg_string(config, general, "cluster");
	int rc = 0;
	if (on != NULL && janus_is_true(on)) {
		const char *capacity = cfg_string(config, general, "node_capacity");
		const char *lease = cfg_string(config, general, "lease_seconds");
		const char *url = cfg_string(config, general, "node_public_url");
		vmr_cluster_config c = { .node_id = cfg_string(config, general, "node_id"),
			.public_url = url ? url : public_url,
			.sip_uri = cfg_string(config, general, "node_sip_uri"),
			.capacity = capacity ? g_ascii_strtod(capacity, NULL) : 0,
			.lease_seconds = lease ? (int)g_ascii_strtoll(lease, NULL, 10) : 0 };
		if (c.lease_seconds < 0 || c.lease_seconds > 3600)
			c.lease_seconds = 0;
		rc = vmr_cluster_start(store, &c);
		if (rc < 0)
			JANUS_LOG(LOG_FATAL,
				"[vmr] cluster = true but the cluster cannot start (%s): it needs "
				"a "
				"PostgreSQL database, node_public_url and node_sip_uri\n",
				g_strerror(-rc));
	}
	janus_config_destroy(config);
	return rc;
}

void vmr_cluster_glue_destroy(void)
{
	vmr_cluster_stop();
	vmr_throttle_free(locate_throttle);
	locate_throttle = NULL;
}

/* The key a locate looks up: the room of a valid invitation, or a room anyone may join
 * without a PIN (its address). Any other name, a PIN room among them, is located as a new
 * room would be (NULL: the best node), so the answer never tells a stranger whether a PIN
 * room is in a meeting or even exists; its join, once the PIN is right, names the room's node
 * (VMR_ERROR_ELSEWHERE). An invalid invitation is such a name too. */
static char *locate_key(const vmr_request *req)
{
	vmr_store *store = vmr_service_store(vmr_svc);
	int64_t id = vmr_request_int(req, "id", 0);
	const char *secret = vmr_request_string(req, "secret");
	if (id > 0 && secret != NULL) {
		vmr_invitation inv;
		char *key = NULL;
		if (vmr_store_invitation_get(store, id, &inv) == 0) {
			vmr_room room;
			if (inv.state == VMR_INVITATION_ACTIVE
				&& vmr_secure_streq(inv.secret, secret)
				&& vmr_store_room_get(store, inv.room_id, &room) == 0) {
				key = g_strdup(room.address);
				vmr_room_clear(&room);
			}
			vmr_invitation_clear(&inv);
		}
		return key;
	}
	const char *address = vmr_request_string(req, "room");
	vmr_room room;
	if (address == NULL || vmr_store_room_get_by_address(store, address, &room) != 0)
		return NULL;
	char *key = room.pin == NULL ? g_strdup(room.address) : NULL;
	vmr_room_clear(&room);
	return key;
}

void vmr_cluster_handle_locate(vmr_message *msg, const vmr_request *req)
{
	json_t *event;
	char who[128];
	int retry_after_s = 0;
	g_snprintf(who, sizeof(who), "locate:%s",
		msg->session->client.source ? msg->session->client.source : "");
	if (vmr_throttle_take(locate_throttle, who, g_get_monotonic_time(), &retry_after_s)
		== -EBUSY) {
		JANUS_LOG(LOG_VERB, "[vmr] locate: too many from %s\n", who + 7);
		event = vmr_error_json(VMR_ERROR_BUSY, "too many locate requests, try again later");
		json_object_set_new(event, "retry_after", json_integer(retry_after_s));
	} else if (!vmr_cluster_enabled()) {
		/* One node: everything is here (no url: the client stays where it is, whatever
		 * name it reached this node by). */
		event = json_pack("{s:s}", "vmr", "located");
	} else {
		char *key = locate_key(req);
		vmr_cluster_where w = { 0 };
		int rc = vmr_cluster_locate(key, &w);
		if (rc == 0) {
			event = json_pack("{s:s,s:s,s:s}", "vmr", "located", "url", w.public_url,
				"node", w.node_id);
			/* Where a client may retry when that node fails (the join page's rejoin). */
			json_t *nodes = json_array();
			GPtrArray *urls = vmr_cluster_live_urls();
			for (guint i = 0; i < urls->len; i++)
				json_array_append_new(nodes, json_string(urls->pdata[i]));
			g_ptr_array_unref(urls);
			json_object_set_new(event, "nodes", nodes);
		} else {
			JANUS_LOG(LOG_WARN, "[vmr] locate: %s\n",
				rc == -ENOENT ? "no node alive" : g_strerror(-rc));
			event = vmr_error_json(
				rc == -ENOENT ? VMR_ERROR_NO_NODE : VMR_ERROR_INTERNAL,
				rc == -ENOENT ? "no node is available" : "store unavailable");
		}
		vmr_cluster_where_clear(&w);
		g_free(key);
	}
	vmr_gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
}

void vmr_cluster_add_url(json_t *event, const char *address)
{
	vmr_cluster_where w = { 0 };
	if (vmr_cluster_locate(address, &w) == 0) {
		json_object_set_new(event, "url", json_string(w.public_url));
		json_object_set_new(event, "node", json_string(w.node_id));
	}
	vmr_cluster_where_clear(&w);
}

gboolean vmr_cluster_refuse_join(vmr_message *msg, const char *address)
{
	vmr_cluster_where w = { 0 };
	if (vmr_cluster_elsewhere(address, &w) < 0)
		return FALSE;
	JANUS_LOG(LOG_INFO, "[vmr] join of %s sent to node %s (%s)\n", address, w.node_id,
		w.public_url);
	json_t *event = vmr_error_json(VMR_ERROR_ELSEWHERE, "room is on another node");
	json_object_set_new(event, "url", json_string(w.public_url));
	json_object_set_new(event, "node", json_string(w.node_id));
	vmr_cluster_where_clear(&w);
	vmr_gateway->push_event(msg->session->handle, &vmr_plugin, msg->transaction, event, NULL);
	json_decref(event);
	if (msg->jsep != NULL)
		vmr_gateway->close_pc(msg->session->handle);
	return TRUE;
}
