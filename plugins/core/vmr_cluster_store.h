/*
 * vmr_cluster_store.h - the shared state of several gateway nodes on one PostgreSQL store
 * (tables of store migration 6/7: cluster_nodes, room_placement, sip_registrations, and the
 * tpaas_route() function Kamailio asks). Plain statements, no state of their own: the
 * runtime side (lease thread, placement hook) is vmr_cluster.h.
 *
 * Semantics:
 *  - A node is alive while its lease (lease_until, the database server's clock) is in the
 *    future; every node renews its own (vmr_cluster_store_heartbeat).
 *  - Placement is one INSERT ... ON CONFLICT DO UPDATE ... WHERE: a room is placed on the
 *    asking node when it is unplaced, already placed on it, or placed on a node whose lease
 *    lapsed; the row lock makes two racing nodes see each other, so exactly one wins.
 *  - locate answers for any key (room address, meeting number, anything else): the live
 *    node of the room, else the live node with the most free capacity (the one a first join
 *    would be placed on); so the answer never tells whether a room exists.
 *
 * Cluster SQL needs PostgreSQL (now(), intervals): with the SQLite store every function
 * returns -ENOTSUP. Threads: as the store (any thread). Ownership: out strings are new
 * (g_free).
 */
#ifndef TPAAS_VMR_CLUSTER_STORE_H
#define TPAAS_VMR_CLUSTER_STORE_H

#include <stdint.h>
#include <glib.h>
#include "vmr_store.h"

typedef struct vmr_cluster_node {
	const char *node_id;
	const char *sip_uri;    /* sip:10.77.0.11:5060 */
	const char *public_url; /* https://10.77.0.11:8443 */
	double capacity;        /* cores budget */
	int lease_seconds;
} vmr_cluster_node;

typedef struct vmr_cluster_report {
	unsigned rooms, participants;
	double load; /* cores in use */
} vmr_cluster_report;

/* Where a room lives or would live. */
typedef struct vmr_cluster_where {
	char *node_id;
	char *public_url;
	char *sip_uri;
} vmr_cluster_where;
void vmr_cluster_where_clear(vmr_cluster_where *w);

/* Renews (or creates) the node's lease: alive for lease_seconds from now, with its load. */
int vmr_cluster_store_heartbeat(
	vmr_store *store, const vmr_cluster_node *self, const vmr_cluster_report *r);
/* Shortens the node's lease so that it is dead now (tests: a node that stopped renewing). */
int vmr_cluster_store_expire(vmr_store *store, const char *node_id);
/* A clean stop: the node's lease, placements and SIP registrations are gone. */
int vmr_cluster_store_leave(vmr_store *store, const char *node_id);

/* Places room `address` on node_id (see above). 0: it is placed on node_id now; -EREMOTE:
 * it lives on another live node, described in *owner (may be NULL); -EIO. */
int vmr_cluster_store_place(
	vmr_store *store, const char *node_id, const char *address, vmr_cluster_where *owner);
/* The live node `address` is placed on: 0 with *owner, -ENOENT (unplaced, or placed on a
 * dead node), -EIO. */
int vmr_cluster_store_owner(vmr_store *store, const char *address, vmr_cluster_where *owner);
/* Deletes the placement of `address` when it is node_id's; 0 (also when it was not). */
int vmr_cluster_store_unplace(vmr_store *store, const char *node_id, const char *address);
/* The addresses placed on node_id (new array of g_strdup'ed strings). */
int vmr_cluster_store_placed_on(vmr_store *store, const char *node_id, GPtrArray **out);
/* Where `key` (address, meeting number, anything) lives or would be placed. 0, -ENOENT when
 * no node is alive, -EIO. */
int vmr_cluster_store_locate(vmr_store *store, const char *key, vmr_cluster_where *out);
/* The public URLs of the live nodes (new array of g_strdup'ed strings). */
int vmr_cluster_store_live_urls(vmr_store *store, GPtrArray **out);
/* What Kamailio gets: tpaas_route(user_part), a new string or NULL (no node alive). */
int vmr_cluster_store_route(vmr_store *store, const char *user_part, char **sip_uri);

/* SIP registrations: one row per (username, contact), written by the registering node. */
typedef struct vmr_sip_binding {
	char *contact;
	char *source;
	char *node_id;
	int64_t expires_at; /* unix seconds */
} vmr_sip_binding;
void vmr_sip_binding_free(vmr_sip_binding *b);
/* Adds or refreshes (expires_at > now) or removes (expires_at <= now) one binding. */
int vmr_cluster_store_bind(vmr_store *store, const char *node_id, const char *username,
	const char *contact, const char *source, int64_t expires_at);
/* Removes every binding of username. */
int vmr_cluster_store_unbind_all(vmr_store *store, const char *username);
/* The live bindings of username (new array of vmr_sip_binding, freed by the array). */
int vmr_cluster_store_bindings(
	vmr_store *store, const char *username, int64_t now_s, GPtrArray **out);

#endif
