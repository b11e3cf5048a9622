/*
 * vmr_store.h - the service's persistent store: rooms (and, as the product grows,
 * accounts and invitations) in an SQLite file.
 *
 * The file is opened in WAL mode with foreign keys on; the schema is versioned in
 * PRAGMA user_version and migrated forward on open.
 *
 * Threads: one vmr_store may be used from several threads; calls are serialized by
 * SQLite's own mutex (the connection is opened SQLITE_OPEN_FULLMUTEX).
 * Ownership: vmr_store_open returns a store the caller owns and frees with
 * vmr_store_close. vmr_room values are plain structs filled by the caller's storage;
 * their strings are owned by the struct and freed by vmr_room_clear.
 * Errors: 0 on success, negative errno-style codes (-ENOENT: no such row, -EEXIST:
 * name or number taken, -EINVAL: invalid field, -EIO: SQLite failure).
 */
#ifndef TPAAS_VMR_STORE_H
#define TPAAS_VMR_STORE_H

#include <stdint.h>

typedef struct vmr_store vmr_store;

typedef struct vmr_room {
	int64_t id;
	char *name;            /* lowercase letters, digits, '.', '-'; 3..32 chars */
	char *pin;             /* NULL or exactly 4 digits */
	char *layout;          /* "speaker", "1+7", "2x2" or "3x3" */
	int meeting_number;    /* 6 digits, unique */
} vmr_room;

int vmr_store_open(const char *path, vmr_store **out);
void vmr_store_close(vmr_store *store);

/* Validation shared by every writer (also used by the plugin to answer early). */
int vmr_room_name_is_valid(const char *name);
int vmr_room_pin_is_valid(const char *pin);       /* NULL or "" means no PIN: valid */
int vmr_room_layout_is_valid(const char *layout);

/* Creates a room; meeting_number 0 picks a free random one. On success fills out->id
 * and out->meeting_number when out is not NULL. */
int vmr_store_room_create(vmr_store *store, const char *name, const char *pin,
	const char *layout, int meeting_number, vmr_room *out);
/* Looks a room up by name; fills *out (caller calls vmr_room_clear). */
int vmr_store_room_get(vmr_store *store, const char *name, vmr_room *out);
int vmr_store_room_get_by_number(vmr_store *store, int meeting_number, vmr_room *out);
void vmr_room_clear(vmr_room *room);

#endif
