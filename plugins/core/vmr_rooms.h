/*
 * vmr_rooms.h - the running MCU rooms of this process, by room address, shared by both
 * plugins (browsers through janus.plugin.vmr, SIP endpoints through janus.plugin.sipbridge
 * meet in the same mcu_room), and who is in each: every participant, whichever path brought
 * it in (browser, SIP dial-in, lobby, dial-out, plain RTP), is registered here under one id,
 * and the room's events (joined, left, talking, speaker, content) go from here to one listener
 * (the VMR plugin, which tells the pages in the room); content changes also go to a second
 * listener (the SIP bridge, which tells BFCP clients).
 *
 * Invariants:
 *  1. A room runs while it has holders: every vmr_rooms_acquire is matched by exactly one
 *     vmr_rooms_release, and the MCU stops at the last release (never between another
 *     holder's acquire and its join, so one address never has two rooms).
 *  2. A holder registers its participant with vmr_rooms_member_add after mcu_room_join and
 *     removes it with vmr_rooms_member_remove after mcu_room_leave, before releasing; so
 *     `joined` comes before the first `talking` of a participant and `left` after its last.
 *  3. One participant, one id: the id registered is the vmr_member id its MCU io.opaque
 *     carries (the one talking/speaker events name) and the one its plugin reports.
 *
 * Threads: all functions are thread-safe (one mutex, never held while calling the MCU's
 * blocking functions or the listener). The listener is called from the thread that adds or
 * removes a member, and from the MCU's audio thread for talking/speaker.
 * Ownership: vmr_rooms_acquire returns a new mcu_room reference that vmr_rooms_release
 * drops; the registry keeps its own reference while the room runs.
 */
#ifndef TPAAS_VMR_ROOMS_H
#define TPAAS_VMR_ROOMS_H

#include <stdint.h>
#include "mcu_room.h"

/* Every participant's mcu_participant_io.opaque, whichever plugin brought it in, points to a
 * struct whose FIRST member is a vmr_member, so room events (talking, speaker) can name the
 * participant. ids come from vmr_rooms_new_id. */
typedef struct vmr_member {
	uint64_t id;
	int is_sip; /* brought in by the SIP bridge */
} vmr_member;

/* The picture size, rate and bitrates of rooms started from now on (the VMR plugin sets
 * them from its configuration at init; the layout comes from the store per room). */
void vmr_rooms_set_defaults(const mcu_room_config *cfg);
void vmr_rooms_get_defaults(mcu_room_config *cfg);

/* A new participant id: random 53-bit (fits a JavaScript number), never 0. */
uint64_t vmr_rooms_new_id(void);

/* What the room's pages hear about (see invariant 2). Called without the registry's lock;
 * a callback must not call vmr_rooms_set_listener. address and display are borrowed. */
typedef struct vmr_rooms_listener {
	void *opaque;
	void (*joined)(
		void *opaque, const char *address, uint64_t id, const char *display, int is_sip);
	void (*left)(void *opaque, const char *address, uint64_t id);
	void (*talking)(void *opaque, const char *address, uint64_t id, int is_talking);
	/* The participant on the main pane, 0 when none. */
	void (*speaker)(void *opaque, const char *address, uint64_t id);
	/* Right after `joined`, for a guest (anyone but the room's owner, whichever path
	 * brought them in): the one place that tells the owner (guest notification). */
	void (*guest_joined)(void *opaque, const char *address, uint64_t id, const char *display,
		int is_sip, int64_t invitation_id);
	/* The room's presenter (content, mcu_content.h) changed: the id of the new one, 0 when
	 * nobody presents any more. From the MCU's audio thread (or the caller's for a manual
	 * clock), like talking. */
	void (*content)(void *opaque, const char *address, uint64_t presenter_id);
} vmr_rooms_listener;

/* Sets (copies) the listener; NULL clears it. After return the previous one is not running
 * and is not called again. */
void vmr_rooms_set_listener(const vmr_rooms_listener *l);

/* A second listener for content changes alone (the SIP bridge: FloorStatus to BFCP clients),
 * called after the main listener's `content`, same threads and rules. */
typedef struct {
	void *opaque;
	void (*content)(void *opaque, const char *address, uint64_t presenter_id);
} vmr_rooms_content_listener;
/* Sets (copies) it; NULL clears it. After return the previous one is not running. */
void vmr_rooms_set_content_listener(const vmr_rooms_content_listener *l);
/* The id of the room's presenter (last content event), 0 when none or not running. */
uint64_t vmr_rooms_presenter(const char *address);

/* Returns a new reference to the running room `address`, starting it with `layout` (a
 * layout name; NULL for the default) when it is not running, and makes the caller one of
 * its holders. NULL on failure (then nothing to release). */
mcu_room *vmr_rooms_acquire(const char *address, const char *layout);
/* vmr_rooms_acquire that says why it failed: *err (may be NULL) is 0 on success, the
 * placement hook's refusal (-EREMOTE: the room runs on another node) or -ENOMEM. */
mcu_room *vmr_rooms_acquire_placed(const char *address, const char *layout, int *err);

/* Several nodes (vmr_cluster.h): asked before a room starts on this node and told after it
 * stopped. Both are called without the registry's lock (they may block on the store). */
typedef struct vmr_rooms_placement {
	void *opaque;
	/* 0 to start the room here, or a negative errno to refuse (the acquire fails). */
	int (*place)(void *opaque, const char *address);
	/* The room stopped here (its last holder released it). */
	void (*released)(void *opaque, const char *address);
} vmr_rooms_placement;
/* Sets (copies) the hook; NULL clears it. */
void vmr_rooms_set_placement(const vmr_rooms_placement *p);

/* Drops the reference and the hold of one vmr_rooms_acquire; the last holder's release
 * stops the room's MCU. NULL is ignored. */
void vmr_rooms_release(mcu_room *room);
/* A new reference to the running room, or NULL when it is not running (holds nothing). */
mcu_room *vmr_rooms_lookup(const char *address);

/* Registers a participant of a room the caller holds (after mcu_room_join) and tells the
 * listener `joined`. display is copied. 0, -ENOENT (room not running) or -EEXIST. */
int vmr_rooms_member_add(mcu_room *room, uint64_t id, const char *display, int is_sip);
/* Who a participant is to the room (vmr_rooms_member_add_as). */
typedef struct vmr_member_role {
	int is_sip;            /* brought in by the SIP bridge */
	int is_owner;          /* the room's owner: their own page, their own device calling in or
	                           * called out to; anyone else is a guest */
	int64_t invitation_id; /* the invitation a guest came with, 0 when none */
} vmr_member_role;
/* vmr_rooms_member_add with the participant's role: a guest's `joined` is followed by
 * `guest_joined`. vmr_rooms_member_add registers a guest without invitation. */
int vmr_rooms_member_add_as(
	mcu_room *room, uint64_t id, const char *display, const vmr_member_role *role);
/* Unregisters it (after mcu_room_leave) and tells the listener `left`; no-op when not
 * registered. */
void vmr_rooms_member_remove(mcu_room *room, uint64_t id);
/* Calls fn for each registered participant of the running room `address`, in joining
 * order, under the registry lock (fn must not call vmr_rooms_*). Returns how many. */
unsigned vmr_rooms_members(const char *address,
	void (*fn)(void *opaque, uint64_t id, const char *display, int is_sip), void *opaque);
/* The id on the room's main pane (last speaker event), 0 when none or not running. */
uint64_t vmr_rooms_speaker(const char *address);
/* Switches a running room's layout (no-op when not running). 0 or -EINVAL. */
int vmr_rooms_set_layout(const char *address, const char *layout);
/* Re-keys a running room under a new address (the room was renamed): its participants stay,
 * acquires and lookups by the new address find it, the old address no longer does; events
 * name the new address from now on. 0 (also when equal), -ENOENT when old_address is not
 * running (nothing to do), -EEXIST when a room already runs under new_address, -EINVAL. */
int vmr_rooms_rename(const char *old_address, const char *new_address);
/* Stops every room (plugin shutdown). */
void vmr_rooms_clear(void);
/* The addresses of the running rooms with their participant counts, for admin views:
 * calls fn for each, under the registry lock (fn must not call vmr_rooms_*). */
void vmr_rooms_foreach(void (*fn)(void *opaque, const char *address, mcu_room *room), void *opaque);

#endif
