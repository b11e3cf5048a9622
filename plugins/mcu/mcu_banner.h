/*
 * mcu_banner.h - "who is here" for participants that have no participant list (room systems,
 * phones): when someone joins or leaves, the composed picture shows a short banner
 * ("María joined", "María left") at its top for MCU_BANNER_US, and participants that asked
 * for cues (the SIP bridge's callers) hear a soft two-note chime mixed into what they receive:
 * rising (MCU_CUE_LOW_HZ, then MCU_CUE_HIGH_HZ) when someone joins, falling when someone
 * leaves. Browsers get the banner in the picture like everyone but no chime (they have a list).
 *
 * Time: the banner's start is read from the room's clock (mcu_room_now) and the chime is played
 * tick by tick by the audio thread, so a manual-clock room (mcu_room_config.manual_clock)
 * shows, hides and plays them the same way on every run.
 *
 * Threads: any. The banner's state is under one leaf mutex of this module, taken for a copy
 * only; the video thread draws it, the audio thread plays the chime.
 * Ownership: the text is copied.
 */
#ifndef TPAAS_MCU_BANNER_H
#define TPAAS_MCU_BANNER_H

#include <stdbool.h>

#include "mcu_room.h"

#define MCU_BANNER_US     4000000 /* how long the banner stays */
#define MCU_BANNER_TEXT   128     /* bytes kept of "<name> joined" (cut at a character) */
#define MCU_CUE_LOW_HZ    660
#define MCU_CUE_HIGH_HZ   880
#define MCU_CUE_NOTE_US   120000 /* each of the two notes */
#define MCU_CUE_AMPLITUDE 3000   /* of 32767: about -21 dBFS, under speech */

/* Someone (display, may be "" or NULL: "Someone") joined (true) or left (false) the room:
 * shows the banner (replacing one still shown) and starts the chime. Does nothing when nobody
 * else is in the room to see or hear it (a join into an empty room, the last one leaving). */
void mcu_room_announce(mcu_room *room, const char *display, bool joined);

/* Whether the participant hears the chimes (default: no). */
void mcu_participant_set_cues(mcu_participant *p, bool on);

#endif
