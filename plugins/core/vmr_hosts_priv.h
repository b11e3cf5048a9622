/*
 * vmr_hosts_priv.h - what the files of vmr_hosts share (the plugins use vmr_hosts.h):
 *   vmr_hosts.c           the table of rooms and members, arrival and departure, the timer
 *                         that ends a meeting its last host left;
 *   vmr_hosts_batch.c     work decided under the lock, carried out after it (callbacks,
 *                         events to the listener, host actions in the store's log);
 *   vmr_hosts_controls.c  what hosts (and participants themselves) do: admit, lock, mute,
 *                         remove, spotlight, layout, end, self-mute, ask to speak;
 *   vmr_hosts_holding.c   the holding picture of those who wait.
 *
 * Locks: hosts_lock guards the table and every room in it; the listener's reader-writer lock
 * (vmr_hosts_batch.c) is held for reading while the listener runs. Never both at once. Work
 * decided under hosts_lock is collected in a `batch` and run (hosts_batch_run) after it is
 * released, in the order it was decided. The room and member helpers below, and functions
 * named *_locked, expect hosts_lock held.
 * Everything here is hidden inside the library (G_GNUC_INTERNAL).
 */
#ifndef TPAAS_VMR_HOSTS_PRIV_H
#define TPAAS_VMR_HOSTS_PRIV_H

#include <glib.h>
#include <jansson.h>

#include "vmr_hosts.h"

typedef struct hmember {
	uint64_t id;
	char *display;
	char *how;
	vmr_role role;
	mcu_participant *part;  /* NULL while held */
	vmr_hosts_arrival held; /* VMR_HOSTS_ENTER once joined */
	int host_muted, self_muted;
	vmr_hosts_ops ops;
} hmember;

typedef struct hroom {
	char *address;
	mcu_room *room; /* a reference while anyone has joined */
	GQueue members; /* hmember*, in arrival order (held ones too) */
	int locked;
	vmr_hosts_settings settings;
	uint64_t spotlight;
	gint64 end_at; /* monotonic µs when the meeting ends (last host left), 0 none */
} hroom;

/* Work to do once hosts_lock is released (vmr_hosts_batch.c). */
typedef enum job_kind {
	JOB_DECIDED,
	JOB_REMOVED,
	JOB_TOLD,
	JOB_EVENT,
	JOB_LOG
} job_kind;
typedef GQueue batch;

G_GNUC_INTERNAL extern GMutex hosts_lock;

/* vmr_hosts_batch.c */
G_GNUC_INTERNAL void hosts_push_ops(
	batch *b, job_kind kind, const hmember *m, int arg, const char *text);
/* Steals event. */
G_GNUC_INTERNAL void hosts_push_event(
	batch *b, const hroom *r, vmr_hosts_audience audience, uint64_t to, json_t *event);
/* {"vmr":"event", key: value} (steals value). */
G_GNUC_INTERNAL json_t *hosts_event_new(const char *key, json_t *value);
/* A host action: logged, and every host hears it (the actor too: its other pages). */
G_GNUC_INTERNAL void hosts_push_action(
	batch *b, const hroom *r, const hmember *by, const char *action, const hmember *target);
/* Carries out a batch (no lock held). */
G_GNUC_INTERNAL void hosts_batch_run(batch *b);

/* vmr_hosts.c (hosts_lock held) */
G_GNUC_INTERNAL hroom *hosts_room_get(const char *address, gboolean create);
G_GNUC_INTERNAL hmember *hosts_member_find(hroom *r, uint64_t id);
G_GNUC_INTERNAL void hosts_member_apply_mute(hmember *m);
G_GNUC_INTERNAL json_t *hosts_member_json(const hmember *m);
/* Everyone's mute state changed: tells the room (and the participant). */
G_GNUC_INTERNAL void hosts_push_mute(batch *b, hroom *r, hmember *m);
/* Lets one held participant in. */
G_GNUC_INTERNAL void hosts_let_in(batch *b, hmember *m);
/* A held participant is refused: it leaves the table (frees m). */
G_GNUC_INTERNAL void hosts_turn_away(batch *b, hroom *r, hmember *m);

/* vmr_hosts_controls.c (hosts_lock held) */
G_GNUC_INTERNAL gboolean hosts_end_room_locked(batch *b, hroom *r, const hmember *by);

#endif
