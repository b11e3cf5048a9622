/*
 * vmr_admission.h - admission control: a node knows its budget and refuses the participant
 * or room that would push it past, so the rooms already running keep their quality.
 *
 * The budget (set once from janus.plugin.vmr.jcfg by the VMR plugin, shared by both
 * plugins as this library is loaded once per process):
 *  - max_load: CPU cores the rooms may use; 0 means no limit. What the rooms use is
 *    measured as they run: each room's mixer and composer thread time plus the time its
 *    senders' video decoding takes on their own threads (mcu_room_stats), over the last
 *    few seconds of the room's life (its whole life while it is younger).
 *  - max_participants: participants on this node, every kind (browser, SIP, plain RTP);
 *    0 means no limit.
 * A newcomer is expected to cost its room's load divided by the room's participants (a
 * participant of a running room) or the mean load of the running rooms (a new room; 0
 * when none runs, so an idle node always takes its first room). It is refused when the
 * node's load plus that would pass max_load, or the node's participants plus one would
 * pass max_participants. The same measured load is what a cluster would place rooms by
 * (vmr_admission_measure).
 *
 * Two joins checked at the same moment may both be admitted (the check does not reserve):
 * the budget is a threshold, not an exact quota.
 *
 * Threads: all functions are thread-safe (one mutex, a leaf; vmr_admission_check reads the
 * rooms registry without holding it). Ownership: plain values.
 */
#ifndef TPAAS_VMR_ADMISSION_H
#define TPAAS_VMR_ADMISSION_H

#include <stdbool.h>

typedef struct vmr_admission_budget {
	double max_load;           /* cores; 0: no limit */
	unsigned max_participants; /* on this node; 0: no limit */
	int retry_after_s;         /* what a refused client is told to wait (>= 1) */
} vmr_admission_budget;

/* Sets (copies) the node's budget; NULL restores the default (no limits, retry after 30 s). */
void vmr_admission_set_budget(const vmr_admission_budget *b);
void vmr_admission_get_budget(vmr_admission_budget *b);

/* What the node runs now. */
typedef struct vmr_node_load {
	double load; /* cores, all rooms */
	unsigned rooms, participants;
	double room_load; /* the room asked about (vmr_admission_check), 0 when not running */
	unsigned room_participants;
	bool room_running;
} vmr_node_load;

/* The decision alone (pure): 0 to admit one more participant into the room described in
 * load, or -EBUSY. */
int vmr_admission_decide(const vmr_admission_budget *b, const vmr_node_load *load);

/* Measures the running rooms (vmr_rooms registry); address may be NULL (no room asked
 * about). */
void vmr_admission_measure(const char *address, vmr_node_load *out);

/* Would one more participant of room `address` (running or not) fit? 0, or -EBUSY with
 * *retry_after_s (may be NULL) set from the budget. */
int vmr_admission_check(const char *address, int *retry_after_s);

#endif
