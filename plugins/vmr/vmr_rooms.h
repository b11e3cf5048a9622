/*
 * vmr_rooms.h - the running MCU rooms of this process, by room address, shared by both
 * plugins (browsers through janus.plugin.vmr, SIP endpoints through janus.plugin.sipbridge
 * meet in the same mcu_room). A room's MCU starts on its first participant and stops when
 * the last one leaves.
 *
 * Threads: all functions are thread-safe (one mutex). Ownership: vmr_rooms_acquire returns
 * a new mcu_room reference the caller drops with mcu_room_unref; the registry keeps its own
 * reference while the room runs.
 */
#ifndef TPAAS_VMR_ROOMS_H
#define TPAAS_VMR_ROOMS_H

#include <stdint.h>
#include "mcu_room.h"

/* Every participant's mcu_participant_io.opaque, whichever plugin brought it in, points to a
 * struct whose FIRST member is a vmr_member, so room events (talking, speaker) can name the
 * participant. ids are unique in the process (random 53-bit, fit a JavaScript number). */
typedef struct vmr_member {
	uint64_t id;
	int is_sip;           /* brought in by the SIP bridge */
} vmr_member;

/* The picture size, rate and bitrates of rooms started from now on (the VMR plugin sets
 * them from its configuration at init; the layout comes from the store per room). */
void vmr_rooms_set_defaults(const mcu_room_config *cfg);
void vmr_rooms_get_defaults(mcu_room_config *cfg);

/* Called (without locks held) whenever a room's MCU starts, so the VMR plugin can attach
 * its event callbacks (talking, speaker). NULL clears it. */
void vmr_rooms_set_started_hook(void (*hook)(void *opaque, const char *address, mcu_room *room), void *opaque);

/* Returns a new reference to the running room `address`, starting it with `layout` (a
 * layout name; NULL for the default) when it is not running. NULL on failure. */
mcu_room *vmr_rooms_acquire(const char *address, const char *layout);
/* A new reference to the running room, or NULL when it is not running. */
mcu_room *vmr_rooms_lookup(const char *address);
/* Stops the room's MCU if nobody is left in it. */
void vmr_rooms_release_if_empty(const char *address);
/* Switches a running room's layout (no-op when not running). 0 or -EINVAL. */
int vmr_rooms_set_layout(const char *address, const char *layout);
/* Stops every room (plugin shutdown). */
void vmr_rooms_clear(void);
/* The addresses of the running rooms with their participant counts, for admin views:
 * calls fn for each, under the registry lock (fn must not call vmr_rooms_*). */
void vmr_rooms_foreach(void (*fn)(void *opaque, const char *address, mcu_room *room), void *opaque);

#endif
