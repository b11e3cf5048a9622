/*
 * vmr_cluster.h - this node as one of several gateway nodes sharing one PostgreSQL store
 * (issue #15, docs/scale-out.md). Off by default: a single node behaves exactly as before.
 *
 * When started (vmr_cluster_start, from the VMR plugin's init when `cluster = true` and the
 * store is PostgreSQL):
 *  - a lease thread renews this node's row in cluster_nodes every lease/3 with the rooms,
 *    participants and load the node runs (vmr_admission_measure), and reconciles the
 *    placements with the rooms running here: a running room missing its placement (written
 *    while the store was unreachable, or lost in a race) is placed again, a placement of
 *    this node without a running room is deleted;
 *  - the rooms registry (vmr_rooms_set_placement) asks before starting a room here: it is
 *    placed on this node when unplaced, placed here already, or placed on a dead node; when
 *    it lives on another live node the acquire fails with -EREMOTE (the caller answers
 *    with vmr_cluster_locate's URL); the last release deletes the placement;
 *  - the store unreachable (PostgreSQL restarting) never stops a running room: renewals and
 *    placements fail and are logged, the connection is re-established by the store on next
 *    use, and the reconciliation puts the placements back. A room started while the store
 *    is unreachable starts here (availability first).
 * vmr_cluster_stop joins the thread and deletes this node's lease, placements and SIP
 * registrations (a clean shutdown frees its rooms at once; a killed node's lapse).
 *
 * Threads: all functions are thread-safe. Ownership: the store is borrowed and must outlive
 * vmr_cluster_stop; strings are copied; returned strings are new (g_free).
 */
#ifndef TPAAS_VMR_CLUSTER_H
#define TPAAS_VMR_CLUSTER_H

#include <glib.h>
#include "vmr_cluster_store.h"
#include "vmr_store.h"

#define VMR_CLUSTER_LEASE_DEFAULT 6

typedef struct vmr_cluster_config {
	const char *node_id;    /* NULL: the host name */
	const char *public_url; /* where browsers and apps reach this node (required) */
	const char *sip_uri;    /* where Kamailio sends SIP for rooms here (required) */
	double capacity;        /* cores; <= 0: the admission budget's max_load, else the cores */
	int lease_seconds;      /* <= 0: VMR_CLUSTER_LEASE_DEFAULT */
} vmr_cluster_config;

/* 0, -ENOTSUP (the store is not PostgreSQL), -EINVAL (missing URL), -EALREADY, or the
 * store's error of the first lease. */
int vmr_cluster_start(vmr_store *store, const vmr_cluster_config *cfg);
void vmr_cluster_stop(void);
gboolean vmr_cluster_enabled(void);
/* This node's id (new string), NULL when the cluster is off. */
char *vmr_cluster_node_id(void);

/* Where `key` (room address, meeting number, anything) lives or would be placed, as the
 * `locate` request answers: 0 with *out, -ENOTSUP when off, -ENOENT (no node alive), -EIO. */
int vmr_cluster_locate(const char *key, vmr_cluster_where *out);
/* Where the running room `address` lives when that is another live node: 0 with *out
 * (a join here is refused with its URL), -ENOENT (it runs here, is unplaced, or its node
 * is dead: a join here places it here), -ENOTSUP when off, -EIO. */
int vmr_cluster_elsewhere(const char *address, vmr_cluster_where *out);
/* Whether `origin` (scheme://host[:port]) is the public URL of a live node. Answered from
 * the list the lease thread refreshes (no store access). */
gboolean vmr_cluster_origin_is_node(const char *origin);
/* The public URLs of the live nodes as of the last lease (new array of strings, maybe empty). */
GPtrArray *vmr_cluster_live_urls(void);
/* Runs one lease renewal + reconciliation now (tests; the thread does it every lease/3). */
int vmr_cluster_heartbeat_now(void);

/* SIP registrations in the shared store (sipb_registrar when the cluster is on). */
int vmr_cluster_bind(
	const char *username, const char *contact, const char *source, int64_t expires_at);
int vmr_cluster_unbind_all(const char *username);
/* Live contacts of username from every node: new array of vmr_sip_binding, or NULL. */
GPtrArray *vmr_cluster_bindings(const char *username, int64_t now_s);

#endif
