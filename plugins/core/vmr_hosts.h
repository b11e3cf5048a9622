/*
 * vmr_hosts.h - hosts and guests of the running rooms: who is host, who waits (for a host, or
 * in the lobby of a locked room) and what hosts do to the meeting (admit or refuse, lock,
 * mute one or all guests, remove, spotlight, layout, end it for all). Shared by both plugins,
 * like vmr_rooms.h: a browser (janus.plugin.vmr) and a SIP endpoint (janus.plugin.sipbridge)
 * are hosts and guests of the same room, and a host on either side acts on both.
 *
 * Roles: a participant is a host when it is the room's owner (logged in on the page, or the
 * owner's own registered device calling in or called out to) or came in with the host PIN;
 * everyone else is a guest (invitation links give the guest role). The caller decides the
 * role (vmr_service_authorize_join, the SIP bridge's PIN entry) and tells it here.
 *
 * The life of a participant here:
 *   vmr_hosts_arrive   before it joins the MCU: ENTER, or WAIT (held: for a host, or knocking
 *                      on a locked room); a held one is later let in or turned away through
 *                      its ops->decided, and joins the MCU only then;
 *   vmr_hosts_joined   after mcu_room_join (and vmr_rooms_member_add): it is in the room and
 *                      host actions reach it (its mcu_participant is kept for mute/spotlight);
 *   vmr_hosts_leave    when it goes (held or joined). A callback decided just before may
 *                      still be delivered after it (ops->ref keeps the opaque alive): the
 *                      plugin's callbacks check that their participant is still there.
 *
 * Events for pages go to one listener (the VMR plugin) as JSON, each to an audience: one
 * participant, the room's hosts, or everyone in the room. Every host action is logged in the
 * store (vmr_hosts_set_store: table host_actions, who/what/when) and told to the other hosts
 * (event "host_action"). docs/api.md lists the events.
 *
 * Threads: every function is thread-safe (one mutex, never held while calling a callback, the
 * store or the MCU's blocking functions). Callbacks run on the thread of the call that caused
 * them (a host's request, a keypad digit, a participant leaving) or on the module's timer
 * thread (a meeting ending N minutes after its last host left).
 * Ownership: ops->opaque is the caller's; the module holds it between arrive/joined and leave
 * and takes ops->ref / ops->unref around each callback.
 */
#ifndef TPAAS_VMR_HOSTS_H
#define TPAAS_VMR_HOSTS_H

#include <stdint.h>
#include <jansson.h>

#include "mcu_room.h"
#include "vmr_store.h"

typedef enum vmr_role {
	VMR_ROLE_GUEST = 0,
	VMR_ROLE_HOST = 1,
} vmr_role;

/* What the owning plugin does for one participant. Every callback may be NULL. */
typedef struct vmr_hosts_ops {
	void *opaque;
	void (*ref)(void *opaque);
	void (*unref)(void *opaque);
	/* A held participant was let in (admitted 1: now join the MCU and call vmr_hosts_joined)
	 * or turned away (0: a host refused it, or the meeting ended). It is no longer held. */
	void (*decided)(void *opaque, int admitted);
	/* A joined participant must go: removed by a host, or the meeting ended (reason). It is
	 * no longer a member here; the plugin takes it out of the MCU and calls vmr_hosts_leave. */
	void (*removed)(void *opaque, const char *reason);
	/* Something about this participant only (SIP: say it): "muted_by_host", "unmuted_by_host",
	 * "not_allowed", "muted", "unmuted", "locked", "unlocked", "layout". */
	void (*told)(void *opaque, const char *what);
} vmr_hosts_ops;

/* A participant as it arrives. */
typedef struct vmr_hosts_who {
	uint64_t id;         /* its vmr_rooms id */
	const char *display; /* its name on the tile */
	const char *how;     /* how it came: "page", "link", "pin", "host pin", "sip:<address>" */
	vmr_role role;
} vmr_hosts_who;

/* The room's settings (from the store) at the moment of arrival. */
typedef struct vmr_hosts_settings {
	int wait_for_host;      /* guests are held until a host has joined */
	int end_after_host_min; /* end the meeting this long after the last host left; 0 never */
} vmr_hosts_settings;

typedef enum vmr_hosts_arrival {
	VMR_HOSTS_ENTER = 0,
	VMR_HOSTS_WAIT_HOST, /* held until a host joins */
	VMR_HOSTS_KNOCK,     /* the room is locked: held until a host admits or refuses it */
	VMR_HOSTS_FULL,      /* would be held, but VMR_HOSTS_MAX_HELD already are: turn it away */
} vmr_hosts_arrival;

/* At most this many participants are held at one room at a time (a flood of knocks from
 * many handles would bury the hosts' pages): the next one is turned away (VMR_HOSTS_FULL). */
#define VMR_HOSTS_MAX_HELD 64

typedef enum vmr_hosts_audience {
	VMR_TO_ONE = 0, /* the participant `to` */
	VMR_TO_HOSTS,   /* every host in the room */
	VMR_TO_ALL,     /* everyone in the room (joined) */
} vmr_hosts_audience;

typedef struct vmr_hosts_listener {
	void *opaque;
	/* event: {"vmr":"event", ...} (borrowed). to: the participant for VMR_TO_ONE. */
	void (*event)(void *opaque, const char *address, vmr_hosts_audience audience, uint64_t to,
		json_t *event);
} vmr_hosts_listener;

/* Sets (copies) the listener; NULL clears it. After return the previous one is not called. */
void vmr_hosts_set_listener(const vmr_hosts_listener *l);
/* The store host actions are logged in (borrowed; NULL: none). Set before use, cleared
 * before the store is closed. */
void vmr_hosts_set_store(vmr_store *store);

/* A participant arrives at room `address` (before the MCU). ENTER: go on and join. WAIT_HOST /
 * KNOCK: held (the room's hosts hear "knock" for a knocking guest); wait for ops->decided.
 * A host always enters, and its joining lets every guest held for a host in. */
vmr_hosts_arrival vmr_hosts_arrive(const char *address, const vmr_hosts_settings *settings,
	const vmr_hosts_who *who, const vmr_hosts_ops *ops);
/* The participant is in the MCU room (part: a reference is taken); settings: the room's, as at
 * arrival (NULL: keep the ones known). 0 or -EINVAL. */
int vmr_hosts_joined(const char *address, const vmr_hosts_who *who,
	const vmr_hosts_settings *settings, mcu_room *room, mcu_participant *part,
	const vmr_hosts_ops *ops);
/* The participant goes (held or joined; no-op when unknown). */
void vmr_hosts_leave(const char *address, uint64_t id);
/* The room was renamed while running (see vmr_rooms_rename). */
void vmr_hosts_rename(const char *old_address, const char *new_address);

/* Is `id` a host of room `address` right now? */
int vmr_hosts_is_host(const char *address, uint64_t id);
/* The room's state for a page ({"locked":b,"spotlight":id|null,"waiting":[...] for hosts,
 * "muted":[ids muted by a host]}); new reference. */
json_t *vmr_hosts_state(const char *address, uint64_t for_id);

/* ---- host actions: `by` is the acting participant; -EPERM when it is no host of the room,
 * -ENOENT when the room or the target is unknown, -EINVAL for a bad argument; 0 done. ---- */

/* Lock (new guests knock) or unlock (everyone knocking is let in). */
int vmr_hosts_set_locked(const char *address, uint64_t by, int locked);
/* Flips the lock; *locked_out: the new state. */
int vmr_hosts_toggle_locked(const char *address, uint64_t by, int *locked_out);
/* Lets a knocking or held guest in, or turns it away. */
int vmr_hosts_decide(const char *address, uint64_t by, uint64_t id, int admit);
/* Mutes (the guest cannot unmute itself) or unmutes one participant. */
int vmr_hosts_mute(const char *address, uint64_t by, uint64_t id, int muted);
/* Mutes or unmutes every guest. */
int vmr_hosts_mute_guests(const char *address, uint64_t by, int muted);
/* Flips the guests' mute: muted when any guest is not muted by a host; *muted_out. */
int vmr_hosts_toggle_mute_guests(const char *address, uint64_t by, int *muted_out);
/* Takes a participant out of the meeting (its ops->removed). */
int vmr_hosts_remove(const char *address, uint64_t by, uint64_t id);
/* Puts a participant on the main pane for everyone (id 0: back to the active speaker). */
int vmr_hosts_spotlight(const char *address, uint64_t by, uint64_t id);
/* Switches the running room's layout ("speaker", "1+7", "2x2", "3x3"; NULL: the next one in
 * that order). *layout_out (may be NULL): the new one's name (static). */
int vmr_hosts_layout(const char *address, uint64_t by, const char *layout, const char **layout_out);
/* Ends the meeting for everyone: every participant removed, everyone held turned away. */
int vmr_hosts_end(const char *address, uint64_t by);

/* ---- anyone's own actions ---- */

/* Mutes or unmutes oneself. -EPERM when unmuting while muted by a host. */
int vmr_hosts_self_mute(const char *address, uint64_t id, int muted);
/* Flips one's own mute; *muted_out. */
int vmr_hosts_toggle_self_mute(const char *address, uint64_t id, int *muted_out);
/* A guest muted by a host asks to speak: the hosts hear "hand". */
int vmr_hosts_ask_to_speak(const char *address, uint64_t id);

/* ---- the holding picture ---- */

/* What a held guest without a page (a SIP caller) sees while it waits: a running MCU room
 * "<address>+waiting" (no room address has a '+') in the speaker layout whose first tile is a
 * placard named `text` that sends nothing. The held caller joins it with its media and mutes
 * itself there (mcu_participant_set_muted), so the placard stays on the whole picture and the
 * caller hears silence. One per room, shared by its held callers. Returns a new reference
 * (vmr_hosts_holding_release), NULL on failure. */
mcu_room *vmr_hosts_holding_acquire(const char *address, const char *text);
void vmr_hosts_holding_release(mcu_room *room);

/* For tests: how long a "minute" of end_after_host_min is (default 60 s). */
void vmr_hosts_set_minute_us(int64_t usec);

/* Forgets every room (plugin shutdown); stops the timer thread. */
void vmr_hosts_clear(void);

#endif
