/*
 * mcu_layout.h - where each participant's picture goes on the composed canvas.
 *  - The room's layouts (mcu_layout_kind, public in mcu_room.h): `speaker` (one pane),
 *    `1+7` (a main pane on top and up to 7 thumbnails of 1/8 of the canvas in a row under
 *    it, centred), `2x2` and `3x3` (fixed equal cells in reading order; unused cells stay
 *    dark). Slot 0 is the main pane where there is one. With 640x360 senders on a 1280x720
 *    canvas, 2x2 cells are an exact copy and 1+7 thumbnails an exact 1/4 (cheap scaling).
 *  - The older automatic grid of 1, 1x2, 2x2 or 3x3 cells, and an aspect-keeping
 *    (letterboxed) fit inside a cell.
 *
 * Threads: pure functions. Ownership: none.
 */
#ifndef TPAAS_MCU_LAYOUT_H
#define TPAAS_MCU_LAYOUT_H

#include "mcu_image.h"
#include "mcu_room.h" /* mcu_layout_kind */

#define MCU_LAYOUT_MAX_TILES 9

/* The presentation layout (mcu_content.h). Not a layout a host chooses (it has no name and
 * mcu_room_set_layout refuses it): the room composes it while someone presents, for the
 * participants that do not receive the content on a stream of its own. The content takes a
 * pane on the left (4/5 of the width, the whole height, see mcu_layout_content_pane); up to
 * MCU_LAYOUT_STRIP_TILES people, the active speaker first, stand in a strip on the right in
 * tiles of 1/5 of the canvas (its aspect), stacked from the top. */
#define MCU_LAYOUT_PRESENTATION ((mcu_layout_kind)100)
#define MCU_LAYOUT_STRIP_TILES  5
/* The content pane of the presentation layout on a w x h canvas. Returns 0 or -EINVAL. */
int mcu_layout_content_pane(int w, int h, mcu_rect *pane);

/* Largest rectangle of src_w:src_h aspect centred in cell, with even position and size. */
int mcu_layout_fit(const mcu_rect *cell, int src_w, int src_h, mcu_rect *out);

/* Tiles a layout shows at most: speaker 1, 1+7 8, 2x2 4, 3x3 9, presentation 5 (0 for an
 * unknown kind). */
unsigned mcu_layout_slots(mcu_layout_kind kind);
/* True when slot 0 is a main pane (speaker, 1+7) that the active speaker takes (for the
 * presentation layout: the top of the strip). */
bool mcu_layout_has_main(mcu_layout_kind kind);
/* Cells of the first n slots (n is capped at the slot count) on a w x h canvas; cells needs
 * room for MCU_LAYOUT_MAX_TILES. *count gets the number written. Cells have even edges, lie
 * inside the canvas and do not overlap. Returns 0 or -EINVAL (unknown kind, w or h < 16). */
int mcu_layout_cells(
	mcu_layout_kind kind, unsigned n, int w, int h, mcu_rect *cells, unsigned *count);

#endif
