/*
 * mcu_layout.c - grid layout and letterbox fit (see mcu_layout.h).
 */
#include "mcu_layout.h"

#include <errno.h>
#include <stdint.h>

unsigned mcu_layout_tiles(unsigned n)
{
	return n > MCU_LAYOUT_MAX_TILES ? MCU_LAYOUT_MAX_TILES : n;
}

static int even_down(int v)
{
	return v & ~1;
}

int mcu_layout_grid_cell(unsigned n, unsigned index, int w, int h, mcu_rect *cell)
{
	n = mcu_layout_tiles(n);
	if (!cell || n == 0 || index >= n || w < 4 || h < 4)
		return -EINVAL;
	int cols, rows;
	if (n == 1) {
		cols = 1; rows = 1;
	} else if (n == 2) {
		cols = 2; rows = 1;
	} else if (n <= 4) {
		cols = 2; rows = 2;
	} else {
		cols = 3; rows = 3;
	}
	int c = (int)index % cols, r = (int)index / cols;
	int x0 = even_down(w * c / cols), x1 = (c + 1 == cols) ? w : even_down(w * (c + 1) / cols);
	int y0 = even_down(h * r / rows), y1 = (r + 1 == rows) ? h : even_down(h * (r + 1) / rows);
	*cell = (mcu_rect){ .x = x0, .y = y0, .w = x1 - x0, .h = y1 - y0 };
	return 0;
}

int mcu_layout_fit(const mcu_rect *cell, int src_w, int src_h, mcu_rect *out)
{
	if (!cell || !out || src_w < 1 || src_h < 1 || cell->w < 2 || cell->h < 2)
		return -EINVAL;
	int w, h;
	if ((int64_t)src_w * cell->h >= (int64_t)src_h * cell->w) {
		w = cell->w;
		h = (int)((int64_t)cell->w * src_h / src_w);
	} else {
		h = cell->h;
		w = (int)((int64_t)cell->h * src_w / src_h);
	}
	w = even_down(w);
	h = even_down(h);
	if (w < 2)
		w = 2;
	if (h < 2)
		h = 2;
	if (w > even_down(cell->w))
		w = even_down(cell->w);
	if (h > even_down(cell->h))
		h = even_down(cell->h);
	out->w = w;
	out->h = h;
	out->x = cell->x + even_down((cell->w - w) / 2);
	out->y = cell->y + even_down((cell->h - h) / 2);
	return 0;
}
