/*
 * mcu_content_priv.h - the hooks between the room (mcu_room*.c) and its content
 * (mcu_content.c, public API in mcu_content.h). Not installed, not for the plugins.
 *
 * Threads: as noted per function. Ownership: the room owns its mcu_content (created in
 * mcu_room_new, released in its destruction; the input path holds a reference of its own
 * while it works, so a room dying meanwhile does not free it under it); a participant owns
 * its mcu_content_part.
 */
#ifndef TPAAS_MCU_CONTENT_PRIV_H
#define TPAAS_MCU_CONTENT_PRIV_H

#include "mcu_room_priv.h"
#include "mcu_content.h"

typedef struct mcu_content mcu_content;
typedef struct mcu_content_part mcu_content_part;

/* Life cycle (mcu_room.c). */
mcu_content *mcu_content_new(mcu_room *room);
void mcu_content_unref(mcu_content *c);
mcu_content_part *mcu_content_part_new(void);
void mcu_content_part_free(mcu_content_part *cp);
void mcu_content_reset_stats(mcu_content *c);
/* mcu_room_leave(): p stops presenting if it did (content_changed follows). */
void mcu_content_participant_left(mcu_room *room, mcu_participant *p);

/* Audio thread: tells content_changed when the presenter changed since last told. */
void mcu_content_emit_changed(mcu_room *room);

/* Video thread (the content stream: the content thread, see there). */
/* Someone presents (the presentation picture is composed for those without content). */
bool mcu_content_presenting(mcu_content *c);
/* The participant receives content on a stream of its own. */
bool mcu_content_receives(mcu_content_part *cp);
/* Draws the content into the content pane of the presentation layout on canvas (the
 * presenter's name on grey until its first picture is decoded). */
void mcu_content_draw(mcu_content *c, mcu_image *canvas);
/* Manual clock only, from the video tick: encodes the content when a content frame is due
 * (content_fps) and sends it to its receivers. */
void mcu_content_video_tick(mcu_room *room, GPtrArray *parts);
/* The room's content thread (started by mcu_room_new without a manual clock): the same at
 * content_fps on the monotonic clock, so a content encode (a 1080p slide) never delays the
 * composed pictures; its CPU time counts as the room's video_cpu_us. */
gpointer mcu_content_thread(gpointer room);
/* Counts the composed pictures of a tick (figures of mcu_room_get_content_stats). */
void mcu_content_count_pictures(mcu_content *c, bool people, bool presentation);

#endif
