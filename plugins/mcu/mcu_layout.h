/*
 * mcu_layout.h - where each participant's picture goes on the composed canvas: a grid of
 * 1, 1x2, 2x2 or 3x3 cells and an aspect-keeping (letterboxed) fit inside a cell.
 *
 * Threads: pure functions. Ownership: none.
 */
#ifndef TPAAS_MCU_LAYOUT_H
#define TPAAS_MCU_LAYOUT_H

#include "mcu_image.h"

#define MCU_LAYOUT_MAX_TILES 9

/* Number of tiles shown for n senders (at most MCU_LAYOUT_MAX_TILES). */
unsigned mcu_layout_tiles(unsigned n);
/* Cell of tile index (0-based) when n tiles share a canvas of w x h. Cell edges are even.
 * Returns 0 or -EINVAL (index out of range, n == 0, canvas too small). */
int mcu_layout_grid_cell(unsigned n, unsigned index, int w, int h, mcu_rect *cell);
/* Largest rectangle of src_w:src_h aspect centred in cell, with even position and size. */
int mcu_layout_fit(const mcu_rect *cell, int src_w, int src_h, mcu_rect *out);

#endif
